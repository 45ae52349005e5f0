// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>

#include <optional>

namespace Baton {

class Database;

/// The organisation (org.yaml: calendars, departments, queues) as published: its text and
/// hash, one version per change. The departments and queues are parsed from the text, so the
/// store needs no table per kind and old versions stay readable.
class OrgVersions
{
public:
    struct Stored
    {
        int version = 0;
        QByteArray source;
        QString hash;
        QDateTime publishedAt;
    };
    /// Stores `source` as a new version unless it equals the newest; returns the current one.
    static Result<int> publish(Database &database, const QByteArray &source, const QDateTime &now);
    /// The newest version, or nullopt before the first publish.
    static Result<std::optional<Stored>> current(Database &database);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/workflowversions.h"

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
        VersionOrigin origin;
    };
    /// What publishFile() did.
    struct FileOutcome
    {
        int current = 0; ///< the current version after it
        bool published = false;
        std::optional<PublishConflict> conflict; ///< the file was left unpublished
    };
    /// Stores `source` as a new version from `origin` unless it equals the newest; returns the
    /// current one. `announceAs` (PostgreSQL): a new version is announced to the other servers
    /// on the database in the same transaction (ChangeNotice::organisation), so that it is
    /// heard if and only if it committed.
    static Result<int> publish(Database &database, const QByteArray &source,
                               const VersionOrigin &origin, const QDateTime &now,
                               const QString &announceAs = {});
    /// The start-up publish of the organisation's files (`path`: org.yaml or the org/ folder),
    /// by the rule of decideFilePublish().
    static Result<FileOutcome> publishFile(Database &database, const QByteArray &source,
                                           const QString &path, const QDateTime &now);
    /// The newest version, or nullopt before the first publish.
    static Result<std::optional<Stored>> current(Database &database);
};

} // namespace Baton

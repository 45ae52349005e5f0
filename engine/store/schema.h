// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>
#include <QStringList>

namespace Baton {

class Database;

/// Versioned, forward-only schema migrations, the same on SQLite and PostgreSQL. Applied
/// versions are recorded in `schema_migrations`; each migration runs in its own transaction.
///
/// Conventions of the schema: instants are BIGINT milliseconds since the Unix epoch (UTC);
/// JSON documents are TEXT; booleans are INTEGER 0/1. This keeps one SQL text for both
/// databases and makes "sorted by due" a plain integer index.
class Schema
{
public:
    /// The newest schema version this build knows.
    static int latestVersion();
    /// The version the database is at (0 for an empty database).
    static Result<int> currentVersion(Database &database);
    /// Applies every missing migration; returns the version reached. Safe to run repeatedly and
    /// from several processes at once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
    static Result<int> migrate(Database &database);

    /// A migration that migrate() would apply, with its statements as this database spells
    /// them; for `baton migrate --dry-run`.
    struct Pending
    {
        int version = 0;
        QStringList statements;
    };
    /// Every migration recorded in the database, in number order.
    static Result<QList<int>> appliedVersions(Database &database);
    /// The migrations not in `applied`, oldest first, for SQLite or PostgreSQL: numbers are
    /// handed out per branch, so one below the database's version may still be missing.
    static QList<Pending> pending(const QList<int> &applied, bool sqlite);
};

} // namespace Baton

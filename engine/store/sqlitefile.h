// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

#include <functional>

namespace Baton::SqliteFile {

/// What a Baton SQLite database file holds.
struct Contents
{
    int schemaVersion = 0;
    /// Every migration recorded, in number order (numbers are handed out per branch, so one
    /// below schemaVersion may still be missing).
    QList<int> appliedVersions;
    qint64 tickets = 0;
    qint64 pages = 0;
    qint64 bytes = 0;
};

/// Opens `path` read-only and checks that it is a Baton database (schema_migrations, tickets
/// and events tables) of a schema version this build knows (1 .. Schema::latestVersion()).
/// Never creates nor changes the file.
Result<Contents> inspect(const QString &path);

struct CopyOptions
{
    /// Pages copied per step of SQLite's online backup; progress is reported between steps.
    int pagesPerStep = 1024;
    /// A pause between steps, to leave the disk to a busy server during a long copy.
    int pauseMs = 0;
    /// How long a copy waits on SQLITE_BUSY / SQLITE_LOCKED before giving up.
    int busyTimeoutMs = 30000;
    /// Called after each step: pages copied, pages in all (equal after the last step).
    std::function<void(qint64 done, qint64 total)> progress;
};

/// Writes a consistent copy of the Baton database `source` to `target` with SQLite's online
/// backup API, while a server may be writing to `source`: the copy is the database as of one
/// instant, every ticket with all of its events. `source` is opened read-only. The copy is
/// written next to `target` and renamed onto it once complete and checked, so `target` is never
/// a partial file; it is a self-contained file (rollback journal, not WAL).
Result<Contents> backup(const QString &source, const QString &target, const CopyOptions &options);

/// Replaces the database `target` (created if absent) with the Baton database `source`, page
/// by page under an exclusive lock on `target`. Refused while any other connection has
/// `target` open (a running `baton serve`): the lock is not granted then. Does not migrate.
Result<Contents> restore(const QString &source, const QString &target, const CopyOptions &options);

} // namespace Baton::SqliteFile

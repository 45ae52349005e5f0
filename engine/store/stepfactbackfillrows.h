// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports (issue 17): the rows the back-fill of old tickets' step facts reads and the position
// it keeps in table report_backfills (migration 11), so that an interrupted back-fill resumes.

#include "core/result.h"
#include "store/ticketrows.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>

#include <optional>
#include <utility>

namespace Baton {

/// Where the back-fill of old tickets' facts stands (migration 11 records it): the tickets
/// with ids in (nextTicket, lastTicket] are still to derive.
struct BackfillPosition
{
    qint64 nextTicket = 0;
    qint64 lastTicket = 0;
};

class StepFactBackfillStore
{
public:
    /// The back-fill's position; none when there is nothing (left) to back-fill, also when the
    /// record's last ticket is 0 (ids start at 1).
    static Result<std::optional<BackfillPosition>> backfillPosition(const QSqlDatabase &db);
    /// Up to `limit` tickets of (position.nextTicket, position.lastTicket], ascending by id:
    /// each id with its version (the seq of its last event), read without a lock.
    static Result<QList<std::pair<qint64, qint64>>>
    ticketsToBackfill(const QSqlDatabase &db, const BackfillPosition &position, int limit);
    /// The versions of `ticketIds` (by id; a ticket not there is missing), their rows locked
    /// until the transaction ends: the engine cannot write one of them until the back-fill's
    /// facts are in. PostgreSQL: FOR NO KEY UPDATE, which the engine's own writes wait for but
    /// the foreign keys of its inserts (KEY SHARE) do not; SQLite: BEGIN IMMEDIATE already
    /// holds the write lock.
    static Result<QHash<qint64, qint64>> lockedVersions(const QSqlDatabase &db,
                                                        const QList<qint64> &ticketIds);
    /// Every event of `ticketIds`, by ticket and seq.
    static Result<QList<EventRow>> eventsOf(const QSqlDatabase &db, const QList<qint64> &ticketIds);
    /// Records that the tickets up to `ticketId` are derived.
    static Result<void> advanceBackfill(const QSqlDatabase &db, qint64 ticketId);
    /// Records that the back-fill is finished.
    static Result<void> finishBackfill(const QSqlDatabase &db);
    /// Removes a record whose last ticket is 0: it has nothing to do (no roll-up to queue).
    static Result<void> dropEmptyBackfill(const QSqlDatabase &db);
};

} // namespace Baton

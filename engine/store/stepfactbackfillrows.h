// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports (issue 17): the rows the back-fill of old tickets' step facts reads and the position
// it keeps in table report_backfills (migration 11), so that an interrupted back-fill resumes.

#include "core/result.h"
#include "store/ticketrows.h"

#include <QList>
#include <QSqlDatabase>

#include <optional>

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
    /// The back-fill's position; none when there is nothing (left) to back-fill.
    static Result<std::optional<BackfillPosition>> backfillPosition(const QSqlDatabase &db);
    /// Up to `limit` ticket ids of (position.nextTicket, position.lastTicket], ascending.
    static Result<QList<qint64>> ticketIdsToBackfill(const QSqlDatabase &db,
                                                     const BackfillPosition &position, int limit);
    /// Every event of `ticketIds`, by ticket and seq.
    static Result<QList<EventRow>> eventsOf(const QSqlDatabase &db, const QList<qint64> &ticketIds);
    /// Records that the tickets up to `ticketId` are derived.
    static Result<void> advanceBackfill(const QSqlDatabase &db, qint64 ticketId);
    /// Records that the back-fill is finished.
    static Result<void> finishBackfill(const QSqlDatabase &db);
};

} // namespace Baton

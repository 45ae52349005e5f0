// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/ticketcounts.h"

#include "store/database.h"

namespace Baton {

Result<QHash<QString, TicketCounts::Queue>> TicketCounts::byQueue(Database &database, qint64 nowMs)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto q = runQuery(
        *db,
        // ticket_queues_current: each open ticket in its queue and each open branch in its own,
        // with that one's due and risk instants.
        QStringLiteral("SELECT queue, COUNT(*), SUM(CASE WHEN at_risk_at <= ? AND due_at > ? "
                       "THEN 1 ELSE 0 END), SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END) "
                       "FROM ticket_queues_current WHERE status = 'open' GROUP BY queue"),
        {nowMs, nowMs, nowMs});
    if (!q)
        return Error {q.error()};
    QHash<QString, Queue> counts;
    while (q->next())
        counts.insert(
            q->value(0).toString(),
            {q->value(1).toLongLong(), q->value(2).toLongLong(), q->value(3).toLongLong()});
    return counts;
}

Result<qint64> TicketCounts::open(Database &database)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto q = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM tickets WHERE status = 'open'"));
    if (!q)
        return Error {q.error()};
    if (!q->next())
        return Error {QStringLiteral("no row")};
    return q->value(0).toLongLong();
}

Result<void> pingDatabase(Database &database)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto q = runQuery(*db, QStringLiteral("SELECT 1"));
    if (!q)
        return Error {q.error()};
    if (!q->next())
        return Error {QStringLiteral("no row")};
    return {};
}

} // namespace Baton

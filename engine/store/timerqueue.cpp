// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/timerqueue.h"

#include "store/database.h"

#include <QSqlQuery>

#include <algorithm>

namespace Baton {

Result<QList<DueTimer>> TimerQueue::lease(const QSqlDatabase &db, qint64 nowMs, int limit,
                                          qint64 leaseUntilMs)
{
    auto query = runQuery(
        db,
        QStringLiteral("WITH due AS (SELECT id, ticket_id, due_at FROM timers WHERE due_at <= ? "
                       "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
                       "UPDATE timers SET due_at = ? FROM due WHERE timers.id = due.id "
                       "RETURNING due.id, due.ticket_id, due.due_at"),
        {nowMs, limit, leaseUntilMs});
    if (!query)
        return Error {query.error()};
    QList<DueTimer> rows;
    while (query->next())
        rows.append({query->value(0).toLongLong(), query->value(1).toLongLong(),
                     query->value(2).toLongLong(), leaseUntilMs});
    // RETURNING keeps no order.
    std::sort(rows.begin(), rows.end(), [](const DueTimer &a, const DueTimer &b) {
        return a.dueAt != b.dueAt ? a.dueAt < b.dueAt : a.id < b.id;
    });
    return rows;
}

Result<QList<DueTimer>> TimerQueue::dueAfter(const QSqlDatabase &db, qint64 nowMs,
                                             const DueTimer &after, int limit)
{
    auto query = runQuery(
        db,
        QStringLiteral("SELECT id, ticket_id, due_at FROM timers WHERE due_at <= ? AND "
                       "(due_at > ? OR (due_at = ? AND id > ?)) ORDER BY due_at, id LIMIT ?"),
        {nowMs, after.dueAt, after.dueAt, after.id, limit});
    if (!query)
        return Error {query.error()};
    QList<DueTimer> rows;
    while (query->next()) {
        const qint64 due = query->value(2).toLongLong();
        rows.append({query->value(0).toLongLong(), query->value(1).toLongLong(), due, due});
    }
    return rows;
}

Result<std::optional<qint64>> TimerQueue::earliestDue(const QSqlDatabase &db)
{
    auto query = runQuery(db, QStringLiteral("SELECT MIN(due_at) FROM timers"));
    if (!query)
        return Error {query.error()};
    if (!query->next() || query->value(0).isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(query->value(0).toLongLong());
}

} // namespace Baton

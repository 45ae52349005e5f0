// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/outboxqueue.h"

#include "store/database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Baton {

namespace {

const QString entryColumns
    = QStringLiteral("delivery_id, channel, ticket_id, kind, payload, created_at, status, "
                     "attempts, next_attempt_at, last_error, last_attempt_at, receipt");

OutboxEntry entryOf(const QSqlQuery &query)
{
    OutboxEntry e;
    e.row.deliveryId = query.value(0).toString();
    e.row.channel = query.value(1).toString();
    e.row.ticketId = query.value(2).toLongLong();
    e.row.kind = query.value(3).toString();
    e.row.payload = query.value(4).toString().toUtf8();
    e.row.createdAt = query.value(5).toLongLong();
    e.status = query.value(6).toString();
    e.attempts = query.value(7).toInt();
    e.nextAttemptAt = query.value(8).toLongLong();
    e.lastError = query.value(9).toString();
    if (!query.value(10).isNull())
        e.lastAttemptAt = query.value(10).toLongLong();
    e.receipt = query.value(11).toString();
    return e;
}

Result<QList<OutboxEntry>> entries(Result<QSqlQuery> query)
{
    if (!query)
        return query.failure();
    QList<OutboxEntry> list;
    while (query->next())
        list.append(entryOf(*query));
    return list;
}

} // namespace

Result<QList<OutboxEntry>> OutboxQueue::claim(const QSqlDatabase &db, qint64 nowMs, int limit,
                                              qint64 leaseUntilMs)
{
    const bool postgresql = db.driverName() == u"QPSQL";
    // SQLite: one writer at a time, so the subquery and the update cannot interleave.
    const QString due = QStringLiteral("SELECT delivery_id FROM outbox WHERE status = 'pending' "
                                       "AND next_attempt_at <= ? ORDER BY next_attempt_at "
                                       "LIMIT ?")
        + (postgresql ? QStringLiteral(" FOR UPDATE SKIP LOCKED") : QString());
    auto claimed = entries(
        runQuery(db,
                 QStringLiteral("UPDATE outbox SET next_attempt_at = ? WHERE delivery_id IN (")
                     + due + QStringLiteral(") RETURNING ") + entryColumns,
                 {leaseUntilMs, nowMs, limit}));
    if (!claimed)
        return claimed;
    // RETURNING keeps no order: oldest first, as they were caused.
    std::sort(claimed->begin(), claimed->end(), [](const OutboxEntry &a, const OutboxEntry &b) {
        return a.row.createdAt < b.row.createdAt;
    });
    return claimed;
}

Result<void> OutboxQueue::markDelivered(const QSqlDatabase &db, const QString &deliveryId,
                                        qint64 atMs, const QString &receipt)
{
    auto query = runQuery(db,
                          QStringLiteral("UPDATE outbox SET status = 'delivered', attempts = "
                                         "attempts + 1, last_attempt_at = ?, receipt = ?, "
                                         "last_error = NULL WHERE delivery_id = ?"),
                          {atMs, receipt, deliveryId});
    if (!query)
        return query.failure();
    return {};
}

Result<void> OutboxQueue::markFailed(const QSqlDatabase &db, const QString &deliveryId, qint64 atMs,
                                     const QString &error, qint64 retryAtMs, bool dead)
{
    auto query = runQuery(db,
                          QStringLiteral("UPDATE outbox SET status = ?, attempts = attempts + 1, "
                                         "last_attempt_at = ?, last_error = ?, next_attempt_at = "
                                         "? WHERE delivery_id = ?"),
                          {dead ? QStringLiteral("dead") : QStringLiteral("pending"), atMs, error,
                           retryAtMs, deliveryId});
    if (!query)
        return query.failure();
    return {};
}

Result<QList<OutboxEntry>> OutboxQueue::list(const QSqlDatabase &db, const QString &status,
                                             int limit)
{
    return entries(runQuery(db,
                            QStringLiteral("SELECT ") + entryColumns
                                + QStringLiteral(" FROM outbox WHERE status = ? ORDER BY "
                                                 "created_at DESC, delivery_id LIMIT ?"),
                            {status, limit}));
}

Result<bool> OutboxQueue::retryDead(const QSqlDatabase &db, const QString &deliveryId, qint64 nowMs)
{
    auto query = runQuery(db,
                          QStringLiteral("UPDATE outbox SET status = 'pending', attempts = 0, "
                                         "next_attempt_at = ? WHERE delivery_id = ? AND status = "
                                         "'dead'"),
                          {nowMs, deliveryId});
    if (!query)
        return query.failure();
    return query->numRowsAffected() == 1;
}

Result<std::optional<qint64>> OutboxQueue::earliestDue(const QSqlDatabase &db)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT MIN(next_attempt_at) FROM outbox WHERE "
                                         "status = 'pending'"));
    if (!query)
        return query.failure();
    if (!query->next() || query->value(0).isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(query->value(0).toLongLong());
}

} // namespace Baton

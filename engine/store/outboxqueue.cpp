// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/outboxqueue.h"

#include "store/database.h"
#include "store/ticketcolumns.h"

#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace Baton {

namespace {

const QString entryColumns
    = QStringLiteral("delivery_id, channel, ticket_id, kind, payload, created_at, status, "
                     "attempts, next_attempt_at, last_error, last_attempt_at, receipt, "
                     "failure_kind");

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
    e.failureKind = query.value(12).toString();
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

QVariant nullableTime(std::optional<qint64> value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<qlonglong>());
}

std::optional<qint64> optionalTime(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

// Oldest first, as they were caused.
void sortByCreation(QList<OutboxEntry> &list)
{
    std::sort(list.begin(), list.end(), [](const OutboxEntry &a, const OutboxEntry &b) {
        return a.row.createdAt < b.row.createdAt;
    });
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
                 QStringLiteral("UPDATE outbox SET next_attempt_at = ?, leased_by = ")
                     + (postgresql ? QStringLiteral("pg_backend_pid()") : QStringLiteral("1"))
                     + QStringLiteral(" WHERE delivery_id IN (") + due
                     + QStringLiteral(") RETURNING ") + entryColumns,
                 {leaseUntilMs, nowMs, limit}));
    if (!claimed)
        return claimed;
    sortByCreation(*claimed); // RETURNING keeps no order
    return claimed;
}

Result<QList<OutboxEntry>> OutboxQueue::due(const QSqlDatabase &db, qint64 nowMs, int limit,
                                            const QSet<QString> &except)
{
    // Those in hand left out by the statement (not read and dropped: each row read costs its
    // payload's conversion).
    QVariantList values {nowMs};
    for (const QString &id : except)
        values << id;
    values << limit;
    auto due = entries(runQuery(
        db,
        QStringLiteral("SELECT ") + entryColumns
            + QStringLiteral(" FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?")
            + (except.isEmpty() ? QString()
                                : QStringLiteral(" AND delivery_id NOT IN (")
                       + TicketColumns::placeholders(int(except.size())) + u')')
            + QStringLiteral(" ORDER BY next_attempt_at LIMIT ?"),
        values));
    if (!due)
        return due;
    sortByCreation(*due);
    return due;
}

Result<int> OutboxQueue::releaseAbandonedLeases(const QSqlDatabase &db, qint64 nowMs)
{
    // SQLite: one server per file, so at its start every lease is one its killed predecessor
    // left. PostgreSQL: a lease names the database session that took it; a session that is gone
    // (its server killed, or its connection lost) no longer holds anything.
    const bool postgresql = db.driverName() == u"QPSQL";
    auto query = runQuery(
        db,
        QStringLiteral("UPDATE outbox SET next_attempt_at = ?, leased_by = NULL WHERE status = "
                       "'pending' AND leased_by IS NOT NULL")
            + (postgresql
                   ? QStringLiteral(" AND leased_by NOT IN (SELECT pid FROM pg_stat_activity)")
                   : QString()),
        {nowMs});
    if (!query)
        return query.failure();
    return query->numRowsAffected();
}

Result<void> OutboxQueue::markDelivered(const QSqlDatabase &db, const QList<Delivered> &rows)
{
    // Each row's own time and receipt from a VALUES list joined by delivery id (UPDATE ... FROM:
    // SQLite 3.33+, PostgreSQL); the casts give PostgreSQL the values' types.
    constexpr qsizetype chunk = 200;
    for (qsizetype start = 0; start < rows.size(); start += chunk) {
        const qsizetype count = std::min(chunk, rows.size() - start);
        QString values;
        QVariantList bound;
        bound.reserve(count * 3);
        for (qsizetype i = start; i < start + count; ++i) {
            if (i > start)
                values += QLatin1String(", ");
            values += QLatin1String("(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT))");
            bound << rows.at(i).deliveryId << rows.at(i).atMs << rows.at(i).receipt;
        }
        auto query = runQuery(
            db,
            QStringLiteral("WITH delivered (id, at, receipt) AS (VALUES ") + values
                + QStringLiteral(") UPDATE outbox SET leased_by = NULL, status = 'delivered', "
                                 "attempts = attempts + 1, last_attempt_at = delivered.at, "
                                 "receipt = delivered.receipt, last_error = NULL, failure_kind "
                                 "= NULL FROM delivered WHERE outbox.delivery_id = delivered.id"),
            bound);
        if (!query)
            return query.failure();
    }
    return {};
}

Result<void> OutboxQueue::markFailed(const QSqlDatabase &db, const QString &deliveryId, qint64 atMs,
                                     const QString &error, qint64 retryAtMs, bool dead,
                                     const QString &failureKind)
{
    auto query = runQuery(
        db,
        QStringLiteral("UPDATE outbox SET leased_by = NULL, status = ?, attempts = attempts + 1, "
                       "last_attempt_at = ?, last_error = ?, next_attempt_at = "
                       "?, failure_kind = ? WHERE delivery_id = ?"),
        {dead ? QStringLiteral("dead") : QStringLiteral("pending"), atMs, error, retryAtMs,
         failureKind, deliveryId});
    if (!query)
        return query.failure();
    return {};
}

Result<void> OutboxQueue::deferForChannel(const QSqlDatabase &db, const QString &deliveryId,
                                          qint64 untilMs)
{
    auto query = runQuery(
        db,
        QStringLiteral("UPDATE outbox SET leased_by = NULL, next_attempt_at = ?, failure_kind = "
                       "COALESCE(failure_kind, 'channel') WHERE delivery_id = ? AND status = "
                       "'pending'"),
        {untilMs, deliveryId});
    if (!query)
        return query.failure();
    return {};
}

Result<int> OutboxQueue::releaseChannel(const QSqlDatabase &db, const QString &channel,
                                        qint64 nowMs)
{
    // Pending rows are few (the outbox_due index finds them); delivered history is not read.
    auto query = runQuery(
        db,
        QStringLiteral("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND "
                       "next_attempt_at > ? AND channel = ? AND failure_kind = 'channel' AND "
                       "leased_by IS NULL"),
        {nowMs, nowMs, channel});
    if (!query)
        return query.failure();
    return query->numRowsAffected();
}

Result<int> OutboxQueue::enqueue(const QSqlDatabase &db, const QList<OutboxRow> &rows)
{
    int added = 0;
    for (const OutboxRow &row : rows) {
        auto inserted = runQuery(
            db,
            QStringLiteral("INSERT INTO outbox (delivery_id, channel, ticket_id, kind, payload, "
                           "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                           "(delivery_id) DO NOTHING"),
            {row.deliveryId, row.channel,
             row.ticketId ? QVariant(row.ticketId) : QVariant(QMetaType(QMetaType::LongLong)),
             row.kind, QString::fromUtf8(row.payload), row.createdAt, row.createdAt});
        if (!inserted)
            return inserted.failure();
        added += inserted->numRowsAffected() > 0 ? 1 : 0;
    }
    return added;
}

Result<QSet<QString>> OutboxQueue::existing(const QSqlDatabase &db, const QStringList &deliveryIds)
{
    QSet<QString> found;
    for (qsizetype start = 0; start < deliveryIds.size(); start += 500) {
        const QStringList chunk = deliveryIds.mid(start, 500);
        QVariantList values;
        for (const QString &id : chunk)
            values << id;
        auto rows = runQuery(db,
                             u"SELECT delivery_id FROM outbox WHERE delivery_id IN ("
                                 + TicketColumns::placeholders(int(chunk.size())) + u')',
                             values);
        if (!rows)
            return rows.failure();
        while (rows->next())
            found.insert(rows->value(0).toString());
    }
    return found;
}

Result<void> OutboxQueue::postpone(const QSqlDatabase &db, const QString &deliveryId,
                                   qint64 untilMs, const QString &why)
{
    auto query = runQuery(
        db,
        QStringLiteral("UPDATE outbox SET leased_by = NULL, next_attempt_at = ?, last_error = ? "
                       "WHERE delivery_id = ? AND status = 'pending'"),
        {untilMs, why, deliveryId});
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

Result<QList<OutboxEntry>> OutboxQueue::search(const QSqlDatabase &db, const DeliverySearch &search)
{
    QStringList conditions;
    QVariantList values;
    if (search.ticketId) {
        conditions << QStringLiteral("o.ticket_id = ?");
        values << *search.ticketId;
    }
    if (!search.ticketKey.isEmpty()) {
        conditions << QStringLiteral("t.key = ?");
        values << search.ticketKey;
    }
    if (!search.channel.isEmpty()) {
        conditions << QStringLiteral("o.channel = ?");
        values << search.channel;
    }
    if (!search.status.isEmpty()) {
        conditions << QStringLiteral("o.status = ?");
        values << search.status;
    }
    values << search.limit;
    QString columns = entryColumns;
    columns.replace(QStringLiteral(", "), QStringLiteral(", o.")).prepend(QStringLiteral("o."));
    auto query = runQuery(
        db,
        QStringLiteral("SELECT ") + columns
            + QStringLiteral(", t.key FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket_id")
            + (conditions.isEmpty()
                   ? QString()
                   : QStringLiteral(" WHERE ") + conditions.join(QStringLiteral(" AND ")))
            + QStringLiteral(" ORDER BY o.created_at DESC, o.delivery_id LIMIT ?"),
        values);
    if (!query)
        return query.failure();
    QList<OutboxEntry> list;
    while (query->next()) {
        list.append(entryOf(*query));
        list.last().ticketKey = query->value(13).toString();
    }
    return list;
}

Result<std::optional<OutboxEntry>> OutboxQueue::find(const QSqlDatabase &db,
                                                     const QString &deliveryId)
{
    auto found = entries(runQuery(db,
                                  QStringLiteral("SELECT ") + entryColumns
                                      + QStringLiteral(" FROM outbox WHERE delivery_id = ?"),
                                  {deliveryId}));
    if (!found)
        return found.failure();
    if (found->isEmpty())
        return std::optional<OutboxEntry>();
    return std::optional<OutboxEntry>(found->first());
}

Result<void> OutboxQueue::recordHealth(const QSqlDatabase &db, const QString &channel,
                                       std::optional<qint64> successAt,
                                       std::optional<qint64> failureAt, const QString &failure)
{
    // One statement both databases spell alike (SQLite 3.24+ and PostgreSQL 9.5+ upsert).
    auto query = runQuery(
        db,
        QStringLiteral(
            "INSERT INTO channel_health (channel, last_success_at, last_failure_at, "
            "last_failure) VALUES (?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET "
            "last_success_at = COALESCE(excluded.last_success_at, "
            "channel_health.last_success_at), last_failure_at = "
            "COALESCE(excluded.last_failure_at, channel_health.last_failure_at), last_failure = "
            "CASE WHEN excluded.last_failure_at IS NULL THEN channel_health.last_failure ELSE "
            "excluded.last_failure END"),
        {channel, nullableTime(successAt), nullableTime(failureAt),
         failureAt ? QVariant(failure) : QVariant(QMetaType::fromType<QString>())});
    if (!query)
        return query.failure();
    return {};
}

Result<QHash<QString, ChannelHealth>> OutboxQueue::health(const QSqlDatabase &db)
{
    QHash<QString, ChannelHealth> health;
    auto recorded = runQuery(db,
                             QStringLiteral("SELECT channel, last_success_at, last_failure_at, "
                                            "last_failure FROM channel_health"));
    if (!recorded)
        return recorded.failure();
    while (recorded->next()) {
        ChannelHealth &h = health[recorded->value(0).toString()];
        h.lastSuccessAt = optionalTime(recorded->value(1));
        h.lastFailureAt = optionalTime(recorded->value(2));
        h.lastFailure = recorded->value(3).toString();
    }
    // Waiting and dead rows only: the outbox_due index finds them without reading the
    // delivered history.
    auto counts
        = runQuery(db,
                   QStringLiteral("SELECT channel, status, COUNT(*) FROM outbox WHERE "
                                  "status IN ('pending', 'dead') GROUP BY channel, status"));
    if (!counts)
        return counts.failure();
    while (counts->next()) {
        ChannelHealth &h = health[counts->value(0).toString()];
        (counts->value(1).toString() == u"dead" ? h.dead : h.pending) = counts->value(2).toInt();
    }
    return health;
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sessionrows.h"

#include "store/database.h"
#include "store/intransaction_p.h"

#include <QSqlQuery>

#include <optional>

namespace Baton {

namespace {

Result<void> run(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    if (auto q = runQuery(db, sql, values); !q)
        return q.failure();
    return {};
}

// SQLite: the epoch's SELECT prepared once per thread's connection. It runs before every
// authenticated request; preparing it each time cost 0.02-0.05 ms of CPU per request. Qt's
// SQLite driver finalizes its prepared queries when the connection closes, and a query whose
// connection was removed answers no driver, so a stale one is prepared again.
struct EpochQuery
{
    std::optional<QSqlQuery> query;

    Result<qint64> read(const QSqlDatabase &db)
    {
        if (!query || query->driver() != db.driver()) {
            query.reset();
            auto prepared
                = prepareQuery(db, QStringLiteral("SELECT epoch FROM auth_epoch WHERE id = 1"));
            if (!prepared)
                return prepared.failure();
            prepared->setForwardOnly(true);
            query = std::move(*prepared);
        }
        if (auto executed = execQuery(*query); !executed) {
            query.reset();
            return executed.failure();
        }
        const qint64 epoch = query->next() ? query->value(0).toLongLong() : qint64(0);
        query->finish(); // ends the read transaction at once
        return epoch;
    }
};

thread_local EpochQuery epochQuery;

} // namespace

Result<void> SessionRows::insert(const QSqlDatabase &db, const QString &tokenHash,
                                 const QString &username, qint64 createdAt, qint64 expiresAt)
{
    return run(db,
               QStringLiteral("INSERT INTO sessions (token_hash, username, created_at, "
                              "expires_at) VALUES (?, ?, ?, ?)"),
               {tokenHash, username, createdAt, expiresAt});
}

Result<void> SessionRows::setExpiry(const QSqlDatabase &db, const QString &tokenHash,
                                    qint64 expiresAt)
{
    return run(db, QStringLiteral("UPDATE sessions SET expires_at = ? WHERE token_hash = ?"),
               {expiresAt, tokenHash});
}

Result<void> SessionRows::remove(const QSqlDatabase &db, const QString &tokenHash)
{
    return inTransaction(db, [&tokenHash](const QSqlDatabase &connection) {
        if (auto removed
            = run(connection, QStringLiteral("DELETE FROM sessions WHERE token_hash = ?"),
                  {tokenHash});
            !removed)
            return removed;
        return raiseAuthEpoch(connection);
    });
}

Result<void> SessionRows::removeAllOf(const QSqlDatabase &db, const QString &username)
{
    return run(db, QStringLiteral("DELETE FROM sessions WHERE username = ?"), {username});
}

Result<int> SessionRows::removeExpired(const QSqlDatabase &db, qint64 now)
{
    auto q = runQuery(db, QStringLiteral("DELETE FROM sessions WHERE expires_at <= ?"), {now});
    if (!q)
        return q.failure();
    return int(q->numRowsAffected());
}

Result<qint64> SessionRows::authEpoch(const QSqlDatabase &db)
{
    if (db.driverName() == u"QSQLITE")
        return epochQuery.read(db);
    auto q = runQuery(db, QStringLiteral("SELECT epoch FROM auth_epoch WHERE id = 1"));
    if (!q)
        return q.failure();
    return q->next() ? q->value(0).toLongLong() : qint64(0);
}

Result<void> SessionRows::raiseAuthEpoch(const QSqlDatabase &db)
{
    return run(db, QStringLiteral("UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = ?"), {1});
}

} // namespace Baton

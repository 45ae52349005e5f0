// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sidewriter.h"

#include "store/database.h"
#include "store/storelog.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace Baton::SideWriter {

namespace {

bool isSqlite(const QSqlDatabase &db)
{
    return db.driverName() == u"QSQLITE";
}

} // namespace

Result<void> commitWithoutSync(const QSqlDatabase &db)
{
    if (!isSqlite(db))
        return {};
    auto set = runQuery(db, QStringLiteral("PRAGMA synchronous=NORMAL"));
    if (!set)
        return set.failure();
    return {};
}

TryTransaction::TryTransaction(QSqlDatabase db)
    : m_db(std::move(db))
{
    const bool sqlite = isSqlite(m_db);
    QSqlQuery query(m_db);
    int waitMs = 0;
    if (sqlite) {
        if (query.exec(QStringLiteral("PRAGMA busy_timeout")) && query.next())
            waitMs = query.value(0).toInt();
        query.exec(QStringLiteral("PRAGMA busy_timeout=0"));
    }
    if (query.exec(sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"))) {
        m_active = true;
    } else {
        m_error = query.lastError().text();
        m_busy = sqlite && query.lastError().nativeErrorCode() == u"5"; // SQLITE_BUSY
        if (!m_busy)
            qCWarning(lcStore).noquote() << "BEGIN failed:" << m_error;
    }
    if (sqlite)
        query.exec(QStringLiteral("PRAGMA busy_timeout=%1").arg(waitMs));
}

TryTransaction::~TryTransaction()
{
    if (!m_active)
        return;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("ROLLBACK")))
        qCWarning(lcStore).noquote() << "ROLLBACK failed:" << query.lastError().text();
}

Result<void> TryTransaction::commit()
{
    if (!m_active)
        return makeError(QStringLiteral("database error: no transaction (%1)").arg(m_error));
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("COMMIT"))) {
        m_error = query.lastError().text();
        qCWarning(lcStore).noquote() << "COMMIT failed:" << m_error;
        return makeError(QStringLiteral("database error: %1").arg(m_error)); // rolled back below
    }
    m_active = false;
    return {};
}

} // namespace Baton::SideWriter

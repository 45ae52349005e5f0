// SPDX-License-Identifier: GPL-3.0-or-later
#include "orgversions.h"

#include "store/database.h"
#include "store/workflowversions.h"

#include <QVariant>

namespace Baton {

Result<int> OrgVersions::publish(Database &database, const QByteArray &source, const QDateTime &now)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    const QString hash = WorkflowVersions::hashOf(source);
    auto newest = runQuery(*db,
                           QStringLiteral("SELECT version, hash FROM org_versions "
                                          "ORDER BY version DESC LIMIT 1"));
    if (!newest)
        return Error {newest.error()};
    int version = 0;
    if (newest->next()) {
        version = newest->value(0).toInt();
        if (newest->value(1).toString() == hash)
            return version;
    }
    ++version;
    auto inserted = runQuery(*db,
                             QStringLiteral("INSERT INTO org_versions (version, source, hash, "
                                            "published_at) VALUES (?, ?, ?, ?)"),
                             {version, QString::fromUtf8(source), hash, now.toMSecsSinceEpoch()});
    if (!inserted)
        return Error {inserted.error()};
    if (auto committed = transaction.commit(); !committed)
        return Error {committed.error()};
    return version;
}

Result<std::optional<OrgVersions::Stored>> OrgVersions::current(Database &database)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto query = runQuery(*db,
                          QStringLiteral("SELECT version, source, hash, published_at FROM "
                                         "org_versions ORDER BY version DESC LIMIT 1"));
    if (!query)
        return Error {query.error()};
    if (!query->next())
        return std::optional<Stored>();
    return std::optional<Stored>(Stored {
        query->value(0).toInt(), query->value(1).toString().toUtf8(), query->value(2).toString(),
        QDateTime::fromMSecsSinceEpoch(query->value(3).toLongLong(), Qt::UTC)});
}

} // namespace Baton

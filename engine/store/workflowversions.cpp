// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowversions.h"

#include "store/database.h"

#include <QCryptographicHash>
#include <QTimeZone>
#include <QVariant>

namespace Baton {

QString WorkflowVersions::hashOf(const QByteArray &source)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(source, QCryptographicHash::Sha256).toHex());
}

Result<PublishOutcome> WorkflowVersions::publish(Database &database,
                                                 const QList<WorkflowSource> &sources,
                                                 const QString &publishedBy, const QDateTime &now)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    PublishOutcome outcome;
    for (const WorkflowSource &source : sources) {
        const QString hash = hashOf(source.source);
        auto newest = runQuery(*db,
                               QStringLiteral("SELECT version, hash FROM workflow_versions "
                                              "WHERE name = ? ORDER BY version DESC LIMIT 1"),
                               {source.name});
        if (!newest)
            return Error {newest.error()};
        int version = 0;
        if (newest->next()) {
            version = newest->value(0).toInt();
            if (newest->value(1).toString() == hash) {
                outcome.current.insert(source.name, version);
                continue;
            }
        }
        ++version;
        auto inserted = runQuery(*db,
                                 QStringLiteral("INSERT INTO workflow_versions (name, version, "
                                                "source, hash, published_at, published_by) "
                                                "VALUES (?, ?, ?, ?, ?, ?)"),
                                 {source.name, version, QString::fromUtf8(source.source), hash,
                                  now.toMSecsSinceEpoch(),
                                  publishedBy.isEmpty() ? QVariant() : QVariant(publishedBy)});
        if (!inserted)
            return Error {inserted.error()};
        outcome.current.insert(source.name, version);
        outcome.published.append(source.name);
    }
    if (auto committed = transaction.commit(); !committed)
        return Error {committed.error()};
    return outcome;
}

namespace {

WorkflowVersion versionFrom(const QSqlQuery &query)
{
    WorkflowVersion v;
    v.name = query.value(0).toString();
    v.version = query.value(1).toInt();
    v.source = query.value(2).toString().toUtf8();
    v.hash = query.value(3).toString();
    v.publishedAt = QDateTime::fromMSecsSinceEpoch(query.value(4).toLongLong(), Qt::UTC);
    v.publishedBy = query.value(5).toString();
    return v;
}

const char selectVersion[] = "SELECT name, version, source, hash, published_at, published_by "
                             "FROM workflow_versions ";

} // namespace

Result<WorkflowVersion> WorkflowVersions::load(Database &database, const QString &name, int version)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto query = runQuery(*db, QLatin1String(selectVersion) + u"WHERE name = ? AND version = ?",
                          {name, version});
    if (!query)
        return Error {query.error()};
    if (!query->next())
        return makeError(QStringLiteral("workflow %1 has no version %2").arg(name).arg(version));
    return versionFrom(*query);
}

Result<QMap<QString, int>> WorkflowVersions::currentVersions(Database &database)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto query = runQuery(*db,
                          QStringLiteral("SELECT name, MAX(version) FROM workflow_versions "
                                         "GROUP BY name"));
    if (!query)
        return Error {query.error()};
    QMap<QString, int> current;
    while (query->next())
        current.insert(query->value(0).toString(), query->value(1).toInt());
    return current;
}

Result<QList<WorkflowVersion>> WorkflowVersions::history(Database &database, const QString &name)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto query
        = runQuery(*db, QLatin1String(selectVersion) + u"WHERE name = ? ORDER BY version", {name});
    if (!query)
        return Error {query.error()};
    QList<WorkflowVersion> versions;
    while (query->next())
        versions.append(versionFrom(*query));
    return versions;
}

} // namespace Baton

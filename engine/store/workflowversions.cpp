// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowversions.h"

#include "store/database.h"
#include "store/intransaction_p.h"
#include "store/versionheads_p.h"

#include <QCryptographicHash>
#include <QTimeZone>
#include <QVariant>

namespace Baton {

QString PublishConflict::message() const
{
    const QString what
        = name.isEmpty() ? QStringLiteral("the organisation") : QStringLiteral("workflow ") + name;
    const QString since = fileVersion > 0
        ? QStringLiteral("since version %1 was published from it").arg(fileVersion)
        : QStringLiteral("and was never published from the file");
    return QStringLiteral("%1: the file %2 changed %3, and %4 published version %5 in the editor "
                          "at %6; the file is not published. Publish the text you want in the "
                          "editor, or make the file equal to version %5.")
        .arg(what, path, since, username.isEmpty() ? QStringLiteral("a user") : username)
        .arg(userVersion)
        .arg(userPublishedAt.toUTC().toString(Qt::ISODate));
}

FileDecision decideFilePublish(const QString &fileHash, const std::optional<VersionHead> &newest,
                               const std::optional<VersionHead> &newestFromFile)
{
    if (!newest)
        return FileDecision::Publish;
    if (newest->hash == fileHash)
        return FileDecision::Keep; // in step, whoever published it
    if (newestFromFile && newestFromFile->hash == fileHash)
        return FileDecision::Keep; // the file did not change: a user's newer version stands
    if (newest->origin.isFile())
        return FileDecision::Publish; // only the file changed
    return FileDecision::Conflict;
}

VersionOrigin originFrom(const QVariant &kind, const QVariant &path, const QVariant &publishedBy)
{
    if (kind.toString() == u"user")
        return VersionOrigin::user(publishedBy.toString());
    return VersionOrigin::file(path.toString());
}

QVariantList originColumns(const VersionOrigin &origin)
{
    return {origin.kindName(), origin.isFile() ? QVariant(origin.path) : QVariant(),
            origin.isFile() || origin.username.isEmpty() ? QVariant() : QVariant(origin.username)};
}

Result<VersionHeads> readVersionHeads(const QSqlDatabase &db, const QString &table,
                                      const QVariant &name)
{
    const QString where = name.isNull() ? QString() : QStringLiteral("name = ? ");
    const QVariantList bound = name.isNull() ? QVariantList() : QVariantList {name};
    VersionHeads heads;
    for (const bool fromFile : {false, true}) {
        QString conditions = where;
        if (fromFile)
            conditions += (conditions.isEmpty() ? QString() : QStringLiteral("AND "))
                + QStringLiteral("origin = 'file' ");
        auto query = runQuery(db,
                              QStringLiteral("SELECT version, hash, origin, origin_path, "
                                             "published_by, published_at FROM ")
                                  + table
                                  + (conditions.isEmpty() ? QStringLiteral(" ")
                                                          : QStringLiteral(" WHERE ") + conditions)
                                  + QStringLiteral("ORDER BY version DESC LIMIT 1"),
                              bound);
        if (!query)
            return query.failure();
        if (!query->next())
            continue;
        VersionHead head {
            query->value(0).toInt(), query->value(1).toString(),
            originFrom(query->value(2), query->value(3), query->value(4)),
            QDateTime::fromMSecsSinceEpoch(query->value(5).toLongLong(), QTimeZone::utc())};
        (fromFile ? heads.newestFromFile : heads.newest) = head;
    }
    return heads;
}

QString WorkflowVersions::hashOf(const QByteArray &source)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(source, QCryptographicHash::Sha256).toHex());
}

namespace {

Result<void> insertVersion(const QSqlDatabase &db, const WorkflowSource &source, int version,
                           const QString &hash, const VersionOrigin &origin, const QDateTime &now)
{
    auto inserted = runQuery(db,
                             QStringLiteral("INSERT INTO workflow_versions (name, version, "
                                            "source, hash, published_at, origin, origin_path, "
                                            "published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                             QVariantList {source.name, version, QString::fromUtf8(source.source),
                                           hash, now.toMSecsSinceEpoch()}
                                 + originColumns(origin));
    if (!inserted)
        return inserted.failure();
    return {};
}

/// Where a source stands against what is stored: its hash, the newest version and the newest
/// published from a file, and the newest version's number (0: none yet).
struct SourceHeads
{
    QString hash;
    VersionHeads heads;
    int newest = 0;
};

Result<SourceHeads> sourceHeads(const QSqlDatabase &db, const WorkflowSource &source)
{
    SourceHeads read;
    read.hash = WorkflowVersions::hashOf(source.source);
    auto heads = readVersionHeads(db, QStringLiteral("workflow_versions"), source.name);
    if (!heads)
        return heads.failure();
    read.heads = *heads;
    read.newest = heads->newest ? heads->newest->version : 0;
    return read;
}

} // namespace

Result<PublishOutcome> WorkflowVersions::publish(Database &database,
                                                 const QList<WorkflowSource> &sources,
                                                 const VersionOrigin &origin, const QDateTime &now)
{
    return inTransaction(database, [&](const QSqlDatabase &db) -> Result<PublishOutcome> {
        PublishOutcome outcome;
        for (const WorkflowSource &source : sources) {
            auto read = sourceHeads(db, source);
            if (!read)
                return read.failure();
            const auto &[hash, heads, newest] = *read;
            if (heads.newest && heads.newest->hash == hash) {
                outcome.current.insert(source.name, newest);
                continue;
            }
            VersionOrigin recorded = origin;
            if (recorded.isFile() && recorded.path.isEmpty())
                recorded.path = source.path;
            if (auto inserted = insertVersion(db, source, newest + 1, hash, recorded, now);
                !inserted)
                return inserted.failure();
            outcome.current.insert(source.name, newest + 1);
            outcome.published.append(source.name);
        }
        return outcome;
    });
}

Result<PublishOutcome> WorkflowVersions::publishFiles(Database &database,
                                                      const QList<WorkflowSource> &sources,
                                                      const QDateTime &now)
{
    return inTransaction(database, [&](const QSqlDatabase &db) -> Result<PublishOutcome> {
        PublishOutcome outcome;
        for (const WorkflowSource &source : sources) {
            auto read = sourceHeads(db, source);
            if (!read)
                return read.failure();
            const auto &[hash, heads, newest] = *read;
            switch (decideFilePublish(hash, heads.newest, heads.newestFromFile)) {
            case FileDecision::Keep:
                outcome.current.insert(source.name, newest);
                break;
            case FileDecision::Conflict:
                outcome.current.insert(source.name, newest);
                outcome.conflicts.append({source.name, source.path, hash,
                                          heads.newestFromFile ? heads.newestFromFile->version : 0,
                                          newest, heads.newest->origin.username,
                                          heads.newest->publishedAt});
                break;
            case FileDecision::Publish:
                if (auto inserted = insertVersion(db, source, newest + 1, hash,
                                                  VersionOrigin::file(source.path), now);
                    !inserted)
                    return inserted.failure();
                outcome.current.insert(source.name, newest + 1);
                outcome.published.append(source.name);
                break;
            }
        }
        return outcome;
    });
}

namespace {

WorkflowVersion versionFrom(const QSqlQuery &query)
{
    WorkflowVersion v;
    v.name = query.value(0).toString();
    v.version = query.value(1).toInt();
    v.source = query.value(2).toString().toUtf8();
    v.hash = query.value(3).toString();
    v.publishedAt = QDateTime::fromMSecsSinceEpoch(query.value(4).toLongLong(), QTimeZone::utc());
    v.publishedBy = query.value(5).toString();
    v.origin = originFrom(query.value(6), query.value(7), query.value(5));
    return v;
}

const char selectVersion[] = "SELECT name, version, source, hash, published_at, published_by, "
                             "origin, origin_path FROM workflow_versions ";

} // namespace

Result<WorkflowVersion> WorkflowVersions::load(Database &database, const QString &name, int version)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    auto query = runQuery(*db, QLatin1String(selectVersion) + u"WHERE name = ? AND version = ?",
                          {name, version});
    if (!query)
        return query.failure();
    if (!query->next())
        return makeError(QStringLiteral("workflow %1 has no version %2").arg(name).arg(version));
    return versionFrom(*query);
}

Result<QMap<QString, int>> WorkflowVersions::currentVersions(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    auto query = runQuery(*db,
                          QStringLiteral("SELECT name, MAX(version) FROM workflow_versions "
                                         "GROUP BY name"));
    if (!query)
        return query.failure();
    QMap<QString, int> current;
    while (query->next())
        current.insert(query->value(0).toString(), query->value(1).toInt());
    return current;
}

Result<QList<WorkflowVersion>> WorkflowVersions::history(Database &database, const QString &name)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    auto query
        = runQuery(*db, QLatin1String(selectVersion) + u"WHERE name = ? ORDER BY version", {name});
    if (!query)
        return query.failure();
    QList<WorkflowVersion> versions;
    while (query->next())
        versions.append(versionFrom(*query));
    return versions;
}

} // namespace Baton

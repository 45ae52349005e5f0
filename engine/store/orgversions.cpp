// SPDX-License-Identifier: GPL-3.0-or-later
#include "orgversions.h"

#include "store/changefeed.h"
#include "store/database.h"
#include "store/intransaction_p.h"
#include "store/versionheads_p.h"

#include <QTimeZone>
#include <QVariant>

namespace Baton {

namespace {

const QString table = QStringLiteral("org_versions");

Result<void> insertVersion(const QSqlDatabase &db, int version, const QByteArray &source,
                           const QString &hash, const VersionOrigin &origin, const QDateTime &now)
{
    auto inserted
        = runQuery(db,
                   QStringLiteral("INSERT INTO org_versions (version, source, hash, "
                                  "published_at, origin, origin_path, published_by) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                   QVariantList {version, QString::fromUtf8(source), hash, now.toMSecsSinceEpoch()}
                       + originColumns(origin));
    if (!inserted)
        return inserted.failure();
    return {};
}

} // namespace

Result<int> OrgVersions::publish(Database &database, const QByteArray &source,
                                 const VersionOrigin &origin, const QDateTime &now,
                                 const QString &announceAs)
{
    const bool announce = !announceAs.isEmpty() && database.isPostgreSql();
    return inTransaction(database, [&](const QSqlDatabase &db) -> Result<int> {
        const QString hash = WorkflowVersions::hashOf(source);
        auto heads = readVersionHeads(db, table, QVariant());
        if (!heads)
            return heads.failure();
        const int newest = heads->newest ? heads->newest->version : 0;
        if (heads->newest && heads->newest->hash == hash)
            return newest;
        if (auto inserted = insertVersion(db, newest + 1, source, hash, origin, now); !inserted)
            return inserted.failure();
        if (announce) {
            ChangeNotice notice;
            notice.serverId = announceAs;
            notice.organisation = newest + 1;
            if (auto announced = ChangeFeed::announce(db, notice); !announced)
                return announced.failure();
        }
        return newest + 1;
    });
}

Result<OrgVersions::FileOutcome> OrgVersions::publishFile(Database &database,
                                                          const QByteArray &source,
                                                          const QString &path, const QDateTime &now)
{
    return inTransaction(database, [&](const QSqlDatabase &db) -> Result<FileOutcome> {
        const QString hash = WorkflowVersions::hashOf(source);
        auto heads = readVersionHeads(db, table, QVariant());
        if (!heads)
            return heads.failure();
        FileOutcome outcome;
        outcome.current = heads->newest ? heads->newest->version : 0;
        switch (decideFilePublish(hash, heads->newest, heads->newestFromFile)) {
        case FileDecision::Keep:
            return outcome;
        case FileDecision::Conflict:
            outcome.conflict
                = PublishConflict {QString(),
                                   path,
                                   hash,
                                   heads->newestFromFile ? heads->newestFromFile->version : 0,
                                   outcome.current,
                                   heads->newest->origin.username,
                                   heads->newest->publishedAt};
            return outcome;
        case FileDecision::Publish:
            break;
        }
        if (auto inserted
            = insertVersion(db, outcome.current + 1, source, hash, VersionOrigin::file(path), now);
            !inserted)
            return inserted.failure();
        ++outcome.current;
        outcome.published = true;
        return outcome;
    });
}

Result<std::optional<OrgVersions::Stored>> OrgVersions::current(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    auto query = runQuery(*db,
                          QStringLiteral("SELECT version, source, hash, published_at, origin, "
                                         "origin_path, published_by FROM org_versions ORDER BY "
                                         "version DESC LIMIT 1"));
    if (!query)
        return query.failure();
    if (!query->next())
        return std::optional<Stored>();
    return std::optional<Stored>(Stored {
        query->value(0).toInt(), query->value(1).toString().toUtf8(), query->value(2).toString(),
        QDateTime::fromMSecsSinceEpoch(query->value(3).toLongLong(), QTimeZone::utc()),
        originFrom(query->value(4), query->value(5), query->value(6))});
}

} // namespace Baton

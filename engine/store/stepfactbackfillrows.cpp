// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/stepfactbackfillrows.h"

#include "store/database.h"
#include "store/ticketcolumns.h"

#include <QSqlQuery>

namespace Baton {

namespace {

// The values of `ids`, for TicketColumns::placeholders(ids.size()).
QVariantList valuesOf(const QList<qint64> &ids)
{
    QVariantList values;
    for (qint64 id : ids)
        values << id;
    return values;
}

} // namespace

Result<std::optional<BackfillPosition>>
StepFactBackfillStore::backfillPosition(const QSqlDatabase &db)
{
    // A record whose last ticket is 0 has nothing to do (ids start at 1): migration 11 or 17
    // left it in a database that had no tickets then. It is none, here and for the roll-up's
    // readiness (StepRollupStore::ready), so that a database generated from empty reads the
    // roll-up without a back-fill run to remove it.
    auto position = runQuery(db,
                             QStringLiteral("SELECT next_ticket, last_ticket FROM "
                                            "report_backfills WHERE name = 'step_facts' AND "
                                            "last_ticket > 0"));
    if (!position)
        return position.failure();
    if (!position->next())
        return std::optional<BackfillPosition>();
    return std::optional<BackfillPosition>(
        BackfillPosition {position->value(0).toLongLong(), position->value(1).toLongLong()});
}

Result<QList<std::pair<qint64, qint64>>>
StepFactBackfillStore::ticketsToBackfill(const QSqlDatabase &db, const BackfillPosition &position,
                                         int limit)
{
    auto rows = runQuery(db,
                         QStringLiteral("SELECT id, version FROM tickets WHERE id > ? AND id <= ? "
                                        "ORDER BY id LIMIT ?"),
                         {position.nextTicket, position.lastTicket, limit});
    if (!rows)
        return rows.failure();
    QList<std::pair<qint64, qint64>> tickets;
    while (rows->next())
        tickets.append({rows->value(0).toLongLong(), rows->value(1).toLongLong()});
    return tickets;
}

Result<QHash<qint64, qint64>> StepFactBackfillStore::lockedVersions(const QSqlDatabase &db,
                                                                    const QList<qint64> &ticketIds)
{
    QHash<qint64, qint64> versions;
    if (ticketIds.isEmpty())
        return versions;
    // In id order, as the engine's writer locks them (ticketwriter.cpp): no deadlock. SQLite's
    // write lock is the caller's transaction.
    const QString lock
        = db.driverName() == u"QPSQL" ? QStringLiteral(" FOR NO KEY UPDATE") : QString();
    auto rows = runQuery(db,
                         u"SELECT id, version FROM tickets WHERE id IN ("
                             + TicketColumns::placeholders(int(ticketIds.size())) + u") ORDER BY id"
                             + lock,
                         valuesOf(ticketIds));
    if (!rows)
        return rows.failure();
    while (rows->next())
        versions.insert(rows->value(0).toLongLong(), rows->value(1).toLongLong());
    return versions;
}

Result<QList<EventRow>> StepFactBackfillStore::eventsOf(const QSqlDatabase &db,
                                                        const QList<qint64> &ticketIds)
{
    auto rows = runQuery(db,
                         u"SELECT ticket_id, seq, at, actor, type, data FROM events WHERE "
                         u"ticket_id IN ("
                             + TicketColumns::placeholders(int(ticketIds.size()))
                             + u") ORDER BY ticket_id, seq",
                         valuesOf(ticketIds));
    if (!rows)
        return rows.failure();
    QList<EventRow> events;
    while (rows->next())
        events.append(EventRow {rows->value(0).toLongLong(), rows->value(1).toLongLong(),
                                rows->value(2).toLongLong(), rows->value(3).toString(),
                                rows->value(4).toString(), rows->value(5).toString().toUtf8()});
    return events;
}

Result<void> StepFactBackfillStore::advanceBackfill(const QSqlDatabase &db, qint64 ticketId)
{
    auto moved = runQuery(
        db, QStringLiteral("UPDATE report_backfills SET next_ticket = ? WHERE name = 'step_facts'"),
        {ticketId});
    if (!moved)
        return moved.failure();
    return {};
}

Result<void> StepFactBackfillStore::finishBackfill(const QSqlDatabase &db)
{
    auto done
        = runQuery(db, QStringLiteral("DELETE FROM report_backfills WHERE name = 'step_facts'"));
    if (!done)
        return done.failure();
    return {};
}

Result<void> StepFactBackfillStore::dropEmptyBackfill(const QSqlDatabase &db)
{
    auto done = runQuery(db,
                         QStringLiteral("DELETE FROM report_backfills WHERE name = "
                                        "'step_facts' AND last_ticket = 0"));
    if (!done)
        return done.failure();
    return {};
}

} // namespace Baton

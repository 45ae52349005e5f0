// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/stepfactbackfillrows.h"

#include "store/database.h"
#include "store/idquery_p.h"

#include <QSqlQuery>

namespace Baton {

Result<std::optional<BackfillPosition>>
StepFactBackfillStore::backfillPosition(const QSqlDatabase &db)
{
    auto position = runQuery(db,
                             QStringLiteral("SELECT next_ticket, last_ticket FROM "
                                            "report_backfills WHERE name = 'step_facts'"));
    if (!position)
        return position.failure();
    if (!position->next())
        return std::optional<BackfillPosition>();
    return std::optional<BackfillPosition>(
        BackfillPosition {position->value(0).toLongLong(), position->value(1).toLongLong()});
}

Result<QList<qint64>> StepFactBackfillStore::ticketIdsToBackfill(const QSqlDatabase &db,
                                                                 const BackfillPosition &position,
                                                                 int limit)
{
    // PostgreSQL: the rows stay locked until the chunk commits, so that the engine cannot
    // commit an event of one of them between the back-fill reading its events and replacing its
    // facts (every write updates the ticket's row). SQLite: BEGIN IMMEDIATE already excludes it.
    const bool postgresql = db.driverName() == u"QPSQL";
    return runIdQuery(db,
                      QStringLiteral("SELECT id FROM tickets WHERE id > ? AND id <= ? ORDER BY id "
                                     "LIMIT ?")
                          + (postgresql ? QStringLiteral(" FOR UPDATE") : QString()),
                      {position.nextTicket, position.lastTicket, limit});
}

Result<QList<EventRow>> StepFactBackfillStore::eventsOf(const QSqlDatabase &db,
                                                        const QList<qint64> &ticketIds)
{
    QVariantList values;
    QString marks;
    for (qint64 id : ticketIds) {
        values << id;
        marks += marks.isEmpty() ? QStringLiteral("?") : QStringLiteral(", ?");
    }
    auto rows = runQuery(db,
                         u"SELECT ticket_id, seq, at, actor, type, data FROM events WHERE "
                         u"ticket_id IN ("
                             + marks + u") ORDER BY ticket_id, seq",
                         values);
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

} // namespace Baton

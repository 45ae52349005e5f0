// SPDX-License-Identifier: GPL-3.0-or-later
#include "report/stepfactbackfill.h"

#include "report/stepfactderiver.h"
#include "store/database.h"
#include "store/stepfactrows.h"
#include "store/storelog.h"

#include <QJsonDocument>
#include <QMap>
#include <QSqlQuery>

namespace Baton {

namespace {

// Ids of the next `chunk` tickets to derive and the position after them; none when done.
struct Chunk
{
    QList<qint64> ids;
    bool finished = false;
};

Result<Chunk> nextChunk(const QSqlDatabase &db, int chunk)
{
    auto position = runQuery(db,
                             QStringLiteral("SELECT next_ticket, last_ticket FROM "
                                            "report_backfills WHERE name = 'step_facts'"));
    if (!position)
        return Error {position.error()};
    Chunk result;
    if (!position->next()) {
        result.finished = true;
        return result;
    }
    const qint64 next = position->value(0).toLongLong();
    const qint64 last = position->value(1).toLongLong();
    auto ids = runQuery(db,
                        QStringLiteral("SELECT id FROM tickets WHERE id > ? AND id <= ? ORDER BY "
                                       "id LIMIT ?"),
                        {next, last, chunk});
    if (!ids)
        return Error {ids.error()};
    while (ids->next())
        result.ids.append(ids->value(0).toLongLong());
    return result;
}

// Every event of `ids`, per ticket, oldest first.
Result<QMap<qint64, QList<Event>>> eventsOf(const QSqlDatabase &db, const QList<qint64> &ids)
{
    QVariantList values;
    QString marks;
    for (qint64 id : ids) {
        values << id;
        marks += marks.isEmpty() ? QStringLiteral("?") : QStringLiteral(", ?");
    }
    auto rows = runQuery(db,
                         u"SELECT ticket_id, seq, at, actor, type, data FROM events WHERE "
                         u"ticket_id IN ("
                             + marks + u") ORDER BY ticket_id, seq",
                         values);
    if (!rows)
        return Error {rows.error()};
    QMap<qint64, QList<Event>> events;
    while (rows->next()) {
        Event event;
        event.seq = rows->value(1).toLongLong();
        event.at = QDateTime::fromMSecsSinceEpoch(rows->value(2).toLongLong(), Qt::UTC);
        event.actor = rows->value(3).toString();
        event.type = rows->value(4).toString();
        event.data = QJsonDocument::fromJson(rows->value(5).toString().toUtf8()).object();
        events[rows->value(0).toLongLong()].append(event);
    }
    return events;
}

} // namespace

Result<int> backfillStepFacts(Database &database, const StepFactDeriver &deriver,
                              const WorkflowLookup &workflowOf, int chunk)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    int derived = 0;
    for (;;) {
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        auto next = nextChunk(*db, chunk);
        if (!next)
            return Error {next.error()};
        if (next->finished)
            return derived;
        if (next->ids.isEmpty()) {
            auto done = runQuery(
                *db, QStringLiteral("DELETE FROM report_backfills WHERE name = 'step_facts'"));
            if (!done)
                return Error {done.error()};
            if (auto committed = transaction.commit(); !committed)
                return Error {committed.error()};
            if (derived > 0)
                qCInfo(lcStore) << "reports: derived the step facts of" << derived
                                << "tickets from their events";
            return derived;
        }
        auto events = eventsOf(*db, next->ids);
        if (!events)
            return Error {events.error()};
        QList<StepFactRow> facts;
        for (auto it = events->cbegin(); it != events->cend(); ++it) {
            const QList<Event> &log = it.value();
            if (log.isEmpty() || log.first().type != u"opened")
                continue;
            const QJsonObject &opened = log.first().data;
            auto workflow = workflowOf(opened.value(u"workflow").toString(),
                                       opened.value(u"workflow_version").toInt());
            if (!workflow) {
                qCWarning(lcStore)
                    << "reports: ticket" << it.key()
                    << "has no readable workflow, no step facts:" << workflow.error();
                continue;
            }
            facts += deriver.derive(it.key(), TicketState(), log, **workflow);
            ++derived;
        }
        if (auto replaced = StepFactStore::replaceFacts(*db, next->ids, facts); !replaced)
            return Error {replaced.error()};
        auto moved = runQuery(*db,
                              QStringLiteral("UPDATE report_backfills SET next_ticket = ? WHERE "
                                             "name = 'step_facts'"),
                              {next->ids.last()});
        if (!moved)
            return Error {moved.error()};
        if (auto committed = transaction.commit(); !committed)
            return Error {committed.error()};
    }
}

} // namespace Baton

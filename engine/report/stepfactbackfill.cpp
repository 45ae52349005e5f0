// SPDX-License-Identifier: GPL-3.0-or-later
#include "report/stepfactbackfill.h"

#include "report/stepfactderiver.h"
#include "runtime/ticketrecords.h"
#include "store/database.h"
#include "store/stepfactbackfillrows.h"
#include "store/stepfactrows.h"
#include "store/storelog.h"

#include <QElapsedTimer>
#include <QMap>

namespace Baton {

namespace {

// Every event of `ids`, per ticket, oldest first.
Result<QMap<qint64, QList<Event>>> eventsOf(const QSqlDatabase &db, const QList<qint64> &ids)
{
    auto rows = StepFactBackfillStore::eventsOf(db, ids);
    if (!rows)
        return rows.failure();
    QMap<qint64, QList<Event>> events;
    for (const EventRow &row : std::as_const(*rows))
        events[row.ticketId].append(eventOf(row));
    return events;
}

} // namespace

Result<int> backfillStepFacts(Database &database, const StepFactDeriver &deriver,
                              const WorkflowLookup &workflowOf, int chunk,
                              const std::function<bool()> &stopRequested)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    int derived = 0;
    QElapsedTimer sinceLog;
    sinceLog.start();
    for (;;) {
        if (stopRequested && stopRequested())
            return derived;
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        auto position = StepFactBackfillStore::backfillPosition(*db);
        if (!position)
            return position.failure();
        if (!*position)
            return derived;
        auto ids = StepFactBackfillStore::ticketIdsToBackfill(*db, **position, chunk);
        if (!ids)
            return ids.failure();
        if (ids->isEmpty()) {
            if (auto done = StepFactBackfillStore::finishBackfill(*db); !done)
                return done.failure();
            if (auto committed = transaction.commit(); !committed)
                return committed.failure();
            if (derived > 0)
                qCInfo(lcStore) << "reports: derived the step facts of" << derived
                                << "tickets from their events";
            return derived;
        }
        auto events = eventsOf(*db, *ids);
        if (!events)
            return events.failure();
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
        if (auto replaced = StepFactStore::replaceFacts(*db, *ids, facts); !replaced)
            return replaced.failure();
        if (auto moved = StepFactBackfillStore::advanceBackfill(*db, ids->last()); !moved)
            return moved.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        if (sinceLog.hasExpired(10000)) {
            qCInfo(lcStore) << "reports: step facts derived up to ticket" << ids->last() << "of"
                            << (*position)->lastTicket;
            sinceLog.restart();
        }
    }
}

} // namespace Baton

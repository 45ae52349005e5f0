// SPDX-License-Identifier: GPL-3.0-or-later
#include "report/stepfactbackfill.h"

#include "report/stepfactderiver.h"
#include "runtime/ticketrecords.h"
#include "store/database.h"
#include "store/reportcounts.h"
#include "store/stepfactbackfillrows.h"
#include "store/stepfactrows.h"
#include "store/steprollup.h"
#include "store/storelog.h"

#include <QElapsedTimer>
#include <QHash>
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

/// One chunk of tickets: what was read, and their facts derived from it.
struct Chunk
{
    BackfillPosition position;
    QList<qint64> ids;
    QHash<qint64, qint64> versions; ///< each ticket's, read before its events
    QHash<qint64, QList<StepFactRow>> facts; ///< of the tickets whose workflow could be read
};

class Backfill
{
public:
    Backfill(const QSqlDatabase &db, const StepFactDeriver &deriver,
             const WorkflowLookup &workflowOf)
        : m_db(db)
        , m_deriver(deriver)
        , m_workflowOf(workflowOf)
    {
    }

    /// The next chunk, read and derived without a transaction (the engine writes meanwhile);
    /// none when nothing is left to back-fill, no ids when the range is done.
    Result<std::optional<Chunk>> readChunk(int size)
    {
        auto position = StepFactBackfillStore::backfillPosition(m_db);
        if (!position)
            return position.failure();
        if (!*position)
            return std::optional<Chunk>();
        Chunk chunk;
        chunk.position = **position;
        // The versions before the events: a write between the two shows as a newer version.
        auto tickets = StepFactBackfillStore::ticketsToBackfill(m_db, chunk.position, size);
        if (!tickets)
            return tickets.failure();
        for (const auto &[id, version] : std::as_const(*tickets)) {
            chunk.ids.append(id);
            chunk.versions.insert(id, version);
        }
        if (auto derived = derive(chunk.ids, chunk.facts); !derived)
            return derived.failure();
        return std::optional(std::move(chunk));
    }

    /// Writes the chunk's facts and moves the position past it, in one short transaction; a
    /// ticket the engine wrote since it was read is derived again there, under the lock. False
    /// when another server's back-fill wrote the chunk first.
    Result<bool> writeChunk(Chunk &chunk)
    {
        Transaction transaction(m_db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        auto versions = StepFactBackfillStore::lockedVersions(m_db, chunk.ids);
        if (!versions)
            return versions.failure();
        auto position = StepFactBackfillStore::backfillPosition(m_db);
        if (!position)
            return position.failure();
        if (!*position || (*position)->nextTicket != chunk.position.nextTicket)
            return false;
        QList<qint64> changed;
        for (qint64 id : std::as_const(chunk.ids))
            if (versions->value(id, -1) != chunk.versions.value(id))
                changed.append(id);
        if (!changed.isEmpty()) {
            for (qint64 id : std::as_const(changed))
                chunk.facts.remove(id);
            if (auto derived = derive(changed, chunk.facts); !derived)
                return derived.failure();
        }
        QList<StepFactRow> facts;
        for (qint64 id : std::as_const(chunk.ids))
            facts += chunk.facts.value(id);
        if (auto replaced = StepFactStore::replaceFacts(m_db, chunk.ids, facts); !replaced)
            return replaced.failure();
        if (auto moved = StepFactBackfillStore::advanceBackfill(m_db, chunk.ids.last()); !moved)
            return moved.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        return true;
    }

    Result<void> finish()
    {
        Transaction transaction(m_db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        if (auto done = StepFactBackfillStore::finishBackfill(m_db); !done)
            return done.failure();
        // The facts it replaced were summed in the roll-up: sum them again (the roll-up's own
        // back-fill, which runs next; reports read the facts until it is done).
        if (auto queued = StepRollupStore::queueRebuild(m_db); !queued)
            return queued.failure();
        if (auto recount = ReportCountsStore::recountAll(m_db); !recount)
            return recount.failure();
        return transaction.commit();
    }

private:
    /// The facts of `ids` from their whole event logs, into `facts`; a ticket whose workflow
    /// cannot be read gets none (logged).
    Result<void> derive(const QList<qint64> &ids, QHash<qint64, QList<StepFactRow>> &facts)
    {
        if (ids.isEmpty())
            return {};
        auto events = eventsOf(m_db, ids);
        if (!events)
            return events.failure();
        for (auto it = events->cbegin(); it != events->cend(); ++it) {
            const QList<Event> &log = it.value();
            if (log.isEmpty() || log.first().type != u"opened")
                continue;
            const QJsonObject &opened = log.first().data;
            auto workflow = m_workflowOf(opened.value(u"workflow").toString(),
                                         opened.value(u"workflow_version").toInt());
            if (!workflow) {
                qCWarning(lcStore)
                    << "reports: ticket" << it.key()
                    << "has no readable workflow, no step facts:" << workflow.error();
                continue;
            }
            facts.insert(it.key(), m_deriver.derive(it.key(), TicketState(), log, **workflow));
        }
        return {};
    }

    QSqlDatabase m_db;
    const StepFactDeriver &m_deriver;
    const WorkflowLookup &m_workflowOf;
};

} // namespace

Result<int> backfillStepFacts(Database &database, const StepFactDeriver &deriver,
                              const WorkflowLookup &workflowOf, int chunkSize,
                              const std::function<bool()> &stopRequested)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    // A record of no tickets (migration 11 or 17 on an empty database) is nothing to do: gone
    // quietly, without queueing the roll-up again as finishing a back-fill does.
    if (auto dropped = StepFactBackfillStore::dropEmptyBackfill(*db); !dropped)
        return dropped.failure();
    Backfill backfill(*db, deriver, workflowOf);
    int derived = 0;
    QElapsedTimer sinceLog;
    sinceLog.start();
    while (!(stopRequested && stopRequested())) {
        auto chunk = backfill.readChunk(chunkSize);
        if (!chunk)
            return chunk.failure();
        if (!*chunk)
            return derived;
        if ((*chunk)->ids.isEmpty()) {
            if (auto finished = backfill.finish(); !finished)
                return finished.failure();
            if (derived > 0)
                qCInfo(lcStore) << "reports: derived the step facts of" << derived
                                << "tickets from their events";
            return derived;
        }
        auto written = backfill.writeChunk(**chunk);
        if (!written)
            return written.failure();
        if (!*written)
            continue; // another server's back-fill was first: read on from where it got
        derived += int((*chunk)->facts.size());
        if (sinceLog.hasExpired(10000)) {
            qCInfo(lcStore) << "reports: step facts derived up to ticket" << (*chunk)->ids.last()
                            << "of" << (*chunk)->position.lastTicket;
            sinceLog.restart();
        }
    }
    return derived;
}

} // namespace Baton

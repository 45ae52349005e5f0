// SPDX-License-Identifier: GPL-3.0-or-later
// Building a batch on the writer thread: each command applied with the ticket rules to the
// batch's view of its ticket (staged, cached, or read), its rows staged apart so that a refused
// command leaves no trace, then every passing command's rows gathered for one transaction.
#include "engine_p.h"

#include "core/clock.h"
#include "runtime/eventtypes.h"
#include "store/database.h"
#include "store/storelog.h"
#include "store/ticketids.h"
#include "store/ticketreader.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSet>

#include <algorithm>

namespace Baton {

namespace {

qint64 ms(const QDateTime &instant)
{
    return instant.toMSecsSinceEpoch();
}

std::optional<qint64> msOrNone(const std::optional<QDateTime> &instant)
{
    return instant ? std::optional<qint64>(ms(*instant)) : std::nullopt;
}

QString requestHash(const QString &workflow, const OpenRequest &request)
{
    const QJsonObject body {{QStringLiteral("workflow"), workflow},
                            {QStringLiteral("title"), request.title},
                            {QStringLiteral("fields"), QJsonObject::fromVariantMap(request.fields)},
                            {QStringLiteral("customer"), request.customer.toJson()},
                            {QStringLiteral("channel"), request.channel}};
    return QString::fromLatin1(
        QCryptographicHash::hash(QJsonDocument(body).toJson(QJsonDocument::Compact),
                                 QCryptographicHash::Sha256)
            .toHex());
}

using IdempotencyKey = QPair<QString, QString>; // (user, key)
using Replay = QPair<QString, TicketState>; // request hash, the first result

} // namespace

void Staging::merge(Staging &&other)
{
    for (qint64 id : other.order)
        if (!tickets.contains(id))
            order.append(id);
    for (auto it = other.tickets.begin(); it != other.tickets.end(); ++it)
        tickets.insert(it.key(), std::move(it.value()));
    rows.events += other.rows.events;
    rows.comments += other.rows.comments;
    rows.links += other.rows.links;
    rows.notifications += other.rows.notifications;
    rows.idempotency += other.rows.idempotency;
    rows.customers += other.rows.customers;
    rows.outbox += other.rows.outbox;
    rows.assignmentTurns += other.rows.assignmentTurns;
    for (auto it = other.idempotency.begin(); it != other.idempotency.end(); ++it)
        idempotency.insert(it.key(), it.value());
    idsTaken = other.idsTaken;
}

/// One batch being built. Each command stages into a `local` Staging first, merged into
/// `staged` only when the command passes.
class BatchBuilder
{
public:
    BatchBuilder(Engine::Private &engine, const QDateTime &now)
        : d(engine)
        , m_now(now)
        , m_nowMs(ms(now))
        , m_db(engine.options.database->connection())
        , m_assigner(engine.org(), engine.options.assignmentStrategies,
                     [&engine] { engine.waitCommitterIdle(); })
    {
    }

    void apply(Command &command, CommandResult &result)
    {
        Staging local;
        local.idsTaken = staged.idsTaken;
        if (command.opensTicket())
            applyOpen(command, result, local);
        else
            applyMutation(command, result, local);
    }

    /// The rows of every command that passed its rules, for one transaction; `written` gets
    /// each ticket's row. Returns the tickets whose version changed (for the commit observer).
    QList<TicketState> toWriteBatch(QHash<qint64, TicketRow> &written);

    Staging staged;

private:
    Result<std::optional<Staging::Ticket>> load(const Staging &local, qint64 id);
    Result<Staging::Ticket> read(qint64 id, bool *found);
    void stage(Staging &local, Staging::Ticket ticket, const TicketOutcome &outcome);
    /// The next free id, taken only if the command passes (its staging is merged).
    bool takeId(Staging &local, qint64 &id);
    void applyOpen(const Command &command, CommandResult &result, Staging &local);
    /// The first result of an open with the same idempotency key, if there was one.
    Result<std::optional<Replay>> replayOf(const IdempotencyKey &key);
    void applyMutation(Command &command, CommandResult &result, Staging &local);
    /// Engine::mutateBoth's second change, staged with the first; false (result set) when it
    /// is refused or its ticket cannot be read: then neither is merged into the batch.
    bool applyOther(const Command &command, CommandResult &result, Staging &local);
    /// Opens the tickets an outcome's transition opens (`open:`) and links both ways, in the
    /// same transaction; false (with result set to the failure) when one cannot be.
    bool openLinked(const Command &command, const TicketMachine &machine,
                    const TicketOutcome &outcome, Staging &local, QList<Event> &events,
                    CommandResult &result);
    std::optional<Staging::Ticket> linkedTicket(const Command &command,
                                                const LinkedOpenRequest &link,
                                                TicketOutcome &opened, CommandResult &result);
    SlaPlan plan(const Staging::Ticket &ticket, TicketRow &row);
    /// A queue's `assign:` (autoassigner.h); false with result set when it could not be read.
    bool assignAutomatically(TicketOutcome &outcome, const TicketMachine &machine, Staging &local,
                             CommandResult &result);

    /// The outcome's notices, those to users away now sent to who stands in for them.
    QList<NotificationRecord> redirectedFromAbsent(const TicketOutcome &outcome);

    Engine::Private &d;
    const QDateTime m_now;
    const qint64 m_nowMs;
    Result<QSqlDatabase> m_db;
    AutoAssigner m_assigner;
    AbsenceBook m_absences;
};

QList<NotificationRecord> BatchBuilder::redirectedFromAbsent(const TicketOutcome &outcome)
{
    QList<NotificationRecord> notices = outcome.notifications;
    if (notices.isEmpty() || !m_db)
        return notices;
    // The queue's backups as published now (PUT /api/v1/org), not as at start.
    const Organisation &org = d.org();
    const auto queue = org.queues.constFind(outcome.ticket.queue);
    const QueueDef *queueDef = queue == org.queues.cend() ? nullptr : &*queue;
    if (auto redirected = m_absences.redirect(*m_db, m_now, queueDef, notices); !redirected) {
        // The notices still reach their recipients: better late than lost with the write.
        qCWarning(lcStore) << "absences not read; notices go to their recipients:"
                           << redirected.error();
        return outcome.notifications;
    }
    return notices;
}

bool BatchBuilder::assignAutomatically(TicketOutcome &outcome, const TicketMachine &machine,
                                       Staging &local, CommandResult &result)
{
    if (!m_db) {
        result = makeError(m_db.error());
        return false;
    }
    auto assigned = m_assigner.apply(*m_db, outcome, machine, m_now, local.rows.assignmentTurns);
    if (assigned)
        assigned = m_absences.handOver(*m_db, m_now, d.org(), machine, outcome);
    if (!assigned)
        result = makeError(assigned.error());
    return bool(assigned);
}

// The ticket as the batch has it so far: staged, cached, or read from the database.
Result<std::optional<Staging::Ticket>> BatchBuilder::load(const Staging &local, qint64 id)
{
    if (auto it = local.tickets.constFind(id); it != local.tickets.cend())
        return std::optional(it.value());
    if (auto it = staged.tickets.constFind(id); it != staged.tickets.cend())
        return std::optional(it.value());
    Staging::Ticket ticket;
    if (auto it = d.cache.constFind(id); it != d.cache.cend()) {
        ticket.state = it->state;
        ticket.previousRow = it->row;
        ticket.previousState = it->state;
        ticket.timersBefore = it->timers;
    } else {
        if (!m_db)
            return m_db.failure();
        if (!d.loader || d.loader->database().connectionName() != m_db->connectionName())
            d.loader = std::make_unique<TicketLoader>(*m_db);
        auto row = d.loader->ticket(id);
        if (!row)
            return row.failure();
        if (!row->has_value())
            return std::optional<Staging::Ticket>();
        ticket.state = TicketState::fromJson(QJsonDocument::fromJson((*row)->stateData).object());
        // The update then applies only while the database still holds this version.
        ticket.previousRow = std::move(**row);
        ticket.previousState = ticket.state;
    }
    ticket.queuesBefore = ticket.state.queuesVisited;
    auto wf = d.workflow(ticket.state.workflow, ticket.state.workflowVersion);
    if (!wf)
        return wf.failure();
    ticket.workflow = wf.value();
    return std::optional(std::move(ticket));
}

// Stages an outcome's rows for ticket `id` (already holding outcome.ticket's id).
void BatchBuilder::stage(Staging &local, Staging::Ticket ticket, const TicketOutcome &outcome)
{
    const qint64 id = outcome.ticket.id;
    ticket.state = outcome.ticket;
    // A firing was leased: its row's due was moved, so what this engine wrote is not there.
    if (outcome.rewritePlan)
        ticket.timersBefore.reset();
    if (d.options.stepFacts)
        ticket.events += outcome.events;
    for (const Event &event : outcome.events) {
        local.rows.events.append(eventRowOf(id, event));
        if (event.type == EventTypes::commented)
            local.rows.comments.append(commentRowOf(id, event));
    }
    const QList<NotificationRecord> notices = redirectedFromAbsent(outcome);
    for (const NotificationRecord &n : notices)
        local.rows.notifications.append(
            {0, n.recipient, id, n.kind, n.message, m_nowMs, false, n.params});
    if (d.options.outboxPlanner && !outcome.events.isEmpty())
        local.rows.outbox
            += d.options.outboxPlanner(outcome.ticket, outcome.events, notices, m_now);
    if (!local.tickets.contains(id))
        local.order.append(id);
    local.tickets.insert(id, std::move(ticket));
}

bool BatchBuilder::takeId(Staging &local, qint64 &id)
{
    auto next = d.idAt(local.idsTaken);
    if (!next)
        return false;
    ++local.idsTaken;
    id = *next;
    return true;
}

Result<std::optional<Replay>> BatchBuilder::replayOf(const IdempotencyKey &key)
{
    // The batch's own, then one staged by an earlier batch not yet committed, then the store.
    if (auto it = staged.idempotency.constFind(key); it != staged.idempotency.cend())
        return std::optional(it.value());
    {
        QMutexLocker lock(&d.inflightMutex);
        if (auto flying = d.inflight.constFind(key); flying != d.inflight.cend())
            return std::optional(flying.value());
    }
    if (!m_db)
        return std::optional<Replay>();
    auto row = TicketReader::idempotency(*m_db, key.first, key.second);
    if (!row)
        return row.failure();
    if (!row->has_value())
        return std::optional<Replay>();
    return std::optional(
        Replay {(*row)->requestHash,
                TicketState::fromJson(QJsonDocument::fromJson((*row)->response).object())});
}

void BatchBuilder::applyOpen(const Command &command, CommandResult &result, Staging &local)
{
    const bool idempotent = !command.idempotencyKey.isEmpty();
    const IdempotencyKey key {command.actor.username, command.idempotencyKey};
    QString hash;
    if (idempotent) {
        hash = requestHash(command.workflow, command.open);
        auto previous = replayOf(key);
        if (!previous) {
            result = makeError(previous.error());
            return;
        }
        if (*previous) {
            if ((*previous)->first != hash) {
                result = makeError(ErrorKind::Conflict,
                                   QStringLiteral("idempotency key reused with another request"));
            } else {
                result->ticket = (*previous)->second;
                result->replayed = true;
            }
            return;
        }
    }
    const int version = d.currentVersion(command.workflow);
    if (version == 0) {
        result = makeError(ErrorKind::NotFound,
                           QStringLiteral("no workflow %1").arg(command.workflow));
        return;
    }
    auto wf = d.workflow(command.workflow, version);
    if (!wf) {
        result = makeError(wf.error());
        return;
    }
    const TicketMachine machine(**wf, d.org());
    TicketOutcome outcome = machine.open(command.actor, command.open, version, m_now);
    if (!outcome.ok()) {
        result = *outcome.error;
        return;
    }
    qint64 id = 0;
    if (!takeId(local, id)) {
        result = makeError(QStringLiteral("database error: no ticket id"));
        return;
    }
    d.assignId(outcome.ticket, id);
    if (!assignAutomatically(outcome, machine, local, result))
        return;
    Staging::Ticket fresh;
    fresh.isNew = true;
    fresh.timersBefore.emplace(); // a new id has none
    fresh.workflow = wf.value();
    stage(local, fresh, outcome);
    // `open:` on the opening itself is not possible; linked opens come from actions.
    result->ticket = outcome.ticket;
    result->events = outcome.events;
    if (!command.open.customer.id.isEmpty()) {
        const Customer &c = command.open.customer;
        local.rows.customers.append({c.id, c.name, c.tier, c.phone, c.email, m_nowMs});
    }
    if (idempotent) {
        local.rows.idempotency.append({key.first, key.second, hash, outcome.ticket.id,
                                       outcome.ticket.toCompactJson(), m_nowMs});
        local.idempotency.insert(key, {hash, outcome.ticket});
    }
    staged.merge(std::move(local));
}

void BatchBuilder::applyMutation(Command &command, CommandResult &result, Staging &local)
{
    auto loaded = load(local, command.ticket);
    if (!loaded) {
        result = makeError(loaded.error());
        return;
    }
    if (!loaded->has_value()) {
        result = makeError(ErrorKind::NotFound, QStringLiteral("no such ticket"));
        return;
    }
    Staging::Ticket ticket = std::move(**loaded);
    const std::shared_ptr<const Workflow> workflow = ticket.workflow; // outlives the move below
    const TicketMachine machine(*workflow, d.org());
    const TicketState &state = ticket.state;
    TicketOutcome outcome = command.mutation(state, machine, m_now);
    if (!outcome.ok()) {
        result = *outcome.error;
        return;
    }
    if (outcome.events.isEmpty()) { // nothing changed (e.g. claiming one's own ticket)
        result->ticket = state;
        if (!outcome.rewritePlan)
            return;
        outcome.ticket = state; // written as it is, with its SLA plan made afresh
    }
    outcome.ticket.id = state.id;
    outcome.ticket.key = state.key;
    if (!assignAutomatically(outcome, machine, local, result))
        return;
    QList<Event> events = outcome.events;
    stage(local, std::move(ticket), outcome);
    if (!outcome.linkedOpens.isEmpty()
        && !openLinked(command, machine, outcome, local, events, result))
        return;
    if (command.otherMutation && !applyOther(command, result, local))
        return;
    result->ticket = local.tickets.value(outcome.ticket.id).state;
    result->events = std::move(events);
    staged.merge(std::move(local));
}

bool BatchBuilder::applyOther(const Command &command, CommandResult &result, Staging &local)
{
    auto loaded = load(local, command.otherTicket);
    if (!loaded || !loaded->has_value()) {
        result = loaded ? makeError(ErrorKind::NotFound, QStringLiteral("no such ticket"))
                        : makeError(loaded.error());
        return false;
    }
    Staging::Ticket ticket = std::move(**loaded);
    const std::shared_ptr<const Workflow> workflow = ticket.workflow;
    const TicketMachine machine(*workflow, d.org());
    TicketOutcome outcome = command.otherMutation(ticket.state, machine, m_now);
    if (!outcome.ok()) {
        result = *outcome.error;
        return false;
    }
    if (outcome.events.isEmpty())
        return true;
    outcome.ticket.id = ticket.state.id;
    outcome.ticket.key = ticket.state.key;
    if (!assignAutomatically(outcome, machine, local, result))
        return false;
    stage(local, std::move(ticket), outcome);
    return true;
}

std::optional<Staging::Ticket> BatchBuilder::linkedTicket(const Command &command,
                                                          const LinkedOpenRequest &link,
                                                          TicketOutcome &opened,
                                                          CommandResult &result)
{
    const int version = d.currentVersion(link.workflow);
    auto wf = version ? d.workflow(link.workflow, version)
                      : Result<std::shared_ptr<const Workflow>>(
                          makeError(QStringLiteral("no workflow %1").arg(link.workflow)));
    if (!wf) {
        result = makeError(ErrorKind::Validation, wf.error());
        return std::nullopt;
    }
    OpenRequest request;
    request.title = link.title;
    request.fields = link.fields;
    request.customer = link.customer;
    request.channel = link.channel;
    request.openedFrom = link.openedFrom;
    request.openedFromKey = link.openedFromKey;
    Actor originator = command.actor;
    if (link.originator != command.actor.username) {
        originator = Actor {};
        originator.username = link.originator;
    }
    opened = TicketMachine(**wf, d.org()).open(originator, request, version, m_now);
    if (!opened.ok()) {
        Error refused = *opened.error;
        refused.message = QStringLiteral("cannot open the linked %1 ticket: %2")
                              .arg(link.workflow, opened.error->message);
        result = std::move(refused);
        return std::nullopt;
    }
    Staging::Ticket fresh;
    fresh.isNew = true;
    fresh.timersBefore.emplace(); // a new id has none
    fresh.workflow = wf.value();
    return fresh;
}

bool BatchBuilder::openLinked(const Command &command, const TicketMachine &machine,
                              const TicketOutcome &outcome, Staging &local, QList<Event> &events,
                              CommandResult &result)
{
    const TicketState &source = outcome.ticket;
    for (const LinkedOpenRequest &link : outcome.linkedOpens) {
        TicketOutcome opened;
        auto fresh = linkedTicket(command, link, opened, result);
        if (!fresh && link.scheduledSeq) {
            // A pending opening refused now (its workflow gone, or refusing it) is refused at
            // every later try too: recorded on the ticket and dropped, not retried for ever.
            const QString reason = result.error();
            result = CommandOutcome {};
            Staging::Ticket &from = local.tickets[source.id];
            TicketOutcome failed
                = machine.linkFailed(from.state, link.scheduledSeq, link.workflow, reason, m_now);
            events += failed.events;
            stage(local, from, failed);
            continue;
        }
        if (!fresh)
            return false;
        qint64 id = 0;
        if (!takeId(local, id)) {
            result = makeError(QStringLiteral("database error: no ticket id"));
            return false;
        }
        d.assignId(opened.ticket, id);
        // Both tickets list the link.
        const TicketMachine other(*fresh->workflow, d.org());
        TicketOutcome back = other.link(
            opened.ticket,
            TicketLink {source.id, source.key, source.workflow, LinkRelations::openedFrom}, m_now);
        opened.ticket = back.ticket;
        opened.events += back.events;
        stage(local, std::move(*fresh), opened);
        Staging::Ticket &from = local.tickets[source.id];
        const TicketLink forthLink {opened.ticket.id, opened.ticket.key, opened.ticket.workflow,
                                    LinkRelations::opened};
        TicketOutcome forth = link.scheduledSeq
            ? machine.linkScheduled(from.state, forthLink, link.scheduledSeq, m_now)
            : machine.link(from.state, forthLink, m_now);
        events += forth.events;
        stage(local, from, forth);
        local.rows.links.append({source.id, opened.ticket.id, LinkRelations::opened, m_nowMs});
        local.rows.links.append({opened.ticket.id, source.id, LinkRelations::openedFrom, m_nowMs});
    }
    return true;
}

// The SLA's due dates onto the row, and its timers into the batch.
SlaPlan BatchBuilder::plan(const Staging::Ticket &ticket, TicketRow &row)
{
    SlaPlan plan;
    if (!d.options.slaPlanner)
        return plan;
    plan = d.options.slaPlanner(ticket.state, *ticket.workflow, m_now);
    row.respondDue = msOrNone(plan.respondDue);
    row.resolveDue = msOrNone(plan.resolveDue);
    row.ticketDue = msOrNone(plan.ticketDue);
    row.atRiskAt = msOrNone(plan.atRiskAt);
    const qint64 id = ticket.state.id;
    for (TimerRow &timer : plan.timers)
        timer.ticketId = id;
    staged.timersAfter.insert(id, plan.timers);
    // Most actions leave the earliest unfired step where it was: deleting and inserting the
    // same row again rewrote three B-tree pages per commit.
    if (ticket.timersBefore && *ticket.timersBefore == plan.timers)
        return plan;
    staged.rows.replaceTimersOf.append(id);
    staged.rows.timers += plan.timers;
    return plan;
}

QList<TicketState> BatchBuilder::toWriteBatch(QHash<qint64, TicketRow> &written)
{
    QList<TicketState> changedTickets;
    for (qint64 id : std::as_const(staged.order)) {
        const Staging::Ticket &ticket = staged.tickets[id];
        TicketRow row = ticket.isNew
            ? ticketRowOf(ticket.state)
            : rowOf(ticket.state, &ticket.previousState, &ticket.previousRow);
        row.branchQueues = branchQueuesOf(ticket.state, row, plan(ticket, row));
        if (d.options.stepFacts && !ticket.events.isEmpty())
            staged.rows.stepFacts
                += d.options.stepFacts(id, ticket.isNew ? TicketState() : ticket.previousState,
                                       ticket.events, *ticket.workflow);
        for (const QString &queue : ticket.state.queuesVisited)
            if (ticket.isNew || !ticket.queuesBefore.contains(queue))
                staged.rows.queuesVisited.append({id, queue});
        written.insert(id, row);
        if (ticket.isNew || ticket.state.version != ticket.previousState.version)
            changedTickets.append(ticket.state);
        if (ticket.isNew) {
            staged.rows.newTickets.append(std::move(row));
        } else {
            staged.rows.changedTickets.append(std::move(row));
            staged.rows.previousTickets.append(ticket.previousRow);
        }
    }
    return changedTickets;
}

// ---------------------------------------------------------------------------------------------

int Engine::Private::currentVersion(const QString &name) const
{
    QMutexLocker lock(&workflowMutex);
    return current.value(name);
}

void Engine::Private::assignId(TicketState &ticket, qint64 id)
{
    // TicketState::assignId() compiles a regular expression per call; the prefix of a
    // workflow never changes, so compute it once.
    auto it = keyPrefixes.find(ticket.workflow);
    if (it == keyPrefixes.end())
        it = keyPrefixes.insert(ticket.workflow, ticketKeyPrefix(ticket.workflow));
    ticket.id = id;
    ticket.key = it.value() + u'-' + QString::number(id);
}

Result<qint64> Engine::Private::idAt(size_t index)
{
    while (idPool.size() <= index) {
        auto db = options.database->connection();
        if (!db)
            return db.failure();
        qint64 first = 0;
        if (options.database->isPostgreSql()) {
            auto drawn = TicketIds::drawBlock(*db);
            if (!drawn)
                return drawn.failure();
            first = *drawn;
        } else {
            if (nextCounterId == 0) {
                auto highest = TicketIds::highestId(*db);
                if (!highest)
                    return highest.failure();
                nextCounterId = *highest + 1;
            }
            first = nextCounterId;
            nextCounterId += TicketIds::blockSize;
        }
        for (qint64 id = first; id < first + TicketIds::blockSize; ++id)
            idPool.push_back(id);
    }
    return idPool[index];
}

void Engine::Private::forgetIds()
{
    idPool.clear();
    nextCounterId = 0; // SQLite: count on from what the database holds
}

void Engine::Private::evictOldest(qsizetype incoming)
{
    const qsizetype limit = std::max(1, options.cacheLimit);
    if (cache.size() + incoming <= limit) {
        // Records of tickets written again pile up while the cache is not full; keep them
        // within a few times the cache.
        if (qsizetype(cacheOrder.size()) > 4 * limit) {
            std::vector<std::pair<quint64, qint64>> live;
            live.reserve(size_t(cache.size()));
            for (auto it = cache.cbegin(); it != cache.cend(); ++it)
                live.emplace_back(it->sequence, it.key());
            std::sort(live.begin(), live.end());
            cacheOrder.clear();
            for (const auto &[written, id] : live)
                cacheOrder.emplace_back(id, written);
        }
        return;
    }
    const qsizetype target = std::max<qsizetype>(0, limit * 3 / 4 - incoming);
    const quint64 committed = committedSequence.load();
    while (cache.size() > target && !cacheOrder.empty()) {
        const auto [id, written] = cacheOrder.front();
        auto it = cache.find(id);
        if (it == cache.end() || it->sequence != written) {
            cacheOrder.pop_front(); // written again since, or gone
            continue;
        }
        if (written > committed)
            break; // never forget a ticket whose row is not yet in the database, and never
                   // wait for it here: the cache may exceed its limit by the batches in flight
        cache.erase(it);
        cacheOrder.pop_front();
    }
}

void Engine::Private::evictStaleCache(const std::vector<Command> &batch)
{
    if (!options.database->isPostgreSql() || cache.isEmpty())
        return;
    // Only tickets whose last write here is committed: a newer write of ours is still on its
    // way, and the version guard of the update catches anything another server did before it.
    const quint64 committed = committedSequence.load();
    QList<qint64> ids;
    QSet<qint64> asked;
    for (const Command &command : batch) {
        if (command.opensTicket())
            continue;
        for (const qint64 ticket : {command.ticket, command.otherTicket}) {
            if (ticket == 0 || asked.contains(ticket))
                continue;
            auto it = cache.constFind(ticket);
            if (it == cache.cend() || it->sequence > committed)
                continue;
            asked.insert(ticket);
            ids.append(ticket);
        }
    }
    if (ids.isEmpty())
        return;
    auto db = options.database->connection();
    if (!db)
        return; // the batch reads the database itself and fails there
    auto versions = TicketReader::versions(*db, ids);
    if (!versions)
        return;
    for (auto stored = versions->cbegin(); stored != versions->cend(); ++stored) {
        auto it = cache.find(stored.key());
        if (it != cache.end() && it->row.version != stored.value())
            cache.erase(it);
    }
}

void Engine::Private::startNewEpochIfFailed()
{
    if (failedEpoch.load() != epoch)
        return;
    waitCommitterIdle();
    cache.clear();
    cacheOrder.clear();
    forgetIds();
    ++epoch;
}

void Engine::Private::remember(const Staging &staged, QHash<qint64, TicketRow> &written)
{
    // Optimistically: the next batch builds on this one before it is committed.
    idPool.erase(idPool.begin(), idPool.begin() + qsizetype(staged.idsTaken));
    evictOldest(staged.tickets.size());
    ++sequence;
    for (auto it = staged.tickets.cbegin(); it != staged.tickets.cend(); ++it) {
        TicketRow row = std::move(written[it.key()]);
        row.stateData.clear(); // half of a cached ticket's memory, and never compared
        const auto timers = staged.timersAfter.constFind(it.key());
        cache.insert(it.key(),
                     Cached {it.value().state, std::move(row), sequence,
                             timers == staged.timersAfter.cend()
                                 ? std::nullopt
                                 : std::optional<QList<TimerRow>>(*timers)});
        cacheOrder.emplace_back(it.key(), sequence);
    }
    QMutexLocker lock(&statsMutex);
    stats.cached = quint64(cache.size());
}

void Engine::Private::process(std::vector<Command> &batch)
{
    startNewEpochIfFailed();
    backOffBeforeRetry(batch);
    evictStaleCache(batch);
    QElapsedTimer trace;
    trace.start();
    std::vector<CommandResult> results(batch.size(), CommandOutcome {});
    BatchBuilder builder(*this, options.clock->now());
    for (size_t i = 0; i < batch.size(); ++i)
        builder.apply(batch[i], results[i]);
    const qint64 tApplied = trace.nsecsElapsed();
    QHash<qint64, TicketRow> written;
    QList<TicketState> changedTickets = builder.toWriteBatch(written);
    qCDebug(lcStore, "batch of %zu: rules %.2f ms, rows %.2f ms", batch.size(), tApplied / 1e6,
            (trace.nsecsElapsed() - tApplied) / 1e6);
    Staging &staged = builder.staged;
    remember(staged, written);

    Handoff handoff;
    handoff.epoch = epoch;
    handoff.sequence = sequence;
    handoff.results = std::move(results);
    handoff.rows = std::move(staged.rows);
    handoff.changedTickets = std::move(changedTickets);
    {
        QMutexLocker lock(&inflightMutex);
        for (auto it = staged.idempotency.cbegin(); it != staged.idempotency.cend(); ++it) {
            inflight.insert(it.key(), it.value());
            handoff.idempotencyKeys.append(it.key());
        }
    }
    handoff.batch = std::move(batch);
    batch.clear();
    handOff(std::move(handoff));
}

} // namespace Baton

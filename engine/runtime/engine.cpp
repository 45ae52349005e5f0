// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine.h"

#include "core/clock.h"
#include "core/metrics.h"
#include "definition/workflowreader.h"
#include "store/database.h"
#include "store/storelog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QRandomGenerator>
#include <QSet>
#include <QTimeZone>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include <pthread.h>

namespace Baton {

namespace {

qint64 ms(const QDateTime &instant)
{
    return instant.toMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString requestHash(const QString &workflow, const OpenRequest &request)
{
    const QJsonObject body {{QStringLiteral("workflow"), workflow},
                            {QStringLiteral("title"), request.title},
                            {QStringLiteral("fields"), QJsonObject::fromVariantMap(request.fields)},
                            {QStringLiteral("customer"), request.customer.toJson()},
                            {QStringLiteral("channel"), request.channel}};
    return QString::fromLatin1(
        QCryptographicHash::hash(compact(body), QCryptographicHash::Sha256).toHex());
}

TicketError error(TicketError::Kind kind, const QString &message)
{
    TicketError e;
    e.kind = kind;
    e.message = message;
    return e;
}

} // namespace

namespace {

// The row of `state`; `previous` (state and row as last written, optional) lets unchanged
// JSON columns be reused instead of serialised again.
TicketRow rowOf(const TicketState &state, const TicketState *previousState,
                const TicketRow *previousRow)
{
    TicketRow row;
    row.id = state.id;
    row.key = state.key;
    row.workflow = state.workflow;
    row.workflowVersion = state.workflowVersion;
    row.title = state.title;
    row.state = state.state;
    row.status = toString(state.status);
    row.queue = state.queue;
    row.assignee = state.assignee;
    row.originator = state.originator;
    row.priority = state.priority;
    row.handoffs = state.handoffs;
    row.flagged = state.flagged;
    const bool reuse = previousState && previousRow && previousRow->id == state.id;
    if (reuse && previousState->fields == state.fields)
        row.fields = previousRow->fields;
    else
        row.fields = state.fieldsJson();
    row.customerId = state.customer.id;
    row.customerName = state.customer.name;
    row.customerTier = state.customer.tier;
    row.customerPhone = state.customer.phone;
    row.customerEmail = state.customer.email;
    row.channel = state.channel;
    if (reuse && previousState->branches == state.branches)
        row.branches = previousRow->branches;
    else
        row.branches = state.branchesJson();
    row.version = state.version;
    row.createdAt = ms(state.createdAt);
    row.updatedAt = ms(state.updatedAt);
    if (state.closedAt.isValid())
        row.closedAt = ms(state.closedAt);
    row.stateData = state.toCompactJson(row.fields, row.branches);
    return row;
}

// The queues of the open branches, whose pages show the ticket too: each by the branch's own
// clocks when it has any (else the ticket's). The writer adds the ticket's own queue.
QList<TicketQueueRow> branchQueuesOf(const TicketState &state, const TicketRow &row,
                                     const SlaPlan &plan)
{
    const qint64 due = row.dueAt();
    const qint64 risk = row.atRiskAt.value_or(noDueDate);
    QList<TicketQueueRow> queues;
    if (!state.isOpen())
        return queues;
    auto add = [&](const QString &queue, qint64 queueDue, qint64 queueRisk) {
        if (!queue.isEmpty())
            queues.append({queue, queueDue, queueRisk});
    };
    for (const BranchState &branch : state.branches) {
        if (branch.status != BranchStatus::Open)
            continue;
        const auto own = plan.branchDues.constFind(branch.name);
        if (own == plan.branchDues.cend() || !own->due)
            add(branch.queue, due, risk);
        else
            add(branch.queue, ms(*own->due), own->atRiskAt ? ms(*own->atRiskAt) : ms(*own->due));
    }
    return queues;
}

} // namespace

TicketRow ticketRowOf(const TicketState &state)
{
    return rowOf(state, nullptr, nullptr);
}

EventRow eventRowOf(qint64 ticketId, const Event &event)
{
    return EventRow {ticketId,    event.seq,  ms(event.at),
                     event.actor, event.type, compact(event.data)};
}

Event eventOf(const EventRow &row)
{
    Event event;
    event.seq = row.seq;
    event.type = row.type;
    event.actor = row.actor;
    event.at = QDateTime::fromMSecsSinceEpoch(row.at, Qt::UTC);
    event.data = QJsonDocument::fromJson(row.data).object();
    return event;
}

// ---------------------------------------------------------------------------------------------

struct Command
{
    // Every member has an initialiser, so that the builders below may name only theirs.
    enum class Kind { Open, Action, Claim, Assign, Transfer, Comment, Reopen, Mutate };
    Kind kind = Kind::Open;
    Actor actor {};
    qint64 ticket = 0;
    QString workflow {};
    OpenRequest open {};
    QString idempotencyKey {};
    ActionRequest action {};
    QString branch {};
    std::optional<qint64> expectedVersion {};
    Actor assignee {};
    QString text1 {}, text2 {}; // transfer: queue, reason; comment: body; reopen: reason
    bool internal = false;
    Engine::Mutation mutation {};
    Engine::Callback done {};
    int attempts = 0; ///< batches it was in that another server's write made stale
    /// When it was first sent back to be built again (stale or built on a failed batch).
    std::optional<std::chrono::steady_clock::time_point> builtAgainSince {};
    /// Non-zero: the command is in one half of a batch the database refused a row of, and is
    /// built with that half alone (no other commands join), until the half commits or fails.
    quint64 group = 0;
};

// A command whose batch was rolled back because another server had changed one of its
// tickets (or because it was built on such a batch) is built again from the database, for
// as long as this after the first time; then it fails ("the ticket kept changing"). Bound by
// time, not by tries: while another server keeps committing to the same tickets, each try of
// this one can lose again, and on a slow machine each of the other's commits lasts longer, so
// a count of tries (it was 10, about 0.3 s of back-off) ran out during a burst the other
// server ended a second later and refused good writes. Thirty seconds is what an HTTP client
// waits for an answer; a ticket that stays that hot is worth an error.
constexpr auto retryWindow = std::chrono::seconds(30);

// Below this many commands a batch takes everything waiting: splitting small batches only
// adds commits.
constexpr size_t minimumBatch = 64;

struct Engine::Private
{
    EngineOptions options;

    // Workflows: shared by the writer and readers.
    mutable QMutex workflowMutex;
    QHash<QPair<QString, int>, std::shared_ptr<const Workflow>> workflows;
    QMap<QString, int> current;
    /// Files left unpublished at start because a user's newer version stands (under
    /// workflowMutex), until a user publishes the file's text.
    QList<PublishConflict> conflicts;

    // The queue between callers and the writer.
    std::mutex queueMutex;
    std::condition_variable queueReady;
    std::deque<Command> queue;
    bool stopping = false;
    std::thread writer;

    // Pipelining: the writer applies the rules to batch N+1 while the committer writes and
    // commits batch N. The writer's cache runs ahead of the database by at most one batch; if
    // a commit fails, every batch of that epoch (staged on top of it) fails too, and the
    // writer starts a new epoch from what the database holds.
    struct Handoff
    {
        quint64 epoch = 0;
        quint64 sequence = 0; ///< the writer's batch counter
        std::vector<Command> batch;
        std::vector<CommandResult> results;
        WriteBatch rows;
        QList<QPair<QString, QString>> idempotencyKeys;
        QList<TicketState> changedTickets; ///< for the commit observer
    };
    std::mutex observerMutex; // held while the observer runs
    Engine::CommitObserver observer;
    std::mutex commitMutex;
    std::condition_variable commitCv;
    std::optional<Handoff> pending;
    bool committing = false;
    size_t committingSize = 0; ///< commands in the batch being committed
    bool commitStopping = false;
    std::thread committer;
    std::atomic<quint64> failedEpoch {0};
    quint64 lastGroup = 0; // committer thread only: the last half of a refused batch named
    std::atomic<quint64> committedSequence {0}; ///< the last batch committed
    std::atomic<qint64> lastCommitMicroseconds {0}; ///< how long the last write took
    quint64 epoch = 1; // writer thread only
    quint64 sequence = 0; // writer thread only: batches handed to the committer
    /// Commands of stale batches, built again before anything newer (under queueMutex).
    std::deque<Command> retry;
    // Idempotency keys staged but not yet committed (writer inserts, committer removes).
    QMutex inflightMutex;
    QHash<QPair<QString, QString>, QPair<QString, TicketState>> inflight;

    void commitLoop();
    void countCommitted(const Handoff &handoff);
    void waitCommitterIdle()
    {
        std::unique_lock lock(commitMutex);
        commitCv.wait(lock, [this] { return !pending && !committing; });
    }

    // Writer-thread state only.
    std::unique_ptr<TicketWriter> rows;
    struct Cached
    {
        TicketState state;
        TicketRow row; ///< as last written, without state_data (always rewritten)
        quint64 sequence = 0; ///< the batch that wrote it
    };
    QHash<qint64, Cached> cache;
    std::unique_ptr<TicketLoader> loader; ///< reads what the cache does not hold
    /// Writes into the cache in order (ticket, batch), oldest first: eviction drops the tickets
    /// least recently written. A record whose ticket was written again since is skipped.
    std::deque<std::pair<qint64, quint64>> cacheOrder;
    /// Makes room for `incoming` tickets: drops the least recently written committed ones
    /// down to three quarters of the limit, instead of forgetting every ticket at once (which
    /// made the next few hundred commands read their tickets back: a pause of 100 ms).
    void evictOldest(qsizetype incoming);
    QHash<QString, QString> keyPrefixes;

    void assignId(TicketState &ticket, qint64 id)
    {
        // TicketState::assignId() compiles a regular expression per call; the prefix of a
        // workflow never changes, so compute it once.
        auto it = keyPrefixes.find(ticket.workflow);
        if (it == keyPrefixes.end())
            it = keyPrefixes.insert(ticket.workflow, ticketKeyPrefix(ticket.workflow));
        ticket.id = id;
        ticket.key = it.value() + u'-' + QString::number(id);
    }
    // Ticket ids. SQLite has one writer, which counts on from MAX(id). On PostgreSQL several
    // servers may share the database: each draws blocks of 32 ids from sequence ticket_ids
    // (one round trip per block). Ids of refused or failed commands are not reused.
    std::deque<qint64> idPool;
    qint64 nextCounterId = 0; ///< SQLite: the next id to add to the pool
    Result<qint64> idAt(size_t index);
    void forgetIds();
    /// On PostgreSQL: drops cached tickets that another server has changed since they were
    /// committed here, so that rules are not applied to an old version.
    void evictStaleCache(const std::vector<Command> &batch);
    /// Before building commands again whose batch met another server's write: a random pause
    /// that doubles with each try, so that two servers hammering one ticket stop colliding.
    void backOffBeforeRetry(const std::vector<Command> &batch);

    mutable QMutex statsMutex;
    Stats stats;

    void enqueue(Command command);
    void run();
    void process(std::vector<Command> &batch);
    Result<std::shared_ptr<const Workflow>> workflow(const QString &name, int version);
};

namespace {

// One batch's changes, staged per command so that a refused command leaves no trace.
struct Staging
{
    struct Ticket
    {
        TicketState state;
        TicketRow previousRow; ///< as last written; id 0 when unknown
        TicketState previousState; ///< the state previousRow was written from
        bool isNew = false;
        QStringList queuesBefore;
        std::shared_ptr<const Workflow> workflow;
        QList<Event> events; ///< staged for it in this batch, oldest first (step facts)
    };
    QHash<qint64, Ticket> tickets;
    QList<qint64> order; // first-touch order, for deterministic writes
    WriteBatch rows;
    QHash<QPair<QString, QString>, QPair<QString, TicketState>>
        idempotency; // (user,key) → hash, result
    size_t idsTaken = 0; ///< ids taken from the front of the pool so far

    void merge(Staging &&other)
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
        for (auto it = other.idempotency.begin(); it != other.idempotency.end(); ++it)
            idempotency.insert(it.key(), it.value());
        idsTaken = other.idsTaken;
    }
};

} // namespace

Result<std::shared_ptr<const Workflow>> Engine::Private::workflow(const QString &name, int version)
{
    {
        QMutexLocker lock(&workflowMutex);
        if (auto found = workflows.value({name, version}))
            return found;
    }
    auto stored = WorkflowVersions::load(*options.database, name, version);
    if (!stored)
        return Error {stored.error()};
    // An old version is read against today's organisation; it was valid when published.
    WorkflowReadOptions readOptions;
    readOptions.expectedId = name;
    auto read
        = readWorkflow(stored->source, name + u".yaml", options.organisation.get(), readOptions);
    if (!read.workflow)
        return makeError(QStringLiteral("workflow %1 version %2 cannot be read any more")
                             .arg(name)
                             .arg(version));
    if (!read.ok())
        qCWarning(lcStore) << "workflow" << name << "version" << version
                           << "has problems against the current organisation";
    std::shared_ptr<const Workflow> parsed = std::move(read.workflow);
    QMutexLocker lock(&workflowMutex);
    workflows.insert({name, version}, parsed);
    return parsed;
}

void Engine::Private::enqueue(Command command)
{
    {
        std::lock_guard lock(queueMutex);
        if (!stopping) {
            queue.push_back(std::move(command));
            queueReady.notify_one();
            return;
        }
    }
    CommandResult result;
    result.failure = QStringLiteral("the engine is shutting down");
    command.done(std::move(result));
}

Result<qint64> Engine::Private::idAt(size_t index)
{
    while (idPool.size() <= index) {
        auto db = options.database->connection();
        if (!db)
            return Error {db.error()};
        if (options.database->isPostgreSql()) {
            auto block = runQuery(*db, QStringLiteral("SELECT nextval('ticket_ids')"));
            if (!block)
                return Error {block.error()};
            if (!block->next())
                return makeError(QStringLiteral("sequence ticket_ids gave no value"));
            const qint64 first = block->value(0).toLongLong();
            for (qint64 id = first; id < first + 32; ++id)
                idPool.push_back(id);
        } else {
            if (nextCounterId == 0) {
                auto max
                    = runQuery(*db, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM tickets"));
                if (!max)
                    return Error {max.error()};
                nextCounterId = (max->next() ? max->value(0).toLongLong() : 0) + 1;
            }
            for (int i = 0; i < 32; ++i)
                idPool.push_back(nextCounterId++);
        }
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

void Engine::Private::backOffBeforeRetry(const std::vector<Command> &batch)
{
    int attempts = 0;
    for (const Command &command : batch)
        attempts = std::max(attempts, command.attempts);
    if (attempts == 0)
        return;
    // Up to 2^attempts ms (at most 64), and at least two of our last commits: the other
    // server's commits take about as long as ours, and on a slow machine a pause of a few
    // milliseconds would not move this server's next try away from them. At most half a
    // second, so that a burst's end is not slept through.
    const qint64 ceilingMicroseconds = std::min<qint64>(
        500'000,
        std::max<qint64>(1000LL << std::min(attempts, 6), 2 * lastCommitMicroseconds.load()));
    std::this_thread::sleep_for(
        std::chrono::microseconds(QRandomGenerator::global()->bounded(ceilingMicroseconds)));
}

void Engine::Private::evictStaleCache(const std::vector<Command> &batch)
{
    if (!options.database->isPostgreSql() || cache.isEmpty())
        return;
    // Only tickets whose last write here is committed: a newer write of ours is still on its
    // way, and the version guard of the update catches anything another server did before it.
    const quint64 committed = committedSequence.load();
    QString ids;
    QSet<qint64> asked;
    for (const Command &command : batch) {
        if (command.kind == Command::Kind::Open || asked.contains(command.ticket))
            continue;
        auto it = cache.constFind(command.ticket);
        if (it == cache.cend() || it->sequence > committed)
            continue;
        asked.insert(command.ticket);
        ids += (ids.isEmpty() ? QString() : QStringLiteral(",")) + QString::number(command.ticket);
    }
    if (ids.isEmpty())
        return;
    auto db = options.database->connection();
    if (!db)
        return; // the batch reads the database itself and fails there
    auto versions = runQuery(
        *db, QStringLiteral("SELECT id, version FROM tickets WHERE id IN (%1)").arg(ids));
    if (!versions)
        return;
    while (versions->next()) {
        const qint64 id = versions->value(0).toLongLong();
        auto it = cache.find(id);
        if (it != cache.end() && it->row.version != versions->value(1).toLongLong())
            cache.erase(it);
    }
}

/// /metrics: the batch's size, and the SLA breaches it made durable (whoever caused them:
/// timers, actions, recomputed clocks). Atomics only; the committer thread.
void Engine::Private::countCommitted(const Handoff &handoff)
{
    Metrics &metrics = Metrics::global();
    metrics.commitBatchSize.observe(double(handoff.batch.size()));
    quint64 breaches = 0;
    for (const CommandResult &result : handoff.results)
        if (result.ok() && !result.replayed)
            for (const Event &event : result.events)
                breaches += event.type == u"sla_breached";
    if (breaches > 0)
        metrics.slaBreaches.add(breaches);
}

void Engine::Private::commitLoop()
{
    rows = std::make_unique<TicketWriter>(options.database);
    for (;;) {
        Handoff handoff;
        {
            std::unique_lock lock(commitMutex);
            commitCv.wait(lock, [this] { return commitStopping || pending; });
            if (!pending)
                break;
            handoff = std::move(*pending);
            pending.reset();
            committing = true;
            committingSize = handoff.batch.size();
            commitCv.notify_all();
        }
        QString failure;
        qint64 commitNanos = 0;
        bool stale = false; // another server changed a ticket: build the batch again
        bool follower = false; // failed only because it was built on a failed batch
        // The database refused a row of one of several commands: build the batch again in
        // halves, each alone, until the command whose rows are refused fails by itself.
        bool split = false;
        TicketWriter::WriteReport report;
        if (failedEpoch.load() == handoff.epoch) {
            follower = true;
            failure = QStringLiteral("database error: an earlier group commit failed");
        } else if (!handoff.rows.isEmpty()) {
            QElapsedTimer timer;
            timer.start();
            auto stored = rows->write(handoff.rows, &report);
            commitNanos = timer.nsecsElapsed();
            lastCommitMicroseconds.store(commitNanos / 1000);
            qCDebug(lcStore, "commit of %zu commands: %.2f ms", handoff.batch.size(),
                    commitNanos / 1e6);
            if (!stored) {
                failure = stored.error();
                // A deadlock or serialisation failure anywhere in the batch is another
                // server's doing too (not only in the ticket updates, which name tickets).
                stale = !report.staleTickets.isEmpty() || report.conflicted;
                split = !stale && report.rowsRefused && handoff.batch.size() > 1;
                if (stale || split)
                    qCInfo(lcStore).noquote()
                        << "group commit of" << handoff.batch.size() << "commands built again"
                        << (split ? "in halves:" : ":") << failure;
                else
                    qCWarning(lcStore).noquote() << "group commit of" << handoff.batch.size()
                                                 << "commands failed:" << failure;
                failedEpoch.store(handoff.epoch);
            }
        }
        if (failure.isEmpty())
            committedSequence.store(handoff.sequence);
        // Every command of a stale, split or follower batch goes back to the writer, refusals
        // included: they may have been judged on the old version, or on rows never written.
        // A follower's own commands did nothing wrong: they are built again whatever failed
        // the batch under them (if the database itself fails, they fail in their own batch).
        std::vector<bool> requeued(handoff.batch.size(), false);
        if (stale || split || follower) {
            std::deque<Command> again;
            const quint64 firstHalf = split ? ++lastGroup : 0;
            const quint64 secondHalf = split ? ++lastGroup : 0;
            const auto now = std::chrono::steady_clock::now();
            for (size_t i = 0; i < handoff.batch.size(); ++i) {
                Command &command = handoff.batch[i];
                if (split) {
                    // Halves are strictly smaller, so this ends with batches of one.
                    command.group = i < (handoff.batch.size() + 1) / 2 ? firstHalf : secondHalf;
                } else {
                    // Stale, or a follower (not its own conflict, and a follower's batch is
                    // never its cause: the writer starts a new epoch under it). attempts only
                    // grows the back-off; the window bounds the loop.
                    if (stale)
                        ++command.attempts;
                    if (!command.builtAgainSince)
                        command.builtAgainSince = now;
                    else if (now - *command.builtAgainSince > retryWindow)
                        continue;
                }
                again.push_back(std::move(command));
                requeued[i] = true;
            }
            {
                QMutexLocker lock(&statsMutex);
                stats.retried += again.size();
                stats.split += split ? 1 : 0;
            }
            std::lock_guard lock(queueMutex);
            for (Command &command : again)
                retry.push_back(std::move(command));
            queueReady.notify_one();
        }
        if (!failure.isEmpty())
            for (CommandResult &result : handoff.results)
                if (result.ok()) { // replays too: they may stand on the failed batch
                    result = CommandResult {};
                    result.failure = stale ? QStringLiteral("the ticket kept changing under "
                                                            "concurrent writes; try again")
                                           : failure;
                }
        {
            QMutexLocker lock(&inflightMutex);
            for (const auto &key : std::as_const(handoff.idempotencyKeys))
                inflight.remove(key);
        }
        {
            QMutexLocker lock(&statsMutex);
            ++stats.batches;
            stats.commands += handoff.batch.size();
            stats.commitMicroseconds += quint64(commitNanos / 1000);
            stats.maxBatch = std::max<quint64>(stats.maxBatch, handoff.batch.size());
        }
        if (failure.isEmpty() && !handoff.rows.isEmpty())
            countCommitted(handoff);
        if (failure.isEmpty()
            && (!handoff.changedTickets.isEmpty() || !handoff.rows.notifications.isEmpty())) {
            std::lock_guard lock(observerMutex);
            if (observer) {
                CommittedChange change;
                change.tickets = std::move(handoff.changedTickets);
                change.notifications = std::move(handoff.rows.notifications);
                for (qsizetype i = 0; i < change.notifications.size(); ++i)
                    change.notifications[i].id = report.notificationIds.value(i);
                observer(change);
            }
        }
        for (size_t i = 0; i < handoff.batch.size(); ++i)
            if (!requeued[i])
                handoff.batch[i].done(std::move(handoff.results[i]));
        {
            std::lock_guard lock(commitMutex);
            committing = false;
            committingSize = 0;
            commitCv.notify_all();
        }
    }
    rows.reset();
    options.database->closeThreadConnection();
}

void Engine::Private::run()
{
    committer = std::thread([this] {
        pthread_setname_np(pthread_self(), "baton-commit");
        commitLoop();
    });
    std::vector<Command> batch;
    size_t inCommitter = 0;
    for (;;) {
        {
            // Build the next batch only once the last one is being committed: commands that
            // arrive meanwhile join it, so under load a batch holds half the callers waiting
            // instead of a third (one building, one pending, one committing), and each fsync
            // carries more of them.
            std::unique_lock lock(commitMutex);
            commitCv.wait(lock, [this] { return !pending; });
            inCommitter = committingSize;
        }
        {
            std::unique_lock lock(queueMutex);
            queueReady.wait(lock, [this] { return stopping || !queue.empty() || !retry.empty(); });
            if (queue.empty() && retry.empty())
                break; // stopping, and everything queued is done
            // At most half of the commands in flight (waiting here or being committed), so
            // that the writer and the committer each work on about half: taking everything
            // let one batch grow to nearly all callers, which the committer then waited for
            // while the writer built it, and built the next while the writer waited.
            const size_t waiting = queue.size() + retry.size();
            const size_t limit = std::min(size_t(std::max(1, options.maxBatch)),
                                          std::max(minimumBatch, (waiting + inCommitter + 1) / 2));
            batch.clear();
            if (!retry.empty() && retry.front().group) {
                // A half of a batch the database refused a row of: alone, so that its outcome
                // says whether the refused command is in it.
                const quint64 group = retry.front().group;
                for (auto it = retry.begin(); it != retry.end();) {
                    if (it->group != group) {
                        ++it;
                        continue;
                    }
                    batch.push_back(std::move(*it));
                    it = retry.erase(it);
                }
            } else {
                for (auto it = retry.begin(); batch.size() < limit && it != retry.end();) {
                    if (it->group) { // waits for its half's own batch
                        ++it;
                        continue;
                    }
                    batch.push_back(std::move(*it));
                    it = retry.erase(it);
                }
                while (batch.size() < limit && !queue.empty()) {
                    batch.push_back(std::move(queue.front()));
                    queue.pop_front();
                }
            }
        }
        process(batch);
    }
    {
        std::lock_guard lock(commitMutex);
        commitStopping = true;
        commitCv.notify_all();
    }
    committer.join();
    // Batches the committer sent back after the last one was built.
    std::deque<Command> left;
    {
        std::lock_guard lock(queueMutex);
        left.swap(retry);
    }
    for (Command &command : left) {
        CommandResult result;
        result.failure = QStringLiteral("the engine is shutting down");
        command.done(std::move(result));
    }
    loader.reset(); // its statements hold the connection
    options.database->closeThreadConnection();
}

void Engine::Private::process(std::vector<Command> &batch)
{
    if (failedEpoch.load() == epoch) {
        // The committer lost a batch this writer had built on: start again from the database.
        waitCommitterIdle();
        cache.clear();
        cacheOrder.clear();
        forgetIds();
        ++epoch;
    }
    backOffBeforeRetry(batch);
    evictStaleCache(batch);
    QElapsedTimer trace;
    trace.start();
    const QDateTime now = options.clock->now();
    const qint64 nowMs = ms(now);
    std::vector<CommandResult> results(batch.size());
    Staging staged;

    auto db = options.database->connection();

    // The ticket as the batch has it so far: staged, cached, or read from the database.
    auto current = [&](const Staging &local, qint64 id) -> Result<std::optional<Staging::Ticket>> {
        if (auto it = local.tickets.constFind(id); it != local.tickets.cend())
            return std::optional(it.value());
        if (auto it = staged.tickets.constFind(id); it != staged.tickets.cend())
            return std::optional(it.value());
        Staging::Ticket ticket;
        if (auto it = cache.constFind(id); it != cache.cend()) {
            ticket.state = it->state;
            ticket.previousRow = it->row;
            ticket.previousState = it->state;
        } else {
            if (!db)
                return Error {db.error()};
            if (!loader || loader->database().connectionName() != db->connectionName())
                loader = std::make_unique<TicketLoader>(*db);
            auto row = loader->ticket(id);
            if (!row)
                return Error {row.error()};
            if (!row->has_value())
                return std::optional<Staging::Ticket>();
            ticket.state
                = TicketState::fromJson(QJsonDocument::fromJson((*row)->stateData).object());
            // The update then applies only while the database still holds this version.
            ticket.previousRow = std::move(**row);
            ticket.previousState = ticket.state;
        }
        ticket.queuesBefore = ticket.state.queuesVisited;
        auto wf = workflow(ticket.state.workflow, ticket.state.workflowVersion);
        if (!wf)
            return Error {wf.error()};
        ticket.workflow = wf.value();
        return std::optional(std::move(ticket));
    };

    // Stages an outcome's rows for ticket `id` (already holding outcome.ticket's id).
    auto stage = [&](Staging &local, Staging::Ticket ticket, const TicketOutcome &outcome) {
        const qint64 id = outcome.ticket.id;
        ticket.state = outcome.ticket;
        if (options.stepFacts)
            ticket.events += outcome.events;
        for (const Event &event : outcome.events) {
            local.rows.events.append(eventRowOf(id, event));
            if (event.type == u"commented")
                local.rows.comments.append({id, event.seq, event.actor,
                                            event.data.value(u"body").toString(),
                                            event.data.value(u"internal").toBool(), ms(event.at)});
        }
        for (const Notification &n : outcome.notifications)
            local.rows.notifications.append({0, n.recipient, id, n.kind, n.message, nowMs, false});
        if (!local.tickets.contains(id))
            local.order.append(id);
        local.tickets.insert(id, std::move(ticket));
    };

    for (size_t i = 0; i < batch.size(); ++i) {
        Command &command = batch[i];
        CommandResult &result = results[i];
        Staging local;
        local.idsTaken = staged.idsTaken;
        // The next free id, taken only if the command passes (its staging is merged).
        auto takeId = [&](qint64 &id) {
            auto next = idAt(local.idsTaken);
            if (!next)
                return false;
            ++local.idsTaken;
            id = *next;
            return true;
        };

        auto fail = [&](const QString &message) { result.failure = message; };
        if (command.kind == Command::Kind::Open) {
            const QString hash = requestHash(command.workflow, command.open);
            const QPair<QString, QString> idemKey {command.actor.username, command.idempotencyKey};
            if (!command.idempotencyKey.isEmpty()) {
                std::optional<QPair<QString, TicketState>> previous;
                QMutexLocker inflightLock(&inflightMutex);
                const auto flying = inflight.constFind(idemKey);
                const bool isFlying = flying != inflight.cend();
                if (isFlying)
                    previous = flying.value();
                inflightLock.unlock();
                if (auto it = staged.idempotency.constFind(idemKey);
                    it != staged.idempotency.cend()) {
                    previous = it.value();
                } else if (isFlying) {
                } else if (db) {
                    auto row = TicketReader::idempotency(*db, idemKey.first, idemKey.second);
                    if (!row) {
                        fail(row.error());
                        continue;
                    }
                    if (row->has_value())
                        previous = QPair<QString, TicketState> {
                            (*row)->requestHash,
                            TicketState::fromJson(
                                QJsonDocument::fromJson((*row)->response).object())};
                }
                if (previous) {
                    if (previous->first != hash) {
                        result.error = error(TicketError::Kind::Conflict,
                                             QStringLiteral("idempotency key reused with "
                                                            "another request"));
                    } else {
                        result.ticket = previous->second;
                        result.replayed = true;
                    }
                    continue;
                }
            }
            int version = 0;
            {
                QMutexLocker lock(&workflowMutex);
                version = this->current.value(command.workflow);
            }
            if (version == 0) {
                result.error = error(TicketError::Kind::NotFound,
                                     QStringLiteral("no workflow %1").arg(command.workflow));
                continue;
            }
            auto wf = workflow(command.workflow, version);
            if (!wf) {
                fail(wf.error());
                continue;
            }
            const TicketMachine machine(**wf, *options.organisation);
            TicketOutcome outcome = machine.open(command.actor, command.open, version, now);
            if (!outcome.ok()) {
                result.error = outcome.error;
                continue;
            }
            qint64 id = 0;
            if (!takeId(id)) {
                fail(QStringLiteral("database error: no ticket id"));
                continue;
            }
            assignId(outcome.ticket, id);
            Staging::Ticket fresh;
            fresh.isNew = true;
            fresh.workflow = wf.value();
            stage(local, fresh, outcome);
            // `open:` on the opening itself is not possible; linked opens come from actions.
            result.ticket = outcome.ticket;
            result.events = outcome.events;
            if (!command.open.customer.id.isEmpty()) {
                const Customer &c = command.open.customer;
                local.rows.customers.append({c.id, c.name, c.tier, c.phone, c.email, nowMs});
            }
            if (!command.idempotencyKey.isEmpty()) {
                local.rows.idempotency.append({idemKey.first, idemKey.second, hash,
                                               outcome.ticket.id, outcome.ticket.toCompactJson(),
                                               nowMs});
                local.idempotency.insert(idemKey, {hash, outcome.ticket});
            }
            staged.merge(std::move(local));
            continue;
        }

        auto loaded = current(local, command.ticket);
        if (!loaded) {
            fail(loaded.error());
            continue;
        }
        if (!loaded->has_value()) {
            result.error = error(TicketError::Kind::NotFound, QStringLiteral("no such ticket"));
            continue;
        }
        Staging::Ticket ticket = std::move(**loaded);
        const TicketMachine machine(*ticket.workflow, *options.organisation);
        const TicketState &state = ticket.state;
        TicketOutcome outcome;
        switch (command.kind) {
        case Command::Kind::Action:
            outcome = machine.takeAction(state, command.actor, command.action, now);
            break;
        case Command::Kind::Claim:
            outcome
                = machine.claim(state, command.actor, command.branch, command.expectedVersion, now);
            break;
        case Command::Kind::Assign:
            outcome = machine.assign(state, command.actor, command.assignee, command.branch,
                                     command.expectedVersion, now);
            break;
        case Command::Kind::Transfer:
            outcome = machine.transfer(state, command.actor, command.text1, command.text2,
                                       command.branch, command.expectedVersion, now);
            break;
        case Command::Kind::Comment:
            outcome = machine.comment(state, command.actor, command.text1, command.internal, now);
            break;
        case Command::Kind::Reopen:
            outcome
                = machine.reopen(state, command.actor, command.text1, command.expectedVersion, now);
            break;
        case Command::Kind::Mutate:
            outcome = command.mutation(state, machine, now);
            break;
        case Command::Kind::Open:
            break;
        }
        if (!outcome.ok()) {
            result.error = outcome.error;
            continue;
        }
        if (outcome.events.isEmpty()) { // nothing changed (e.g. claiming one's own ticket)
            result.ticket = state;
            continue;
        }
        outcome.ticket.id = state.id;
        outcome.ticket.key = state.key;
        QList<Event> events = outcome.events;
        stage(local, ticket, outcome);

        // Linked tickets (`open:` on the transition), in the same transaction.
        bool linkedFailed = false;
        for (const LinkedOpenRequest &link : outcome.linkedOpens) {
            int version = 0;
            {
                QMutexLocker lock(&workflowMutex);
                version = this->current.value(link.workflow);
            }
            auto wf = version ? workflow(link.workflow, version)
                              : Result<std::shared_ptr<const Workflow>>(
                                  makeError(QStringLiteral("no workflow %1").arg(link.workflow)));
            if (!wf) {
                result.error = error(TicketError::Kind::Validation, wf.error());
                linkedFailed = true;
                break;
            }
            const TicketMachine other(**wf, *options.organisation);
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
            TicketOutcome opened = other.open(originator, request, version, now);
            if (!opened.ok()) {
                result.error = opened.error;
                result.error->message = QStringLiteral("cannot open the linked %1 ticket: %2")
                                            .arg(link.workflow, opened.error->message);
                linkedFailed = true;
                break;
            }
            qint64 id = 0;
            if (!takeId(id)) {
                fail(QStringLiteral("database error: no ticket id"));
                linkedFailed = true;
                break;
            }
            assignId(opened.ticket, id);
            Staging::Ticket fresh;
            fresh.isNew = true;
            fresh.workflow = wf.value();
            // Both tickets list the link.
            TicketOutcome back = other.link(
                opened.ticket,
                TicketLink {state.id, state.key, state.workflow, QStringLiteral("opened_from")},
                now);
            opened.ticket = back.ticket;
            opened.events += back.events;
            stage(local, fresh, opened);
            Staging::Ticket &source = local.tickets[state.id];
            TicketOutcome forth
                = machine.link(source.state,
                               TicketLink {opened.ticket.id, opened.ticket.key,
                                           opened.ticket.workflow, QStringLiteral("opened")},
                               now);
            events += forth.events;
            stage(local, source, forth);
            local.rows.links.append({state.id, opened.ticket.id, QStringLiteral("opened"), nowMs});
            local.rows.links.append(
                {opened.ticket.id, state.id, QStringLiteral("opened_from"), nowMs});
        }
        if (linkedFailed)
            continue;
        result.ticket = local.tickets.value(state.id).state;
        result.events = events;
        staged.merge(std::move(local));
    }

    const qint64 tApplied = trace.nsecsElapsed();
    // The rows of every command that passed its rules, for one transaction.
    QHash<qint64, TicketRow> written;
    QList<TicketState> changedTickets;
    for (qint64 id : std::as_const(staged.order)) {
        const Staging::Ticket &ticket = staged.tickets[id];
        TicketRow row = ticket.isNew
            ? ticketRowOf(ticket.state)
            : rowOf(ticket.state, &ticket.previousState, &ticket.previousRow);
        auto at = [](const std::optional<QDateTime> &t) {
            return t ? std::optional<qint64>(ms(*t)) : std::nullopt;
        };
        SlaPlan plan;
        if (options.slaPlanner) {
            plan = options.slaPlanner(ticket.state, *ticket.workflow);
            row.respondDue = at(plan.respondDue);
            row.resolveDue = at(plan.resolveDue);
            row.ticketDue = at(plan.ticketDue);
            row.atRiskAt = at(plan.atRiskAt);
            staged.rows.replaceTimersOf.append(id);
            for (TimerRow &timer : plan.timers) {
                timer.ticketId = id;
                staged.rows.timers.append(timer);
            }
        }
        row.branchQueues = branchQueuesOf(ticket.state, row, plan);
        if (options.stepFacts && !ticket.events.isEmpty())
            staged.rows.stepFacts
                += options.stepFacts(id, ticket.isNew ? TicketState() : ticket.previousState,
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
    qCDebug(lcStore, "batch of %zu: rules %.2f ms, rows %.2f ms", batch.size(), tApplied / 1e6,
            (trace.nsecsElapsed() - tApplied) / 1e6);

    // Optimistically: the next batch builds on this one before it is committed.
    idPool.erase(idPool.begin(), idPool.begin() + qsizetype(staged.idsTaken));
    evictOldest(staged.tickets.size());
    ++sequence;
    for (auto it = staged.tickets.cbegin(); it != staged.tickets.cend(); ++it) {
        TicketRow row = written.value(it.key());
        row.stateData.clear(); // half of a cached ticket's memory, and never compared
        cache.insert(it.key(), Cached {it.value().state, std::move(row), sequence});
        cacheOrder.emplace_back(it.key(), sequence);
    }

    {
        QMutexLocker lock(&statsMutex);
        stats.cached = quint64(cache.size());
    }
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
    std::unique_lock lock(commitMutex);
    commitCv.wait(lock, [this] { return !pending; }); // at most one batch waits
    pending = std::move(handoff);
    commitCv.notify_all();
}

// ---------------------------------------------------------------------------------------------

Engine::Engine(std::unique_ptr<Private> p)
    : d(std::move(p))
{
}

Result<std::unique_ptr<Engine>> Engine::start(EngineOptions options)
{
    if (!options.database || !options.organisation || !options.clock)
        return makeError(QStringLiteral("engine: database, organisation and clock are required"));
    auto p = std::make_unique<Private>();
    p->options = std::move(options);
    auto current = WorkflowVersions::currentVersions(*p->options.database);
    if (!current)
        return Error {current.error()};
    p->current = current.value();
    std::unique_ptr<Engine> engine(new Engine(std::move(p)));
    Private *raw = engine->d.get();
    engine->d->writer = std::thread([raw] {
        pthread_setname_np(pthread_self(), "baton-writer"); // names in top, perf and gdb
        raw->run();
    });
    return engine;
}

Engine::~Engine()
{
    {
        std::lock_guard lock(d->queueMutex);
        d->stopping = true;
        d->queueReady.notify_one();
    }
    if (d->writer.joinable())
        d->writer.join();
}

Result<PublishOutcome> Engine::publish(const QList<std::shared_ptr<const Workflow>> &workflows,
                                       const QString &publishedBy)
{
    QList<WorkflowSource> sources;
    for (const auto &wf : workflows)
        sources.append({wf->id, wf->source, {}});
    auto outcome = WorkflowVersions::publish(
        *d->options.database, sources,
        publishedBy.isEmpty() ? VersionOrigin::file({}) : VersionOrigin::user(publishedBy),
        d->options.clock->now());
    if (!outcome)
        return outcome;
    QMutexLocker lock(&d->workflowMutex);
    for (const auto &wf : workflows) {
        const int version = outcome->current.value(wf->id);
        d->workflows.insert({wf->id, version}, wf);
        d->current.insert(wf->id, version);
        // The file's text published in the editor: the two agree again.
        const QString hash = WorkflowVersions::hashOf(wf->source);
        d->conflicts.removeIf([&](const PublishConflict &conflict) {
            return conflict.name == wf->id && conflict.fileHash == hash;
        });
    }
    return outcome;
}

Result<PublishOutcome> Engine::publishFiles(const QList<std::shared_ptr<const Workflow>> &workflows,
                                            const QString &folder)
{
    QList<WorkflowSource> sources;
    for (const auto &wf : workflows)
        sources.append({wf->id, wf->source, QDir(folder).filePath(wf->id + u".yaml")});
    auto outcome
        = WorkflowVersions::publishFiles(*d->options.database, sources, d->options.clock->now());
    if (!outcome)
        return outcome;
    for (const PublishConflict &conflict : std::as_const(outcome->conflicts))
        qCWarning(lcStore).noquote() << conflict.message();
    QMutexLocker lock(&d->workflowMutex);
    for (const auto &wf : workflows) {
        const int version = outcome->current.value(wf->id);
        d->current.insert(wf->id, version);
        // Only a version made from the file is the file's text; a kept one (a user's, or the
        // same text) is read from the store on first use.
        if (outcome->published.contains(wf->id))
            d->workflows.insert({wf->id, version}, wf);
    }
    d->conflicts = outcome->conflicts;
    return outcome;
}

QList<PublishConflict> Engine::publishConflicts() const
{
    QMutexLocker lock(&d->workflowMutex);
    return d->conflicts;
}

Result<std::shared_ptr<const Workflow>> Engine::workflow(const QString &name, int version)
{
    return d->workflow(name, version);
}

QMap<QString, int> Engine::currentVersions() const
{
    QMutexLocker lock(&d->workflowMutex);
    return d->current;
}

const Organisation &Engine::organisation() const
{
    return *d->options.organisation;
}

// Each command names only what it carries (designated initialisers, in Command's order).
void Engine::open(const Actor &actor, const QString &workflow, const OpenRequest &request,
                  const QString &idempotencyKey, Callback done)
{
    d->enqueue({.kind = Command::Kind::Open,
                .actor = actor,
                .workflow = workflow,
                .open = request,
                .idempotencyKey = idempotencyKey,
                .done = std::move(done)});
}

void Engine::takeAction(const Actor &actor, qint64 ticket, const ActionRequest &request,
                        Callback done)
{
    d->enqueue({.kind = Command::Kind::Action,
                .actor = actor,
                .ticket = ticket,
                .action = request,
                .done = std::move(done)});
}

void Engine::claim(const Actor &actor, qint64 ticket, const QString &branch,
                   std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueue({.kind = Command::Kind::Claim,
                .actor = actor,
                .ticket = ticket,
                .branch = branch,
                .expectedVersion = expectedVersion,
                .done = std::move(done)});
}

void Engine::assign(const Actor &actor, qint64 ticket, const Actor &assignee, const QString &branch,
                    std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueue({.kind = Command::Kind::Assign,
                .actor = actor,
                .ticket = ticket,
                .branch = branch,
                .expectedVersion = expectedVersion,
                .assignee = assignee,
                .done = std::move(done)});
}

void Engine::transfer(const Actor &actor, qint64 ticket, const QString &queue,
                      const QString &reason, const QString &branch,
                      std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueue({.kind = Command::Kind::Transfer,
                .actor = actor,
                .ticket = ticket,
                .branch = branch,
                .expectedVersion = expectedVersion,
                .text1 = queue,
                .text2 = reason,
                .done = std::move(done)});
}

void Engine::comment(const Actor &actor, qint64 ticket, const QString &body, bool internal,
                     Callback done)
{
    d->enqueue({.kind = Command::Kind::Comment,
                .actor = actor,
                .ticket = ticket,
                .text1 = body,
                .internal = internal,
                .done = std::move(done)});
}

void Engine::reopen(const Actor &actor, qint64 ticket, const QString &reason,
                    std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueue({.kind = Command::Kind::Reopen,
                .actor = actor,
                .ticket = ticket,
                .expectedVersion = expectedVersion,
                .text1 = reason,
                .done = std::move(done)});
}

void Engine::mutate(qint64 ticket, Mutation mutation, Callback done)
{
    d->enqueue({.kind = Command::Kind::Mutate,
                .ticket = ticket,
                .mutation = std::move(mutation),
                .done = std::move(done)});
}

namespace {

template<typename Submit> CommandResult wait(Submit submit)
{
    std::promise<CommandResult> promise;
    auto future = promise.get_future();
    submit([&promise](CommandResult result) { promise.set_value(std::move(result)); });
    return future.get();
}

} // namespace

CommandResult Engine::open(const Actor &actor, const QString &workflow, const OpenRequest &request,
                           const QString &idempotencyKey)
{
    return wait(
        [&](Callback done) { open(actor, workflow, request, idempotencyKey, std::move(done)); });
}

CommandResult Engine::takeAction(const Actor &actor, qint64 ticket, const ActionRequest &request)
{
    return wait([&](Callback done) { takeAction(actor, ticket, request, std::move(done)); });
}

CommandResult Engine::claim(const Actor &actor, qint64 ticket, const QString &branch,
                            std::optional<qint64> expectedVersion)
{
    return wait(
        [&](Callback done) { claim(actor, ticket, branch, expectedVersion, std::move(done)); });
}

CommandResult Engine::assign(const Actor &actor, qint64 ticket, const Actor &assignee,
                             const QString &branch, std::optional<qint64> expectedVersion)
{
    return wait([&](Callback done) {
        assign(actor, ticket, assignee, branch, expectedVersion, std::move(done));
    });
}

CommandResult Engine::transfer(const Actor &actor, qint64 ticket, const QString &queue,
                               const QString &reason, const QString &branch,
                               std::optional<qint64> expectedVersion)
{
    return wait([&](Callback done) {
        transfer(actor, ticket, queue, reason, branch, expectedVersion, std::move(done));
    });
}

CommandResult Engine::comment(const Actor &actor, qint64 ticket, const QString &body, bool internal)
{
    return wait([&](Callback done) { comment(actor, ticket, body, internal, std::move(done)); });
}

CommandResult Engine::reopen(const Actor &actor, qint64 ticket, const QString &reason,
                             std::optional<qint64> expectedVersion)
{
    return wait(
        [&](Callback done) { reopen(actor, ticket, reason, expectedVersion, std::move(done)); });
}

CommandResult Engine::mutate(qint64 ticket, Mutation mutation)
{
    return wait([&](Callback done) { mutate(ticket, std::move(mutation), std::move(done)); });
}

Result<std::optional<TicketView>> Engine::ticket(qint64 id, const Actor &actor)
{
    auto db = d->options.database->connection();
    if (!db)
        return Error {db.error()};
    auto row = TicketReader::ticket(*db, id);
    if (!row)
        return Error {row.error()};
    if (!row->has_value())
        return std::optional<TicketView>();
    TicketView view;
    view.ticket = TicketState::fromJson(QJsonDocument::fromJson((*row)->stateData).object());
    auto wf = d->workflow(view.ticket.workflow, view.ticket.workflowVersion);
    if (!wf)
        return Error {wf.error()};
    const TicketMachine machine(**wf, *d->options.organisation);
    if (!machine.canSee(view.ticket, actor))
        return std::optional<TicketView>();
    if (const State *state = (*wf)->state(view.ticket.state))
        view.stateTitle = state->title.isEmpty() ? LocalText(state->name) : state->title;
    view.actions = machine.availableActions(view.ticket, actor);
    return std::optional<TicketView>(std::move(view));
}

Result<TicketListPage> Engine::tickets(TicketFilter filter, const Actor &actor)
{
    auto db = d->options.database->connection();
    if (!db)
        return Error {db.error()};
    filter.seeAll = actor.isAdmin();
    filter.viewer = actor.username;
    filter.viewerQueues = visibleQueues(*d->options.organisation, actor);
    auto page = TicketReader::list(*db, filter);
    if (!page)
        return Error {page.error()};
    TicketListPage result;
    result.nextCursor = page->nextCursor;
    for (const TicketRow &row : std::as_const(page->items))
        result.items.append(TicketState::fromJson(QJsonDocument::fromJson(row.stateData).object()));
    return result;
}

Result<std::optional<QList<Event>>> Engine::events(qint64 id, const Actor &actor)
{
    auto view = ticket(id, actor);
    if (!view)
        return Error {view.error()};
    if (!view->has_value())
        return std::optional<QList<Event>>();
    auto db = d->options.database->connection();
    auto rows = TicketReader::events(*db, id);
    if (!rows)
        return Error {rows.error()};
    // Internal notes stay with the back office (access.h): the front line never receives them.
    const bool internalNotes
        = canSeeInternalNotes(*d->options.organisation, actor, (*view)->ticket);
    QList<Event> events;
    for (const EventRow &row : std::as_const(*rows)) {
        Event event = eventOf(row);
        if (!internalNotes && event.type == u"commented" && event.data.value(u"internal").toBool())
            continue;
        events.append(std::move(event));
    }
    return std::optional<QList<Event>>(std::move(events));
}

void Engine::setCommitObserver(CommitObserver observer)
{
    std::lock_guard lock(d->observerMutex);
    d->observer = std::move(observer);
}

Result<QList<NotificationRow>> Engine::notifications(const QString &username, bool unreadOnly)
{
    auto db = d->options.database->connection();
    if (!db)
        return Error {db.error()};
    return TicketReader::notifications(*db, username, unreadOnly);
}

Result<bool> Engine::markNotificationRead(qint64 id, const QString &username)
{
    auto db = d->options.database->connection();
    if (!db)
        return Error {db.error()};
    return TicketReader::markNotificationRead(*db, id, username);
}

Engine::Stats Engine::stats() const
{
    QMutexLocker lock(&d->statsMutex);
    return d->stats;
}

} // namespace Baton

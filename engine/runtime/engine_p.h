// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The engine's private parts (Qt's _p.h convention): shared by engine.cpp (the public engine
// and its queue), enginecommit.cpp (the commit pipeline), enginebatch.cpp (building a batch)
// and ticketrecords.cpp (state ↔ rows). Nothing outside engine/runtime includes it.

#include "runtime/engine.h"
#include "store/ticketloader.h"
#include "store/ticketwriter.h"

#include <QHash>
#include <QMutex>
#include <QPair>
#include <QSqlDatabase>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace Baton {

/// One queued write: an open (no mutation), or a mutation of an existing ticket — every other
/// command (action, claim, assign, transfer, comment, reopen, the SLA's changes) is one.
struct Command
{
    // Every member has an initialiser, so that the builders may name only theirs.
    /// Who asked; also the originator of tickets a mutation's transition opens (`open:`).
    Actor actor {};
    qint64 ticket = 0; ///< the ticket a mutation changes
    QString workflow {}; ///< an open's workflow
    OpenRequest open {};
    QString idempotencyKey {};
    Engine::Mutation mutation {}; ///< empty: the command opens a ticket
    /// Engine::mutateBoth: the other ticket and its change, applied after `mutation` in the
    /// same staging, so that both are written in one transaction or neither is.
    qint64 otherTicket = 0;
    Engine::Mutation otherMutation {};
    Engine::Callback done {};
    int attempts = 0; ///< batches it was in that another server's write made stale
    /// When it was first sent back to be built again (stale or built on a failed batch).
    std::optional<std::chrono::steady_clock::time_point> builtAgainSince {};
    /// Non-zero: the command is in one half of a batch the database refused a row of, and is
    /// built with that half alone (no other commands join), until the half commits or fails.
    quint64 group = 0;

    bool opensTicket() const { return !mutation; }
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

/// One batch's changes, staged per command so that a refused command leaves no trace.
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
        /// The timer rows the database holds for it, as this engine last wrote them; unknown
        /// (read from the database, or a timer of it fired) → they are replaced.
        std::optional<QList<TimerRow>> timersBefore;
    };
    QHash<qint64, Ticket> tickets;
    QList<qint64> order; // first-touch order, for deterministic writes
    WriteBatch rows;
    /// Per ticket, the timer rows the batch leaves in the database (set by the SLA plan).
    QHash<qint64, QList<TimerRow>> timersAfter;
    QHash<QPair<QString, QString>, QPair<QString, TicketState>>
        idempotency; // (user,key) → hash, result
    size_t idsTaken = 0; ///< ids taken from the front of the pool so far

    void merge(Staging &&other);
};

/// A batch staged by the writer, on its way to the committer.
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

/// How the committer's write of one handoff went.
struct CommitOutcome
{
    QString failure; ///< empty: committed (or nothing to write)
    qint64 nanoseconds = 0;
    bool stale = false; ///< another server changed a ticket: build the batch again
    bool follower = false; ///< failed only because it was built on a failed batch
    /// The database refused a row of one of several commands: build the batch again in
    /// halves, each alone, until the command whose rows are refused fails by itself.
    bool split = false;
    TicketWriter::WriteReport report;
};

class BatchBuilder;

struct Engine::Private
{
    EngineOptions options;
    const Organisation &org() const { return options.liveOrganisation->current(); }

    // Workflows: shared by the writer and readers.
    mutable QMutex workflowMutex;
    QHash<QPair<QString, int>, std::shared_ptr<const Workflow>> workflows;
    QMap<QString, int> current;
    /// Files left unpublished at start because a user's newer version stands (under
    /// workflowMutex), until a user publishes the file's text.
    QList<PublishConflict> conflicts;
    Result<std::shared_ptr<const Workflow>> workflow(const QString &name, int version);
    /// The newest version of `name`; 0 when there is none.
    int currentVersion(const QString &name) const;
    /// `view` with its SLA figures at the clock's now (EngineOptions::slaReader), if any.
    TicketView withSla(TicketView view) const;

    // The queue between callers and the writer.
    std::mutex queueMutex;
    std::condition_variable queueReady;
    std::deque<Command> queue;
    bool stopping = false;
    std::thread writer;
    void enqueue(Command command);
    // Light load (enginegather.cpp), under queueMutex.
    std::chrono::steady_clock::time_point queueStartedAt {}; ///< the first queued command's arrival
    int gatherCredit = 1; ///< > 0: waits have been bringing commands (writer thread)
    int gatherSkipped = 0; ///< batches taken without a wait since the credit ran out
    /// Before a command is queued: notes when a batch to be starts.
    void noteQueued();
    /// Waits a moment for more commands when the batch would be small and nothing is being
    /// committed (EngineOptions::lightLoadWaitMicroseconds).
    void gatherAtLightLoad(std::unique_lock<std::mutex> &lock, size_t inCommitter);
    void enqueueMutation(const Actor &actor, qint64 ticket, Mutation mutation, Callback done);

    // Pipelining: the writer applies the rules to batch N+1 while the committer writes and
    // commits batch N. The writer's cache runs ahead of the database by at most one batch; if
    // a commit fails, every batch of that epoch (staged on top of it) fails too, and the
    // writer starts a new epoch from what the database holds.
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

    // ---- the commit pipeline (enginecommit.cpp) -------------------------------------------
    /// The writer thread: takes batches off the queue and builds them until stopped.
    void run();
    /// The next batch: a refused batch's half alone, else retries first, then the queue, up to
    /// a limit; false when stopping with nothing left.
    bool takeBatch(std::vector<Command> &batch, size_t inCommitter);
    void failLeftoverRetries();
    /// The committer thread: writes each handoff in one transaction, then completes it.
    void commitLoop();
    std::optional<Handoff> waitForHandoff();
    CommitOutcome write(Handoff &handoff);
    /// Sends the commands of a stale, split or follower batch back to the writer; returns which.
    std::vector<bool> sendBackForRetry(Handoff &handoff, const CommitOutcome &outcome);
    void releaseIdempotencyKeys(const Handoff &handoff);
    void countBatch(const Handoff &handoff, const CommitOutcome &outcome);
    void countCommitted(const Handoff &handoff);
    void notifyObserver(Handoff &handoff, const CommitOutcome &outcome);
    void waitCommitterIdle();
    /// Before building commands again whose batch met another server's write: a random pause
    /// that doubles with each try, so that two servers hammering one ticket stop colliding.
    void backOffBeforeRetry(const std::vector<Command> &batch);
    /// Hands a built batch to the committer (waits while another one is pending).
    void handOff(Handoff handoff);

    // ---- building a batch (enginebatch.cpp), writer-thread state only ----------------------
    std::unique_ptr<TicketWriter> rows;
    struct Cached
    {
        TicketState state;
        TicketRow row; ///< as last written, without state_data (always rewritten)
        quint64 sequence = 0; ///< the batch that wrote it
        std::optional<QList<TimerRow>> timers; ///< as last written; unknown when not planned
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
    /// Keeps the tickets a built batch staged, as written (the next batch builds on them).
    void remember(const Staging &staged, QHash<qint64, TicketRow> &written);
    QHash<QString, QString> keyPrefixes;
    void assignId(TicketState &ticket, qint64 id);
    // Ticket ids (store/ticketids.h): drawn in blocks. Ids of refused or failed commands are
    // not reused.
    std::deque<qint64> idPool;
    qint64 nextCounterId = 0; ///< SQLite: the next id to add to the pool
    Result<qint64> idAt(size_t index);
    void forgetIds();
    /// On PostgreSQL: drops cached tickets that another server has changed since they were
    /// committed here, so that rules are not applied to an old version.
    void evictStaleCache(const std::vector<Command> &batch);
    /// After the committer lost a batch this writer had built on: starts again from the
    /// database.
    void startNewEpochIfFailed();
    /// Applies every command of the batch and hands the rows to the committer.
    void process(std::vector<Command> &batch);

    mutable QMutex statsMutex;
    Stats stats;
};

// ---- record mapping (ticketrecords.cpp) -----------------------------------------------------

/// The row of `state`; `previous` (state and row as last written, optional) lets unchanged
/// JSON columns be reused instead of serialised again.
TicketRow rowOf(const TicketState &state, const TicketState *previousState,
                const TicketRow *previousRow);
/// The queues of the open branches, whose pages show the ticket too: each by the branch's own
/// clocks when it has any (else the ticket's). The writer adds the ticket's own queue.
QList<TicketQueueRow> branchQueuesOf(const TicketState &state, const TicketRow &row,
                                     const SlaPlan &plan);
/// The comment row of a `commented` event.
CommentRow commentRowOf(qint64 ticketId, const Event &event);

} // namespace Baton

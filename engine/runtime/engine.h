// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/liveorganisation.h"
#include "definition/model.h"
#include "runtime/autoassigner.h"
#include "runtime/outboxplanner.h"
#include "runtime/slaplan.h"
#include "runtime/ticketmachine.h"
#include "runtime/ticketrecords.h"
#include "runtime/ticketview.h"
#include "store/ticketfilter.h"
#include "store/ticketrows.h"
#include "store/workflowversions.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace Baton {

class Clock;
class Database;

/// Reports (issue 17): the fact rows of the steps a write ends, from the ticket as last
/// written (a default state for a new ticket), the write's events for it and its workflow
/// (report/stepfactderiver.h). Runs on the writer thread.
using StepFactRecorder = std::function<QList<StepFactRow>(
    qint64 ticketId, const TicketState &before, const QList<Event> &events, const Workflow &)>;

struct EngineOptions
{
    std::shared_ptr<Database> database; ///< migrated
    std::shared_ptr<const Organisation> organisation; ///< required unless liveOrganisation
    /// The server's organisation as admins publish it (PUT /api/v1/org): tickets are worked
    /// on the current one. Unset: `organisation`, for good.
    std::shared_ptr<LiveOrganisation> liveOrganisation;
    const Clock *clock = nullptr; ///< required; must outlive the engine
    SlaPlanner slaPlanner; ///< optional; without it no timers or due dates are written
    SlaReader slaReader; ///< optional; without it views carry no SLA figures (TicketView::sla)
    StepFactRecorder stepFacts; ///< optional; without it no step facts are written
    OutboxPlanner outboxPlanner; ///< optional; without it nothing is written to the outbox
    /// Queues' `assign:` strategies by name (runtime/autoassigner.h); optional: without it,
    /// or for a name it does not know, tickets wait in their queue to be claimed.
    AssignmentStrategyLookup assignmentStrategies;
    /// Called on the committer thread after a commit that wrote outbox rows (the delivery
    /// worker's wake()); keep it short. Optional.
    std::function<void()> outboxCommitted;
    int maxBatch = 2048; ///< commands per group commit at most
    /// Light load (nothing being committed, fewer than `lightLoadGroup` commands waiting): the
    /// writer waits up to this long from the first command's arrival for more, so that one
    /// commit and one disk sync carry several commands instead of each its own (each commit
    /// writes its pages again). 0: never waits. It stops waiting while waits bring nothing (a
    /// lone caller sending its next command only after the answer).
    int lightLoadWaitMicroseconds = 1000;
    int lightLoadGroup = 8;
    int cacheLimit = 10000; ///< hot tickets the writer keeps in memory (~6 KB each)
    /// PostgreSQL: this server's id; every commit then announces what it changed to the other
    /// servers on the database (store/changefeed.h). Empty: nothing announced.
    QString announceAs;
};

/// What a write command did: the ticket after the command and the events it appended (none
/// when nothing changed).
struct CommandOutcome
{
    TicketState ticket;
    QList<Event> events;
    bool replayed = false; ///< an idempotent retry of an open: ticket is the first result
};

/// A write command's result. Failed, nothing was written: the rules refused it (the
/// TicketOutcome's error: kind BadRequest, Forbidden, NotFound, Conflict or Validation) or the
/// database failed (kind Internal).
using CommandResult = Result<CommandOutcome>;

/// Everything one durable group commit changed, for live updates: every ticket written (in
/// its state after the commit: id, version, state, queue, assignee and what visibility needs)
/// and every notification written (ids assigned by the database).
struct CommittedChange
{
    QList<TicketState> tickets;
    QList<NotificationRow> notifications;
};

struct TicketListPage
{
    QList<TicketState> items;
    QString nextCursor;
};

/// The ticket engine service: the pure ticket rules (TicketMachine) made durable.
///
/// Writes go through one writer thread with group commit. Callers enqueue a command; the
/// writer takes what is queued (at most 64 commands, or half of the commands in flight if
/// more, so that it builds one batch while a committer thread writes the other) and applies
/// each command with the machine to the ticket's current state (kept in a cache: the writer is
/// the only thread that changes tickets, so the cache cannot go stale); the committer writes
/// every command's rows in ONE transaction — one commit, one fsync — and only then completes
/// each command. A command the rules refuse writes nothing and gets its error. When the
/// database refuses a row (a value it cannot hold, a constraint), the batch is built again in
/// halves, each committed alone, until the command that brought the row fails by itself: one
/// bad command never fails another. Any other database failure fails the batch; either way the
/// cache is emptied. Several changes to one ticket in a
/// batch write its row once.
///
/// Reads run on the calling thread with that thread's own connection and never wait for the
/// writer (SQLite WAL readers, PostgreSQL MVCC); they see committed data only.
///
/// Callbacks run on the writer thread: do as little as possible there and hop back to your
/// own thread (QMetaObject::invokeMethod(context, ..., Qt::QueuedConnection)). Never call the
/// synchronous API from a callback (it would wait for the writer from the writer).
class Engine
{
public:
    using Callback = std::function<void(CommandResult)>;
    using Mutation = std::function<TicketOutcome(const TicketState &, const TicketMachine &,
                                                 const QDateTime &now)>;

    /// Starts the writer thread.
    static Result<std::unique_ptr<Engine>> start(EngineOptions options);
    /// Completes every queued command, then stops the writer.
    ~Engine();
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;

    // ---- workflows ------------------------------------------------------------------------
    /// Publishes each workflow whose source differs from its newest version as a new version;
    /// new tickets of a workflow use its newest version from then on. `publishedBy`: the user
    /// who published it in the editor (origin user); empty for a file (origin file).
    Result<PublishOutcome> publish(const QList<std::shared_ptr<const Workflow>> &workflows,
                                   const QString &publishedBy = {});
    /// The start-up publish of the files of the `--workflows` folder (each NAME.yaml in
    /// `folder`): a file is published only when it changed since it was last published from
    /// that file, so a restart never undoes a version published in the editor. Conflicts (file
    /// and editor both changed) are logged, publish nothing, and stay in publishConflicts().
    /// Call before serving.
    Result<PublishOutcome> publishFiles(const QList<std::shared_ptr<const Workflow>> &workflows,
                                        const QString &folder);
    /// The conflicts of the last publishFiles(), less those a user resolved since by
    /// publishing the file's text.
    QList<PublishConflict> publishConflicts() const;
    /// A version's rules: the published object for current versions, otherwise parsed from the
    /// stored source on first use and cached per (name, version).
    Result<std::shared_ptr<const Workflow>> workflow(const QString &name, int version);
    /// name → newest published version.
    QMap<QString, int> currentVersions() const;
    /// The current organisation (LiveOrganisation::current()).
    const Organisation &organisation() const;
    LiveOrganisation &liveOrganisation() const;

    // ---- writes (callback on the writer thread) ---------------------------------------------
    /// Opens a ticket on the workflow's newest version. With an idempotency key, a retry with
    /// the same body returns the first result (replayed); another body is a Conflict.
    void open(const Actor &actor, const QString &workflow, const OpenRequest &request,
              const QString &idempotencyKey, Callback done);
    void takeAction(const Actor &actor, qint64 ticket, const ActionRequest &request, Callback done);
    void claim(const Actor &actor, qint64 ticket, const QString &branch,
               std::optional<qint64> expectedVersion, Callback done);
    void assign(const Actor &actor, qint64 ticket, const Actor &assignee, const QString &branch,
                std::optional<qint64> expectedVersion, Callback done);
    void transfer(const Actor &actor, qint64 ticket, const QString &queue, const QString &reason,
                  const QString &branch, std::optional<qint64> expectedVersion, Callback done);
    void comment(const Actor &actor, qint64 ticket, const QString &body, bool internal,
                 Callback done);
    void reopen(const Actor &actor, qint64 ticket, const QString &reason,
                std::optional<qint64> expectedVersion, Callback done);
    /// Any other change computed by a pure function of the ticket (SLA timers, escalation):
    /// runs on the writer thread like the commands above.
    void mutate(qint64 ticket, Mutation mutation, Callback done);
    /// Two tickets changed together (a merge: the duplicate closed, the kept ticket told of it;
    /// a link, each side recording it): `mutation` on `ticket`, then `otherMutation` on
    /// `other`, written in one transaction. If either is refused or the database fails, neither
    /// is written. The result is `ticket`'s. Neither may open tickets (`open:`) of its own;
    /// when `mutation` changes nothing, nothing is written.
    void mutateBoth(qint64 ticket, Mutation mutation, qint64 other, Mutation otherMutation,
                    Callback done);

    // ---- the same, waiting for the result (tests, CLI; never from a callback) ---------------
    CommandResult open(const Actor &actor, const QString &workflow, const OpenRequest &request,
                       const QString &idempotencyKey = {});
    CommandResult takeAction(const Actor &actor, qint64 ticket, const ActionRequest &request);
    CommandResult claim(const Actor &actor, qint64 ticket, const QString &branch = {},
                        std::optional<qint64> expectedVersion = {});
    CommandResult assign(const Actor &actor, qint64 ticket, const Actor &assignee,
                         const QString &branch = {}, std::optional<qint64> expectedVersion = {});
    CommandResult transfer(const Actor &actor, qint64 ticket, const QString &queue,
                           const QString &reason, const QString &branch = {},
                           std::optional<qint64> expectedVersion = {});
    CommandResult comment(const Actor &actor, qint64 ticket, const QString &body,
                          bool internal = false);
    CommandResult reopen(const Actor &actor, qint64 ticket, const QString &reason,
                         std::optional<qint64> expectedVersion = {});
    CommandResult mutate(qint64 ticket, Mutation mutation);
    CommandResult mutateBoth(qint64 ticket, Mutation mutation, qint64 other,
                             Mutation otherMutation);

    /// Called on the committer thread after each durable commit that changed something,
    /// whoever made the change (API, SLA timers, escalation), before the commands' callbacks.
    /// Keep it short and non-blocking. Setting another (or an empty) observer waits for a
    /// running call to end, so the old observer's owner may be destroyed afterwards.
    using CommitObserver = std::function<void(const CommittedChange &)>;
    void setCommitObserver(CommitObserver observer);

    // ---- reads (any thread; its own connection) ---------------------------------------------
    /// Another server's commit, read back from the database for this server's observers: the
    /// tickets of `tickets` (their state now, which may be newer than the commit) and the
    /// notifications of `notifications` that exist.
    Result<CommittedChange> committedElsewhere(const QList<qint64> &tickets,
                                               const QList<qint64> &notifications);
    /// The ticket as this user sees it (ticketview.h); NotFound when absent or not visible.
    Result<TicketView> ticket(qint64 id, const Actor &actor);
    /// The ticket's state when this user may see it (access.h canSee), without the view's
    /// actions and SLA figures: for the routes that only need the permission (an upload, a
    /// download, a link's other side). NotFound when absent or not visible.
    Result<TicketState> visibleTicket(qint64 id, const Actor &actor);
    /// The same view of a ticket state the caller holds (a write's result, a list's item),
    /// under the workflow version it runs on; without actions when that cannot be read.
    TicketView view(const TicketState &ticket, const Actor &actor);
    /// Visibility filter members of `filter` are set from the actor.
    Result<TicketListPage> tickets(TicketFilter filter, const Actor &actor);
    /// Oldest first; NotFound when the ticket is absent or not visible.
    Result<QList<Event>> events(qint64 id, const Actor &actor);
    Result<QList<NotificationRow>> notifications(const QString &username, bool unreadOnly);
    Result<bool> markNotificationRead(qint64 id, const QString &username);

    /// Statistics of the group commit, for /metrics and the benchmark.
    struct Stats
    {
        quint64 batches = 0;
        quint64 commands = 0;
        quint64 maxBatch = 0;
        quint64 retried = 0; ///< commands built again (another server's write, a split)
        /// Failed batches built again in halves because the database refused a row of one of
        /// their commands (that command alone gets the error; the others commit).
        quint64 split = 0;
        quint64 cached = 0; ///< tickets in the writer's cache after the last batch
        quint64 commitMicroseconds = 0; ///< spent writing and committing batches (with fsync)
    };
    Stats stats() const;

    struct Private;

private:
    explicit Engine(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
// The public engine: its workflows, its queue's entry points (every write becomes a Command)
// and the reads, which run on the caller's thread. The writer and committer threads are in
// enginecommit.cpp, building a batch in enginebatch.cpp.
#include "engine_p.h"

#include "core/clock.h"
#include "definition/workflowreader.h"
#include "runtime/access.h"
#include "runtime/eventtypes.h"
#include "store/changefeed.h"
#include "store/database.h"
#include "store/storelog.h"
#include "store/ticketreader.h"

#include <QDir>
#include <QJsonDocument>

#include <future>

#include <pthread.h>

namespace Baton {

Result<std::shared_ptr<const Workflow>> Engine::Private::workflow(const QString &name, int version)
{
    {
        QMutexLocker lock(&workflowMutex);
        if (auto found = workflows.value({name, version}))
            return found;
    }
    auto stored = WorkflowVersions::load(*options.database, name, version);
    if (!stored)
        return stored.failure();
    // An old version is read against today's organisation; it was valid when published.
    WorkflowReadOptions readOptions;
    readOptions.expectedId = name;
    auto read = readWorkflow(stored->source, name + u".yaml", &org(), readOptions);
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

TicketView Engine::Private::withSla(TicketView view) const
{
    if (options.slaReader && view.workflow)
        view.sla = options.slaReader(view.ticket, *view.workflow, options.clock->now());
    return view;
}

Engine::Engine(std::unique_ptr<Private> p)
    : d(std::move(p))
{
}

Result<std::unique_ptr<Engine>> Engine::start(EngineOptions options)
{
    if (!options.database || !(options.organisation || options.liveOrganisation) || !options.clock)
        return makeError(QStringLiteral("engine: database, organisation and clock are required"));
    auto p = std::make_unique<Private>();
    p->options = std::move(options);
    if (!p->options.liveOrganisation)
        p->options.liveOrganisation = std::make_shared<LiveOrganisation>(p->options.organisation);
    auto current = WorkflowVersions::currentVersions(*p->options.database);
    if (!current)
        return current.failure();
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
    return d->org();
}

LiveOrganisation &Engine::liveOrganisation() const
{
    return *d->options.liveOrganisation;
}

// Every command but open is a mutation of the ticket, computed by the machine on the writer
// thread from the ticket's state there; each captures what its request carries.
void Engine::open(const Actor &actor, const QString &workflow, const OpenRequest &request,
                  const QString &idempotencyKey, Callback done)
{
    d->enqueue({.actor = actor,
                .workflow = workflow,
                .open = request,
                .idempotencyKey = idempotencyKey,
                .done = std::move(done)});
}

void Engine::takeAction(const Actor &actor, qint64 ticket, const ActionRequest &request,
                        Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, request](const TicketState &state, const TicketMachine &machine,
                         const QDateTime &now) {
            return machine.takeAction(state, actor, request, now);
        },
        std::move(done));
}

void Engine::claim(const Actor &actor, qint64 ticket, const QString &branch,
                   std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, branch, expectedVersion](const TicketState &state, const TicketMachine &machine,
                                         const QDateTime &now) {
            return machine.claim(state, actor, branch, expectedVersion, now);
        },
        std::move(done));
}

void Engine::assign(const Actor &actor, qint64 ticket, const Actor &assignee, const QString &branch,
                    std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, assignee, branch, expectedVersion](
            const TicketState &state, const TicketMachine &machine, const QDateTime &now) {
            return machine.assign(state, actor, assignee, branch, expectedVersion, now);
        },
        std::move(done));
}

void Engine::transfer(const Actor &actor, qint64 ticket, const QString &queue,
                      const QString &reason, const QString &branch,
                      std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, queue, reason, branch, expectedVersion](
            const TicketState &state, const TicketMachine &machine, const QDateTime &now) {
            return machine.transfer(state, actor, queue, reason, branch, expectedVersion, now);
        },
        std::move(done));
}

void Engine::comment(const Actor &actor, qint64 ticket, const QString &body, bool internal,
                     Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, body, internal](const TicketState &state, const TicketMachine &machine,
                                const QDateTime &now) {
            return machine.comment(state, actor, body, internal, now);
        },
        std::move(done));
}

void Engine::reopen(const Actor &actor, qint64 ticket, const QString &reason,
                    std::optional<qint64> expectedVersion, Callback done)
{
    d->enqueueMutation(
        actor, ticket,
        [actor, reason, expectedVersion](const TicketState &state, const TicketMachine &machine,
                                         const QDateTime &now) {
            return machine.reopen(state, actor, reason, expectedVersion, now);
        },
        std::move(done));
}

void Engine::mutate(qint64 ticket, Mutation mutation, Callback done)
{
    d->enqueueMutation(Actor {}, ticket, std::move(mutation), std::move(done));
}

void Engine::mutateBoth(qint64 ticket, Mutation mutation, qint64 other, Mutation otherMutation,
                        Callback done)
{
    d->enqueue({.ticket = ticket,
                .mutation = std::move(mutation),
                .otherTicket = other,
                .otherMutation = std::move(otherMutation),
                .done = std::move(done)});
}

void Engine::Private::enqueueMutation(const Actor &actor, qint64 ticket, Mutation mutation,
                                      Callback done)
{
    enqueue({.actor = actor,
             .ticket = ticket,
             .mutation = std::move(mutation),
             .done = std::move(done)});
}

namespace {

/// The same answer whether the ticket does not exist or may not be seen (interfaces.md).
Error noSuchTicket()
{
    return makeError(ErrorKind::NotFound, QStringLiteral("No such ticket."));
}

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

CommandResult Engine::mutateBoth(qint64 ticket, Mutation mutation, qint64 other,
                                 Mutation otherMutation)
{
    return wait([&](Callback done) {
        mutateBoth(ticket, std::move(mutation), other, std::move(otherMutation), std::move(done));
    });
}

Result<TicketView> Engine::ticket(qint64 id, const Actor &actor)
{
    auto ticket = visibleTicket(id, actor);
    if (!ticket)
        return ticket.failure();
    auto wf = d->workflow(ticket->workflow, ticket->workflowVersion);
    if (!wf)
        return wf.failure();
    const TicketMachine machine(**wf, d->org());
    return d->withSla(ticketView(std::move(*ticket), *wf, machine, actor));
}

Result<TicketState> Engine::visibleTicket(qint64 id, const Actor &actor)
{
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    auto row = TicketReader::ticket(*db, id);
    if (!row)
        return row.failure();
    if (!row->has_value())
        return noSuchTicket();
    TicketState ticket = TicketState::fromJson(QJsonDocument::fromJson((*row)->stateData).object());
    if (!canSee(d->org(), actor, ticket))
        return noSuchTicket();
    return ticket;
}

TicketView Engine::view(const TicketState &ticket, const Actor &actor)
{
    auto wf = d->workflow(ticket.workflow, ticket.workflowVersion);
    if (!wf)
        return ticketViewWithoutWorkflow(ticket);
    return d->withSla(ticketView(ticket, *wf, TicketMachine(**wf, d->org()), actor));
}

Result<TicketListPage> Engine::tickets(TicketFilter filter, const Actor &actor)
{
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    filter.seeAll = actor.isAdmin();
    filter.viewer = actor.username;
    filter.viewerQueues = visibleQueues(d->org(), actor);
    auto page = TicketReader::list(*db, filter);
    if (!page)
        return page.failure();
    TicketListPage result;
    result.nextCursor = page->nextCursor;
    for (const TicketRow &row : std::as_const(page->items))
        result.items.append(TicketState::fromJson(QJsonDocument::fromJson(row.stateData).object()));
    return result;
}

Result<QList<Event>> Engine::events(qint64 id, const Actor &actor)
{
    const auto ticket = visibleTicket(id, actor);
    if (!ticket)
        return ticket.failure();
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    auto rows = TicketReader::events(*db, id);
    if (!rows)
        return rows.failure();
    // Internal notes stay with the back office (access.h): the front line never receives them.
    const bool internalNotes = canSeeInternalNotes(d->org(), actor, *ticket);
    QList<Event> events;
    for (const EventRow &row : std::as_const(*rows)) {
        Event event = eventOf(row);
        if (!internalNotes && event.type == EventTypes::commented
            && event.data.value(u"internal").toBool())
            continue;
        events.append(std::move(event));
    }
    return events;
}

void Engine::setCommitObserver(CommitObserver observer)
{
    std::lock_guard lock(d->observerMutex);
    d->observer = std::move(observer);
}

Result<CommittedChange> Engine::committedElsewhere(const QList<qint64> &tickets,
                                                   const QList<qint64> &notifications)
{
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    auto states = ChangeFeed::ticketStates(*db, tickets);
    if (!states)
        return states.failure();
    auto rows = ChangeFeed::notifications(*db, notifications);
    if (!rows)
        return rows.failure();
    CommittedChange change;
    for (const QByteArray &state : std::as_const(*states))
        change.tickets.append(TicketState::fromJson(QJsonDocument::fromJson(state).object()));
    change.notifications = std::move(*rows);
    return change;
}

Result<QList<NotificationRow>> Engine::notifications(const QString &username, bool unreadOnly)
{
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    return TicketReader::notifications(*db, username, unreadOnly);
}

Result<bool> Engine::markNotificationRead(qint64 id, const QString &username)
{
    auto db = d->options.database->connection();
    if (!db)
        return db.failure();
    return TicketReader::markNotificationRead(*db, id, username);
}

Engine::Stats Engine::stats() const
{
    QMutexLocker lock(&d->statsMutex);
    return d->stats;
}

} // namespace Baton

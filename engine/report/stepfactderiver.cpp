// SPDX-License-Identifier: GPL-3.0-or-later
#include "report/stepfactderiver.h"

#include "sla/escalation.h"
#include "sla/slaservice.h"

#include <QJsonArray>

#include <algorithm>
#include <optional>

namespace Baton {

namespace {

// The event types that may end a step (applyEvent's entries, moves and closing): a write
// without any of them ends none, and costs the deriver nothing but this look.
bool mayEndAStep(const QString &type)
{
    return type == u"transitioned" || type == u"closed" || type == u"transferred"
        || type == u"handoff_limit" || type == u"escalated" || type == u"branch_completed"
        || type == u"opened" || type == u"reopened";
}

qint64 ms(const QDateTime &instant)
{
    return instant.toMSecsSinceEpoch();
}

// Whether `event` moves the work of `branch` ("" = the ticket's own step) to another queue.
bool movesWork(const Event &event, const QString &branch)
{
    if (event.type == u"transferred" || event.type == u"handoff_limit")
        return event.data.value(u"branch").toString() == branch;
    if (event.type == u"escalated")
        return event.data.contains(u"to") && event.data.value(u"branch").toString() == branch;
    return false;
}

// Whether a ladder step the clocks fired is an escalation (an `escalated` event: past 100%,
// or a change of priority or queue) rather than a warning or the bare breach.
bool escalates(const EscalationStep &step)
{
    return step.percent > 100 || step.priorityDelta != 0 || !step.moveTo.isEmpty();
}

// Where the step's end took the work: the queue a move sent it to, or the ticket's closing
// (migration 17's columns, for the measures over tickets).
void noteWhatTheEndDid(StepFactRow &fact, const Event &end, const Workflow &workflow)
{
    if (movesWork(end, fact.branch))
        fact.movedTo = end.data.value(u"to").toString();
    if (fact.branch.isEmpty()) {
        const State *next = workflow.state(fact.nextState);
        fact.closes = end.type == u"closed" || (next && next->final);
    }
}

} // namespace

// The originator's departments, asked once per write (the user directory takes a lock).
struct StepFactDeriver::Originator
{
    QString username;
    QStringList departments;
    bool known = false;

    const QStringList &departmentsOf(const QString &user, const DepartmentsOf &lookup)
    {
        if (!known || user != username) {
            username = user;
            departments = lookup(user);
            known = true;
        }
        return departments;
    }
};

struct StepFactDeriver::Step
{
    QString branch; ///< empty: the ticket's own step
    const SlaSpec *sla = nullptr;
    QString queue, assignee;
    bool originatorStep = false;
    QDateTime startedAt;
};

StepFactDeriver::StepFactDeriver(const SlaClocks &clocks, DepartmentsOf departmentsOf)
    : m_clocks(&clocks)
    , m_departmentsOf(std::move(departmentsOf))
{
}

StepFactRecorder StepFactDeriver::recorder() const
{
    return [deriver = *this](qint64 id, const TicketState &before, const QList<Event> &events,
                             const Workflow &workflow) {
        return deriver.derive(id, before, events, workflow);
    };
}

StepFactDeriver stepFactDeriverOf(const SlaService &sla)
{
    return StepFactDeriver(sla.clocks(),
                           [&sla](const QString &user) { return sla.departmentsOf(user); });
}

QList<StepFactRow> StepFactDeriver::derive(qint64 ticketId, const TicketState &before,
                                           const QList<Event> &events,
                                           const Workflow &workflow) const
{
    QList<StepFactRow> facts;
    const auto last = std::find_if(events.crbegin(), events.crend(),
                                   [](const Event &e) { return mayEndAStep(e.type); });
    if (last == events.crend())
        return facts;
    const qsizetype lastEnding = events.crend() - last - 1;
    // The ticket as each event finds it: `before` itself until an event must be applied for a
    // later one (most writes end one step with their last event and copy nothing).
    std::optional<TicketState> replayed;
    const TicketState *ticket = &before;
    Originator originator {ticket->originator, {}, false};
    for (qsizetype i = 0; i <= lastEnding; ++i) {
        const Event &event = events[i];
        if (mayEndAStep(event.type))
            factsOfEvent(ticketId, *ticket, event, workflow, originator, facts);
        if (i == lastEnding)
            break;
        if (!replayed)
            ticket = &replayed.emplace(before);
        applyEvent(*replayed, event);
    }
    return facts;
}

void StepFactDeriver::factsOfEvent(qint64 ticketId, const TicketState &ticket, const Event &event,
                                   const Workflow &workflow, Originator &originator,
                                   QList<StepFactRow> &facts) const
{
    const State *state = ticket.isOpen() ? workflow.state(ticket.state) : nullptr;
    if (!state || state->final || ticket.version <= 0)
        return;
    const QStringList &departments = originator.departmentsOf(ticket.originator, m_departmentsOf);
    const bool leavesState = event.type == u"transitioned" || event.type == u"closed";
    if (leavesState || movesWork(event, QString())) {
        Step own {QString(),
                  &state->sla,
                  ticket.queue,
                  ticket.assignee,
                  ticket.queue.isEmpty() && state->returnsToOriginator(),
                  ticket.stepStartedAt};
        facts.append(factOf(ticketId, ticket, own, event, workflow, departments));
    }
    QStringList endedBranches;
    if (event.type == u"branch_completed") {
        endedBranches.append(event.data.value(u"branch").toString());
        for (const QJsonValue &name : event.data.value(u"cancelled").toArray())
            endedBranches.append(name.toString());
    }
    for (const BranchState &branch : std::as_const(ticket.branches)) {
        const Branch *def = state->branch(branch.name);
        if (!def || branch.status != BranchStatus::Open)
            continue;
        if (leavesState || endedBranches.contains(branch.name) || movesWork(event, branch.name)) {
            Step step {branch.name,
                       &def->sla,
                       branch.queue,
                       branch.assignee,
                       branch.queue.isEmpty() && def->assignee == u"originator",
                       branch.startedAt};
            facts.append(factOf(ticketId, ticket, step, event, workflow, departments));
        }
    }
}

StepFactRow StepFactDeriver::factOf(qint64 ticketId, const TicketState &ticket, const Step &step,
                                    const Event &end, const Workflow &workflow,
                                    const QStringList &originatorDepartments) const
{
    const Organisation &org = m_clocks->organisation();
    StepFactRow fact;
    fact.ticketId = ticketId;
    fact.seq = end.seq;
    fact.branch = step.branch;
    fact.workflow = ticket.workflow;
    fact.workflowVersion = ticket.workflowVersion;
    fact.state = ticket.state;
    fact.queue = step.queue;
    fact.origin = originatorDepartments.value(0);
    if (!step.queue.isEmpty())
        fact.department = org.queues.value(step.queue).department;
    else if (step.originatorStep)
        fact.department = fact.origin;
    fact.assignee = step.assignee;
    fact.tier = ticket.customer.tier;
    fact.enteredAt = ms(step.startedAt);
    fact.leftAt = ms(end.at);
    fact.endedBy = end.type;
    if (end.type == u"transitioned") {
        fact.action = end.data.value(u"action").toString();
        fact.nextState = end.data.value(u"state").toString();
    } else if (end.type == u"branch_completed"
               && end.data.value(u"branch").toString() == step.branch) {
        fact.action = end.data.value(u"action").toString();
    }
    fact.clockSeconds = std::max<qint64>(0, (fact.leftAt - fact.enteredAt) / 1000);
    fact.paused = step.sla->pause;
    fact.pausedSeconds = fact.paused ? fact.clockSeconds : 0;
    const BusinessCalendar calendar = m_clocks->calendar(m_clocks->calendarNameFor(
        *step.sla, step.queue, step.originatorStep, originatorDepartments));
    if (step.startedAt.isValid() && end.at > step.startedAt)
        if (auto seconds = calendar.businessSecondsBetween(step.startedAt, end.at))
            fact.businessSeconds = seconds.value();
    fact.transfers = (end.type == u"transferred" || end.type == u"handoff_limit") ? 1 : 0;
    noteWhatTheEndDid(fact, end, workflow);

    // The step's clocks as the engine counts them at the instant the step ended: respond
    // ended at the first response (or now, unanswered), resolve now.
    const SlaClock::Scope scope
        = step.branch.isEmpty() ? SlaClock::Scope::Step : SlaClock::Scope::Branch;
    for (const SlaClock &clock :
         m_clocks->clocks(workflow, ticket, originatorDepartments, end.at)) {
        if (clock.scope != scope || clock.branch != step.branch)
            continue;
        if (clock.kind == SlaClock::Kind::Respond) {
            fact.respondTarget = clock.targetSeconds;
            fact.respondSeconds = clock.elapsedSeconds;
            fact.respondMet = !clock.breached;
        } else {
            fact.resolveTarget = clock.targetSeconds;
            fact.resolveSeconds = clock.elapsedSeconds;
            fact.resolveMet = !clock.breached;
        }
        fact.breached = fact.breached || clock.breached;
    }

    // Escalations fired on the step's clocks (TicketState::slaFired keys "step:KIND:I",
    // "branch:NAME:KIND:I"), or the escalation that moved the work away.
    const QString prefix
        = step.branch.isEmpty() ? QStringLiteral("step:") : u"branch:" + step.branch + u':';
    std::optional<QList<EscalationStep>> ladder; // only for a step whose clocks fired
    for (const QString &key : ticket.slaFired) {
        if (!key.startsWith(prefix))
            continue;
        if (!ladder)
            ladder = Escalation::ladder(workflow);
        const int index = key.section(u':', -1).toInt();
        if (index >= 0 && index < ladder->size() && escalates(ladder->at(index)))
            fact.escalated = true;
    }
    if (end.type == u"escalated" && movesWork(end, step.branch))
        fact.escalated = true;
    return fact;
}

} // namespace Baton

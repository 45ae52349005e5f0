// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/escalation.h"

#include "runtime/eventtypes.h"
#include "runtime/noticetext.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>

namespace Baton {

namespace {

/// The part of the ticket a move restarts: "step" (the ticket's own queue) or "branch:NAME".
QString moveScope(const SlaClock &clock)
{
    return clock.scope == SlaClock::Scope::Branch ? QStringLiteral("branch:") + clock.branch
                                                  : QStringLiteral("step");
}

} // namespace

Escalation::Escalation(const SlaClocks &clocks)
    : m_clocks(&clocks)
{
}

QList<EscalationStep> Escalation::ladder(const Workflow &workflow)
{
    QList<EscalationStep> steps = workflow.escalation;
    std::stable_sort(
        steps.begin(), steps.end(),
        [](const EscalationStep &a, const EscalationStep &b) { return a.percent < b.percent; });
    const bool hasBreach = std::any_of(steps.cbegin(), steps.cend(),
                                       [](const EscalationStep &s) { return s.percent == 100; });
    if (!hasBreach) {
        EscalationStep breach;
        breach.percent = 100;
        const auto at = std::upper_bound(
            steps.begin(), steps.end(), 100,
            [](int percent, const EscalationStep &s) { return percent < s.percent; });
        steps.insert(at, breach);
    }
    return steps;
}

QList<EscalationDue> Escalation::pending(const Workflow &workflow, const TicketState &ticket,
                                         const QStringList &originatorDepartments,
                                         const QDateTime &now) const
{
    QList<EscalationDue> result;
    const QList<EscalationStep> steps = ladder(workflow);
    const QList<SlaClock> clocks = m_clocks->clocks(workflow, ticket, originatorDepartments, now);
    for (const SlaClock &clock : clocks) {
        if (!clock.isRunning())
            continue;
        const BusinessCalendar calendar = m_clocks->calendar(clock.calendar);
        for (int i = 0; i < steps.size(); ++i) {
            const QString key = clock.key() + u':' + QString::number(i);
            if (ticket.slaFired.contains(key))
                continue;
            // Business time is turned into an instant once, here: the timer then only compares
            // instants. A ticket clock's pauses so far push its steps later.
            const qint64 offset = clock.targetSeconds * steps[i].percent / 100;
            auto at = calendar.addBusinessSeconds(clock.startedAt, offset + clock.pausedSeconds);
            if (!at)
                continue;
            result.append(EscalationDue {clock, i, steps[i], at.value(), key});
        }
    }
    std::stable_sort(result.begin(), result.end(),
                     [](const EscalationDue &a, const EscalationDue &b) {
                         return a.at != b.at ? a.at < b.at : a.step < b.step;
                     });
    return result;
}

std::optional<SlaTimer> Escalation::nextTimer(const Workflow &workflow, const TicketState &ticket,
                                              const QStringList &originatorDepartments,
                                              const QDateTime &now) const
{
    const QList<EscalationDue> due = pending(workflow, ticket, originatorDepartments, now);
    if (due.isEmpty())
        return std::nullopt;
    const EscalationDue &first = due.first();
    return SlaTimer {QStringLiteral("sla:") + first.firedKey, first.at,
                     QJsonObject {{QStringLiteral("clock"), first.clock.key()},
                                  {QStringLiteral("step"), first.step},
                                  {QStringLiteral("percent"), first.definition.percent}}};
}

namespace {

/// One due step of one clock, about to fire on `state`: where it is, who hears of it and what
/// it changes.
struct FiringStep
{
    explicit FiringStep(const EscalationDue &d)
        : due(d)
    {
    }
    const EscalationDue &due;
    QString queue; ///< the clock's queue (the ticket's, for the ticket-wide clock)
    const QueueDef *queueDef = nullptr; ///< null for an unknown queue
    const BranchState *branch = nullptr; ///< the branch of a branch clock
    QStringList recipients;
    QString moveTo; ///< empty: no move
    int newPriority = 0;
};

/// Recipients of a step's `notify`: a contact the queue lacks is simply nobody.
QStringList recipientsOf(const FiringStep &f, const TicketState &state)
{
    QStringList recipients;
    const auto add = [&recipients](const QString &user) {
        if (!user.isEmpty() && !recipients.contains(user))
            recipients.append(user);
    };
    for (const QString &who : f.due.definition.notify) {
        if (who == u"assignee")
            add(f.branch ? f.branch->assignee : state.assignee);
        else if (who == u"originator")
            add(state.originator);
        else if (who == u"queue.primary") {
            if (f.queueDef)
                for (const QString &user : f.queueDef->primary)
                    add(user);
        } else if (who == u"queue.backup") {
            if (f.queueDef)
                for (const QString &user : f.queueDef->backup)
                    add(user);
        } else if (who == u"queue.manager") {
            if (f.queueDef)
                add(f.queueDef->manager);
        } else {
            add(who);
        }
    }
    return recipients;
}

/// Where a move_to goes; nowhere for an originator step, a parallel ticket's ticket-wide
/// clock, an unknown queue, or the queue it is already in.
QString moveTargetOf(const FiringStep &f, const TicketState &state, const Organisation &org)
{
    const EscalationStep &step = f.due.definition;
    if (step.moveTo.isEmpty() || !f.queueDef
        || (f.due.clock.scope == SlaClock::Scope::Ticket && state.isParallel()))
        return {};
    const QString moveTo
        = step.moveTo == u"queue.escalate_to" ? f.queueDef->escalateTo : step.moveTo;
    return moveTo == f.queue || !org.queues.contains(moveTo) ? QString() : moveTo;
}

/// The event type of a step: below, at or above 100%.
QString eventTypeOf(const EscalationStep &step)
{
    return step.percent < 100 ? EventTypes::slaWarning
        : step.percent == 100 ? EventTypes::slaBreached
                              : EventTypes::escalated;
}

/// The step's event data, and the change (priority, move) it makes, if any.
QPair<QJsonObject, QJsonObject> eventDataOf(const FiringStep &f)
{
    const SlaClock &clock = f.due.clock;
    const EscalationStep &step = f.due.definition;
    QJsonObject data {{QStringLiteral("sla_step"), f.due.firedKey},
                      {QStringLiteral("clock"), toString(clock.kind)},
                      {QStringLiteral("percent"), step.percent},
                      {QStringLiteral("due"), formatUtcInstant(clock.due)},
                      {QStringLiteral("step_due"), formatUtcInstant(f.due.at)},
                      {QStringLiteral("notified"), QJsonArray::fromStringList(f.recipients)}};
    if (!f.queue.isEmpty())
        data.insert(u"queue", f.queue);
    if (clock.scope == SlaClock::Scope::Branch)
        data.insert(u"branch", clock.branch);
    QJsonObject change;
    if (step.priorityDelta != 0) {
        change.insert(u"priority", f.newPriority);
        change.insert(u"priority_delta", step.priorityDelta);
    }
    if (!f.moveTo.isEmpty()) {
        change.insert(u"from", f.queue);
        change.insert(u"to", f.moveTo);
        if (clock.scope == SlaClock::Scope::Branch)
            change.insert(u"branch", clock.branch);
    }
    return {data, change};
}

/// What the step's notice says (runtime/noticetext.h builds the sentence in each reader's
/// language; the stored message is its English).
QJsonObject paramsOf(const FiringStep &f, const TicketState &state, const Organisation &org)
{
    const SlaClock &clock = f.due.clock;
    const EscalationStep &step = f.due.definition;
    QJsonObject params {{QStringLiteral("key"), state.key},
                        {QStringLiteral("title"), state.title},
                        {QStringLiteral("clock"), toString(clock.kind)},
                        {QStringLiteral("scope"),
                         clock.scope == SlaClock::Scope::Ticket ? QStringLiteral("ticket")
                                                                : QStringLiteral("step")},
                        {QStringLiteral("percent"), step.percent},
                        {QStringLiteral("due"), formatUtcInstant(clock.due)}};
    if (f.queueDef)
        params.insert(u"queue", noticeTitle(f.queueDef->title, f.queue));
    if (step.priorityDelta != 0)
        params.insert(u"priority", f.newPriority);
    if (!f.moveTo.isEmpty()) {
        const auto to = org.queues.constFind(f.moveTo);
        params.insert(u"moved_to",
                      to == org.queues.cend() ? QJsonValue(f.moveTo)
                                              : noticeTitle(to->title, f.moveTo));
    }
    return params;
}

} // namespace

TicketOutcome Escalation::fire(const Workflow &workflow, const TicketState &ticket,
                               const QStringList &originatorDepartments, const QDateTime &now) const
{
    TicketOutcome outcome;
    outcome.ticket = ticket;
    // A move re-enters a fresh step; its new clocks are looked at in the next round. The bound
    // only guards against a ladder that keeps moving at 0% (not a useful workflow).
    for (int round = 0; round < 8; ++round) {
        const QList<EscalationDue> due
            = pending(workflow, outcome.ticket, originatorDepartments, now);
        QSet<QString> restarted;
        bool fired = false;
        for (const EscalationDue &d : due) {
            if (d.at > now)
                break;
            if (restarted.contains(moveScope(d.clock)) && d.clock.scope != SlaClock::Scope::Ticket)
                continue;
            fired = true;
            if (fireStep(d, now, outcome))
                restarted.insert(moveScope(d.clock));
        }
        if (!fired)
            break;
    }
    return outcome;
}

bool Escalation::fireStep(const EscalationDue &d, const QDateTime &now,
                          TicketOutcome &outcome) const
{
    TicketState &state = outcome.ticket;
    const Organisation &org = m_clocks->organisation();
    const auto record = [&](const QString &type, QJsonObject data) {
        Event event;
        event.seq = state.version + 1;
        event.type = type;
        event.at = now;
        event.data = std::move(data);
        applyEvent(state, event);
        outcome.events.append(event);
    };
    FiringStep f(d);
    f.queue = d.clock.scope == SlaClock::Scope::Ticket ? state.queue : d.clock.queue;
    if (const auto it = org.queues.constFind(f.queue);
        !f.queue.isEmpty() && it != org.queues.cend())
        f.queueDef = &it.value();
    f.branch = d.clock.scope == SlaClock::Scope::Branch ? state.branch(d.clock.branch) : nullptr;
    f.recipients = recipientsOf(f, state);
    f.moveTo = moveTargetOf(f, state, org);
    f.newPriority = state.priority + d.definition.priorityDelta;
    const QJsonObject params = paramsOf(f, state, org);

    auto [data, change] = eventDataOf(f);
    const QString type = eventTypeOf(d.definition); // also the notice's kind
    const QString message = noticeText(type, params, Language::En);
    if (type == EventTypes::escalated) {
        for (auto it = change.constBegin(); it != change.constEnd(); ++it)
            data.insert(it.key(), it.value());
        record(type, data);
    } else {
        record(type, data);
        if (!change.isEmpty()) {
            change.insert(u"cause", d.firedKey);
            record(EventTypes::escalated, change);
        }
    }
    for (const QString &user : std::as_const(f.recipients))
        outcome.notifications.append(NotificationRecord {user, type, message, params});
    return !f.moveTo.isEmpty();
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/timedsteps.h"

#include <algorithm>

namespace Baton {

TimedSteps::TimedSteps(const SlaClocks &clocks)
    : m_clocks(&clocks)
{
}

QList<TimedDue> TimedSteps::pending(const Workflow &workflow, const TicketState &ticket,
                                    const QStringList &originatorDepartments) const
{
    QList<TimedDue> result;
    for (const PendingLink &link : ticket.pendingLinks)
        result.append(TimedDue {TimedDue::Kind::Link, 0, link.seq, link.dueAt});
    const State *state = workflow.state(ticket.state);
    if (ticket.isOpen() && state && !state->timeouts.isEmpty() && ticket.stepStartedAt.isValid()) {
        // The step's calendar, as its SLA clocks use it (slaclock.h).
        const BusinessCalendar calendar = m_clocks->calendar(m_clocks->calendarNameFor(
            state->sla, ticket.queue, state->returnsToOriginator(), originatorDepartments));
        for (int i = 0; i < state->timeouts.size(); ++i) {
            if (ticket.slaFired.contains(timedStepKey(i)))
                continue;
            const TimeoutStep &step = state->timeouts[i];
            QDateTime at = ticket.stepStartedAt.addSecs(step.afterSeconds);
            if (!step.clockTime) {
                auto business
                    = calendar.addBusinessSeconds(ticket.stepStartedAt, step.afterSeconds);
                if (!business)
                    continue;
                at = business.value();
            }
            result.append(TimedDue {TimedDue::Kind::Timeout, i, 0, at});
        }
    }
    std::stable_sort(result.begin(), result.end(),
                     [](const TimedDue &a, const TimedDue &b) { return a.at < b.at; });
    return result;
}

std::optional<SlaTimer> TimedSteps::nextTimer(const Workflow &workflow, const TicketState &ticket,
                                              const QStringList &originatorDepartments) const
{
    const QList<TimedDue> due = pending(workflow, ticket, originatorDepartments);
    if (due.isEmpty())
        return std::nullopt;
    const TimedDue &first = due.first();
    const bool timeout = first.kind == TimedDue::Kind::Timeout;
    const QString kind = timeout ? QStringLiteral("timeout:") + QString::number(first.step)
                                 : QStringLiteral("link:") + QString::number(first.linkSeq);
    return SlaTimer {kind, first.at,
                     QJsonObject {{QStringLiteral("clock"),
                                   timeout ? QStringLiteral("timeout") : QStringLiteral("link")},
                                  {QStringLiteral("step"), timeout ? first.step : 0},
                                  {QStringLiteral("percent"), 0}}};
}

void TimedSteps::fire(const TicketMachine &machine, const QStringList &originatorDepartments,
                      const QDateTime &now, TicketOutcome &outcome) const
{
    const auto merge = [&outcome](TicketOutcome step) {
        outcome.ticket = std::move(step.ticket);
        outcome.events += step.events;
        for (const NotificationRecord &n : std::as_const(step.notifications))
            if (!outcome.notifications.contains(n))
                outcome.notifications.append(n);
        outcome.linkedOpens += step.linkedOpens;
    };
    // A taken transition enters a new state; its steps count from now, so a few rounds end it
    // (the bound guards against nothing but a malformed definition).
    for (int round = 0; round < 16; ++round) {
        const QList<TimedDue> due
            = pending(machine.workflow(), outcome.ticket, originatorDepartments);
        const auto timeout = std::find_if(due.cbegin(), due.cend(), [&now](const TimedDue &d) {
            return d.kind == TimedDue::Kind::Timeout && d.at <= now;
        });
        if (timeout == due.cend())
            break;
        merge(machine.takeTimed(outcome.ticket, timeout->step, timeout->at, now));
    }
    merge(machine.openDueLinks(outcome.ticket, now));
}

} // namespace Baton

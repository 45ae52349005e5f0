// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The escalation ladder (workflow-language.md "Escalation") applied to SLA clocks: when each
// step of each clock fires, the one timer a ticket needs, and what firing does. Pure, like
// the ticket machine: state in, events and notifications out.

#include "definition/model.h"
#include "runtime/ticketmachine.h"
#include "runtime/ticketstate.h"
#include "sla/slaclock.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace Baton {

/// A ticket's next SLA timer: one row per ticket, the earliest unfired step of its running
/// clocks. kind names it ("sla:step:resolve:1" = step 1 of the ladder on the step's resolve
/// clock); firing recomputes everything from the ticket, so a timer is only a wake-up call.
struct SlaTimer
{
    QString kind;
    QDateTime dueAt;
    QJsonObject data; ///< {"clock", "step", "percent"}
};

/// One step of the ladder on one clock, and when it fires.
struct EscalationDue
{
    SlaClock clock;
    int step = 0; ///< index in Escalation::ladder()
    EscalationStep definition;
    QDateTime at;
    QString firedKey; ///< clock key + ":" + step, as kept in TicketState::slaFired
};

/// Escalation for the tickets of one organisation. Thread-safe (const).
class Escalation
{
public:
    explicit Escalation(const SlaClocks &clocks);

    /// The workflow's ladder by percentage, plus a bare 100% step when it has none: a breach
    /// is always recorded (sla_breached), whatever the ladder says.
    static QList<EscalationStep> ladder(const Workflow &workflow);

    /// Unfired steps of the running clocks, earliest first.
    QList<EscalationDue> pending(const Workflow &workflow, const TicketState &ticket,
                                 const QStringList &originatorDepartments,
                                 const QDateTime &now) const;

    /// The ticket's timer (the earliest pending step), if any.
    std::optional<SlaTimer> nextTimer(const Workflow &workflow, const TicketState &ticket,
                                      const QStringList &originatorDepartments,
                                      const QDateTime &now) const;

    /// Fires every step due at `now`, in due order, each once per clock: sla_warning (below
    /// 100%), sla_breached (100%), escalated (above 100%, and for a step that changes the
    /// priority or queue), with notifications to the step's `notify`. A `move_to` restarts the
    /// moved step's clocks, whose own due steps (if any) fire in a following round. No events
    /// when nothing is due (a stale timer).
    TicketOutcome fire(const Workflow &workflow, const TicketState &ticket,
                       const QStringList &originatorDepartments, const QDateTime &now) const;

private:
    /// Fires one due step on outcome.ticket, appending its events and notifications; true when
    /// it moved the clock's queue (whose clocks then restart).
    bool fireStep(const EscalationDue &due, const QDateTime &now, TicketOutcome &outcome) const;

    const SlaClocks *m_clocks;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Timed steps (workflow-language.md, second edition): a state's `timeout:` steps, measured on
// the step's calendar from when the step began, and the linked tickets an `open: {after: ...}`
// scheduled. Pure like the escalation ladder: state in, the next instant and the events out;
// the ticket's one timer row is the earliest of these and of the ladder's steps.

#include "definition/model.h"
#include "runtime/ticketmachine.h"
#include "runtime/ticketstate.h"
#include "sla/escalation.h"
#include "sla/slaclock.h"

#include <QDateTime>
#include <QList>
#include <QStringList>

#include <optional>

namespace Baton {

/// One thing that will act on a ticket by itself: timeout step `step` of its current state,
/// or the pending link whose link_scheduled event is `linkSeq`.
struct TimedDue
{
    enum class Kind { Timeout, Link };
    Kind kind = Kind::Timeout;
    int step = 0;
    qint64 linkSeq = 0;
    QDateTime at;
};

/// The timed steps of the tickets of one organisation. Thread-safe (const).
class TimedSteps
{
public:
    explicit TimedSteps(const SlaClocks &clocks);

    /// Unfired timeout steps of the current state (open tickets) and pending links (also of
    /// closed tickets), earliest first.
    QList<TimedDue> pending(const Workflow &workflow, const TicketState &ticket,
                            const QStringList &originatorDepartments) const;

    /// The earliest of pending(), as a timer (kind "timeout:N" or "link:SEQ").
    std::optional<SlaTimer> nextTimer(const Workflow &workflow, const TicketState &ticket,
                                      const QStringList &originatorDepartments) const;

    /// Fires what is due at `now` on top of `outcome` (whose ticket it continues): each timeout
    /// step once (TicketMachine::takeTimed; a taken transition enters a state whose own steps
    /// are measured afresh), then every due pending link (TicketMachine::openDueLinks).
    void fire(const TicketMachine &machine, const QStringList &originatorDepartments,
              const QDateTime &now, TicketOutcome &outcome) const;

private:
    const SlaClocks *m_clocks;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A ticket's SLA figures as a reader sees them now: the values of interfaces.md's `Sla`
// objects. The SLA module computes them (SlaService::reader()); the engine puts them into
// the TicketView it returns, so that the API reads one view. Here, not in sla/, because
// runtime may not include sla (sla includes runtime, to plan the engine's writes).

#include "definition/model.h"
#include "runtime/ticketstate.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace Baton {

/// The `Sla` object of interfaces.md for one step, branch or the ticket-wide clock.
///
/// - respond_due / resolve_due: the due instant of that clock while it is open (not yet met);
///   null when there is no such target or once it is met (a met respond clock is history).
/// - remaining: business seconds from now to the nearest open target; negative once past it
///   (business seconds overdue), null when no target is open.
/// - paused: the ticket-wide clock stands still (`sla: pause` state); always false for steps.
/// - at_risk: an open clock has used at least the first warning step of the ladder (the lowest
///   `at:` below 100%, 75% when the ladder has none) and is not breached.
/// - breached: a target of this step was missed (reached while open, or met late).
struct SlaStatus
{
    QDateTime respondDue;
    QDateTime resolveDue;
    std::optional<qint64> remaining;
    bool paused = false;
    bool atRisk = false;
    bool breached = false;
    bool hasClocks = false; ///< false: no target applies (the JSON is then null)

    /// The object of interfaces.md; instants in whole seconds, like every time of the API.
    QJsonObject toJson() const;
};

/// Every `Sla` of a ticket at one instant.
struct TicketSla
{
    SlaStatus step; ///< the ticket's "sla": the current step's clocks
    SlaStatus ticket; ///< "ticket_sla": the ticket-wide clock
    QHash<QString, SlaStatus> branches; ///< each branch's "sla", by branch name
};

/// Which of a ticket's clocks is the most urgent, for the one badge a list row or the ticket
/// page shows: a breached clock before one at risk before one running before a paused one,
/// then the smallest remaining time (null last). `clock` is "step", "ticket" or "branch"
/// (then `branch` names it); an unset `clock` means no clock applies.
struct UrgentSla
{
    QString clock;
    QString branch;
    SlaStatus status;

    /// `Sla` plus "clock" and "branch"; null when no clock applies.
    QJsonValue toJson() const;
};

/// The most urgent clock of `sla`; `openBranches` are the branches still running (a finished
/// branch's clock no longer counts).
UrgentSla mostUrgentSla(const TicketSla &sla, const QStringList &openBranches);

/// Called by the engine for every view it makes, with the instant it makes it at.
using SlaReader
    = std::function<TicketSla(const TicketState &, const Workflow &, const QDateTime &now)>;

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the SLA module hands the engine for a ticket after a change. Its own header so that
// the SLA module (which includes it) and the engine (which calls the planner) do not include
// each other.

#include "definition/model.h"
#include "runtime/ticketstate.h"
#include "store/ticketrows.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace Baton {

/// The SLA module's view of a ticket after a change: its due dates (for the queue page) and
/// the timers to arm. The engine writes them in the same transaction as the change.
struct SlaPlan
{
    std::optional<QDateTime> respondDue, resolveDue, ticketDue;
    /// The earliest instant an open clock becomes at risk (ticket_sla / sla filters).
    std::optional<QDateTime> atRiskAt;
    /// Per open branch (by name) with clocks of its own: its nearest due and risk instants,
    /// so that its queue's page sorts and counts it by the branch's own clock.
    struct BranchDue
    {
        std::optional<QDateTime> due, atRiskAt;
    };
    QHash<QString, BranchDue> branchDues;
    QList<TimerRow> timers; ///< ticketId is filled in by the engine
};
/// Called by the writer for every ticket it writes, with the batch's time (`now`, the instant its
/// events carry), so that due dates are measured from the same instant as the change.
using SlaPlanner
    = std::function<SlaPlan(const TicketState &, const Workflow &, const QDateTime &now)>;

} // namespace Baton

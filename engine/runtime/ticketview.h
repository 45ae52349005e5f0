// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "runtime/ticketmachine.h"
#include "runtime/ticketsla.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <memory>
#include <optional>

namespace Baton {

/// A ticket as one user sees it, the same after a read and after a write: what they may do
/// now, where they may hand its work, whether they read its internal notes, the workflow
/// version it runs on (for its titles and SLA targets) and its SLA figures. Computed only by
/// ticketView(), which the engine runs for Engine::ticket() and Engine::view(), so no caller builds
/// a machine of its own to find the actions again.
struct TicketView
{
    TicketState ticket;
    /// The workflow version the ticket runs on; null when it could not be read (then the view
    /// offers nothing to do).
    std::shared_ptr<const Workflow> workflow;
    /// In every language (the API picks the caller's); the state's name when it has no title.
    LocalText stateTitle;
    /// What this user may do now, on the ticket and on its branches (AvailableAction::branch).
    QList<AvailableAction> actions;
    /// The queues this user may transfer the work to now, by branch name ("" for the ticket).
    QHash<QString, QStringList> transferTargets;
    bool internalNotes = false; ///< whether this user may read the ticket's internal notes
    /// Its SLA figures when the view was made; none when the engine has no SLA reader
    /// (EngineOptions::slaReader) or the workflow version could not be read.
    std::optional<TicketSla> sla;
};

/// The view of `ticket` for `actor`; `machine` applies `workflow`, the version the ticket runs
/// on. Visibility is the caller's to check (TicketMachine::canSee): a write's author sees the
/// result of their write.
TicketView ticketView(TicketState ticket, std::shared_ptr<const Workflow> workflow,
                      const TicketMachine &machine, const Actor &actor);
/// The view of a ticket whose workflow version could not be read: its data, its state's name
/// as title, nothing to do.
TicketView ticketViewWithoutWorkflow(TicketState ticket);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketview.h"

#include "runtime/access.h"

namespace Baton {

TicketView ticketView(TicketState ticket, std::shared_ptr<const Workflow> workflow,
                      const TicketMachine &machine, const Actor &actor)
{
    TicketView view;
    if (const State *state = workflow->state(ticket.state); state && !state->title.isEmpty())
        view.stateTitle = state->title;
    else
        view.stateTitle = LocalText(ticket.state);
    view.actions = machine.availableActions(ticket, actor);
    view.transferTargets.insert(QString(), machine.transferTargets(ticket, actor, QString()));
    for (const BranchState &branch : ticket.branches)
        view.transferTargets.insert(branch.name,
                                    machine.transferTargets(ticket, actor, branch.name));
    view.internalNotes = canSeeInternalNotes(machine.organisation(), actor, ticket);
    view.ticket = std::move(ticket);
    view.workflow = std::move(workflow);
    return view;
}

TicketView ticketViewWithoutWorkflow(TicketState ticket)
{
    TicketView view;
    view.stateTitle = LocalText(ticket.state);
    view.ticket = std::move(ticket);
    return view;
}

} // namespace Baton

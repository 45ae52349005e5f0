// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports (issue 17): the fact rows of the steps a ticket's events end. Pure: the ticket as
// last written, the events of one write, the workflow and the SLA clocks in; rows out. The
// engine runs it on every ticket it writes (EngineOptions::stepFacts), the back-fill on every
// old ticket's whole log from an empty state: the same function, hence the same rows.

#include "definition/model.h"
#include "runtime/engine.h"
#include "runtime/ticketstate.h"
#include "sla/slaclock.h"
#include "store/stepfactrows.h"

#include <QList>
#include <QStringList>

#include <functional>

namespace Baton {

class SlaService;

/// A step is a stay in one state and queue (for a parallel state's branch: in its queue),
/// the span the step's SLA clocks measure: it begins when the state is entered or the work is
/// moved to another queue (transfer, handoff limit, escalation move) and ends at the next such
/// event, or when the ticket closes. Steps in final states are not facts.
class StepFactDeriver
{
public:
    using DepartmentsOf = std::function<QStringList(const QString &username)>;
    /// clocks must outlive the deriver; departmentsOf gives a user's departments (an
    /// originator step belongs to the originator's first department, and is measured on its
    /// calendar, as the SLA clocks do).
    StepFactDeriver(const SlaClocks &clocks, DepartmentsOf departmentsOf);

    /// The steps `events` end, applying them in order to `before` (a default TicketState for
    /// a ticket the events open). ticketId: the store's id of the ticket.
    QList<StepFactRow> derive(qint64 ticketId, const TicketState &before,
                              const QList<Event> &events, const Workflow &workflow) const;

    /// For EngineOptions::stepFacts.
    StepFactRecorder recorder() const;

private:
    struct Step;
    struct Originator;
    /// The steps `event` ends, for `ticket` as the event finds it.
    void factsOfEvent(qint64 ticketId, const TicketState &ticket, const Event &event,
                      const Workflow &workflow, Originator &originator,
                      QList<StepFactRow> &facts) const;
    StepFactRow factOf(qint64 ticketId, const TicketState &ticket, const Step &step,
                       const Event &end, const Workflow &workflow,
                       const QStringList &originatorDepartments) const;

    const SlaClocks *m_clocks;
    DepartmentsOf m_departmentsOf;
};

/// The deriver on an SlaService's clocks and users (the service must outlive it).
StepFactDeriver stepFactDeriverOf(const SlaService &sla);

} // namespace Baton

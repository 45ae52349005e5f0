// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The runtime tests' world: the jump-queue example of workflow-language.md, a refund workflow
// exercising every field type, and a small organisation with users of every kind, all read
// from the YAML files in data/ with the real reader.

#include "definition/model.h"
#include "runtime/access.h"
#include "runtime/ticketmachine.h"

#include <QDateTime>

#include <memory>

namespace Baton::Test {

struct RuntimeFixture
{
    Organisation org;
    std::shared_ptr<const Workflow> jumpQueue;
    std::shared_ptr<const Workflow> refund;

    /// Loaded once; QFAIL-worthy problems are printed with qFatal.
    static const RuntimeFixture &instance();

    /// Users of data/org.yaml: amy, ann (agents, customer-service), sam (supervisor,
    /// customer-service), cxs (supervisor, customer-experience), bill, bea (staff, billing),
    /// fiona (supervisor, finance), gus (staff, ground-ops), nora (staff, finance), cora
    /// (agent, customer-experience), root (admin, no department).
    Actor user(const QString &name) const;
};

/// A fixed instant for the tests: Monday 2026-11-23 08:30 UTC, plus minutes.
QDateTime at(int minutes = 0);

/// Applies a successful outcome's events to a log and returns the new ticket (QVERIFY-able
/// via ok()); the log is what a store would hold.
struct Ticket
{
    TicketState state;
    QList<Event> log;
    TicketOutcome last;

    bool apply(const TicketOutcome &outcome);
};

} // namespace Baton::Test

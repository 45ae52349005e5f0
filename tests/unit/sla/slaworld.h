// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SLA tests' world: data/org.yaml (calendars with lunch, holidays, an extra working day,
// DST; a county -> city -> province chain) and the workflows of data/, read with the real
// reader, plus users with departments.

#include "definition/model.h"
#include "runtime/access.h"
#include "runtime/ticketmachine.h"
#include "sla/escalation.h"
#include "sla/slaclock.h"

#include <QDateTime>
#include <QMap>

#include <memory>

namespace Baton::Test {

struct SlaWorld
{
    std::shared_ptr<const Organisation> org;
    QMap<QString, std::shared_ptr<const Workflow>> workflows;
    std::unique_ptr<SlaClocks> clocks;
    std::unique_ptr<Escalation> escalation;

    static const SlaWorld &instance();
    /// A fresh world read from the same files, optionally with org.yaml text replaced.
    static std::unique_ptr<SlaWorld> load(const QByteArray &orgText = {});
    static QByteArray orgText();

    const Workflow &workflow(const QString &name) const;
    /// amy, ann, sam (customer-service), bill, bea (billing), gus (ground-ops), berta (berlin),
    /// olga (agent, county), cody, cobb (county), cindy (city), pat (province).
    Actor user(const QString &name) const;
    QStringList departmentsOf(const QString &name) const;
};

/// An instant in UTC.
QDateTime utc(int year, int month, int day, int hour, int minute = 0);

/// Opens a ticket of `workflow` as `originator` at `at` (id 1), QVERIFY-able via isOpen().
TicketState openTicket(const SlaWorld &world, const QString &workflow, const QString &originator,
                       const QDateTime &at, const QString &tier = {});
/// Takes an action (no fields) as `actor`; returns the new state, or a default one on refusal.
TicketState act(const SlaWorld &world, const TicketState &ticket, const QString &actor,
                const QString &action, const QDateTime &at);

} // namespace Baton::Test

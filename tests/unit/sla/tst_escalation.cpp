// SPDX-License-Identifier: GPL-3.0-or-later
// The escalation ladder on SLA clocks: when steps fire, what they do, once each.

#include "slaworld.h"

#include <QTest>

using namespace Baton;
using namespace Baton::Test;

namespace {

QStringList types(const QList<Event> &events)
{
    QStringList result;
    for (const Event &event : events)
        result.append(event.type);
    return result;
}

QStringList recipients(const QList<NotificationRecord> &notifications, const QString &kind)
{
    QStringList result;
    for (const NotificationRecord &n : notifications)
        if (n.kind == kind)
            result.append(n.recipient);
    return result;
}

TicketOutcome fire(const TicketState &ticket, const QDateTime &now)
{
    const SlaWorld &w = SlaWorld::instance();
    TicketOutcome outcome = w.escalation->fire(w.workflow(ticket.workflow), ticket,
                                               w.departmentsOf(ticket.originator), now);
    // Replay agrees with the state the escalation computed.
    TicketState replayed = ticket;
    for (const Event &event : outcome.events)
        applyEvent(replayed, event);
    if (!(replayed == outcome.ticket))
        qWarning("replay differs from the escalated state");
    return outcome;
}

std::optional<SlaTimer> timerOf(const TicketState &ticket, const QDateTime &now)
{
    const SlaWorld &w = SlaWorld::instance();
    return w.escalation->nextTimer(w.workflow(ticket.workflow), ticket,
                                   w.departmentsOf(ticket.originator), now);
}

} // namespace

class TestEscalation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ladderAlwaysHasABreachStep();
    void stepInstantsOnTheClockCalendar();
    void warningNotifiesAssigneeAndBackup();
    void breachRaisesPriorityAndIsRecordedOnce();
    void nothingDueIsNoEvent();
    void countyBreachClimbsToCityThenProvince();
    void stepsFiredLateFireInOrder();
    void pausedTicketClockStepsMoveLater();
    void branchesRunTheirOwnClocks();
};

void TestEscalation::ladderAlwaysHasABreachStep()
{
    const SlaWorld &w = SlaWorld::instance();
    const QList<EscalationStep> berlin = Escalation::ladder(w.workflow(u"berlin"_qs));
    QCOMPARE(berlin.size(), 2);
    QCOMPARE(berlin.at(0).percent, 50);
    QCOMPARE(berlin.at(1).percent, 100);
    const QList<EscalationStep> telecom = Escalation::ladder(w.workflow(u"telecom"_qs));
    QCOMPARE(telecom.size(), 3);
}

void TestEscalation::stepInstantsOnTheClockCalendar()
{
    const SlaWorld &w = SlaWorld::instance();
    // Berlin, Friday 16:00 CEST: the 50% step (1 h) is 17:00 CEST the same day.
    const QDateTime opened = utc(2026, 10, 23, 14);
    const TicketState ticket = openTicket(w, u"berlin"_qs, u"berta"_qs, opened);
    const QList<EscalationDue> due = w.escalation->pending(w.workflow(u"berlin"_qs), ticket,
                                                           w.departmentsOf(u"berta"_qs), opened);
    QCOMPARE(due.size(), 2);
    QCOMPARE(due.at(0).at, utc(2026, 10, 23, 15));
    QCOMPARE(due.at(1).at, utc(2026, 10, 26, 9)); // breach, after the DST change
    const std::optional<SlaTimer> timer = timerOf(ticket, opened);
    QVERIFY(timer);
    QCOMPARE(timer->kind, u"sla:step:resolve:0"_qs);
    QCOMPARE(timer->dueAt, utc(2026, 10, 23, 15));
}

void TestEscalation::warningNotifiesAssigneeAndBackup()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1); // 09:00 HKT: respond 1h, resolve 2h
    TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    const TicketMachine machine(w.workflow(u"support"_qs), *w.org);
    // amy (the primary) claims at once, so respond is met; resolve reaches 75% at 10:30.
    TicketOutcome claimed
        = machine.claim(ticket, w.user(u"amy"_qs), QString(), std::nullopt, opened);
    QVERIFY(claimed.ok());
    ticket = claimed.ticket;
    QCOMPARE(timerOf(ticket, opened)->dueAt, opened.addSecs(90 * 60));
    const TicketOutcome warned = fire(ticket, opened.addSecs(90 * 60));
    QCOMPARE(types(warned.events), QStringList {u"sla_warning"_qs});
    // The backup ("B role") hears that the primary's SLA is at risk.
    QCOMPARE(recipients(warned.notifications, u"sla_warning"_qs),
             (QStringList {u"amy"_qs, u"ann"_qs}));
    QVERIFY(warned.notifications.first().message.contains(u"75%"));
    QCOMPARE(warned.events.first().data.value(u"sla_step").toString(), u"step:resolve:0"_qs);
    QCOMPARE(timerOf(warned.ticket, opened.addSecs(90 * 60))->kind, u"sla:step:resolve:1"_qs);
}

void TestEscalation::breachRaisesPriorityAndIsRecordedOnce()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1);
    const TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened, u"B"_qs);
    QCOMPARE(ticket.priority, 2);
    // Respond (1h) and resolve (B: 1h) are both missed at 10:00 HKT.
    const TicketOutcome breached = fire(ticket, opened.addSecs(3600));
    QCOMPARE(types(breached.events),
             (QStringList {u"sla_warning"_qs, u"sla_warning"_qs, u"sla_breached"_qs,
                           u"escalated"_qs, u"sla_breached"_qs, u"escalated"_qs}));
    QCOMPARE(breached.ticket.priority, 4);
    QCOMPARE(recipients(breached.notifications, u"sla_breached"_qs),
             (QStringList {u"sam"_qs, u"sam"_qs}));
    QCOMPARE(breached.ticket.version, ticket.version + 6);
    // Fired once per clock: the same instant again, or later, adds nothing more.
    QVERIFY(fire(breached.ticket, opened.addSecs(3600)).events.isEmpty());
    QVERIFY(fire(breached.ticket, opened.addSecs(3 * 3600)).events.isEmpty());
    QVERIFY(!timerOf(breached.ticket, opened.addSecs(3600))
            || timerOf(breached.ticket, opened.addSecs(3600))->kind.startsWith(u"sla:ticket:"));
}

void TestEscalation::nothingDueIsNoEvent()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1);
    const TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    const TicketOutcome none = fire(ticket, opened.addSecs(60));
    QVERIFY(none.ok());
    QVERIFY(none.events.isEmpty());
    QCOMPARE(none.ticket, ticket);
}

void TestEscalation::countyBreachClimbsToCityThenProvince()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 0, 30); // Monday 08:30 CST, resolve 4h
    TicketState ticket = openTicket(w, u"telecom"_qs, u"olga"_qs, opened);
    QCOMPARE(ticket.queue, u"county-desk"_qs);

    TicketOutcome out = fire(ticket, utc(2026, 11, 23, 3, 30)); // 75%: 11:30 CST
    QCOMPARE(types(out.events), QStringList {u"sla_warning"_qs});
    QCOMPARE(recipients(out.notifications, u"sla_warning"_qs),
             (QStringList {u"cody"_qs, u"cobb"_qs}));
    ticket = out.ticket;
    out = fire(ticket, utc(2026, 11, 23, 6, 30)); // 100%: 14:30 CST
    QCOMPARE(types(out.events), QStringList {u"sla_breached"_qs});
    QCOMPARE(recipients(out.notifications, u"sla_breached"_qs), QStringList {u"cora"_qs});
    ticket = out.ticket;
    out = fire(ticket, utc(2026, 11, 23, 8, 30)); // 150%: 16:30 CST
    QCOMPARE(types(out.events), QStringList {u"escalated"_qs});
    QCOMPARE(out.ticket.queue, u"city-desk"_qs);
    QCOMPARE(out.ticket.stepStartedAt, utc(2026, 11, 23, 8, 30));
    QCOMPARE(out.ticket.handoffs, 0); // escalation is no handoff
    QCOMPARE(recipients(out.notifications, u"escalated"_qs), QStringList {u"olga"_qs});
    ticket = out.ticket;

    // The city desk's clock starts afresh: 1 h on Monday, then Tuesday; 150% = 6 h is
    // Tuesday 15:30 CST, when it climbs to the province.
    const std::optional<SlaTimer> next = timerOf(ticket, utc(2026, 11, 23, 8, 30));
    QCOMPARE(next->dueAt, utc(2026, 11, 24, 2, 30)); // 75% = 3 h: Tuesday 10:30 CST
    out = fire(ticket, utc(2026, 11, 24, 7, 30));
    QCOMPARE(types(out.events),
             (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
    QCOMPARE(recipients(out.notifications, u"sla_warning"_qs), QStringList {u"cindy"_qs});
    QCOMPARE(out.ticket.queue, u"province-desk"_qs);
    QVERIFY(out.ticket.queuesVisited.contains(u"city-desk"_qs));
    // The province has no escalate_to: its 150% step does nothing but notify.
    ticket = out.ticket;
    out = fire(ticket, utc(2026, 11, 26, 9));
    QCOMPARE(out.ticket.queue, u"province-desk"_qs);
    QCOMPARE(types(out.events),
             (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
}

void TestEscalation::stepsFiredLateFireInOrder()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 0, 30);
    const TicketState ticket = openTicket(w, u"telecom"_qs, u"olga"_qs, opened);
    // Down all day: on start everything due fires at once, in due order, the move last.
    const TicketOutcome out = fire(ticket, utc(2026, 11, 23, 12));
    QCOMPARE(types(out.events),
             (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
    QDateTime previous;
    for (const Event &event : out.events) {
        const QDateTime stepDue
            = QDateTime::fromString(event.data.value(u"step_due").toString(), Qt::ISODate);
        QVERIFY(!previous.isValid() || previous <= stepDue);
        previous = stepDue;
    }
    QCOMPARE(out.ticket.queue, u"city-desk"_qs);
}

void TestEscalation::pausedTicketClockStepsMoveLater()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1);
    TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    const auto ticketStep = [&](const TicketState &t, const QDateTime &now) {
        for (const EscalationDue &d :
             w.escalation->pending(w.workflow(u"support"_qs), t, w.departmentsOf(u"amy"_qs), now))
            if (d.clock.scope == SlaClock::Scope::Ticket)
                return d.at;
        return QDateTime();
    };
    QCOMPARE(ticketStep(ticket, opened), opened.addSecs(18 * 3600)); // 75% of 1d
    ticket = act(w, ticket, u"amy"_qs, u"wait"_qs, opened.addSecs(3600));
    QVERIFY(!ticketStep(ticket, opened.addSecs(2 * 3600)).isValid()); // paused: no timer
    ticket = act(w, ticket, u"amy"_qs, u"resume"_qs, opened.addSecs(4 * 3600));
    QCOMPARE(ticketStep(ticket, opened.addSecs(4 * 3600)), opened.addSecs(21 * 3600));
}

void TestEscalation::branchesRunTheirOwnClocks()
{
    const SlaWorld &w = SlaWorld::instance();
    const Workflow &wf = w.workflow(u"parallel"_qs);
    const QDateTime opened = utc(2026, 11, 23, 1); // Monday 09:00 HKT
    const TicketState ticket = openTicket(w, u"parallel"_qs, u"amy"_qs, opened);
    QCOMPARE(ticket.branches.size(), 2);
    const QList<SlaClock> clocks = w.clocks->clocks(wf, ticket, w.departmentsOf(u"amy"_qs), opened);
    // Billing works office hours, ground ops around the clock.
    const SlaStatus billing = SlaClocks::status(wf, clocks, SlaClock::Scope::Branch, u"billing"_qs);
    const SlaStatus ground = SlaClocks::status(wf, clocks, SlaClock::Scope::Branch, u"ground"_qs);
    QCOMPARE(billing.resolveDue, utc(2026, 11, 23, 3));
    QCOMPARE(ground.resolveDue, utc(2026, 11, 23, 5));
    QVERIFY(!SlaClocks::status(wf, clocks, SlaClock::Scope::Step).hasClocks);

    // At 12:00 HKT billing is at 150%: only its task moves; ground ops is not yet due.
    const TicketOutcome out = fire(ticket, utc(2026, 11, 23, 4));
    QCOMPARE(types(out.events), (QStringList {u"sla_breached"_qs, u"escalated"_qs}));
    QCOMPARE(recipients(out.notifications, u"sla_breached"_qs), QStringList {u"fiona"_qs});
    QCOMPARE(out.ticket.branch(u"billing"_qs)->queue, u"county-desk"_qs);
    QCOMPARE(out.ticket.branch(u"billing"_qs)->startedAt, utc(2026, 11, 23, 4));
    QCOMPARE(out.ticket.branch(u"ground"_qs)->queue, u"ground-ops"_qs);
    QVERIFY(out.ticket.queue.isEmpty());
    // The moved task's clock restarts on the county's calendar (gd-office, 12:00 CST is lunch:
    // from 14:00 CST, 2 h → 16:00 CST = 08:00Z).
    const QList<SlaClock> after
        = w.clocks->clocks(wf, out.ticket, w.departmentsOf(u"amy"_qs), utc(2026, 11, 23, 4));
    QCOMPARE(SlaClocks::status(wf, after, SlaClock::Scope::Branch, u"billing"_qs).resolveDue,
             utc(2026, 11, 23, 8));
}

QTEST_GUILESS_MAIN(TestEscalation)
#include "tst_escalation.moc"

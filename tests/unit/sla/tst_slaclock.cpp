// SPDX-License-Identifier: GPL-3.0-or-later
// SLA clocks as pure computations: which calendar, which target, when due, and the Sla JSON.

#include "slaworld.h"

#include "core/utctext.h"

#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

using namespace Baton;
using namespace Baton::Test;

namespace {

const SlaClock *find(const QList<SlaClock> &clocks, const QString &key)
{
    for (const SlaClock &clock : clocks)
        if (clock.key() == key)
            return &clock;
    return nullptr;
}

QList<SlaClock> clocksOf(const TicketState &ticket, const QDateTime &now)
{
    const SlaWorld &w = SlaWorld::instance();
    return w.clocks->clocks(w.workflow(ticket.workflow), ticket, w.departmentsOf(ticket.originator),
                            now);
}

} // namespace

class TestSlaClock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stepDueOnTheDepartmentCalendar_data();
    void stepDueOnTheDepartmentCalendar();
    void tierTargets_data();
    void tierTargets();
    void respondClockStopsAtFirstClaim();
    void ticketWideClockPausesAndResumes();
    void eachDepartmentMeasuredOnItsOwnCalendar();
    void calendarInheritedThroughParents();
    void slaJsonOfAStepRunningIntoBreach();
    void closedTicketHasNoClocks();
    void changedCalendarMovesTheDueInstant();
    void instantsFormattedAsQtDoes_data();
    void instantsFormattedAsQtDoes();
    void utcTextAsQtWritesIt();
};

void TestSlaClock::stepDueOnTheDepartmentCalendar_data()
{
    QTest::addColumn<QString>("workflow");
    QTest::addColumn<QString>("originator");
    QTest::addColumn<QDateTime>("openedAt");
    QTest::addColumn<QString>("clock");
    QTest::addColumn<QDateTime>("due");

    // hk-office (UTC+8): 09:00-12:30, 13:30-18:00. Opened 12:00 local: 30 min before lunch,
    // the rest after it.
    QTest::newRow("respond 1h from 12:00 runs into lunch: due 14:00 HKT")
        << u"support"_qs << u"amy"_qs << utc(2026, 11, 23, 4) << u"step:respond"_qs
        << utc(2026, 11, 23, 6);
    QTest::newRow("resolve 2h from 12:00 runs into lunch: due 15:00 HKT")
        << u"support"_qs << u"amy"_qs << utc(2026, 11, 23, 4) << u"step:resolve"_qs
        << utc(2026, 11, 23, 7);
    QTest::newRow("respond 1h from 17:00 Thu 24 Dec ends the same evening")
        << u"support"_qs << u"amy"_qs << utc(2026, 12, 24, 9) << u"step:respond"_qs
        << utc(2026, 12, 24, 10);
    // 1 h on Thursday, Christmas Day off, then Saturday 26 Dec is an extra working day.
    QTest::newRow("resolve 2h over the 25 Dec holiday ends on the extra working Saturday")
        << u"support"_qs << u"amy"_qs << utc(2026, 12, 24, 9) << u"step:resolve"_qs
        << utc(2026, 12, 26, 2);
    // berlin-office 09:00-17:00 Europe/Berlin; DST ends Sunday 25 Oct 2026. Opened Friday
    // 16:00 CEST (14:00Z): 1 h on Friday, 1 h on Monday from 09:00 CET (08:00Z).
    QTest::newRow("resolve 2h across the end of DST: Monday 10:00 CET")
        << u"berlin"_qs << u"berta"_qs << utc(2026, 10, 23, 14) << u"step:resolve"_qs
        << utc(2026, 10, 26, 9);
    QTest::newRow("ticket-wide 1d on the 24/7 calendar ignores office hours")
        << u"support"_qs << u"amy"_qs << utc(2026, 12, 24, 9) << u"ticket:resolve"_qs
        << utc(2026, 12, 25, 9);
}

void TestSlaClock::stepDueOnTheDepartmentCalendar()
{
    QFETCH(QString, workflow);
    QFETCH(QString, originator);
    QFETCH(QDateTime, openedAt);
    QFETCH(QString, clock);
    QFETCH(QDateTime, due);

    const TicketState ticket = openTicket(SlaWorld::instance(), workflow, originator, openedAt);
    QVERIFY(ticket.isOpen());
    const QList<SlaClock> clocks = clocksOf(ticket, openedAt);
    const SlaClock *found = find(clocks, clock);
    QVERIFY2(found, qPrintable(clock));
    QCOMPARE(found->due, due);
    QCOMPARE(found->elapsedSeconds, 0);
    QVERIFY(!found->breached);
}

void TestSlaClock::tierTargets_data()
{
    QTest::addColumn<QString>("tier");
    QTest::addColumn<QDateTime>("due");
    // Opened Monday 09:00 HKT (01:00Z); resolve {A: 30m, B: 1h, C: 4h, default: 2h}.
    QTest::newRow("tier A: 30 minutes") << u"A"_qs << utc(2026, 11, 23, 1, 30);
    QTest::newRow("tier B: 1 hour") << u"B"_qs << utc(2026, 11, 23, 2);
    QTest::newRow("tier C: 4 hours, across lunch") << u"C"_qs << utc(2026, 11, 23, 6);
    QTest::newRow("no tier: the default 2 hours") << QString() << utc(2026, 11, 23, 3);
}

void TestSlaClock::tierTargets()
{
    QFETCH(QString, tier);
    QFETCH(QDateTime, due);
    const QDateTime opened = utc(2026, 11, 23, 1);
    const TicketState ticket
        = openTicket(SlaWorld::instance(), u"support"_qs, u"amy"_qs, opened, tier);
    const SlaClock *resolve = find(clocksOf(ticket, opened), u"step:resolve"_qs);
    QVERIFY(resolve);
    QCOMPARE(resolve->due, due);
}

void TestSlaClock::respondClockStopsAtFirstClaim()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1); // 09:00 HKT
    const TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    const TicketMachine machine(w.workflow(u"support"_qs), *w.org);
    TicketOutcome claimed
        = machine.claim(ticket, w.user(u"ann"_qs), QString(), std::nullopt, opened.addSecs(1200));
    QVERIFY(claimed.ok());
    // Two hours later the respond clock is still met at 20 minutes; resolve is breached.
    const QDateTime later = opened.addSecs(2 * 3600 + 60);
    const QList<SlaClock> clocks = clocksOf(claimed.ticket, later);
    const SlaClock *respond = find(clocks, u"step:respond"_qs);
    QVERIFY(respond);
    QVERIFY(!respond->isOpen());
    QCOMPARE(respond->elapsedSeconds, 1200);
    QVERIFY(!respond->breached);
    const SlaStatus status
        = SlaClocks::status(w.workflow(u"support"_qs), clocks, SlaClock::Scope::Step);
    QVERIFY(!status.respondDue.isValid()); // met: no longer due
    QCOMPARE(status.resolveDue, utc(2026, 11, 23, 3));
    QCOMPARE(*status.remaining, -60);
    QVERIFY(status.breached);
}

void TestSlaClock::ticketWideClockPausesAndResumes()
{
    const SlaWorld &w = SlaWorld::instance();
    const Workflow &wf = w.workflow(u"support"_qs);
    const QDateTime opened = utc(2026, 11, 23, 1);
    TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    QCOMPARE(find(clocksOf(ticket, opened), u"ticket:resolve"_qs)->due, utc(2026, 11, 24, 1));

    // Two hours in, the ticket waits for the customer for five hours: the clock stands still.
    ticket = act(w, ticket, u"amy"_qs, u"wait"_qs, opened.addSecs(2 * 3600));
    QCOMPARE(ticket.state, u"waiting"_qs);
    const QDateTime during = opened.addSecs(6 * 3600);
    QList<SlaClock> clocks = clocksOf(ticket, during);
    const SlaClock *wide = find(clocks, u"ticket:resolve"_qs);
    QVERIFY(wide->paused);
    QCOMPARE(wide->elapsedSeconds, 2 * 3600);
    QCOMPARE(wide->remainingSeconds(), 22 * 3600);
    const SlaStatus pausedStatus = SlaClocks::status(wf, clocks, SlaClock::Scope::Ticket);
    QVERIFY(pausedStatus.paused);
    QCOMPARE(*pausedStatus.remaining, 22 * 3600);
    QVERIFY(!find(clocks, u"step:resolve"_qs)); // `sla: pause` has no step clocks

    ticket = act(w, ticket, u"amy"_qs, u"resume"_qs, opened.addSecs(7 * 3600));
    QCOMPARE(ticket.slaPauses.size(), 1);
    clocks = clocksOf(ticket, opened.addSecs(8 * 3600));
    wide = find(clocks, u"ticket:resolve"_qs);
    QVERIFY(!wide->paused);
    QCOMPARE(wide->pausedSeconds, 5 * 3600);
    QCOMPARE(wide->elapsedSeconds, 3 * 3600);
    QCOMPARE(wide->due, utc(2026, 11, 24, 6)); // 24 h + 5 h paused
    // The replayed event log gives the same clock.
    QCOMPARE(
        SlaClocks::status(wf, clocks, SlaClock::Scope::Ticket).toJson(),
        SlaClocks::status(wf, clocksOf(ticket, opened.addSecs(8 * 3600)), SlaClock::Scope::Ticket)
            .toJson());
}

void TestSlaClock::eachDepartmentMeasuredOnItsOwnCalendar()
{
    const SlaWorld &w = SlaWorld::instance();
    // Monday 18:30 HKT (10:30Z): the front desk is closed, ground ops (24/7) is not.
    const QDateTime opened = utc(2026, 11, 23, 10, 30);
    TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);
    ticket = act(w, ticket, u"sam"_qs, u"to_ops"_qs, opened);
    const SlaClock *ops = find(clocksOf(ticket, opened), u"step:resolve"_qs);
    QCOMPARE(ops->calendar, u"always"_qs);
    QCOMPARE(ops->due, utc(2026, 11, 23, 12, 30));

    // At 20:00 HKT ops hands over to billing (office hours): its clock starts there and waits
    // for Tuesday 09:00 HKT. The 1.5 h spent at ops do not count against billing.
    const QDateTime handed = utc(2026, 11, 23, 12);
    ticket = act(w, ticket, u"gus"_qs, u"to_billing"_qs, handed);
    const QList<SlaClock> clocks = clocksOf(ticket, handed);
    QCOMPARE(find(clocks, u"step:respond"_qs)->due, utc(2026, 11, 24, 1, 30));
    QCOMPARE(find(clocks, u"step:resolve"_qs)->due, utc(2026, 11, 24, 3));
    QCOMPARE(find(clocks, u"step:resolve"_qs)->calendar, u"hk-office"_qs);
}

void TestSlaClock::calendarInheritedThroughParents()
{
    const SlaWorld &w = SlaWorld::instance();
    // county -> city -> province (gd-office, UTC+8, 08:30-12:00 14:00-17:30).
    const QDateTime opened = utc(2026, 11, 23, 0, 30); // 08:30 CST
    const TicketState ticket = openTicket(w, u"telecom"_qs, u"olga"_qs, opened);
    const SlaClock *resolve = find(clocksOf(ticket, opened), u"step:resolve"_qs);
    QCOMPARE(resolve->calendar, u"gd-office"_qs);
    QCOMPARE(resolve->due, utc(2026, 11, 23, 6, 30)); // 14:30 CST
}

void TestSlaClock::slaJsonOfAStepRunningIntoBreach()
{
    const SlaWorld &w = SlaWorld::instance();
    const Workflow &wf = w.workflow(u"support"_qs);
    const QDateTime opened = utc(2026, 11, 23, 1); // 09:00 HKT; respond 1h, resolve 2h
    const TicketState ticket = openTicket(w, u"support"_qs, u"amy"_qs, opened);

    SlaStatus s
        = SlaClocks::status(wf, clocksOf(ticket, opened.addSecs(30 * 60)), SlaClock::Scope::Step);
    QCOMPARE(*s.remaining, 30 * 60); // nearest: respond
    QVERIFY(!s.atRisk);
    s = SlaClocks::status(wf, clocksOf(ticket, opened.addSecs(45 * 60)), SlaClock::Scope::Step);
    QVERIFY(s.atRisk); // 75% of respond
    QVERIFY(!s.breached);
    s = SlaClocks::status(wf, clocksOf(ticket, opened.addSecs(70 * 60)), SlaClock::Scope::Step);
    QVERIFY(s.breached);
    QCOMPARE(*s.remaining, -10 * 60); // overdue, in business seconds

    const QJsonObject json = s.toJson();
    QCOMPARE(json.value(u"respond_due").toString(), u"2026-11-23T02:00:00Z"_qs);
    QCOMPARE(json.value(u"resolve_due").toString(), u"2026-11-23T03:00:00Z"_qs);
    QCOMPARE(json.value(u"remaining").toInteger(), -600);
    QCOMPARE(json.value(u"paused").toBool(), false);
    QCOMPARE(json.value(u"breached").toBool(), true);
}

void TestSlaClock::closedTicketHasNoClocks()
{
    const SlaWorld &w = SlaWorld::instance();
    const QDateTime opened = utc(2026, 11, 23, 1);
    TicketState ticket = openTicket(w, u"berlin"_qs, u"berta"_qs, opened);
    ticket = act(w, ticket, u"berta"_qs, u"done"_qs, opened.addSecs(60));
    QVERIFY(!ticket.isOpen());
    QVERIFY(clocksOf(ticket, opened.addSecs(120)).isEmpty());
}

void TestSlaClock::changedCalendarMovesTheDueInstant()
{
    // The same ticket against an org.yaml whose hk-office starts at 10:00: its clocks move.
    QByteArray text = SlaWorld::orgText();
    text.replace("mon-fri: [\"09:00-12:30\", \"13:30-18:00\"]",
                 "mon-fri: [\"10:00-12:30\", \"13:30-18:00\"]");
    const std::unique_ptr<SlaWorld> changed = SlaWorld::load(text);
    const QDateTime opened = utc(2026, 11, 23, 1); // 09:00 HKT
    const TicketState ticket = openTicket(SlaWorld::instance(), u"support"_qs, u"amy"_qs, opened);
    const QList<SlaClock> before = clocksOf(ticket, opened);
    const QList<SlaClock> after = changed->clocks->clocks(
        changed->workflow(u"support"_qs), ticket, changed->departmentsOf(u"amy"_qs), opened);
    QCOMPARE(find(before, u"step:resolve"_qs)->due, utc(2026, 11, 23, 3));
    QCOMPARE(find(after, u"step:resolve"_qs)->due, utc(2026, 11, 23, 4));
}

void TestSlaClock::instantsFormattedAsQtDoes_data()
{
    QTest::addColumn<QDateTime>("instant");
    QTest::newRow("whole seconds") << utc(2026, 11, 23, 8, 30);
    QTest::newRow("milliseconds") << utc(2026, 11, 23, 8, 30).addMSecs(7);
    QTest::newRow("leap day") << utc(2028, 2, 29, 23, 59).addSecs(59);
    QTest::newRow("before the epoch") << utc(1969, 12, 31, 23, 59).addMSecs(59999);
    QTest::newRow("a non-UTC QDateTime is written in UTC")
        << QDateTime(QDate(2026, 7, 1), QTime(12, 0), QTimeZone("Asia/Hong_Kong"));
}

void TestSlaClock::instantsFormattedAsQtDoes()
{
    QFETCH(QDateTime, instant);
    const QDateTime utcInstant = instant.toUTC();
    QCOMPARE(formatUtcInstant(instant),
             utcInstant.time().msec() ? utcInstant.toString(Qt::ISODateWithMs)
                                      : utcInstant.toString(Qt::ISODate));
}

// The answers' and the access log's instants (core/utctext.h) against QDateTime's own text:
// around the epoch (negative milliseconds round down), leap days, century and year ends.
void TestSlaClock::utcTextAsQtWritesIt()
{
    const qint64 day = 86'400'000;
    QList<qint64> instants {0, -1, -999, -1000, -1001, 1, 999, 1000, day - 1, -day, -day - 1};
    for (const QDate &date :
         {QDate(2024, 2, 29), QDate(2000, 2, 29), QDate(1900, 3, 1), QDate(1969, 12, 31),
          QDate(2099, 12, 31), QDate(1, 1, 1), QDate(9999, 12, 31), QDate(1600, 2, 29)})
        for (qint64 ofDay : {qint64(0), qint64(1), day / 2 + 123, day - 1})
            instants << QDateTime(date, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch() + ofDay;
    for (qint64 ms = -400LL * 366 * day; ms < 400LL * 366 * day; ms += 7 * day + 3'601'001)
        instants << ms;
    for (qint64 ms : std::as_const(instants)) {
        const QDateTime instant = QDateTime::fromMSecsSinceEpoch(ms).toUTC(); // "Z", as logs had
        QCOMPARE(utcSecondsText(ms), instant.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss'Z'")));
        QCOMPARE(utcMillisecondsText(ms), instant.toString(Qt::ISODateWithMs).toLatin1());
    }
}

QTEST_GUILESS_MAIN(TestSlaClock)
#include "tst_slaclock.moc"

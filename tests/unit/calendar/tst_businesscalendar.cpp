// SPDX-License-Identifier: GPL-3.0-or-later
#include "calendar/businesscalendar.h"

#include <QHash>
#include <QTest>
#include <QTimeZone>

using namespace Baton;
using namespace Qt::StringLiterals;

// Every expected instant below was worked out by hand from the calendar and the zone's rules
// (Hong Kong UTC+8 all year; New York EST -5 / EDT -4, changes 2026-03-08 07:00Z and
// 2026-11-01 06:00Z; London GMT / BST +1, changes 2026-03-29 01:00Z and 2026-10-25 01:00Z) and
// is written as a literal UTC instant.

namespace {

constexpr int hm(int hours, int minutes)
{
    return hours * 3600 + minutes * 60;
}

QDateTime utc(const char *text)
{
    const QDateTime instant = QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs);
    if (!instant.isValid())
        qFatal("bad literal instant %s", text);
    return instant;
}

struct SpecBuilder
{
    CalendarSpec spec;
    SpecBuilder(const QString &name, const char *zone)
    {
        spec.name = name;
        spec.timezone = zone;
    }
    SpecBuilder &days(int first, int last, const QList<WorkingInterval> &intervals)
    {
        for (int day = first; day <= last; ++day)
            spec.week[day] = intervals;
        return *this;
    }
    SpecBuilder &holidays(const QList<QDate> &dates)
    {
        spec.holidays = dates;
        return *this;
    }
    SpecBuilder &workdays(const QList<QDate> &dates)
    {
        spec.workdays = dates;
        return *this;
    }
};

const QList<WorkingInterval> kOfficeHours = {{hm(9, 0), hm(12, 30)}, {hm(13, 30), hm(18, 0)}};
const QList<WorkingInterval> kAllDay = {{0, 86400}};

QList<CalendarSpec> testCalendars()
{
    return {
        SpecBuilder(u"hk-office"_s, "Asia/Hong_Kong")
            .days(0, 4, kOfficeHours)
            .holidays({QDate(2026, 12, 25), QDate(2026, 12, 26), QDate(2027, 1, 1)})
            .workdays({QDate(2026, 10, 10)}) // a Saturday
            .spec,
        SpecBuilder(u"ny-office"_s, "America/New_York").days(0, 4, {{hm(9, 0), hm(17, 0)}}).spec,
        SpecBuilder(u"ny-always"_s, "America/New_York").days(0, 6, kAllDay).spec,
        SpecBuilder(u"ny-night"_s, "America/New_York").days(6, 6, {{hm(1, 0), hm(4, 0)}}).spec,
        SpecBuilder(u"ny-gap"_s, "America/New_York").days(6, 6, {{hm(2, 30), hm(4, 0)}}).spec,
        SpecBuilder(u"ny-overlap"_s, "America/New_York").days(6, 6, {{hm(1, 15), hm(1, 45)}}).spec,
        SpecBuilder(u"ny-early"_s, "America/New_York").days(6, 6, {{0, hm(1, 30)}}).spec,
        SpecBuilder(u"london-office"_s, "Europe/London").days(0, 4, {{hm(9, 0), hm(17, 30)}}).spec,
        SpecBuilder(u"london-always"_s, "Europe/London").days(0, 6, kAllDay).spec,
        SpecBuilder(u"utc-always"_s, "UTC").days(0, 6, kAllDay).spec,
        SpecBuilder(u"night-shift"_s, "UTC")
            .days(4, 4, {{hm(18, 0), 86400}})
            .days(5, 5, {{0, hm(6, 0)}})
            .spec,
        SpecBuilder(u"part-week"_s, "UTC")
            .days(1, 1, {{hm(10, 0), hm(12, 0)}})
            .days(3, 3, {{hm(14, 0), hm(16, 0)}})
            .workdays({QDate(2026, 6, 6)}) // a Saturday, worked with Tuesday's hours
            .spec,
    };
}

const QString kRange = u"(1900-01-01T00:00:00Z to 2200-01-01T00:00:00Z)"_s;

} // namespace

class TestBusinessCalendar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void add_data();
    void add();
    void between_data();
    void between();
    void betweenInvertsAdd_data();
    void betweenInvertsAdd();
    void isWorkingAt_data();
    void isWorkingAt();
    void nextWorkingInstant_data();
    void nextWorkingInstant();
    void addError_data();
    void addError();
    void betweenError_data();
    void betweenError();
    void createError_data();
    void createError();
    void unsetCalendarReportsErrors();
    void offsetsAgreeWithQtForEveryDay_data();
    void offsetsAgreeWithQtForEveryDay();

private:
    const BusinessCalendar &calendar(const QString &name) const;
    QHash<QString, BusinessCalendar> m_calendars;
};

void TestBusinessCalendar::initTestCase()
{
    for (const CalendarSpec &spec : testCalendars()) {
        Result<BusinessCalendar> created = BusinessCalendar::create(spec);
        QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error()));
        m_calendars.insert(spec.name, created.value());
    }
}

const BusinessCalendar &TestBusinessCalendar::calendar(const QString &name) const
{
    const auto it = m_calendars.constFind(name);
    if (it == m_calendars.constEnd())
        qFatal("no test calendar %s", qPrintable(name));
    return *it;
}

void TestBusinessCalendar::add_data()
{
    QTest::addColumn<QString>("calendar");
    QTest::addColumn<QDateTime>("start");
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QDateTime>("due");

    // Hong Kong office: mon-fri 09:00-12:30 and 13:30-18:00 local = 01:00-04:30Z, 05:30-10:00Z.
    QTest::newRow("hk: a short target within the morning")
        << u"hk-office"_s << utc("2026-06-08T01:00:00Z") << 7200LL << utc("2026-06-08T03:00:00Z");
    QTest::newRow("hk: a target running into lunch resumes after it")
        << u"hk-office"_s << utc("2026-06-08T03:30:00Z") << 7200LL << utc("2026-06-08T06:30:00Z");
    QTest::newRow("hk: a target ending as lunch begins is due at 12:30, not 13:30")
        << u"hk-office"_s << utc("2026-06-08T01:00:00Z") << 12600LL << utc("2026-06-08T04:30:00Z");
    QTest::newRow("hk: a start during lunch waits for the afternoon")
        << u"hk-office"_s << utc("2026-06-08T04:45:00Z") << 3600LL << utc("2026-06-08T06:30:00Z");
    QTest::newRow("hk: a start before opening counts from 09:00")
        << u"hk-office"_s << utc("2026-06-07T23:00:00Z") << 1800LL << utc("2026-06-08T01:30:00Z");
    QTest::newRow("hk: a start after closing runs on the next morning")
        << u"hk-office"_s << utc("2026-06-08T11:00:00Z") << 3600LL << utc("2026-06-09T02:00:00Z");
    QTest::newRow("hk: friday evening runs on on monday")
        << u"hk-office"_s << utc("2026-06-05T09:00:00Z") << 7200LL << utc("2026-06-08T02:00:00Z");
    QTest::newRow("hk: a start on sunday counts from monday 09:00")
        << u"hk-office"_s << utc("2026-06-07T02:00:00Z") << 3600LL << utc("2026-06-08T02:00:00Z");
    QTest::newRow("hk: a saturday made a workday is worked with mon-fri hours")
        << u"hk-office"_s << utc("2026-10-09T09:00:00Z") << 18000LL << utc("2026-10-10T06:00:00Z");
    QTest::newRow("hk: a holiday is skipped")
        << u"hk-office"_s << utc("2026-12-24T09:00:00Z") << 7200LL << utc("2026-12-28T02:00:00Z");
    QTest::newRow("hk: six working days and an hour across the year end skip both holidays")
        << u"hk-office"_s << utc("2026-12-24T01:00:00Z") << 176400LL << utc("2027-01-05T02:00:00Z");
    QTest::newRow("hk: thirty working days of eight hours")
        << u"hk-office"_s << utc("2026-06-01T01:00:00Z") << 864000LL << utc("2026-07-10T10:00:00Z");
    QTest::newRow("hk: 30d is 720 business hours, ninety working days")
        << u"hk-office"_s << utc("2026-06-01T01:00:00Z") << 2592000LL
        << utc("2026-10-02T10:00:00Z");
    QTest::newRow("hk: zero at a working instant is the start itself")
        << u"hk-office"_s << utc("2026-06-08T02:00:00Z") << 0LL << utc("2026-06-08T02:00:00Z");
    QTest::newRow("hk: zero outside working time is the next working instant")
        << u"hk-office"_s << utc("2026-06-06T02:00:00Z") << 0LL << utc("2026-06-08T01:00:00Z");
    QTest::newRow("hk: zero at 12:30 is 13:30")
        << u"hk-office"_s << utc("2026-06-08T04:30:00Z") << 0LL << utc("2026-06-08T05:30:00Z");
    QTest::newRow("hk: milliseconds of the start are kept")
        << u"hk-office"_s << utc("2026-06-08T02:00:00.250Z") << 1LL
        << utc("2026-06-08T02:00:01.250Z");
    QTest::newRow("hk: a start given with another offset is the same instant")
        << u"hk-office"_s << utc("2026-06-08T11:30:00-04:00") << 3600LL
        << utc("2026-06-09T02:00:00Z");

    // New York office: mon-fri 09:00-17:00 local.
    QTest::newRow("ny: friday to monday across the march change")
        << u"ny-office"_s << utc("2026-03-06T21:00:00Z") << 7200LL << utc("2026-03-09T14:00:00Z");
    QTest::newRow("ny: friday to monday across the november change")
        << u"ny-office"_s << utc("2026-10-30T20:00:00Z") << 7200LL << utc("2026-11-02T15:00:00Z");
    QTest::newRow("ny: the rule goes on after the tz file's last transition (march 2050)")
        << u"ny-office"_s << utc("2050-03-11T21:00:00Z") << 7200LL << utc("2050-03-14T14:00:00Z");
    QTest::newRow("ny 24/7: an hour across the spring-forward gap is an hour")
        << u"ny-always"_s << utc("2026-03-08T06:30:00Z") << 3600LL << utc("2026-03-08T07:30:00Z");
    QTest::newRow("ny 24/7: an hour across the fall-back overlap is an hour")
        << u"ny-always"_s << utc("2026-11-01T05:30:00Z") << 3600LL << utc("2026-11-01T06:30:00Z");
    // Sunday 01:00-04:00: two real hours on 2026-03-08, four on 2026-11-01.
    QTest::newRow("ny night: the march night has only two working hours")
        << u"ny-night"_s << utc("2026-03-08T06:00:00Z") << 7201LL << utc("2026-03-15T05:00:01Z");
    QTest::newRow("ny night: two hours fill the march night")
        << u"ny-night"_s << utc("2026-03-08T06:00:00Z") << 7200LL << utc("2026-03-08T08:00:00Z");
    QTest::newRow("ny night: the november night has four working hours")
        << u"ny-night"_s << utc("2026-11-01T05:00:00Z") << 14400LL << utc("2026-11-01T09:00:00Z");
    QTest::newRow("ny night: past the november night runs on the next sunday")
        << u"ny-night"_s << utc("2026-11-01T05:00:00Z") << 14401LL << utc("2026-11-08T06:00:01Z");
    QTest::newRow("ny: an interval starting in the march gap starts when the gap ends")
        << u"ny-gap"_s << utc("2026-03-08T05:00:00Z") << 1800LL << utc("2026-03-08T07:30:00Z");
    QTest::newRow("ny: an interval inside the november overlap is worked twice")
        << u"ny-overlap"_s << utc("2026-11-01T05:30:00Z") << 1200LL << utc("2026-11-01T06:20:00Z");

    // London office: mon-fri 09:00-17:30 local.
    QTest::newRow("london: friday to monday across the march change")
        << u"london-office"_s << utc("2026-03-27T17:00:00Z") << 3600LL
        << utc("2026-03-30T08:30:00Z");
    QTest::newRow("london: friday to monday across the october change")
        << u"london-office"_s << utc("2026-10-23T16:00:00Z") << 3600LL
        << utc("2026-10-26T09:30:00Z");

    QTest::newRow("24/7: thirty days are thirty calendar days")
        << u"utc-always"_s << utc("2026-06-08T10:00:00Z") << 2592000LL
        << utc("2026-07-08T10:00:00Z");
    QTest::newRow("24/7: consecutive days join at midnight")
        << u"utc-always"_s << utc("2026-06-08T23:59:59Z") << 2LL << utc("2026-06-09T00:00:01Z");
    QTest::newRow("24/7: zero is the start itself")
        << u"utc-always"_s << utc("2026-06-08T23:59:59Z") << 0LL << utc("2026-06-08T23:59:59Z");

    // Night shift: fri 18:00-24:00, sat 00:00-06:00 UTC.
    QTest::newRow("24:00: a shift ending at 24:00 goes on at 00:00 the next day")
        << u"night-shift"_s << utc("2026-06-05T23:00:00Z") << 7200LL << utc("2026-06-06T01:00:00Z");
    QTest::newRow("24:00: twelve hours fill the shift to saturday 06:00")
        << u"night-shift"_s << utc("2026-06-05T18:00:00Z") << 43200LL
        << utc("2026-06-06T06:00:00Z");
    QTest::newRow("24:00: friday 24:00 is saturday 00:00, a working instant")
        << u"night-shift"_s << utc("2026-06-06T00:00:00Z") << 0LL << utc("2026-06-06T00:00:00Z");

    QTest::newRow("an extra workday takes the hours of the first of mon..fri that has any")
        << u"part-week"_s << utc("2026-06-06T00:00:00Z") << 3600LL << utc("2026-06-06T11:00:00Z");
}

void TestBusinessCalendar::add()
{
    QFETCH(QString, calendar);
    QFETCH(QDateTime, start);
    QFETCH(qint64, seconds);
    QFETCH(QDateTime, due);
    const Result<QDateTime> result = this->calendar(calendar).addBusinessSeconds(start, seconds);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error()));
    QCOMPARE(result->toString(Qt::ISODateWithMs), due.toUTC().toString(Qt::ISODateWithMs));
    QCOMPARE(result->timeSpec(), Qt::UTC);
}

void TestBusinessCalendar::between_data()
{
    QTest::addColumn<QString>("calendar");
    QTest::addColumn<QDateTime>("from");
    QTest::addColumn<QDateTime>("to");
    QTest::addColumn<qint64>("seconds");

    QTest::newRow("hk: a working day is eight hours")
        << u"hk-office"_s << utc("2026-06-08T02:00:00Z") << utc("2026-06-09T02:00:00Z") << 28800LL;
    QTest::newRow("hk: lunch is not counted")
        << u"hk-office"_s << utc("2026-06-08T04:00:00Z") << utc("2026-06-08T06:00:00Z") << 3600LL;
    QTest::newRow("hk: a weekend counts nothing")
        << u"hk-office"_s << utc("2026-06-06T00:00:00Z") << utc("2026-06-07T16:00:00Z") << 0LL;
    QTest::newRow("hk: christmas to new year skips the holidays")
        << u"hk-office"_s << utc("2026-12-24T01:00:00Z") << utc("2027-01-05T02:00:00Z") << 176400LL;
    QTest::newRow("hk: an empty range is zero")
        << u"hk-office"_s << utc("2026-06-08T02:00:00Z") << utc("2026-06-08T02:00:00Z") << 0LL;
    QTest::newRow("hk: milliseconds round down")
        << u"hk-office"_s << utc("2026-06-08T02:00:00Z") << utc("2026-06-08T02:00:01.999Z") << 1LL;
    QTest::newRow("ny 24/7: the spring-forward day has 23 hours")
        << u"ny-always"_s << utc("2026-03-08T05:00:00Z") << utc("2026-03-09T04:00:00Z") << 82800LL;
    QTest::newRow("ny 24/7: the fall-back day has 25 hours")
        << u"ny-always"_s << utc("2026-11-01T04:00:00Z") << utc("2026-11-02T05:00:00Z") << 90000LL;
    QTest::newRow("ny 24/7: the spring-forward day of 2050 has 23 hours")
        << u"ny-always"_s << utc("2050-03-13T05:00:00Z") << utc("2050-03-14T04:00:00Z") << 82800LL;
    QTest::newRow("ny 24/7: the spring-forward day of 2038 has 23 hours (Qt 6.4 errs here)")
        << u"ny-always"_s << utc("2038-03-14T05:00:00Z") << utc("2038-03-15T04:00:00Z") << 82800LL;
    QTest::newRow("ny night: 01:00-04:00 is two hours on the march sunday")
        << u"ny-night"_s << utc("2026-03-08T00:00:00Z") << utc("2026-03-08T12:00:00Z") << 7200LL;
    QTest::newRow("ny night: 01:00-04:00 is four hours on the november sunday")
        << u"ny-night"_s << utc("2026-11-01T00:00:00Z") << utc("2026-11-01T12:00:00Z") << 14400LL;
    QTest::newRow("ny gap: 02:30-04:00 is one hour on the march sunday")
        << u"ny-gap"_s << utc("2026-03-08T00:00:00Z") << utc("2026-03-08T12:00:00Z") << 3600LL;
    QTest::newRow("ny gap: 02:30-04:00 is ninety minutes on an ordinary sunday")
        << u"ny-gap"_s << utc("2026-03-15T00:00:00Z") << utc("2026-03-15T12:00:00Z") << 5400LL;
    QTest::newRow("ny overlap: 01:15-01:45 is worked twice on the november sunday")
        << u"ny-overlap"_s << utc("2026-11-01T00:00:00Z") << utc("2026-11-01T12:00:00Z") << 3600LL;
    QTest::newRow("ny early: 00:00-01:30 ends on each pass through the november overlap")
        << u"ny-early"_s << utc("2026-11-01T00:00:00Z") << utc("2026-11-01T12:00:00Z") << 7200LL;
    QTest::newRow("london 24/7: the october change day has 25 hours")
        << u"london-always"_s << utc("2026-10-24T23:00:00Z") << utc("2026-10-26T00:00:00Z")
        << 90000LL;
    QTest::newRow("london: a summer week is five days of eight and a half hours")
        << u"london-office"_s << utc("2026-07-06T00:00:00Z") << utc("2026-07-11T00:00:00Z")
        << 153000LL;
    QTest::newRow("24:00: the night shift is twelve hours")
        << u"night-shift"_s << utc("2026-06-05T00:00:00Z") << utc("2026-06-07T00:00:00Z")
        << 43200LL;
    QTest::newRow("24/7: four days are four days") << u"utc-always"_s << utc("2026-06-05T12:00:00Z")
                                                   << utc("2026-06-09T12:00:00Z") << 345600LL;
}

void TestBusinessCalendar::between()
{
    QFETCH(QString, calendar);
    QFETCH(QDateTime, from);
    QFETCH(QDateTime, to);
    QFETCH(qint64, seconds);
    const Result<qint64> result = this->calendar(calendar).businessSecondsBetween(from, to);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error()));
    QCOMPARE(result.value(), seconds);
}

void TestBusinessCalendar::betweenInvertsAdd_data()
{
    QTest::addColumn<QString>("calendar");
    QTest::addColumn<QDateTime>("start");
    QTest::addColumn<qint64>("seconds");
    const QList<std::pair<const char *, const char *>> starts = {
        {"working", "2026-06-08T02:17:31Z"},        {"lunch", "2026-06-08T04:45:00Z"},
        {"weekend", "2026-06-06T12:00:00Z"},        {"christmas eve", "2026-12-24T09:59:59Z"},
        {"march change", "2026-03-08T06:59:59.5Z"}, {"november change", "2026-11-01T05:59:00Z"},
    };
    const QList<qint64> durations = {0, 1, 900, 7200, 28800, 864000, 2592000};
    for (const QString &name :
         {u"hk-office"_s, u"ny-office"_s, u"ny-overlap"_s, u"london-office"_s, u"night-shift"_s}) {
        for (const auto &[label, instant] : starts) {
            for (qint64 seconds : durations) {
                QTest::addRow("%s from %s plus %lld s", qPrintable(name), label, seconds)
                    << name << utc(instant) << seconds;
            }
        }
    }
}

void TestBusinessCalendar::betweenInvertsAdd()
{
    QFETCH(QString, calendar);
    QFETCH(QDateTime, start);
    QFETCH(qint64, seconds);
    const BusinessCalendar &cal = this->calendar(calendar);
    const Result<QDateTime> due = cal.addBusinessSeconds(start, seconds);
    QVERIFY(due.ok());
    const Result<qint64> elapsed = cal.businessSecondsBetween(start, due.value());
    QVERIFY(elapsed.ok());
    QCOMPARE(elapsed.value(), seconds);
    // One millisecond less is one whole second less: the due instant is the earliest one.
    if (seconds > 0) {
        const Result<qint64> before = cal.businessSecondsBetween(start, due->addMSecs(-1));
        QVERIFY(before.ok());
        QCOMPARE(before.value(), seconds - 1);
    }
}

void TestBusinessCalendar::isWorkingAt_data()
{
    QTest::addColumn<QString>("calendar");
    QTest::addColumn<QDateTime>("instant");
    QTest::addColumn<bool>("working");
    QTest::newRow("hk: one second before lunch")
        << u"hk-office"_s << utc("2026-06-08T04:29:59Z") << true;
    QTest::newRow("hk: 12:30 is lunch") << u"hk-office"_s << utc("2026-06-08T04:30:00Z") << false;
    QTest::newRow("hk: 13:30 is working") << u"hk-office"_s << utc("2026-06-08T05:30:00Z") << true;
    QTest::newRow("hk: a millisecond before 09:00")
        << u"hk-office"_s << utc("2026-06-08T00:59:59.999Z") << false;
    QTest::newRow("hk: 09:00") << u"hk-office"_s << utc("2026-06-08T01:00:00Z") << true;
    QTest::newRow("hk: a holiday morning")
        << u"hk-office"_s << utc("2026-12-25T02:00:00Z") << false;
    QTest::newRow("hk: the saturday made a workday")
        << u"hk-office"_s << utc("2026-10-10T02:00:00Z") << true;
    QTest::newRow("hk: an ordinary saturday")
        << u"hk-office"_s << utc("2026-10-17T02:00:00Z") << false;
    QTest::newRow("london: 09:00 BST is 08:00Z")
        << u"london-office"_s << utc("2026-07-01T08:00:00Z") << true;
    QTest::newRow("london: 08:59:59 BST")
        << u"london-office"_s << utc("2026-07-01T07:59:59Z") << false;
    QTest::newRow("london: 09:00 GMT is 09:00Z")
        << u"london-office"_s << utc("2026-12-01T09:00:00Z") << true;
    QTest::newRow("london: 08:59:59 GMT")
        << u"london-office"_s << utc("2026-12-01T08:59:59Z") << false;
    QTest::newRow("ny gap: when the gap ends")
        << u"ny-gap"_s << utc("2026-03-08T07:00:00Z") << true;
    QTest::newRow("ny gap: just before the gap ends")
        << u"ny-gap"_s << utc("2026-03-08T06:59:59Z") << false;
    QTest::newRow("ny overlap: first 01:30")
        << u"ny-overlap"_s << utc("2026-11-01T05:30:00Z") << true;
    QTest::newRow("ny overlap: between the two passes")
        << u"ny-overlap"_s << utc("2026-11-01T06:00:00Z") << false;
    QTest::newRow("ny overlap: second 01:30")
        << u"ny-overlap"_s << utc("2026-11-01T06:30:00Z") << true;
    QTest::newRow("24:00: the last millisecond of friday")
        << u"night-shift"_s << utc("2026-06-05T23:59:59.999Z") << true;
    QTest::newRow("24:00: saturday midnight")
        << u"night-shift"_s << utc("2026-06-06T00:00:00Z") << true;
    QTest::newRow("24:00: saturday 06:00 is off")
        << u"night-shift"_s << utc("2026-06-06T06:00:00Z") << false;
    QTest::newRow("an invalid instant is not working") << u"utc-always"_s << QDateTime() << false;
    QTest::newRow("an instant past the supported range is not working")
        << u"utc-always"_s << utc("2300-01-01T00:00:00Z") << false;
}

void TestBusinessCalendar::isWorkingAt()
{
    QFETCH(QString, calendar);
    QFETCH(QDateTime, instant);
    QFETCH(bool, working);
    QCOMPARE(this->calendar(calendar).isWorkingAt(instant), working);
}

void TestBusinessCalendar::nextWorkingInstant_data()
{
    QTest::addColumn<QString>("calendar");
    QTest::addColumn<QDateTime>("instant");
    QTest::addColumn<QDateTime>("next");
    QTest::newRow("hk: saturday to monday 09:00")
        << u"hk-office"_s << utc("2026-06-06T02:00:00Z") << utc("2026-06-08T01:00:00Z");
    QTest::newRow("hk: a working instant is its own next")
        << u"hk-office"_s << utc("2026-06-08T02:00:00.5Z") << utc("2026-06-08T02:00:00.5Z");
    QTest::newRow("hk: christmas eve evening to monday after boxing day")
        << u"hk-office"_s << utc("2026-12-24T10:00:00Z") << utc("2026-12-28T01:00:00Z");
    QTest::newRow("ny gap: the gap's end")
        << u"ny-gap"_s << utc("2026-03-08T00:00:00Z") << utc("2026-03-08T07:00:00Z");
    QTest::newRow("ny overlap: the second pass")
        << u"ny-overlap"_s << utc("2026-11-01T05:45:00Z") << utc("2026-11-01T06:15:00Z");
    QTest::newRow("an invalid instant has none") << u"utc-always"_s << QDateTime() << QDateTime();
    QTest::newRow("an instant past the range has none")
        << u"utc-always"_s << utc("2200-01-01T00:00:00Z") << QDateTime();
}

void TestBusinessCalendar::nextWorkingInstant()
{
    QFETCH(QString, calendar);
    QFETCH(QDateTime, instant);
    QFETCH(QDateTime, next);
    const QDateTime result = this->calendar(calendar).nextWorkingInstant(instant);
    QCOMPARE(result.isValid(), next.isValid());
    if (next.isValid())
        QCOMPARE(result.toString(Qt::ISODateWithMs), next.toUTC().toString(Qt::ISODateWithMs));
}

void TestBusinessCalendar::addError_data()
{
    QTest::addColumn<QDateTime>("start");
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("message");
    QTest::newRow("negative seconds")
        << utc("2026-06-08T02:00:00Z") << -1LL
        << u"negative business duration of -1 s; a target must be zero or more seconds"_s;
    QTest::newRow("more seconds than there is time left")
        << utc("2026-06-08T02:00:00Z") << 1000000000000000LL
        << QString(u"1000000000000000 business seconds after 2026-06-08T02:00:00Z end beyond "
                   u"the range a business calendar supports "_s
                   + kRange);
    QTest::newRow("more working time than is left before the end of the range")
        << utc("2199-12-30T00:00:00Z") << 86400LL
        << QString(u"86400 business seconds after 2199-12-30T00:00:00Z end beyond the range a "
                   u"business calendar supports "_s
                   + kRange);
    QTest::newRow("an invalid start")
        << QDateTime() << 60LL << u"the start is not a valid date and time"_s;
    QTest::newRow("a start after the range")
        << utc("2300-01-01T00:00:00Z") << 60LL
        << QString(u"the start 2300-01-01T00:00:00Z is outside the range a business calendar "
                   u"supports "_s
                   + kRange);
    QTest::newRow("a start before the range")
        << utc("1899-12-31T23:59:59Z") << 60LL
        << QString(u"the start 1899-12-31T23:59:59Z is outside the range a business calendar "
                   u"supports "_s
                   + kRange);
}

void TestBusinessCalendar::addError()
{
    QFETCH(QDateTime, start);
    QFETCH(qint64, seconds);
    QFETCH(QString, message);
    const Result<QDateTime> result = calendar(u"hk-office"_s).addBusinessSeconds(start, seconds);
    QVERIFY(!result.ok());
    QCOMPARE(result.error(), message);
}

void TestBusinessCalendar::betweenError_data()
{
    QTest::addColumn<QDateTime>("from");
    QTest::addColumn<QDateTime>("to");
    QTest::addColumn<QString>("message");
    QTest::newRow("the end before the start")
        << utc("2026-06-09T00:00:00Z") << utc("2026-06-08T00:00:00Z")
        << u"the end 2026-06-08T00:00:00Z is before the start 2026-06-09T00:00:00Z"_s;
    QTest::newRow("an invalid end")
        << utc("2026-06-09T00:00:00Z") << QDateTime() << u"the end is not a valid date and time"_s;
    QTest::newRow("an end past the range")
        << utc("2026-06-09T00:00:00Z") << utc("2200-01-01T00:00:00Z")
        << QString(u"the end 2200-01-01T00:00:00Z is outside the range a business calendar "
                   u"supports "_s
                   + kRange);
}

void TestBusinessCalendar::betweenError()
{
    QFETCH(QDateTime, from);
    QFETCH(QDateTime, to);
    QFETCH(QString, message);
    const Result<qint64> result = calendar(u"hk-office"_s).businessSecondsBetween(from, to);
    QVERIFY(!result.ok());
    QCOMPARE(result.error(), message);
}

void TestBusinessCalendar::createError_data()
{
    QTest::addColumn<CalendarSpec>("spec");
    QTest::addColumn<QString>("message");
    const QString zoneExpected
        = u"; expected an IANA name such as Asia/Hong_Kong, Europe/London or UTC"_s;
    QTest::newRow("an unknown time zone")
        << SpecBuilder(u"hk"_s, "Asia/HongKong").days(0, 4, kOfficeHours).spec
        << QString(u"calendar \"hk\": unknown time zone \"Asia/HongKong\""_s + zoneExpected);
    QTest::newRow("an unknown time zone in an unnamed calendar")
        << SpecBuilder(QString(), "Nowhere/City").days(0, 4, kOfficeHours).spec
        << QString(u"unknown time zone \"Nowhere/City\""_s + zoneExpected);
    QTest::newRow("no working time at all")
        << SpecBuilder(u"closed"_s, "UTC").holidays({QDate(2026, 12, 25)}).spec
        << u"calendar \"closed\": no working time: every day of the week is without hours"_s;
    QTest::newRow("overlapping intervals")
        << SpecBuilder(u"hk"_s, "Asia/Hong_Kong")
               .days(0, 4, kOfficeHours)
               .days(2, 2, {{hm(12, 0), hm(18, 0)}, {hm(9, 0), hm(12, 30)}})
               .spec
        << u"calendar \"hk\": wed: business hours \"09:00-12:30\" and \"12:00-18:00\" overlap"_s;
    QTest::newRow("an inverted interval")
        << SpecBuilder(u"hk"_s, "Asia/Hong_Kong").days(0, 0, {{hm(18, 0), hm(9, 0)}}).spec
        << u"calendar \"hk\": mon: inverted business hours \"18:00-09:00\": the start must be "
           u"before the end"_s;
    QTest::newRow("an interval past 24:00")
        << SpecBuilder(u"hk"_s, "Asia/Hong_Kong").days(6, 6, {{hm(9, 0), hm(25, 0)}}).spec
        << u"calendar \"hk\": sun: business hours from second 32400 to second 90000 of the "
           u"day lie outside 00:00-24:00"_s;
    QTest::newRow("extra working days without mon-fri hours")
        << SpecBuilder(u"weekend"_s, "UTC")
               .days(5, 6, {{hm(10, 0), hm(16, 0)}})
               .workdays({QDate(2026, 6, 10)})
               .spec
        << u"calendar \"weekend\": extra working days are listed, but no day from mon to fri "
           u"has business hours to work them by"_s;
    QTest::newRow("a date both holiday and extra working day")
        << SpecBuilder(u"hk"_s, "Asia/Hong_Kong")
               .days(0, 4, kOfficeHours)
               .holidays({QDate(2026, 12, 25)})
               .workdays({QDate(2026, 12, 25)})
               .spec
        << u"calendar \"hk\": 2026-12-25 is listed both as a holiday and as an extra working "
           u"day"_s;
}

void TestBusinessCalendar::createError()
{
    QFETCH(CalendarSpec, spec);
    QFETCH(QString, message);
    const Result<BusinessCalendar> created = BusinessCalendar::create(spec);
    QVERIFY(!created.ok());
    QCOMPARE(created.error(), message);
}

void TestBusinessCalendar::unsetCalendarReportsErrors()
{
    const BusinessCalendar unset;
    QVERIFY(!unset.isValid());
    const Result<QDateTime> due = unset.addBusinessSeconds(utc("2026-06-08T02:00:00Z"), 60);
    QVERIFY(!due.ok());
    QCOMPARE(due.error(), u"the business calendar is not set up"_s);
    QVERIFY(!unset.isWorkingAt(utc("2026-06-08T02:00:00Z")));
    QVERIFY(!unset.nextWorkingInstant(utc("2026-06-08T02:00:00Z")).isValid());
}

// The offset table is built once from QTimeZone's transitions (with a workaround for Qt 6.4);
// Qt's UTC-to-local conversion is the independent reference here: for a calendar that works
// 12:00-12:01 daily, the next working instant after any morning must read 12:00 local on that
// day. (Qt 6.4's local-to-UTC conversion is no reference: it is an hour off on 2038-03-14 in
// New York, the first change it derives from the zone's rule rather than the tz file's list.)
void TestBusinessCalendar::offsetsAgreeWithQtForEveryDay_data()
{
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QDate>("first");
    QTest::addColumn<QDate>("last");
    for (const char *zone : {"America/New_York", "Europe/London", "Australia/Lord_Howe",
                             "America/Sao_Paulo", "Europe/Dublin", "Asia/Hong_Kong"}) {
        QTest::addRow("%s, 2015 to 2044", zone)
            << QByteArray(zone) << QDate(2015, 1, 1) << QDate(2044, 12, 31);
        QTest::addRow("%s, 2190 to 2199", zone)
            << QByteArray(zone) << QDate(2190, 1, 1) << QDate(2199, 12, 31);
    }
}

void TestBusinessCalendar::offsetsAgreeWithQtForEveryDay()
{
    QFETCH(QByteArray, zone);
    QFETCH(QDate, first);
    QFETCH(QDate, last);
    CalendarSpec spec
        = SpecBuilder(u"noon"_s, zone.constData()).days(0, 6, {{hm(12, 0), hm(12, 1)}}).spec;
    const Result<BusinessCalendar> noon = BusinessCalendar::create(spec);
    QVERIFY(noon.ok());
    const QTimeZone timeZone(zone);
    for (QDate date = first; date <= last; date = date.addDays(1)) {
        const QDateTime morning = QDateTime(date, QTime(12, 0), timeZone).addSecs(-6 * 3600);
        const QDateTime local = noon->nextWorkingInstant(morning).toTimeZone(timeZone);
        if (local.date() != date || local.time() != QTime(12, 0)) {
            QFAIL(qPrintable(u"the first working instant after "_s + morning.toString(Qt::ISODate)
                             + u" reads "_s + local.toString(Qt::ISODate) + u" in "_s
                             + QString::fromLatin1(zone)));
        }
    }
}

QTEST_GUILESS_MAIN(TestBusinessCalendar)
#include "tst_businesscalendar.moc"

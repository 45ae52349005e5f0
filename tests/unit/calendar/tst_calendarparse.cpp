// SPDX-License-Identifier: GPL-3.0-or-later
#include "calendar/calendarparse.h"

#include <QTest>

using namespace Baton;
using namespace Qt::StringLiterals;

class TestCalendarParse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void workingInterval_data();
    void workingInterval();
    void workingIntervalError_data();
    void workingIntervalError();
    void dayKey_data();
    void dayKey();
    void dayKeyError_data();
    void dayKeyError();
    void dayIntervals_data();
    void dayIntervals();
    void isoDate_data();
    void isoDate();
    void isoDateError_data();
    void isoDateError();
    void timeZone_data();
    void timeZone();
    void timeZoneMessage_data();
    void timeZoneMessage();
    void formatTime_data();
    void formatTime();
};

void TestCalendarParse::workingInterval_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("start");
    QTest::addColumn<int>("end");
    QTest::newRow("a morning") << u"09:00-12:30"_s << 32400 << 45000;
    QTest::newRow("an afternoon") << u"13:30-18:00"_s << 48600 << 64800;
    QTest::newRow("a whole day ends at 24:00") << u"00:00-24:00"_s << 0 << 86400;
    QTest::newRow("the last minute of the day") << u"23:59-24:00"_s << 86340 << 86400;
    QTest::newRow("one minute") << u"00:00-00:01"_s << 0 << 60;
}

void TestCalendarParse::workingInterval()
{
    QFETCH(QString, text);
    QFETCH(int, start);
    QFETCH(int, end);
    const Result<WorkingInterval> interval = parseWorkingInterval(text);
    QVERIFY2(interval.ok(), qPrintable(interval.ok() ? QString() : interval.error()));
    QCOMPARE(interval->startSecond, start);
    QCOMPARE(interval->endSecond, end);
}

void TestCalendarParse::workingIntervalError_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString shape = u" is not a business-hours interval; expected HH:MM-HH:MM, e.g. "
                          u"\"09:00-12:30\""_s;
    QTest::newRow("a one-digit hour") << u"9:00-12:30"_s << QString(u"\"9:00-12:30\""_s + shape);
    QTest::newRow("spaces around the dash")
        << u"09:00 - 12:30"_s << QString(u"\"09:00 - 12:30\""_s + shape);
    QTest::newRow("empty") << QString() << QString(u"\"\""_s + shape);
    QTest::newRow("a single time") << u"09:00"_s << QString(u"\"09:00\""_s + shape);
    QTest::newRow("seconds") << u"09:00:00-12:00:00"_s
                             << QString(u"\"09:00:00-12:00:00\""_s + shape);
    QTest::newRow("an en dash") << u"09:00\u201312:30"_s
                                << QString(u"\"09:00\u201312:30\""_s + shape);
    QTest::newRow("non-ASCII digits")
        << u"\u0660\u0669:00-12:30"_s << QString(u"\"\u0660\u0669:00-12:30\""_s + shape);
    QTest::newRow("hour 25")
        << u"25:00-26:00"_s
        << u"\"25:00\" in \"25:00-26:00\" is not a time of day; expected HH:MM from 00:00 "
           u"to 24:00"_s;
    QTest::newRow("minute 60")
        << u"09:60-10:00"_s
        << u"\"09:60\" in \"09:60-10:00\" is not a time of day; expected HH:MM from 00:00 "
           u"to 24:00"_s;
    QTest::newRow("past 24:00")
        << u"22:00-24:30"_s
        << u"\"24:30\" in \"22:00-24:30\" is not a time of day; expected HH:MM from 00:00 "
           u"to 24:00"_s;
    QTest::newRow("24:00 as a start")
        << u"24:00-24:00"_s
        << u"business hours \"24:00-24:00\" start at 24:00; 24:00 may only end an interval"_s;
    QTest::newRow("inverted")
        << u"18:00-09:00"_s
        << u"inverted business hours \"18:00-09:00\": the start must be before the end (an "
           u"interval cannot run past midnight: end it at 24:00 and continue on the next "
           u"day)"_s;
    QTest::newRow("empty interval")
        << u"09:00-09:00"_s
        << u"inverted business hours \"09:00-09:00\": the start must be before the end"_s;
}

void TestCalendarParse::workingIntervalError()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const Result<WorkingInterval> interval = parseWorkingInterval(text);
    QVERIFY(!interval.ok());
    QCOMPARE(interval.error(), message);
}

void TestCalendarParse::dayKey_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QList<int>>("days");
    QTest::newRow("monday") << u"mon"_s << QList<int> {0};
    QTest::newRow("sunday") << u"sun"_s << QList<int> {6};
    QTest::newRow("the working week") << u"mon-fri"_s << QList<int> {0, 1, 2, 3, 4};
    QTest::newRow("the whole week") << u"mon-sun"_s << QList<int> {0, 1, 2, 3, 4, 5, 6};
    QTest::newRow("the weekend") << u"sat-sun"_s << QList<int> {5, 6};
    QTest::newRow("a range of one day") << u"wed-wed"_s << QList<int> {2};
}

void TestCalendarParse::dayKey()
{
    QFETCH(QString, key);
    QFETCH(QList<int>, days);
    const Result<QList<int>> parsed = parseDayKey(key);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
    QCOMPARE(parsed.value(), days);
}

void TestCalendarParse::dayKeyError_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("message");
    const QString expected
        = u"expected mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri"_s;
    QTest::newRow("wrap-around from friday")
        << u"fri-mon"_s
        << u"day range \"fri-mon\" runs backwards; ranges go from Monday towards Sunday: "
           u"write \"fri-sun\" and \"mon\" as two keys"_s;
    QTest::newRow("wrap-around from sunday")
        << u"sun-mon"_s
        << u"day range \"sun-mon\" runs backwards; ranges go from Monday towards Sunday: "
           u"write \"sun\" and \"mon\" as two keys"_s;
    QTest::newRow("wrap-around from saturday to tuesday")
        << u"sat-tue"_s
        << u"day range \"sat-tue\" runs backwards; ranges go from Monday towards Sunday: "
           u"write \"sat-sun\" and \"mon-tue\" as two keys"_s;
    QTest::newRow("capitalised") << u"Mon"_s << QString(u"unknown day \"Mon\"; "_s + expected);
    QTest::newRow("a full name") << u"monday"_s
                                 << QString(u"unknown day \"monday\"; "_s + expected);
    QTest::newRow("a typo in a range")
        << u"mnd-fri"_s << QString(u"unknown day \"mnd\" in \"mnd-fri\"; "_s + expected);
    QTest::newRow("a typo at the end of a range")
        << u"mon-fry"_s << QString(u"unknown day \"fry\" in \"mon-fry\"; "_s + expected);
    QTest::newRow("a dangling dash")
        << u"mon-"_s << QString(u"\"mon-\" is not a day or a range of days; "_s + expected);
    QTest::newRow("three days") << u"mon-wed-fri"_s
                                << QString(u"\"mon-wed-fri\" is not a day or a range of days; "_s
                                           + expected);
    QTest::newRow("empty") << QString() << QString(u"empty day key; "_s + expected);
}

void TestCalendarParse::dayKeyError()
{
    QFETCH(QString, key);
    QFETCH(QString, message);
    const Result<QList<int>> parsed = parseDayKey(key);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error(), message);
}

void TestCalendarParse::dayIntervals_data()
{
    QTest::addColumn<QList<WorkingInterval>>("intervals");
    QTest::addColumn<QString>("message"); // empty: no problem
    const WorkingInterval morning {32400, 45000}; // 09:00-12:30
    const WorkingInterval afternoon {48600, 64800}; // 13:30-18:00
    const WorkingInterval noonOn {43200, 64800}; // 12:00-18:00
    const WorkingInterval allDay {32400, 64800}; // 09:00-18:00
    const WorkingInterval lunch {43200, 46800}; // 12:00-13:00
    QTest::newRow("no intervals") << QList<WorkingInterval> {} << QString();
    QTest::newRow("a day with a lunch break")
        << QList<WorkingInterval> {morning, afternoon} << QString();
    QTest::newRow("the same day listed afternoon first")
        << QList<WorkingInterval> {afternoon, morning} << QString();
    QTest::newRow("touching intervals do not overlap")
        << QList<WorkingInterval> {{32400, 43200}, {43200, 64800}} << QString();
    QTest::newRow("overlap listed out of order")
        << QList<WorkingInterval> {noonOn, morning}
        << u"business hours \"09:00-12:30\" and \"12:00-18:00\" overlap"_s;
    QTest::newRow("one interval inside another")
        << QList<WorkingInterval> {lunch, allDay, {68400, 72000}}
        << u"business hours \"09:00-18:00\" and \"12:00-13:00\" overlap"_s;
    QTest::newRow("the same interval twice")
        << QList<WorkingInterval> {morning, morning}
        << u"business hours \"09:00-12:30\" and \"09:00-12:30\" overlap"_s;
}

void TestCalendarParse::dayIntervals()
{
    QFETCH(QList<WorkingInterval>, intervals);
    QFETCH(QString, message);
    const std::optional<QString> problem = checkDayIntervals(intervals);
    QCOMPARE(problem.value_or(QString()), message);
}

void TestCalendarParse::isoDate_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDate>("date");
    QTest::newRow("christmas") << u"2026-12-25"_s << QDate(2026, 12, 25);
    QTest::newRow("a leap day") << u"2028-02-29"_s << QDate(2028, 2, 29);
    QTest::newRow("new year") << u"2027-01-01"_s << QDate(2027, 1, 1);
}

void TestCalendarParse::isoDate()
{
    QFETCH(QString, text);
    QFETCH(QDate, date);
    const Result<QDate> parsed = parseIsoDate(text);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
    QCOMPARE(parsed.value(), date);
}

void TestCalendarParse::isoDateError_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString shape = u" is not a date; expected YYYY-MM-DD, e.g. 2026-12-25"_s;
    QTest::newRow("one-digit month and day") << u"2026-2-5"_s << QString(u"\"2026-2-5\""_s + shape);
    QTest::newRow("day first") << u"25/12/2026"_s << QString(u"\"25/12/2026\""_s + shape);
    QTest::newRow("a date and time")
        << u"2026-12-25T00:00"_s << QString(u"\"2026-12-25T00:00\""_s + shape);
    QTest::newRow("dashes misplaced") << u"202-612-25"_s << QString(u"\"202-612-25\""_s + shape);
    QTest::newRow("empty") << QString() << QString(u"\"\""_s + shape);
    QTest::newRow("a quote in the text is escaped, so the quoted text's end is clear")
        << u"2026\"12"_s << QString(u"\"2026\\\"12\""_s + shape);
    QTest::newRow("month 13") << u"2026-13-01"_s
                              << u"\"2026-13-01\" is not a valid date: there is no month 13"_s;
    QTest::newRow("month 0") << u"2026-00-10"_s
                             << u"\"2026-00-10\" is not a valid date: there is no month 0"_s;
    QTest::newRow("day 0") << u"2026-12-00"_s
                           << u"\"2026-12-00\" is not a valid date: there is no day 0"_s;
    QTest::newRow("29 february in a common year")
        << u"2026-02-29"_s << u"\"2026-02-29\" is not a valid date: February 2026 has 28 days"_s;
    QTest::newRow("31 april") << u"2026-04-31"_s
                              << u"\"2026-04-31\" is not a valid date: April 2026 has 30 days"_s;
    QTest::newRow("year 0") << u"0000-01-01"_s
                            << u"\"0000-01-01\" is not a valid date: there is no year 0"_s;
}

void TestCalendarParse::isoDateError()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const Result<QDate> parsed = parseIsoDate(text);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error(), message);
}

void TestCalendarParse::timeZone_data()
{
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<bool>("known");
    QTest::newRow("Hong Kong") << QByteArray("Asia/Hong_Kong") << true;
    QTest::newRow("New York") << QByteArray("America/New_York") << true;
    QTest::newRow("London") << QByteArray("Europe/London") << true;
    QTest::newRow("UTC") << QByteArray("UTC") << true;
    QTest::newRow("a backward link, Etc/UTC") << QByteArray("Etc/UTC") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("a missing underscore") << QByteArray("Asia/HongKong") << false;
    QTest::newRow("lower case") << QByteArray("asia/hong_kong") << false;
    QTest::newRow("an invented zone") << QByteArray("Mars/Olympus_Mons") << false;
    QTest::newRow("a relative path") << QByteArray("../../etc/passwd") << false;
    QTest::newRow("an absolute path") << QByteArray("/usr/share/zoneinfo/UTC") << false;
}

void TestCalendarParse::timeZone()
{
    QFETCH(QByteArray, id);
    QFETCH(bool, known);
    QCOMPARE(isKnownTimeZone(id), known);
}

void TestCalendarParse::timeZoneMessage_data()
{
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<QString>("message");
    const QString expected
        = u"; expected an IANA name such as Asia/Hong_Kong, Europe/London or UTC"_s;
    QTest::newRow("no close match") << QByteArray("Asia/HongKong")
                                    << QString(u"unknown time zone \"Asia/HongKong\""_s + expected);
    QTest::newRow("lower case suggests the right spelling")
        << QByteArray("asia/hong_kong")
        << QString(u"unknown time zone \"asia/hong_kong\""_s + expected
                   + u" (did you mean Asia/Hong_Kong?)"_s);
    QTest::newRow("a space for the underscore")
        << QByteArray("America/New York")
        << QString(u"unknown time zone \"America/New York\""_s + expected
                   + u" (did you mean America/New_York?)"_s);
}

void TestCalendarParse::timeZoneMessage()
{
    QFETCH(QByteArray, id);
    QFETCH(QString, message);
    QVERIFY(!isKnownTimeZone(id));
    QCOMPARE(unknownTimeZoneMessage(id), message);
}

void TestCalendarParse::formatTime_data()
{
    QTest::addColumn<int>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("midnight") << 0 << u"00:00"_s;
    QTest::newRow("half past noon") << 45000 << u"12:30"_s;
    QTest::newRow("end of day") << 86400 << u"24:00"_s;
    QTest::newRow("with seconds") << 45001 << u"12:30:01"_s;
}

void TestCalendarParse::formatTime()
{
    QFETCH(int, seconds);
    QFETCH(QString, text);
    QCOMPARE(formatTimeOfDay(seconds), text);
}

QTEST_GUILESS_MAIN(TestCalendarParse)
#include "tst_calendarparse.moc"

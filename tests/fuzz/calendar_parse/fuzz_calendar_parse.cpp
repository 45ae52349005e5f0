// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the calendar module. Input: a text (up to the first NUL) for the parsing
// helpers of calendarparse.h, each compared with an independent reading of its documented rule;
// the remaining bytes describe a CalendarSpec and instants to compute with. Business-time
// arithmetic must keep its documented laws: between(s, add(s, n)) == n, add(s, 0) is the next
// working instant, and between() rounds down (add(s, between(s, u)) <= u < add(s, +1 s)).
#include "calendar/businesscalendar.h"
#include "calendar/calendarparse.h"
#include "common/fuzzcheck.h"

#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>

using namespace Baton;
using BatonFuzz::Bytes;

namespace {

QString show(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QStringLiteral("invalid");
}

void checkParsers(const QString &text)
{
    // HH:MM-HH:MM, 00:00..24:00, 24:00 only at the end, start before end.
    static const QRegularExpression interval(
        QStringLiteral("\\A([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})\\z"));
    const Result<WorkingInterval> parsed = parseWorkingInterval(text);
    const QRegularExpressionMatch m = interval.match(text);
    bool expected = m.hasMatch();
    if (expected) {
        const int h1 = m.captured(1).toInt(), m1 = m.captured(2).toInt();
        const int h2 = m.captured(3).toInt(), m2 = m.captured(4).toInt();
        const int s1 = h1 * 3600 + m1 * 60, s2 = h2 * 3600 + m2 * 60;
        expected = m1 < 60 && m2 < 60 && h1 < 24 && s2 <= 86400 && s1 < s2;
        if (expected && parsed)
            FUZZ_CHECK(parsed->startSecond == s1 && parsed->endSecond == s2, text);
    }
    FUZZ_CHECK(parsed.ok() == expected,
               QStringLiteral("parseWorkingInterval('%1'): %2")
                   .arg(text, parsed ? QStringLiteral("accepted") : parsed.error()));
    if (parsed) {
        const QString formatted = formatWorkingInterval(*parsed);
        FUZZ_CHECK(formatted == text, formatted);
    } else {
        FUZZ_CHECK(!parsed.error().isEmpty(), text);
    }

    // mon..sun, or a range from Monday towards Sunday.
    static const QStringList days = {
        QStringLiteral("mon"), QStringLiteral("tue"), QStringLiteral("wed"), QStringLiteral("thu"),
        QStringLiteral("fri"), QStringLiteral("sat"), QStringLiteral("sun")};
    const Result<QList<int>> dayKey = parseDayKey(text);
    QList<int> expectedDays;
    const QStringList parts = text.split(u'-');
    if (parts.size() == 1 && days.contains(parts[0])) {
        expectedDays = {int(days.indexOf(parts[0]))};
    } else if (parts.size() == 2 && days.contains(parts[0]) && days.contains(parts[1])) {
        for (int d = int(days.indexOf(parts[0])); d <= days.indexOf(parts[1]); ++d)
            expectedDays.append(d);
    }
    FUZZ_CHECK(dayKey.ok() == !expectedDays.isEmpty(),
               QStringLiteral("parseDayKey('%1'): %2")
                   .arg(text, dayKey ? QStringLiteral("accepted") : dayKey.error()));
    if (dayKey)
        FUZZ_CHECK(*dayKey == expectedDays, text);
    else
        FUZZ_CHECK(!dayKey.error().isEmpty(), text);

    // Strict YYYY-MM-DD of a real date.
    static const QRegularExpression isoDate(
        QStringLiteral("\\A([0-9]{4})-([0-9]{2})-([0-9]{2})\\z"));
    const Result<QDate> date = parseIsoDate(text);
    const QRegularExpressionMatch d = isoDate.match(text);
    const QDate expectedDate = d.hasMatch()
        ? QDate(d.captured(1).toInt(), d.captured(2).toInt(), d.captured(3).toInt())
        : QDate();
    FUZZ_CHECK(date.ok() == expectedDate.isValid(),
               QStringLiteral("parseIsoDate('%1'): %2")
                   .arg(text, date ? date->toString(Qt::ISODate) : date.error()));
    if (date)
        FUZZ_CHECK(*date == expectedDate, text);

    const QByteArray zone = text.toUtf8();
    if (!isKnownTimeZone(zone))
        FUZZ_CHECK(!unknownTimeZoneMessage(zone).isEmpty(), text);
}

const QList<QByteArray> &zones()
{
    // UTC, ordinary DST, DST at midnight, half-hour DST, negative DST, +14 h, a skipped day.
    static const QList<QByteArray> list = {"UTC",
                                           "Europe/London",
                                           "America/New_York",
                                           "Asia/Hong_Kong",
                                           "Asia/Tehran",
                                           "America/Sao_Paulo",
                                           "America/Havana",
                                           "Australia/Lord_Howe",
                                           "Europe/Dublin",
                                           "Pacific/Kiritimati",
                                           "Pacific/Apia",
                                           "America/St_Johns",
                                           "Africa/Casablanca",
                                           "Antarctica/Troll",
                                           "Asia/Kathmandu",
                                           "America/Santiago"};
    return list;
}

QList<WorkingInterval> day(Bytes &in)
{
    QList<WorkingInterval> intervals;
    const int count = in.byte() % 4;
    if (in.flag()) {
        // Anything at all, so that create() sees inverted, overlapping and unsorted intervals.
        for (int i = 0; i < count; ++i)
            intervals.append({int(in.range(0, 86400)), int(in.range(0, 86400))});
        return intervals;
    }
    int at = 0;
    for (int i = 0; i < count && at < 86400; ++i) {
        const int start = int(std::min<int64_t>(86399, at + in.range(0, 12 * 3600)));
        const int end = int(std::min<int64_t>(86400, start + 1 + in.range(0, 12 * 3600)));
        intervals.append({start, end});
        at = end;
    }
    return intervals;
}

QDate someDate(Bytes &in)
{
    if (in.byte() < 16) // anywhere in (and a little beyond) the supported range
        return QDate(1899, 12, 1).addDays(in.range(0, 110000));
    return QDate(2024, 1, 1).addDays(in.range(-400, 1200));
}

QDateTime someInstant(Bytes &in, const QTimeZone &zone)
{
    static const qint64 first = BusinessCalendar::firstSupportedInstant().toMSecsSinceEpoch();
    static const qint64 end = BusinessCalendar::endOfSupportedRange().toMSecsSinceEpoch();
    qint64 ms = 0;
    switch (in.byte() % 4) {
    case 0: // near the edges of the supported range
        ms = (in.flag() ? first : end) + in.range(-3 * 86400000LL, 3 * 86400000LL);
        break;
    case 1: // anywhere
        ms = in.range(first - 86400000LL, end + 86400000LL);
        break;
    default: // the 2020s, whole minutes mostly, where DST changes are well known
        ms = QDateTime(QDate(2020, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch()
            + in.range(0, 10LL * 366 * 86400) * 1000 + (in.flag() ? in.range(0, 999) : 0);
        break;
    }
    return in.flag() ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
                     : QDateTime::fromMSecsSinceEpoch(ms, zone);
}

qint64 someSeconds(Bytes &in)
{
    switch (in.byte() % 4) {
    case 0:
        return in.range(0, 120);
    case 1:
        return in.range(0, 7 * 86400);
    case 2:
        return in.range(0, 400LL * 86400);
    default:
        return in.range(-2, 3650LL * 86400);
    }
}

void checkArithmetic(const BusinessCalendar &calendar, const QDateTime &s, qint64 n,
                     const QDateTime &u)
{
    const Result<QDateTime> next0 = calendar.addBusinessSeconds(s, 0);
    const QDateTime next = calendar.nextWorkingInstant(s);
    FUZZ_CHECK(next0.ok() == next.isValid(),
               QStringLiteral("add(%1, 0) = %2, next = %3")
                   .arg(show(s), next0 ? show(*next0) : next0.error(), show(next)));
    if (next0) {
        FUZZ_CHECK(
            *next0 == next,
            QStringLiteral("add(%1, 0) = %2, next = %3").arg(show(s), show(*next0), show(next)));
        FUZZ_CHECK(calendar.isWorkingAt(next),
                   QStringLiteral("next working instant after %1 is %2, not working")
                       .arg(show(s), show(next)));
        FUZZ_CHECK(next >= s, show(s));
    }

    const Result<QDateTime> added = calendar.addBusinessSeconds(s, n);
    if (n < 0)
        FUZZ_CHECK(!added.ok(), QStringLiteral("add(%1, %2) accepted").arg(show(s)).arg(n));
    if (added) {
        FUZZ_CHECK(added->timeSpec() == Qt::UTC, show(*added));
        FUZZ_CHECK(*added >= s,
                   QStringLiteral("add(%1, %2) = %3").arg(show(s)).arg(n).arg(show(*added)));
        const Result<qint64> back = calendar.businessSecondsBetween(s, *added);
        FUZZ_CHECK(back && *back == n,
                   QStringLiteral("between(%1, add(%1, %2) = %3) = %4")
                       .arg(show(s))
                       .arg(n)
                       .arg(show(*added), back ? QString::number(*back) : back.error()));
    } else {
        FUZZ_CHECK(!added.error().isEmpty(), show(s));
    }

    const Result<qint64> same = calendar.businessSecondsBetween(s, s);
    FUZZ_CHECK(!same || *same == 0, show(s));

    // u is any later (or earlier) instant: between() rounds down, add() inverts it.
    const Result<qint64> between = calendar.businessSecondsBetween(s, u);
    if (u < s)
        FUZZ_CHECK(!between.ok(), QStringLiteral("between(%1, %2) accepted").arg(show(s), show(u)));
    if (between) {
        FUZZ_CHECK(*between >= 0 && *between <= s.msecsTo(u) / 1000 + 1,
                   QStringLiteral("between(%1, %2) = %3").arg(show(s), show(u)).arg(*between));
        // (With 0 there is no such bound: add(s, 0) is the next working instant, maybe after u.)
        const Result<QDateTime> upTo = calendar.addBusinessSeconds(s, *between);
        FUZZ_CHECK(*between == 0 || (upTo && *upTo <= u),
                   QStringLiteral("add(%1, between(%1, %2) = %3) = %4")
                       .arg(show(s), show(u))
                       .arg(*between)
                       .arg(upTo ? show(*upTo) : upTo.error()));
        const Result<QDateTime> past = calendar.addBusinessSeconds(s, *between + 1);
        if (past)
            FUZZ_CHECK(*past > u,
                       QStringLiteral("add(%1, between(%1, %2) + 1 = %3) = %4")
                           .arg(show(s), show(u))
                           .arg(*between + 1)
                           .arg(show(*past)));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bytes in(data, size);
    checkParsers(QString::fromUtf8(in.text(64)));

    CalendarSpec spec;
    spec.name = QStringLiteral("fuzz");
    spec.timezone = zones()[in.byte() % zones().size()];
    for (QList<WorkingInterval> &intervals : spec.week)
        intervals = day(in);
    for (int i = in.byte() % 8; i > 0; --i)
        spec.holidays.append(someDate(in));
    for (int i = in.byte() % 8; i > 0; --i)
        spec.workdays.append(someDate(in));
    for (QList<WorkingInterval> &intervals : spec.week)
        if (const std::optional<QString> problem = checkDayIntervals(intervals))
            FUZZ_CHECK(!problem->isEmpty(), QStringLiteral("empty message"));

    const Result<BusinessCalendar> calendar = BusinessCalendar::create(spec);
    if (!calendar) {
        FUZZ_CHECK(!calendar.error().isEmpty(), QStringLiteral("empty message"));
        return 0;
    }
    FUZZ_CHECK(calendar->isValid() && calendar->timeZoneId() == spec.timezone,
               QString::fromLatin1(spec.timezone));
    const QTimeZone zone(spec.timezone);
    for (int round = 0; round < 3 && !in.empty(); ++round) {
        const QDateTime s = someInstant(in, zone);
        const qint64 n = someSeconds(in);
        const QDateTime u
            = in.flag() ? someInstant(in, zone) : s.addMSecs(in.range(0, 86400000LL * 10));
        checkArithmetic(*calendar, s, n, u);
    }
    return 0;
}

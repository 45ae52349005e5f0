// SPDX-License-Identifier: GPL-3.0-or-later
#include "calendar/calendarparse.h"

#include "core/quoting.h"

#include <QTimeZone>

#include <algorithm>
#include <array>

namespace Baton {

namespace {

constexpr std::array<QStringView, 7> kDayNames
    = {u"mon", u"tue", u"wed", u"thu", u"fri", u"sat", u"sun"};

const QString kExpectedDays
    = QStringLiteral("expected mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri");

int digit(QChar c)
{
    return (c >= u'0' && c <= u'9') ? c.unicode() - u'0' : -1;
}

// Two ASCII digits at text[pos], or -1.
int twoDigits(QStringView text, qsizetype pos)
{
    const int high = digit(text[pos]);
    const int low = digit(text[pos + 1]);
    return (high < 0 || low < 0) ? -1 : high * 10 + low;
}

bool hasTimeShape(QStringView text)
{
    return text.size() == 5 && digit(text[0]) >= 0 && digit(text[1]) >= 0 && text[2] == u':'
        && digit(text[3]) >= 0 && digit(text[4]) >= 0;
}

int dayIndex(QStringView name)
{
    const auto it = std::find(kDayNames.begin(), kDayNames.end(), name);
    return it == kDayNames.end() ? -1 : int(it - kDayNames.begin());
}

QString dayRange(int from, int to)
{
    return from == to ? kDayNames[from].toString()
                      : kDayNames[from].toString() + u'-' + kDayNames[to].toString();
}

QString monthName(int month)
{
    static const std::array<QStringView, 12> names
        = {u"January", u"February", u"March",     u"April",   u"May",      u"June",
           u"July",    u"August",   u"September", u"October", u"November", u"December"};
    return names[month - 1].toString();
}

// Only characters IANA ids use; also keeps paths like "../x" away from the tz backend.
bool looksLikeZoneId(const QByteArray &id)
{
    if (id.isEmpty() || id.size() > 64 || id.startsWith('/') || id.contains(".."))
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '/' || c == '_' || c == '-' || c == '+';
    });
}

QByteArray zoneKey(const QByteArray &id)
{
    QByteArray key = id.toLower();
    key.replace(' ', '_');
    return key;
}

} // namespace

Result<WorkingInterval> parseWorkingInterval(QStringView text)
{
    const QString whole = doubleQuoted(text);
    if (text.size() != 11 || text[5] != u'-' || !hasTimeShape(text.first(5))
        || !hasTimeShape(text.sliced(6))) {
        return makeError(whole
                         + u" is not a business-hours interval; expected HH:MM-HH:MM, e.g. "
                           u"\"09:00-12:30\"");
    }
    int seconds[2] = {};
    for (int i = 0; i < 2; ++i) {
        const QStringView time = text.sliced(i * 6, 5);
        const int hours = twoDigits(time, 0);
        const int minutes = twoDigits(time, 3);
        if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) {
            return makeError(doubleQuoted(time) + u" in " + whole
                             + u" is not a time of day; expected HH:MM from 00:00 to 24:00");
        }
        seconds[i] = hours * 3600 + minutes * 60;
    }
    if (seconds[0] == 86400) {
        return makeError(u"business hours " + whole
                         + u" start at 24:00; 24:00 may only end an interval");
    }
    if (seconds[0] >= seconds[1]) {
        QString message
            = u"inverted business hours " + whole + u": the start must be before the end";
        if (seconds[0] > seconds[1])
            message += u" (an interval cannot run past midnight: end it at 24:00 and continue "
                       u"on the next day)";
        return makeError(message);
    }
    return WorkingInterval {seconds[0], seconds[1]};
}

Result<QList<int>> parseDayKey(QStringView key)
{
    if (key.isEmpty())
        return makeError(u"empty day key; " + kExpectedDays);
    const qsizetype dash = key.indexOf(u'-');
    if (dash < 0) {
        const int day = dayIndex(key);
        if (day < 0)
            return makeError(u"unknown day " + doubleQuoted(key) + u"; " + kExpectedDays);
        return QList<int> {day};
    }
    const QStringView first = key.first(dash);
    const QStringView last = key.sliced(dash + 1);
    if (first.isEmpty() || last.isEmpty() || last.contains(u'-'))
        return makeError(doubleQuoted(key) + u" is not a day or a range of days; " + kExpectedDays);
    for (QStringView part : {first, last}) {
        if (dayIndex(part) < 0) {
            return makeError(u"unknown day " + doubleQuoted(part) + u" in " + doubleQuoted(key)
                             + u"; " + kExpectedDays);
        }
    }
    const int from = dayIndex(first);
    const int to = dayIndex(last);
    if (from > to) {
        return makeError(u"day range " + doubleQuoted(key)
                         + u" runs backwards; ranges go from Monday towards Sunday: write "
                         + doubleQuoted(dayRange(from, 6)) + u" and "
                         + doubleQuoted(dayRange(0, to)) + u" as two keys");
    }
    QList<int> days;
    days.reserve(to - from + 1);
    for (int day = from; day <= to; ++day)
        days.append(day);
    return days;
}

std::optional<QString> checkDayIntervals(const QList<WorkingInterval> &intervals)
{
    QList<WorkingInterval> sorted = intervals;
    std::sort(sorted.begin(), sorted.end(), [](const WorkingInterval &a, const WorkingInterval &b) {
        return a.startSecond != b.startSecond ? a.startSecond < b.startSecond
                                              : a.endSecond < b.endSecond;
    });
    for (qsizetype i = 1; i < sorted.size(); ++i) {
        if (sorted[i - 1].endSecond > sorted[i].startSecond) {
            return u"business hours " + doubleQuoted(formatWorkingInterval(sorted[i - 1]))
                + u" and " + doubleQuoted(formatWorkingInterval(sorted[i])) + u" overlap";
        }
    }
    return std::nullopt;
}

Result<QDate> parseIsoDate(QStringView text)
{
    const bool shape = text.size() == 10 && text[4] == u'-' && text[7] == u'-'
        && std::all_of(text.begin(), text.end(),
                       [](QChar c) { return c == u'-' || digit(c) >= 0; });
    if (!shape)
        return makeError(doubleQuoted(text)
                         + u" is not a date; expected YYYY-MM-DD, e.g. 2026-12-25");
    const int year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
    const int month = twoDigits(text, 5);
    const int day = twoDigits(text, 8);
    if (year == 0)
        return makeError(doubleQuoted(text) + u" is not a valid date: there is no year 0");
    if (month < 1 || month > 12) {
        return makeError(doubleQuoted(text) + u" is not a valid date: there is no month "
                         + QString::number(month));
    }
    if (day == 0)
        return makeError(doubleQuoted(text) + u" is not a valid date: there is no day 0");
    const QDate date(year, month, day);
    if (!date.isValid()) {
        return makeError(doubleQuoted(text) + u" is not a valid date: " + monthName(month) + u' '
                         + QString::number(year) + u" has "
                         + QString::number(QDate(year, month, 1).daysInMonth()) + u" days");
    }
    return date;
}

bool isKnownTimeZone(const QByteArray &id)
{
    if (!looksLikeZoneId(id))
        return false;
    // Qt lists only the zones of zone.tab as available; backward links such as Etc/UTC or
    // US/Eastern are still IANA ids and load fine.
    return QTimeZone::isTimeZoneIdAvailable(id) || QTimeZone(id).isValid();
}

QString unknownTimeZoneMessage(const QByteArray &id)
{
    QString message = u"unknown time zone " + doubleQuoted(QString::fromUtf8(id))
        + u"; expected an IANA name such as Asia/Hong_Kong, Europe/London or UTC";
    const QByteArray key = zoneKey(id);
    const QList<QByteArray> known = QTimeZone::availableTimeZoneIds();
    const auto match = std::find_if(known.begin(), known.end(), [&](const QByteArray &candidate) {
        return zoneKey(candidate) == key;
    });
    if (!key.isEmpty() && match != known.end())
        message += u" (did you mean " + QString::fromUtf8(*match) + u"?)";
    return message;
}

QString formatTimeOfDay(int secondsSinceMidnight)
{
    const auto pad = [](int value) { return QString::number(value).rightJustified(2, u'0'); };
    QString text = pad(secondsSinceMidnight / 3600) + u':' + pad(secondsSinceMidnight / 60 % 60);
    if (secondsSinceMidnight % 60 != 0)
        text += u':' + pad(secondsSinceMidnight % 60);
    return text;
}

QString formatWorkingInterval(const WorkingInterval &interval)
{
    return formatTimeOfDay(interval.startSecond) + u'-' + formatTimeOfDay(interval.endSecond);
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "calendar/businesscalendar.h"

#include "calendar/calendarparse.h"

#include <QTimeZone>

#include <algorithm>
#include <array>
#include <span>
#include <vector>

namespace Baton {

namespace {

constexpr qint64 kDayMs = 86'400'000;
// 1900-01-01T00:00Z and 2200-01-01T00:00Z, in days since the epoch (70 and 230 Gregorian years).
constexpr qint64 kFirstDay = -(70 * 365 + 17);
constexpr qint64 kEndDay = 230 * 365 + 56;
constexpr qint64 kRangeStartMs = kFirstDay * kDayMs;
constexpr qint64 kRangeEndMs = kEndDay * kDayMs;
static_assert(kRangeStartMs == -2'208'988'800'000 && kRangeEndMs == 7'258'118'400'000);

constexpr qint64 kJulianDayOfEpoch = 2'440'588;

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Days since 1970-01-01 (a Thursday) -> 0 = Monday .. 6 = Sunday.
int weekdayOf(qint64 day)
{
    return int(((day + 3) % 7 + 7) % 7);
}

qint64 dayNumber(QDate date)
{
    return date.toJulianDay() - kJulianDayOfEpoch;
}

QString instantText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
        .toString(ms % 1000 == 0 ? Qt::ISODate : Qt::ISODateWithMs);
}

const QString kRangeText = QStringLiteral("1900-01-01T00:00:00Z to 2200-01-01T00:00:00Z");

} // namespace

struct BusinessCalendar::Data
{
    struct Span
    {
        qint64 startMs; // since local midnight
        qint64 endMs;
    };
    struct Period // a stretch of UTC time with one offset, up to the next period
    {
        qint64 startUtcMs;
        qint64 offsetMs;
    };
    struct SpecialDay
    {
        qint64 day;
        bool holiday; // else an extra working day
    };

    QString name;
    QByteArray zoneId;
    std::vector<Period> periods; // periods[0] starts at kRangeStartMs
    std::array<std::vector<Span>, 7> week;
    std::vector<Span> workdayHours;
    std::vector<SpecialDay> specialDays; // sorted by day

    // The table of UTC offsets over the supported range, built once per calendar so that the
    // hot path never touches QTimeZone.
    static Result<std::vector<Period>> offsetPeriods(const QTimeZone &zone);
    /// Holidays and extra working days of `spec`, sorted by day, each date once; an error
    /// for an invalid date or one listed both ways.
    static Result<std::vector<SpecialDay>> specialDaysOf(const CalendarSpec &spec);

    std::span<const Span> spansFor(qint64 day) const
    {
        if (!specialDays.empty() && day >= specialDays.front().day
            && day <= specialDays.back().day) {
            const auto it = std::lower_bound(
                specialDays.begin(), specialDays.end(), day,
                [](const SpecialDay &special, qint64 value) { return special.day < value; });
            if (it != specialDays.end() && it->day == day)
                return it->holiday ? std::span<const Span>() : std::span<const Span>(workdayHours);
        }
        return week[weekdayOf(day)];
    }

    std::size_t periodIndex(qint64 utcMs) const
    {
        const auto it = std::upper_bound(
            periods.begin(), periods.end(), utcMs,
            [](qint64 value, const Period &period) { return value < period.startUtcMs; });
        return std::size_t(it - periods.begin()) - 1;
    }

    // Calls visit(startUtc, endUtc) for each stretch of working time within [from, to), in
    // order, until it returns false. Within one period the offset is fixed, so the period's UTC
    // range maps to a local range where the day intervals are cut out directly; gaps and
    // overlaps of DST changes fall out of the period boundaries. Requires
    // kRangeStartMs <= from <= to <= kRangeEndMs.
    template<typename Visit> void walk(qint64 from, qint64 to, Visit &&visit) const
    {
        std::size_t index = periodIndex(from);
        qint64 cursor = from;
        while (cursor < to) {
            const qint64 periodEnd = std::min(
                index + 1 < periods.size() ? periods[index + 1].startUtcMs : kRangeEndMs, to);
            const qint64 offset = periods[index].offsetMs;
            const qint64 local = cursor + offset;
            const qint64 localEnd = periodEnd + offset;
            qint64 day = floorDiv(local, kDayMs);
            for (qint64 dayStart = day * kDayMs; dayStart < localEnd; dayStart += kDayMs, ++day) {
                for (const Span &span : spansFor(day)) {
                    const qint64 start = dayStart + span.startMs;
                    const qint64 end = dayStart + span.endMs;
                    if (end <= local)
                        continue;
                    if (start >= localEnd)
                        break;
                    if (!visit(std::max(start, local) - offset, std::min(end, localEnd) - offset))
                        return;
                }
            }
            cursor = periodEnd;
            ++index;
        }
    }
};

BusinessCalendar::BusinessCalendar() = default;

BusinessCalendar::BusinessCalendar(std::shared_ptr<const Data> data)
    : d(std::move(data))
{
}

QString BusinessCalendar::name() const
{
    return d ? d->name : QString();
}

QByteArray BusinessCalendar::timeZoneId() const
{
    return d ? d->zoneId : QByteArray();
}

QDateTime BusinessCalendar::firstSupportedInstant()
{
    return QDateTime::fromMSecsSinceEpoch(kRangeStartMs, Qt::UTC);
}

QDateTime BusinessCalendar::endOfSupportedRange()
{
    return QDateTime::fromMSecsSinceEpoch(kRangeEndMs, Qt::UTC);
}

Result<BusinessCalendar> BusinessCalendar::create(const CalendarSpec &spec)
{
    const QString prefix = spec.name.isEmpty() ? QString() : u"calendar \"" + spec.name + u"\": ";
    if (!isKnownTimeZone(spec.timezone))
        return makeError(prefix + unknownTimeZoneMessage(spec.timezone));

    static constexpr std::array<const char16_t *, 7> dayNames
        = {u"mon", u"tue", u"wed", u"thu", u"fri", u"sat", u"sun"};
    auto data = std::make_shared<Data>();
    data->name = spec.name;
    data->zoneId = spec.timezone;
    bool anyWorkingTime = false;
    for (int day = 0; day < 7; ++day) {
        const QList<WorkingInterval> &intervals = spec.week[day];
        const QString dayPrefix = prefix + QStringView(dayNames[day]) + u": ";
        for (const WorkingInterval &interval : intervals) {
            if (interval.startSecond < 0 || interval.endSecond > 86400) {
                return makeError(dayPrefix + u"business hours from second "
                                 + QString::number(interval.startSecond) + u" to second "
                                 + QString::number(interval.endSecond)
                                 + u" of the day lie outside 00:00-24:00");
            }
            if (interval.startSecond >= interval.endSecond) {
                return makeError(dayPrefix + u"inverted business hours \""
                                 + formatWorkingInterval(interval)
                                 + u"\": the start must be before the end");
            }
        }
        if (const auto problem = checkDayIntervals(intervals))
            return makeError(dayPrefix + *problem);
        auto &spans = data->week[day];
        for (const WorkingInterval &interval : intervals)
            spans.push_back({interval.startSecond * 1000LL, interval.endSecond * 1000LL});
        std::sort(spans.begin(), spans.end(),
                  [](const Data::Span &a, const Data::Span &b) { return a.startMs < b.startMs; });
        anyWorkingTime = anyWorkingTime || !spans.empty();
    }
    if (!anyWorkingTime)
        return makeError(prefix + u"no working time: every day of the week is without hours");

    for (int day = 0; day < 5 && data->workdayHours.empty(); ++day)
        data->workdayHours = data->week[day];
    if (!spec.workdays.isEmpty() && data->workdayHours.empty()) {
        return makeError(prefix
                         + u"extra working days are listed, but no day from mon to fri has "
                           u"business hours to work them by");
    }

    auto special = Data::specialDaysOf(spec);
    if (!special)
        return makeError(prefix + special.error());
    data->specialDays = std::move(special).value();

    auto periods = Data::offsetPeriods(QTimeZone(spec.timezone));
    if (!periods)
        return makeError(prefix + periods.error());
    data->periods = std::move(periods).value();
    return BusinessCalendar(std::move(data));
}

Result<std::vector<BusinessCalendar::Data::SpecialDay>>
BusinessCalendar::Data::specialDaysOf(const CalendarSpec &spec)
{
    std::vector<SpecialDay> special;
    for (const QDate &date : spec.holidays) {
        if (!date.isValid())
            return makeError(QStringLiteral("a holiday is not a valid date"));
        special.push_back({dayNumber(date), true});
    }
    for (const QDate &date : spec.workdays) {
        if (!date.isValid())
            return makeError(QStringLiteral("an extra working day is not a valid date"));
        special.push_back({dayNumber(date), false});
    }
    std::sort(special.begin(), special.end(), [](const SpecialDay &a, const SpecialDay &b) {
        return a.day != b.day ? a.day < b.day : a.holiday < b.holiday;
    });
    for (std::size_t i = 1; i < special.size(); ++i) {
        if (special[i].day == special[i - 1].day && special[i].holiday != special[i - 1].holiday) {
            const QDate date = QDate::fromJulianDay(special[i].day + kJulianDayOfEpoch);
            return makeError(date.toString(Qt::ISODate)
                             + u" is listed both as a holiday and as an extra working day");
        }
    }
    // A date listed twice is harmless to the lookup, but keep the table minimal.
    special.erase(
        std::unique(special.begin(), special.end(),
                    [](const SpecialDay &a, const SpecialDay &b) { return a.day == b.day; }),
        special.end());
    return special;
}

Result<std::vector<BusinessCalendar::Data::Period>>
BusinessCalendar::Data::offsetPeriods(const QTimeZone &zone)
{
    if (!zone.isValid())
        return makeError(QStringLiteral("the time zone cannot be loaded"));
    std::vector<Period> periods;
    QDateTime from = QDateTime::fromMSecsSinceEpoch(kRangeStartMs, Qt::UTC);
    const QDateTime end = QDateTime::fromMSecsSinceEpoch(kRangeEndMs, Qt::UTC);
    periods.push_back({kRangeStartMs, zone.offsetFromUtc(from) * 1000LL});
    // Qt 6.4 stops a transitions() list at the last transition written out in the tz file
    // (America/New_York: 2037-11-01) although the zone's rule goes on; asking again from just
    // after it continues with the rule. The bound only guards against a misbehaving backend.
    qint64 lastAt = kRangeStartMs - 1;
    for (int chunk = 0; chunk < 100; ++chunk) {
        const QTimeZone::OffsetDataList transitions = zone.transitions(from, end);
        if (transitions.isEmpty())
            break;
        for (const QTimeZone::OffsetData &transition : transitions) {
            const qint64 at = transition.atUtc.toMSecsSinceEpoch();
            if (at >= kRangeEndMs)
                break;
            if (at <= lastAt)
                continue; // listed again at a chunk boundary
            lastAt = at;
            const qint64 offset = transition.offsetFromUtc * 1000LL;
            if (offset == periods.back().offsetMs)
                continue; // only the name or the DST flag changed
            if (at == periods.back().startUtcMs)
                periods.back().offsetMs = offset;
            else
                periods.push_back({at, offset});
        }
        from = transitions.last().atUtc.addSecs(1);
        if (from >= end)
            break;
    }
    return periods;
}

namespace {

// Checks an instant argument; on success `ms` holds it.
std::optional<Error> checkInstant(const QDateTime &instant, const char16_t *what, qint64 &ms)
{
    if (!instant.isValid())
        return makeError(QStringView(what) + u" is not a valid date and time");
    ms = instant.toMSecsSinceEpoch();
    if (ms < kRangeStartMs || ms >= kRangeEndMs) {
        return makeError(QStringView(what) + u' ' + instantText(ms)
                         + u" is outside the range a business calendar supports (" + kRangeText
                         + u')');
    }
    return std::nullopt;
}

Error notSetUp()
{
    return makeError(QStringLiteral("the business calendar is not set up"));
}

} // namespace

Result<QDateTime> BusinessCalendar::addBusinessSeconds(const QDateTime &start, qint64 seconds) const
{
    if (!d)
        return notSetUp();
    qint64 startMs = 0;
    if (auto error = checkInstant(start, u"the start", startMs))
        return *error;
    if (seconds < 0) {
        return makeError(u"negative business duration of " + QString::number(seconds)
                         + u" s; a target must be zero or more seconds");
    }
    const auto beyondRange = [&] {
        return makeError(
            QString::number(seconds) + u" business seconds after " + instantText(startMs)
            + u" end beyond the range a business calendar supports (" + kRangeText + u')');
    };
    // Working time never outpaces elapsed time, so this also keeps seconds * 1000 in range.
    if (seconds > (kRangeEndMs - startMs) / 1000)
        return beyondRange();

    qint64 remaining = seconds * 1000;
    qint64 due = -1;
    bool found = false;
    d->walk(startMs, kRangeEndMs, [&](qint64 from, qint64 to) {
        if (remaining <= to - from) {
            due = from + remaining;
            found = true;
            return false;
        }
        remaining -= to - from;
        return true;
    });
    if (!found)
        return beyondRange();
    return QDateTime::fromMSecsSinceEpoch(due, Qt::UTC);
}

Result<qint64> BusinessCalendar::businessSecondsBetween(const QDateTime &from,
                                                        const QDateTime &to) const
{
    if (!d)
        return notSetUp();
    qint64 fromMs = 0;
    qint64 toMs = 0;
    if (auto error = checkInstant(from, u"the start", fromMs))
        return *error;
    if (auto error = checkInstant(to, u"the end", toMs))
        return *error;
    if (toMs < fromMs) {
        return makeError(u"the end " + instantText(toMs) + u" is before the start "
                         + instantText(fromMs));
    }
    qint64 total = 0;
    d->walk(fromMs, toMs, [&](qint64 begin, qint64 end) {
        total += end - begin;
        return true;
    });
    return total / 1000;
}

bool BusinessCalendar::isWorkingAt(const QDateTime &instant) const
{
    qint64 ms = 0;
    if (!d || checkInstant(instant, u"the instant", ms))
        return false;
    bool working = false;
    d->walk(ms, ms + 1, [&](qint64, qint64) {
        working = true;
        return false;
    });
    return working;
}

QDateTime BusinessCalendar::nextWorkingInstant(const QDateTime &instant) const
{
    const Result<QDateTime> next = addBusinessSeconds(instant, 0);
    return next ? next.value() : QDateTime();
}

} // namespace Baton

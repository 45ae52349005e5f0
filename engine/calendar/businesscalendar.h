// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "calendar/calendarspec.h"
#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <memory>

namespace Baton {

/// Business-time arithmetic on one calendar of org.yaml: turns "N seconds of working time"
/// into an instant and back, so that SLA clocks become plain due instants.
///
/// An instant is working time when its local wall-clock time, in the calendar's time zone,
/// lies in one of the intervals of its local date. The date's intervals are those of its
/// weekday, none on a holiday, and the Monday-Friday hours (those of the first of mon..fri that
/// has any) on an extra working day. So across DST changes, intervals keep to the wall clock:
/// an interval starting in a spring-forward gap starts at the first instant after the gap, and
/// in a fall-back overlap the repeated wall-clock time is worked on both passes, as really
/// elapsed (a 00:00-24:00 day then has 25 working hours; an interval ending at 01:30 inside
/// the repeated hour is worked up to 01:30 on each pass).
///
/// Instants are computed to the millisecond and returned in UTC. Only instants in
/// [1900-01-01, 2200-01-01) UTC are supported; anything else is an error, which also bounds
/// the work for absurd inputs. Cost is proportional to the calendar days crossed.
///
/// A BusinessCalendar is immutable: copies share their data, and every const method may be
/// called from any thread.
class BusinessCalendar
{
public:
    /// An unusable calendar (isValid() is false); every operation on it reports an error.
    BusinessCalendar();

    /// Errors: unknown time zone, inverted or overlapping intervals, no working time in the
    /// week, extra working days without any Monday-Friday hours, a date that is both a holiday
    /// and an extra working day.
    static Result<BusinessCalendar> create(const CalendarSpec &spec);

    bool isValid() const { return d != nullptr; }
    QString name() const;
    QByteArray timeZoneId() const;

    /// The instant at which `seconds` of working time have elapsed after `start`.
    /// seconds == 0 gives the first working instant at or after `start` (start itself when it
    /// is working time), so that a target of 0 is due when work can first begin, just as a
    /// target of 1 s is due one working second later. Negative seconds are an error.
    Result<QDateTime> addBusinessSeconds(const QDateTime &start, qint64 seconds) const;

    /// Working seconds in [from, to), rounded down to whole seconds; from == to gives 0 and
    /// to < from is an error. businessSecondsBetween(s, addBusinessSeconds(s, n)) == n.
    Result<qint64> businessSecondsBetween(const QDateTime &from, const QDateTime &to) const;

    /// Whether `instant` is working time (false for an invalid or unsupported instant).
    bool isWorkingAt(const QDateTime &instant) const;

    /// The first working instant at or after `instant`, in UTC; an invalid QDateTime if there is
    /// none in the supported range.
    QDateTime nextWorkingInstant(const QDateTime &instant) const;

    /// The supported range of instants, [first, end).
    static QDateTime firstSupportedInstant();
    static QDateTime endOfSupportedRange();

private:
    struct Data;
    explicit BusinessCalendar(std::shared_ptr<const Data> data);
    std::shared_ptr<const Data> d;
};

} // namespace Baton

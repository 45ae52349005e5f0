// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "calendar/calendarspec.h"
#include "core/result.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

// Parsing helpers for the calendar part of org.yaml. They are pure and know nothing of YAML:
// the checker hands them scalars and adds file, line and column to the messages they return.
// Messages say what is wrong and what is expected, in words.

namespace Baton {

/// "09:00-12:30" -> seconds since local midnight. Strictly HH:MM-HH:MM, times from 00:00 to
/// 24:00, where 24:00 may only end an interval; the start must be before the end (an interval
/// never runs past midnight: end it at 24:00 and continue on the next day).
Result<WorkingInterval> parseWorkingInterval(QStringView text);

/// A key of `week:` -> weekday indices, 0 = Monday .. 6 = Sunday, in order.
/// "mon", "sat", or a range "mon-fri", "mon-sun", "sat-sat". Names are lower case.
/// Ranges run from Monday towards Sunday; a wrap-around range such as "fri-mon" is an error
/// (it reads too easily as a typo of "mon-fri"): write "fri-sun" and "mon" as two keys.
Result<QList<int>> parseDayKey(QStringView key);

/// The problem with one day's intervals, if any: two of them overlap (in any order).
/// Intervals that only touch ("09:00-12:00", "12:00-13:00") do not overlap.
std::optional<QString> checkDayIntervals(const QList<WorkingInterval> &intervals);

/// A strict YYYY-MM-DD date, e.g. "2026-12-25".
Result<QDate> parseIsoDate(QStringView text);

/// Whether the time-zone database knows this IANA id ("Asia/Hong_Kong", "UTC", "Etc/UTC").
bool isKnownTimeZone(const QByteArray &id);

/// The message for an id isKnownTimeZone() rejects, with a suggestion when one is close
/// ("asia/hong_kong" -> "did you mean Asia/Hong_Kong?").
QString unknownTimeZoneMessage(const QByteArray &id);

/// "HH:MM" (or "HH:MM:SS" when the seconds are not zero); 86400 is "24:00".
QString formatTimeOfDay(int secondsSinceMidnight);

/// "09:00-12:30".
QString formatWorkingInterval(const WorkingInterval &interval);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "calendar/businesscalendar.h"
#include "core/result.h"
#include "definition/model.h"

#include <QHash>
#include <QReadWriteLock>
#include <QString>

namespace Baton {

/// The organisation's business calendars, each built once on first use and shared by every
/// thread. Building a calendar is the costly part (it precomputes a UTC offset table); the
/// arithmetic on it is cheap. A calendar whose spec changed (a new org.yaml) is rebuilt.
///
/// Calendars a name does not resolve to fall back to the 24/7 UTC calendar: an SLA then still
/// runs, in elapsed time, rather than silently not at all (the checker already rejects unknown
/// calendar names in workflows, so this only covers an org.yaml edited under running tickets).
class CalendarCache
{
public:
    CalendarCache() = default;
    CalendarCache(const CalendarCache &) = delete;
    CalendarCache &operator=(const CalendarCache &) = delete;

    /// The calendar `name` of `org`, or the 24/7 UTC calendar (see above).
    BusinessCalendar calendar(const Organisation &org, const QString &name) const;

    /// Always-working UTC calendar.
    static BusinessCalendar aroundTheClock();

private:
    struct Entry
    {
        const Organisation *org = nullptr; ///< built from this one
        CalendarSpec spec;
        BusinessCalendar calendar;
    };
    mutable QReadWriteLock m_lock;
    mutable QHash<QString, Entry> m_entries;
};

} // namespace Baton

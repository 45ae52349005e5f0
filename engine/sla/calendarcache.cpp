// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/calendarcache.h"

#include <QLoggingCategory>

namespace Baton {

Q_LOGGING_CATEGORY(lcCalendarCache, "baton.sla", QtInfoMsg)

BusinessCalendar CalendarCache::aroundTheClock()
{
    static const BusinessCalendar always = [] {
        CalendarSpec spec;
        spec.name = QStringLiteral("(24/7 UTC)");
        spec.timezone = "UTC";
        for (auto &day : spec.week)
            day = {WorkingInterval {0, 86400}};
        auto built = BusinessCalendar::create(spec);
        return built ? built.value() : BusinessCalendar();
    }();
    return always;
}

BusinessCalendar CalendarCache::calendar(const Organisation &org, const QString &name) const
{
    const auto spec = org.calendars.constFind(name);
    if (spec == org.calendars.cend())
        return aroundTheClock();
    {
        QReadLocker lock(&m_lock);
        const auto it = m_entries.constFind(name);
        // The same organisation object cannot have changed; another one is compared by spec.
        if (it != m_entries.cend() && (it->org == &org || it->spec == *spec))
            return it->calendar;
    }
    // Built outside the lock: two threads may build the same calendar once each, which is
    // cheaper than making every reader wait behind one build.
    auto built = BusinessCalendar::create(*spec);
    if (!built) {
        qCWarning(lcCalendarCache).noquote()
            << "calendar" << name << "is unusable (" << built.error() << "); using 24/7 UTC";
        return aroundTheClock();
    }
    QWriteLocker lock(&m_lock);
    m_entries.insert(name, Entry {&org, *spec, built.value()});
    return built.value();
}

} // namespace Baton

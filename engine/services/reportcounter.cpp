// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/reportcounter.h"

#include "core/clock.h"
#include "store/database.h"
#include "store/reportcounts.h"

#include <QDateTime>
#include <QDebug>

#include <chrono>

namespace Baton {

ReportCounter::ReportCounter(std::shared_ptr<Database> database, const Clock &clock)
    : m_database(std::move(database))
    , m_clock(clock)
{
}

ReportCounter::~ReportCounter()
{
    stop();
}

void ReportCounter::start()
{
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
}

void ReportCounter::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ReportCounter::run()
{
    const auto stopRequested = [this] {
        std::lock_guard lock(m_mutex);
        return m_stop;
    };
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        lock.unlock();
        // While the facts' back-fill is pending this counts nothing; the next round does.
        const auto counted
            = buildReportCounts(*m_database, m_clock.now().toMSecsSinceEpoch(), stopRequested);
        if (!counted)
            qWarning().noquote() << "reports: counting the quarter hours stopped:"
                                 << counted.error() << "(it tries again in a minute)";
        lock.lock();
        m_wake.wait_for(lock, std::chrono::minutes(1), [this] { return m_stop; });
    }
    lock.unlock();
    m_database->closeThreadConnection();
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Counts the reports' closures and escalations of each quarter hour a few minutes after it has
// ended (store/reportcounts.h), on a thread of its own, off the engine's write path: at start
// (every day not counted yet: minutes on a million tickets) and then once a minute, which finds
// a new quarter hour every fifteen minutes (its facts read, then a short transaction) and
// nothing otherwise (one small query) — and sees a clock set back within the minute.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace Baton {

class Clock;
class Database;

class ReportCounter
{
public:
    ReportCounter(std::shared_ptr<Database> database, const Clock &clock);
    ~ReportCounter(); ///< stops
    ReportCounter(const ReportCounter &) = delete;
    ReportCounter &operator=(const ReportCounter &) = delete;

    void start();
    /// Stops between two days and waits for the thread.
    void stop();

private:
    void run();

    std::shared_ptr<Database> m_database;
    const Clock &m_clock;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false; // guarded by m_mutex
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "hashingpool.h"

#include <QElapsedTimer>
#include <QThread>

#include <cmath>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace Baton {

HashingPool::HashingPool()
    : HashingPool(Options {})
{
}

HashingPool::HashingPool(Options options)
    : m_options(std::move(options))
{
}

HashingPool::~HashingPool()
{
    std::deque<Job> cancelled;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        cancelled.swap(m_queue);
    }
    m_wake.notify_all();
    for (Job &job : cancelled)
        job(true);
    for (std::thread &thread : m_threads)
        thread.join();
}

int HashingPool::defaultThreads()
{
    return qBound(1, QThread::idealThreadCount() / 2, 4);
}

bool HashingPool::submit(Job job)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || int(m_queue.size()) >= m_options.maxQueued)
            return false;
        m_queue.push_back(std::move(job));
        if (int(m_threads.size()) < qMax(1, m_options.threads)
            && int(m_queue.size()) + m_running > int(m_threads.size()))
            m_threads.emplace_back([this] { run(); });
    }
    m_wake.notify_one();
    return true;
}

int HashingPool::queued() const
{
    std::lock_guard lock(m_mutex);
    return int(m_queue.size());
}

qint64 HashingPool::retryAfterSeconds() const
{
    std::lock_guard lock(m_mutex);
    const double ahead = double(m_queue.size()) + m_running;
    const double threads = double(qMax<size_t>(1, m_threads.size()));
    return qMax<qint64>(1, qint64(std::ceil(ahead * m_averageJobMs / threads / 1000.0)));
}

void HashingPool::run()
{
#ifdef Q_OS_LINUX
    // Nice 10, for this thread only (Linux keeps niceness per thread): when the cores are
    // busy, the scheduler serves the HTTP threads first, so a login flood delays logins rather
    // than everyone's requests. Hashing still gets its share of an otherwise busy core.
    (void)setpriority(PRIO_PROCESS, id_t(::gettid()), 10);
#endif
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty())
            return; // stopping
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_running;
        lock.unlock();
        if (m_options.beforeEachJob)
            m_options.beforeEachJob();
        QElapsedTimer timer;
        timer.start();
        job(false);
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        job = nullptr; // whatever it holds goes now, outside the lock
        lock.lock();
        --m_running;
        m_averageJobMs = 0.8 * m_averageJobMs + 0.2 * ms;
    }
}

} // namespace Baton

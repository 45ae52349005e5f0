// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace Baton {

/// Threads of their own for password work, so that argon2id (tens of milliseconds of one core
/// and 19 MiB per check) never runs on an HTTP thread: a login flood then costs at most
/// `threads` cores and `maxQueued` waiting jobs, and signed-in users' requests keep their
/// threads. Beyond `maxQueued` waiting jobs, submit() refuses at once (the API answers 503 with
/// Retry-After) rather than letting the queue, and every login's wait, grow without bound.
/// The threads run at a lower scheduling priority (nice 10 on Linux), so that on busy cores the
/// HTTP threads go first. They start with the first job and live until the pool is destroyed
/// (each keeps its own database connection). Thread-safe.
class HashingPool
{
public:
    struct Options
    {
        int threads = defaultThreads();
        int maxQueued = 64; ///< jobs waiting for a thread, not counting those running
        /// Called on a pool thread before each job. For tests, which hold the threads here to
        /// fill the queue deterministically; empty in production.
        std::function<void()> beforeEachJob;
    };
    /// Runs the job with cancelled == false, or with true when the pool is destroyed before
    /// the job could start (so that its caller can still answer).
    using Job = std::function<void(bool cancelled)>;

    HashingPool();
    explicit HashingPool(Options options);
    ~HashingPool();
    HashingPool(const HashingPool &) = delete;
    HashingPool &operator=(const HashingPool &) = delete;

    /// Queues the job; false (and the job is dropped) when `maxQueued` jobs already wait.
    bool submit(Job job);
    /// Jobs waiting for a thread.
    int queued() const;
    /// Whole seconds until a job submitted now would likely start (at least 1): the jobs ahead
    /// of it times the recent average job duration, spread over the threads.
    qint64 retryAfterSeconds() const;

    /// Half the cores (the other half serve HTTP and the database), 1 to 4 threads.
    static int defaultThreads();

private:
    void run();

    const Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    std::vector<std::thread> m_threads;
    int m_running = 0;
    double m_averageJobMs = 50; ///< exponentially weighted; starts at argon2id's usual cost
    bool m_stopping = false;
};

} // namespace Baton

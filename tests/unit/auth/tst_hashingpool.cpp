// SPDX-License-Identifier: GPL-3.0-or-later
// The hashing pool's bounds: a full queue refuses at once, and a pool destroyed with jobs
// still waiting hands each of them `cancelled`, so that every caller still answers.
#include "auth/hashingpool.h"

#include <QSemaphore>
#include <QTest>

#include <atomic>

using namespace Baton;

class tst_HashingPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullQueueRefusesAndDestructionCancelsTheWaiting();
};

void tst_HashingPool::fullQueueRefusesAndDestructionCancelsTheWaiting()
{
    QSemaphore started, mayRun;
    std::atomic<int> ran {0}, cancelled {0};
    {
        HashingPool::Options options;
        options.threads = 1;
        options.maxQueued = 3;
        options.beforeEachJob = [&] {
            started.release();
            mayRun.acquire();
        };
        HashingPool pool(options);
        // A cancelled job lets the held one go on, so the pool can finish it and stop.
        const auto job = [&](bool wasCancelled) {
            if (!wasCancelled)
                return void(++ran);
            ++cancelled;
            mayRun.release();
        };
        QVERIFY(pool.submit(job));
        QVERIFY(started.tryAcquire(1, 10000)); // running, held
        for (int i = 0; i < 3; ++i)
            QVERIFY(pool.submit(job));
        QCOMPARE(pool.queued(), 3);
        QVERIFY(!pool.submit(job)); // the fourth waiting one
        QVERIFY(pool.retryAfterSeconds() >= 1);
    } // destroyed while one job is held and three wait
    QCOMPARE(cancelled.load(), 3);
    QCOMPARE(ran.load(), 1);
}

QTEST_GUILESS_MAIN(tst_HashingPool)
#include "tst_hashingpool.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/timerscheduler.h"

#include "core/clock.h"
#include "runtime/engine.h"
#include "runtime/eventtypes.h"
#include "sla/slaservice.h"
#include "store/database.h"
#include "store/timerqueue.h"

#include <QElapsedTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QThread>
#include <QTimeZone>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <deque>
#include <limits>

namespace Baton {

Q_LOGGING_CATEGORY(lcTimers, "baton.timers", QtInfoMsg)

namespace {

constexpr qint64 never = std::numeric_limits<qint64>::max();
/// The SLA planner reports a timer just before the writer commits it. A wake-up that looks
/// for it in that instant finds nothing, so a reported instant is kept this long and looked
/// for again, rather than forgotten.
constexpr qint64 hintGraceMs = 2000;
/// The longest single sleep, also with no timer at all: a safety net against wall-clock jumps
/// and lost change notices, not a scan (one indexed MIN query an hour).
constexpr qint64 maxSleepMs = 3600 * 1000;
/// Pause before looking again when due rows could not be fired (uncommitted, or locked by
/// another server), so that they are not polled in a tight loop.
constexpr int retryMs = 50;

/// One ticket of a pass: the due rows found for it and what the engine's writer did with it.
struct Slot
{
    qint64 ticket = 0;
    QList<DueTimer> rows;
    CommandResult result = CommandOutcome {};
};

/// One pass over the rows due at one instant. Batches are claimed and handed to the writer
/// without waiting for the previous one, so that the writer's group commits stay full while the
/// next batch is read; the pass then waits for all of them.
struct Pass
{
    std::deque<Slot> slots; // stable addresses for the callbacks
    QHash<qint64, Slot *> slotOf;
    QSemaphore done;
    bool anyNew = false; ///< a ticket not handled before in this call
    QString failure;
};

} // namespace

struct TimerScheduler::Private
{
    Options o;
    Engine::Mutation mutation; // SlaService::fireMutation
    QThread thread;
    QObject *context = nullptr; // lives on `thread`
    QTimer *timer = nullptr;
    QMutex fireMutex;
    std::atomic<qint64> advertised {never}; // the instant the thread will wake for
    std::atomic<bool> lookQueued {false}; // timersChangedElsewhere() has a look queued
    // Thread-only state.
    std::optional<qint64> next;
    QList<QPair<qint64, qint64>> hints; // (received, steady ms; due ms)
    QElapsedTimer steady;
    int retryDelayMs = 0; // before looking again at rows that are due now
    TimerScheduler *q = nullptr;

    mutable QMutex statsMutex;
    Stats stats;

    /// The next due rows after `after` (SQLite; PostgreSQL's leased rows are simply not due).
    Result<QList<DueTimer>> claim(const QSqlDatabase &db, qint64 nowMs, const DueTimer &after);
    /// Claims what is due at `nowMs` and hands each ticket to the writer once.
    void claimPass(const QSqlDatabase &db, qint64 nowMs, QSet<qint64> &seen, Report &report,
                   Pass &pass);
    /// Counts what the pass's commits did; returns the events they appended.
    int tally(Pass &pass);
    void wake();
    void onHint(qint64 dueMs);
    /// Another server's timers: the earliest due_at looked up again.
    void lookAgain();
    void rearm();
};

Result<QList<DueTimer>> TimerScheduler::Private::claim(const QSqlDatabase &db, qint64 nowMs,
                                                       const DueTimer &after)
{
    if (o.database->isPostgreSql())
        return TimerQueue::lease(db, nowMs, o.batchSize, nowMs + o.leaseMs);
    return TimerQueue::dueAfter(db, nowMs, after, o.batchSize);
}

void TimerScheduler::Private::claimPass(const QSqlDatabase &db, qint64 nowMs, QSet<qint64> &seen,
                                        Report &report, Pass &pass)
{
    DueTimer cursor {-1, 0, -1, -1};
    for (;;) {
        auto claimed = claim(db, nowMs, cursor);
        if (!claimed) {
            pass.failure = claimed.error();
            return;
        }
        if (claimed->isEmpty())
            return;
        cursor = claimed->last();
        report.timers += claimed->size();
        for (const DueTimer &row : std::as_const(*claimed)) {
            if (Slot *slot = pass.slotOf.value(row.ticketId)) {
                slot->rows.append(row);
                continue;
            }
            pass.slots.push_back(Slot {row.ticketId, {row}, CommandOutcome {}});
            Slot *slot = &pass.slots.back();
            pass.slotOf.insert(row.ticketId, slot);
            pass.anyNew = pass.anyNew || !seen.contains(row.ticketId);
            seen.insert(row.ticketId);
            // A ticket with nothing due (its clocks changed since the row was written) is
            // written with its current plan all the same (fireMutation), which replaces the
            // row: the engine's writer is the only one to write timers.
            o.engine->mutate(row.ticketId, mutation, [slot, &pass](CommandResult result) {
                slot->result = std::move(result);
                pass.done.release();
            });
        }
        if (claimed->size() < o.batchSize)
            return;
    }
}

int TimerScheduler::Private::tally(Pass &pass)
{
    int events = 0;
    quint64 fired = 0, replanned = 0, breaches = 0;
    for (const Slot &slot : pass.slots) {
        const CommandResult &result = slot.result;
        if (!result.ok()) {
            pass.failure = result.error();
            continue;
        }
        events += result->events.size();
        (result->events.isEmpty() ? replanned : fired) += quint64(slot.rows.size());
        for (const Event &event : result->events)
            breaches += event.type == EventTypes::slaBreached;
    }
    QMutexLocker statsLock(&statsMutex);
    ++stats.rounds;
    stats.events += quint64(events);
    stats.timersFired += fired;
    stats.timersReplanned += replanned;
    stats.slaBreaches += breaches;
    return events;
}

TimerScheduler::TimerScheduler(Options options)
    : d(std::make_unique<Private>())
{
    d->o = std::move(options);
    if (d->o.sla)
        d->mutation = d->o.sla->fireMutation();
    d->q = this;
    d->steady.start();
}

TimerScheduler::~TimerScheduler()
{
    if (d->thread.isRunning()) {
        QMetaObject::invokeMethod(
            d->context,
            [this] {
                delete d->context; // and its timer
                d->context = nullptr;
                d->o.database->closeThreadConnection();
            },
            Qt::BlockingQueuedConnection);
        d->thread.quit();
        d->thread.wait();
    } else {
        delete d->context;
    }
}

Result<void> TimerScheduler::start()
{
    if (!d->o.database || !d->o.engine || !d->o.sla || !d->o.clock)
        return makeError(QStringLiteral("timer scheduler: database, engine, SLA service and "
                                        "clock are required"));
    d->context = new QObject;
    d->timer = new QTimer(d->context);
    d->timer->setSingleShot(true);
    d->timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(d->timer, &QTimer::timeout, d->context, [this] { d->wake(); });
    d->context->moveToThread(&d->thread);
    d->thread.setObjectName(QStringLiteral("baton-timers"));
    d->thread.start();
    // First thing on the thread: whatever came due while the server was down, in due order.
    QMetaObject::invokeMethod(
        d->context, [this] { d->wake(); }, Qt::QueuedConnection);
    return {};
}

void TimerScheduler::timersWritten(qint64 dueAtMs)
{
    if (!d->context)
        return;
    // Lock-free for the writer: only an instant earlier than the one the thread sleeps
    // towards is worth a message, or, with a fake clock (whose thread sleeps towards nothing
    // in its future), one that is due already.
    qint64 current = d->advertised.load();
    while (dueAtMs < current) {
        if (d->advertised.compare_exchange_weak(current, dueAtMs)) {
            QMetaObject::invokeMethod(
                d->context, [this, dueAtMs] { d->onHint(dueAtMs); }, Qt::QueuedConnection);
            return;
        }
    }
    if (!d->o.wallClock && dueAtMs <= d->o.clock->now().toMSecsSinceEpoch())
        QMetaObject::invokeMethod(
            d->context, [this, dueAtMs] { d->onHint(dueAtMs); }, Qt::QueuedConnection);
}

void TimerScheduler::Private::onHint(qint64 dueMs)
{
    hints.append({steady.elapsed(), dueMs});
    if (!next || dueMs < *next)
        next = dueMs;
    rearm();
}

void TimerScheduler::timersChangedElsewhere()
{
    if (!d->context || d->lookQueued.exchange(true))
        return;
    QMetaObject::invokeMethod(
        d->context, [this] { d->lookAgain(); }, Qt::QueuedConnection);
}

void TimerScheduler::Private::lookAgain()
{
    lookQueued.store(false);
    auto earliest = q->earliestDue();
    if (!earliest) {
        qCWarning(lcTimers).noquote() << earliest.error();
        return;
    }
    if (!earliest->has_value())
        return;
    const qint64 dueMs = (*earliest)->toMSecsSinceEpoch();
    if (!next || dueMs < *next) {
        next = dueMs;
        rearm();
    }
}

void TimerScheduler::Private::wake()
{
    {
        QMutexLocker lock(&statsMutex);
        ++stats.wakeups;
    }
    const qint64 startedAt = steady.elapsed();
    const qint64 roundNow = o.clock->now().toMSecsSinceEpoch();
    auto report = q->fireDueTimers();
    if (!report)
        qCWarning(lcTimers).noquote() << report.error();
    next.reset();
    if (auto earliest = q->earliestDue(); earliest && earliest->has_value())
        next = (*earliest)->toMSecsSinceEpoch();
    // Instants reported while this round ran may not have been committed when MIN looked.
    hints.removeIf([&](const QPair<qint64, qint64> &hint) {
        return hint.first < startedAt - hintGraceMs
            || (report && report->timers > 0 && hint.second <= roundNow);
    });
    for (const auto &hint : std::as_const(hints))
        if (!next || hint.second < *next)
            next = hint.second;
    retryDelayMs = !report ? 1000 : report->timers > 0 ? 0 : retryMs;
    rearm();
}

void TimerScheduler::Private::rearm()
{
    if (!timer)
        return;
    advertised.store(next ? *next : never);
    if (!next) {
        // Nothing to wait for here; another server's timers are heard of through its notices,
        // and should one be lost, the hourly look finds them all the same.
        if (o.wallClock)
            timer->start(int(maxSleepMs));
        else
            timer->stop();
        return;
    }
    const qint64 delay = *next - o.clock->now().toMSecsSinceEpoch();
    if (delay <= 0) {
        // Due now: fire at once, unless the last round could fire nothing (rows not yet
        // committed, held by another server, or a database error), then look again later.
        timer->start(retryDelayMs);
    } else if (o.wallClock) {
        timer->start(int(std::min(delay, maxSleepMs)));
    } else {
        timer->stop(); // a fake clock moves only through fireDueTimers()
    }
}

Result<std::optional<QDateTime>> TimerScheduler::earliestDue()
{
    auto db = d->o.database->connection();
    if (!db)
        return db.failure();
    auto earliest = TimerQueue::earliestDue(*db);
    if (!earliest)
        return earliest.failure();
    if (!earliest->has_value())
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(QDateTime::fromMSecsSinceEpoch(**earliest, QTimeZone::utc()));
}

Result<TimerScheduler::Report> TimerScheduler::fireDueTimers()
{
    QMutexLocker lock(&d->fireMutex);
    auto db = d->o.database->connection();
    if (!db)
        return db.failure();
    Report report;
    QSet<qint64> seen;
    // Passes until nothing due is left.
    for (;;) {
        Pass pass;
        d->claimPass(*db, d->o.clock->now().toMSecsSinceEpoch(), seen, report, pass);
        pass.done.acquire(int(pass.slots.size()));
        if (pass.slots.empty() && pass.failure.isEmpty())
            break;
        ++report.rounds;
        report.tickets += int(pass.slots.size());
        report.events += d->tally(pass);
        if (!pass.failure.isEmpty())
            return makeError(QStringLiteral("firing SLA timers failed: %1").arg(pass.failure));
        if (!pass.anyNew)
            break; // only tickets already handled in this call: leave them for the next wake
    }
    return report;
}

TimerScheduler::Stats TimerScheduler::stats() const
{
    Stats stats;
    {
        QMutexLocker lock(&d->statsMutex);
        stats = d->stats;
    }
    stats.slaBreaches += d->o.sla->breachesRecomputed();
    return stats;
}

} // namespace Baton

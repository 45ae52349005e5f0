// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/timerscheduler.h"

#include "core/clock.h"
#include "core/metrics.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "store/database.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QSqlQuery>
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
/// The longest single sleep: a safety net against wall-clock jumps, not a scan (one indexed
/// MIN query an hour).
constexpr qint64 maxSleepMs = 3600 * 1000;
/// Pause before looking again when due rows could not be fired (uncommitted, or locked by
/// another server), so that they are not polled in a tight loop.
constexpr int retryMs = 50;

struct Claimed
{
    qint64 id = 0;
    qint64 ticket = 0;
    qint64 dueAt = 0; ///< as claimed (the original due instant)
    qint64 heldAt = 0; ///< due_at as the row now holds it (the lease, on PostgreSQL)
};

} // namespace

struct TimerScheduler::Private
{
    Options o;
    QThread thread;
    QObject *context = nullptr; // lives on `thread`
    QTimer *timer = nullptr;
    QMutex fireMutex;
    std::atomic<qint64> advertised {never}; // the instant the thread will wake for
    // Thread-only state.
    std::optional<qint64> next;
    QList<QPair<qint64, qint64>> hints; // (received, steady ms; due ms)
    QElapsedTimer steady;
    int retryDelayMs = 0; // before looking again at rows that are due now
    TimerScheduler *q = nullptr;

    mutable QMutex statsMutex;
    Stats stats;

    /// The next due rows after `after` (SQLite; PostgreSQL's leased rows are simply not due).
    Result<QList<Claimed>> claim(const QSqlDatabase &db, qint64 nowMs, const Claimed &after);
    Result<void> dropStale(const QSqlDatabase &db, const QList<Claimed> &rows,
                           const TicketState &ticket);
    void wake();
    void onHint(qint64 dueMs);
    void rearm();
};

Result<QList<Claimed>> TimerScheduler::Private::claim(const QSqlDatabase &db, qint64 nowMs,
                                                      const Claimed &after)
{
    QList<Claimed> rows;
    if (o.database->isPostgreSql()) {
        const qint64 lease = nowMs + o.leaseMs;
        auto query = runQuery(
            db,
            QStringLiteral(
                "WITH due AS (SELECT id, ticket_id, due_at FROM timers WHERE due_at <= ? "
                "ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) "
                "UPDATE timers SET due_at = ? FROM due WHERE timers.id = due.id "
                "RETURNING due.id, due.ticket_id, due.due_at"),
            {nowMs, o.batchSize, lease});
        if (!query)
            return Error {query.error()};
        while (query->next())
            rows.append({query->value(0).toLongLong(), query->value(1).toLongLong(),
                         query->value(2).toLongLong(), lease});
    } else {
        // SQLite: one server, one writer; the rows stay until the engine's commit replaces them,
        // so a pass pages through them in (due_at, id) order rather than reading them again.
        auto query = runQuery(
            db,
            QStringLiteral("SELECT id, ticket_id, due_at FROM timers WHERE due_at <= ? AND "
                           "(due_at > ? OR (due_at = ? AND id > ?)) ORDER BY due_at, id LIMIT ?"),
            {nowMs, after.dueAt, after.dueAt, after.id, o.batchSize});
        if (!query)
            return Error {query.error()};
        while (query->next()) {
            const qint64 due = query->value(2).toLongLong();
            rows.append({query->value(0).toLongLong(), query->value(1).toLongLong(), due, due});
        }
    }
    std::sort(rows.begin(), rows.end(), [](const Claimed &a, const Claimed &b) {
        return a.dueAt != b.dueAt ? a.dueAt < b.dueAt : a.id < b.id;
    });
    return rows;
}

/// A timer whose ticket had nothing due (it was fired meanwhile, or its clocks changed): the
/// engine wrote nothing, so the row is replaced here by the ticket's current plan. Only if the
/// row is still as claimed: if the engine replaced it meanwhile, its plan is the newer one.
Result<void> TimerScheduler::Private::dropStale(const QSqlDatabase &db, const QList<Claimed> &rows,
                                                const TicketState &ticket)
{
    Transaction transaction(db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    bool dropped = false;
    for (const Claimed &row : rows) {
        auto query = runQuery(db, QStringLiteral("DELETE FROM timers WHERE id = ? AND due_at = ?"),
                              {row.id, row.heldAt});
        if (!query)
            return Error {query.error()};
        dropped = dropped || query->numRowsAffected() > 0;
    }
    if (dropped && ticket.isOpen()) {
        auto workflow = o.engine->workflow(ticket.workflow, ticket.workflowVersion);
        if (!workflow)
            return Error {workflow.error()};
        const SlaPlan plan = o.sla->plan(ticket, **workflow);
        for (const TimerRow &timer : plan.timers) {
            auto query = runQuery(
                db,
                QStringLiteral(
                    "INSERT INTO timers (ticket_id, kind, due_at, data) VALUES (?, ?, ?, ?)"),
                {ticket.id, timer.kind, timer.dueAt, QString::fromUtf8(timer.data)});
            if (!query)
                return Error {query.error()};
        }
    }
    return transaction.commit();
}

TimerScheduler::TimerScheduler(Options options)
    : d(std::make_unique<Private>())
{
    d->o = std::move(options);
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
        return Error {db.error()};
    auto query = runQuery(*db, QStringLiteral("SELECT MIN(due_at) FROM timers"));
    if (!query)
        return Error {query.error()};
    if (!query->next() || query->value(0).isNull())
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(
        QDateTime::fromMSecsSinceEpoch(query->value(0).toLongLong(), QTimeZone::utc()));
}

Result<TimerScheduler::Report> TimerScheduler::fireDueTimers()
{
    QMutexLocker lock(&d->fireMutex);
    auto db = d->o.database->connection();
    if (!db)
        return Error {db.error()};
    Report report;
    QSet<qint64> seen;
    const Engine::Mutation mutation = d->o.sla->fireMutation();
    // Passes until nothing due is left. Within a pass, batches are claimed and handed to the
    // writer without waiting for the previous one, so that the writer's group commits stay
    // full while the next batch is read; the pass then waits for all of them.
    for (;;) {
        const qint64 nowMs = d->o.clock->now().toMSecsSinceEpoch();
        struct Slot
        {
            qint64 ticket = 0;
            QList<Claimed> rows;
            CommandResult result;
        };
        std::deque<Slot> slots; // stable addresses for the callbacks
        QHash<qint64, Slot *> slotOf;
        QSemaphore done;
        Claimed cursor {0, 0, -1, -1};
        cursor.id = -1;
        bool anyNew = false;
        QString failure;
        for (;;) {
            auto claimed = d->claim(*db, nowMs, cursor);
            if (!claimed) {
                failure = claimed.error();
                break;
            }
            if (claimed->isEmpty())
                break;
            cursor = claimed->last();
            report.timers += claimed->size();
            for (const Claimed &row : std::as_const(*claimed)) {
                if (Slot *slot = slotOf.value(row.ticket)) {
                    slot->rows.append(row);
                    continue;
                }
                slots.push_back(Slot {row.ticket, {row}, {}});
                Slot *slot = &slots.back();
                slotOf.insert(row.ticket, slot);
                anyNew = anyNew || !seen.contains(row.ticket);
                seen.insert(row.ticket);
                d->o.engine->mutate(row.ticket, mutation, [slot, &done](CommandResult result) {
                    slot->result = std::move(result);
                    done.release();
                });
            }
            if (claimed->size() < d->o.batchSize)
                break;
        }
        done.acquire(int(slots.size()));
        if (slots.empty() && failure.isEmpty())
            break;
        ++report.rounds;
        report.tickets += int(slots.size());
        int events = 0;
        for (Slot &slot : slots) {
            const CommandResult &result = slot.result;
            if (!result.failure.isEmpty()) {
                failure = result.failure;
                continue;
            }
            events += result.events.size();
            if (result.ok() && !result.events.isEmpty()) {
                Metrics::global().timersFired.add(quint64(slot.rows.size()));
                continue;
            }
            // Nothing fired, or the ticket is gone: the timer was stale.
            if (auto dropped = d->dropStale(*db, slot.rows, result.ticket); !dropped)
                failure = dropped.error();
        }
        report.events += events;
        {
            QMutexLocker statsLock(&d->statsMutex);
            ++d->stats.rounds;
            d->stats.events += events;
            for (const Slot &slot : slots)
                d->stats.timersFired += slot.rows.size();
        }
        if (!failure.isEmpty())
            return makeError(QStringLiteral("firing SLA timers failed: %1").arg(failure));
        if (!anyNew)
            break; // only tickets already handled in this call: leave them for the next wake
    }
    return report;
}

TimerScheduler::Stats TimerScheduler::stats() const
{
    QMutexLocker lock(&d->statsMutex);
    return d->stats;
}

} // namespace Baton

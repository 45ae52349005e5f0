// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QDateTime>

#include <memory>

namespace Baton {

class Clock;
class Database;
class Engine;
class SlaService;

/// Fires SLA timers (the `timers` table) when they come due.
///
/// It never scans open tickets: it knows the earliest due_at (one indexed MIN query at start
/// and after each round), sleeps on one QTimer until then on its own thread, and is told by
/// the SLA planner whenever the engine writes an earlier timer (timersWritten()). A round
/// claims due timers in due order, in batches, and hands each ticket to the engine's writer
/// as a mutation (SlaService::fireMutation): the events, notifications, the ticket row and its
/// replacement timer are one transaction, and the claimed timer row is deleted by that same
/// transaction (the engine replaces a ticket's timers whenever it writes it). Each step fires
/// once because the fired steps are part of the ticket state (TicketState::slaFired). A timer
/// whose ticket has nothing due (its clocks changed since) is replaced the same way: the
/// mutation asks the engine to write the ticket's current plan. The scheduler itself writes no
/// ticket data; it only finds due rows (store/timerqueue.h).
///
/// Claiming: on SQLite the server is alone and the round simply reads due rows. On PostgreSQL
/// several servers share the table: a round claims rows with FOR UPDATE SKIP LOCKED and leases
/// them by moving their due_at `leaseMs` ahead, so that no other server takes them while the
/// engine fires them; a server that dies holding a lease leaves the timers to fire on another
/// server (or itself after restart) when the lease runs out.
///
/// With a fake clock (wallClock false) nothing fires by itself: fireDueTimers(), called after
/// moving the clock, fires what came due and returns once it is durable.
class TimerScheduler
{
public:
    struct Options
    {
        std::shared_ptr<Database> database;
        Engine *engine = nullptr; ///< must outlive the scheduler
        SlaService *sla = nullptr; ///< must outlive the scheduler
        const Clock *clock = nullptr;
        bool wallClock = true; ///< false for --fake-clock
        int batchSize = 1000;
        qint64 leaseMs = 60000; ///< PostgreSQL claims
    };

    struct Report
    {
        int timers = 0; ///< timer rows claimed
        int tickets = 0; ///< tickets handed to the engine
        int events = 0; ///< events appended (warnings, breaches, escalations)
        int rounds = 0;
    };

    struct Stats
    {
        quint64 wakeups = 0; ///< times the scheduler's thread woke up
        quint64 rounds = 0;
        quint64 timersFired = 0; ///< timers whose ticket the engine fired something for
        quint64 timersReplanned = 0; ///< timers with nothing due: their ticket's plan rewritten
        quint64 events = 0;
        /// sla_breached events committed by the scheduler's rounds and by the SLA service's
        /// re-measured clocks (SlaService::breachesRecomputed): every breach the server made.
        quint64 slaBreaches = 0;
    };

    explicit TimerScheduler(Options options);
    /// Stops the thread (a round in progress completes first).
    ~TimerScheduler();
    TimerScheduler(const TimerScheduler &) = delete;
    TimerScheduler &operator=(const TimerScheduler &) = delete;

    /// Starts the thread: timers missed while the server was down fire at once, in due order.
    Result<void> start();

    /// The engine wrote a timer due at `dueAtMs` (ms since the epoch). Any thread; cheap.
    void timersWritten(qint64 dueAtMs);
    /// Another server on the database committed tickets (PostgreSQL's change feed): it may have
    /// written a timer earlier than the instant this thread sleeps towards, or the first one
    /// (and then die before firing it), so the earliest due_at is looked up again; also when
    /// notices may have been lost (the change feed reconnected). Any thread; notices arriving
    /// while a look is queued add nothing. Should a notice be lost unnoticed, the scheduler
    /// still looks once an hour, with or without timers of its own.
    void timersChangedElsewhere();

    /// Fires every timer due at the clock's now, round after round until none is left, and
    /// returns once all of it is committed. Any thread (not the engine's writer); rounds of
    /// several callers run one after the other.
    Result<Report> fireDueTimers();

    /// The earliest due_at in the table, if any (an indexed MIN query).
    Result<std::optional<QDateTime>> earliestDue();

    /// For /metrics (baton_timers_fired_total, baton_sla_breaches_total) and the benchmarks.
    Stats stats() const;

    struct Private;

private:
    std::unique_ptr<Private> d;
};

} // namespace Baton

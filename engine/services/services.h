// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/result.h"

#include <QStringList>

#include <functional>
#include <memory>

namespace Baton {

class Clock;
class Database;
class Engine;
class FakeClock;
class SlaService;
class StepFactDeriver;
class TimerScheduler;
struct Organisation;

/// Opens the database at `url` (sqlite:PATH or postgresql://…) and brings its schema up to
/// date; the folder of a SQLite file is created first.
Result<std::shared_ptr<Database>> openMigratedDatabase(const QString &url);

/// What a Services set is built on.
struct ServicesOptions
{
    std::shared_ptr<Database> database; ///< required; open and migrated
    std::shared_ptr<const Organisation> organisation; ///< required
    const Clock *clock = nullptr; ///< required; must outlive the services
    /// `--fake-clock` (the same clock as `clock`): POST /api/v1/admin/clock moves it, and the
    /// SLA timers fire when it is moved instead of by the wall clock.
    FakeClock *fakeClock = nullptr;
    /// Called with the error of a timer round the clock's move started (on an HTTP thread).
    std::function<void(const QString &error)> timerRoundFailed;
    /// Who is in which department, for SLA clocks measured on the originator's calendar.
    /// Default: the user directory's snapshot (UserDirectory::departmentsOf).
    std::function<QStringList(const QString &username)> departmentsLookup;
    int timerBatchSize = 1000;
    AuthService::Options auth;
    /// Reports (issue 17): the engine keeps a fact per step a write ends, and startEngine first
    /// back-fills the facts of tickets written before it did (report/stepfactbackfill.h). Off
    /// only to measure the engine without them (bench_engine --step-facts off).
    bool stepFacts = true;
};

/// The composition root: the one place that wires the database, the engine with its SLA
/// planner, the timer scheduler, sign-in and the HTTP API together, so that `baton serve`, the
/// integration tests and the benchmarks run the same server. Started in stages because the
/// callers work between them (demo tickets are seeded before the engine numbers tickets,
/// workflows published and users created before HTTP opens); stopped in the one safe order.
class Services
{
public:
    /// Builds the SLA service and sign-in; nothing runs yet.
    explicit Services(ServicesOptions options);
    ~Services();
    Services(const Services &) = delete;
    Services &operator=(const Services &) = delete;

    /// The engine with the SLA planner (and the step facts' recorder), the step facts of old
    /// tickets back-filled, and the timer scheduler wired to both (not yet firing).
    Result<void> startEngine();
    /// The scheduler's own thread: fires the timers missed while down, then each as it comes
    /// due on the wall clock (with a fake clock: only when it is moved).
    Result<void> startTimers();
    /// The HTTP API on `options.http`; the engine, sign-in, clocks and SLA service are filled
    /// in. Returns the port it listens on.
    Result<quint16> startHttp(Api::ApiServerOptions options);
    /// Timers first (they fire through the engine), then the engine (it completes queued
    /// writes, whose answers go out through the still running HTTP threads), then HTTP.
    /// Idempotent; the destructor calls it.
    void stop();

    const std::shared_ptr<Database> &database() const { return m_options.database; }
    const Organisation &organisation() const { return *m_options.organisation; }
    Engine &engine() { return *m_engine; }
    SlaService &sla() { return *m_sla; }
    TimerScheduler &timers() { return *m_timers; }
    AuthService &auth() { return *m_auth; }
    Api::ApiServer &api() { return *m_api; }
    /// The step facts' deriver; null when ServicesOptions::stepFacts is off.
    const StepFactDeriver *stepFacts() const { return m_stepFacts.get(); }

private:
    ServicesOptions m_options;
    std::unique_ptr<AuthService> m_auth; // before m_sla: the SLA clocks ask it for departments
    std::unique_ptr<SlaService> m_sla;
    std::unique_ptr<StepFactDeriver> m_stepFacts; // on m_sla's clocks
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<TimerScheduler> m_timers;
    std::unique_ptr<Api::ApiServer> m_api;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/result.h"
#include "definition/channelsreader.h"

#include <QStringList>

#include <functional>
#include <memory>

namespace Baton {

class Clock;
class Database;
class DeliveryWorker;
class Engine;
class PluginHost;
class FakeClock;
class SlaService;
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
    /// channels.yaml's channels: with none, the engine writes no outbox rows and no delivery
    /// worker runs.
    QList<ChannelDefinition> channels;
    /// Where plugins are loaded from (PluginHost::defaultFolder() when empty).
    QString pluginFolder;
    int deliveryPollMs = 1000;
    qint64 deliveryFirstRetryMs = 5000;
    int deliveryMaxAttempts = 20;
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

    /// Loads the plugins of options.pluginFolder (failures are recorded, not fatal) and checks
    /// each channel of options.channels against its plugin: an error per channel whose plugin
    /// did not load or refuses its settings, as FILE:LINE:COL: error: MESSAGE.
    QStringList loadPlugins();
    /// The engine with the SLA planner, and the timer scheduler wired to both (not yet firing).
    Result<void> startEngine();
    /// The scheduler's own thread: fires the timers missed while down, then each as it comes
    /// due on the wall clock (with a fake clock: only when it is moved).
    Result<void> startTimers();
    /// The delivery worker's own thread, when channels are configured.
    void startDelivery();
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
    const PluginHost &plugins() const { return *m_plugins; }
    /// Null when no channel is configured.
    DeliveryWorker *delivery() { return m_delivery.get(); }

private:
    ServicesOptions m_options;
    std::unique_ptr<AuthService> m_auth; // before m_sla: the SLA clocks ask it for departments
    std::unique_ptr<SlaService> m_sla;
    std::unique_ptr<PluginHost> m_plugins;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<TimerScheduler> m_timers;
    std::unique_ptr<DeliveryWorker> m_delivery;
    std::unique_ptr<Api::ApiServer> m_api;
};

} // namespace Baton

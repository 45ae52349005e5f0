// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/result.h"
#include "definition/channelsreader.h"
#include "definition/liveorganisation.h"

#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace Baton {

class ChangeListener;
class Clock;
class Database;
class DeliveryWorker;
class Engine;
class PluginHost;
class ReportCounter;
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
    /// Its text (organisationSource() of its files): what GET /api/v1/org shows until a
    /// version is published.
    QByteArray organisationSource;
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
    /// Hot tickets the engine's writer keeps in memory; unset: EngineOptions' default.
    std::optional<int> cacheLimit;
    /// stop(): how long requests in flight may take to be answered (then their connections
    /// are cut), and how long live streams get to take their close frame.
    int drainTimeoutMs = 3500;
    int streamCloseMs = 500;
    AuthService::Options auth;
    /// PostgreSQL: every commit is announced to the other servers on the database, and what
    /// they commit reaches this server's streams (store/changefeed.h). Off: this server's
    /// streams show its own changes only. SQLite: ignored (one server per file).
    bool liveAcrossServers = true;
    /// Reports (issue 17): the engine keeps a fact per step a write ends, and startEngine starts
    /// back-filling, in the background, the facts of tickets written before it did
    /// (report/stepfactbackfill.h). Off only to measure the engine without them
    /// (bench_engine --step-facts off).
    bool stepFacts = true;
    /// Tickets per transaction of the step facts' back-fill (it runs while the engine writes,
    /// which waits for each chunk's commit on SQLite).
    int backfillChunk = 100;
    /// channels.yaml's channels: with none, the engine writes no outbox rows and no delivery
    /// worker runs.
    QList<ChannelDefinition> channels;
    /// directory.yaml: sign-in with the company directory through its authenticator plugin.
    std::optional<DirectoryDefinition> directory;
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
    /// did not load or refuses its settings, as FILE:LINE:COL: error: MESSAGE; the same for
    /// options.directory, which then becomes the sign-in's directory.
    QStringList loadPlugins();
    /// The engine with the SLA planner (and the step facts' recorder), the step facts of old
    /// tickets' back-fill started (in the background), and the timer scheduler wired to both
    /// (not yet firing).
    Result<void> startEngine();
    /// The scheduler's own thread: fires the timers missed while down, then each as it comes
    /// due on the wall clock (with a fake clock: only when it is moved).
    Result<void> startTimers();
    /// The delivery worker's own thread, when channels are configured.
    void startDelivery();
    /// The HTTP API on `options.http`; the engine, sign-in, clocks and SLA service are filled
    /// in. On PostgreSQL (liveAcrossServers), first LISTENs for the other servers' commits,
    /// which then reach its streams. Returns the port it listens on.
    Result<quint16> startHttp(Api::ApiServerOptions options);
    /// This server's id in the announcements of its commits (a UUID per start).
    const QString &serverId() const { return m_serverId; }

    /// The graceful shutdown (SIGTERM), in the one safe order:
    /// 0. the other servers' changes are no longer heard (they would be published via HTTP);
    /// 1. HTTP stops accepting connections;
    /// 2. HTTP drains: requests in flight are answered — the engine still runs and commits
    ///    them, their answers go out with `Connection: close`; idle connections are closed;
    ///    after drainTimeoutMs what is left is cut off; then the live streams get 1001;
    /// 3. timers (a round in progress completes; nothing can ask /metrics for them any more),
    ///    then the engine (it completes anything still queued), then the HTTP threads.
    /// The timers keep firing during the drain instead of stopping first: the API reads them
    /// for /metrics until no request can arrive. Idempotent; the destructor calls it.
    /// Returns false when something was cut off at the deadline.
    bool stop();

    const std::shared_ptr<Database> &database() const { return m_options.database; }
    /// The organisation now (an admin may publish another while the server runs).
    const Organisation &organisation() const { return m_organisation->current(); }
    Engine &engine() { return *m_engine; }
    SlaService &sla() { return *m_sla; }
    TimerScheduler &timers() { return *m_timers; }
    AuthService &auth() { return *m_auth; }
    Api::ApiServer &api() { return *m_api; }
    /// The step facts' deriver; null when ServicesOptions::stepFacts is off.
    const StepFactDeriver *stepFacts() const { return m_stepFacts.get(); }
    const PluginHost &plugins() const { return *m_plugins; }
    const QList<ChannelDefinition> &channels() const { return m_options.channels; }
    /// Null when no channel is configured.
    DeliveryWorker *delivery() { return m_delivery.get(); }

private:
    ServicesOptions m_options;
    QString m_serverId;
    std::shared_ptr<LiveOrganisation> m_organisation; // the engine's and the SLA clocks'
    std::unique_ptr<AuthService> m_auth; // before m_sla: the SLA clocks ask it for departments
    std::unique_ptr<SlaService> m_sla;
    std::unique_ptr<StepFactDeriver> m_stepFacts; // on m_sla's clocks
    std::unique_ptr<PluginHost> m_plugins;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<TimerScheduler> m_timers;
    std::unique_ptr<DeliveryWorker> m_delivery;
    /// The worker the engine wakes after a commit that wrote outbox rows (null while none).
    std::mutex m_wakeMutex;
    DeliveryWorker *m_deliveryToWake = nullptr;
    std::unique_ptr<Api::ApiServer> m_api;
    std::unique_ptr<ChangeListener> m_listener; // after m_api: it publishes there
    std::thread m_backfill; // the step facts' back-fill (startBackfill)
    std::atomic<bool> m_stopBackfill {false};
    std::mutex m_backfillMutex;
    std::condition_variable m_backfillWake; // the roll-up's compaction waits on it
    std::unique_ptr<ReportCounter> m_reportCounter; // the reports' days counted (reportcounter.h)
    void startBackfill();
    void compactRollupDaily();
    qint64 today() const; ///< the UTC day on the services' clock (store/steprollup.h)
    std::thread m_summaries; // the weekly summary mails (startWeeklySummaries)
    std::mutex m_summaryMutex;
    std::condition_variable m_summaryWake;
    bool m_stopSummaries = false; // guarded by m_summaryMutex
    void startWeeklySummaries(const QString &channel);
    bool announcing() const;
    void listenToOtherServers();
};

} // namespace Baton

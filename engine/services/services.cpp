// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/services.h"

#include "api/weeklysummary.h"
#include "core/clock.h"
#include "delivery/channelcheck.h"
#include "delivery/channelchoice.h"
#include "delivery/deliveryworker.h"
#include "delivery/outboxrouter.h"
#include "plugin/authenticator.h"
#include "pluginhost/pluginhost.h"
#include "report/stepfactbackfill.h"
#include "report/stepfactderiver.h"
#include "runtime/engine.h"
#include "services/reportcounter.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/changelistener.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/steprollup.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

namespace Baton {

Result<std::shared_ptr<Database>> openMigratedDatabase(const QString &url)
{
    if (url.startsWith(QStringLiteral("sqlite:"))) {
        const QString path = url.mid(7);
        if (!path.isEmpty() && path != u":memory:")
            QDir().mkpath(QFileInfo(path).absolutePath());
    }
    auto database = Database::open(url);
    if (!database)
        return database.failure();
    if (auto migrated = Schema::migrate(**database); !migrated)
        return migrated.failure();
    return *database;
}

Services::Services(ServicesOptions options)
    : m_options(std::move(options))
    , m_serverId(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_organisation(std::make_shared<LiveOrganisation>(m_options.organisation, 0,
                                                        m_options.organisationSource))
    , m_auth(std::make_unique<AuthService>(*m_options.database, *m_options.clock, m_options.auth))
    , m_plugins(std::make_unique<PluginHost>())
{
    SlaService::DepartmentsLookup departmentsOf = m_options.departmentsLookup;
    if (!departmentsOf)
        departmentsOf = [auth = m_auth.get()](const QString &username) {
            return auth->users().departmentsOf(username);
        };
    m_sla = std::make_unique<SlaService>(m_organisation, m_options.database, m_options.clock,
                                         std::move(departmentsOf));
    if (m_options.stepFacts)
        m_stepFacts = std::make_unique<StepFactDeriver>(stepFactDeriverOf(*m_sla));
}

Services::~Services()
{
    stop();
}

Result<void> Services::startEngine()
{
    EngineOptions engineOptions;
    engineOptions.database = m_options.database;
    engineOptions.organisation = m_options.organisation;
    engineOptions.liveOrganisation = m_organisation;
    engineOptions.clock = m_options.clock;
    engineOptions.cacheLimit = m_options.cacheLimit.value_or(engineOptions.cacheLimit);
    engineOptions.slaPlanner = m_sla->planner();
    engineOptions.slaReader = m_sla->reader();
    if (announcing()) {
        engineOptions.announceAs = m_serverId;
        m_sla->setAnnounceAs(m_serverId);
        m_auth->setAnnounceAs(m_serverId);
    }
    if (m_stepFacts)
        engineOptions.stepFacts = m_stepFacts->recorder();
    engineOptions.outboxPlanner
        = OutboxRouter(
              m_options.channels, m_organisation,
              [auth = m_auth.get()](const QString &user, ContactField field, const QString &kind) {
                  const UserDirectory::Reach reach = auth->users().reachOf(user);
                  return (field == ContactField::Email ? reach.email : reach.phone)
                      && channelChosen(reach.channels, kind, field);
              })
              .planner();
    engineOptions.outboxCommitted = [this] {
        std::lock_guard lock(m_wakeMutex);
        if (m_deliveryToWake)
            m_deliveryToWake->wake();
    };
    // Plugins are loaded before the engine starts and never unloaded.
    engineOptions.assignmentStrategies = [plugins = m_plugins.get()](const QString &name) {
        return static_cast<const AssignmentStrategy *>(plugins->strategy(name));
    };
    auto engine = Engine::start(engineOptions);
    if (!engine)
        return engine.failure();
    m_engine = std::move(*engine);
    if (m_stepFacts)
        startBackfill();

    TimerScheduler::Options timerOptions;
    timerOptions.database = m_options.database;
    timerOptions.engine = m_engine.get();
    timerOptions.sla = m_sla.get();
    timerOptions.clock = m_options.clock;
    timerOptions.wallClock = m_options.fakeClock == nullptr;
    timerOptions.batchSize = m_options.timerBatchSize;
    m_timers = std::make_unique<TimerScheduler>(timerOptions);
    m_sla->setTimerListener(
        [timers = m_timers.get()](qint64 dueAtMs) { timers->timersWritten(dueAtMs); });
    return {};
}

namespace {

// directory.yaml's authenticator, its settings checked by it: the sign-in's directory, or the
// error that stops start-up (a configured directory that cannot be used must not silently
// leave only the local users).
Result<std::unique_ptr<DirectorySignIn>> directorySignIn(const PluginHost &plugins,
                                                         const DirectoryDefinition &directory)
{
    const QString at = directory.file + u':' + QString::number(directory.mark.line) + u':'
        + QString::number(directory.mark.column) + QStringLiteral(": error: directory: ");
    Authenticator *authenticator = plugins.authenticator(directory.plugin);
    if (!authenticator)
        return makeError(
            at
            + QStringLiteral("no authenticator plugin '%1' is loaded (loaded: %2)")
                  .arg(directory.plugin, plugins.authenticatorNames().join(QStringLiteral(", "))));
    auto settings = resolveDirectorySecrets(directory, processEnvironment);
    if (!settings)
        return makeError(at + settings.error());
    if (auto checked = authenticator->checkSettings(*settings); !checked)
        return makeError(at + checked.error());
    return std::make_unique<DirectorySignIn>(*authenticator, std::move(*settings), directory);
}

} // namespace

QStringList Services::loadPlugins()
{
    m_plugins->loadFolder(m_options.pluginFolder.isEmpty() ? PluginHost::defaultFolder()
                                                           : m_options.pluginFolder);
    QStringList errors = checkChannels(*m_plugins, m_options.channels, processEnvironment);
    if (m_options.directory) {
        auto directory = directorySignIn(*m_plugins, *m_options.directory);
        if (directory)
            m_auth->setDirectory(std::move(*directory));
        else
            errors.append(directory.error());
    }
    return errors;
}

// Old tickets' facts from their events (migrations 11 and 17), on a thread of its own while the
// server serves: on a million tickets it takes minutes, which start-up must not wait for. Their
// workflow versions are stored already, publishing does not change them. Reports say how far it
// is (README "Reports": existing databases); stop() ends it between two chunks, the next start
// resumes it.
void Services::startBackfill()
{
    m_reportCounter = std::make_unique<ReportCounter>(m_options.database, *m_options.clock);
    m_reportCounter->start();
    m_backfill = std::thread([this, engine = m_engine.get()] {
        const auto backfilled = backfillStepFacts(
            *m_options.database, *m_stepFacts,
            [engine](const QString &name, int version) { return engine->workflow(name, version); },
            m_options.backfillChunk, [this] { return m_stopBackfill.load(); });
        if (!backfilled)
            qWarning().noquote() << "reports back-fill stopped:" << backfilled.error()
                                 << "(it resumes at the next start)";
        // Then the roll-up of the facts (migration 31, and again after the facts' back-fill
        // replaced facts): a day of quarter hours per transaction, the days ended compacted.
        else if (const auto rolled = backfillStepRollup(
                     *m_options.database, 1, [this] { return m_stopBackfill.load(); }, today());
                 !rolled)
            qWarning().noquote() << "reports roll-up back-fill stopped:" << rolled.error()
                                 << "(it resumes at the next start)";
        else
            compactRollupDaily();
        m_options.database->closeThreadConnection();
    });
}

qint64 Services::today() const
{
    return rollupBucketOf(m_options.clock->now().toMSecsSinceEpoch(), RollupLevel::Day);
}

// The roll-up's daily level off the write path (store/steprollup.h): each UTC day compacted from
// its quarter hours once it has ended, looked at every few minutes (a fake clock's jumps are
// seen at the next look). A server down over midnight compacts the days it missed at its start;
// several servers on one database each try, and each day is compacted once.
void Services::compactRollupDaily()
{
    std::unique_lock lock(m_backfillMutex);
    while (!m_stopBackfill) {
        lock.unlock();
        if (const auto compacted = compactStepRollup(*m_options.database, today(),
                                                     [this] { return m_stopBackfill.load(); });
            !compacted)
            qWarning().noquote() << "reports roll-up compaction:" << compacted.error()
                                 << "(tried again in a few minutes)";
        lock.lock();
        m_backfillWake.wait_for(lock, std::chrono::minutes(5),
                                [this] { return m_stopBackfill.load(); });
    }
}

void Services::startDelivery()
{
    if (m_options.channels.isEmpty() || m_delivery)
        return;
    DeliveryWorker::Options options;
    options.database = m_options.database;
    options.clock = m_options.clock;
    options.plugins = m_plugins.get();
    options.channels = m_options.channels;
    options.pollMs = m_options.deliveryPollMs;
    options.firstRetryMs = m_options.deliveryFirstRetryMs;
    options.maxAttempts = m_options.deliveryMaxAttempts;
    m_delivery = std::make_unique<DeliveryWorker>(options);
    m_delivery->start();
    {
        std::lock_guard lock(m_wakeMutex);
        m_deliveryToWake = m_delivery.get();
    }
    if (const auto channel = Api::summaryChannel(m_options.channels); channel && m_engine)
        startWeeklySummaries(*channel);
}

// The weekly summary mails (README "Reports"): at start and every hour after, the summaries of
// each supervisor's last whole week (in their zone) that are not queued yet are composed and
// queued — so they go out early on their Monday, and a server that was down then sends them
// when it is back; a round with nothing due is two queries. The delivery worker sends them.
void Services::startWeeklySummaries(const QString &channel)
{
    m_summaries = std::thread([this, channel] {
        std::unique_lock lock(m_summaryMutex);
        while (!m_stopSummaries) {
            lock.unlock();
            const auto added = Api::queueWeeklySummaries(*m_engine, *m_options.database, channel,
                                                         m_options.clock->now());
            if (!added)
                qWarning().noquote() << "weekly summaries:" << added.error();
            else if (added->queued > 0)
                m_delivery->wake();
            lock.lock();
            m_summaryWake.wait_for(lock, std::chrono::hours(1), [this] { return m_stopSummaries; });
        }
        lock.unlock();
        m_options.database->closeThreadConnection();
    });
}

Result<void> Services::startTimers()
{
    return m_timers->start();
}

Result<quint16> Services::startHttp(Api::ApiServerOptions options)
{
    options.database = m_options.database;
    options.engine = m_engine.get();
    options.auth = m_auth.get();
    options.clock = m_options.clock;
    options.fakeClock = m_options.fakeClock;
    options.timers = m_timers.get();
    options.sla = m_sla.get();
    options.plugins = m_plugins.get();
    options.channels = m_options.channels;
    options.delivery = m_delivery.get();
    if (m_options.fakeClock) {
        // Timers that came due as the admin moved the clock fire before the move is answered.
        options.clockMoved = [timers = m_timers.get(), failed = m_options.timerRoundFailed] {
            if (auto fired = timers->fireDueTimers(); !fired && failed)
                failed(fired.error());
        };
    }
    m_api = std::make_unique<Api::ApiServer>(options);
    if (announcing())
        listenToOtherServers();
    return m_api->start();
}

bool Services::announcing() const
{
    return m_options.liveAcrossServers && m_options.database->isPostgreSql();
}

// Another server's commit reaches this one's streams as its own do: read back from the database
// (the notice holds ids only) and published under the same visibility rules.
void Services::listenToOtherServers()
{
    ChangeListener::Callbacks callbacks;
    callbacks.changed = [this](const ChangeNotice &notice) {
        if (notice.serverId == m_serverId)
            return;
        // A user changed there (a logout, a password, an address, a choice of channels, an
        // absence): their sessions and the snapshots the outbox router and the SLA planner
        // answer from are read afresh.
        if (!notice.users.isEmpty()) {
            m_auth->forgetSessionsOf(notice.users);
            m_auth->users().forget(notice.users);
        }
        if (notice.organisation > 0) // its tickets were re-measured by the server that published
            if (auto adopted = m_sla->adoptPublished(); !adopted)
                qWarning().noquote()
                    << "cannot take up another server's organisation:" << adopted.error();
        if (notice.tickets.isEmpty() && notice.notifications.isEmpty())
            return;
        // Its tickets' timers are this server's to fire too (when it dies before they are due).
        if (m_timers && !notice.tickets.isEmpty())
            m_timers->timersChangedElsewhere();
        auto change = m_engine->committedElsewhere(notice.tickets, notice.notifications);
        if (!change) {
            // The clients may have missed it: they reload.
            qWarning().noquote() << "cannot read another server's change:" << change.error();
            m_api->resyncStreams();
            return;
        }
        m_api->publish(*change);
    };
    // Changes made while the connection was down were not heard: the streams' clients reload.
    callbacks.reconnected = [this] {
        m_auth->forgetAllSessions(); // a logout may have been missed
        m_auth->users().forgetEveryone(); // a user's change may have gone unheard
        // So may a notice of another server's new timer: the earliest is looked up again (a
        // scheduler with no timer of its own would otherwise not hear of it for an hour).
        if (m_timers)
            m_timers->timersChangedElsewhere();
        if (auto adopted = m_sla->adoptPublished(); !adopted) // one may have been published
            qWarning().noquote() << "cannot take up the newest organisation:" << adopted.error();
        m_api->resyncStreams();
    };
    m_listener = std::make_unique<ChangeListener>(m_options.database, std::move(callbacks));
    if (auto listening = m_listener->start(); !listening)
        qWarning().noquote() << listening.error() << "(trying again in the background)";
}

bool Services::stop()
{
    m_listener.reset(); // first: what it hears is published through the API
    bool clean = true;
    if (m_api) {
        m_api->stopAccepting();
        clean = m_api->drain(m_options.drainTimeoutMs, m_options.streamCloseMs);
    }
    {
        std::lock_guard lock(m_wakeMutex); // the engine's committer may be waking it
        m_deliveryToWake = nullptr;
    }
    {
        std::lock_guard lock(m_summaryMutex); // before the worker it wakes
        m_stopSummaries = true;
    }
    m_summaryWake.notify_all();
    if (m_summaries.joinable())
        m_summaries.join();
    m_delivery.reset(); // it calls plugins and reads the database; nothing calls it
    if (m_reportCounter)
        m_reportCounter->stop();
    {
        std::lock_guard lock(m_backfillMutex); // before the upkeep it wakes
        m_stopBackfill = true; // between two chunks; it reads the engine's workflows
    }
    m_backfillWake.notify_all();
    if (m_backfill.joinable())
        m_backfill.join();
    m_timers.reset();
    m_engine.reset();
    m_api.reset();
    return clean;
}

} // namespace Baton

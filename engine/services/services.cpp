// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/services.h"

#include "core/clock.h"
#include "delivery/channelcheck.h"
#include "delivery/deliveryworker.h"
#include "delivery/outboxrouter.h"
#include "pluginhost/pluginhost.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"

#include <QDir>
#include <QFileInfo>

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
        return Error {database.error()};
    if (auto migrated = Schema::migrate(**database); !migrated)
        return Error {migrated.error()};
    return *database;
}

Services::Services(ServicesOptions options)
    : m_options(std::move(options))
    , m_auth(std::make_unique<AuthService>(*m_options.database, *m_options.clock, m_options.auth))
    , m_plugins(std::make_unique<PluginHost>())
{
    SlaService::DepartmentsLookup departmentsOf = m_options.departmentsLookup;
    if (!departmentsOf)
        departmentsOf = [auth = m_auth.get()](const QString &username) {
            return auth->users().departmentsOf(username);
        };
    m_sla = std::make_unique<SlaService>(m_options.organisation, m_options.database,
                                         m_options.clock, std::move(departmentsOf));
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
    engineOptions.clock = m_options.clock;
    engineOptions.slaPlanner = m_sla->planner();
    engineOptions.outboxPlanner = OutboxRouter(m_options.channels).planner();
    auto engine = Engine::start(engineOptions);
    if (!engine)
        return Error {engine.error()};
    m_engine = std::move(*engine);

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

QStringList Services::loadPlugins()
{
    m_plugins->loadFolder(m_options.pluginFolder.isEmpty() ? PluginHost::defaultFolder()
                                                           : m_options.pluginFolder);
    return checkChannels(*m_plugins, m_options.channels, processEnvironment);
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
    options.sla = m_sla.get();
    options.timers = m_timers.get();
    if (m_options.fakeClock) {
        // Timers that came due as the admin moved the clock fire before the move is answered.
        options.clockMoved = [timers = m_timers.get(), failed = m_options.timerRoundFailed] {
            if (auto fired = timers->fireDueTimers(); !fired && failed)
                failed(fired.error());
        };
    }
    m_api = std::make_unique<Api::ApiServer>(options);
    return m_api->start();
}

void Services::stop()
{
    m_delivery.reset(); // first: it calls plugins and reads the database, nothing calls it
    m_timers.reset();
    m_engine.reset();
    m_api.reset();
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "testserver.h"

#include "core/clock.h"
#include "definition/workflowset.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"

#include <QTest>

namespace Baton::Test {

Api::ApiServerOptions TestServerOptions::defaultApiOptions()
{
    Api::ApiServerOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    options.staticRoot = QStringLiteral(":/no-ui-in-tests");
    return options;
}

QString TestServerOptions::shippedWorkflows()
{
    return QStringLiteral(BATON_SOURCE_DIR "/workflows");
}

bool TestServerOptions::useWorkflowFolder(const QString &folder)
{
    const WorkflowSet set = loadWorkflowDirectory(folder);
    if (!set.ok())
        return false;
    organisation = std::make_shared<const Organisation>(set.organisation);
    workflows = set.workflows;
    workflowsFolder = folder;
    organisationSource = Baton::organisationSource(set.organisationFiles);
    return true;
}

Result<std::shared_ptr<Database>> TestServer::openDatabase(const QString &url)
{
    return openMigratedDatabase(url);
}

QString TestServer::start(const TestServerOptions &options)
{
    ServicesOptions services;
    services.database = options.database;
    services.organisation = options.organisation;
    services.organisationSource = options.organisationSource;
    services.clock = options.clock;
    services.fakeClock = options.adminClock ? options.clock : nullptr;
    services.timerRoundFailed = [](const QString &error) {
        QTest::qFail(qPrintable(u"SLA timers: " + error), __FILE__, __LINE__);
    };
    services.departmentsLookup = options.departmentsLookup;
    services.timerBatchSize = options.timerBatchSize;
    services.auth = options.auth;
    services.liveAcrossServers = options.liveAcrossServers;
    services.channels = options.channels;
    services.pluginFolder = options.pluginFolder;
    services.deliveryPollMs = options.deliveryPollMs;
    services.deliveryFirstRetryMs = options.deliveryFirstRetryMs;
    services.deliveryMaxAttempts = options.deliveryMaxAttempts;
    m_services = std::make_unique<Services>(services);
    if (!options.channels.isEmpty())
        if (const QStringList errors = m_services->loadPlugins(); !errors.isEmpty())
            return errors.join(u'\n');
    if (auto started = m_services->startEngine(); !started)
        return started.error();
    auto published = options.workflowsFolder.isEmpty()
        ? m_services->engine().publish(options.workflows)
        : m_services->engine().publishFiles(options.workflows, options.workflowsFolder);
    if (!published)
        return published.error();
    m_published = *published;
    if (options.publishOrganisationAtStart)
        if (auto org = m_services->sla().recomputeClocksSinceLastStart(
                m_services->engine(), *options.database, options.organisationSource);
            !org)
            return org.error();
    if (options.timerThread)
        if (auto started = m_services->startTimers(); !started)
            return started.error();
    m_services->startDelivery();
    if (options.http) {
        auto port = m_services->startHttp(options.api);
        if (!port)
            return port.error();
        m_port = *port;
    }
    return {};
}

void TestServer::stop()
{
    m_services.reset();
    m_port = 0;
}

QString TestServer::createUsers(const QList<User> &users, const QString &password)
{
    for (const User &user : users) {
        UserInput in;
        in.name = user.displayName.isEmpty() ? user.name : user.displayName;
        in.password = password;
        in.roles = QStringList {user.role};
        if (!user.department.isEmpty())
            in.departments = QStringList {user.department};
        if (auto created = auth().users().create(user.name, in, m_services->organisation());
            !created)
            return user.name + u": " + created.error();
    }
    return {};
}

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one server set-up of the integration tests: the composition root `baton serve` uses
// (services/services.h), on a database the test made, a fake clock, and an HTTP port the OS
// picks. Suites differ only in the options they set.

#include "services/services.h"
#include "store/workflowversions.h"

#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <utility>

namespace Baton {
struct Workflow;
struct WorkflowSet;
} // namespace Baton

namespace Baton::Test {

struct TestServerOptions
{
    std::shared_ptr<Database> database; ///< required; open and migrated
    FakeClock *clock = nullptr; ///< required; the server's only clock
    std::shared_ptr<const Organisation> organisation; ///< required
    QList<std::shared_ptr<const Workflow>> workflows;
    /// Set: the workflows are this folder's files, published as `baton serve` publishes them at
    /// start (publishFiles). Empty: published as from the editor (publish).
    QString workflowsFolder;
    /// The organisation's text (organisationSource() of the folder's files; useWorkflowFolder).
    QByteArray organisationSource;
    /// The organisation's files are published at start as `baton serve` does (the newest
    /// published version then runs, and a calendar changed since re-measures open tickets).
    bool publishOrganisationAtStart = false;
    /// POST /api/v1/admin/clock moves `clock`, and SLA timers fire only when it moves (or when
    /// the test fires them). Off: no admin clock route.
    bool adminClock = true;
    /// The scheduler's own thread runs (timers missed while down fire at once).
    bool timerThread = false;
    bool http = true;
    std::function<QStringList(const QString &username)> departmentsLookup;
    int timerBatchSize = 1000;
    AuthService::Options auth;
    /// ServicesOptions::liveAcrossServers (PostgreSQL's change feed between servers).
    bool liveAcrossServers = true;
    /// channels.yaml's channels: with any, the plugins of `pluginFolder` are loaded (the
    /// channels checked against them) and the delivery worker runs, polling every
    /// `deliveryPollMs`. Its back-off runs on `clock`: a retry comes due when the test moves it.
    QList<ChannelDefinition> channels;
    QString pluginFolder;
    int deliveryPollMs = 50;
    qint64 deliveryFirstRetryMs = 1000;
    int deliveryMaxAttempts = 20;
    /// Port 0 (the OS picks), two threads, no web UI; the services' parts are filled in.
    Api::ApiServerOptions api = defaultApiOptions();

    static Api::ApiServerOptions defaultApiOptions();
    /// Sets organisation, workflows and workflowsFolder from the workflows of `folder` (default:
    /// the shipped ones); false when the folder has errors.
    bool useWorkflowFolder(const QString &folder = shippedWorkflows());
    static QString shippedWorkflows();
};

/// A running server; stopped in the composition root's order when destroyed.
class TestServer
{
public:
    /// Opens and migrates the database at `url` (the test harness's fresh one).
    static Result<std::shared_ptr<Database>> openDatabase(const QString &url);

    /// Starts engine, timers and HTTP; the error text, empty on success.
    QString start(const TestServerOptions &options);
    void stop();
    bool running() const { return m_services != nullptr; }

    Services &services() { return *m_services; }
    Engine &engine() { return m_services->engine(); }
    SlaService &sla() { return m_services->sla(); }
    TimerScheduler &timers() { return m_services->timers(); }
    AuthService &auth() { return m_services->auth(); }
    const std::shared_ptr<Database> &database() const { return m_services->database(); }
    quint16 port() const { return m_port; }
    /// What the start's publish reported.
    const PublishOutcome &published() const { return m_published; }

    /// A user to create: one role, one department unless empty, and a display name (empty: the
    /// user name).
    struct User
    {
        User(QString name, QString role, QString department, QString displayName = {})
            : name(std::move(name))
            , role(std::move(role))
            , department(std::move(department))
            , displayName(std::move(displayName))
        {
        }
        QString name, role, department, displayName;
    };
    /// Creates the users, each with `password`, in the server's organisation; the error text
    /// of the first that fails, empty on success.
    QString createUsers(const QList<User> &users, const QString &password);

private:
    std::unique_ptr<Services> m_services;
    quint16 m_port = 0;
    PublishOutcome m_published;
};

} // namespace Baton::Test

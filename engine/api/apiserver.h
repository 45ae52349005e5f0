// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/channelsreader.h"
#include "http/httpserver.h"

#include <QStringList>

#include <memory>

namespace Baton {
class AuthService;
class Database;
class Engine;
class FakeClock;
class Clock;
class DeliveryWorker;
class PluginHost;
class SlaService;
class TimerScheduler;
struct CommittedChange;
} // namespace Baton

namespace Baton::Api {

struct ApiServerOptions
{
    Http::HttpServerOptions http;
    std::shared_ptr<Database> database;
    Engine *engine = nullptr; ///< required; must outlive the server
    AuthService *auth = nullptr; ///< required; must outlive the server
    const Clock *clock = nullptr; ///< required
    FakeClock *fakeClock = nullptr; ///< set with --fake-clock: enables /api/v1/admin/clock
    /// Called (on an HTTP thread) after an admin moved the fake clock, before the reply: fires
    /// the SLA timers that came due.
    std::function<void()> clockMoved;
    /// Optional: its timer and breach counters in /metrics (must outlive the server).
    const TimerScheduler *timers = nullptr;
    /// Optional: PUT /api/v1/org publishes through it (re-measuring the open tickets' SLAs);
    /// without it the organisation cannot be published (must outlive the server).
    SlaService *sla = nullptr;
    /// Optional: the plugins loaded and the channels of channels.yaml, for the admin's
    /// /api/v1/admin/plugins, /channels and /deliveries (must outlive the server).
    const PluginHost *plugins = nullptr;
    QList<ChannelDefinition> channels;
    /// Optional: the delivery worker, woken when a dead letter is retried, and the one that
    /// sends an admin's test message (null when no channel is configured).
    DeliveryWorker *delivery = nullptr;
    QString staticRoot = QStringLiteral(":/web");
    /// `--trust-proxy`: X-Forwarded-Proto from the reverse proxy says whether the client used
    /// https (the session cookie then gets Secure), and the last X-Forwarded-For entry is the
    /// client address the login throttle counts. Off: neither header is believed.
    bool trustProxy = false;
    /// How often the live streams' sessions are checked for expiry.
    int sessionCheckMs = 1000;
    /// A live stream whose unsent data passes this is closed (1013): a client that does not
    /// read must not make the server hold its updates.
    qint64 streamQueueLimitBytes = 1024 * 1024;
};

/// Baton's HTTP API (interfaces.md) on top of HttpServer: sign-in, tickets, queues,
/// workflows, users, notifications, the WebSocket stream, health and metrics, and the web UI.
///
/// Threading: routes run on the HTTP worker threads. Reads (get, list, events) run there on
/// the thread's own database connection. Writes go to the engine's writer thread through its
/// callback API; the callback hops back to the worker (HttpServer::currentWorker()) which
/// builds the JSON and answers, so the writer only writes.
class ApiServer
{
public:
    explicit ApiServer(ApiServerOptions options);
    ~ApiServer();
    ApiServer(const ApiServer &) = delete;
    ApiServer &operator=(const ApiServer &) = delete;

    Result<quint16> start();
    /// Shutdown, step one: no new connections (HttpServer::stopAccepting()).
    void stopAccepting();
    /// Shutdown, step two: answers what is in flight (the engine must still run; its answers
    /// go out) within `timeoutMs`, then closes the live streams with 1001 (going away) and
    /// waits up to `streamCloseMs` for them to go. True when nothing was cut off.
    bool drain(int timeoutMs, int streamCloseMs = 500);
    void stop();
    quint16 port() const;
    /// A change another server on the database committed, to the streams: the same events,
    /// under the same visibility, as the engine's own commits (any thread).
    void publish(const CommittedChange &change);
    /// Ends every stream with 1000 and a reason saying "reconnect": updates from other servers
    /// may have been missed, and a client that connects again reloads what it shows (the
    /// web UI does).
    void resyncStreams();

    struct RouteEntry
    {
        QByteArray method;
        QString pattern; ///< "/api/v1/tickets/{id}", as in the OpenAPI document's paths
        bool needsAuth = true;
    };
    /// Every endpoint the server answers outside the web UI: the route table plus /healthz and
    /// /metrics. The OpenAPI document (openApiDocument()) must describe exactly these
    /// (tst_openapi).
    QList<RouteEntry> routes() const;
    /// The OpenAPI 3.1 document served at /api/v1/openapi.json (engine/api/openapi.json).
    static QByteArray openApiDocument();

    struct Private;

private:
    std::unique_ptr<Private> d;
};

} // namespace Baton::Api

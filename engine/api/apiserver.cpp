// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/apiserver.h"
#include "api/apiserver_p.h"

#include "api/ticketjson.h"
#include "http/jsonbody.h"
#include "http/requestguard.h"

#include <QElapsedTimer>
#include <QFile>
#include <QThread>
#include <QWebSocket>

namespace Baton::Api {

Q_LOGGING_CATEGORY(lcApi, "baton.api", QtInfoMsg)

void ApiServer::Private::setUpRoutes()
{
    add("POST", QStringLiteral("/api/v1/login"), &Private::login, false);
    add("POST", QStringLiteral("/api/v1/logout"), &Private::logout);
    add("GET", QStringLiteral("/api/v1/me"), &Private::me);
    add("POST", QStringLiteral("/api/v1/tickets"), &Private::openTicket);
    add("GET", QStringLiteral("/api/v1/tickets"), &Private::listTickets);
    add("GET", QStringLiteral("/api/v1/tickets/{id}"), &Private::getTicket);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/actions/{action}"), &Private::takeAction);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/claim"), &Private::claim);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/assign"), &Private::assign);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/transfer"), &Private::transfer);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/comments"), &Private::comment);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/reopen"), &Private::reopen);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/links"), &Private::linkTickets);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/merge"), &Private::mergeTicket);
    add("GET", QStringLiteral("/api/v1/tickets/{id}/events"), &Private::events);
    add("POST", QStringLiteral("/api/v1/tickets/{id}/attachments"), &Private::uploadAttachment);
    add("GET", QStringLiteral("/api/v1/tickets/{id}/attachments/{attachment}"),
        &Private::downloadAttachment);
    add("GET", QStringLiteral("/api/v1/queues"), &Private::queues);
    add("GET", QStringLiteral("/api/v1/departments"), &Private::departments);
    add("GET", QStringLiteral("/api/v1/calendars"), &Private::calendars);
    add("GET", QStringLiteral("/api/v1/org"), &Private::organisation);
    add("POST", QStringLiteral("/api/v1/org/validate"), &Private::validateOrganisation);
    add("PUT", QStringLiteral("/api/v1/org"), &Private::publishOrganisation);
    add("GET", QStringLiteral("/api/v1/workflows"), &Private::workflows);
    add("POST", QStringLiteral("/api/v1/workflows/validate"), &Private::validateWorkflow);
    add("GET", QStringLiteral("/api/v1/workflows/{name}"), &Private::workflow);
    add("PUT", QStringLiteral("/api/v1/workflows/{name}"), &Private::publishWorkflow);
    add("GET", QStringLiteral("/api/v1/workflows/{name}/versions"), &Private::workflowVersions);
    add("GET", QStringLiteral("/api/v1/workflows/{name}/versions/{n}"), &Private::workflowVersion);
    add("GET", QStringLiteral("/api/v1/users"), &Private::users);
    add("POST", QStringLiteral("/api/v1/users"), &Private::createUser);
    add("PATCH", QStringLiteral("/api/v1/users/{username}"), &Private::patchUser);
    add("PATCH", QStringLiteral("/api/v1/users/{username}/away"), &Private::setUserAway);
    add("GET", QStringLiteral("/api/v1/me/preferences"), &Private::preferences);
    add("PATCH", QStringLiteral("/api/v1/me/preferences"), &Private::patchPreferences);
    add("GET", QStringLiteral("/api/v1/notifications"), &Private::notifications);
    add("POST", QStringLiteral("/api/v1/notifications/{id}/read"), &Private::readNotification);
    add("GET", QStringLiteral("/api/v1/stream"), &Private::streamWithoutUpgrade);
    add("GET", QStringLiteral("/api/v1/admin/clock"), &Private::clock);
    add("POST", QStringLiteral("/api/v1/admin/clock"), &Private::moveClock);
    add("POST", QStringLiteral("/api/v1/admin/weekly-summary"), &Private::queueWeeklySummary);
    add("GET", QStringLiteral("/api/v1/admin/plugins"), &Private::adminPlugins);
    add("GET", QStringLiteral("/api/v1/admin/channels"), &Private::adminChannels);
    add("POST", QStringLiteral("/api/v1/admin/channels/{name}/test"), &Private::testChannel);
    add("GET", QStringLiteral("/api/v1/admin/deliveries"), &Private::adminDeliveries);
    add("POST", QStringLiteral("/api/v1/admin/deliveries/{id}/retry"), &Private::retryDelivery);
    add("GET", QStringLiteral("/api/v1/openapi.json"), &Private::openApi, false);
    add("GET", QStringLiteral("/api/v1/reports/steps"), &Private::reportSteps);
    add("GET", QStringLiteral("/api/v1/reports/flow"), &Private::reportFlow);
    add("GET", QStringLiteral("/api/v1/reports/outcomes"), &Private::reportOutcomes);
    add("GET", QStringLiteral("/api/v1/reports/escalations"), &Private::reportEscalations);
    add("GET", QStringLiteral("/api/v1/reports/volume"), &Private::reportVolume);
    add("GET", QStringLiteral("/api/v1/reports/backlog"), &Private::reportBacklog);
    add("GET", QStringLiteral("/api/v1/reports/satisfaction"), &Private::reportSatisfaction);
    add("GET", QStringLiteral("/api/v1/reports/tickets"), &Private::reportTickets);
    add("GET", QStringLiteral("/api/v1/customers"), &Private::findCustomers);
    add("POST", QStringLiteral("/api/v1/customers"), &Private::createCustomer);
    add("GET", QStringLiteral("/api/v1/customers/{id}"), &Private::getCustomer);
    add("PATCH", QStringLiteral("/api/v1/customers/{id}"), &Private::patchCustomer);
    add("GET", QStringLiteral("/api/v1/answers"), &Private::answers);
    add("POST", QStringLiteral("/api/v1/answers"), &Private::createAnswer);
    add("GET", QStringLiteral("/api/v1/answers/{id}"), &Private::answer);
    add("PATCH", QStringLiteral("/api/v1/answers/{id}"), &Private::patchAnswer);
    add("GET", QStringLiteral("/api/v1/answers/{id}/versions"), &Private::answerVersions);
}

void ApiServer::Private::handle(HttpRequest &&request, HttpResponder responder)
{
    Context ctx;
    ctx.request = std::move(request);
    ctx.language = preferredLanguage(ctx.request.header("Accept-Language"));
    const QString path = ctx.request.path;
    // Everything but the UI's files is data, some of it personal (customer phone numbers):
    // no cache may keep it. Static assets keep their own caching.
    const bool apiPath = path.startsWith(QStringLiteral("/api/"));
    if (apiPath || path == u"/healthz" || path == u"/metrics")
        responder.setDefaultHeader("Cache-Control", "no-store");
    if (auto refused = refuseNulInTarget(ctx.request))
        return responder.send(refused->toResponse());
    if (path == u"/healthz") {
        responder.setRouteLabel("/healthz");
        return responder.send(healthz());
    }
    if (path == u"/metrics") {
        responder.setRouteLabel("/metrics");
        return responder.send(metrics());
    }
    if (!apiPath) {
        responder.setRouteLabel("static");
        return responder.send(files.serve(ctx.request));
    }
    const Router::Match match = router.match(ctx.request.method, path);
    if (match.route < 0) {
        return responder.send(
            match.pathMatched
                ? HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                      QStringLiteral("Method not allowed on this path."))
                : ApiError::notFound(QStringLiteral("No such endpoint.")).toResponse());
    }
    responder.setRouteLabel(match.pattern);
    ctx.responder = std::make_shared<HttpResponder>(std::move(responder));
    ctx.params = match.params;
    const RouteInfo &route = routes[match.route];
    if (auto forged = checkForgery(ctx.request, match.pattern, route.needsAuth))
        return ctx.fail(*forged);
    if (route.needsAuth && !authenticate(ctx))
        return;
    ctx.responder->setUser(ctx.actor.username);
    (this->*route.handler)(ctx);
}

/// True when the session cookie is the credential (no bearer token given): what a page of
/// another origin can make the browser send.
bool ApiServer::Private::sessionCookieAuthenticates(const HttpRequest &request)
{
    return !request.header("authorization").startsWith("Bearer ")
        && !request.cookie(sessionCookie).isEmpty();
}

/// Cross-origin and same-site forgery (requestguard.h), for every route in one place; the
/// workflow and organisation source routes take YAML.
std::optional<ApiError> ApiServer::Private::checkForgery(const HttpRequest &request,
                                                         const QByteArray &pattern, bool needsAuth)
{
    const bool yaml = pattern == "/api/v1/workflows/validate" || pattern == "/api/v1/org/validate"
        || ((pattern == "/api/v1/workflows/{name}" || pattern == "/api/v1/org")
            && request.method == "PUT");
    const bool file = pattern == "/api/v1/tickets/{id}/attachments";
    return checkRequestOrigin(request,
                              file       ? BodyType::File
                                  : yaml ? BodyType::Yaml
                                         : BodyType::Json,
                              needsAuth && sessionCookieAuthenticates(request));
}

bool ApiServer::Private::requireAdmin(const Context &ctx) const
{
    if (ctx.actor.isAdmin())
        return true;
    ctx.fail(ApiError::forbidden(QStringLiteral("Only an admin may do this.")));
    return false;
}

std::optional<qint64> ApiServer::Private::idParam(const Context &ctx, const QString &name) const
{
    bool ok = false;
    const qint64 id = ctx.params.value(name).toLongLong(&ok);
    if (!ok || id <= 0) {
        ctx.fail(ApiError::notFound(QStringLiteral("No such ticket.")));
        return std::nullopt;
    }
    return id;
}

/// The ticket id of the path and the request's JSON object body (which may be empty when
/// emptyAllowed), or nothing once the error is answered: 404 for an id that names no ticket,
/// 400 for a body that is not a JSON object.
std::optional<qint64> ApiServer::Private::ticketIdAndBody(const Context &ctx, QJsonObject *body,
                                                          bool emptyAllowed) const
{
    const auto id = idParam(ctx);
    if (!id)
        return std::nullopt;
    if (auto error = parseJsonObjectBody(ctx.request, body, emptyAllowed)) {
        ctx.fail(*error);
        return std::nullopt;
    }
    return id;
}

ApiServer::ApiServer(ApiServerOptions options)
    : d(std::make_unique<Private>(std::move(options)))
{
    d->setUpRoutes();
}

ApiServer::~ApiServer()
{
    stop();
}

Result<quint16> ApiServer::start()
{
    Private *p = d.get();
    // Every committed change reaches the stream, whoever made it (API, SLA timers). The hub
    // is thread-safe and posts each message to its socket's worker thread. The engine may
    // outlive the server or die first (tests), so stop() detaches through the shared link
    // rather than by calling the engine.
    auto link = d->commitLink;
    {
        QMutexLocker lock(&link->mutex);
        link->server = p;
    }
    d->o.engine->setCommitObserver([link](const CommittedChange &change) {
        QMutexLocker lock(&link->mutex);
        if (link->server)
            link->server->publish(change);
    });
    d->o.http.isUpload = &Private::isUploadRoute;
    d->o.http.checkUpload = [p](const HttpRequest &head) { return p->checkUpload(head); };
    d->http = std::make_unique<HttpServer>(
        d->o.http,
        [p](HttpRequest &&request, HttpResponder responder) {
            p->handle(std::move(request), std::move(responder));
        },
        [p](std::unique_ptr<QWebSocket> socket) { p->webSocket(std::move(socket)); });
    d->sessionCheck = std::make_unique<QTimer>();
    QObject::connect(d->sessionCheck.get(), &QTimer::timeout, [p] { p->checkStreamSessions(); });
    d->sessionCheck->start(d->o.sessionCheckMs);
    d->http->setUpgradeCheck(&Private::checkUpgrade);
    return d->http->start();
}

void ApiServer::stopAccepting()
{
    if (d->http)
        d->http->stopAccepting();
}

bool ApiServer::drain(int timeoutMs, int streamCloseMs)
{
    if (!d->http)
        return true;
    const bool answered = d->http->drain(timeoutMs);
    // The streams last: they carried the updates of the writes just finished.
    d->hub.closeAllGoingAway();
    QElapsedTimer waited;
    waited.start();
    while (d->hub.clientCount() > 0 && waited.elapsed() < streamCloseMs)
        QThread::msleep(10);
    return answered && d->hub.clientCount() == 0;
}

void ApiServer::stop()
{
    if (d->http) {
        {
            QMutexLocker lock(&d->commitLink->mutex);
            d->commitLink->server = nullptr;
        }
        d->sessionCheck.reset();
        d->hub.closeAll();
        d->http->stop();
        d->http.reset();
    }
}

void ApiServer::Private::publish(const CommittedChange &change)
{
    for (const TicketState &ticket : change.tickets)
        hub.publishTicket(ticket, org());
    for (const NotificationRow &row : change.notifications)
        hub.publishNotification(row.username, notificationJson(row));
}

void ApiServer::publish(const CommittedChange &change)
{
    d->publish(change);
}

void ApiServer::resyncStreams()
{
    d->hub.askAllToReconnect(QStringLiteral("updates from other servers were missed; reconnect"));
}

QList<ApiServer::RouteEntry> ApiServer::routes() const
{
    // handle() answers these two before the router.
    QList<RouteEntry> out {{"GET", QStringLiteral("/healthz"), false},
                           {"GET", QStringLiteral("/metrics"), false}};
    const QList<Router::Entry> entries = d->router.entries();
    for (qsizetype i = 0; i < entries.size(); ++i)
        out.append(
            {entries[i].method, QString::fromUtf8(entries[i].pattern), d->routes[i].needsAuth});
    return out;
}

QByteArray ApiServer::openApiDocument()
{
    static const QByteArray document = [] {
        QFile file(QStringLiteral(":/api/openapi.json"));
        if (!file.open(QIODevice::ReadOnly))
            qFatal("the OpenAPI document is not built into this binary");
        return file.readAll();
    }();
    return document;
}

quint16 ApiServer::port() const
{
    return d->http ? d->http->port() : 0;
}

} // namespace Baton::Api

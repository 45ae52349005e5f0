// SPDX-License-Identifier: GPL-3.0-or-later
#include "apiserver.h"

#include "api/jsonbody.h"
#include "api/reportresource.h"
#include "api/requestguard.h"
#include "api/router.h"
#include "api/staticfiles.h"
#include "api/streamhub.h"
#include "api/ticketjson.h"
#include "auth/authservice.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "definition/diagram.h"
#include "definition/workflowset.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/workflowversions.h"

#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QTimer>
#include <QWebSocket>

namespace Baton::Api {

Q_LOGGING_CATEGORY(lcApi, "baton.api", QtInfoMsg)

namespace {

const QByteArray sessionCookie = QByteArrayLiteral("baton_session");

struct Context
{
    HttpRequest request;
    std::shared_ptr<HttpResponder> responder;
    QHash<QString, QString> params;
    User user;
    Actor actor;
    QString token;
    Language language = Language::En; ///< of workflow text in replies (Accept-Language)

    void send(HttpResponse response) const { responder->send(std::move(response)); }
    void fail(const ApiError &error) const { responder->send(error.toResponse()); }
    void ok(const QJsonObject &object, int status = 200) const
    {
        send(HttpResponse::json(status, object));
    }
};

ApiError fromTicketError(const TicketError &error)
{
    QJsonObject details;
    if (!error.fields.isEmpty()) {
        QJsonObject fields;
        for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it)
            fields.insert(it.key(), it.value());
        details.insert(QStringLiteral("fields"), fields);
    }
    return {error.httpStatus(), error.code(), error.message, details};
}

ApiError fromUserProblem(const UserProblem &problem)
{
    QJsonObject fields;
    for (auto it = problem.fields.cbegin(); it != problem.fields.cend(); ++it)
        fields.insert(it.key(), it.value());
    const QJsonObject details {{QStringLiteral("fields"), fields}};
    switch (problem.kind) {
    case UserProblem::Kind::Invalid:
        return ApiError::validation(problem.message, details);
    case UserProblem::Kind::Taken:
        return ApiError::conflict(problem.message, details);
    case UserProblem::Kind::NotFound:
        return ApiError::notFound(problem.message);
    case UserProblem::Kind::Storage:
        break;
    }
    qCWarning(lcApi) << "user storage:" << problem.message;
    return ApiError::internal(QStringLiteral("The user could not be saved."));
}

ApiError storageError(const QString &message)
{
    qCWarning(lcApi) << "storage:" << message;
    return {
        503, QStringLiteral("unavailable"), QStringLiteral("The database is not available."), {}};
}

QString fieldTypeName(FieldType type)
{
    switch (type) {
    case FieldType::String:
        return QStringLiteral("string");
    case FieldType::Text:
        return QStringLiteral("text");
    case FieldType::Int:
        return QStringLiteral("int");
    case FieldType::Decimal:
        return QStringLiteral("decimal");
    case FieldType::Bool:
        return QStringLiteral("bool");
    case FieldType::Date:
        return QStringLiteral("date");
    case FieldType::DateTime:
        return QStringLiteral("datetime");
    case FieldType::Choice:
        return QStringLiteral("choice");
    case FieldType::User:
        return QStringLiteral("user");
    case FieldType::Queue:
        return QStringLiteral("queue");
    }
    return QStringLiteral("string");
}

bool canStart(const Workflow &workflow, const Actor &actor)
{
    return actor.isAdmin() || workflow.startRoles.isEmpty()
        || actor.hasAnyRole(workflow.startRoles);
}

QJsonArray diagnosticsJson(const Diagnostics &diagnostics, bool errors)
{
    QJsonArray out;
    for (const Diagnostic &d : diagnostics)
        if (d.isError() == errors)
            out.append(QJsonObject {{QStringLiteral("line"), d.line},
                                    {QStringLiteral("column"), d.column},
                                    {QStringLiteral("message"), d.message}});
    return out;
}

} // namespace

struct ApiServer::Private
{
    using Handler = void (Private::*)(Context &);
    struct RouteInfo
    {
        Handler handler;
        bool needsAuth = true;
    };

    ApiServerOptions o;
    std::unique_ptr<HttpServer> http;
    Router router;
    QList<RouteInfo> routes;
    StaticFiles files;
    StreamHub hub;
    struct CommitLink
    {
        QMutex mutex;
        Private *server = nullptr;
    };
    std::shared_ptr<CommitLink> commitLink = std::make_shared<CommitLink>();

    std::unique_ptr<QTimer> sessionCheck; ///< on the thread that started the server

    explicit Private(ApiServerOptions options)
        : o(std::move(options))
        , files(o.staticRoot)
        , hub(o.streamQueueLimitBytes)
    {
    }

    const Organisation &org() const { return o.engine->organisation(); }

    void add(const QByteArray &method, const QString &pattern, Handler handler, bool auth = true)
    {
        router.add(method, pattern);
        routes.append({handler, auth});
    }

    void setUpRoutes()
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
        add("GET", QStringLiteral("/api/v1/tickets/{id}/events"), &Private::events);
        add("GET", QStringLiteral("/api/v1/queues"), &Private::queues);
        add("GET", QStringLiteral("/api/v1/departments"), &Private::departments);
        add("GET", QStringLiteral("/api/v1/calendars"), &Private::calendars);
        add("GET", QStringLiteral("/api/v1/workflows"), &Private::workflows);
        add("POST", QStringLiteral("/api/v1/workflows/validate"), &Private::validateWorkflow);
        add("GET", QStringLiteral("/api/v1/workflows/{name}"), &Private::workflow);
        add("PUT", QStringLiteral("/api/v1/workflows/{name}"), &Private::publishWorkflow);
        add("GET", QStringLiteral("/api/v1/workflows/{name}/versions"), &Private::workflowVersions);
        add("GET", QStringLiteral("/api/v1/workflows/{name}/versions/{n}"),
            &Private::workflowVersion);
        add("GET", QStringLiteral("/api/v1/users"), &Private::users);
        add("POST", QStringLiteral("/api/v1/users"), &Private::createUser);
        add("PATCH", QStringLiteral("/api/v1/users/{username}"), &Private::patchUser);
        add("GET", QStringLiteral("/api/v1/notifications"), &Private::notifications);
        add("POST", QStringLiteral("/api/v1/notifications/{id}/read"), &Private::readNotification);
        add("GET", QStringLiteral("/api/v1/stream"), &Private::streamWithoutUpgrade);
        add("GET", QStringLiteral("/api/v1/admin/clock"), &Private::clock);
        add("POST", QStringLiteral("/api/v1/admin/clock"), &Private::moveClock);
        add("GET", QStringLiteral("/api/v1/openapi.json"), &Private::openApi, false);
        add("GET", QStringLiteral("/api/v1/reports/steps"), &Private::reportSteps);
        add("GET", QStringLiteral("/api/v1/reports/flow"), &Private::reportFlow);
    }

    // Reports: api/reportresource.h, on this thread's connection.
    void reportSteps(Context &ctx) { report(ctx, &Api::reportSteps); }
    void reportFlow(Context &ctx) { report(ctx, &Api::reportFlow); }
    void report(Context &ctx, HttpResponse (*reply)(const HttpRequest &, const ReportContext &))
    {
        auto db = o.database->connection();
        if (!db)
            return ctx.fail(ApiError::internal(QStringLiteral("The database is unavailable.")));
        ctx.send(reply(ctx.request, ReportContext {ctx.actor, ctx.language, *o.engine, *db}));
    }

    // ---- dispatch --------------------------------------------------------------------------

    void handle(HttpRequest &&request, HttpResponder responder)
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
        (this->*route.handler)(ctx);
    }

    /// True when the session cookie is the credential (no bearer token given): what a page of
    /// another origin can make the browser send.
    static bool sessionCookieAuthenticates(const HttpRequest &request)
    {
        return !request.header("authorization").startsWith("Bearer ")
            && !request.cookie(sessionCookie).isEmpty();
    }

    /// Cross-origin and same-site forgery (requestguard.h), for every route in one place; the
    /// workflow source routes take YAML.
    static std::optional<ApiError> checkForgery(const HttpRequest &request,
                                                const QByteArray &pattern, bool needsAuth)
    {
        const bool yaml = pattern == "/api/v1/workflows/validate"
            || (pattern == "/api/v1/workflows/{name}" && request.method == "PUT");
        return checkRequestOrigin(request, yaml ? BodyType::Yaml : BodyType::Json,
                                  needsAuth && sessionCookieAuthenticates(request));
    }

    /// The live stream's handshake, before the upgrade (HttpServer's upgrade check).
    static std::optional<HttpResponse> checkUpgrade(const HttpRequest &request)
    {
        if (auto refused = refuseNulInTarget(request))
            return refused->toResponse();
        if (auto forged = checkWebSocketOrigin(request, sessionCookieAuthenticates(request)))
            return forged->toResponse();
        return std::nullopt;
    }

    QString tokenOf(const HttpRequest &request) const
    {
        const QByteArray authorization = request.header("authorization");
        if (authorization.startsWith("Bearer "))
            return QString::fromLatin1(authorization.mid(7).trimmed());
        return QString::fromLatin1(request.cookie(sessionCookie));
    }

    bool authenticate(Context &ctx)
    {
        ctx.token = tokenOf(ctx.request);
        if (ctx.token.isEmpty()) {
            ctx.fail(ApiError::unauthenticated());
            return false;
        }
        const auto user = o.auth->authenticate(ctx.token);
        if (!user) {
            ctx.fail(storageError(user.error()));
            return false;
        }
        if (!user->has_value()) {
            ctx.fail(
                ApiError::unauthenticated(QStringLiteral("The session has ended; sign in again.")));
            return false;
        }
        ctx.user = **user;
        ctx.actor = resolveActor(org(), ctx.user.username, ctx.user.roles, ctx.user.departments);
        return true;
    }

    /// Whether the client reached us over https: only a proxy the operator trusts
    /// (--trust-proxy) can say so, in X-Forwarded-Proto (its last entry is the nearest
    /// proxy's). Baton itself listens on plain HTTP.
    bool overHttps(const HttpRequest &request) const
    {
        if (!o.trustProxy)
            return false;
        const QByteArray proto = request.header("x-forwarded-proto");
        return proto.split(',').last().trimmed().compare("https", Qt::CaseInsensitive) == 0;
    }

    /// The address the login throttle counts against. Behind a proxy every connection comes
    /// from the proxy, so with --trust-proxy the client is the last X-Forwarded-For entry (the
    /// one our proxy appended; entries left of it are the client's own word). Without the
    /// flag, or when that entry is not an address, it is the connection's peer.
    QString clientAddress(const HttpRequest &request) const
    {
        if (o.trustProxy) {
            QByteArray forwardedFor;
            for (const auto &[name, value] : request.headers)
                if (QByteArrayView("x-forwarded-for").compare(name, Qt::CaseInsensitive) == 0)
                    forwardedFor = value;
            const QHostAddress client(
                QString::fromLatin1(forwardedFor.split(',').last().trimmed()));
            if (!client.isNull())
                return client.toString();
        }
        return request.remoteAddress.toString();
    }

    QByteArray cookieAttributes(const HttpRequest &request) const
    {
        return overHttps(request) ? QByteArrayLiteral("; Path=/; HttpOnly; Secure; SameSite=Strict")
                                  : QByteArrayLiteral("; Path=/; HttpOnly; SameSite=Strict");
    }

    bool requireAdmin(const Context &ctx) const
    {
        if (ctx.actor.isAdmin())
            return true;
        ctx.fail(ApiError::forbidden(QStringLiteral("Only an admin may do this.")));
        return false;
    }

    std::optional<qint64> idParam(const Context &ctx,
                                  const QString &name = QStringLiteral("id")) const
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
    std::optional<qint64> ticketIdAndBody(const Context &ctx, QJsonObject *body,
                                          bool emptyAllowed = false) const
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

    // ---- health and metrics ----------------------------------------------------------------

    HttpResponse healthz()
    {
        auto db = o.database->connection();
        QString problem;
        if (!db)
            problem = db.error();
        else if (auto q = runQuery(*db, QStringLiteral("SELECT 1")); !q || !q->next())
            problem = q ? QStringLiteral("no row") : q.error();
        if (!problem.isEmpty()) {
            qCWarning(lcApi) << "health check:" << problem;
            return HttpResponse::json(
                503,
                QJsonObject {{QStringLiteral("status"), QStringLiteral("error")},
                             {QStringLiteral("db"), QStringLiteral("error")}});
        }
        return HttpResponse::json(200,
                                  QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")},
                                               {QStringLiteral("db"), QStringLiteral("ok")}});
    }

    HttpResponse metrics()
    {
        Metrics &m = Metrics::global();
        const Engine::Stats stats = o.engine->stats();
        m.describe("baton_engine_batches_total", "counter", "Group commits by the engine's writer");
        m.describe("baton_engine_commands_total", "counter", "Commands written by the engine");
        m.setGauge("baton_engine_batches_total", double(stats.batches));
        m.setGauge("baton_engine_commands_total", double(stats.commands));
        if (auto db = o.database->connection()) {
            if (auto q = runQuery(
                    *db, QStringLiteral("SELECT COUNT(*) FROM tickets WHERE status = 'open'"));
                q && q->next()) {
                m.describe("baton_open_tickets", "gauge", "Open tickets");
                m.setGauge("baton_open_tickets", q->value(0).toDouble());
            }
        }
        return HttpResponse::bytes(
            200, QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"), m.render());
    }

    // ---- sessions ------------------------------------------------------------------------

    void login(Context &ctx)
    {
        QJsonObject body;
        if (auto error = parseJsonObjectBody(ctx.request, &body))
            return ctx.fail(*error);
        JsonReader reader(body);
        const auto username = reader.string(QStringLiteral("username"), JsonReader::Required);
        const auto password = reader.string(QStringLiteral("password"), JsonReader::Required);
        if (auto error = reader.finish())
            return ctx.fail(*error);
        // The password check runs on the auth service's hashing threads, never on this HTTP
        // thread, and answers from there (HttpResponder::send() may be called from any thread).
        // The completion holds copies only (an Organisation is a few implicitly shared maps),
        // so it is safe whenever it runs, even after this server has stopped.
        o.auth->loginAsync(
            *username, *password, clientAddress(ctx.request),
            [responder = ctx.responder, organisation = org(),
             sessionSeconds = o.auth->options().sessionSeconds,
             cookie = cookieAttributes(ctx.request)](const AuthService::Login &result) {
                responder->send(loginResponse(result, organisation, sessionSeconds, cookie));
            });
    }

    static HttpResponse loginResponse(const AuthService::Login &result,
                                      const Organisation &organisation, qint64 sessionSeconds,
                                      const QByteArray &cookieAttributes)
    {
        switch (result.status) {
        case AuthService::Login::Status::Throttled: {
            HttpResponse response
                = ApiError::rateLimited(
                      QStringLiteral("Too many failed sign-ins; try again in %1 seconds.")
                          .arg(result.retryAfterSeconds))
                      .toResponse();
            response.setHeader("Retry-After", QByteArray::number(result.retryAfterSeconds));
            return response;
        }
        case AuthService::Login::Status::Busy: {
            HttpResponse response = HttpResponse::error(
                503, QStringLiteral("unavailable"),
                QStringLiteral("Too many sign-ins at once; try again in %1 seconds.")
                    .arg(result.retryAfterSeconds));
            response.setHeader("Retry-After", QByteArray::number(result.retryAfterSeconds));
            return response;
        }
        case AuthService::Login::Status::Invalid:
            return ApiError::unauthenticated(QStringLiteral("Wrong username or password."))
                .toResponse();
        case AuthService::Login::Status::Failed:
            return storageError(result.error).toResponse();
        case AuthService::Login::Status::Ok:
            break;
        }
        HttpResponse response = HttpResponse::json(
            200,
            QJsonObject {{QStringLiteral("token"), result.token},
                         {QStringLiteral("user"), userJson(result.user, organisation)}});
        response.setHeader("Set-Cookie",
                           sessionCookie + '=' + result.token.toLatin1() + cookieAttributes
                               + "; Max-Age=" + QByteArray::number(sessionSeconds));
        return response; // no-store: the dispatcher's default for every /api/ reply
    }

    void logout(Context &ctx)
    {
        if (auto done = o.auth->logout(ctx.token); !done)
            return ctx.fail(storageError(done.error()));
        hub.disconnectSession(ctx.token);
        HttpResponse response = HttpResponse::noContent();
        response.setHeader("Set-Cookie",
                           sessionCookie + '=' + cookieAttributes(ctx.request) + "; Max-Age=0");
        ctx.send(response);
    }

    void me(Context &ctx) { ctx.ok(userJson(ctx.user, org())); }

    // ---- tickets ---------------------------------------------------------------------------

    QJsonObject ticketObject(const TicketState &ticket, const Actor &actor, Language language)
    {
        const auto workflow = o.engine->workflow(ticket.workflow, ticket.workflowVersion);
        if (!workflow)
            return ticketJson(ticket, nullptr, nullptr, actor, language);
        const TicketMachine machine(**workflow, org());
        return ticketJson(ticket, workflow->get(), &machine, actor, language, o.sla);
    }

    /// The engine callback for a write: hops back to this HTTP thread, then answers.
    Engine::Callback answerWithTicket(const Context &ctx, int status, const char *kind)
    {
        QObject *worker = HttpServer::currentWorker();
        auto responder = ctx.responder;
        const Actor actor = ctx.actor;
        const Language language = ctx.language;
        const QByteArray metricKind(kind);
        return [this, worker, responder, actor, language, status,
                metricKind](CommandResult result) {
            QMetaObject::invokeMethod(
                worker,
                [this, responder, actor, language, status, metricKind, result = std::move(result)] {
                    if (!result.failure.isEmpty())
                        return responder->send(storageError(result.failure).toResponse());
                    if (result.error)
                        return responder->send(fromTicketError(*result.error).toResponse());
                    if (!result.events.isEmpty()) {
                        Metrics::global().countAction(metricKind);
                    } // live updates go out from the engine's commit observer
                    responder->send(
                        HttpResponse::json(status, ticketObject(result.ticket, actor, language)));
                },
                Qt::QueuedConnection);
        };
    }

    std::optional<Customer> readCustomer(JsonReader &reader, const Context &ctx)
    {
        const auto object = reader.object(QStringLiteral("customer"));
        if (!object)
            return Customer {};
        JsonReader inner(*object);
        Customer customer;
        customer.id = inner.string(QStringLiteral("id")).value_or(QString());
        customer.name = inner.string(QStringLiteral("name")).value_or(QString());
        customer.tier = inner.string(QStringLiteral("tier")).value_or(QString());
        customer.phone = inner.string(QStringLiteral("phone")).value_or(QString());
        customer.email = inner.string(QStringLiteral("email")).value_or(QString());
        if (auto error = inner.finish()) {
            QJsonObject details = error->details;
            ctx.fail(ApiError::badRequest(QStringLiteral("Invalid customer: ") + error->message,
                                          details));
            return std::nullopt;
        }
        return customer;
    }

    void openTicket(Context &ctx)
    {
        QJsonObject body;
        if (auto error = parseJsonObjectBody(ctx.request, &body))
            return ctx.fail(*error);
        JsonReader reader(body);
        const auto workflow = reader.string(QStringLiteral("workflow"), JsonReader::Required);
        const auto title = reader.string(QStringLiteral("title"), JsonReader::Required);
        const auto fields = reader.object(QStringLiteral("fields"));
        const auto channel = reader.string(QStringLiteral("channel"));
        static const QStringList channels {QStringLiteral("phone"), QStringLiteral("counter"),
                                           QStringLiteral("email"), QStringLiteral("web"),
                                           QStringLiteral("chat"),  QStringLiteral("sms")};
        if (channel && !channels.contains(*channel))
            reader.invalid(QStringLiteral("channel"),
                           QStringLiteral("must be one of ") + channels.join(u'|'));
        const auto customer = readCustomer(reader, ctx);
        if (!customer)
            return;
        if (auto error = reader.finish())
            return ctx.fail(*error);
        OpenRequest request;
        request.title = *title;
        request.fields = fields.value_or(QJsonObject()).toVariantMap();
        request.customer = *customer;
        request.channel = channel.value_or(QString());
        const QString key = QString::fromUtf8(ctx.request.header("idempotency-key"));
        if (key.size() > 200)
            return ctx.fail(ApiError::badRequest(QStringLiteral("Idempotency-Key is too long.")));
        o.engine->open(ctx.actor, *workflow, request, key, answerWithTicket(ctx, 201, "open"));
    }

    void getTicket(Context &ctx)
    {
        const auto id = idParam(ctx);
        if (!id)
            return;
        const auto view = o.engine->ticket(*id, ctx.actor);
        if (!view)
            return ctx.fail(storageError(view.error()));
        if (!view->has_value())
            return ctx.fail(ApiError::notFound(QStringLiteral("No such ticket.")));
        ctx.ok(ticketObject((*view)->ticket, ctx.actor, ctx.language));
    }

    void listTickets(Context &ctx)
    {
        const HttpRequest &r = ctx.request;
        static const QStringList known {
            QStringLiteral("queue"),      QStringLiteral("state"),    QStringLiteral("assignee"),
            QStringLiteral("originator"), QStringLiteral("customer"), QStringLiteral("status"),
            QStringLiteral("sla"),        QStringLiteral("q"),        QStringLiteral("sort"),
            QStringLiteral("limit"),      QStringLiteral("cursor")};
        for (const auto &item : r.query.queryItems())
            if (!known.contains(item.first))
                return ctx.fail(
                    ApiError::badRequest(QStringLiteral("Unknown parameter: %1").arg(item.first)));
        TicketFilter filter;
        auto meOr
            = [&](const QString &value) { return value == u"me" ? ctx.user.username : value; };
        filter.queue = r.queryValue(QStringLiteral("queue"));
        filter.state = r.queryValue(QStringLiteral("state"));
        filter.assignee = meOr(r.queryValue(QStringLiteral("assignee")));
        filter.originator = meOr(r.queryValue(QStringLiteral("originator")));
        filter.customer = r.queryValue(QStringLiteral("customer"));
        filter.status = r.queryValue(QStringLiteral("status"));
        filter.text = r.queryValue(QStringLiteral("q"));
        if (!filter.status.isEmpty() && filter.status != u"open" && filter.status != u"closed")
            return ctx.fail(ApiError::badRequest(QStringLiteral("status must be open or closed.")));
        filter.sla = r.queryValue(QStringLiteral("sla"));
        if (!filter.sla.isEmpty() && filter.sla != u"at_risk" && filter.sla != u"breached")
            return ctx.fail(
                ApiError::badRequest(QStringLiteral("sla must be at_risk or breached.")));
        filter.now = o.clock->now().toMSecsSinceEpoch();
        if (const QString sort = r.queryValue(QStringLiteral("sort")); !sort.isNull()) {
            const auto parsed = TicketFilter::parseSort(sort);
            if (!parsed)
                return ctx.fail(ApiError::badRequest(QStringLiteral("Unknown sort: %1").arg(sort)));
            filter.sort = *parsed;
        }
        if (const QString limit = r.queryValue(QStringLiteral("limit")); !limit.isNull()) {
            bool ok = false;
            filter.limit = limit.toInt(&ok);
            if (!ok || filter.limit < 1 || filter.limit > 200)
                return ctx.fail(ApiError::badRequest(QStringLiteral("limit must be 1 to 200.")));
        }
        filter.cursor = r.queryValue(QStringLiteral("cursor"));
        const auto page = o.engine->tickets(filter, ctx.actor);
        if (!page) {
            if (!filter.cursor.isEmpty())
                return ctx.fail(ApiError::badRequest(QStringLiteral("Invalid cursor.")));
            return ctx.fail(storageError(page.error()));
        }
        QJsonArray items;
        for (const TicketState &t : page->items)
            items.append(ticketObject(t, ctx.actor, ctx.language));
        ctx.ok({{QStringLiteral("items"), items},
                {QStringLiteral("next_cursor"),
                 page->nextCursor.isEmpty() ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(page->nextCursor)}});
    }

    void takeAction(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body, true);
        if (!id)
            return;
        JsonReader reader(body);
        ActionRequest request;
        request.name = ctx.params.value(QStringLiteral("action"));
        request.fields
            = reader.object(QStringLiteral("fields")).value_or(QJsonObject()).toVariantMap();
        request.comment = reader.string(QStringLiteral("comment")).value_or(QString());
        request.branch = reader.string(QStringLiteral("branch")).value_or(QString());
        request.expectedVersion = reader.integer(QStringLiteral("version"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        o.engine->takeAction(ctx.actor, *id, request, answerWithTicket(ctx, 200, "action"));
    }

    void claim(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body, true);
        if (!id)
            return;
        JsonReader reader(body);
        const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
        const auto version = reader.integer(QStringLiteral("version"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        o.engine->claim(ctx.actor, *id, branch, version, answerWithTicket(ctx, 200, "claim"));
    }

    void assign(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body);
        if (!id)
            return;
        JsonReader reader(body);
        const auto username = reader.string(QStringLiteral("username"), JsonReader::Required);
        const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
        const auto version = reader.integer(QStringLiteral("version"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        const auto assignee = o.auth->users().find(*username);
        if (!assignee)
            return ctx.fail(storageError(assignee.error()));
        if (!assignee->has_value() || !(*assignee)->active)
            return ctx.fail(ApiError::validation(
                QStringLiteral("No active user %1.").arg(*username),
                {{QStringLiteral("fields"),
                  QJsonObject {{QStringLiteral("username"), QStringLiteral("unknown user")}}}}));
        const Actor target = resolveActor(org(), (*assignee)->username, (*assignee)->roles,
                                          (*assignee)->departments);
        o.engine->assign(ctx.actor, *id, target, branch, version,
                         answerWithTicket(ctx, 200, "assign"));
    }

    void transfer(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body);
        if (!id)
            return;
        JsonReader reader(body);
        const auto queue = reader.string(QStringLiteral("queue"), JsonReader::Required);
        const QString reason = reader.string(QStringLiteral("reason")).value_or(QString());
        const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
        const auto version = reader.integer(QStringLiteral("version"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        o.engine->transfer(ctx.actor, *id, *queue, reason, branch, version,
                           answerWithTicket(ctx, 200, "transfer"));
    }

    void comment(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body);
        if (!id)
            return;
        JsonReader reader(body);
        const auto text = reader.string(QStringLiteral("body"), JsonReader::Required);
        const bool internal = reader.boolean(QStringLiteral("internal")).value_or(false);
        if (auto error = reader.finish())
            return ctx.fail(*error);
        o.engine->comment(ctx.actor, *id, *text, internal, answerWithTicket(ctx, 201, "comment"));
    }

    void reopen(Context &ctx)
    {
        QJsonObject body;
        const auto id = ticketIdAndBody(ctx, &body, true);
        if (!id)
            return;
        JsonReader reader(body);
        const QString reason = reader.string(QStringLiteral("reason")).value_or(QString());
        const auto version = reader.integer(QStringLiteral("version"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        o.engine->reopen(ctx.actor, *id, reason, version, answerWithTicket(ctx, 200, "reopen"));
    }

    void events(Context &ctx)
    {
        const auto id = idParam(ctx);
        if (!id)
            return;
        const auto events = o.engine->events(*id, ctx.actor);
        if (!events)
            return ctx.fail(storageError(events.error()));
        if (!events->has_value())
            return ctx.fail(ApiError::notFound(QStringLiteral("No such ticket.")));
        QJsonArray items;
        for (const Event &e : **events)
            items.append(eventJson(e));
        ctx.ok({{QStringLiteral("items"), items}});
    }

    // ---- organisation -------------------------------------------------------------------------

    void queues(Context &ctx)
    {
        auto db = o.database->connection();
        if (!db)
            return ctx.fail(storageError(db.error()));
        const qint64 now = o.clock->now().toMSecsSinceEpoch();
        auto q = runQuery(
            *db,
            // Open tickets in the queue and open branches there, each by its own clocks.
            QStringLiteral("SELECT queue, COUNT(*), SUM(CASE WHEN at_risk_at <= ? AND due_at > ? "
                           "THEN 1 ELSE 0 END), SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END) "
                           "FROM ticket_queues_current WHERE status = 'open' GROUP BY queue"),
            {now, now, now});
        if (!q)
            return ctx.fail(storageError(q.error()));
        struct Counts
        {
            qint64 open = 0, atRisk = 0, breached = 0;
        };
        QHash<QString, Counts> counts;
        while (q->next())
            counts.insert(
                q->value(0).toString(),
                {q->value(1).toLongLong(), q->value(2).toLongLong(), q->value(3).toLongLong()});
        QJsonArray out;
        for (const QueueDef &queue : org().queues) {
            const auto c = counts.value(queue.name);
            out.append(QJsonObject {{QStringLiteral("name"), queue.name},
                                    {QStringLiteral("title"), queue.title.text(ctx.language)},
                                    {QStringLiteral("department"), queue.department},
                                    {QStringLiteral("open"), c.open},
                                    {QStringLiteral("at_risk"), c.atRisk},
                                    {QStringLiteral("breached"), c.breached},
                                    {QStringLiteral("member"), ctx.actor.isMemberOf(queue.name)}});
        }
        ctx.send(HttpResponse::json(200, out));
    }

    void departments(Context &ctx)
    {
        QJsonArray out;
        for (const Department &d : org().departments)
            out.append(QJsonObject {
                {QStringLiteral("name"), d.name},
                {QStringLiteral("title"), d.title.text(ctx.language)},
                {QStringLiteral("parent"),
                 d.parent.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(d.parent)},
                {QStringLiteral("calendar"), org().calendarOfDepartment(d.name)}});
        ctx.send(HttpResponse::json(200, out));
    }

    void calendars(Context &ctx)
    {
        QJsonArray out;
        for (const CalendarSpec &c : org().calendars)
            out.append(QJsonObject {{QStringLiteral("name"), c.name},
                                    {QStringLiteral("timezone"), QString::fromLatin1(c.timezone)},
                                    {QStringLiteral("holidays"), qint64(c.holidays.size())}});
        ctx.send(HttpResponse::json(200, out));
    }

    // ---- workflows -------------------------------------------------------------------------

    /// A workflow with its text (titles, labels) in language; "mermaid" stays in English.
    QJsonObject workflowObject(const Workflow &wf, int version, Language language)
    {
        // `fields` stays an object keyed by name (compatibility); `order` and `field_order`
        // carry the YAML order, which an object loses.
        QJsonObject fields;
        QJsonArray fieldOrder;
        int order = 0;
        for (const FieldDef &f : wf.fields) {
            QJsonObject field {{QStringLiteral("type"), fieldTypeName(f.type)},
                               {QStringLiteral("label"), f.label.text(language)},
                               {QStringLiteral("required"), f.required},
                               {QStringLiteral("options"), QJsonArray::fromStringList(f.options)},
                               {QStringLiteral("order"), order++}};
            // Absent rather than null: the UI tells "no default" by a missing key.
            if (!f.pattern.isEmpty())
                field.insert(QStringLiteral("pattern"), f.pattern);
            if (f.defaultValue.isValid())
                field.insert(QStringLiteral("default"), QJsonValue::fromVariant(f.defaultValue));
            fields.insert(f.name, field);
            fieldOrder.append(f.name);
        }
        const auto transitionsJson = [language](const QList<Transition> &list) {
            QJsonArray transitions;
            for (const Transition &t : list)
                transitions.append(QJsonObject {
                    {QStringLiteral("name"), t.name},
                    {QStringLiteral("title"), t.title.text(language)},
                    {QStringLiteral("to"), t.to},
                    {QStringLiteral("requires"), QJsonArray::fromStringList(t.requiredFields)},
                    {QStringLiteral("accepts"), QJsonArray::fromStringList(t.acceptedFields())}});
            return transitions;
        };
        QJsonArray states;
        for (const State &s : wf.states) {
            QJsonArray branches;
            for (const Branch &b : s.branches)
                branches.append(
                    QJsonObject {{QStringLiteral("name"), b.name},
                                 {QStringLiteral("title"), b.title.text(language)},
                                 {QStringLiteral("queue"), b.queue},
                                 {QStringLiteral("assignee"), b.assignee},
                                 {QStringLiteral("transitions"), transitionsJson(b.transitions)}});
            states.append(
                QJsonObject {{QStringLiteral("name"), s.name},
                             {QStringLiteral("title"), s.title.text(language)},
                             {QStringLiteral("queue"), s.queue},
                             {QStringLiteral("assignee"), s.assignee},
                             {QStringLiteral("final"), s.final},
                             {QStringLiteral("parallel"), s.isParallel()},
                             {QStringLiteral("branches"), branches},
                             {QStringLiteral("transitions"), transitionsJson(s.transitions)}});
        }
        return {{QStringLiteral("name"), wf.id},
                {QStringLiteral("title"), wf.title.text(language)},
                {QStringLiteral("version"), version},
                {QStringLiteral("source"), QString::fromUtf8(wf.source)},
                {QStringLiteral("fields"), fields},
                {QStringLiteral("field_order"), fieldOrder},
                {QStringLiteral("opening_fields"), QJsonArray::fromStringList(wf.openingFields)},
                {QStringLiteral("initial"), wf.initial},
                {QStringLiteral("any"), transitionsJson(wf.any)},
                {QStringLiteral("states"), states},
                {QStringLiteral("mermaid"), toMermaid(wf, &org())}};
    }

    void workflows(Context &ctx)
    {
        const QList<PublishConflict> conflicts = o.engine->publishConflicts();
        QJsonArray out;
        const QMap<QString, int> current = o.engine->currentVersions();
        for (auto it = current.cbegin(); it != current.cend(); ++it) {
            const auto wf = o.engine->workflow(it.key(), it.value());
            if (!wf)
                continue;
            QJsonObject item {{QStringLiteral("name"), it.key()},
                              {QStringLiteral("title"), (*wf)->title.text(ctx.language)},
                              {QStringLiteral("version"), it.value()},
                              {QStringLiteral("startable"), canStart(**wf, ctx.actor)}};
            addConflict(item, it.key(), conflicts);
            out.append(item);
        }
        ctx.send(HttpResponse::json(200, out));
    }

    /// A workflow whose file and editor both changed since the file was last published (the
    /// file was not published at start): "conflict" tells the editor, absent otherwise.
    static void addConflict(QJsonObject &object, const QString &name,
                            const QList<PublishConflict> &conflicts)
    {
        for (const PublishConflict &c : conflicts) {
            if (c.name != name)
                continue;
            object.insert(QStringLiteral("conflict"),
                          QJsonObject {{QStringLiteral("file"), c.path},
                                       {QStringLiteral("file_version"),
                                        c.fileVersion > 0 ? QJsonValue(c.fileVersion)
                                                          : QJsonValue(QJsonValue::Null)},
                                       {QStringLiteral("editor_version"), c.userVersion},
                                       {QStringLiteral("published_by"), c.username},
                                       {QStringLiteral("published_at"), rfc3339(c.userPublishedAt)},
                                       {QStringLiteral("message"), c.message()}});
        }
    }

    /// Every version of a workflow, oldest first, with where it came from (a file at start or a
    /// user in the editor) and when; sources are read per version (versions/{n}).
    void workflowVersions(Context &ctx)
    {
        const QString name = ctx.params.value(QStringLiteral("name"));
        const auto history = WorkflowVersions::history(*o.database, name);
        if (!history)
            return ctx.fail(storageError(history.error()));
        if (history->isEmpty())
            return ctx.fail(ApiError::notFound(QStringLiteral("No workflow %1.").arg(name)));
        const int current = o.engine->currentVersions().value(name);
        QJsonArray out;
        for (const WorkflowVersion &v : *history) {
            QJsonObject item {{QStringLiteral("version"), v.version},
                              {QStringLiteral("origin"), v.origin.kindName()},
                              {QStringLiteral("published_at"), rfc3339(v.publishedAt)},
                              {QStringLiteral("current"), v.version == current}};
            if (v.origin.isFile())
                item.insert(QStringLiteral("path"),
                            v.origin.path.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                    : QJsonValue(v.origin.path));
            else
                item.insert(QStringLiteral("published_by"), v.origin.username);
            out.append(item);
        }
        ctx.send(HttpResponse::json(200, out));
    }

    void workflow(Context &ctx)
    {
        const QString name = ctx.params.value(QStringLiteral("name"));
        const int version = o.engine->currentVersions().value(name);
        const auto wf = version > 0 ? o.engine->workflow(name, version)
                                    : Result<std::shared_ptr<const Workflow>>(makeError(QString()));
        if (!wf)
            return ctx.fail(ApiError::notFound(QStringLiteral("No workflow %1.").arg(name)));
        QJsonObject object = workflowObject(**wf, version, ctx.language);
        addConflict(object, name, o.engine->publishConflicts());
        ctx.ok(object);
    }

    void workflowVersion(Context &ctx)
    {
        const QString name = ctx.params.value(QStringLiteral("name"));
        bool ok = false;
        const int version = ctx.params.value(QStringLiteral("n")).toInt(&ok);
        const auto wf = ok && version > 0
            ? o.engine->workflow(name, version)
            : Result<std::shared_ptr<const Workflow>>(makeError(QString()));
        if (!wf)
            return ctx.fail(ApiError::notFound(
                QStringLiteral("No version %1 of workflow %2.").arg(version).arg(name)));
        ctx.ok(workflowObject(**wf, version, ctx.language));
    }

    /// The current version of every published workflow (what `open:` in a new text opens).
    QList<std::shared_ptr<const Workflow>> currentWorkflows() const
    {
        QList<std::shared_ptr<const Workflow>> definitions;
        const QMap<QString, int> current = o.engine->currentVersions();
        for (auto it = current.cbegin(); it != current.cend(); ++it)
            if (auto wf = o.engine->workflow(it.key(), it.value()))
                definitions.append(*wf);
        return definitions;
    }

    void validateWorkflow(Context &ctx)
    {
        if (!isValidUtf8(ctx.request.body))
            return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
        const QStringList known = o.engine->currentVersions().keys();
        const auto definitions = currentWorkflows();
        const WorkflowReadResult result = checkWorkflowText(
            ctx.request.body, org(), QStringLiteral("workflow.yaml"), &known, {}, &definitions);
        ctx.ok({{QStringLiteral("valid"), result.ok()},
                {QStringLiteral("errors"), diagnosticsJson(result.diagnostics, true)},
                {QStringLiteral("warnings"), diagnosticsJson(result.diagnostics, false)},
                {QStringLiteral("mermaid"),
                 result.ok() ? toMermaid(*result.workflow, &org()) : QString()}});
    }

    void publishWorkflow(Context &ctx)
    {
        if (!requireAdmin(ctx))
            return;
        if (!isValidUtf8(ctx.request.body))
            return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
        const QString name = ctx.params.value(QStringLiteral("name"));
        const QStringList known = o.engine->currentVersions().keys() << name;
        const auto definitions = currentWorkflows();
        const WorkflowReadResult result = checkWorkflowText(
            ctx.request.body, org(), name + QStringLiteral(".yaml"), &known, name, &definitions);
        if (!result.ok())
            return ctx.fail(ApiError::validation(
                QStringLiteral("The workflow has errors."),
                {{QStringLiteral("errors"), diagnosticsJson(result.diagnostics, true)}}));
        const auto outcome = o.engine->publish({result.workflow}, ctx.user.username);
        if (!outcome)
            return ctx.fail(storageError(outcome.error()));
        const int version = outcome->current.value(name);
        ctx.ok({{QStringLiteral("version"), version}},
               outcome->published.contains(name) ? 201 : 200);
    }

    // ---- users -----------------------------------------------------------------------------

    void users(Context &ctx)
    {
        const auto list = o.auth->users().list();
        if (!list)
            return ctx.fail(storageError(list.error()));
        QJsonArray out;
        for (const User &u : *list)
            out.append(userJson(u, org()));
        ctx.send(HttpResponse::json(200, out));
    }

    std::optional<UserInput> readUserInput(JsonReader &reader)
    {
        UserInput input;
        input.name = reader.string(QStringLiteral("name"));
        input.password = reader.string(QStringLiteral("password"));
        input.departments = reader.stringList(QStringLiteral("departments"));
        input.roles = reader.stringList(QStringLiteral("roles"));
        input.active = reader.boolean(QStringLiteral("active"));
        return input;
    }

    void createUser(Context &ctx)
    {
        if (!requireAdmin(ctx))
            return;
        QJsonObject body;
        if (auto error = parseJsonObjectBody(ctx.request, &body))
            return ctx.fail(*error);
        JsonReader reader(body);
        const auto username = reader.string(QStringLiteral("username"), JsonReader::Required);
        reader.string(QStringLiteral("name"), JsonReader::Required);
        reader.string(QStringLiteral("password"), JsonReader::Required);
        const auto input = readUserInput(reader);
        if (auto error = reader.finish())
            return ctx.fail(*error);
        const auto created = o.auth->users().create(*username, *input, org());
        if (const auto *problem = std::get_if<UserProblem>(&created))
            return ctx.fail(fromUserProblem(*problem));
        ctx.ok(userJson(std::get<User>(created), org()), 201);
    }

    void patchUser(Context &ctx)
    {
        if (!requireAdmin(ctx))
            return;
        QJsonObject body;
        if (auto error = parseJsonObjectBody(ctx.request, &body))
            return ctx.fail(*error);
        JsonReader reader(body);
        const auto input = readUserInput(reader);
        if (auto error = reader.finish())
            return ctx.fail(*error);
        const auto updated
            = o.auth->users().update(ctx.params.value(QStringLiteral("username")), *input, org());
        if (const auto *problem = std::get_if<UserProblem>(&updated))
            return ctx.fail(fromUserProblem(*problem));
        // Requests read the user afresh; the live stream and the SLA clocks keep what they saw at
        // connection or first use. A reconnecting stream sees with the new departments and roles.
        const QString username = ctx.params.value(QStringLiteral("username"));
        if (input->active == false || input->password)
            hub.disconnectUser(username, StreamHub::Reason::SignedOut);
        else if (input->departments || input->roles)
            hub.disconnectUser(username, StreamHub::Reason::AccessChanged);
        if (o.sla && input->departments)
            o.sla->forgetUser(username);
        ctx.ok(userJson(std::get<User>(updated), org()));
    }

    // ---- notifications, stream, clock ------------------------------------------------------

    void notifications(Context &ctx)
    {
        const QString unread = ctx.request.queryValue(QStringLiteral("unread"));
        if (!unread.isNull() && unread != u"true" && unread != u"false")
            return ctx.fail(ApiError::badRequest(QStringLiteral("unread must be true or false.")));
        const auto rows = o.engine->notifications(ctx.user.username, unread == u"true");
        if (!rows)
            return ctx.fail(storageError(rows.error()));
        QJsonArray items;
        for (const NotificationRow &row : *rows)
            items.append(notificationJson(row));
        ctx.ok({{QStringLiteral("items"), items}});
    }

    void readNotification(Context &ctx)
    {
        bool ok = false;
        const qint64 id = ctx.params.value(QStringLiteral("id")).toLongLong(&ok);
        if (!ok)
            return ctx.fail(ApiError::notFound(QStringLiteral("No such notification.")));
        const auto marked = o.engine->markNotificationRead(id, ctx.user.username);
        if (!marked)
            return ctx.fail(storageError(marked.error()));
        if (!*marked)
            return ctx.fail(ApiError::notFound(QStringLiteral("No such notification.")));
        ctx.send(HttpResponse::noContent());
    }

    void streamWithoutUpgrade(Context &ctx)
    {
        ctx.fail(
            ApiError::badRequest(QStringLiteral("Connect with a WebSocket (Upgrade: websocket).")));
    }

    bool clockAvailable(const Context &ctx) const
    {
        if (o.fakeClock)
            return true;
        ctx.fail(
            ApiError::notFound(QStringLiteral("The test clock is off (start with --fake-clock).")));
        return false;
    }

    void clock(Context &ctx)
    {
        if (!clockAvailable(ctx))
            return;
        ctx.ok({{QStringLiteral("now"), rfc3339(o.fakeClock->now())}});
    }

    void moveClock(Context &ctx)
    {
        if (!clockAvailable(ctx) || !requireAdmin(ctx))
            return;
        QJsonObject body;
        if (auto error = parseJsonObjectBody(ctx.request, &body))
            return ctx.fail(*error);
        JsonReader reader(body);
        const auto advance = reader.integer(QStringLiteral("advance_seconds"));
        const auto set = reader.string(QStringLiteral("set"));
        QDateTime target;
        if (set) {
            target = QDateTime::fromString(*set, Qt::ISODateWithMs);
            if (!target.isValid())
                reader.invalid(QStringLiteral("set"), QStringLiteral("must be an RFC 3339 time"));
        }
        if (advance && *advance < 0)
            reader.invalid(QStringLiteral("advance_seconds"),
                           QStringLiteral("must not be negative"));
        if (auto error = reader.finish())
            return ctx.fail(*error);
        if (advance.has_value() == set.has_value())
            return ctx.fail(
                ApiError::badRequest(QStringLiteral("Give either advance_seconds or set.")));
        if (advance)
            o.fakeClock->advanceSeconds(*advance);
        else
            o.fakeClock->set(target);
        if (o.clockMoved)
            o.clockMoved();
        ctx.ok({{QStringLiteral("now"), rfc3339(o.fakeClock->now())}});
    }

    void openApi(Context &ctx)
    {
        HttpResponse response = HttpResponse::bytes(200, QByteArrayLiteral("application/json"),
                                                    ApiServer::openApiDocument());
        ctx.send(response);
    }

    // ---- WebSocket ---------------------------------------------------------------------------

    void webSocket(std::unique_ptr<QWebSocket> socket)
    {
        QWebSocket *ws = socket.release();
        const QNetworkRequest request = ws->request();
        if (ws->requestUrl().path() != u"/api/v1/stream") {
            ws->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("no such stream"));
            ws->deleteLater();
            return;
        }
        HttpRequest probe;
        for (const QByteArray &name : request.rawHeaderList())
            probe.headers.append({name, request.rawHeader(name)});
        QString token = tokenOf(probe);
        if (token.isEmpty())
            token = QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("token"));
        const auto user = token.isEmpty() ? Result<std::optional<User>>(std::optional<User>())
                                          : o.auth->authenticate(token);
        if (!user || !user->has_value()) {
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("unauthenticated"));
            ws->deleteLater();
            return;
        }
        const User &u = **user;
        const auto expiry = o.auth->sessionExpiry(token);
        const qint64 expiresAtMs = expiry && expiry->has_value()
            ? (*expiry)->toMSecsSinceEpoch()
            : o.clock->now().toMSecsSinceEpoch(); // asked again at the next check
        hub.add(ws, resolveActor(org(), u.username, u.roles, u.departments), token, expiresAtMs);
    }

    /// Closes the streams whose session expired (checked when their known expiry passed).
    void checkStreamSessions()
    {
        const qint64 now = o.clock->now().toMSecsSinceEpoch();
        hub.checkSessions(now, [this, now](const QString &token) -> std::optional<qint64> {
            const auto expiry = o.auth->sessionExpiry(token);
            if (!expiry)
                return now + 60 * 1000; // storage trouble: keep the stream, ask again later
            if (!expiry->has_value())
                return std::nullopt;
            return (*expiry)->toMSecsSinceEpoch();
        });
    }
};

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
        if (!link->server)
            return;
        for (const TicketState &ticket : change.tickets)
            link->server->hub.publishTicket(ticket, link->server->org());
        for (const NotificationRow &row : change.notifications)
            link->server->hub.publishNotification(row.username, notificationJson(row));
    });
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

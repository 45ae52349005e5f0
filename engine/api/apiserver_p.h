// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to engine/api: what the route files share. ApiServer::Private holds the server's state
// and every route handler; the handlers of one resource family live in its own file
// (ticketroutes.cpp, workflowroutes.cpp, ...) and apiserver.cpp's setUpRoutes() is the one table
// that registers them all.

#include "api/apiserver.h"
#include "api/reportresource.h"
#include "api/streamhub.h"
#include "auth/authservice.h"
#include "http/httpserver.h"
#include "http/router.h"
#include "http/staticfiles.h"
#include "runtime/engine.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QWebSocket;

namespace Baton::Http {
class JsonReader;
}

namespace Baton::Api {

using namespace Baton::Http;

Q_DECLARE_LOGGING_CATEGORY(lcApi)

inline const QByteArray sessionCookie = QByteArrayLiteral("baton_session");

/// What a route handler gets: the request, where to answer, the path's parameters and, on
/// routes that need a session, who is asking.
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

    /// A committed change to the streams (this server's or another's).
    void publish(const CommittedChange &change);

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

    // ---- dispatch (apiserver.cpp) ------------------------------------------
    void setUpRoutes();
    void handle(HttpRequest &&request, HttpResponder responder);
    static bool sessionCookieAuthenticates(const HttpRequest &request);
    static std::optional<ApiError> checkForgery(const HttpRequest &request,
                                                const QByteArray &pattern, bool needsAuth);
    bool requireAdmin(const Context &ctx) const;
    std::optional<qint64> idParam(const Context &ctx,
                                  const QString &name = QStringLiteral("id")) const;
    std::optional<qint64> ticketIdAndBody(const Context &ctx, QJsonObject *body,
                                          bool emptyAllowed = false) const;

    // ---- sessions (sessionroutes.cpp) --------------------------------------
    QString tokenOf(const HttpRequest &request) const;
    bool authenticate(Context &ctx);
    /// The session or token of the request into ctx.user and ctx.actor; the error otherwise.
    std::optional<ApiError> signIn(Context &ctx);
    bool overHttps(const HttpRequest &request) const;
    QString clientAddress(const HttpRequest &request) const;
    QByteArray cookieAttributes(const HttpRequest &request) const;
    void login(Context &ctx);
    static HttpResponse loginResponse(const Result<AuthService::Login> &login,
                                      const Organisation &organisation, qint64 sessionSeconds,
                                      const QByteArray &cookieAttributes);
    void logout(Context &ctx);
    void me(Context &ctx);

    // ---- tickets (ticketroutes.cpp) ----------------------------------------
    /// `away`: who is away now (awayNow()), read here when not given (lists read it once).
    QJsonObject ticketObject(const TicketState &ticket, const Actor &actor, Language language,
                             const QSet<QString> *away = nullptr);
    /// The users away now, for the "away" badges beside assignees and queue contacts; none
    /// when they cannot be read (a badge is not worth failing the request).
    QSet<QString> awayNow();
    Engine::Callback answerWithTicket(const Context &ctx, int status, const char *kind);
    std::optional<Customer> readCustomer(JsonReader &reader, const Context &ctx);
    void openTicket(Context &ctx);
    void getTicket(Context &ctx);
    void listTickets(Context &ctx);
    void takeAction(Context &ctx);
    void claim(Context &ctx);
    void assign(Context &ctx);
    void transfer(Context &ctx);
    void comment(Context &ctx);
    void reopen(Context &ctx);
    void events(Context &ctx);

    // ---- workflows (workflowroutes.cpp) ------------------------------------
    QJsonObject workflowObject(const Workflow &wf, int version, Language language);
    void workflows(Context &ctx);
    static void addConflict(QJsonObject &object, const QString &name,
                            const QList<PublishConflict> &conflicts);
    void workflowVersions(Context &ctx);
    void workflow(Context &ctx);
    void workflowVersion(Context &ctx);
    QList<std::shared_ptr<const Workflow>> currentWorkflows() const;
    void validateWorkflow(Context &ctx);
    void publishWorkflow(Context &ctx);

    // ---- the organisation's text (orgroutes.cpp) ----------------------------
    void organisation(Context &ctx);
    void validateOrganisation(Context &ctx);
    void publishOrganisation(Context &ctx);

    // ---- users (userroutes.cpp) --------------------------------------------
    void users(Context &ctx);
    std::optional<UserInput> readUserInput(JsonReader &reader);
    void createUser(Context &ctx);
    void patchUser(Context &ctx);
    // Away and substitutes (plugins issue): the caller's own in preferences, a team member's
    // by their supervisor or an admin.
    void preferences(Context &ctx);
    void patchPreferences(Context &ctx);
    /// `{"away", "quiet_hours", "channels", "available_channels", "notification_kinds"}`.
    QJsonObject preferencesJson(const User &user) const;
    void setUserAway(Context &ctx);
    /// Records `{"away": {"from", "until", "substitute"} | null}` of `body` for `username`
    /// (reader: body's, finished here); the user afterwards, or nullopt once a failure was sent.
    std::optional<User> applyAway(Context &ctx, const QString &username, const QJsonObject &body,
                                  JsonReader &reader);

    // ---- health, metrics, organisation, test clock, OpenAPI (adminroutes.cpp) ----
    HttpResponse healthz();
    HttpResponse metrics();
    void queues(Context &ctx);
    void departments(Context &ctx);
    void calendars(Context &ctx);
    bool clockAvailable(const Context &ctx) const;
    void clock(Context &ctx);
    void moveClock(Context &ctx);
    void openApi(Context &ctx);

    // ---- notifications (notificationroutes.cpp) ----------------------------
    void notifications(Context &ctx);
    void readNotification(Context &ctx);

    // ---- reports (reportroutes.cpp; the replies in reportresource.h) ----------
    void reportSteps(Context &ctx);
    void reportFlow(Context &ctx);
    void reportOutcomes(Context &ctx);
    void reportEscalations(Context &ctx);
    void reportVolume(Context &ctx);
    void queueWeeklySummary(Context &ctx);
    void reportBacklog(Context &ctx);
    void reportSatisfaction(Context &ctx);
    void reportTickets(Context &ctx);
    void report(Context &ctx, HttpResponse (*reply)(const HttpRequest &, const ReportContext &));

    // ---- plugins, channels and the delivery log (deliveryroutes.cpp) ------
    void adminPlugins(Context &ctx);
    void adminChannels(Context &ctx);
    void adminDeliveries(Context &ctx);
    void retryDelivery(Context &ctx);
    void testChannel(Context &ctx);
    // ---- customers (customerroutes.cpp) ------------------------------------
    bool requireCustomerEditor(const Context &ctx) const;
    void findCustomers(Context &ctx);
    void getCustomer(Context &ctx);
    void createCustomer(Context &ctx);
    void patchCustomer(Context &ctx);

    // ---- links and merging (linkroutes.cpp) ---------------------------------
    std::optional<TicketState> namedTicket(const Context &ctx, const QString &name,
                                           const QString &field);
    void writeBothSides(const Context &ctx, qint64 firstId, Engine::Mutation first, qint64 secondId,
                        Engine::Mutation second, int status, const char *kind);
    void linkTickets(Context &ctx);
    void mergeTicket(Context &ctx);

    // ---- standard answers (answerroutes.cpp) -------------------------------
    bool mayEditAnswers(const Actor &actor, const QString &department) const;
    void answers(Context &ctx);
    void answer(Context &ctx);
    void answerVersions(Context &ctx);
    void createAnswer(Context &ctx);
    void patchAnswer(Context &ctx);
    // ---- attachments (attachmentroutes.cpp) --------------------------------
    static bool isUploadRoute(QByteArrayView method, QByteArrayView path);
    /// HttpServerOptions::checkUpload: the answer that refuses an upload from its head alone.
    std::optional<HttpResponse> checkUpload(const HttpRequest &head);
    std::optional<ApiError> uploadRefusal(Context &ctx);
    /// The ticket's attachments for its JSON; nothing once an error is answered.
    std::optional<QJsonArray> attachmentList(const Context &ctx, qint64 ticket);
    void uploadAttachment(Context &ctx);
    void downloadAttachment(Context &ctx);

    // ---- the live stream (streamroutes.cpp) --------------------------------
    void streamWithoutUpgrade(Context &ctx);
    static std::optional<HttpResponse> checkUpgrade(const HttpRequest &request);
    void webSocket(std::unique_ptr<QWebSocket> socket);
    void checkStreamSessions();
};

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// Sign-in, sign-out and the signed-in user: /api/v1/login, /logout, /me.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "http/jsonbody.h"

namespace Baton::Api {

QString ApiServer::Private::tokenOf(const HttpRequest &request) const
{
    const QByteArray authorization = request.header("authorization");
    if (authorization.startsWith("Bearer "))
        return QString::fromLatin1(authorization.mid(7).trimmed());
    return QString::fromLatin1(request.cookie(sessionCookie));
}

bool ApiServer::Private::authenticate(Context &ctx)
{
    if (const std::optional<ApiError> refused = signIn(ctx)) {
        ctx.fail(*refused);
        return false;
    }
    return true;
}

std::optional<ApiError> ApiServer::Private::signIn(Context &ctx)
{
    ctx.token = tokenOf(ctx.request);
    if (ctx.token.isEmpty())
        return ApiError::unauthenticated();
    const auto user = o.auth->authenticate(ctx.token);
    if (!user)
        return apiError(user.failure());
    if (!user->has_value())
        return ApiError::unauthenticated(QStringLiteral("The session has ended; sign in again."));
    ctx.user = **user;
    ctx.actor = resolveActor(org(), ctx.user.username, ctx.user.roles, ctx.user.departments);
    return std::nullopt;
}

/// Whether the client reached us over https: only a proxy the operator trusts
/// (--trust-proxy) can say so, in X-Forwarded-Proto (its last entry is the nearest
/// proxy's). Baton itself listens on plain HTTP.
bool ApiServer::Private::overHttps(const HttpRequest &request) const
{
    if (!o.trustProxy)
        return false;
    const QByteArray proto = request.header("x-forwarded-proto");
    return proto.split(',').last().trimmed().compare("https", Qt::CaseInsensitive) == 0;
}

/// The address the login throttle counts against. Behind a proxy every connection comes from the
/// proxy, so with --trust-proxy the client is the last X-Forwarded-For entry (the one our proxy
/// appended; entries left of it are the client's own word). Without the flag, or when that entry
/// is not an address, it is the connection's peer.
QString ApiServer::Private::clientAddress(const HttpRequest &request) const
{
    if (o.trustProxy) {
        QByteArray forwardedFor;
        for (const auto &[name, value] : request.headers)
            if (QByteArrayView("x-forwarded-for").compare(name, Qt::CaseInsensitive) == 0)
                forwardedFor = value;
        const QHostAddress client(QString::fromLatin1(forwardedFor.split(',').last().trimmed()));
        if (!client.isNull())
            return client.toString();
    }
    return request.remoteAddress.toString();
}

QByteArray ApiServer::Private::cookieAttributes(const HttpRequest &request) const
{
    return overHttps(request) ? QByteArrayLiteral("; Path=/; HttpOnly; Secure; SameSite=Strict")
                              : QByteArrayLiteral("; Path=/; HttpOnly; SameSite=Strict");
}

void ApiServer::Private::login(Context &ctx)
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
         cookie = cookieAttributes(ctx.request)](const Result<AuthService::Login> &result) {
            // The access line names who signed in (nobody on a refusal).
            if (result && result->status == AuthService::Login::Status::Ok)
                responder->setUser(result->user.username);
            responder->send(loginResponse(result, organisation, sessionSeconds, cookie));
        });
}

HttpResponse ApiServer::Private::loginResponse(const Result<AuthService::Login> &login,
                                               const Organisation &organisation,
                                               qint64 sessionSeconds,
                                               const QByteArray &cookieAttributes)
{
    if (!login)
        return apiError(login.failure()).toResponse();
    const AuthService::Login &result = *login;
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
    case AuthService::Login::Status::DirectoryUnavailable:
        // Nobody gets in while the directory cannot answer; the reason is in the server log.
        return HttpResponse::error(503, QStringLiteral("unavailable"),
                                   QStringLiteral("The company directory is not available; "
                                                  "try again later."));
    case AuthService::Login::Status::Invalid:
        return ApiError::unauthenticated(QStringLiteral("Wrong username or password."))
            .toResponse();
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

void ApiServer::Private::logout(Context &ctx)
{
    if (auto done = o.auth->logout(ctx.token); !done)
        return ctx.fail(apiError(done.failure()));
    hub.disconnectSession(ctx.token);
    HttpResponse response = HttpResponse::noContent();
    response.setHeader("Set-Cookie",
                       sessionCookie + '=' + cookieAttributes(ctx.request) + "; Max-Age=0");
    ctx.send(response);
}

void ApiServer::Private::me(Context &ctx)
{
    ctx.ok(userJson(ctx.user, org()));
}

} // namespace Baton::Api

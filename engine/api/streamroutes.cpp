// SPDX-License-Identifier: GPL-3.0-or-later
// The live stream: the WebSocket handshake check, accepting a stream, closing streams whose
// session ended.
#include "api/apiserver_p.h"

#include "core/clock.h"
#include "http/requestguard.h"

#include <QUrlQuery>
#include <QWebSocket>

namespace Baton::Api {

void ApiServer::Private::streamWithoutUpgrade(Context &ctx)
{
    ctx.fail(
        ApiError::badRequest(QStringLiteral("Connect with a WebSocket (Upgrade: websocket).")));
}

/// The live stream's handshake, before the upgrade (HttpServer's upgrade check).
std::optional<HttpResponse> ApiServer::Private::checkUpgrade(const HttpRequest &request)
{
    if (auto refused = refuseNulInTarget(request))
        return refused->toResponse();
    if (auto forged = checkWebSocketOrigin(request, sessionCookieAuthenticates(request)))
        return forged->toResponse();
    return std::nullopt;
}

void ApiServer::Private::webSocket(std::unique_ptr<QWebSocket> socket)
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
        ws->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unauthenticated"));
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
void ApiServer::Private::checkStreamSessions()
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

} // namespace Baton::Api

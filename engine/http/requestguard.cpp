// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestguard.h"

#include <QJsonObject>

namespace Baton::Http {

namespace {

bool isStateChanging(QByteArrayView method)
{
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

ApiError forbiddenOrigin(const QString &message)
{
    return {403, QStringLiteral("forbidden_origin"), message, {}};
}

/// The first value of a header that proxies may have appended to ("a, b").
QByteArray firstValue(const QByteArray &header)
{
    const qsizetype comma = header.indexOf(',');
    return (comma < 0 ? header : header.left(comma)).trimmed().toLower();
}

/// `scheme://host[:port]` in lower case without the scheme's default port, so that
/// `http://example.com` and a Host of `example.com:80` compare equal.
QByteArray normalisedOrigin(const QByteArray &scheme, QByteArray hostAndPort)
{
    hostAndPort = hostAndPort.trimmed().toLower();
    if (scheme == "http" && hostAndPort.endsWith(":80"))
        hostAndPort.chop(3);
    else if (scheme == "https" && hostAndPort.endsWith(":443"))
        hostAndPort.chop(4);
    return scheme + "://" + hostAndPort;
}

/// The Origin header in the same form, or empty when it is no scheme://host origin (e.g. the
/// opaque `null` of sandboxed frames and file: pages).
QByteArray normalisedRequestOrigin(const QByteArray &origin)
{
    const QByteArray lower = origin.trimmed().toLower();
    const qsizetype separator = lower.indexOf("://");
    if (separator <= 0)
        return {};
    const QByteArray rest = lower.mid(separator + 3);
    if (rest.isEmpty() || rest.contains('/'))
        return {};
    return normalisedOrigin(lower.left(separator), rest);
}

bool isOwnOrigin(const HttpRequest &request)
{
    const QByteArray origin = normalisedRequestOrigin(request.header("origin"));
    return !origin.isEmpty() && origin == ownOrigin(request);
}

bool cameFromOwnPages(const HttpRequest &request)
{
    if (request.hasHeader("origin"))
        return isOwnOrigin(request);
    return request.header("sec-fetch-site").trimmed().toLower() == "same-origin";
}

QByteArray mediaType(const HttpRequest &request)
{
    const QByteArray type = request.header("content-type");
    const qsizetype semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.left(semicolon)).trimmed().toLower();
}

} // namespace

std::optional<ApiError> refuseNulInTarget(const HttpRequest &request)
{
    const QChar nul(u'\0');
    if (request.path.contains(nul))
        return ApiError::badRequest(QStringLiteral("The path contains U+0000."));
    QJsonObject fields;
    for (const auto &[name, value] : request.query.queryItems(QUrl::FullyDecoded))
        if (name.contains(nul) || value.contains(nul))
            fields.insert(QString(name).replace(nul, QStringLiteral("\\u0000")),
                          QStringLiteral("must not contain U+0000"));
    if (!fields.isEmpty())
        return ApiError::badRequest(QStringLiteral("Query parameters must not contain U+0000: %1.")
                                        .arg(fields.keys().join(QStringLiteral(", "))),
                                    {{QStringLiteral("fields"), fields}});
    return std::nullopt;
}

QByteArray ownOrigin(const HttpRequest &request)
{
    const QByteArray proto = firstValue(request.header("x-forwarded-proto"));
    const QByteArray forwardedHost = firstValue(request.header("x-forwarded-host"));
    return normalisedOrigin(proto == "https" ? QByteArray("https") : QByteArray("http"),
                            forwardedHost.isEmpty() ? request.header("host") : forwardedHost);
}

std::optional<ApiError> checkRequestOrigin(const HttpRequest &request, BodyType bodyType,
                                           bool cookieAuthenticates)
{
    if (!isStateChanging(request.method))
        return std::nullopt;
    const bool hasOrigin = request.hasHeader("origin");
    const QByteArray fetchSite = request.header("sec-fetch-site").trimmed().toLower();
    if ((hasOrigin || !fetchSite.isEmpty() || cookieAuthenticates) && !cameFromOwnPages(request))
        return forbiddenOrigin(
            hasOrigin ? QStringLiteral("Requests from another origin (%1) may not change anything "
                                       "here; this server is %2.")
                            .arg(QString::fromLatin1(request.header("origin")),
                                 QString::fromLatin1(ownOrigin(request)))
                      : QStringLiteral("A change made with the session cookie needs an Origin "
                                       "header naming this server (or Sec-Fetch-Site: "
                                       "same-origin)."));
    if (!cookieAuthenticates || bodyType == BodyType::File)
        return std::nullopt;
    const QByteArray wanted = bodyType == BodyType::Yaml ? QByteArrayLiteral("application/yaml")
                                                         : QByteArrayLiteral("application/json");
    if (mediaType(request) != wanted)
        return ApiError {403,
                         QStringLiteral("forbidden_content_type"),
                         QStringLiteral("A change made with the session cookie must be sent as "
                                        "Content-Type: %1, even without a body.")
                             .arg(QString::fromLatin1(wanted)),
                         {}};
    return std::nullopt;
}

std::optional<ApiError> checkWebSocketOrigin(const HttpRequest &request, bool cookieAuthenticates)
{
    if (!cookieAuthenticates || cameFromOwnPages(request))
        return std::nullopt;
    return forbiddenOrigin(
        QStringLiteral("The live stream may only be opened with the session cookie from this "
                       "server's own pages (%1).")
            .arg(QString::fromLatin1(ownOrigin(request))));
}

} // namespace Baton::Http

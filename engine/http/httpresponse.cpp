// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpresponse.h"
#include "httprequest.h"

#include <QJsonDocument>

namespace Baton::Http {

namespace {

// Sent with every response. The UI is same-origin only and loads no inline script; styles may
// be inline because the YAML editor injects <style> elements.
constexpr char securityHeaders[]
    = "Content-Security-Policy: default-src 'self'; script-src 'self'; "
      "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
      "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
      "form-action 'self'\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "X-Frame-Options: DENY\r\n"
      "Referrer-Policy: no-referrer\r\n"
      "Cross-Origin-Opener-Policy: same-origin\r\n";

} // namespace

QByteArray HttpRequest::cookie(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (QByteArrayView("cookie").compare(h.first, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &part : h.second.split(';')) {
            const QByteArray trimmed = part.trimmed();
            const qsizetype eq = trimmed.indexOf('=');
            if (eq > 0 && QByteArrayView(trimmed).first(eq) == name)
                return trimmed.mid(eq + 1);
        }
    }
    return {};
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (QByteArrayView(name).compare(h.first, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return;
        }
    }
    headers.append({name, value});
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &h : headers)
        if (name.compare(h.first, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    return bytes(status, QByteArrayLiteral("application/json"),
                 QJsonDocument(object).toJson(QJsonDocument::Compact));
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    return bytes(status, QByteArrayLiteral("application/json"),
                 QJsonDocument(array).toJson(QJsonDocument::Compact));
}

HttpResponse HttpResponse::jsonText(int status, QByteArray text)
{
    return bytes(status, QByteArrayLiteral("application/json"), std::move(text));
}

HttpResponse HttpResponse::noContent()
{
    HttpResponse response;
    response.status = 204;
    return response;
}

HttpResponse HttpResponse::bytes(int status, const QByteArray &contentType, QByteArray body)
{
    HttpResponse response;
    response.status = status;
    response.headers.append({QByteArrayLiteral("Content-Type"), contentType});
    response.body = std::move(body);
    return response;
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message,
                                 const QJsonObject &details)
{
    const QJsonObject error {{QStringLiteral("code"), code},
                             {QStringLiteral("message"), message},
                             {QStringLiteral("details"), details}};
    HttpResponse response = json(status, QJsonObject {{QStringLiteral("error"), error}});
    response.headers.append({QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store")});
    return response;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 204:
        return QByteArrayLiteral("No Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 422:
        return QByteArrayLiteral("Unprocessable Entity");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Status");
    }
}

QByteArray HttpResponse::serialise(bool closeConnection, bool headRequest) const
{
    QByteArray out;
    out.reserve(512 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    for (const auto &h : headers) {
        // Header values come from our own code, but never let a CR/LF split the response.
        if (h.first.contains('\n') || h.first.contains('\r') || h.second.contains('\n')
            || h.second.contains('\r'))
            continue;
        out += h.first + ": " + h.second + "\r\n";
    }
    out += securityHeaders;
    if (status != 204 && status != 304)
        out += "Content-Length: " + QByteArray::number(stream ? streamSize : body.size()) + "\r\n";
    if (closeConnection)
        out += "Connection: close\r\n";
    out += "\r\n";
    if (!headRequest && status != 204 && status != 304)
        out += body;
    return out;
}

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <memory>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Baton::Http {

/// An HTTP response before serialisation. The connection adds Content-Length, the security
/// headers (CSP, nosniff, frame denial, referrer policy) and Connection handling.
struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    /// A body too large to hold in memory (a file download): the connection reads it from this
    /// open device as the client takes it, a piece at a time; `streamSize` bytes are announced
    /// in Content-Length and `body` stays empty. Read on the thread that writes the response.
    std::shared_ptr<QIODevice> stream;
    qint64 streamSize = 0;

    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    /// A body that is JSON text already (written by JsonText).
    static HttpResponse jsonText(int status, QByteArray text);
    static HttpResponse noContent();
    static HttpResponse bytes(int status, const QByteArray &contentType, QByteArray body);
    /// interfaces.md's error shape: {"error": {"code", "message", "details"}}.
    static HttpResponse error(int status, const QString &code, const QString &message,
                              const QJsonObject &details = {});

    /// The reason phrase for a status ("Payload Too Large").
    static QByteArray reasonPhrase(int status);
    /// The full wire form: status line, headers (plus the fixed security headers and
    /// Content-Length), blank line, body. closeConnection adds `Connection: close`.
    QByteArray serialise(bool closeConnection, bool headRequest = false) const;
};

/// An API error on its way to becoming a response; handlers build these from engine errors.
struct ApiError
{
    int status = 400;
    QString code;
    QString message;
    QJsonObject details;

    HttpResponse toResponse() const { return HttpResponse::error(status, code, message, details); }

    static ApiError badRequest(const QString &message, const QJsonObject &details = {})
    {
        return {400, QStringLiteral("bad_request"), message, details};
    }
    static ApiError unauthenticated(const QString &message = QStringLiteral("Sign in first."))
    {
        return {401, QStringLiteral("unauthenticated"), message, {}};
    }
    static ApiError forbidden(const QString &message)
    {
        return {403, QStringLiteral("forbidden"), message, {}};
    }
    static ApiError notFound(const QString &message)
    {
        return {404, QStringLiteral("not_found"), message, {}};
    }
    static ApiError conflict(const QString &message, const QJsonObject &details = {})
    {
        return {409, QStringLiteral("conflict"), message, details};
    }
    static ApiError validation(const QString &message, const QJsonObject &details = {})
    {
        return {422, QStringLiteral("validation_failed"), message, details};
    }
    static ApiError rateLimited(const QString &message)
    {
        return {429, QStringLiteral("rate_limited"), message, {}};
    }
    static ApiError internal(const QString &message)
    {
        return {500, QStringLiteral("internal"), message, {}};
    }
};

} // namespace Baton::Http

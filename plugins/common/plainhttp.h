// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One HTTP/1.1 request over plain http:// on the calling thread's kept connection, with the
// socket's blocking calls: no event loop and no other thread. QNetworkAccessManager hands each
// request to a thread of its own and back, which cost the delivery worker more than the rest of
// a delivery together (bench_delivery, perf: two thread switches and a dozen queued events per
// request). https:// stays with the manager (blockinghttp.h), and so does any URL a proxy is
// configured for (QNetworkProxy's application proxy or factory, blockinghttp.h): this client
// speaks to the URL's host only.
//
// Redirects (3xx) are not followed: the answer is returned as it is, and a plugin makes it a
// failure with its status ("HTTP 301 from …"), shown in the delivery log and the dead letter.
// A webhook is a configured address; a receiver that moved is for an admin to change.
// Interim answers (1xx, such as 100 Continue or 103 Early Hints) are read past.

#include "core/result.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QUrl>

#include <memory>
#include <optional>

namespace BatonPlugins {

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    /// The answer's Retry-After in seconds (a number or an HTTP date), if it had one.
    std::optional<qint64> retryAfterSeconds;
};

namespace plainhttp {

/// The calling thread's open connection (one: a plugin sends one request at a time).
struct Connection
{
    QString host;
    quint16 port = 0;
    std::unique_ptr<QTcpSocket> socket;
};

inline Connection &threadConnection()
{
    thread_local Connection connection;
    return connection;
}

// More bytes from `socket` onto `buffer`; false at the deadline, or when the peer closed.
inline bool readMore(QTcpSocket &socket, QByteArray &buffer, const QDeadlineTimer &deadline)
{
    if (socket.bytesAvailable() == 0
        && !socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
        return false;
    buffer += socket.readAll();
    return true;
}

// A chunked body (RFC 9112 7.1) from `buffer` (more read as needed) into `body`.
inline bool readChunked(QTcpSocket &socket, QByteArray &buffer, QByteArray &body,
                        const QDeadlineTimer &deadline)
{
    for (;;) {
        qsizetype lineEnd;
        while ((lineEnd = buffer.indexOf("\r\n")) < 0)
            if (!readMore(socket, buffer, deadline))
                return false;
        bool ok = false;
        const qsizetype size
            = buffer.left(lineEnd).split(';').first().trimmed().toLongLong(&ok, 16);
        if (!ok)
            return false;
        if (size == 0) // the last chunk: trailers up to an empty line are not read
            return true;
        while (buffer.size() < lineEnd + 2 + size + 2)
            if (!readMore(socket, buffer, deadline))
                return false;
        body += buffer.mid(lineEnd + 2, size);
        buffer.remove(0, lineEnd + 2 + size + 2);
    }
}

/// A Retry-After value: delay-seconds or an HTTP date (RFC 9110 10.2.3), from now.
inline std::optional<qint64> retryAfterOf(const QByteArray &value)
{
    bool ok = false;
    const qint64 seconds = value.trimmed().toLongLong(&ok);
    if (ok)
        return std::max<qint64>(0, seconds);
    QString text = QString::fromLatin1(value.trimmed());
    text.replace(QStringLiteral(" GMT"), QStringLiteral(" +0000"));
    const QDateTime at = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!at.isValid())
        return std::nullopt;
    return std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(at));
}

// A failure of the connection (refused, reset, timed out, not HTTP): the channel's, not the
// message's (notificationchannel.h).
inline Baton::Error connectionFailure(QString why)
{
    return Baton::makeError(Baton::ErrorKind::Unavailable, std::move(why));
}

// The answer to the request already written; `reusable` false when the connection must close;
// `answered` true once any byte of an answer has come (the request may have been acted on).
inline Baton::Result<HttpAnswer> readAnswer(QTcpSocket &socket, const QByteArray &method,
                                            const QDeadlineTimer &deadline, bool *reusable,
                                            bool *answered)
{
    QByteArray buffer;
    qsizetype headerEnd;
    HttpAnswer answer;
    QList<QByteArray> lines;
    for (;;) {
        while ((headerEnd = buffer.indexOf("\r\n\r\n")) < 0) {
            if (!readMore(socket, buffer, deadline))
                return connectionFailure(deadline.hasExpired()
                                             ? QStringLiteral("Operation timed out")
                                             : socket.errorString());
            *answered = true;
        }
        lines = buffer.left(headerEnd).split('\n');
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        answer.status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0;
        if (!lines.first().startsWith("HTTP/1.") || answer.status < 100 || answer.status == 101)
            return connectionFailure(
                QStringLiteral("not an HTTP answer: %1")
                    .arg(QString::fromLatin1(lines.first().trimmed().left(80))));
        if (answer.status >= 200)
            break;
        buffer.remove(0, headerEnd + 4); // an interim answer: the final one follows
    }
    qsizetype length = -1;
    bool chunked = false;
    *reusable = lines.first().startsWith("HTTP/1.1");
    for (const QByteArray &line : lines.mid(1)) {
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed().toLower();
        if (name == "content-length")
            length = value.toLongLong();
        else if (name == "transfer-encoding")
            chunked = value.contains("chunked");
        else if (name == "connection")
            *reusable = value.contains("keep-alive") || (*reusable && !value.contains("close"));
        else if (name == "retry-after")
            answer.retryAfterSeconds = retryAfterOf(line.mid(colon + 1));
    }
    buffer.remove(0, headerEnd + 4);
    const bool noBody = method == "HEAD" || answer.status == 204 || answer.status == 304;
    if (noBody) {
        length = 0;
    } else if (chunked) {
        if (!readChunked(socket, buffer, answer.body, deadline))
            return connectionFailure(QStringLiteral("the answer's body was cut short"));
        return answer;
    } else if (length < 0) { // the body runs until the server closes
        *reusable = false;
        while (readMore(socket, buffer, deadline)) { }
        answer.body = buffer;
        return answer;
    }
    while (buffer.size() < length)
        if (!readMore(socket, buffer, deadline))
            return connectionFailure(QStringLiteral("the answer's body was cut short"));
    answer.body = buffer.left(length);
    return answer;
}

inline QByteArray requestBytes(const QNetworkRequest &request, const QByteArray &method,
                               const QByteArray &body)
{
    const QUrl url = request.url();
    QByteArray target
        = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!target.startsWith('/'))
        target.prepend('/');
    // An IPv6 literal is bracketed in Host as in the URL (RFC 9110 7.2, RFC 3986 3.2.2).
    const QString host = url.host(QUrl::FullyEncoded);
    QByteArray bytes = method + ' ' + target + " HTTP/1.1\r\nHost: "
        + (host.contains(u':') ? QString(u'[' + host + u']') : host).toUtf8();
    if (url.port() > 0)
        bytes += ':' + QByteArray::number(url.port());
    bytes += "\r\n";
    const QVariant contentType = request.header(QNetworkRequest::ContentTypeHeader);
    if (contentType.isValid() && !request.hasRawHeader("Content-Type"))
        bytes += "Content-Type: " + contentType.toByteArray() + "\r\n";
    for (const QByteArray &name : request.rawHeaderList())
        bytes += name + ": " + request.rawHeader(name) + "\r\n";
    if (!body.isEmpty() || method != "GET")
        bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return bytes + "\r\n" + body;
}

} // namespace plainhttp

/// One request to an http:// URL on the thread's kept connection (opened again when the server
/// closed it meanwhile). The answer's status and body, or the network error.
inline Baton::Result<HttpAnswer> plainRequest(const QNetworkRequest &request,
                                              const QByteArray &method, const QByteArray &body,
                                              int timeoutSeconds)
{
    const QDeadlineTimer deadline(qint64(timeoutSeconds) * 1000);
    const QUrl url = request.url();
    const quint16 port = quint16(url.port(80));
    plainhttp::Connection &c = plainhttp::threadConnection();
    bool reused = c.socket && c.host == url.host() && c.port == port;
    if (reused && c.socket->bytesAvailable() == 0)
        c.socket->waitForReadyRead(0); // notices a close by the server while idle
    if (reused
        && (c.socket->state() != QAbstractSocket::ConnectedState || c.socket->bytesAvailable() > 0))
        reused = false;
    if (!reused) {
        c.socket = std::make_unique<QTcpSocket>();
        c.host = url.host();
        c.port = port;
        c.socket->connectToHost(c.host, port);
        if (!c.socket->waitForConnected(int(std::max<qint64>(1, deadline.remainingTime())))) {
            const QString why = c.socket->errorString();
            c.socket.reset();
            return plainhttp::connectionFailure(why);
        }
    }
    c.socket->write(plainhttp::requestBytes(request, method, body));
    c.socket->waitForBytesWritten(int(std::max<qint64>(1, deadline.remainingTime())));
    bool reusable = false;
    bool answered = false;
    auto answer = plainhttp::readAnswer(*c.socket, method, deadline, &reusable, &answered);
    if (!answer && reused && !answered && !deadline.hasExpired()) {
        // The kept connection was closed by the server as the request went out (an idle
        // timeout racing us): once more on a new one. Resending a POST is safe here because a
        // delivery is at least once anyway and carries its id (Baton-Delivery) for the receiver
        // to drop a repeat; but only when no byte of an answer came — after a partial answer the
        // server has acted on the request, and the failure is reported instead.
        c.socket.reset();
        return plainRequest(request, method, body, timeoutSeconds);
    }
    if (!answer || !reusable)
        c.socket.reset();
    return answer;
}

} // namespace BatonPlugins

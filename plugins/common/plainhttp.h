// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One HTTP/1.1 request over plain http:// on the calling thread's kept connection, with the
// socket's blocking calls: no event loop and no other thread. QNetworkAccessManager hands each
// request to a thread of its own and back, which cost the delivery worker more than the rest of
// a delivery together (bench_delivery, perf: two thread switches and a dozen queued events per
// request). https:// stays with the manager (blockinghttp.h).

#include "core/result.h"

#include <QDeadlineTimer>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QUrl>

#include <memory>

namespace BatonPlugins {

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
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

// The answer to the request already written; `reusable` false when the connection must close.
inline Baton::Result<HttpAnswer> readAnswer(QTcpSocket &socket, const QByteArray &method,
                                            const QDeadlineTimer &deadline, bool *reusable)
{
    QByteArray buffer;
    qsizetype headerEnd;
    while ((headerEnd = buffer.indexOf("\r\n\r\n")) < 0)
        if (!readMore(socket, buffer, deadline))
            return Baton::makeError(deadline.hasExpired() ? QStringLiteral("Operation timed out")
                                                          : socket.errorString());
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    HttpAnswer answer;
    answer.status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0;
    if (!lines.first().startsWith("HTTP/1.") || answer.status < 200)
        return Baton::makeError(QStringLiteral("not an HTTP answer: %1")
                                    .arg(QString::fromLatin1(lines.first().trimmed().left(80))));
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
    }
    buffer.remove(0, headerEnd + 4);
    const bool noBody = method == "HEAD" || answer.status == 204 || answer.status == 304;
    if (noBody) {
        length = 0;
    } else if (chunked) {
        if (!readChunked(socket, buffer, answer.body, deadline))
            return Baton::makeError(QStringLiteral("the answer's body was cut short"));
        return answer;
    } else if (length < 0) { // the body runs until the server closes
        *reusable = false;
        while (readMore(socket, buffer, deadline)) { }
        answer.body = buffer;
        return answer;
    }
    while (buffer.size() < length)
        if (!readMore(socket, buffer, deadline))
            return Baton::makeError(QStringLiteral("the answer's body was cut short"));
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
    QByteArray bytes = method + ' ' + target + " HTTP/1.1\r\nHost: " + url.host().toUtf8();
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
            return Baton::makeError(why);
        }
    }
    c.socket->write(plainhttp::requestBytes(request, method, body));
    c.socket->waitForBytesWritten(int(std::max<qint64>(1, deadline.remainingTime())));
    bool reusable = false;
    auto answer = plainhttp::readAnswer(*c.socket, method, deadline, &reusable);
    if (!answer && reused && !deadline.hasExpired()) {
        // The kept connection was closed as the request went out: once more on a new one.
        c.socket.reset();
        return plainRequest(request, method, body, timeoutSeconds);
    }
    if (!answer || !reusable)
        c.socket.reset();
    return answer;
}

} // namespace BatonPlugins

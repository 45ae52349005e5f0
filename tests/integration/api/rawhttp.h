// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A deliberately low-level HTTP client for tests: raw bytes out, one parsed response in, so
// that malformed and oversized requests can be sent exactly as written.

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QTcpSocket>

struct RawResponse
{
    int status = 0; ///< 0: no (complete) response
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers)
            if (name.compare(h.first, Qt::CaseInsensitive) == 0)
                return h.second;
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const
    {
        return json()
            .value(QLatin1String("error"))
            .toObject()
            .value(QLatin1String("code"))
            .toString();
    }
};

/// Reads one response from a connected socket (waiting up to timeoutMs in total).
inline RawResponse readResponse(QTcpSocket &socket, QByteArray &buffer, int timeoutMs = 10000)
{
    RawResponse response;
    QElapsedTimer timer;
    timer.start();
    qsizetype headerEnd = -1;
    auto more = [&] {
        if (timer.elapsed() > timeoutMs)
            return false;
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(100)
            && socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            return false;
        buffer += socket.readAll();
        return true;
    };
    while ((headerEnd = buffer.indexOf("\r\n\r\n")) < 0)
        if (!more())
            return response;
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    qint64 length = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        response.headers.append({name, value});
        if (name.compare("content-length", Qt::CaseInsensitive) == 0)
            length = value.toLongLong();
    }
    buffer.remove(0, headerEnd + 4);
    while (buffer.size() < length)
        if (!more())
            return response;
    response.body = buffer.left(length);
    buffer.remove(0, length);
    response.status = statusLine.value(1).toInt();
    return response;
}

/// Sends raw bytes on a new connection and reads one response.
inline RawResponse rawRequest(quint16 port, const QByteArray &bytes)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(bytes);
    socket.waitForBytesWritten(5000);
    QByteArray buffer;
    return readResponse(socket, buffer);
}

/// A well-formed request with optional headers and body.
inline QByteArray httpRequest(const QByteArray &method, const QByteArray &target,
                              const QByteArray &body = {},
                              const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: localhost\r\n";
    bool hasType = false;
    for (const auto &h : headers) {
        out += h.first + ": " + h.second + "\r\n";
        hasType = hasType || h.first.compare("content-type", Qt::CaseInsensitive) == 0;
    }
    if (!body.isEmpty() && !hasType)
        out += "Content-Type: application/json\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH")
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "\r\n" + body;
    return out;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A client of a server's live stream (/api/v1/stream) that keeps every message it got: the
// one WebSocket helper of the integration suites. Header-only; the suite links
// Qt6::WebSockets.

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QSignalSpy>
#include <QString>
#include <QTest>
#include <QUrl>
#include <QVariant>
#include <QWebSocket>

namespace Baton::Test {

struct StreamClient
{
    QWebSocket socket;
    QSignalSpy messages {&socket, &QWebSocket::textMessageReceived};
    QSignalSpy closed {&socket, &QWebSocket::disconnected};

    /// Connects with `token` in the query and waits for the server's hello.
    bool open(quint16 port, const QString &token)
    {
        socket.open(
            QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2").arg(port).arg(token)));
        return QTest::qWaitFor([&] { return messages.size() >= 1; }, 10000); // hello
    }
    static QJsonObject parse(const QList<QVariant> &message)
    {
        return QJsonDocument::fromJson(message.first().toString().toUtf8()).object();
    }
    /// The messages of `type` about ticket `id` (field "id" for tickets, "ticket" otherwise).
    QList<QJsonObject> about(const QString &type, qint64 id) const
    {
        QList<QJsonObject> out;
        const auto idKey = type == u"ticket" ? QLatin1String("id") : QLatin1String("ticket");
        for (const QList<QVariant> &m : messages) {
            const QJsonObject o = parse(m);
            if (o.value(QLatin1String("type")).toString() == type
                && o.value(idKey).toInteger() == id)
                out.append(o);
        }
        return out;
    }
};

} // namespace Baton::Test

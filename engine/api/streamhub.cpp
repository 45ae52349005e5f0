// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamhub.h"

#include "http/httpserver.h"
#include "runtime/ticketstate.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QTimer>
#include <QWebSocket>

namespace Baton::Api {

using namespace Baton::Http;

namespace {

/// RFC 6455 7.4.2 / IANA: "Try Again Later". Not in QWebSocketProtocol::CloseCode.
constexpr int closeTryAgainLater = 1013;

/// Closes with a close frame; a client that does not read would never take it (nor the data
/// queued before it), so the connection is dropped if it is still open a little later.
void closeAndDrop(QWebSocket *socket, int code, const QString &reason)
{
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->close(static_cast<QWebSocketProtocol::CloseCode>(code), reason);
    QPointer<QWebSocket> guard(socket);
    QTimer::singleShot(1000, socket, [guard] {
        if (guard && guard->state() != QAbstractSocket::UnconnectedState)
            guard->abort();
    });
}

} // namespace

StreamHub::StreamHub(qint64 queueLimitBytes)
    : m_queueLimit(queueLimitBytes)
{
}

void StreamHub::add(QWebSocket *socket, const Actor &actor, const QString &token,
                    qint64 expiresAtMs)
{
    socket->setMaxAllowedIncomingMessageSize(4096);
    socket->setMaxAllowedIncomingFrameSize(4096);
    QObject *worker = HttpServer::currentWorker();
    {
        QMutexLocker lock(&m_mutex);
        m_clients.append({socket, worker, actor, token, expiresAtMs});
    }
    QObject::connect(socket, &QWebSocket::disconnected, socket, [this, socket] {
        {
            QMutexLocker lock(&m_mutex);
            m_clients.removeIf(
                [socket](const Client &c) { return c.socket == socket || !c.socket; });
        }
        socket->deleteLater();
    });
    socket->sendTextMessage(
        QStringLiteral("{\"type\":\"hello\",\"username\":\"%1\"}").arg(actor.username));
}

void StreamHub::post(const Client &client, const QByteArray &message)
{
    QPointer<QWebSocket> socket = client.socket;
    auto send = [socket, message, limit = m_queueLimit] {
        if (!socket || socket->state() != QAbstractSocket::ConnectedState)
            return;
        if (socket->bytesToWrite() + message.size() > limit) {
            closeAndDrop(socket, closeTryAgainLater,
                         QStringLiteral("too many unread updates; reconnect and reload"));
            return;
        }
        socket->sendTextMessage(QString::fromUtf8(message));
    };
    if (client.thread && client.thread->thread() != QThread::currentThread())
        QMetaObject::invokeMethod(client.thread, send, Qt::QueuedConnection);
    else
        send();
}

void StreamHub::publishTicket(const TicketState &ticket, const Organisation &organisation)
{
    {
        // Runs on the engine's commit thread for every ticket written: nothing to build when
        // nobody listens.
        QMutexLocker lock(&m_mutex);
        if (m_clients.isEmpty())
            return;
    }
    const QJsonObject message {
        {QStringLiteral("type"), QStringLiteral("ticket")},
        {QStringLiteral("id"), ticket.id},
        {QStringLiteral("key"), ticket.key},
        {QStringLiteral("version"), ticket.version},
        {QStringLiteral("state"), ticket.state},
        {QStringLiteral("status"), toString(ticket.status)},
        {QStringLiteral("queue"),
         ticket.queue.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(ticket.queue)},
        {QStringLiteral("assignee"),
         ticket.assignee.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(ticket.assignee)}};
    const QByteArray bytes = QJsonDocument(message).toJson(QJsonDocument::Compact);
    QMutexLocker lock(&m_mutex);
    for (const Client &client : std::as_const(m_clients))
        if (canSee(organisation, client.actor, ticket))
            post(client, bytes);
}

void StreamHub::publishNotification(const QString &username, const QJsonObject &notification)
{
    QJsonObject message = notification;
    message.insert(QStringLiteral("type"), QStringLiteral("notification"));
    const QByteArray bytes = QJsonDocument(message).toJson(QJsonDocument::Compact);
    QMutexLocker lock(&m_mutex);
    for (const Client &client : std::as_const(m_clients))
        if (client.actor.username == username)
            post(client, bytes);
}

void StreamHub::disconnectUser(const QString &username, Reason reason)
{
    const auto code = reason == Reason::SignedOut ? QWebSocketProtocol::CloseCodePolicyViolated
                                                  : QWebSocketProtocol::CloseCodeNormal;
    const QString text = reason == Reason::SignedOut
        ? QStringLiteral("signed out")
        : QStringLiteral("departments or roles changed; reconnect");
    QMutexLocker lock(&m_mutex);
    for (const Client &client : std::as_const(m_clients))
        if (client.actor.username == username)
            closeOnItsThread(client, code, text);
}

void StreamHub::disconnectSession(const QString &token)
{
    QMutexLocker lock(&m_mutex);
    for (const Client &client : std::as_const(m_clients))
        if (client.token == token)
            closeOnItsThread(client, QWebSocketProtocol::CloseCodePolicyViolated,
                             QStringLiteral("signed out"));
}

void StreamHub::checkSessions(
    qint64 nowMs, const std::function<std::optional<qint64>(const QString &token)> &expiryOf)
{
    QStringList due;
    {
        QMutexLocker lock(&m_mutex);
        for (const Client &client : std::as_const(m_clients))
            if (client.expiresAtMs <= nowMs && !due.contains(client.token))
                due.append(client.token);
    }
    // Asked without the lock: it reads the database.
    QHash<QString, std::optional<qint64>> expiries;
    for (const QString &token : std::as_const(due))
        expiries.insert(token, expiryOf(token));
    QMutexLocker lock(&m_mutex);
    for (Client &client : m_clients) {
        const auto found = expiries.constFind(client.token);
        if (found == expiries.constEnd())
            continue;
        if (found->has_value() && **found > nowMs)
            client.expiresAtMs = **found; // used meanwhile: the session slid forward
        else
            closeOnItsThread(client, QWebSocketProtocol::CloseCodePolicyViolated,
                             QStringLiteral("session expired"));
    }
}

void StreamHub::closeOnItsThread(const Client &client, int code, const QString &reason)
{
    QPointer<QWebSocket> socket = client.socket;
    QMetaObject::invokeMethod(
        client.thread ? client.thread : socket.data(),
        [socket, code, reason] {
            if (socket)
                closeAndDrop(socket, code, reason);
        },
        Qt::QueuedConnection);
}

void StreamHub::closeAll()
{
    QList<Client> clients;
    {
        QMutexLocker lock(&m_mutex);
        clients.swap(m_clients);
    }
    for (const Client &client : std::as_const(clients)) {
        QPointer<QWebSocket> socket = client.socket;
        auto close = [socket] {
            if (socket) {
                socket->abort();
                delete socket.data();
            }
        };
        if (client.thread && client.thread->thread() != QThread::currentThread())
            QMetaObject::invokeMethod(client.thread, close, Qt::BlockingQueuedConnection);
        else
            close();
    }
}

int StreamHub::clientCount() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_clients.size());
}

} // namespace Baton::Api

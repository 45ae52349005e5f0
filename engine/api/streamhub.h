// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "runtime/access.h"

#include <QList>
#include <QMutex>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QWebSocket;
QT_END_NAMESPACE

namespace Baton {
struct TicketState;
}

namespace Baton::Api {

/// The live-update WebSockets (`GET /api/v1/stream`). Each socket lives on the HTTP worker
/// thread that upgraded it; publishing from any thread checks visibility once per client and
/// posts the message to the client's thread.
class StreamHub
{
public:
    /// Called on the socket's thread; takes ownership.
    void add(QWebSocket *socket, const Actor &actor);
    /// `{"type": "ticket", "id", "key", "version", "state", "queue", "assignee", "status"}` to
    /// every client that may see the ticket.
    void publishTicket(const TicketState &ticket, const Organisation &organisation);
    /// `{"type": "notification", ...}` to one user's clients.
    void publishNotification(const QString &username, const QJsonObject &notification);
    /// Ends a user's streams with a close frame saying why: 1008 for a deactivated account or
    /// a new password (the session is gone), 1000 with a reason for new departments or
    /// roles (the client reconnects and sees with the new ones).
    enum class Reason { SignedOut, AccessChanged };
    void disconnectUser(const QString &username, Reason reason = Reason::SignedOut);
    void closeAll();
    int clientCount() const;

private:
    struct Client
    {
        QPointer<QWebSocket> socket;
        QObject *thread = nullptr; ///< the worker the socket lives on
        Actor actor;
    };
    void post(const Client &client, const QByteArray &message);

    mutable QMutex m_mutex;
    QList<Client> m_clients;
};

} // namespace Baton::Api

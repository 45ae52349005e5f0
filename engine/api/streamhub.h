// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "runtime/access.h"

#include <QList>
#include <QMutex>
#include <QPointer>

#include <functional>
#include <optional>

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
///
/// A stream lives no longer than its session: logout closes the session's sockets, and
/// checkSessions() closes those whose session expired (close code 1008). A client that does
/// not read is closed (1013, try again later) once its unsent data passes the queue limit,
/// so it cannot make the server hold its updates.
class StreamHub
{
public:
    explicit StreamHub(qint64 queueLimitBytes = 1024 * 1024);

    /// Called on the socket's thread; takes ownership. `expiresAtMs`: when the session ends
    /// unless used again (checkSessions() asks again then).
    void add(QWebSocket *socket, const Actor &actor, const QString &token, qint64 expiresAtMs);
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
    /// Ends the streams opened with one session token (logout), with 1008.
    void disconnectSession(const QString &token);
    /// Asks `expiryOf` (the session's expiry in ms, or nothing once it has ended) about every
    /// stream whose known expiry is past `nowMs`, and closes those whose session ended.
    void checkSessions(qint64 nowMs,
                       const std::function<std::optional<qint64>(const QString &token)> &expiryOf);
    /// Ends every stream with 1000 and `reason` (as for changed access): the client should
    /// connect again and reload, since it may have missed updates. Not 1012 (service restart):
    /// Qt's WebSocket client takes codes above 1011 for a protocol error.
    void askAllToReconnect(const QString &reason);
    /// Shutdown: every stream gets close code 1001 (going away) on its own thread; those that
    /// do not answer the close are dropped a second later. Clients leave the list as they go.
    void closeAllGoingAway();
    void closeAll();
    int clientCount() const;

private:
    struct Client
    {
        QPointer<QWebSocket> socket;
        QObject *thread = nullptr; ///< the worker the socket lives on
        Actor actor;
        QString token;
        qint64 expiresAtMs = 0;
    };
    void post(const Client &client, const QByteArray &message);
    static void closeOnItsThread(const Client &client, int code, const QString &reason);

    const qint64 m_queueLimit;
    mutable QMutex m_mutex;
    QList<Client> m_clients;
};

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The write load the operations tests put on a real `baton serve` (tst_backup, tst_shutdown):
// HTTP clients in a closed loop, each on one kept-alive connection (a new one when the server
// closed it), signed in as the demo agent amy, opening a jump-queue ticket and commenting on it
// until stopped. What was acknowledged (201) is kept, so that a test can look for it afterwards.

#include "../api/rawhttp.h"
#include "jumpqueueticket.h"

#include <QJsonDocument>
#include <QMap>
#include <QSet>
#include <QTcpSocket>
#include <QThread>

#include <atomic>
#include <mutex>

namespace Baton::Test {

/// amy's session token on the demo server at `port`; empty when the sign-in failed.
inline QByteArray demoAgentToken(quint16 port)
{
    const QByteArray login = R"({"username":"amy","password":"baton-demo"})";
    return rawRequest(port, httpRequest("POST", "/api/v1/login", login))
        .json()
        .value(QLatin1String("token"))
        .toString()
        .toUtf8();
}

class WriteLoad
{
public:
    /// What the server acknowledged with 201.
    struct Acknowledged
    {
        QMap<qint64, QString> tickets; ///< id → title
        QSet<QString> comments; ///< bodies
    };

    /// `clients` threads, each opening a ticket and then commenting on it `commentsPerTicket`
    /// times (comments the customer may see: amy is a front-line agent).
    WriteLoad(quint16 port, int clients, int commentsPerTicket = 1)
        : m_token(demoAgentToken(port))
    {
        for (int c = 0; c < clients; ++c) {
            m_threads.append(QThread::create(
                [this, port, c, commentsPerTicket] { run(port, c, commentsPerTicket); }));
            m_threads.last()->start();
        }
    }
    ~WriteLoad() { stop(); }
    WriteLoad(const WriteLoad &) = delete;
    WriteLoad &operator=(const WriteLoad &) = delete;

    void stop()
    {
        m_stop = true;
        for (QThread *thread : std::as_const(m_threads)) {
            thread->wait();
            delete thread;
        }
        m_threads.clear();
    }

    bool signedIn() const { return !m_token.isEmpty(); }
    /// Writes answered 201.
    int writes() const { return m_writes; }
    /// Writes answered with another status (the last of them: lastFailure()).
    int failures() const { return m_failures; }
    /// Writes sent without an answer: the server closed the connection first (nothing promised).
    int unanswered() const { return m_unanswered; }
    /// Connections the server refused (it stopped accepting).
    int refused() const { return m_refused; }
    /// Answers that said `Connection: close`.
    int closeAnnounced() const { return m_closeAnnounced; }
    QString lastFailure()
    {
        std::lock_guard lock(m_mutex);
        return m_lastFailure;
    }
    Acknowledged acknowledged()
    {
        std::lock_guard lock(m_mutex);
        return m_acknowledged;
    }

private:
    void run(quint16 port, int client, int commentsPerTicket)
    {
        QTcpSocket socket;
        QByteArray buffer;
        const QList<QPair<QByteArray, QByteArray>> auth {{"Authorization", "Bearer " + m_token}};
        auto send = [&](const QByteArray &target, const QJsonObject &body) {
            if (socket.state() != QAbstractSocket::ConnectedState) {
                socket.abort();
                buffer.clear();
                socket.connectToHost(QHostAddress::LocalHost, port);
                if (!socket.waitForConnected(2000)) {
                    ++m_refused;
                    QThread::msleep(20);
                    return RawResponse();
                }
            }
            socket.write(httpRequest("POST", target,
                                     QJsonDocument(body).toJson(QJsonDocument::Compact), auth));
            return note(readResponse(socket, buffer));
        };
        for (int n = 0; !m_stop; ++n) {
            const QString title = QStringLiteral("Load c%1 n%2").arg(client).arg(n);
            const RawResponse opened = send("/api/v1/tickets", jumpQueueTicket(title));
            const qint64 id = opened.json().value(QLatin1String("id")).toInteger();
            if (opened.status != 201 || id <= 0)
                continue;
            keep([&] { m_acknowledged.tickets.insert(id, title); });
            for (int k = 0; k < commentsPerTicket && !m_stop; ++k) {
                const QString body = QStringLiteral("comment %1 on %2").arg(k).arg(title);
                if (send(QStringLiteral("/api/v1/tickets/%1/comments").arg(id).toUtf8(),
                         {{QStringLiteral("body"), body}})
                        .status
                    == 201)
                    keep([&] { m_acknowledged.comments.insert(body); });
            }
        }
    }

    RawResponse note(const RawResponse &response)
    {
        if (response.header("Connection").compare("close", Qt::CaseInsensitive) == 0)
            ++m_closeAnnounced;
        if (response.status == 0) {
            ++m_unanswered;
        } else if (response.status == 201) {
            ++m_writes;
        } else {
            ++m_failures;
            std::lock_guard lock(m_mutex);
            m_lastFailure
                = QString::number(response.status) + u' ' + QString::fromUtf8(response.body);
        }
        return response;
    }

    template<typename F> void keep(F &&f)
    {
        std::lock_guard lock(m_mutex);
        f();
    }

    const QByteArray m_token;
    QList<QThread *> m_threads;
    std::atomic<bool> m_stop {false};
    std::atomic<int> m_writes {0}, m_failures {0}, m_unanswered {0}, m_refused {0},
        m_closeAnnounced {0};
    std::mutex m_mutex;
    QString m_lastFailure;
    Acknowledged m_acknowledged;
};

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real webhook receiver for the delivery tests: HTTP on a real socket, on its own thread (the
// tests block on API calls meanwhile). It checks each request's Baton-Signature against the
// body with the shared secret, as a real receiver must, and records every request by its
// Baton-Delivery id. Modes: up (200), failing (500), slow (answers after the sender's time
// limit), busy (503 with Retry-After), down (not listening: connection refused). Ids given to
// refuse() are answered 400 whatever the mode (a message the receiver will never take).

#include <QByteArray>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QMutex>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <chrono>

namespace Baton::Test {

class WebhookReceiver
{
public:
    enum class Mode { Up, Failing, Slow, Busy, Down };

    struct Received
    {
        QByteArray deliveryId;
        QByteArray event;
        bool signatureValid = false;
        QJsonObject body;
        qint64 atUs = 0; ///< steady clock (std::chrono::steady_clock), when the body was read
    };

    explicit WebhookReceiver(QByteArray secret, int slowMs = 2500)
        : m_secret(std::move(secret))
        , m_slowMs(slowMs)
    {
        m_thread.start();
        m_context = new QObject;
        m_context->moveToThread(&m_thread);
        onThread([this] {
            m_server = new QTcpServer(m_context);
            QObject::connect(m_server, &QTcpServer::newConnection, m_context, [this] { accept(); });
            m_server->listen(QHostAddress::LocalHost, 0);
            m_port = m_server->serverPort();
        });
    }

    ~WebhookReceiver()
    {
        onThread([this] { delete m_context; });
        m_thread.quit();
        m_thread.wait();
    }

    quint16 port() const { return m_port; }

    /// Answers 400 to `deliveryId` from now on.
    void refuse(const QByteArray &deliveryId)
    {
        QMutexLocker lock(&m_mutex);
        m_refused.insert(deliveryId);
    }
    /// The Retry-After of a busy answer, in seconds.
    void setRetryAfter(int seconds)
    {
        QMutexLocker lock(&m_mutex);
        m_retryAfter = seconds;
    }

    /// Down closes the listening socket (the port then refuses); any other mode listens again
    /// on the same port.
    void setMode(Mode mode)
    {
        onThread([this, mode] {
            m_mode = mode;
            if (mode == Mode::Down) {
                m_server->close();
                // Connections kept open (keep-alive) go down with it.
                for (QTcpSocket *socket : m_context->findChildren<QTcpSocket *>())
                    socket->abort();
            } else if (!m_server->isListening())
                m_server->listen(QHostAddress::LocalHost, m_port);
        });
    }

    QList<Received> received() const
    {
        QMutexLocker lock(&m_mutex);
        return m_received;
    }
    /// Requests per delivery id.
    QHash<QByteArray, int> countsById() const
    {
        QHash<QByteArray, int> counts;
        for (const Received &r : received())
            ++counts[r.deliveryId];
        return counts;
    }
    int badSignatures() const
    {
        int bad = 0;
        for (const Received &r : received())
            bad += r.signatureValid ? 0 : 1;
        return bad;
    }
    /// The ids answered 200 (those the sender may take as delivered).
    QSet<QByteArray> acknowledged() const
    {
        QMutexLocker lock(&m_mutex);
        return m_acknowledged;
    }

private:
    template<typename F> void onThread(F f)
    {
        QMetaObject::invokeMethod(m_context, f, Qt::BlockingQueuedConnection);
    }

    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            socket->setParent(m_context);
            auto buffer = std::make_shared<QByteArray>();
            QObject::connect(socket, &QTcpSocket::readyRead, socket,
                             [this, socket, buffer] { readFrom(socket, *buffer); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    void readFrom(QTcpSocket *socket, QByteArray &buffer)
    {
        buffer += socket->readAll();
        while (socket->isOpen() && readRequest(socket, buffer)) { }
    }

    // One whole request at the start of `buffer`, answered and taken off it; false when the
    // buffer does not hold one yet.
    bool readRequest(QTcpSocket *socket, QByteArray &buffer)
    {
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return false;
        QHash<QByteArray, QByteArray> headers;
        for (const QByteArray &line : buffer.left(headerEnd).split('\n').mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
        }
        const qsizetype length = headers.value("content-length").toLongLong();
        if (buffer.size() < headerEnd + 4 + length)
            return false;
        const QByteArray body = buffer.mid(headerEnd + 4, length);
        buffer.remove(0, headerEnd + 4 + length);
        Received r;
        r.atUs = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now().time_since_epoch())
                     .count();
        r.deliveryId = headers.value("baton-delivery");
        r.event = headers.value("baton-event");
        r.body = QJsonDocument::fromJson(body).object();
        const QByteArray expected = "sha256="
            + QMessageAuthenticationCode::hash(body, m_secret, QCryptographicHash::Sha256).toHex();
        r.signatureValid = headers.value("baton-signature") == expected
            && r.body.value(QStringLiteral("delivery")).toString().toUtf8() == r.deliveryId;
        {
            QMutexLocker lock(&m_mutex);
            m_received.append(r);
        }
        const Mode mode = m_mode;
        bool refused = false;
        int retryAfter = 0;
        {
            QMutexLocker lock(&m_mutex);
            refused = m_refused.contains(r.deliveryId);
            retryAfter = m_retryAfter;
        }
        if (refused || mode == Mode::Busy) {
            socket->write(refused ? QByteArrayLiteral("HTTP/1.1 400 Bad Request\r\n"
                                                      "Content-Length: 0\r\n\r\n")
                                  : QByteArray("HTTP/1.1 503 Service Unavailable\r\nRetry-After: "
                                               + QByteArray::number(retryAfter)
                                               + "\r\nContent-Length: 0\r\n\r\n"));
            return true;
        }
        auto answer = [this, socket, mode, id = r.deliveryId, valid = r.signatureValid] {
            const bool ok = mode != Mode::Failing && valid;
            if (ok) {
                QMutexLocker lock(&m_mutex);
                m_acknowledged.insert(id);
            }
            // A 200 keeps the connection open for the next request, as receivers do.
            if (ok && mode == Mode::Up) {
                socket->write(QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
                return;
            }
            socket->write(ok ? QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                                                 "Connection: close\r\n\r\n")
                             : QByteArrayLiteral("HTTP/1.1 500 Internal Server Error\r\n"
                                                 "Content-Length: 0\r\nConnection: close\r\n\r\n"));
            socket->disconnectFromHost();
        };
        if (mode == Mode::Slow)
            QTimer::singleShot(m_slowMs, socket, answer);
        else
            answer();
        return mode == Mode::Up;
    }

    QByteArray m_secret;
    int m_slowMs;
    QThread m_thread;
    QObject *m_context = nullptr;
    QTcpServer *m_server = nullptr; // lives on m_thread
    quint16 m_port = 0;
    Mode m_mode = Mode::Up; // read and written on m_thread only
    mutable QMutex m_mutex;
    QList<Received> m_received;
    QSet<QByteArray> m_acknowledged;
    QSet<QByteArray> m_refused; // guarded by m_mutex
    int m_retryAfter = 30; // guarded by m_mutex
};

} // namespace Baton::Test

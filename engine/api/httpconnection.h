// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the HTTP server: one client connection.

#include "httpresponse.h"

#include <QMap>
#include <QTcpSocket>
#include <QTimer>

namespace Baton::Api {

/// A client connection that guards Qt HttpServer's parser: its readyRead slot is connected
/// before the server's, so it sees every byte first and follows HTTP/1.1 framing (request
/// line, headers, Content-Length or chunked body) without keeping bodies. Limits are enforced
/// here, before Qt buffers anything. It also writes responses in request order.
class HttpConnection : public QTcpSocket
{
    Q_OBJECT
public:
    HttpConnection(quint64 id, qint64 maxBodyBytes, qint64 maxHeaderBytes, int idleTimeoutMs,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    quint64 id() const { return m_id; }
    bool isClosing() const { return m_closing; }

    /// A complete request reached the handler: its sequence number for deliver().
    quint64 beginRequest();
    /// Queues a response; writes every response that is next in order.
    void deliver(quint64 seq, const HttpResponse &response, bool head);

protected:
    void disconnectNotify(const QMetaMethod &signal) override;

private:
    enum class Phase {
        Head,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailer,
        Upgraded,
        Rejected
    };

    void scanIncoming();
    bool examineHead(const QByteArray &head);
    void reject(int status, const QString &code, const QString &message);
    void discardIncoming();
    void flushInOrder();
    void lingerThenClose();

    quint64 m_id;
    qint64 m_maxBody;
    qint64 m_maxHeader;
    Phase m_phase = Phase::Head;
    QByteArray m_head;
    QByteArray m_line;
    qint64 m_remaining = 0;
    qint64 m_bodyTotal = 0;
    int m_crlfLeft = 0;
    qint64 m_trailerBytes = 0;

    QList<bool> m_closeAfterQueue; ///< per scanned message, in order: close after answering?
    QMap<quint64, bool> m_closeAfter; ///< per handed-out request
    quint64 m_nextAssign = 0;
    quint64 m_nextWrite = 0;
    QMap<quint64, QByteArray> m_ready; ///< serialised responses waiting for earlier ones
    QMap<quint64, bool> m_readyClose;
    bool m_closing = false;
    bool m_lingering = false;
    QTimer m_idle;
};

} // namespace Baton::Api

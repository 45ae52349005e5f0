// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the HTTP server: one client connection.

#include "httpresponse.h"
#include "httpserver.h"
#include "requesthead.h"

#include <QMap>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QFile;
class QIODevice;
class QTemporaryFile;
QT_END_NAMESPACE

namespace Baton::Http {

/// A client connection that guards Qt HttpServer's parser: its readyRead slot is connected
/// before the server's, so it sees every byte first and follows HTTP/1.1 framing (request
/// line, headers, Content-Length or chunked body) without keeping bodies. Limits are enforced
/// here, before Qt buffers anything: sizes, and time (a head must be complete within
/// headerTimeoutMs, a body must keep a minimum rate). It also writes responses in request
/// order.
///
/// The framing must be exactly Qt 6.4.2's (QHttpServerRequestPrivate::parse), or a request
/// could end at a different byte for Qt than for this check, and what follows would pass
/// unchecked. Where Qt's reading is lenient (bare LF, chunk trailers, anything after the last
/// chunk, header fields over its 8 KiB and 100-field limits, which make it drop every header),
/// the request is refused here instead, before Qt sees the bytes that would make it differ.
class HttpConnection : public QTcpSocket
{
    Q_OBJECT
public:
    HttpConnection(quint64 id, const HttpServerOptions &options, QObject *parent = nullptr);
    ~HttpConnection() override;

    quint64 id() const { return m_id; }

    /// Called with an upload's head and its body, spooled to a file open at its start, once
    /// the whole body is in (HttpServerOptions::isUpload).
    using UploadReady = std::function<void(const RequestHead &head, std::shared_ptr<QFile> body)>;
    void setUploadReady(UploadReady ready) { m_uploadReady = std::move(ready); }
    /// Called with an upload's head before its body is read: a response refuses the upload
    /// (HttpServerOptions::checkUpload), carrying its request id and access line already.
    using UploadCheck = std::function<std::optional<HttpResponse>(const RequestHead &head)>;
    void setUploadCheck(UploadCheck check) { m_uploadCheck = std::move(check); }
    bool isClosing() const { return m_closing; }

    /// A complete request reached the handler: its sequence number for deliver().
    quint64 beginRequest();
    /// Queues a response; writes every response that is next in order.
    void deliver(quint64 seq, const HttpResponse &response, bool head);

    /// The server is shutting down: an idle connection is closed now; otherwise the answer to
    /// the last request received gets `Connection: close` and the connection ends after it.
    void beginDraining();
    /// Still has a request being read or waiting for its answer (a WebSocket never has).
    bool isBusy() const;

protected:
    void connectNotify(const QMetaMethod &signal) override;
    void disconnectNotify(const QMetaMethod &signal) override;

private:
    enum class Phase {
        Head,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataCr, ///< the CRLF after a chunk's data
        ChunkDataLf,
        LastChunkCr, ///< the CRLF after the last (zero) chunk: no trailers
        LastChunkLf,
        Upgraded,
        Rejected,
        Upload, ///< an upload's body, read by us into the spool file
        UploadDone ///< its answer is pending; nothing more is read (the connection then ends)
    };

    void scanIncoming();
    bool isUploadHead(const RequestHead &head) const;
    bool beginUpload(const RequestHead &head, qint64 contentLength, bool expectContinue);
    void readUpload();
    void finishUpload();
    /// Writes the next pieces of a streamed response body while the socket's buffer is low.
    void pumpStream();
    void noteParserProgress();
    /// Scan p[i, n) in the head phase / a chunk's framing (size line, CRLFs): the index after
    /// what was consumed, or -1 once the connection is rejected.
    qsizetype scanHead(const char *p, qsizetype i, qsizetype n);
    qsizetype scanChunkFraming(const char *p, qsizetype i, qsizetype n);
    bool scanChunkSizeLine();
    bool examineHead(const QByteArray &head);
    bool parseHead(const QByteArray &head, RequestHead *out);
    void reject(int status, const QString &code, const QString &message);
    /// Answers with `response` and ends the connection, discarding what else arrives.
    void refuse(const HttpResponse &response);
    void discardIncoming();
    bool isReadingRequest() const;
    void flushInOrder();
    void lingerThenClose();
    void watchSlowClient();
    void slowClientCheck();

    quint64 m_id;
    HttpServerOptions m_options; ///< a copy: implicitly shared, cheap
    Phase m_phase = Phase::Head;
    QByteArray m_head;
    QByteArray m_line;
    qint64 m_remaining = 0;
    qint64 m_bodyTotal = 0;
    /// Unread bytes at the front of the socket buffer that were scanned already: Qt's parser
    /// stops after each request and re-emits readyRead for the rest, which must not be
    /// scanned twice.
    qint64 m_scannedUnread = 0;
    bool m_afterParserConnected = false;
    bool m_connectingOwnSlot = false;
    bool m_finalCrSplit = false; ///< the last chunk's CR ended a read (see scanIncoming)

    /// Slow clients: one timer, armed only when a read ends inside a head or a body.
    enum class Watch { None, Head, BodyGrace, BodyRate };
    QTimer m_slow;
    Watch m_watch = Watch::None;
    quint64 m_watchedMessage = 0;
    quint64 m_messages = 0; ///< heads scanned so far
    qint64 m_bytesScanned = 0;
    qint64 m_rateMark = 0;

    QList<bool> m_closeAfterQueue; ///< per scanned message, in order: close after answering?
    QMap<quint64, bool> m_closeAfter; ///< per handed-out request
    quint64 m_nextAssign = 0;
    quint64 m_nextWrite = 0;
    QMap<quint64, QByteArray> m_ready; ///< serialised responses waiting for earlier ones
    QMap<quint64, bool> m_readyClose;
    bool m_closing = false;
    bool m_lingering = false;
    bool m_draining = false;
    QTimer m_idle;

    UploadReady m_uploadReady;
    UploadCheck m_uploadCheck;
    RequestHead m_uploadHead;
    std::shared_ptr<QTemporaryFile> m_spool;

    struct StreamedBody
    {
        std::shared_ptr<QIODevice> device;
        qint64 size = 0;
    };
    QMap<quint64, StreamedBody> m_readyStream; ///< bodies of the responses in m_ready
    StreamedBody m_streaming; ///< the body being written now; later responses wait for it
    bool m_streamClose = false;
};

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "httprequest.h"
#include "httpresponse.h"

#include <QByteArrayList>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QWebSocket;
QT_END_NAMESPACE

namespace Baton::Http {

struct WorkerLink; // httpserver.cpp

/// What the access log says about one answered request (HttpServerOptions::accessLog).
struct AccessRecord
{
    QByteArray requestId;
    QByteArray method;
    QByteArray route; ///< the route pattern ("/api/v1/tickets/{id}"), never the raw path
    QString user; ///< empty when nobody signed in
    int status = 0;
    double durationMs = 0;
    qint64 bytes = 0; ///< the response body's size
};

struct HttpServerOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080; ///< 0: the OS picks one (tests)
    int threads = 2; ///< worker threads, each with its own QHttpServer event loop
    qint64 maxBodyBytes = 1024 * 1024;
    qint64 maxHeaderBytes = 32 * 1024;
    int idleTimeoutMs = 120 * 1000; ///< idle keep-alive connections are closed after this
    /// A request's head must be complete this long after its first byte (else 408, closed).
    int headerTimeoutMs = 30 * 1000;
    /// A body must arrive at this rate at least, measured over windows of bodyRateWindowMs
    /// after a grace period of bodyGraceMs (else 408, closed); 0 turns the check off.
    qint64 minBodyBytesPerSecond = 1024;
    int bodyGraceMs = 10 * 1000;
    int bodyRateWindowMs = 5 * 1000;
    /// Requests whose body is a file upload: never given to Qt's parser (which holds a whole
    /// body in memory) but spooled to a temporary file in `uploadSpoolDir` (empty: the system's
    /// temporary folder) as it arrives (HttpRequest::bodyFile). Called with the method and the
    /// raw path (before '?', not decoded) of each request head. An upload needs Content-Length
    /// (else 411) of at most maxUploadBytes (else 413, answered from the head, before the body
    /// is read); it must not follow pipelined requests, and its connection ends once answered.
    std::function<bool(QByteArrayView method, QByteArrayView path)> isUpload;
    /// Sees an upload's head (the request without its body) before a byte of the body is
    /// read, on the connection's worker thread, concurrently: a response refuses the upload
    /// (not signed in, a ticket the caller may not see). It is written at once; nothing of the
    /// body is read into memory or written to `uploadSpoolDir`, and the connection ends after
    /// the answer (what the client still sends is read and dropped for a few seconds, so that
    /// it can read the answer, then the connection is cut). Empty: every upload is spooled.
    std::function<std::optional<HttpResponse>(const HttpRequest &head)> checkUpload;
    qint64 maxUploadBytes = 20 * 1024 * 1024;
    QString uploadSpoolDir;
    /// The only paths where a WebSocket handshake leaves HTTP (the live stream).
    QByteArrayList webSocketPaths {QByteArrayLiteral("/api/v1/stream")};
    /// Called once per answered request, on the thread that answers it; must be cheap and
    /// thread-safe (a buffered writer). Empty: no access log.
    std::function<void(const AccessRecord &record)> accessLog;
};

/// The client's X-Request-Id if it is 1 to 64 characters of [A-Za-z0-9._-], else a new id
/// unique in this process ("<random prefix>-<counter>").
QByteArray requestIdFor(const QByteArray &incoming);

/// The answer to one request. Move-only; send() may be called from any thread (an engine
/// callback, say): the response is handed to the connection's thread and written in request
/// order, so pipelined requests never get their answers swapped. A responder destroyed
/// without sending answers 500, so no request hangs.
class HttpResponder
{
public:
    HttpResponder(HttpResponder &&other) noexcept;
    HttpResponder &operator=(HttpResponder &&other) noexcept;
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;
    ~HttpResponder();

    void send(HttpResponse response);
    bool isSent() const { return m_sent; }
    /// The route pattern for metrics ("/api/v1/tickets/{id}"); unmatched requests are
    /// counted under "other" so that scanning clients cannot blow up the label set.
    void setRouteLabel(const QByteArray &route) { m_route = route; }
    /// Who made the request, for the access log (set once signed in).
    void setUser(const QString &user) { m_user = user; }
    /// A header every response of this request gets unless it sets its own (the API layer's
    /// `Cache-Control: no-store`, in one place).
    void setDefaultHeader(const QByteArray &name, const QByteArray &value)
    {
        m_defaultHeaders.append({name, value});
    }

private:
    friend class HttpWorker;
    HttpResponder(std::shared_ptr<WorkerLink> link, quint64 connection, quint64 seq,
                  const HttpRequest &request);

    std::shared_ptr<WorkerLink> m_link;
    quint64 m_connection = 0;
    quint64 m_seq = 0;
    bool m_head = false;
    bool m_sent = false;
    QByteArray m_route = QByteArrayLiteral("other");
    QByteArray m_requestId;
    QByteArray m_method;
    QString m_user;
    QList<QPair<QByteArray, QByteArray>> m_defaultHeaders;
    QElapsedTimer m_timer;
};

class HttpWorker; // httpserver.cpp

/// Baton's HTTP/1.1 server: N worker threads, each running its own QAbstractHttpServer (Qt
/// HttpServer's parser and WebSocket upgrade) and its own listening socket on the shared port
/// (SO_REUSEPORT: the kernel spreads connections, no socket changes threads; measured against
/// a single thread in tests/bench/api). No QFuture routes (they crash Qt 6.4 under load):
/// handlers get a responder instead. Every connection is a socket of ours that scans the byte
/// stream before Qt buffers it: it rejects malformed request lines (400), oversized headers (431)
/// and bodies over the limit (413, counted while reading, chunked included) and closes the
/// connection, so an oversized body is never held in memory.
///
/// The handler runs on the worker thread that owns the connection, concurrently on different
/// workers: it must be thread-safe. It may answer at once or later (HttpResponder::send()).
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(HttpRequest &&request, HttpResponder responder)>;
    /// Called on a worker thread with an upgraded WebSocket that lives on that thread.
    using WebSocketHandler = std::function<void(std::unique_ptr<QWebSocket> socket)>;

    /// Sees a WebSocket handshake before Qt upgrades the connection (on its worker thread,
    /// concurrently): a response refuses it, written before the connection is closed.
    using UpgradeCheck = std::function<std::optional<HttpResponse>(const HttpRequest &request)>;

    HttpServer(HttpServerOptions options, Handler handler, WebSocketHandler webSockets = {});
    ~HttpServer() override;

    /// Before start().
    void setUpgradeCheck(UpgradeCheck check) { m_upgradeCheck = std::move(check); }

    /// Starts the workers and listens; returns the bound port.
    Result<quint16> start();
    /// Shutdown, step one: closes the listening sockets (new connections are refused).
    void stopAccepting();
    /// Shutdown, step two: idle keep-alive connections are closed; a request in flight, or
    /// one that arrives on an open connection meanwhile, is answered with `Connection: close`
    /// (the handler and whatever answers later, e.g. the engine, must still run). Returns once
    /// every HTTP connection is answered and closed, or after `timeoutMs`, when the
    /// connections still open are aborted (false). WebSockets are left to their owner.
    bool drain(int timeoutMs);
    /// Stops the worker threads; every connection ends. After drain(), nothing is lost here.
    void stop();
    quint16 port() const { return m_port; }
    const HttpServerOptions &options() const { return m_options; }

    /// The worker object of the calling thread (a QObject to post work back to, e.g. from an
    /// engine callback), or null when not called on a worker thread.
    static QObject *currentWorker();

private:
    HttpServerOptions m_options;
    Handler m_handler;
    WebSocketHandler m_webSockets;
    UpgradeCheck m_upgradeCheck;
    QList<HttpWorker *> m_workers;
    QList<QThread *> m_threads;
    quint16 m_port = 0;
};

} // namespace Baton::Http

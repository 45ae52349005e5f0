// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpserver.h"
#include "httpconnection.h"

#include "core/metrics.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QFile>
#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QMutex>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QThread>
#include <QTimer>
#include <QWebSocket>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Baton::Http {

Q_LOGGING_CATEGORY(lcHttp, "baton.http", QtInfoMsg)

/// What a responder holds on to: the worker that owns its connection, until the server stops.
struct WorkerLink
{
    QMutex mutex;
    HttpWorker *worker = nullptr;
    QThread *thread = nullptr;
    /// Set before the worker starts, read-only afterwards (no lock).
    std::function<void(const AccessRecord &)> accessLog;
};

namespace {

/// The query as a browser's form encoding means it (URLSearchParams, HTML forms): `+` is a
/// space, as `%20` is; a plus itself comes as `%2B`. QUrlQuery alone keeps `+` as a plus, and a
/// search for "stuck at" sent by the UI looked for "stuck+at".
QUrlQuery formQuery(const QUrl &url)
{
    QString encoded = url.query(QUrl::FullyEncoded);
    encoded.replace(u'+', QStringLiteral("%20"));
    return QUrlQuery(encoded);
}

thread_local QObject *tlsWorker = nullptr;

bool isSaneRequestId(const QByteArray &id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (const char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
              || c == '_' || c == '-'))
            return false;
    return true;
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QByteArrayLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QByteArrayLiteral("TRACE");
    default:
        return QByteArrayLiteral("UNKNOWN");
    }
}

/// A listening TCP socket with SO_REUSEPORT, so that every worker can listen on the port.
Result<int> openListeningSocket(const QHostAddress &address, quint16 port)
{
    sockaddr_storage storage {};
    socklen_t length = 0;
    int family = AF_INET;
    const bool any = address == QHostAddress::Any || address == QHostAddress::AnyIPv6;
    if (address.protocol() == QAbstractSocket::IPv4Protocol && address != QHostAddress::Any) {
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    } else {
        family = AF_INET6;
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = any ? Q_IPV6ADDR {} : address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof(bytes));
        length = sizeof(sockaddr_in6);
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return makeError(QString::fromLocal8Bit(std::strerror(errno)));
    const int one = 1;
    const int zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (family == AF_INET6 && any)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0
        || ::listen(fd, 1024) != 0) {
        const QString error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return makeError(error);
    }
    return fd;
}

} // namespace

QByteArray requestIdFor(const QByteArray &incoming)
{
    if (isSaneRequestId(incoming))
        return incoming;
    // A random prefix per process keeps ids of restarts and of several servers apart; the
    // counter makes them unique within the process without a random draw per request.
    static const QByteArray prefix
        = QByteArray::number(QRandomGenerator::system()->generate() & 0xffffffu, 16)
              .rightJustified(6, '0');
    static std::atomic<quint64> counter {0};
    return prefix + '-' + QByteArray::number(++counter, 16).rightJustified(8, '0');
}

/// One worker's listening server. Every worker listens on the same port (SO_REUSEPORT), so
/// the kernel spreads connections over the workers and no socket changes threads. Accepted
/// sockets are our HttpConnection, created before Qt's server connects to them.
class WorkerTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    WorkerTcpServer(HttpWorker *worker)
        : m_worker(worker)
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    HttpWorker *m_worker;
};

/// The per-thread Qt HTTP server; every complete request goes to the handler.
class WorkerHttpServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    WorkerHttpServer(HttpWorker *worker)
        : m_worker(worker)
    {
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }

private:
    HttpWorker *m_worker;
};

class HttpWorker : public QObject
{
    Q_OBJECT
public:
    HttpWorker(const HttpServerOptions &options, const HttpServer::Handler &handler,
               const HttpServer::WebSocketHandler &webSockets)
        : m_options(options)
        , m_handler(handler)
        , m_webSockets(webSockets)
        , m_link(std::make_shared<WorkerLink>())
    {
        m_link->accessLog = options.accessLog;
    }

    void setUp(QThread *thread)
    {
        tlsWorker = this;
        {
            QMutexLocker lock(&m_link->mutex);
            m_link->worker = this;
            m_link->thread = thread;
        }
        m_http = new WorkerHttpServer(this);
        m_http->setParent(this);
        connect(m_http, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
            while (m_http->hasPendingWebSocketConnections()) {
                std::unique_ptr<QWebSocket> socket = m_http->nextPendingWebSocketConnection();
                if (m_webSockets)
                    m_webSockets(std::move(socket));
            }
        });
    }

    void tearDown()
    {
        tlsWorker = nullptr;
        {
            QMutexLocker lock(&m_link->mutex);
            m_link->worker = nullptr;
        }
        delete m_http; // deletes the adopting server and, through it, the connections
        m_http = nullptr;
    }

    /// Listens on address:port with SO_REUSEPORT; returns the bound port or an error.
    Result<quint16> listen(const QHostAddress &address, quint16 port)
    {
        const Result<int> fd = openListeningSocket(address, port);
        if (!fd)
            return makeError(fd.error());
        auto *server = new WorkerTcpServer(this);
        if (!server->setSocketDescriptor(*fd)) {
            const QString error = server->errorString();
            delete server;
            ::close(*fd);
            return makeError(error);
        }
        m_http->bind(server); // takes ownership
        m_listener = server;
        return server->serverPort();
    }

    HttpConnection *adopt(qintptr descriptor)
    {
        auto *connection = new HttpConnection(++m_lastConnectionId, m_options);
        if (!connection->setSocketDescriptor(descriptor)) {
            delete connection;
            return nullptr;
        }
        m_connections.insert(connection->id(), connection);
        const quint64 id = connection->id();
        connection->setUploadReady(
            [this, connection](const RequestHead &head, std::shared_ptr<QFile> body) {
                handleUpload(head, std::move(body), connection);
            });
        connection->setUploadCheck(
            [this, connection](const RequestHead &head) { return checkUpload(head, connection); });
        connect(connection, &QObject::destroyed, this, [this, id] { m_connections.remove(id); });
        if (m_draining) // accepted just before the listener closed: answer, then close
            QTimer::singleShot(0, connection, [connection] { connection->beginDraining(); });
        return connection;
    }

    void handle(const QHttpServerRequest &request, HttpConnection *connection)
    {
        if (connection->isClosing())
            return;
        HttpRequest copy;
        copy.method = methodName(request.method());
        const QUrl url = request.url();
        copy.path = url.path(QUrl::FullyDecoded);
        copy.query = formQuery(url);
        copy.headers = request.headers();
        copy.body = request.body();
        copy.remoteAddress = request.remoteAddress();
        copy.requestId = requestIdFor(request.value(QByteArrayLiteral("x-request-id")));
        dispatch(std::move(copy), connection);
    }

    /// An upload the connection read itself (HttpServerOptions::isUpload): the same request
    /// as Qt would have made of the head, with the body in a file.
    void handleUpload(const RequestHead &head, std::shared_ptr<QFile> body,
                      HttpConnection *connection)
    {
        if (connection->isClosing())
            return;
        HttpRequest copy = requestOfHead(head, connection);
        copy.bodyFile = std::move(body);
        dispatch(std::move(copy), connection);
    }

    /// An upload's head before its body is read (HttpServerOptions::checkUpload): a refusal
    /// gets its request id and access line here, as a dispatched request would.
    std::optional<HttpResponse> checkUpload(const RequestHead &head, HttpConnection *connection)
    {
        if (!m_options.checkUpload)
            return std::nullopt;
        QElapsedTimer timer;
        timer.start();
        const HttpRequest copy = requestOfHead(head, connection);
        std::optional<HttpResponse> refusal = m_options.checkUpload(copy);
        if (!refusal)
            return std::nullopt;
        refusal->headers.append({QByteArrayLiteral("X-Request-Id"), copy.requestId});
        if (m_link->accessLog) // the route is unknown here: an upload's path holds a ticket id
            m_link->accessLog({copy.requestId, copy.method, QByteArray(), QString(),
                               refusal->status, double(timer.nsecsElapsed()) / 1e6,
                               qint64(refusal->body.size())});
        return refusal;
    }

    /// The request Qt would have made of an upload's head, without a body.
    static HttpRequest requestOfHead(const RequestHead &head, HttpConnection *connection)
    {
        HttpRequest copy;
        copy.method = head.method;
        const QUrl url = QUrl::fromEncoded(head.target);
        copy.path = url.path(QUrl::FullyDecoded);
        copy.query = formQuery(url);
        copy.headers = head.headers;
        copy.remoteAddress = connection->peerAddress();
        copy.requestId = requestIdFor(head.header("x-request-id"));
        return copy;
    }

    void dispatch(HttpRequest &&copy, HttpConnection *connection)
    {
        const quint64 seq = connection->beginRequest();
        HttpResponder responder(m_link, connection->id(), seq, copy);
        if (copy.path.isEmpty() || !copy.path.startsWith(u'/')) {
            responder.send(HttpResponse::error(400, QStringLiteral("bad_request"),
                                               QStringLiteral("Bad path.")));
            return;
        }
        m_handler(std::move(copy), std::move(responder));
    }

    void setUpgradeCheck(const HttpServer::UpgradeCheck &check) { m_upgradeCheck = check; }

    /// False when the check refused the handshake: its answer is written and Qt closes the
    /// connection instead of upgrading it.
    /// Either way the handshake gets its access line (status 101 when admitted) and a request
    /// id, like every other request.
    bool admitUpgrade(const QHttpServerRequest &request, HttpConnection *connection)
    {
        QElapsedTimer timer;
        timer.start();
        HttpRequest copy;
        copy.method = methodName(request.method());
        const QUrl url = request.url();
        copy.path = url.path(QUrl::FullyDecoded);
        copy.query = formQuery(url);
        copy.headers = request.headers();
        copy.remoteAddress = request.remoteAddress();
        copy.requestId = requestIdFor(request.value(QByteArrayLiteral("x-request-id")));
        std::optional<HttpResponse> refusal
            = m_upgradeCheck ? m_upgradeCheck(copy) : std::optional<HttpResponse>();
        if (m_link->accessLog) // the path is one of options.webSocketPaths: a route
            m_link->accessLog({copy.requestId, copy.method, copy.path.toUtf8(), QString(),
                               refusal ? refusal->status : 101, double(timer.nsecsElapsed()) / 1e6,
                               refusal ? qint64(refusal->body.size()) : 0});
        if (!refusal)
            return true;
        refusal->headers.append({QByteArrayLiteral("X-Request-Id"), copy.requestId});
        connection->write(refusal->serialise(true));
        return false;
    }

    void deliver(quint64 connectionId, quint64 seq, const HttpResponse &response, bool head)
    {
        const QPointer<HttpConnection> connection = m_connections.value(connectionId);
        if (connection)
            connection->deliver(seq, response, head);
    }

    std::shared_ptr<WorkerLink> link() const { return m_link; }

    /// Closes the listening socket: the kernel refuses new connections to this worker.
    void stopListening()
    {
        if (m_listener)
            m_listener->close();
    }

    /// Drain mode for every connection (HttpConnection::beginDraining); the number of
    /// connections still busy.
    int drain()
    {
        m_draining = true;
        int busy = 0;
        for (const QPointer<HttpConnection> &connection : std::as_const(m_connections)) {
            if (!connection)
                continue;
            connection->beginDraining();
            if (connection->isBusy())
                ++busy;
        }
        return busy;
    }

    /// Ends every HTTP connection that is left (WebSockets are the stream hub's).
    void abortConnections()
    {
        const auto connections = m_connections;
        for (const QPointer<HttpConnection> &connection : connections)
            if (connection && connection->isBusy())
                connection->abort();
    }

private:
    HttpServerOptions m_options;
    HttpServer::Handler m_handler;
    HttpServer::WebSocketHandler m_webSockets;
    HttpServer::UpgradeCheck m_upgradeCheck;
    std::shared_ptr<WorkerLink> m_link;
    WorkerHttpServer *m_http = nullptr;
    QPointer<QTcpServer> m_listener;
    bool m_draining = false;
    QHash<quint64, QPointer<HttpConnection>> m_connections;
    quint64 m_lastConnectionId = 0;
};

void WorkerTcpServer::incomingConnection(qintptr descriptor)
{
    if (HttpConnection *connection = m_worker->adopt(descriptor)) {
        connection->setParent(this);
        addPendingConnection(connection);
    } else {
        ::close(int(descriptor));
    }
}

bool WorkerHttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto *connection = qobject_cast<HttpConnection *>(socket);
    if (!connection)
        return false;
    // Qt 6.4 shows WebSocket upgrade requests to the handler too before it hands the socket to
    // its QWebSocketServer; answering here would put an HTTP response before the handshake.
    // The connection let only complete handshakes through (HttpConnection::examineHead);
    // returning false makes Qt close the connection instead (after what we wrote).
    if (request.value(QByteArrayLiteral("upgrade")).compare("websocket", Qt::CaseInsensitive) == 0)
        return m_worker->admitUpgrade(request, connection);
    m_worker->handle(request, connection);
    return true;
}

// ---------------------------------------------------------------------------------------------

HttpResponder::HttpResponder(std::shared_ptr<WorkerLink> link, quint64 connection, quint64 seq,
                             const HttpRequest &request)
    : m_link(std::move(link))
    , m_connection(connection)
    , m_seq(seq)
    , m_head(request.method == "HEAD")
    , m_requestId(request.requestId)
    , m_method(request.method)
{
    m_timer.start();
}

HttpResponder::HttpResponder(HttpResponder &&other) noexcept
    : m_link(std::move(other.m_link))
    , m_connection(other.m_connection)
    , m_seq(other.m_seq)
    , m_head(other.m_head)
    , m_sent(other.m_sent)
    , m_route(std::move(other.m_route))
    , m_requestId(std::move(other.m_requestId))
    , m_method(std::move(other.m_method))
    , m_user(std::move(other.m_user))
    , m_defaultHeaders(std::move(other.m_defaultHeaders))
    , m_timer(other.m_timer)
{
    other.m_sent = true;
}

HttpResponder &HttpResponder::operator=(HttpResponder &&other) noexcept
{
    if (this != &other) {
        if (!m_sent && m_link)
            send(HttpResponse::error(500, QStringLiteral("internal"),
                                     QStringLiteral("The request was dropped.")));
        m_link = std::move(other.m_link);
        m_connection = other.m_connection;
        m_seq = other.m_seq;
        m_head = other.m_head;
        m_sent = other.m_sent;
        m_route = std::move(other.m_route);
        m_requestId = std::move(other.m_requestId);
        m_method = std::move(other.m_method);
        m_user = std::move(other.m_user);
        m_defaultHeaders = std::move(other.m_defaultHeaders);
        m_timer = other.m_timer;
        other.m_sent = true;
    }
    return *this;
}

HttpResponder::~HttpResponder()
{
    if (!m_sent && m_link)
        send(HttpResponse::error(500, QStringLiteral("internal"),
                                 QStringLiteral("The request was dropped.")));
}

void HttpResponder::send(HttpResponse response)
{
    if (m_sent || !m_link)
        return;
    m_sent = true;
    for (const auto &[name, value] : std::as_const(m_defaultHeaders))
        if (response.header(name).isNull())
            response.headers.append({name, value});
    response.headers.append({QByteArrayLiteral("X-Request-Id"), m_requestId});
    const qint64 elapsedNs = m_timer.nsecsElapsed();
    Metrics::global().http.count(m_route, response.status, elapsedNs); // lock-free
    if (m_link->accessLog)
        m_link->accessLog({m_requestId, m_method, m_route, m_user, response.status,
                           double(elapsedNs) / 1e6, m_head ? 0 : qint64(response.body.size())});

    QMutexLocker lock(&m_link->mutex);
    HttpWorker *worker = m_link->worker;
    if (!worker)
        return;
    const quint64 connection = m_connection;
    const quint64 seq = m_seq;
    const bool head = m_head;
    if (QThread::currentThread() == m_link->thread) {
        lock.unlock();
        worker->deliver(connection, seq, response, head);
    } else {
        QMetaObject::invokeMethod(
            worker,
            [worker, connection, seq, head, response = std::move(response)] {
                worker->deliver(connection, seq, response, head);
            },
            Qt::QueuedConnection);
    }
}

// ---------------------------------------------------------------------------------------------

HttpServer::HttpServer(HttpServerOptions options, Handler handler, WebSocketHandler webSockets)
    : m_options(std::move(options))
    , m_handler(std::move(handler))
    , m_webSockets(std::move(webSockets))
{
}

QObject *HttpServer::currentWorker()
{
    return tlsWorker;
}

HttpServer::~HttpServer()
{
    stop();
}

Result<quint16> HttpServer::start()
{
    if (!m_workers.isEmpty())
        return m_port;
    const int count = qMax(1, m_options.threads);
    for (int i = 0; i < count; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("http-%1").arg(i));
        auto *worker = new HttpWorker(m_options, m_handler, m_webSockets);
        worker->setUpgradeCheck(m_upgradeCheck);
        worker->moveToThread(thread);
        thread->start();
        QMetaObject::invokeMethod(
            worker, [worker, thread] { worker->setUp(thread); }, Qt::BlockingQueuedConnection);
        m_threads.append(thread);
        m_workers.append(worker);
    }
    // The first worker binds (perhaps port 0, chosen by the OS); the others join its port.
    quint16 port = m_options.port;
    for (HttpWorker *worker : std::as_const(m_workers)) {
        Result<quint16> bound = makeError(QStringLiteral("the worker did not answer"));
        QMetaObject::invokeMethod(
            worker, [&, worker] { bound = worker->listen(m_options.address, port); },
            Qt::BlockingQueuedConnection);
        if (!bound) {
            stop();
            return makeError(QStringLiteral("cannot listen on %1:%2: %3")
                                 .arg(m_options.address.toString())
                                 .arg(port)
                                 .arg(bound.error()));
        }
        port = *bound;
    }
    m_port = port;
    return port;
}

void HttpServer::stopAccepting()
{
    for (HttpWorker *worker : std::as_const(m_workers))
        QMetaObject::invokeMethod(
            worker, [worker] { worker->stopListening(); }, Qt::BlockingQueuedConnection);
}

bool HttpServer::drain(int timeoutMs)
{
    QElapsedTimer elapsed;
    elapsed.start();
    bool idle = false;
    while (!m_workers.isEmpty()) {
        int busy = 0;
        for (HttpWorker *worker : std::as_const(m_workers))
            QMetaObject::invokeMethod(
                worker, [worker, &busy] { busy += worker->drain(); }, Qt::BlockingQueuedConnection);
        idle = busy == 0;
        if (idle || elapsed.elapsed() >= timeoutMs)
            break;
        QThread::msleep(10);
    }
    if (!idle)
        qCWarning(lcHttp) << "shutdown: requests still unanswered after" << timeoutMs
                          << "ms; closing their connections";
    for (HttpWorker *worker : std::as_const(m_workers))
        QMetaObject::invokeMethod(
            worker, [worker] { worker->abortConnections(); }, Qt::BlockingQueuedConnection);
    return idle;
}

void HttpServer::stop()
{
    for (int i = 0; i < m_workers.size(); ++i) {
        HttpWorker *worker = m_workers[i];
        QMetaObject::invokeMethod(
            worker, [worker] { worker->tearDown(); }, Qt::BlockingQueuedConnection);
    }
    for (int i = 0; i < m_workers.size(); ++i) {
        m_threads[i]->quit();
        m_threads[i]->wait();
        delete m_workers[i];
        delete m_threads[i];
    }
    m_workers.clear();
    m_threads.clear();
}

} // namespace Baton::Http

#include "httpserver.moc"

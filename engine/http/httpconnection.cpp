// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpconnection.h"
#include "requesthead.h"

#include <QDir>
#include <QMetaMethod>
#include <QTemporaryFile>

#include <cstring>

#include <sys/socket.h>

namespace Baton::Http {

namespace {

// Qt's header parser (QHttpHeaderParser, 6.4) gives up on a field line over 8 KiB or on more
// than 100 fields, and Qt HttpServer 6.4.2 ignores that failure: the request goes on with no
// headers at all, so no Content-Length, and its body is read as the next request. Stay within.
constexpr qsizetype qtMaxFieldLine = 8 * 1024 - 1;
constexpr qsizetype qtMaxFields = 100;

bool isTokenChar(char c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

bool hasControlOrSpace(QByteArrayView text)
{
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return true;
    return false;
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Where a head ends the way Qt's parser sees it: after the first LF that is followed by LF
/// or CRLF. Searches from `from`; -1 when the head is not complete yet.
qsizetype headEnd(const QByteArray &head, qsizetype from)
{
    const char *data = head.constData();
    const qsizetype size = head.size();
    qsizetype at = from;
    while (at < size) {
        const void *lf = std::memchr(data + at, '\n', size_t(size - at));
        if (!lf)
            return -1;
        const qsizetype j = static_cast<const char *>(lf) - data;
        if (j + 1 < size && data[j + 1] == '\n')
            return j + 2;
        if (j + 2 < size && data[j + 1] == '\r' && data[j + 2] == '\n')
            return j + 3;
        if (j + 2 >= size)
            return -1; // perhaps completed by the next read
        at = j + 1;
    }
    return -1;
}

} // namespace

HttpConnection::HttpConnection(quint64 id, const HttpServerOptions &options, QObject *parent)
    : QTcpSocket(parent)
    , m_id(id)
    , m_options(options)
{
    // Connected before the HTTP server connects its own slot, so it runs first.
    m_connectingOwnSlot = true;
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::scanIncoming);
    m_connectingOwnSlot = false;
    m_idle.setSingleShot(true);
    m_idle.setInterval(m_options.idleTimeoutMs);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        if (m_nextWrite == m_nextAssign)
            abort();
        else
            m_idle.start();
    });
    m_idle.start();
    m_slow.setSingleShot(true);
    connect(&m_slow, &QTimer::timeout, this, &HttpConnection::slowClientCheck);
    connect(this, &QTcpSocket::bytesWritten, this, &HttpConnection::pumpStream);
}

HttpConnection::~HttpConnection()
{
    m_phase = Phase::Upgraded; // nothing to react to any more (see disconnectNotify)
}

quint64 HttpConnection::beginRequest()
{
    const quint64 seq = m_nextAssign++;
    m_closeAfter.insert(seq, m_closeAfterQueue.isEmpty() ? false : m_closeAfterQueue.takeFirst());
    return seq;
}

void HttpConnection::deliver(quint64 seq, const HttpResponse &response, bool head)
{
    if (seq < m_nextWrite || m_ready.contains(seq))
        return;
    const bool lastWhileDraining = m_draining && seq + 1 == m_nextAssign && !isReadingRequest();
    const bool close
        = m_closeAfter.take(seq) || response.header("Connection") == "close" || lastWhileDraining;
    m_ready.insert(seq, response.serialise(close, head));
    m_readyClose.insert(seq, close);
    if (response.stream && !head && response.status != 204 && response.status != 304)
        m_readyStream.insert(seq, {response.stream, response.streamSize});
    flushInOrder();
}

bool HttpConnection::isReadingRequest() const
{
    // A message scanned but not yet handed to the handler (Qt parses pipelined requests one
    // readyRead at a time) counts as being read.
    return m_phase != Phase::Head || !m_head.isEmpty() || !m_closeAfterQueue.isEmpty();
}

bool HttpConnection::isBusy() const
{
    if (m_phase == Phase::Upgraded || state() == QAbstractSocket::UnconnectedState)
        return false;
    return m_nextWrite != m_nextAssign || isReadingRequest() || bytesToWrite() > 0
        || m_streaming.device;
}

void HttpConnection::beginDraining()
{
    if (m_draining || m_phase == Phase::Upgraded || m_phase == Phase::Rejected || m_closing)
        return;
    m_draining = true;
    // A request that arrives on this connection from now on is still answered (the engine
    // runs until the drain ends), with `Connection: close`. An idle one is closed: a client
    // that sends on it at this very moment sees the connection end without an answer, as
    // with any keep-alive timeout, and retries on a new connection (which is refused).
    if (m_nextWrite == m_nextAssign && !isReadingRequest()) {
        m_closing = true;
        disconnectFromHost();
    }
}

void HttpConnection::flushInOrder()
{
    while (!m_ready.isEmpty() && m_ready.firstKey() == m_nextWrite && !m_lingering
           && !m_streaming.device) {
        const QByteArray bytes = m_ready.take(m_nextWrite);
        const bool close = m_readyClose.take(m_nextWrite);
        StreamedBody streamed = m_readyStream.take(m_nextWrite);
        ++m_nextWrite;
        if (state() != QAbstractSocket::ConnectedState)
            continue;
        write(bytes);
        if (streamed.device) {
            m_streaming = std::move(streamed);
            m_streamClose = close;
            pumpStream(); // goes on with the responses after it once the body is out
            return;
        }
        if (close) {
            m_closing = true;
            if (m_phase == Phase::Rejected)
                lingerThenClose();
            else
                disconnectFromHost();
            return;
        }
    }
}

void HttpConnection::pumpStream()
{
    if (!m_streaming.device)
        return;
    // A few pieces in Qt's buffer keep the kernel's busy without holding the file in memory.
    constexpr qint64 piece = 64 * 1024;
    constexpr qint64 highWater = 4 * piece;
    while (m_streaming.size > 0 && bytesToWrite() < highWater
           && state() == QAbstractSocket::ConnectedState) {
        const QByteArray bytes = m_streaming.device->read(qMin(piece, m_streaming.size));
        if (bytes.isEmpty()) {
            // The source ended short of what Content-Length promised: the client must not
            // take a truncated file for the whole one.
            m_streaming = {};
            abort();
            return;
        }
        write(bytes);
        m_streaming.size -= bytes.size();
        m_idle.start(); // a slow reader of a large file is not an idle connection
    }
    if (m_streaming.size > 0 && state() == QAbstractSocket::ConnectedState)
        return; // bytesWritten calls again
    m_streaming = {};
    if (m_streamClose) {
        m_closing = true;
        disconnectFromHost();
        return;
    }
    flushInOrder();
}

void HttpConnection::connectNotify(const QMetaMethod &signal)
{
    // Qt's server connects its parser to readyRead after our scanner; a slot connected after
    // it sees how much of the scanned input Qt left unread.
    if (m_afterParserConnected || m_connectingOwnSlot || m_phase == Phase::Upgraded
        || m_phase == Phase::Rejected || signal != QMetaMethod::fromSignal(&QTcpSocket::readyRead))
        return;
    m_afterParserConnected = true;
    m_connectingOwnSlot = true;
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::noteParserProgress);
    m_connectingOwnSlot = false;
}

void HttpConnection::noteParserProgress()
{
    if (m_phase != Phase::Upgraded && m_phase != Phase::Rejected)
        m_scannedUnread = qMax<qint64>(0, bytesAvailable());
}

void HttpConnection::disconnectNotify(const QMetaMethod &signal)
{
    // Qt HttpServer 6.4 answers a parse error with socket->disconnect() (every signal), which
    // would leave the client hanging on an open connection that nobody reads. Close it
    // properly instead. An invalid QMetaMethod means "all signals".
    if (signal.isValid() || m_phase == Phase::Upgraded || m_phase == Phase::Rejected)
        return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_phase != Phase::Rejected)
                reject(400, QStringLiteral("bad_request"),
                       QStringLiteral("Malformed HTTP request."));
        },
        Qt::QueuedConnection);
}

void HttpConnection::scanIncoming()
{
    if (m_phase == Phase::Rejected) {
        discardIncoming();
        return;
    }
    if (m_phase == Phase::Upgraded || !isOpen())
        return;
    if (m_phase == Phase::Upload || m_phase == Phase::UploadDone)
        return readUpload();
    const qint64 available = bytesAvailable();
    const qint64 scannedAlready = m_afterParserConnected ? m_scannedUnread : 0;
    if (available <= scannedAlready) {
        m_scannedUnread = qMax<qint64>(0, available);
        return;
    }
    m_idle.start();
    const QByteArray data = peek(available);
    const char *p = data.constData();
    const qsizetype n = data.size();
    qsizetype i = qsizetype(qMin<qint64>(scannedAlready, n));
    m_bytesScanned += n - i;
    m_scannedUnread = n; // an early return below rejects, which stops all further reading
    while (i < n) {
        switch (m_phase) {
        case Phase::Head:
            i = scanHead(p, i, n);
            break;
        case Phase::FixedBody:
        case Phase::ChunkData: {
            const qint64 take = qMin<qint64>(m_remaining, n - i);
            m_remaining -= take;
            i += take;
            if (m_remaining == 0)
                m_phase = m_phase == Phase::FixedBody ? Phase::Head : Phase::ChunkDataCr;
            break;
        }
        case Phase::ChunkDataCr:
        case Phase::LastChunkCr:
        case Phase::ChunkDataLf:
        case Phase::LastChunkLf:
        case Phase::ChunkSize:
            i = scanChunkFraming(p, i, n);
            break;
        case Phase::Upload:
        case Phase::UploadDone:
            // Everything before the body is this upload's head, which Qt never read.
            skip(i);
            m_scannedUnread = 0;
            return readUpload();
        case Phase::Upgraded:
        case Phase::Rejected:
            return;
        }
        if (i < 0)
            return; // rejected
    }
    if (m_phase == Phase::Upload) {
        // The head ended exactly at the end of this read: it is still in the socket's buffer.
        skip(n);
        m_scannedUnread = 0;
        return readUpload();
    }
    m_finalCrSplit = m_phase == Phase::LastChunkLf;
    watchSlowClient();
}

qsizetype HttpConnection::scanHead(const char *p, qsizetype i, qsizetype n)
{
    if (m_head.isEmpty() && (p[i] == '\r' || p[i] == '\n'))
        return i + 1; // empty lines between messages are allowed (RFC 9112 2.2)
    const qsizetype before = m_head.size();
    m_head.append(p + i, qMin<qsizetype>(n - i, m_options.maxHeaderBytes + 4 - before));
    const qsizetype end = headEnd(m_head, qMax<qsizetype>(0, before - 2));
    if (end < 0) {
        if (m_head.size() > m_options.maxHeaderBytes) {
            reject(431, QStringLiteral("bad_request"),
                   QStringLiteral("Request headers are too large."));
            return -1;
        }
        return n;
    }
    const QByteArray head = m_head.left(end);
    m_head.clear();
    if (!examineHead(head))
        return -1;
    return i + end - before;
}

qsizetype HttpConnection::scanChunkFraming(const char *p, qsizetype i, qsizetype n)
{
    const auto badChunk = [this] {
        reject(400, QStringLiteral("bad_request"), QStringLiteral("Malformed chunked body."));
        return qsizetype(-1);
    };
    switch (m_phase) {
    case Phase::ChunkDataCr:
    case Phase::LastChunkCr:
        if (p[i++] != '\r')
            return badChunk();
        m_phase = m_phase == Phase::ChunkDataCr ? Phase::ChunkDataLf : Phase::LastChunkLf;
        return i;
    case Phase::ChunkDataLf:
        if (p[i++] != '\n')
            return badChunk();
        m_phase = Phase::ChunkSize;
        return i;
    case Phase::LastChunkLf:
        if (p[i++] != '\n')
            return badChunk();
        // Qt reads the final CRLF two bytes at a time: when the CR ended an earlier read,
        // it takes the LF together with the next byte, the first of the next request.
        if (m_finalCrSplit && i < n) {
            reject(400, QStringLiteral("bad_request"),
                   QStringLiteral("No pipelining after a chunked body split there."));
            return -1;
        }
        m_finalCrSplit = false;
        m_phase = Phase::Head;
        return i;
    case Phase::ChunkSize: {
        const char c = p[i++];
        if (c != '\n') {
            m_line.append(c);
            if (m_line.size() > 1024) {
                reject(400, QStringLiteral("bad_request"), QStringLiteral("Malformed chunk."));
                return -1;
            }
            return i;
        }
        return scanChunkSizeLine() ? i : -1;
    }
    case Phase::Head:
    case Phase::FixedBody:
    case Phase::ChunkData:
    case Phase::Upgraded:
    case Phase::Rejected:
    case Phase::Upload:
    case Phase::UploadDone:
        break;
    }
    return i; // not a chunk framing phase: scanIncoming() never calls it then
}

bool HttpConnection::scanChunkSizeLine()
{
    // Qt ends the line only at CRLF, cuts at the first ';' and reads the rest as hex, taking
    // anything unreadable as 0, the last chunk. Accept only what both read alike.
    if (!m_line.endsWith('\r')) {
        m_line.clear();
        reject(400, QStringLiteral("bad_request"), QStringLiteral("Chunk size line without CRLF."));
        return false;
    }
    m_line.chop(1);
    qsizetype digits = 0;
    while (digits < m_line.size() && isHexDigit(m_line[digits]))
        ++digits;
    bool valid = digits > 0 && digits <= 15 && (digits == m_line.size() || m_line[digits] == ';');
    for (qsizetype k = digits; valid && k < m_line.size(); ++k) {
        const auto c = static_cast<unsigned char>(m_line[k]);
        valid = (c >= 0x20 && c != 0x7f) || c == '\t';
    }
    const qint64 size = valid ? m_line.left(digits).toLongLong(nullptr, 16) : -1;
    m_line.clear();
    if (!valid) {
        reject(400, QStringLiteral("bad_request"), QStringLiteral("Malformed chunk size."));
        return false;
    }
    if (size == 0) {
        m_phase = Phase::LastChunkCr; // trailers are not read by Qt 6.4: refused
        return true;
    }
    m_bodyTotal += size;
    if (m_bodyTotal > m_options.maxBodyBytes) {
        reject(413, QStringLiteral("payload_too_large"),
               QStringLiteral("The request body is larger than %1 bytes.")
                   .arg(m_options.maxBodyBytes));
        return false;
    }
    m_remaining = size;
    m_phase = Phase::ChunkData;
    return true;
}

bool HttpConnection::parseHead(const QByteArray &head, RequestHead *out)
{
    const auto bad = [this](const QString &message) {
        reject(400, QStringLiteral("bad_request"), message);
        return false;
    };
    // Every line ends in CRLF: Qt accepts a bare LF too, and would end the head elsewhere.
    const QList<QByteArray> lines = head.left(head.size() - 2).split('\n');
    for (qsizetype k = 0; k < lines.size() - 1; ++k)
        if (!lines[k].endsWith('\r'))
            return bad(QStringLiteral("Line ending without CR."));
    if (!head.endsWith("\r\n\r\n"))
        return bad(QStringLiteral("Line ending without CR."));
    if (lines.size() - 2 > qtMaxFields) {
        reject(431, QStringLiteral("bad_request"), QStringLiteral("Too many header fields."));
        return false;
    }

    const QByteArray requestLine = lines.first().chopped(1);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() || hasControlOrSpace(parts[1])
        || (parts[1][0] != '/' && parts[1] != "*"))
        return bad(QStringLiteral("Malformed request line."));
    out->method = parts[0];
    out->target = parts[1];
    out->version = parts[2];
    if (out->version != "HTTP/1.1" && out->version != "HTTP/1.0")
        return bad(QStringLiteral("Unsupported HTTP version."));

    for (qsizetype k = 1; k < lines.size() - 1; ++k) {
        const QByteArrayView line = QByteArrayView(lines[k]).chopped(1);
        if (line.size() > qtMaxFieldLine) {
            reject(431, QStringLiteral("bad_request"),
                   QStringLiteral("A header field is too large."));
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        // A name must be a token: this also refuses obs-fold (a line starting with SP or HT).
        if (colon <= 0 || !isToken(line.first(colon)))
            return bad(QStringLiteral("Malformed header line."));
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        for (char c : value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return bad(QStringLiteral("Control character in a header."));
        out->headers.append({line.first(colon).toByteArray().toLower(), value.toByteArray()});
    }
    return true;
}

bool HttpConnection::examineHead(const QByteArray &head)
{
    ++m_messages;
    RequestHead request;
    if (!parseHead(head, &request))
        return false;
    const auto bad = [this](const QString &message) {
        reject(400, QStringLiteral("bad_request"), message);
        return false;
    };

    bool keepAlive = request.version == "HTTP/1.1";
    bool chunked = false;
    bool expectContinue = false;
    qint64 contentLength = -1;
    for (const auto &[name, value] : std::as_const(request.headers)) {
        if (name == "content-length") {
            // Qt reads the first one only: a second, even an equal one, is refused.
            bool ok = value.size() <= 18 && contentLength < 0;
            for (char c : value)
                ok = ok && c >= '0' && c <= '9';
            if (!ok || value.isEmpty())
                return bad(QStringLiteral("Invalid Content-Length."));
            contentLength = value.toLongLong();
        } else if (name == "transfer-encoding") {
            if (value.compare("chunked", Qt::CaseInsensitive) != 0)
                return bad(QStringLiteral("Unsupported Transfer-Encoding."));
            chunked = true;
        } else if (name == "connection") {
            for (const QByteArray &token : value.toLower().split(',')) {
                if (token.trimmed() == "close")
                    keepAlive = false;
                else if (token.trimmed() == "keep-alive")
                    keepAlive = true;
            }
        } else if (name == "expect") {
            expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    if (chunked && contentLength >= 0)
        return bad(QStringLiteral("Both Content-Length and Transfer-Encoding given."));
    if (isUploadHead(request))
        return beginUpload(request, contentLength, expectContinue);
    if (contentLength > m_options.maxBodyBytes) {
        reject(413, QStringLiteral("payload_too_large"),
               QStringLiteral("The request body is larger than %1 bytes.")
                   .arg(m_options.maxBodyBytes));
        return false;
    }
    if (asksForWebSocket(request)) {
        // Only a complete handshake leaves the HTTP limits; Qt's server then takes the socket
        // over. Anything else that asks for an upgrade is refused rather than half-served.
        if (const auto problem = webSocketHandshakeProblem(request, m_options.webSocketPaths))
            return bad(*problem);
        m_phase = Phase::Upgraded;
        m_idle.stop();
        m_slow.stop();
        // A live stream sends small messages: a bounded kernel send buffer (instead of
        // autotuning up to megabytes) lets a client that stops reading show up in
        // bytesToWrite(), where the stream hub's queue limit sees it.
        const int sendBuffer = 64 * 1024;
        ::setsockopt(int(socketDescriptor()), SOL_SOCKET, SO_SNDBUF, &sendBuffer,
                     sizeof(sendBuffer));
        return false;
    }
    m_closeAfterQueue.append(!keepAlive);
    if (expectContinue && (contentLength > 0 || chunked) && m_nextWrite == m_nextAssign)
        write("HTTP/1.1 100 Continue\r\n\r\n");
    m_bodyTotal = 0;
    if (chunked)
        m_phase = Phase::ChunkSize;
    else if (contentLength > 0) {
        m_remaining = contentLength;
        m_phase = Phase::FixedBody;
    } else
        m_phase = Phase::Head;
    return true;
}

bool HttpConnection::isUploadHead(const RequestHead &head) const
{
    if (!m_options.isUpload)
        return false;
    const qsizetype queryAt = head.target.indexOf('?');
    return m_options.isUpload(
        head.method, QByteArrayView(head.target).first(queryAt < 0 ? head.target.size() : queryAt));
}

bool HttpConnection::beginUpload(const RequestHead &head, qint64 contentLength, bool expectContinue)
{
    if (contentLength < 0) {
        reject(411, QStringLiteral("length_required"),
               QStringLiteral("An upload needs a Content-Length header."));
        return false;
    }
    if (contentLength > m_options.maxUploadBytes) {
        // Answered from the head: the body is never read (the connection discards it).
        reject(413, QStringLiteral("payload_too_large"),
               QStringLiteral("The file is larger than %1 bytes.").arg(m_options.maxUploadBytes));
        return false;
    }
    // Qt's parser may still hold earlier pipelined requests it has not handed out: taking
    // the socket from it now would lose them.
    if (!m_closeAfterQueue.isEmpty()) {
        reject(400, QStringLiteral("bad_request"),
               QStringLiteral("An upload may not follow pipelined requests."));
        return false;
    }
    // Who asks, and for which ticket, is judged from the head: a stranger must not make the
    // server write up to maxUploadBytes to its disk before hearing "sign in".
    if (m_uploadCheck) {
        if (const std::optional<HttpResponse> refusal = m_uploadCheck(head)) {
            refuse(*refusal);
            return false;
        }
    }
    const QString folder
        = m_options.uploadSpoolDir.isEmpty() ? QDir::tempPath() : m_options.uploadSpoolDir;
    auto spool = std::make_shared<QTemporaryFile>(folder + QStringLiteral("/baton-upload-XXXXXX"));
    if (!spool->open()) {
        reject(500, QStringLiteral("internal"),
               QStringLiteral("The upload cannot be spooled: %1").arg(spool->errorString()));
        return false;
    }
    // From here on Qt's parser sees nothing of this connection: it would buffer the whole body.
    // The connection ends after this request's answer, so its half-read state never matters.
    disconnect(this, &QTcpSocket::readyRead, nullptr, nullptr);
    m_connectingOwnSlot = true;
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::scanIncoming);
    m_connectingOwnSlot = false;
    m_spool = std::move(spool);
    m_uploadHead = head;
    m_remaining = contentLength;
    m_phase = Phase::Upload;
    if (expectContinue && contentLength > 0 && m_nextWrite == m_nextAssign)
        write("HTTP/1.1 100 Continue\r\n\r\n");
    return true;
}

void HttpConnection::readUpload()
{
    if (m_phase == Phase::UploadDone) {
        skip(bytesAvailable()); // nothing may follow an upload on its connection
        return;
    }
    m_idle.start();
    char buffer[64 * 1024];
    while (m_phase == Phase::Upload && m_remaining > 0 && bytesAvailable() > 0) {
        const qint64 n = read(buffer, qMin<qint64>(qint64(sizeof(buffer)), m_remaining));
        if (n <= 0)
            break;
        if (m_spool->write(buffer, n) != n)
            return reject(
                500, QStringLiteral("internal"),
                QStringLiteral("The upload cannot be spooled: %1").arg(m_spool->errorString()));
        m_remaining -= n;
        m_bytesScanned += n;
    }
    if (m_phase == Phase::Upload && m_remaining == 0)
        finishUpload();
    if (m_phase == Phase::UploadDone)
        skip(bytesAvailable());
    else
        watchSlowClient();
}

void HttpConnection::finishUpload()
{
    m_phase = Phase::UploadDone;
    m_slow.stop();
    m_watch = Watch::None;
    if (!m_spool->flush() || !m_spool->seek(0))
        return reject(
            500, QStringLiteral("internal"),
            QStringLiteral("The upload cannot be spooled: %1").arg(m_spool->errorString()));
    m_closeAfterQueue.append(true);
    if (m_uploadReady)
        m_uploadReady(m_uploadHead, std::move(m_spool));
    m_spool.reset();
}

void HttpConnection::watchSlowClient()
{
    // Called after every read, so it stays cheap: the timer is touched only when a read ends
    // inside a head or a body, and only once per message.
    if (m_phase == Phase::Head) {
        if (m_head.isEmpty()) {
            if (m_watch != Watch::None) {
                m_slow.stop();
                m_watch = Watch::None;
            }
        } else if (m_watch != Watch::Head || m_watchedMessage != m_messages) {
            m_watch = Watch::Head;
            m_watchedMessage = m_messages;
            m_slow.start(m_options.headerTimeoutMs);
        }
        return;
    }
    if (m_phase == Phase::Upgraded || m_phase == Phase::Rejected || m_phase == Phase::UploadDone)
        return;
    if (m_options.minBodyBytesPerSecond <= 0)
        return;
    if ((m_watch != Watch::BodyGrace && m_watch != Watch::BodyRate)
        || m_watchedMessage != m_messages) {
        m_watch = Watch::BodyGrace;
        m_watchedMessage = m_messages;
        m_slow.start(m_options.bodyGraceMs);
    }
}

void HttpConnection::slowClientCheck()
{
    if (m_phase == Phase::Rejected || m_phase == Phase::Upgraded || m_phase == Phase::UploadDone)
        return;
    const bool sameMessage = m_watchedMessage == m_messages;
    switch (m_watch) {
    case Watch::None:
        return;
    case Watch::Head:
        if (sameMessage && m_phase == Phase::Head && !m_head.isEmpty())
            return reject(408, QStringLiteral("request_timeout"),
                          QStringLiteral("The request headers took longer than %1 ms.")
                              .arg(m_options.headerTimeoutMs));
        break;
    case Watch::BodyGrace:
    case Watch::BodyRate:
        if (!sameMessage || m_phase == Phase::Head)
            break;
        if (m_watch == Watch::BodyRate
            && (m_bytesScanned - m_rateMark) * 1000
                < m_options.minBodyBytesPerSecond * m_options.bodyRateWindowMs)
            return reject(408, QStringLiteral("request_timeout"),
                          QStringLiteral("The request body came slower than %1 bytes/s.")
                              .arg(m_options.minBodyBytesPerSecond));
        m_watch = Watch::BodyRate;
        m_rateMark = m_bytesScanned;
        m_slow.start(m_options.bodyRateWindowMs);
        return;
    }
    m_watch = Watch::None;
}

void HttpConnection::reject(int status, const QString &code, const QString &message)
{
    if (m_phase == Phase::Rejected)
        return;
    HttpResponse response = HttpResponse::error(status, code, message);
    // Refused before any route was chosen: still a request id and one access line, like every
    // answer (the method and route are unknown or not to be trusted here).
    const QByteArray requestId = requestIdFor({});
    response.headers.append({QByteArrayLiteral("X-Request-Id"), requestId});
    if (m_options.accessLog)
        m_options.accessLog(
            {requestId, QByteArray(), QByteArray(), QString(), status, 0, response.body.size()});
    refuse(response);
}

void HttpConnection::refuse(const HttpResponse &response)
{
    if (m_phase == Phase::Rejected)
        return;
    m_phase = Phase::Rejected;
    m_slow.stop();
    // Stop Qt's parser from seeing any more of this stream, and drop what it has buffered.
    disconnect(this, &QTcpSocket::readyRead, nullptr, nullptr);
    m_connectingOwnSlot = true;
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::discardIncoming);
    m_connectingOwnSlot = false;
    if (isTransactionStarted())
        commitTransaction();
    m_closeAfterQueue.clear();
    const quint64 seq = beginRequest();
    m_closeAfter[seq] = true;
    deliver(seq, response, false);
    discardIncoming();
}

void HttpConnection::discardIncoming()
{
    if (isTransactionStarted())
        commitTransaction();
    skip(bytesAvailable());
}

void HttpConnection::lingerThenClose()
{
    // Closing a socket with unread input makes the kernel send RST, and the client may lose
    // the error response. Half-close instead, keep draining, and abort after a grace period.
    m_lingering = true;
    auto halfClose = [this] {
        if (bytesToWrite() == 0 && state() == QAbstractSocket::ConnectedState) {
            flush();
            ::shutdown(int(socketDescriptor()), SHUT_WR);
        }
    };
    connect(this, &QTcpSocket::bytesWritten, this, halfClose);
    flush();
    halfClose();
    QTimer::singleShot(5000, this, [this] { abort(); });
}

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpconnection.h"

#include <QMetaMethod>

#include <sys/socket.h>

namespace Baton::Api {

namespace {

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

} // namespace

HttpConnection::HttpConnection(quint64 id, qint64 maxBodyBytes, qint64 maxHeaderBytes,
                               int idleTimeoutMs, QObject *parent)
    : QTcpSocket(parent)
    , m_id(id)
    , m_maxBody(maxBodyBytes)
    , m_maxHeader(maxHeaderBytes)
{
    // Connected before the HTTP server connects its own slot, so it runs first.
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::scanIncoming);
    m_idle.setSingleShot(true);
    m_idle.setInterval(idleTimeoutMs);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        if (m_nextWrite == m_nextAssign)
            abort();
        else
            m_idle.start();
    });
    m_idle.start();
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
    const bool close = m_closeAfter.take(seq) || response.header("Connection") == "close";
    m_ready.insert(seq, response.serialise(close, head));
    m_readyClose.insert(seq, close);
    flushInOrder();
}

void HttpConnection::flushInOrder()
{
    while (!m_ready.isEmpty() && m_ready.firstKey() == m_nextWrite && !m_lingering) {
        const QByteArray bytes = m_ready.take(m_nextWrite);
        const bool close = m_readyClose.take(m_nextWrite);
        ++m_nextWrite;
        if (state() != QAbstractSocket::ConnectedState)
            continue;
        write(bytes);
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
    if (m_phase == Phase::Upgraded || !isOpen() || bytesAvailable() <= 0)
        return;
    m_idle.start();
    const QByteArray data = peek(bytesAvailable());
    const char *p = data.constData();
    const qsizetype n = data.size();
    qsizetype i = 0;
    while (i < n) {
        switch (m_phase) {
        case Phase::Head: {
            if (m_head.isEmpty() && (p[i] == '\r' || p[i] == '\n')) {
                ++i; // empty lines between messages are allowed (RFC 9112 2.2)
                break;
            }
            const qsizetype before = m_head.size();
            m_head.append(p + i, qMin<qsizetype>(n - i, m_maxHeader + 4 - before));
            const qsizetype end = m_head.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
            if (end < 0) {
                if (m_head.size() > m_maxHeader) {
                    reject(431, QStringLiteral("bad_request"),
                           QStringLiteral("Request headers are too large."));
                    return;
                }
                i = n;
                break;
            }
            const qsizetype headLength = end + 4;
            i += headLength - before;
            const QByteArray head = m_head.left(headLength);
            m_head.clear();
            if (!examineHead(head))
                return;
            break;
        }
        case Phase::FixedBody:
        case Phase::ChunkData: {
            const qint64 take = qMin<qint64>(m_remaining, n - i);
            m_remaining -= take;
            i += take;
            if (m_remaining == 0) {
                if (m_phase == Phase::FixedBody) {
                    m_phase = Phase::Head;
                } else {
                    m_phase = Phase::ChunkDataEnd;
                    m_crlfLeft = 2;
                }
            }
            break;
        }
        case Phase::ChunkDataEnd:
            ++i;
            if (--m_crlfLeft == 0)
                m_phase = Phase::ChunkSize;
            break;
        case Phase::ChunkSize: {
            const char c = p[i++];
            if (c != '\n') {
                m_line.append(c);
                if (m_line.size() > 1024) {
                    reject(400, QStringLiteral("bad_request"), QStringLiteral("Malformed chunk."));
                    return;
                }
                break;
            }
            QByteArray sizeText = m_line.trimmed();
            m_line.clear();
            const qsizetype semicolon = sizeText.indexOf(';');
            if (semicolon >= 0)
                sizeText.truncate(semicolon);
            bool ok = false;
            const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0 || sizeText.trimmed().size() > 15) {
                reject(400, QStringLiteral("bad_request"), QStringLiteral("Malformed chunk size."));
                return;
            }
            if (size == 0) {
                m_phase = Phase::Trailer;
                m_trailerBytes = 0;
                break;
            }
            m_bodyTotal += size;
            if (m_bodyTotal > m_maxBody) {
                reject(413, QStringLiteral("payload_too_large"),
                       QStringLiteral("The request body is larger than %1 bytes.").arg(m_maxBody));
                return;
            }
            m_remaining = size;
            m_phase = Phase::ChunkData;
            break;
        }
        case Phase::Trailer: {
            const char c = p[i++];
            if (++m_trailerBytes > m_maxHeader) {
                reject(431, QStringLiteral("bad_request"), QStringLiteral("Trailers too large."));
                return;
            }
            if (c != '\n') {
                m_line.append(c);
                break;
            }
            const bool last = m_line.trimmed().isEmpty();
            m_line.clear();
            if (last)
                m_phase = Phase::Head;
            break;
        }
        case Phase::Upgraded:
        case Phase::Rejected:
            return;
        }
    }
}

bool HttpConnection::examineHead(const QByteArray &head)
{
    const QList<QByteArray> lines = head.left(head.size() - 4).split('\n');
    auto stripCr = [](QByteArray line) {
        if (line.endsWith('\r'))
            line.chop(1);
        return line;
    };
    const auto bad = [this](const QString &message) {
        reject(400, QStringLiteral("bad_request"), message);
        return false;
    };

    const QByteArray requestLine = stripCr(lines.first());
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() || hasControlOrSpace(parts[1])
        || (parts[1][0] != '/' && parts[1] != "*"))
        return bad(QStringLiteral("Malformed request line."));
    const QByteArray &version = parts[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return bad(QStringLiteral("Unsupported HTTP version."));

    bool keepAlive = version == "HTTP/1.1";
    bool chunked = false;
    bool upgradeWebSocket = false;
    bool expectContinue = false;
    qint64 contentLength = -1;
    for (qsizetype k = 1; k < lines.size(); ++k) {
        const QByteArray line = stripCr(lines[k]);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon)))
            return bad(QStringLiteral("Malformed header line."));
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        for (char c : value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return bad(QStringLiteral("Control character in a header."));
        if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || value.isEmpty() || value.size() > 18
                || (contentLength >= 0 && contentLength != length))
                return bad(QStringLiteral("Invalid Content-Length."));
            for (char c : value)
                if (c < '0' || c > '9')
                    return bad(QStringLiteral("Invalid Content-Length."));
            contentLength = length;
        } else if (name == "transfer-encoding") {
            if (value.toLower() != "chunked")
                return bad(QStringLiteral("Unsupported Transfer-Encoding."));
            chunked = true;
        } else if (name == "connection") {
            for (const QByteArray &token : value.toLower().split(',')) {
                if (token.trimmed() == "close")
                    keepAlive = false;
                else if (token.trimmed() == "keep-alive")
                    keepAlive = true;
            }
        } else if (name == "upgrade") {
            upgradeWebSocket = value.toLower() == "websocket";
        } else if (name == "expect") {
            expectContinue = value.toLower() == "100-continue";
        }
    }
    if (chunked && contentLength >= 0)
        return bad(QStringLiteral("Both Content-Length and Transfer-Encoding given."));
    if (contentLength > m_maxBody) {
        reject(413, QStringLiteral("payload_too_large"),
               QStringLiteral("The request body is larger than %1 bytes.").arg(m_maxBody));
        return false;
    }
    if (upgradeWebSocket && parts[0] == "GET") {
        // Qt's server takes the socket over for the WebSocket handshake.
        m_phase = Phase::Upgraded;
        m_idle.stop();
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

void HttpConnection::reject(int status, const QString &code, const QString &message)
{
    if (m_phase == Phase::Rejected)
        return;
    m_phase = Phase::Rejected;
    // Stop Qt's parser from seeing any more of this stream, and drop what it has buffered.
    disconnect(this, &QTcpSocket::readyRead, nullptr, nullptr);
    connect(this, &QTcpSocket::readyRead, this, &HttpConnection::discardIncoming);
    if (isTransactionStarted())
        commitTransaction();
    m_closeAfterQueue.clear();
    const quint64 seq = beginRequest();
    m_closeAfter[seq] = true;
    HttpResponse response = HttpResponse::error(status, code, message);
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

} // namespace Baton::Api

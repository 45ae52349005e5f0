// SPDX-License-Identifier: GPL-3.0-or-later
// The plugins' own HTTP/1.1 client for http:// (plugins/common/plainhttp.h, blockinghttp.h)
// against real local receivers on real sockets, each answering as a script says: an IPv6
// literal's Host, the one resend on a kept connection the server closed before answering and
// none after a partial answer, a redirect returned (not followed), interim 1xx answers read
// past, Retry-After and whose failure a refusal is, and an application proxy honoured.

#include "blockinghttp.h"

#include <QMutex>
#include <QNetworkProxy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <functional>
#include <memory>

using namespace Baton;
using namespace BatonPlugins;

namespace {

/// A receiver on its own thread (the client blocks the test's thread). Each whole request
/// (headers and Content-Length body) is recorded with the number of the connection it came
/// on, and `script(n)` for the n-th request (from 0) gives the bytes written back; an empty
/// answer closes the connection without a byte, and `closeAfter(n)` closes after writing.
class ScriptedReceiver
{
public:
    struct Request
    {
        int connection = 0;
        QByteArray head; ///< request line and headers
    };

    ScriptedReceiver(std::function<QByteArray(int)> script, std::function<bool(int)> closeAfter,
                     const QHostAddress &address = QHostAddress(QHostAddress::LocalHost))
        : m_script(std::move(script))
        , m_closeAfter(std::move(closeAfter))
    {
        m_thread.start();
        m_context = new QObject;
        m_context->moveToThread(&m_thread);
        QMetaObject::invokeMethod(
            m_context,
            [this, address] {
                m_server = new QTcpServer(m_context);
                QObject::connect(m_server, &QTcpServer::newConnection, m_context,
                                 [this] { accept(); });
                if (m_server->listen(address, 0))
                    m_port = m_server->serverPort();
            },
            Qt::BlockingQueuedConnection);
    }
    ~ScriptedReceiver()
    {
        QMetaObject::invokeMethod(
            m_context, [this] { delete m_context; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    quint16 port() const { return m_port; }
    QList<Request> requests() const
    {
        QMutexLocker lock(&m_mutex);
        return m_requests;
    }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            socket->setParent(m_context);
            const int connection = ++m_connections;
            auto buffer = std::make_shared<QByteArray>();
            QObject::connect(socket, &QTcpSocket::readyRead, socket,
                             [this, socket, buffer, connection] {
                                 *buffer += socket->readAll();
                                 while (socket->isOpen() && take(socket, *buffer, connection)) { }
                             });
        }
    }

    bool take(QTcpSocket *socket, QByteArray &buffer, int connection)
    {
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        const QByteArray head = buffer.left(headEnd);
        qsizetype length = 0;
        for (const QByteArray &line : head.split('\n'))
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        if (buffer.size() < headEnd + 4 + length)
            return false;
        buffer.remove(0, headEnd + 4 + length);
        int n = 0;
        {
            QMutexLocker lock(&m_mutex);
            n = int(m_requests.size());
            m_requests.append({connection, head});
        }
        const QByteArray answer = m_script(n);
        if (answer.isEmpty() || m_closeAfter(n)) {
            socket->write(answer);
            socket->flush();
            socket->disconnectFromHost();
            return false;
        }
        socket->write(answer);
        return true;
    }

    std::function<QByteArray(int)> m_script;
    std::function<bool(int)> m_closeAfter;
    QThread m_thread;
    QObject *m_context = nullptr;
    QTcpServer *m_server = nullptr;
    quint16 m_port = 0;
    int m_connections = 0; // receiver thread only
    mutable QMutex m_mutex;
    QList<Request> m_requests;
};

const QByteArray ok = QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

bool never(int)
{
    return false;
}

Result<HttpAnswer> post(const QString &url)
{
    QNetworkRequest request {QUrl(url)};
    request.setRawHeader("Baton-Delivery", "7.1.hook");
    return blockingRequest(request, "POST", QByteArrayLiteral("{}"), 5);
}

QString errorOf(const Result<HttpAnswer> &r)
{
    return r.ok() ? QString() : r.error();
}

} // namespace

class tst_PlainHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { plainhttp::threadConnection().socket.reset(); }
    void anIpv6LiteralIsBracketedInHost();
    void aKeptConnectionClosedBeforeAnyAnswerIsResentOnce();
    void aPartialAnswerIsNotResent();
    void aRedirectIsReturnedNotFollowed();
    void interimAnswersAreReadPast();
    void retryAfterAndWhoseFailureItIs();
    void anApplicationProxyIsHonoured();
};

void tst_PlainHttp::anIpv6LiteralIsBracketedInHost()
{
    ScriptedReceiver receiver([](int) { return ok; }, never,
                              QHostAddress(QHostAddress::LocalHostIPv6));
    if (receiver.port() == 0)
        QSKIP("no IPv6 loopback on this machine");
    const auto answer = post(QStringLiteral("http://[::1]:%1/hook").arg(receiver.port()));
    QVERIFY2(answer.ok(), qPrintable(errorOf(answer)));
    QCOMPARE(answer->status, 200);
    const QByteArray head = receiver.requests().value(0).head;
    QVERIFY2(
        head.contains(QByteArray("\r\nHost: [::1]:" + QByteArray::number(receiver.port()) + "\r")),
        head.constData());
}

// The server closes a kept connection just as the next request goes out (an idle timeout): the
// request is sent again once on a new connection — safe, a delivery carries its id.
void tst_PlainHttp::aKeptConnectionClosedBeforeAnyAnswerIsResentOnce()
{
    ScriptedReceiver receiver([](int n) { return n == 1 ? QByteArray() : ok; }, never);
    const QString url = QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port());
    QVERIFY2(post(url).ok(), "the first request");
    const auto second = post(url);
    QVERIFY2(second.ok(), qPrintable(errorOf(second)));
    QCOMPARE(second->status, 200);
    const auto requests = receiver.requests();
    QCOMPARE(requests.size(), 3);
    QCOMPARE(requests.at(0).connection, 1);
    QCOMPARE(requests.at(1).connection, 1); // closed without a byte of an answer
    QCOMPARE(requests.at(2).connection, 2); // sent again on a new connection
}

// Part of an answer came, then the connection closed: the server acted on the request, so it
// is not sent again; the failure is reported (and the outbox retries it later, by its id).
void tst_PlainHttp::aPartialAnswerIsNotResent()
{
    ScriptedReceiver receiver(
        [](int n) {
            return n == 1 ? QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok")
                          : ok;
        },
        [](int n) { return n == 1; });
    const QString url = QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port());
    QVERIFY2(post(url).ok(), "the first request");
    const auto second = post(url);
    QVERIFY2(!second.ok(), "a body cut short is a failure");
    QCOMPARE(second.failure().kind, ErrorKind::Unavailable);
    QCOMPARE(receiver.requests().size(), 2);
}

// A 3xx is the answer: not followed (a webhook's address is configured; a receiver that moved
// is for an admin to change), and a plugin makes it the message's failure with its status.
void tst_PlainHttp::aRedirectIsReturnedNotFollowed()
{
    ScriptedReceiver receiver(
        [](int) {
            return QByteArrayLiteral("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\n"
                                     "Content-Length: 0\r\n\r\n");
        },
        never);
    const auto answer = post(QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port()));
    QVERIFY2(answer.ok(), qPrintable(errorOf(answer)));
    QCOMPARE(answer->status, 301);
    QCOMPARE(receiver.requests().size(), 1);
    const Error refused = refusalOf(*answer, QStringLiteral("HTTP 301"));
    QCOMPARE(refused.kind, ErrorKind::Internal);
    QVERIFY(!isChannelFailure(refused));
}

void tst_PlainHttp::interimAnswersAreReadPast()
{
    ScriptedReceiver receiver(
        [](int) -> QByteArray {
            return QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                                     "Link: </a.css>\r\n\r\n")
                + ok;
        },
        never);
    const auto answer = post(QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port()));
    QVERIFY2(answer.ok(), qPrintable(errorOf(answer)));
    QCOMPARE(answer->status, 200);
    QCOMPARE(answer->body, QByteArrayLiteral("ok"));
}

// 503 and 429 are the channel's failures with the receiver's Retry-After (seconds or a date);
// 400 and 500 are the message's; a refused connection is the channel's.
void tst_PlainHttp::retryAfterAndWhoseFailureItIs()
{
    const QByteArray date = QDateTime::currentDateTimeUtc()
                                .addSecs(3600)
                                .toString(QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
                                .toLatin1();
    const QList<QByteArray> answers {
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: " + date + "\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 500 Internal Server Error\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n"};
    ScriptedReceiver receiver([&](int n) { return answers.value(n, ok); }, never);
    const QString url = QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port());
    QList<Error> refusals;
    for (int n = 0; n < answers.size(); ++n) {
        const auto answer = post(url);
        QVERIFY2(answer.ok(), qPrintable(errorOf(answer)));
        refusals << refusalOf(*answer, QStringLiteral("refused"));
    }
    QCOMPARE(refusals.at(0).kind, ErrorKind::Unavailable);
    QCOMPARE(refusals.at(0).fields.value(QLatin1String(retryAfterField)), QStringLiteral("120"));
    QCOMPARE(refusals.at(1).kind, ErrorKind::RateLimited);
    const qint64 seconds = refusals.at(1).fields.value(QLatin1String(retryAfterField)).toLongLong();
    QVERIFY2(seconds > 3500 && seconds <= 3600, qPrintable(QString::number(seconds)));
    QCOMPARE(refusals.at(2).kind, ErrorKind::Internal);
    QCOMPARE(refusals.at(3).kind, ErrorKind::Internal);
    QVERIFY(!refusals.at(3).fields.contains(QLatin1String(retryAfterField)));

    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();
    const auto refused = post(QStringLiteral("http://127.0.0.1:%1/hook").arg(port));
    QVERIFY(!refused.ok());
    QVERIFY(isChannelFailure(refused.failure()));
}

// With an application proxy set (as an embedding program would), an http:// request goes to
// the proxy (through Qt's manager), not to the host — a host with no address at all here (Qt
// goes direct to loopback addresses whatever the proxy, so the receiver cannot be one).
void tst_PlainHttp::anApplicationProxyIsHonoured()
{
    ScriptedReceiver proxy([](int) { return ok; }, never);
    QNetworkProxy::setApplicationProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxy.port()));
    const auto answer = post(QStringLiteral("http://hooks.baton.invalid/hook"));
    QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    QVERIFY2(answer.ok(), qPrintable(errorOf(answer)));
    QCOMPARE(answer->status, 200);
    const QByteArray head = proxy.requests().value(0).head;
    QVERIFY2(head.startsWith("POST http://hooks.baton.invalid/hook "), head.constData());
}

QTEST_GUILESS_MAIN(tst_PlainHttp)
#include "tst_plainhttp.moc"

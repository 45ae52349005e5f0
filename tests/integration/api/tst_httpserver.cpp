// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP layer on a real socket: limits enforced before buffering, malformed input, JSON
// body rules, answers in request order, static files.
#include "core/metrics.h"
#include "http/httpserver.h"
#include "http/jsonbody.h"
#include "http/router.h"

#include "allocationcount.h"
#include "http/staticfiles.h"
#include "rawhttp.h"

#include <QFile>
#include <QMutex>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <optional>
#include <thread>

using namespace Baton::Http;
using Baton::Test::allocationsOf;

namespace {

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return 0;
}

/// Every status the server answers on one connection until it closes it (or goes quiet).
QList<int> statusesUntilClosed(QTcpSocket &socket, int quietMs = 3000)
{
    QList<int> statuses;
    QByteArray buffer;
    for (;;) {
        const RawResponse response = readResponse(socket, buffer, quietMs);
        if (response.status == 0)
            return statuses;
        statuses.append(response.status);
        if (response.header("Connection") == "close")
            return statuses;
    }
}

/// Writes `bytes` one small piece at a time, `everyMs` apart, until the server answers or
/// closes, or `maxMs` passed. True when the server answered.
bool trickle(QTcpSocket &socket, const QByteArray &bytes, int piece, int everyMs, int maxMs)
{
    QElapsedTimer timer;
    timer.start();
    for (qsizetype at = 0; at < bytes.size() && timer.elapsed() < maxMs; at += piece) {
        socket.write(bytes.mid(at, piece));
        socket.waitForBytesWritten(1000);
        if (socket.waitForReadyRead(everyMs) || socket.bytesAvailable() > 0)
            return true;
        if (socket.state() != QAbstractSocket::ConnectedState)
            return false;
    }
    return socket.waitForReadyRead(qMax<qint64>(0, maxMs - timer.elapsed()));
}

const QByteArray validHandshake
    = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";

} // namespace

class tst_HttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void everyResponseCarriesSecurityHeaders();
    void contentLengthOverLimitIs413WithoutReadingBody();
    void hundredMegabyteBodyIsRefusedEarlyAndMemoryStaysBounded();
    void chunkedBodyOverLimitIs413();
    void chunkedBodyWithinLimitReachesHandler();
    void malformedRequests_data();
    void malformedRequests();
    void serverKeepsServingAfterBadInput();
    void jsonBodies_data();
    void jsonBodies();
    void answersKeepRequestOrderWhenAnsweredLater();
    void droppedResponderAnswers500();
    void metricsCountRequestsByRouteAndStatus();
    void keepAliveServesManyRequestsOnOneConnection();

    // Issue 13: limits hold on every connection, slow clients, framing agreed with Qt.
    void upgradeWithoutHandshakeKeepsTheLimits();
    void webSocketHandshakes_data();
    void webSocketHandshakes();
    void slowHeadersAre408();
    void slowBodyIs408();
    void steadyBodyIsServed();
    void framingAgreesWithQt_data();
    void framingAgreesWithQt();
    void pipelinedBodySplitAcrossReadsIsScannedOnce();

    void router_data();
    void router();
    void routingAllocatesOnlyTheChosenRoutesParameters();
    void staticFiles_data();
    void staticFiles();
    void staticFilesWithoutBuiltUi();
    void staticFilesSendTheCompressedCopy_data();
    void staticFilesSendTheCompressedCopy();
    void utf8Validation_data();
    void utf8Validation();

private:
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
    std::unique_ptr<HttpServer> m_strict; ///< short time limits, a WebSocket handler
    quint16 m_strictPort = 0;
    QMutex m_mutex;
    std::optional<HttpResponder> m_parked;
    QByteArray m_lastBody;
};

void tst_HttpServer::initTestCase()
{
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.maxBodyBytes = 1024 * 1024;
    m_server = std::make_unique<HttpServer>(
        options, [this](HttpRequest &&request, HttpResponder responder) {
            responder.setRouteLabel(request.path.toUtf8().left(20));
            if (request.path == u"/echo") {
                QJsonObject body;
                if (auto error = parseJsonObjectBody(request, &body))
                    return responder.send(error->toResponse());
                JsonReader reader(body);
                const auto name = reader.string(QStringLiteral("name"), JsonReader::Required);
                const auto count = reader.integer(QStringLiteral("count"));
                const auto tags = reader.stringList(QStringLiteral("tags"));
                if (auto error = reader.finish())
                    return responder.send(error->toResponse());
                return responder.send(
                    HttpResponse::json(200,
                                       QJsonObject {{QStringLiteral("name"), *name},
                                                    {QStringLiteral("count"), count.value_or(0)}}));
            }
            if (request.path == u"/size") {
                {
                    QMutexLocker lock(&m_mutex);
                    m_lastBody = request.body;
                }
                return responder.send(HttpResponse::json(
                    200, QJsonObject {{QStringLiteral("size"), qint64(request.body.size())}}));
            }
            if (request.path == u"/slow") { // answered when /fast comes
                QMutexLocker lock(&m_mutex);
                m_parked.emplace(std::move(responder));
                return;
            }
            if (request.path == u"/fast") {
                responder.send(HttpResponse::json(
                    200, QJsonObject {{QStringLiteral("n"), QStringLiteral("fast")}}));
                std::optional<HttpResponder> parked;
                {
                    QMutexLocker lock(&m_mutex);
                    parked.swap(m_parked);
                }
                if (parked) {
                    // Answer the earlier request from another thread, after the later one.
                    std::thread([p = std::move(*parked)]() mutable {
                        p.send(HttpResponse::json(
                            200, QJsonObject {{QStringLiteral("n"), QStringLiteral("slow")}}));
                    }).join();
                }
                return;
            }
            if (request.path == u"/drop")
                return; // responder destroyed unanswered
            responder.send(
                HttpResponse::json(200, QJsonObject {{QStringLiteral("path"), request.path}}));
        });
    const auto port = m_server->start();
    if (!port.ok())
        QFAIL(qPrintable(port.error()));
    m_port = *port;
    QVERIFY(m_port != 0);

    HttpServerOptions strict;
    strict.port = 0;
    strict.threads = 1;
    strict.headerTimeoutMs = 1000;
    strict.bodyGraceMs = 500;
    strict.bodyRateWindowMs = 500;
    strict.minBodyBytesPerSecond = 1000;
    m_strict = std::make_unique<HttpServer>(
        strict,
        [](HttpRequest &&request, HttpResponder responder) {
            responder.send(HttpResponse::json(
                200,
                QJsonObject {{QStringLiteral("path"), request.path},
                             {QStringLiteral("size"), qint64(request.body.size())}}));
        },
        [](std::unique_ptr<QWebSocket> socket) {
            QWebSocket *ws = socket.release();
            QObject::connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
            ws->sendTextMessage(QStringLiteral("hello"));
        });
    const auto strictPort = m_strict->start();
    if (!strictPort.ok())
        QFAIL(qPrintable(strictPort.error()));
    m_strictPort = *strictPort;
}

void tst_HttpServer::cleanupTestCase()
{
    m_strict.reset();
    m_server.reset();
}

void tst_HttpServer::everyResponseCarriesSecurityHeaders()
{
    for (const QByteArray &target : {QByteArray("/hello"), QByteArray("/echo")}) {
        const RawResponse response = rawRequest(m_port, httpRequest("GET", target));
        QVERIFY(response.status != 0);
        QVERIFY(response.header("Content-Security-Policy").startsWith("default-src 'self'"));
        QVERIFY(!response.header("Content-Security-Policy")
                     .contains("script-src 'self' 'unsafe-inline'"));
        QCOMPARE(response.header("X-Content-Type-Options"), QByteArray("nosniff"));
        QCOMPARE(response.header("X-Frame-Options"), QByteArray("DENY"));
        QVERIFY(!response.header("Referrer-Policy").isEmpty());
    }
}

void tst_HttpServer::contentLengthOverLimitIs413WithoutReadingBody()
{
    // Only the headers are sent: the answer must come without the body.
    const RawResponse response
        = rawRequest(m_port,
                     "POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 1048577\r\n\r\n");
    QCOMPARE(response.status, 413);
    QCOMPARE(response.errorCode(), QStringLiteral("payload_too_large"));
    QVERIFY(response.json()
                .value(QLatin1String("error"))
                .toObject()
                .contains(QLatin1String("details")));
}

void tst_HttpServer::hundredMegabyteBodyIsRefusedEarlyAndMemoryStaysBounded()
{
    const qint64 before = residentKiB();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(5000));
    const qint64 total = 100LL * 1024 * 1024;
    socket.write("POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: "
                 + QByteArray::number(total) + "\r\n\r\n");
    const QByteArray chunk(64 * 1024, 'a');
    qint64 sent = 0;
    // The declared length is refused at once; keep sending until the answer is seen.
    while (sent < total && socket.bytesAvailable() == 0
           && socket.state() == QAbstractSocket::ConnectedState) {
        socket.write(chunk);
        socket.waitForBytesWritten(1000);
        sent += chunk.size();
        socket.waitForReadyRead(0);
    }
    QByteArray buffer;
    const RawResponse response = readResponse(socket, buffer);
    QCOMPARE(response.status, 413);
    QVERIFY2(sent < total, "the server should answer before the whole body was sent");

    // A chunked 100 MB body has no length up front: it is counted while read.
    QTcpSocket chunked;
    chunked.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(chunked.waitForConnected(5000));
    chunked.write("POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
    sent = 0;
    const QByteArray piece = QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    while (sent < total && chunked.bytesAvailable() == 0
           && chunked.state() == QAbstractSocket::ConnectedState) {
        chunked.write(piece);
        chunked.waitForBytesWritten(1000);
        sent += chunk.size();
        chunked.waitForReadyRead(0);
    }
    buffer.clear();
    const RawResponse chunkedResponse = readResponse(chunked, buffer);
    QCOMPARE(chunkedResponse.status, 413);
    QVERIFY(sent < total);
    const qint64 after = residentKiB();
    QVERIFY2(after - before < 40 * 1024,
             qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(after - before)));
}

void tst_HttpServer::chunkedBodyOverLimitIs413()
{
    QByteArray request = "POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n";
    const QByteArray chunk(600 * 1024, 'b');
    for (int i = 0; i < 2; ++i)
        request += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    request += "0\r\n\r\n";
    const RawResponse response = rawRequest(m_port, request);
    QCOMPARE(response.status, 413);
    QCOMPARE(response.errorCode(), QStringLiteral("payload_too_large"));
}

void tst_HttpServer::chunkedBodyWithinLimitReachesHandler()
{
    const QByteArray request
        = "POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Transfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
    const RawResponse response = rawRequest(m_port, request);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.json().value(QLatin1String("size")).toInt(), 11);
    QMutexLocker lock(&m_mutex);
    QCOMPARE(m_lastBody, QByteArray("hello world"));
}

void tst_HttpServer::malformedRequests_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::newRow("request line without version is 400") << QByteArray("GET /\r\n\r\n") << 400;
    QTest::newRow("request line with extra words is 400")
        << QByteArray("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("unknown protocol version is 400")
        << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("garbage is 400") << QByteArray("\x01\x02\x03\x04 garbage\r\n\r\n") << 400;
    QTest::newRow("header line without colon is 400")
        << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n") << 400;
    QTest::newRow("negative content length is 400")
        << QByteArray("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n") << 400;
    QTest::newRow("conflicting content lengths are 400") << QByteArray(
        "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                                                         << 400;
    QTest::newRow("content length with chunked is 400")
        << QByteArray("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n0\r\n\r\n")
        << 400;
    QTest::newRow("unknown transfer encoding is 400")
        << QByteArray("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") << 400;
    QTest::newRow("bad chunk size is 400")
        << QByteArray("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        << 400;
    QTest::newRow("header block over 32 KiB is 431")
        << (QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ") + QByteArray(40 * 1024, 'x')
            + "\r\n\r\n")
        << 431;
}

void tst_HttpServer::malformedRequests()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    const RawResponse response = rawRequest(m_port, bytes);
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("Connection"), QByteArray("close"));
    QCOMPARE(response.json()
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("code"))
                 .isString(),
             true);
}

void tst_HttpServer::serverKeepsServingAfterBadInput()
{
    rawRequest(m_port, "\x01\x02 nonsense\r\n\r\n");
    rawRequest(m_port, "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
    const RawResponse response = rawRequest(m_port, httpRequest("GET", "/still-here"));
    QCOMPARE(response.status, 200);
}

void tst_HttpServer::jsonBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("badField");
    const QByteArray json = "application/json";
    QTest::newRow("valid object is accepted")
        << QByteArray(R"({"name":"amy","count":3})") << json << 200 << QString();
    QTest::newRow("invalid JSON is 400") << QByteArray(R"({"name":)") << json << 400 << QString();
    QTest::newRow("an array is 400") << QByteArray(R"(["name"])") << json << 400 << QString();
    QTest::newRow("invalid UTF-8 is 400")
        << QByteArray("{\"name\":\"a\xff\xfe\"}") << json << 400 << QString();
    QTest::newRow("overlong UTF-8 is 400")
        << QByteArray("{\"name\":\"\xc0\xaf\"}") << json << 400 << QString();
    QTest::newRow("wrong type is 400 naming the field")
        << QByteArray(R"({"name":5})") << json << 400 << QStringLiteral("name");
    QTest::newRow("fractional integer is 400")
        << QByteArray(R"({"name":"a","count":1.5})") << json << 400 << QStringLiteral("count");
    QTest::newRow("array of non-strings is 400")
        << QByteArray(R"({"name":"a","tags":[1]})") << json << 400 << QStringLiteral("tags");
    QTest::newRow("unknown field is 400 naming it")
        << QByteArray(R"({"name":"a","nmae":"b"})") << json << 400 << QStringLiteral("nmae");
    QTest::newRow("missing required field is 422 naming it")
        << QByteArray(R"({"count":1})") << json << 422 << QStringLiteral("name");
    QTest::newRow("form encoding is 415")
        << QByteArray("name=amy") << QByteArray("application/x-www-form-urlencoded") << 415
        << QString();
    QTest::newRow("text/plain is 415")
        << QByteArray(R"({"name":"amy"})") << QByteArray("text/plain") << 415 << QString();
    // Media types are compared whole: a type that merely starts with application/json is
    // another type; parameters after ';' and case do not matter.
    QTest::newRow("application/jsonfoo is 415")
        << QByteArray(R"({"name":"amy"})") << QByteArray("application/jsonfoo") << 415 << QString();
    QTest::newRow("application/json-patch+json is 415")
        << QByteArray(R"({"name":"amy"})") << QByteArray("application/json-patch+json") << 415
        << QString();
    QTest::newRow("application/json with a charset is accepted")
        << QByteArray(R"({"name":"amy"})") << QByteArray("application/json; charset=utf-8") << 200
        << QString();
    QTest::newRow("media type case and spaces do not matter")
        << QByteArray(R"({"name":"amy"})") << QByteArray("Application/JSON ;charset=UTF-8") << 200
        << QString();
    // JSON text forbids raw control characters in strings (RFC 8259 §7); Qt's parser takes
    // them, NUL included.
    QTest::newRow("raw NUL byte in a string is 400")
        << QByteArray("{\"name\":\"a\0b\"}", 14) << json << 400 << QString();
    QTest::newRow("raw NUL byte after the object is 400")
        << QByteArray("{\"name\":\"a\"}\0", 13) << json << 400 << QString();
    QTest::newRow("raw control character in a string is 400")
        << QByteArray("{\"name\":\"a\x01\"}") << json << 400 << QString();
    QTest::newRow("raw newline in a string is 400")
        << QByteArray("{\"name\":\"a\nb\"}") << json << 400 << QString();
    QTest::newRow("whitespace between tokens is accepted")
        << QByteArray("{\r\n\t\"name\" : \"a\"\n}") << json << 200 << QString();
    // Lone surrogates: the raw UTF-8 encoding is invalid UTF-8; the escapes parse in Qt into a
    // QString holding an unpaired surrogate, which is no Unicode text at all.
    QTest::newRow("raw UTF-8 surrogate is 400")
        << QByteArray("{\"name\":\"\xed\xa0\x80\"}") << json << 400 << QString();
    QTest::newRow("lone high surrogate escape is 400")
        << QByteArray(R"({"name":"\ud800"})") << json << 400 << QStringLiteral("name");
    QTest::newRow("lone low surrogate escape is 400")
        << QByteArray(R"({"name":"x\udc00y"})") << json << 400 << QStringLiteral("name");
    QTest::newRow("high surrogate escape before another escape is 400")
        << QByteArray(R"({"name":"\ud800\u0041"})") << json << 400 << QStringLiteral("name");
    QTest::newRow("lone surrogate escape in a key is 400")
        << QByteArray(R"({"name":"a","\udbff":1})") << json << 400 << QStringLiteral("\\udbff");
    QTest::newRow("surrogate pair escape is accepted")
        << QByteArray(R"({"name":"\ud83d\ude00"})") << json << 200 << QString();
    // U+0000 cannot be stored (PostgreSQL text refuses it), so it is refused at the edge,
    // naming where it was.
    QTest::newRow("escaped NUL in a value is 400 naming the field")
        << QByteArray(R"({"name":"a\u0000b"})") << json << 400 << QStringLiteral("name");
    QTest::newRow("escaped NUL in an array item is 400 naming its path")
        << QByteArray(R"({"name":"a","tags":["x","\u0000"]})") << json << 400
        << QStringLiteral("tags[1]");
    QTest::newRow("escaped NUL in a nested key is 400 naming its path")
        << QByteArray(R"({"name":"a","tags":[{"k\u0000":1}]})") << json << 400
        << QStringLiteral("tags[0].k\\u0000");
}

void tst_HttpServer::jsonBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, badField);
    const RawResponse response
        = rawRequest(m_port, httpRequest("POST", "/echo", body, {{"Content-Type", contentType}}));
    QCOMPARE(response.status, status);
    if (status >= 400) {
        const QJsonObject error = response.json().value(QLatin1String("error")).toObject();
        QCOMPARE(error.value(QLatin1String("code")).toString(),
                 status == 422       ? QStringLiteral("validation_failed")
                     : status == 415 ? QStringLiteral("unsupported_media_type")
                                     : QStringLiteral("bad_request"));
        QVERIFY(!error.value(QLatin1String("message")).toString().isEmpty());
        if (!badField.isEmpty())
            QVERIFY2(error.value(QLatin1String("details"))
                         .toObject()
                         .value(QLatin1String("fields"))
                         .toObject()
                         .contains(badField),
                     response.body.constData());
    }
}

void tst_HttpServer::answersKeepRequestOrderWhenAnsweredLater()
{
    // Pipelined: /slow is answered (from another thread) only after /fast was answered;
    // the client must still get /slow's answer first.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(5000));
    socket.write(httpRequest("GET", "/slow"));
    socket.waitForBytesWritten(1000);
    // Give the server the first request on its own before the second (no pipelining parse
    // ambiguity in Qt's parser); its answer is parked.
    QByteArray buffer;
    QTRY_VERIFY([this] {
        QMutexLocker lock(&m_mutex);
        return m_parked.has_value();
    }());
    socket.write(httpRequest("GET", "/fast"));
    const RawResponse first = readResponse(socket, buffer);
    const RawResponse second = readResponse(socket, buffer);
    QCOMPARE(first.json().value(QLatin1String("n")).toString(), QStringLiteral("slow"));
    QCOMPARE(second.json().value(QLatin1String("n")).toString(), QStringLiteral("fast"));
}

void tst_HttpServer::droppedResponderAnswers500()
{
    const RawResponse response = rawRequest(m_port, httpRequest("GET", "/drop"));
    QCOMPARE(response.status, 500);
    QCOMPARE(response.errorCode(), QStringLiteral("internal"));
}

void tst_HttpServer::metricsCountRequestsByRouteAndStatus()
{
    const QByteArray labels = Baton::Metrics::label("route", "/metrics-probe") + ','
        + Baton::Metrics::label("status", "200");
    const double before = Baton::Metrics::global().value("baton_http_requests_total", labels);
    QCOMPARE(rawRequest(m_port, httpRequest("GET", "/metrics-probe")).status, 200);
    QCOMPARE(Baton::Metrics::global().value("baton_http_requests_total", labels), before + 1);
    const QByteArray text = Baton::Metrics::global().render();
    QVERIFY(text.contains("# TYPE baton_http_requests_total counter"));
    QVERIFY(text.contains(
        "baton_http_request_duration_seconds_bucket{route=\"/metrics-probe\",le=\"+Inf\"}"));
}

void tst_HttpServer::keepAliveServesManyRequestsOnOneConnection()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(socket.waitForConnected(5000));
    QByteArray buffer;
    for (int i = 0; i < 20; ++i) {
        socket.write(httpRequest("POST", "/echo", R"({"name":"n)" + QByteArray::number(i) + "\"}"));
        const RawResponse response = readResponse(socket, buffer);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QLatin1String("name")).toString(),
                 QStringLiteral("n%1").arg(i));
    }
    // HTTP/1.0 without keep-alive and Connection: close both end the connection.
    socket.write("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const RawResponse last = readResponse(socket, buffer);
    QCOMPARE(last.status, 200);
    QCOMPARE(last.header("Connection"), QByteArray("close"));
    QVERIFY(socket.state() == QAbstractSocket::UnconnectedState
            || socket.waitForDisconnected(5000));
}

void tst_HttpServer::router_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("pattern");
    QTest::addColumn<bool>("methodMismatch");
    QTest::addColumn<QString>("param");
    QTest::newRow("literal beats parameter")
        << QByteArray("POST") << QStringLiteral("/api/v1/workflows/validate")
        << QByteArray("/api/v1/workflows/validate") << false << QString();
    QTest::newRow("parameter captured")
        << QByteArray("GET") << QStringLiteral("/api/v1/workflows/refund")
        << QByteArray("/api/v1/workflows/{name}") << false << QStringLiteral("refund");
    QTest::newRow("HEAD matches GET")
        << QByteArray("HEAD") << QStringLiteral("/api/v1/workflows/refund")
        << QByteArray("/api/v1/workflows/{name}") << false << QStringLiteral("refund");
    QTest::newRow("other method on known path is a mismatch")
        << QByteArray("DELETE") << QStringLiteral("/api/v1/workflows/refund") << QByteArray()
        << true << QString();
    QTest::newRow("unknown path matches nothing")
        << QByteArray("GET") << QStringLiteral("/api/v1/nothing") << QByteArray() << false
        << QString();
}

void tst_HttpServer::router()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, pattern);
    QFETCH(bool, methodMismatch);
    QFETCH(QString, param);
    Router router;
    router.add("GET", QStringLiteral("/api/v1/workflows/{name}"));
    router.add("PUT", QStringLiteral("/api/v1/workflows/{name}"));
    router.add("POST", QStringLiteral("/api/v1/workflows/validate"));
    router.add("POST", QStringLiteral("/api/v1/workflows/{name}"));
    const Router::Match match = router.match(method, path);
    QCOMPARE(match.pattern, pattern);
    QCOMPARE(match.route < 0 && match.pathMatched, methodMismatch);
    if (!param.isEmpty())
        QCOMPARE(match.params.value(QStringLiteral("name")), param);
}

void tst_HttpServer::routingAllocatesOnlyTheChosenRoutesParameters()
{
    // Every request is matched against every route (issue 20: routing was 1.3% of the server's
    // CPU per action): only the chosen route's parameters may allocate, a hash and a string
    // each — not the path's segments, nor a hash for every candidate of the same length.
    Router router;
    for (const char *pattern :
         {"/api/v1/tickets", "/api/v1/tickets/{id}", "/api/v1/tickets/{id}/claim",
          "/api/v1/tickets/{id}/assign", "/api/v1/tickets/{id}/comments",
          "/api/v1/tickets/{id}/attachments", "/api/v1/tickets/{id}/attachments/{attachment}",
          "/api/v1/workflows/{name}/versions/{n}", "/api/v1/users/{username}/away"}) {
        router.add("GET", QString::fromLatin1(pattern));
        router.add("POST", QString::fromLatin1(pattern));
    }
    router.add("POST", QStringLiteral("/api/v1/tickets/{id}/actions/{action}"));
    const QString path = QStringLiteral("/api/v1/tickets/42/actions/approve");
    Router::Match match;
    const long long blocks = allocationsOf([&] { match = router.match("POST", path); });
    QCOMPARE(match.pattern, QByteArray("/api/v1/tickets/{id}/actions/{action}"));
    QCOMPARE(match.params.value(QStringLiteral("id")), QStringLiteral("42"));
    QCOMPARE(match.params.value(QStringLiteral("action")), QStringLiteral("approve"));
    QCOMPARE_LE(blocks, 6);
}

namespace {

/// Writes `files` (path relative to `dir` -> content) into `dir`, with a web/assets folder.
bool writeWebRoot(const QTemporaryDir &dir, const QList<QPair<QString, QByteArray>> &files)
{
    if (!dir.isValid() || !QDir(dir.path()).mkpath(QStringLiteral("web/assets")))
        return false;
    for (const auto &[name, content] : files) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
            return false;
    }
    return true;
}

/// A GET of `path` from the static files under `root`, with `headers`.
HttpResponse getStatic(const QString &root, const QString &path,
                       const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    StaticFiles files(root);
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.headers = headers;
    return files.serve(request);
}

} // namespace

void tst_HttpServer::staticFiles_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("bodyStart");
    QTest::addColumn<QByteArray>("cache");
    const QByteArray html = "text/html; charset=utf-8";
    QTest::newRow("root is index.html")
        << QStringLiteral("/") << 200 << html << QByteArray("<!doctype html><p>ui")
        << QByteArray("no-cache");
    QTest::newRow("app route falls back to index.html")
        << QStringLiteral("/queues/cs-agents") << 200 << html << QByteArray("<!doctype html><p>ui")
        << QByteArray("no-cache");
    QTest::newRow("hashed asset is cached long")
        << QStringLiteral("/assets/app-3f2a1c.js") << 200
        << QByteArray("text/javascript; charset=utf-8") << QByteArray("console")
        << QByteArray("public, max-age=31536000, immutable");
    QTest::newRow("stylesheet has its type")
        << QStringLiteral("/assets/app-3f2a1c.css") << 200 << QByteArray("text/css; charset=utf-8")
        << QByteArray("body") << QByteArray("public, max-age=31536000, immutable");
    QTest::newRow("missing asset is 404")
        << QStringLiteral("/assets/nope.js") << 404 << QByteArray("application/json")
        << QByteArray("{") << QByteArray();
    QTest::newRow("dot-dot cannot leave the root")
        << QStringLiteral("/../secret.txt") << 404 << QByteArray("application/json")
        << QByteArray("{") << QByteArray();
    QTest::newRow("dot-dot inside assets cannot leave the root")
        << QStringLiteral("/assets/../../secret.txt") << 404 << QByteArray("application/json")
        << QByteArray("{") << QByteArray();
    QTest::newRow("backslash is refused")
        << QStringLiteral("/..\\secret.txt") << 404 << QByteArray("application/json")
        << QByteArray("{") << QByteArray();
    QTest::newRow("hidden files are refused")
        << QStringLiteral("/.env") << 404 << QByteArray("application/json") << QByteArray("{")
        << QByteArray();
}

void tst_HttpServer::staticFiles()
{
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, bodyStart);
    QFETCH(QByteArray, cache);
    QTemporaryDir dir;
    QVERIFY(writeWebRoot(dir,
                         {{QStringLiteral("secret.txt"), "secret"},
                          {QStringLiteral("web/.env"), "secret"},
                          {QStringLiteral("web/index.html"), "<!doctype html><p>ui</p>"},
                          {QStringLiteral("web/assets/app-3f2a1c.js"), "console.log(1)"},
                          {QStringLiteral("web/assets/app-3f2a1c.css"), "body{}"}}));
    const HttpResponse response = getStatic(dir.filePath(QStringLiteral("web")), path);
    QCOMPARE(response.status, status);
    QCOMPARE(response.header("Content-Type"), contentType);
    QVERIFY2(response.body.startsWith(bodyStart), response.body.constData());
    QVERIFY(!response.body.contains("secret"));
    QCOMPARE(response.header("Cache-Control").isEmpty()
                 ? QByteArray()
                 : (status == 200 ? response.header("Cache-Control") : QByteArray()),
             cache);
}

void tst_HttpServer::staticFilesWithoutBuiltUi()
{
    StaticFiles files(QStringLiteral(":/no-such-root"));
    HttpRequest request;
    request.method = "GET";
    request.path = QStringLiteral("/");
    const HttpResponse response = files.serve(request);
    QCOMPARE(response.status, 200);
    QVERIFY(response.body.contains("not built"));
    QVERIFY(!response.body.contains("<script"));
}

void tst_HttpServer::staticFilesSendTheCompressedCopy_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("acceptEncoding");
    QTest::addColumn<QByteArray>("coding"); // the Content-Encoding sent, empty: the file itself
    QTest::addColumn<bool>("varies");
    const QString js = QStringLiteral("/assets/app-3f2a1c.js");
    QTest::newRow("a browser's list: brotli")
        << js << QByteArray("gzip, deflate, br") << QByteArray("br") << true;
    QTest::newRow("gzip only") << js << QByteArray("gzip") << QByteArray("gzip") << true;
    QTest::newRow("any coding") << js << QByteArray("*") << QByteArray("br") << true;
    QTest::newRow("upper case, weighted")
        << js << QByteArray("GZIP;q=0.8") << QByteArray("gzip") << true;
    QTest::newRow("brotli refused by q=0")
        << js << QByteArray("br;q=0, gzip") << QByteArray("gzip") << true;
    QTest::newRow("no header") << js << QByteArray() << QByteArray() << true;
    QTest::newRow("both refused") << js << QByteArray("gzip;q=0, br;q=0.0") << QByteArray() << true;
    QTest::newRow("only others") << js << QByteArray("deflate, zstd") << QByteArray() << true;
    QTest::newRow("only a gzip copy") << QStringLiteral("/assets/small.js")
                                      << QByteArray("br, gzip") << QByteArray("gzip") << true;
    QTest::newRow("index.html of an app route")
        << QStringLiteral("/queues/x") << QByteArray("br") << QByteArray("br") << true;
    QTest::newRow("a file without copies") << QStringLiteral("/assets/app-3f2a1c.css")
                                           << QByteArray("br, gzip") << QByteArray() << false;
}

void tst_HttpServer::staticFilesSendTheCompressedCopy()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, acceptEncoding);
    QFETCH(QByteArray, coding);
    QFETCH(bool, varies);
    QTemporaryDir dir;
    QVERIFY(writeWebRoot(dir,
                         {{QStringLiteral("web/index.html"), "<!doctype html><p>ui</p>"},
                          {QStringLiteral("web/index.html.gz"), "gzip index"},
                          {QStringLiteral("web/index.html.br"), "br index"},
                          {QStringLiteral("web/assets/app-3f2a1c.js"), "console.log(1)"},
                          {QStringLiteral("web/assets/app-3f2a1c.js.gz"), "gzip script"},
                          {QStringLiteral("web/assets/app-3f2a1c.js.br"), "br script"},
                          {QStringLiteral("web/assets/small.js"), "console.log(2)"},
                          {QStringLiteral("web/assets/small.js.gz"), "gzip small"},
                          {QStringLiteral("web/assets/app-3f2a1c.css"), "body{}"}}));
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!acceptEncoding.isEmpty())
        headers.append({QByteArray("Accept-Encoding"), acceptEncoding});
    const HttpResponse response = getStatic(dir.filePath(QStringLiteral("web")), path, headers);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("Content-Encoding"), coding);
    if (coding.isEmpty())
        QVERIFY2(!response.body.startsWith("gzip") && !response.body.startsWith("br"),
                 response.body.constData());
    else
        QVERIFY2(response.body.startsWith(QByteArray(coding + ' ')), response.body.constData());
    QCOMPARE(response.header("Vary"), varies ? QByteArray("Accept-Encoding") : QByteArray());
    // The type is the file's, not the copy's.
    QVERIFY(!response.header("Content-Type").contains("octet-stream"));
}

void tst_HttpServer::utf8Validation_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ASCII") << QByteArray("plain") << true;
    QTest::newRow("two-byte umlaut") << QByteArray("\xc3\xbc") << true;
    QTest::newRow("four-byte emoji") << QByteArray("\xf0\x9f\x98\x80") << true;
    QTest::newRow("lone continuation byte") << QByteArray("\x80") << false;
    QTest::newRow("truncated sequence") << QByteArray("\xe2\x82") << false;
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("UTF-16 surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("beyond U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << false;
}

void tst_HttpServer::utf8Validation()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
}

void tst_HttpServer::upgradeWithoutHandshakeKeepsTheLimits()
{
    // quality.md: "attack with Upgrade: + 3 x 150 MB bodies: RSS + <= 20 MB". An Upgrade header
    // without a complete handshake used to switch the checking layer off; Qt did not upgrade
    // and buffered the following "request line" without limit.
    const qint64 before = residentKiB();
    const qint64 total = 150LL * 1024 * 1024;
    const QByteArray chunk(64 * 1024, 'a'); // no line end: one endless request line
    const QList<QByteArray> openings {
        "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
        "POST /size HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nTransfer-Encoding: "
        "chunked\r\n\r\n",
        "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\n\r\n",
    };
    for (const QByteArray &opening : openings) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write(opening);
        qint64 sent = 0;
        while (sent < total && socket.bytesAvailable() == 0
               && socket.state() == QAbstractSocket::ConnectedState) {
            socket.write(chunk);
            socket.waitForBytesWritten(1000);
            sent += chunk.size();
            socket.waitForReadyRead(0);
        }
        QByteArray buffer;
        const RawResponse response = readResponse(socket, buffer, 3000);
        QCOMPARE(response.status, 400);
        QVERIFY2(sent < total, "the server should answer before 150 MB were sent");
    }
    const qint64 grown = residentKiB() - before;
    QVERIFY2(grown < 20 * 1024, qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(grown)));
}

void tst_HttpServer::webSocketHandshakes_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    const QByteArray key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    QTest::newRow("complete handshake upgrades") << validHandshake + "\r\n" << 101;
    QTest::newRow("with a query string")
        << QByteArray(validHandshake).replace("/api/v1/stream", "/api/v1/stream?token=abc") + "\r\n"
        << 101;
    QTest::newRow("connection token list") << QByteArray(validHandshake)
                                                  .replace("Connection: Upgrade",
                                                           "Connection: keep-alive, Upgrade")
            + "\r\n" << 101;
    QTest::newRow("without Connection: Upgrade")
        << QByteArray(validHandshake).replace("Connection: Upgrade\r\n", "") + "\r\n"
        << 400;
    QTest::newRow("without key") << QByteArray(validHandshake).replace(key, "") + "\r\n" << 400;
    QTest::newRow("key of 10 bytes")
        << QByteArray(validHandshake).replace(key, "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n")
            + "\r\n"
        << 400;
    QTest::newRow("key not base64")
        << QByteArray(validHandshake)
                .replace(key, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j!!==\r\n")
            + "\r\n"
        << 400;
    QTest::newRow("version 8") << QByteArray(validHandshake).replace("Version: 13", "Version: 8")
            + "\r\n" << 400;
    QTest::newRow("another path") << QByteArray(validHandshake).replace("/api/v1/stream", "/x")
            + "\r\n" << 400;
    QTest::newRow("POST") << QByteArray(validHandshake).replace("GET ", "POST ") + "\r\n" << 400;
    QTest::newRow("HTTP/1.0") << QByteArray(validHandshake).replace("HTTP/1.1", "HTTP/1.0") + "\r\n"
                              << 400;
    QTest::newRow("with a body") << validHandshake + "Content-Length: 5\r\n\r\nhello" << 400;
    QTest::newRow("two Upgrade headers") << validHandshake + "Upgrade: websocket\r\n\r\n" << 400;
    QTest::newRow("other upgrades are ignored")
        << QByteArray("GET /x HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")
        << 200;
}

void tst_HttpServer::webSocketHandshakes()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    socket.write(bytes);
    QByteArray buffer;
    const RawResponse response = readResponse(socket, buffer, 5000);
    QCOMPARE(response.status, status);
    if (status == 400) {
        QCOMPARE(response.errorCode(), QStringLiteral("bad_request"));
        QCOMPARE(response.header("Connection"), QByteArray("close"));
    }
}

void tst_HttpServer::slowHeadersAre408()
{
    // One byte every 100 ms kept the connection open forever (each byte restarted the idle
    // timer). The strict server wants the head within 1 s.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    QElapsedTimer timer;
    timer.start();
    const QByteArray head = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + QByteArray(100, 's');
    QVERIFY2(trickle(socket, head, 1, 100, 5000), "no answer to a slow head");
    QByteArray buffer;
    const RawResponse response = readResponse(socket, buffer);
    QCOMPARE(response.status, 408);
    QCOMPARE(response.errorCode(), QStringLiteral("request_timeout"));
    QCOMPARE(response.header("Connection"), QByteArray("close"));
    QVERIFY(timer.elapsed() < 4000);
}

void tst_HttpServer::slowBodyIs408()
{
    // 100 bytes/s against a minimum of 1000 bytes/s (after 0.5 s grace, 0.5 s windows).
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    QVERIFY2(trickle(socket, QByteArray(100000, 'b'), 10, 100, 5000), "no answer to a slow body");
    QByteArray buffer;
    const RawResponse response = readResponse(socket, buffer);
    QCOMPARE(response.status, 408);
    QCOMPARE(response.errorCode(), QStringLiteral("request_timeout"));
}

void tst_HttpServer::steadyBodyIsServed()
{
    // Slow, but above the minimum rate and within the head timeout: served.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 6000\r\n\r\n");
    QVERIFY(trickle(socket, QByteArray(6000, 'c'), 1000, 250, 8000));
    QByteArray buffer;
    const RawResponse response = readResponse(socket, buffer);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.json().value(QLatin1String("size")).toInt(), 6000);
}

void tst_HttpServer::framingAgreesWithQt_data()
{
    // Where Qt 6.4.2's parser would end a request at another byte than the checking layer, the
    // request is refused: what follows would otherwise reach Qt unchecked.
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QList<int>>("statuses");
    const QByteArray chunkedPost
        = "POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const QByteArray closingGet = "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    QTest::newRow("chunk extensions are read like Qt") << chunkedPost
            + "5;name=value\r\nhello\r\n6;a;b=\"c\"\r\n world\r\n0;x\r\n\r\n"
            + closingGet << QList<int> {200, 200};
    QTest::newRow("upper-case hex and leading zeros")
        << chunkedPost + "000A\r\n0123456789\r\n0\r\n\r\n" + closingGet << QList<int> {200, 200};
    QTest::newRow("trailers are refused")
        << chunkedPost + "5\r\nhello\r\n0\r\nX-Trailer: a\r\n\r\n" + closingGet << QList<int> {400};
    QTest::newRow("bare LF after a chunk size")
        << chunkedPost + "5\nhello\r\n0\r\n\r\n" + closingGet << QList<int> {400};
    QTest::newRow("chunk data without CRLF")
        << chunkedPost + "5\r\nhelloXY0\r\n\r\n" + closingGet << QList<int> {400};
    QTest::newRow("bare LF after chunk data")
        << chunkedPost + "5\r\nhello\n0\r\n\r\n" + closingGet << QList<int> {400};
    QTest::newRow("invalid hex") << chunkedPost + "5g\r\nhello\r\n0\r\n\r\n" + closingGet
                                 << QList<int> {400};
    QTest::newRow("0x prefix") << chunkedPost + "0x5\r\nhello\r\n0\r\n\r\n" + closingGet
                               << QList<int> {400};
    QTest::newRow("signed size") << chunkedPost + "+5\r\nhello\r\n0\r\n\r\n" + closingGet
                                 << QList<int> {400};
    QTest::newRow("space before the extension")
        << chunkedPost + "5 ;x\r\nhello\r\n0\r\n\r\n" + closingGet << QList<int> {400};
    QTest::newRow("bytes after the last chunk")
        << chunkedPost + "0\r\nXY" + closingGet << QList<int> {400};
    QTest::newRow("Content-Length with Transfer-Encoding")
        << "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
           "chunked\r\n\r\n0\r\n\r\n"
            + closingGet
        << QList<int> {400};
    QTest::newRow("two equal Content-Lengths")
        << "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
            + closingGet
        << QList<int> {400};
    QTest::newRow("Content-Length list")
        << "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello" + closingGet
        << QList<int> {400};
    QTest::newRow("obs-fold") << "GET /a HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n" + closingGet
                              << QList<int> {400};
    QTest::newRow("bare LF ends a head for Qt")
        << "POST /size HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello" + closingGet
        << QList<int> {400};
    QTest::newRow("bare LF after the request line")
        << "POST /size HTTP/1.1\nHost: x\r\nContent-Length: 5\r\n\r\nhello" + closingGet
        << QList<int> {400};
    QTest::newRow("header field over Qt's 8 KiB") << "POST /size HTTP/1.1\r\nHost: x\r\nX-Pad: "
            + QByteArray(9000, 'p') + "\r\nContent-Length: 5\r\n\r\nhello"
            + closingGet << QList<int> {431};
    QByteArray many = "GET /a HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 120; ++i)
        many += "X-" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("more header fields than Qt's 100")
        << many + "\r\n" + closingGet << QList<int> {431};
}

void tst_HttpServer::framingAgreesWithQt()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QList<int>, statuses);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    socket.write(bytes);
    QCOMPARE(statusesUntilClosed(socket), statuses);
}

void tst_HttpServer::pipelinedBodySplitAcrossReadsIsScannedOnce()
{
    // Qt's parser stops after each complete request and re-announces the rest: the checking
    // layer must not scan those bytes a second time (it took the next head for body bytes).
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
                 "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
    socket.waitForBytesWritten(1000);
    QTest::qWait(300);
    socket.write("56789");
    socket.write("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QCOMPARE(statusesUntilClosed(socket), (QList<int> {200, 200, 200}));

    // Qt reads the final CRLF of a chunked body two bytes at a time: split after its CR, the LF
    // and the next request's first byte go together. Refused rather than misread.
    QTcpSocket split;
    split.connectToHost(QHostAddress::LocalHost, m_strictPort);
    QVERIFY(split.waitForConnected(5000));
    split.write("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n0\r\n\r");
    split.waitForBytesWritten(1000);
    QTest::qWait(300);
    split.write("\nGET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QCOMPARE(statusesUntilClosed(split), (QList<int> {400}));
}

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"

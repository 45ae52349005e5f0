// SPDX-License-Identifier: GPL-3.0-or-later
// `baton serve --log-format json` as an operator reads it: every line is a JSON object, one
// access line per request with its request id (also X-Request-Id on the reply), user, route
// pattern, status and duration; start-up lines say what was loaded; no secret is ever logged.
#include "opsprocess.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton::Test;

class TestLogs : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonLinesCarryTheFieldsAndNoSecrets();
    void textFormatIsOneCompactLinePerRequest();
};

namespace {

QList<QJsonObject> jsonLines(const QString &output, QString *notJson)
{
    QList<QJsonObject> out;
    for (const QString &line : output.split(u'\n', Qt::SkipEmptyParts)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            notJson->append(line + u'\n');
        else
            out.append(doc.object());
    }
    return out;
}

} // namespace

void TestLogs::jsonLinesCarryTheFieldsAndNoSecrets()
{
    QTemporaryDir dir;
    ServeProcess server;
    const QString error = server.start(
        u"sqlite:" + dir.filePath(QStringLiteral("b.db")),
        {QStringLiteral("--demo"), QStringLiteral("--log-format"), QStringLiteral("json")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const qsizetype startUpEnd = server.readOutput().size();

    // A wrong password, then the right one: neither, nor the token, may reach the log.
    const QByteArray wrong = "Wr0ng-Secret-7f3a";
    const RawResponse refused = rawRequest(
        server.port,
        httpRequest("POST", "/api/v1/login", R"({"username":"amy","password":")" + wrong + "\"}"));
    QCOMPARE(refused.status, 401);
    const RawResponse login = rawRequest(
        server.port,
        httpRequest("POST", "/api/v1/login", R"({"username":"amy","password":"baton-demo"})",
                    {{"X-Request-Id", "client-chosen.id_42"}}));
    QCOMPARE(login.status, 200);
    QCOMPARE(login.header("X-Request-Id"), QByteArray("client-chosen.id_42"));
    const QByteArray token = login.json().value(QLatin1String("token")).toString().toUtf8();
    QVERIFY(!token.isEmpty());
    const RawResponse me = rawRequest(
        server.port, httpRequest("GET", "/api/v1/me", {}, {{"Cookie", "baton_session=" + token}}));
    QCOMPARE(me.status, 200);
    // Not of a sane form (a space, too long): replaced by an id of the server's.
    const RawResponse ticket
        = rawRequest(server.port,
                     httpRequest("GET", "/api/v1/tickets/999999", {},
                                 {{"Authorization", "Bearer " + token},
                                  {"X-Request-Id", "bad id " + QByteArray(80, 'x')}}));
    QCOMPARE(ticket.status, 404);
    const QByteArray madeUp = ticket.header("X-Request-Id");
    QVERIFY(!madeUp.isEmpty() && !madeUp.contains(' ') && madeUp.size() <= 64);
    QVERIFY(!me.header("X-Request-Id").isEmpty() && me.header("X-Request-Id") != madeUp);
    // Refused before any route is chosen (a header section too large): still answered with a
    // request id, and still one access line.
    const RawResponse tooLarge = rawRequest(
        server.port, httpRequest("GET", "/api/v1/me", {}, {{"X-Padding", QByteArray(70000, 'x')}}));
    QCOMPARE(tooLarge.status, 431);
    const QByteArray refusedId = tooLarge.header("X-Request-Id");
    QVERIFY(!refusedId.isEmpty());
    // A WebSocket handshake (admitted: the stream asks for the session itself) has its access
    // line with the client's id.
    const RawResponse stream
        = rawRequest(server.port,
                     httpRequest("GET", "/api/v1/stream", {},
                                 {{"Upgrade", "websocket"},
                                  {"Connection", "Upgrade"},
                                  {"Sec-WebSocket-Version", "13"},
                                  {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                  {"X-Request-Id", "ws-handshake-1"}}));
    QCOMPARE(stream.status, 101);

    QCOMPARE(server.stop(), 0);
    const QString output = server.readOutput();
    QString notJson;
    const QList<QJsonObject> lines = jsonLines(output, &notJson);
    QVERIFY2(notJson.isEmpty(), qPrintable(u"not JSON lines:\n" + notJson));
    for (const QJsonObject &line : lines)
        for (const char *field : {"time", "level", "category", "message"})
            QVERIFY2(line.contains(QLatin1String(field)),
                     qPrintable(QString::fromUtf8(QJsonDocument(line).toJson())));

    QList<QJsonObject> access;
    QStringList startUp;
    for (const QJsonObject &line : lines) {
        if (line.value(QLatin1String("category")).toString() == u"baton.access")
            access.append(line);
        if (line.value(QLatin1String("category")).toString() == u"baton.start")
            startUp.append(line.value(QLatin1String("message")).toString());
    }
    QCOMPARE(access.size(), 6); // one line per request
    for (const QJsonObject &line : std::as_const(access))
        for (const char *field :
             {"request_id", "user", "method", "route", "status", "duration_ms", "bytes"})
            QVERIFY2(line.contains(QLatin1String(field)),
                     qPrintable(QString::fromUtf8(QJsonDocument(line).toJson())));
    QCOMPARE(access[1].value(QLatin1String("request_id")).toString(),
             QStringLiteral("client-chosen.id_42"));
    QCOMPARE(access[1].value(QLatin1String("status")).toInt(), 200);
    QCOMPARE(access[1].value(QLatin1String("user")).toString(), QStringLiteral("amy"));
    QVERIFY(access[0].value(QLatin1String("user")).toString().isEmpty());
    QCOMPARE(access[0].value(QLatin1String("status")).toInt(), 401);
    QCOMPARE(access[2].value(QLatin1String("user")).toString(), QStringLiteral("amy"));
    QCOMPARE(access[2].value(QLatin1String("route")).toString(), QStringLiteral("/api/v1/me"));
    QCOMPARE(access[3].value(QLatin1String("route")).toString(),
             QStringLiteral("/api/v1/tickets/{id}"));
    QCOMPARE(access[3].value(QLatin1String("request_id")).toString(), QString::fromUtf8(madeUp));
    QCOMPARE(access[3].value(QLatin1String("method")).toString(), QStringLiteral("GET"));
    QVERIFY(access[3].value(QLatin1String("duration_ms")).isDouble());
    QCOMPARE(access[4].value(QLatin1String("status")).toInt(), 431);
    QCOMPARE(access[4].value(QLatin1String("request_id")).toString(), QString::fromUtf8(refusedId));
    QCOMPARE(access[5].value(QLatin1String("request_id")).toString(),
             QStringLiteral("ws-handshake-1"));
    QCOMPARE(access[5].value(QLatin1String("route")).toString(), QStringLiteral("/api/v1/stream"));
    QCOMPARE(access[5].value(QLatin1String("status")).toInt(), 101);

    const QString loaded = startUp.join(u'\n');
    QVERIFY2(loaded.contains(u"database:")
                 && loaded.contains(QRegularExpression(QStringLiteral("jump-queue +version \\d")))
                 && loaded.contains(u"plugins:") && loaded.contains(u"channels:")
                 && loaded.contains(u"Serving on http://"),
             qPrintable(loaded));

    // The demo password is printed at start-up on purpose (--demo); after that, never.
    const QString afterStartUp = output.mid(startUpEnd);
    for (const QByteArray &secret : {wrong, QByteArray("baton-demo"), token})
        QVERIFY2(!afterStartUp.contains(QString::fromUtf8(secret)),
                 qPrintable(u"a secret in the log: " + QString::fromUtf8(secret)));
}

void TestLogs::textFormatIsOneCompactLinePerRequest()
{
    QTemporaryDir dir;
    ServeProcess server;
    const QString error = server.start(u"sqlite:" + dir.filePath(QStringLiteral("b.db")),
                                       {QStringLiteral("--demo")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const RawResponse health = rawRequest(
        server.port, httpRequest("GET", "/healthz", {}, {{"X-Request-Id", "probe-1"}}));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.header("X-Request-Id"), QByteArray("probe-1"));
    QCOMPARE(server.stop(), 0);
    const QStringList lines = server.readOutput().split(u'\n');
    const QStringList access = lines.filter(QStringLiteral(" access "));
    QCOMPARE(access.size(), 1);
    static const QRegularExpression shape(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z access +probe-1 - GET "
                       "/healthz 200 \\d+\\.\\dms \\d+B$"));
    QVERIFY2(shape.match(access.first()).hasMatch(), qPrintable(access.first()));
}

QTEST_MAIN(TestLogs)
#include "tst_logs.moc"

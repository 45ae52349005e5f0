// SPDX-License-Identifier: GPL-3.0-or-later
// Baton behind the repository's nginx configuration (deploy/nginx/baton.conf) as an operator
// runs it: Debian's nginx, started by the test as the test user with a self-signed certificate
// made by openssl, in front of real `baton serve` processes; every check goes over HTTPS
// through nginx: the UI page, sign-in with a Secure cookie, the API, the live WebSocket, and
// the client address the sign-in throttle counts (X-Forwarded-For, only with --trust-proxy).
#include "../ops/opsprocess.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <unistd.h>

using namespace Baton::Test;
using namespace Qt::Literals::StringLiterals;

namespace {

QString findProgram(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty()) // Debian installs nginx in sbin, not on a normal user's PATH
        path = QStandardPaths::findExecutable(name, {u"/usr/sbin"_s, u"/usr/local/sbin"_s});
    return path;
}

/// A port nobody listens on right now (the OS picks it; nginx binds it a moment later).
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

CommandRun runProgram(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    CommandRun run;
    if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        run.err = u"did not finish: "_s + process.errorString();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

QString readText(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

/// Debian's nginx running deploy/nginx/baton.conf, with only what a test machine must change:
/// its ports, the certificate files and the upstream's port. Its pid file, logs and temporary
/// files are in `dir`.
class NginxProcess
{
public:
    ~NginxProcess()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }

    /// An error text, empty when nginx serves https on httpsPort.
    QString start(const QString &nginx, const QString &dir, const QString &certDir,
                  quint16 upstreamPort)
    {
        httpsPort = freePort();
        httpPort = freePort();
        QString conf = readText(QStringLiteral(BATON_SOURCE_DIR "/deploy/nginx/baton.conf"));
        // Each line the test changes must be in the shipped file exactly once, so that the
        // file tested is the file shipped (a change there that the test does not know fails).
        const QList<std::pair<QString, QString>> edits {
            {u"listen 443 ssl http2;"_s, u"listen 127.0.0.1:%1 ssl http2;"_s.arg(httpsPort)},
            {u"listen 80;"_s, u"listen 127.0.0.1:%1;"_s.arg(httpPort)},
            {u"server 127.0.0.1:8080;"_s, u"server 127.0.0.1:%1;"_s.arg(upstreamPort)},
            {u"/etc/ssl/baton/fullchain.pem"_s, certDir + u"/cert.pem"_s},
            {u"/etc/ssl/baton/privkey.pem"_s, certDir + u"/key.pem"_s},
        };
        for (const auto &[from, to] : edits) {
            if (conf.count(from) != 1)
                return u"deploy/nginx/baton.conf no longer has `%1` exactly once"_s.arg(from);
            conf.replace(from, to);
        }
        QDir(dir).mkpath(u"temp"_s);
        // Run as root (CI), nginx would hand its workers to `nobody`, who cannot write the
        // temporary files here; as any other user the workers stay that user.
        const QString user = ::geteuid() == 0 ? u"user root root;\n"_s : QString();
        const QString main = user + uR"(pid %1/nginx.pid;
error_log %1/error.log info;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log %1/access.log;
    client_body_temp_path %1/temp/body;
    proxy_temp_path %1/temp/proxy;
    fastcgi_temp_path %1/temp/fastcgi;
    uwsgi_temp_path %1/temp/uwsgi;
    scgi_temp_path %1/temp/scgi;
    include %1/baton.conf;
}
)"_s.arg(dir);
        for (const auto &[name, text] :
             {std::pair {u"baton.conf"_s, conf}, {u"nginx.conf"_s, main}}) {
            QFile file(dir + u'/' + name);
            if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0)
                return u"cannot write "_s + file.fileName();
        }
        m_errorLog = dir + u"/error.log"_s;
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(nginx,
                        {u"-p"_s, dir, u"-e"_s, m_errorLog, u"-c"_s, dir + u"/nginx.conf"_s,
                         u"-g"_s, u"daemon off;"_s});
        if (!m_process.waitForStarted(10000))
            return u"cannot start "_s + nginx;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 20000) {
            if (m_process.state() != QProcess::Running)
                break;
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, httpsPort);
            if (probe.waitForConnected(500))
                return {};
            QThread::msleep(100);
        }
        return u"nginx did not start: %1\n%2"_s.arg(QString::fromUtf8(m_process.readAll()),
                                                    readText(m_errorLog));
    }

    QString errorLog() const { return readText(m_errorLog); }

    quint16 httpsPort = 0, httpPort = 0;

private:
    QProcess m_process;
    QString m_errorLog;
};

} // namespace

class tst_Proxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void plainHttpRedirectsToHttps();
    void uiPageOverTlsWithOneCopyOfEachSecurityHeader();
    void signInGivesASecureCookieOnlyWithTrustProxy();
    void cookieChangesPassTheOriginCheckThroughTheProxy();
    void apiCallsAndBodyLimit();
    void streamDeliversALiveEventThroughTheProxy();
    void throttleCountsTheForwardedClientOnlyWithTrustProxy();

private:
    /// One `baton serve` and the nginx in front of it.
    struct Site
    {
        ServeProcess baton;
        NginxProcess nginx;
    };

    /// One HTTP/1.1 request over TLS to nginx, on a new connection made from `source`
    /// (any 127.x.y.z address reaches nginx on 127.0.0.1: they stand for different clients).
    RawResponse request(const Site &site, const QByteArray &method, const QByteArray &target,
                        const QByteArray &body = {},
                        const QList<QPair<QByteArray, QByteArray>> &headers = {},
                        const QHostAddress &source = QHostAddress::LocalHost) const;
    RawResponse login(const Site &site, const QString &username, const QString &password,
                      const QHostAddress &source = QHostAddress::LocalHost,
                      const QList<QPair<QByteArray, QByteArray>> &headers = {}) const;
    QByteArray origin(const Site &site) const
    {
        return "https://127.0.0.1:" + QByteArray::number(site.nginx.httpsPort);
    }
    QString startSite(Site &site, const QString &name, const QStringList &batonArguments);

    QTemporaryDir m_dir;
    QString m_nginx;
    QSslConfiguration m_tls;
    Site m_trusted; ///< baton serve --trust-proxy
    Site m_untrusted; ///< baton serve without it
};

void tst_Proxy::initTestCase()
{
    m_nginx = findProgram(u"nginx"_s);
    if (m_nginx.isEmpty()) {
        if (qEnvironmentVariableIsSet("BATON_REQUIRE_NGINX"))
            QFAIL("nginx is not installed and BATON_REQUIRE_NGINX is set (make test-deps "
                  "installs it)");
        QSKIP("nginx is not installed (Debian package nginx; make test-deps installs it)");
    }
    const QString openssl = findProgram(u"openssl"_s);
    QVERIFY2(!openssl.isEmpty(), "openssl is not installed (make test-deps installs it)");
    QVERIFY(QSslSocket::supportsSsl());
    QVERIFY(m_dir.isValid());

    // A self-signed certificate for 127.0.0.1, which the clients below trust as their only CA:
    // the TLS connections are verified, not told to ignore errors.
    const CommandRun cert
        = runProgram(openssl,
                     {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-days"_s,
                      u"2"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                      u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s, u"-keyout"_s,
                      m_dir.filePath(u"key.pem"_s), u"-out"_s, m_dir.filePath(u"cert.pem"_s)});
    QVERIFY2(cert.exitCode == 0, qPrintable(cert.describe()));
    const auto certificates = QSslCertificate::fromPath(m_dir.filePath(u"cert.pem"_s));
    QCOMPARE(certificates.size(), 1);
    m_tls = QSslConfiguration::defaultConfiguration();
    m_tls.setCaCertificates(certificates);
    m_tls.setPeerVerifyMode(QSslSocket::VerifyPeer);

    QCOMPARE(startSite(m_trusted, u"trusted"_s, {u"--trust-proxy"_s}), QString());
    QCOMPARE(startSite(m_untrusted, u"untrusted"_s, {}), QString());
}

QString tst_Proxy::startSite(Site &site, const QString &name, const QStringList &batonArguments)
{
    const QString dir = m_dir.filePath(name);
    QDir().mkpath(dir);
    if (QString error = site.baton.start(u"sqlite:"_s + dir + u"/baton.db"_s,
                                         QStringList {u"--demo"_s} + batonArguments);
        !error.isEmpty())
        return error;
    return site.nginx.start(m_nginx, dir, m_dir.path(), site.baton.port);
}

void tst_Proxy::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << "nginx error log (trusted):" << m_trusted.nginx.errorLog();
        qWarning().noquote() << "baton output (trusted):" << m_trusted.baton.output;
    }
}

RawResponse tst_Proxy::request(const Site &site, const QByteArray &method, const QByteArray &target,
                               const QByteArray &body,
                               const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QHostAddress &source) const
{
    QSslSocket socket;
    QSslConfiguration tls = m_tls;
    tls.setAllowedNextProtocols({QSslConfiguration::NextProtocolHttp1_1});
    socket.setSslConfiguration(tls);
    if (!socket.bind(source, 0))
        return {};
    socket.connectToHostEncrypted(u"127.0.0.1"_s, site.nginx.httpsPort);
    if (!socket.waitForEncrypted(10000)) {
        qWarning() << "TLS to nginx failed:" << socket.errorString() << socket.sslHandshakeErrors();
        return {};
    }
    QByteArray bytes = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + QByteArray::number(site.nginx.httpsPort) + "\r\nConnection: close\r\n";
    for (const auto &[name, value] : headers)
        bytes += name + ": " + value + "\r\n";
    if (!body.isEmpty() || method == "POST")
        bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    bytes += "\r\n" + body;
    socket.write(bytes);
    QByteArray buffer;
    return readResponse(socket, buffer, 30000);
}

RawResponse tst_Proxy::login(const Site &site, const QString &username, const QString &password,
                             const QHostAddress &source,
                             const QList<QPair<QByteArray, QByteArray>> &headers) const
{
    return request(site, "POST", "/api/v1/login",
                   QJsonDocument(QJsonObject {{u"username"_s, username}, {u"password"_s, password}})
                       .toJson(QJsonDocument::Compact),
                   QList<QPair<QByteArray, QByteArray>> {{"Content-Type", "application/json"},
                                                         {"Origin", origin(site)}}
                       + headers,
                   source);
}

void tst_Proxy::plainHttpRedirectsToHttps()
{
    const RawResponse redirect
        = rawRequest(m_trusted.nginx.httpPort, httpRequest("GET", "/tickets/12?tab=history"));
    QCOMPARE(redirect.status, 301);
    QCOMPARE(redirect.header("Location"), QByteArray("https://localhost/tickets/12?tab=history"));
}

void tst_Proxy::uiPageOverTlsWithOneCopyOfEachSecurityHeader()
{
    // As a browser fetches it: Qt's HTTP client, HTTP/2 when nginx offers it, certificate
    // verified.
    QNetworkAccessManager network;
    QNetworkRequest page(QUrl(u"https://127.0.0.1:%1/"_s.arg(m_trusted.nginx.httpsPort)));
    page.setSslConfiguration(m_tls);
    QNetworkReply *reply = network.get(page);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(20000));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    const QByteArray html = reply->readAll();
    QVERIFY2(html.contains("<div id=\"app\">"), html.left(300).constData());
    reply->deleteLater();

    // Baton's own security headers pass through once; nginx adds only HSTS.
    const RawResponse index = request(m_trusted, "GET", "/");
    QCOMPARE(index.status, 200);
    for (const QByteArray name :
         {"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
          "Cross-Origin-Opener-Policy", "Strict-Transport-Security"}) {
        qsizetype copies = 0;
        for (const auto &header : index.headers)
            copies += name.compare(header.first, Qt::CaseInsensitive) == 0;
        const QByteArray why = name + " appears " + QByteArray::number(copies) + " times";
        QVERIFY2(copies == 1, why.constData());
    }
    QVERIFY(index.header("Strict-Transport-Security").startsWith("max-age="));
}

void tst_Proxy::signInGivesASecureCookieOnlyWithTrustProxy()
{
    const RawResponse signedIn = login(m_trusted, u"amy"_s, u"baton-demo"_s);
    QCOMPARE(signedIn.status, 200);
    const QByteArray cookie = signedIn.header("Set-Cookie");
    QVERIFY2(cookie.contains("; Secure") && cookie.contains("; HttpOnly"), cookie.constData());
    // The cookie alone (as the UI's requests carry it) is a session through the proxy.
    const RawResponse me = request(m_trusted, "GET", "/api/v1/me", {},
                                   {{"Cookie", cookie.left(cookie.indexOf(';'))}});
    QCOMPARE(me.status, 200);
    QCOMPARE(me.json().value("username"_L1).toString(), u"amy"_s);

    // Without --trust-proxy Baton cannot know the client used https: no Secure.
    const RawResponse untrusted = login(m_untrusted, u"amy"_s, u"baton-demo"_s);
    QCOMPARE(untrusted.status, 200);
    QVERIFY2(!untrusted.header("Set-Cookie").contains("Secure"),
             untrusted.header("Set-Cookie").constData());
}

void tst_Proxy::cookieChangesPassTheOriginCheckThroughTheProxy()
{
    // The forgery check compares Origin with X-Forwarded-Proto + Host: nginx must pass both.
    const QByteArray cookie = login(m_trusted, u"amy"_s, u"baton-demo"_s).header("Set-Cookie");
    QVERIFY(!cookie.isEmpty());
    const auto open = [&](const QByteArray &origin) {
        return request(
            m_trusted, "POST", "/api/v1/tickets",
            R"({"workflow":"jump-queue","title":"Through the proxy","customer":{"id":"C-1","tier":"B"},"fields":{"awb":"123456789012","urgency":"high","held_at":"hub","reason":"Needed tomorrow"}})",
            {{"Cookie", cookie.left(cookie.indexOf(';'))},
             {"Content-Type", "application/json"},
             {"Origin", origin}});
    };
    const RawResponse sameOrigin = open(origin(m_trusted));
    QVERIFY2(sameOrigin.status == 201, sameOrigin.body.constData());
    const RawResponse plainOrigin
        = open("http://127.0.0.1:" + QByteArray::number(m_trusted.nginx.httpsPort));
    QCOMPARE(plainOrigin.status, 403);
    QCOMPARE(plainOrigin.errorCode(), u"forbidden_origin"_s);
}

void tst_Proxy::apiCallsAndBodyLimit()
{
    const QByteArray token = login(m_trusted, u"alan"_s, u"baton-demo"_s)
                                 .json()
                                 .value("token"_L1)
                                 .toString()
                                 .toLatin1();
    QVERIFY(!token.isEmpty());
    const RawResponse tickets
        = request(m_trusted, "GET", "/api/v1/tickets", {}, {{"Authorization", "Bearer " + token}});
    QCOMPARE(tickets.status, 200);
    QVERIFY(!tickets.json().value("items"_L1).toArray().isEmpty()); // the demo's tickets
    QCOMPARE(tickets.header("Cache-Control"), QByteArray("no-store"));

    // Above Baton's --max-body but below nginx's limit: Baton's own JSON refusal.
    const RawResponse tooLarge
        = request(m_trusted, "POST", "/api/v1/tickets", QByteArray(1536 * 1024, 'x'),
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    QCOMPARE(tooLarge.status, 413);
    QCOMPARE(tooLarge.errorCode(), u"payload_too_large"_s);
}

void tst_Proxy::streamDeliversALiveEventThroughTheProxy()
{
    // As the UI connects: wss, same origin, the session cookie.
    const QByteArray cookie = login(m_trusted, u"amy"_s, u"baton-demo"_s).header("Set-Cookie");
    QVERIFY(!cookie.isEmpty());
    QWebSocket stream;
    stream.setSslConfiguration(m_tls);
    QSignalSpy messages(&stream, &QWebSocket::textMessageReceived);
    QNetworkRequest handshake(
        QUrl(u"wss://127.0.0.1:%1/api/v1/stream"_s.arg(m_trusted.nginx.httpsPort)));
    handshake.setRawHeader("Cookie", cookie.left(cookie.indexOf(';')));
    handshake.setRawHeader("Origin", origin(m_trusted));
    stream.open(handshake);
    QTRY_VERIFY_WITH_TIMEOUT(messages.size() >= 1, 20000); // hello

    const QByteArray token = login(m_trusted, u"amy"_s, u"baton-demo"_s)
                                 .json()
                                 .value("token"_L1)
                                 .toString()
                                 .toLatin1();
    const RawResponse opened = request(
        m_trusted, "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Live through nginx","customer":{"id":"C-2","tier":"B"},"fields":{"awb":"123456789012","urgency":"high","held_at":"hub","reason":"Needed tomorrow"}})",
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    QCOMPARE(opened.status, 201);
    const qint64 id = opened.json().value("id"_L1).toInteger();
    const auto sawTicket = [&] {
        for (const auto &message : messages) {
            const QJsonObject event
                = QJsonDocument::fromJson(message.first().toString().toUtf8()).object();
            if (event.value("type"_L1) == u"ticket"_s && event.value("id"_L1).toInteger() == id)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(sawTicket(), 10000);
    stream.close();
}

void tst_Proxy::throttleCountsTheForwardedClientOnlyWithTrustProxy()
{
    // Two clients (two loopback addresses) behind the same nginx. The guesser gets sue's
    // password wrong five times and is refused; then sue, from the other address, signs in.
    const QHostAddress guesser(u"127.0.0.2"_s), sue(u"127.0.0.3"_s);
    for (Site *site : {&m_trusted, &m_untrusted}) {
        const bool trusted = site == &m_trusted;
        for (int i = 0; i < 5; ++i)
            QCOMPARE(login(*site, u"sue"_s, u"wrong-password"_s, guesser).status, 401);
        QCOMPARE(login(*site, u"sue"_s, u"baton-demo"_s, guesser).status, 429);
        if (trusted) {
            // The guesser claiming to be sue: nginx appends the address it saw, and that last
            // entry is the one Baton believes.
            QCOMPARE(login(*site, u"sue"_s, u"baton-demo"_s, guesser,
                           {{"X-Forwarded-For", sue.toString().toLatin1()}})
                         .status,
                     429);
        }
        // Without --trust-proxy both clients are the proxy's 127.0.0.1: sue pays for the guesser.
        QCOMPARE(login(*site, u"sue"_s, u"baton-demo"_s, sue).status, trusted ? 200 : 429);
    }
}

QTEST_GUILESS_MAIN(tst_Proxy)
#include "tst_proxy.moc"

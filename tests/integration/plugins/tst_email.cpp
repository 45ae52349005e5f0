// SPDX-License-Identifier: GPL-3.0-or-later
// The email plugin end to end, real parts only: the built `baton serve --demo --fake-clock`
// with the plugin folder and a channels.yaml, a real SMTP server (aiosmtpd, Debian
// python3-aiosmtpd) that offers STARTTLS on a certificate made here and requires AUTH, and the
// demo's tickets running out of time when the test moves the clock. Each mail the server
// accepted is read back as a mail client reads it (Python's email package): headers,
// language, link, threading, who signed in.

#include "../ops/opsprocess.h"

#include "plugin/notificationchannel.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPluginLoader>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;

class tst_Email : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void slaWarningAndBreachArriveByMail();
    void weeklySummaryReachesEachSupervisorOnce();
    void implicitTlsWithAuthLogin();
    void cleanupTestCase();

private:
    /// Starts smtpserver.py in `mode` on `process`, writing into `mails`; its port, 0 on error
    /// (`error` says why).
    quint16 startSmtpServer(QProcess &process, const QString &mails, const QString &mode,
                            QString *error);
    QString startSmtpServer();
    QString writeWorkflows();
    QList<QJsonObject> mails() const;

    QTemporaryDir m_dir;
    QProcess m_smtp;
    quint16 m_smtpPort = 0;
    ServeProcess m_server;
};

namespace {

const QString smtpUser = QStringLiteral("baton");
const QString smtpPassword = QStringLiteral("s3cret-for-the-test");

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

void tst_Email::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (!QFile::exists(QStringLiteral("/usr/bin/python3"))
        || QProcess::execute(QStringLiteral("/usr/bin/python3"),
                             {QStringLiteral("-c"), QStringLiteral("import aiosmtpd")})
            != 0)
        QFAIL("python3-aiosmtpd is missing: make test-deps installs it");
    // A self-signed certificate for 127.0.0.1, trusted by the channel through ca_file.
    QProcess openssl;
    openssl.setStandardOutputFile(QProcess::nullDevice());
    openssl.setStandardErrorFile(QProcess::nullDevice());
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                   m_dir.filePath(QStringLiteral("key.pem")), QStringLiteral("-out"),
                   m_dir.filePath(QStringLiteral("cert.pem")), QStringLiteral("-days"),
                   QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                   QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1")});
    QVERIFY(openssl.waitForFinished(60000));
    QCOMPARE(openssl.exitCode(), 0);
    const QString smtp = startSmtpServer();
    QVERIFY2(smtp.isEmpty(), qPrintable(smtp));
    const QString workflows = writeWorkflows();
    m_server.workflows = workflows;
    m_server.environment.insert(QStringLiteral("BATON_ADMIN_PASSWORD"),
                                QStringLiteral("admin-password-1"));
    m_server.environment.insert(QStringLiteral("BATON_TEST_SMTP_PASSWORD"), smtpPassword);
    const QString started = m_server.start(
        QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("baton.db")),
        {QStringLiteral("--demo"), QStringLiteral("--fake-clock"), QStringLiteral("--plugins"),
         QFileInfo(QStringLiteral(BATON_BINARY)).dir().filePath(QStringLiteral("plugins"))});
    QVERIFY2(started.isEmpty(), qPrintable(started));
    QVERIFY2(m_server.output.contains(QStringLiteral("staff-mail")), qPrintable(m_server.output));
    QVERIFY2(!m_server.output.contains(smtpPassword), qPrintable(m_server.output));
}

QString tst_Email::startSmtpServer()
{
    QString error;
    QDir(m_dir.path()).mkdir(QStringLiteral("mails"));
    m_smtpPort = startSmtpServer(m_smtp, m_dir.filePath(QStringLiteral("mails")),
                                 QStringLiteral("starttls"), &error);
    return error;
}

quint16 tst_Email::startSmtpServer(QProcess &process, const QString &mails, const QString &mode,
                                   QString *error)
{
    const quint16 port = freePort();
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("/usr/bin/python3"),
                  {QStringLiteral(BATON_SOURCE_DIR "/tests/integration/plugins/smtpserver.py"),
                   QString::number(port), m_dir.filePath(QStringLiteral("cert.pem")),
                   m_dir.filePath(QStringLiteral("key.pem")), mails, smtpUser, smtpPassword, mode});
    QByteArray said;
    QElapsedTimer timer;
    timer.start();
    while (!said.contains("ready") && timer.elapsed() < 30000) {
        if (!process.waitForReadyRead(1000) && process.state() != QProcess::Running)
            break;
        said += process.readAll();
    }
    if (said.contains("ready"))
        return port;
    *error = QStringLiteral("the SMTP server did not start: ")
        + QString::fromUtf8(said + process.readAll());
    return 0;
}

// The shipped workflows plus a channels.yaml with one email channel to the test's server.
QString tst_Email::writeWorkflows()
{
    const QString folder = m_dir.filePath(QStringLiteral("workflows"));
    QDir().mkpath(folder);
    const QDir shipped(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
    for (const QString &name : shipped.entryList({QStringLiteral("*.yaml")}, QDir::Files))
        QFile::copy(shipped.filePath(name), folder + u'/' + name);
    QFile channels(folder + QStringLiteral("/channels.yaml"));
    if (!channels.open(QIODevice::WriteOnly))
        return {};
    channels.write(QStringLiteral("channels:\n"
                                  "  staff-mail:\n"
                                  "    plugin: email\n"
                                  "    host: 127.0.0.1\n"
                                  "    port: %1\n"
                                  "    tls: starttls\n"
                                  "    username: %2\n"
                                  "    password: ${BATON_TEST_SMTP_PASSWORD}\n"
                                  "    from: \"Baton <baton@example.com>\"\n"
                                  "    base_url: https://baton.example.com/\n"
                                  "    ca_file: %3\n"
                                  "    events: [sla_warning, sla_breached, weekly_summary]\n")
                       .arg(m_smtpPort)
                       .arg(smtpUser, m_dir.filePath(QStringLiteral("cert.pem")))
                       .toUtf8());
    return folder;
}

QList<QJsonObject> tst_Email::mails() const
{
    QList<QJsonObject> out;
    const QDir folder(m_dir.filePath(QStringLiteral("mails")));
    for (const QString &name : folder.entryList({QStringLiteral("*.json")}, QDir::Files)) {
        QFile file(folder.filePath(name));
        if (file.open(QIODevice::ReadOnly))
            out.append(QJsonDocument::fromJson(file.readAll()).object());
    }
    return out;
}

void tst_Email::slaWarningAndBreachArriveByMail()
{
    ApiClient admin(m_server.port, QStringLiteral("admin"), QStringLiteral("admin-password-1"));
    const RawResponse users = admin.call("GET", QStringLiteral("/api/v1/users"));
    QCOMPARE(users.status, 200);
    // Every user gets an address; every other one reads Chinese.
    QMap<QString, QString> languageOf;
    int i = 0;
    for (const QJsonValue &u : QJsonDocument::fromJson(users.body).array()) {
        const QString name = u.toObject().value(QLatin1String("username")).toString();
        const QString language = i++ % 2 ? QStringLiteral("zh") : QStringLiteral("en");
        languageOf.insert(name + QStringLiteral("@example.com"), language);
        const RawResponse set = admin.call(
            "PATCH", QStringLiteral("/api/v1/users/") + name,
            QJsonObject {{QStringLiteral("email"), QString(name + QStringLiteral("@example.com"))},
                         {QStringLiteral("language"), language}});
        QVERIFY2(set.status == 200, set.body.constData());
    }
    // Two days later every demo ticket with a clock has warned and breached.
    for (int step = 0; step < 8; ++step) {
        const RawResponse moved
            = admin.call("POST", QStringLiteral("/api/v1/admin/clock"),
                         QJsonObject {{QStringLiteral("advance_seconds"), 6 * 3600}});
        QVERIFY2(moved.status == 200, moved.body.constData());
    }
    QSet<QString> kinds, languages;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            kinds.clear();
            languages.clear();
            for (const QJsonObject &mail : mails()) {
                const QString subject = mail.value(QLatin1String("subject")).toString();
                kinds.insert(subject.contains(QStringLiteral("breached"))
                                     || subject.contains(QStringLiteral("已超时"))
                                 ? QStringLiteral("breach")
                                 : QStringLiteral("warning"));
                languages.insert(languageOf.value(
                    mail.value(QLatin1String("rcpt_tos")).toArray().first().toString()));
            }
            return kinds.size() == 2 && languages.size() == 2;
        }(),
        90000);

    const QRegularExpression subjectShape(
        QStringLiteral("^\\[([A-Z]+-\\d+)\\] (SLA warning|SLA breached): .+$"));
    const QRegularExpression subjectShapeZh(
        QStringLiteral("^\\[([A-Z]+-\\d+)\\] (SLA 预警|SLA 已超时)：.+$"));
    QSet<QString> messageIds;
    for (const QJsonObject &mail : mails()) {
        const auto text
            = [&](const char *key) { return mail.value(QLatin1String(key)).toString(); };
        const QString to = mail.value(QLatin1String("rcpt_tos")).toArray().first().toString();
        QVERIFY2(languageOf.contains(to), qPrintable(to));
        QCOMPARE(text("login"), smtpUser); // AUTH, over STARTTLS (the server requires both)
        QCOMPARE(mail.value(QLatin1String("tls")).toBool(), true);
        QCOMPARE(text("mail_from"), QStringLiteral("baton@example.com"));
        QCOMPARE(text("from"), QStringLiteral("Baton <baton@example.com>"));
        QCOMPARE(text("to"), to);
        QCOMPARE(text("content_type"), QStringLiteral("multipart/alternative"));
        const bool chinese = languageOf.value(to) == u"zh";
        const auto shape = (chinese ? subjectShapeZh : subjectShape).match(text("subject"));
        QVERIFY2(shape.hasMatch(), qPrintable(text("subject")));
        // One Message-ID per delivery, "<TICKET.SEQ.CHANNEL.USER.N@domain>"; the ticket's root
        // id in In-Reply-To and References threads its mails.
        const QRegularExpression id(QStringLiteral("^<(\\d+)\\.\\d+\\.staff-mail\\.([a-z0-9._-]+)"
                                                   "\\.\\d+@example\\.com>$"));
        const auto idMatch = id.match(text("message_id"));
        QVERIFY2(idMatch.hasMatch(), qPrintable(text("message_id")));
        QCOMPARE(idMatch.captured(2) + QStringLiteral("@example.com"), to);
        QVERIFY2(!messageIds.contains(text("message_id")), qPrintable(text("message_id")));
        messageIds.insert(text("message_id"));
        const QString root = QStringLiteral("<ticket-%1@example.com>").arg(idMatch.captured(1));
        QCOMPARE(text("in_reply_to"), root);
        QCOMPARE(text("references"), root);
        const QString link
            = QStringLiteral("https://baton.example.com/tickets/") + idMatch.captured(1);
        QVERIFY2(text("text").contains(link), qPrintable(text("text")));
        QVERIFY2(text("html").contains(QStringLiteral("href=\"") + link + u'"'),
                 qPrintable(text("html")));
        QVERIFY2(text("text").contains(chinese ? QStringLiteral("打开工单")
                                               : QStringLiteral("Open the ticket")),
                 qPrintable(text("text")));
        // The notice's sentence in the reader's language, as the bell says it (one table,
        // web/src/i18n/notices.json), not the English text stored for older clients.
        const QRegularExpression sentence(
            chinese ? QStringLiteral("(整单)?(响应|解决)时限(已用去 \\d+%|已超时)")
                    : QStringLiteral("(\\d+% of the|the) (ticket-wide )?(respond|resolve) "
                                     "target (used|was missed)"));
        QVERIFY2(sentence.match(text("text")).hasMatch(), qPrintable(text("text")));
        QVERIFY2(!chinese || !text("text").contains(u"target"), qPrintable(text("text")));
    }
}

// The weekly summary (README "Reports"): queued in the outbox for every supervisor with an
// address (the first test gave everyone one), sent through the email channel in their language
// with Baton's subject and the three sections, not threaded under a ticket; asked again, nothing
// more is queued.
void tst_Email::weeklySummaryReachesEachSupervisorOnce()
{
    ApiClient admin(m_server.port, QStringLiteral("admin"), QStringLiteral("admin-password-1"));
    const RawResponse users = admin.call("GET", QStringLiteral("/api/v1/users"));
    QCOMPARE(users.status, 200);
    QMap<QString, QString> languageOf; // the supervisors' addresses
    for (const QJsonValue &u : QJsonDocument::fromJson(users.body).array()) {
        const QJsonObject user = u.toObject();
        if (user.value(QLatin1String("roles")).toArray().contains(QStringLiteral("supervisor"))
            && !user.value(QLatin1String("email")).toString().isEmpty())
            languageOf.insert(user.value(QLatin1String("email")).toString(),
                              user.value(QLatin1String("language")).toString());
    }
    QVERIFY(!languageOf.isEmpty());
    const RawResponse queued = admin.call("POST", QStringLiteral("/api/v1/admin/weekly-summary"));
    QVERIFY2(queued.status == 200,
             QByteArray(QByteArray::number(queued.status) + ' ' + queued.body).constData());
    const QJsonObject answer = QJsonDocument::fromJson(queued.body).object();
    QCOMPARE(answer.value(QLatin1String("queued")).toInt(), languageOf.size());
    QCOMPARE(answer.value(QLatin1String("channel")).toString(), QStringLiteral("staff-mail"));
    const auto summaries = [this] {
        QList<QJsonObject> out;
        for (const QJsonObject &mail : mails())
            if (mail.value(QLatin1String("message_id")).toString().startsWith(u"<weekly."))
                out.append(mail);
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(summaries().size(), languageOf.size(), 60000);
    for (const QJsonObject &mail : summaries()) {
        const auto text
            = [&](const char *key) { return mail.value(QLatin1String(key)).toString(); };
        const QString to = mail.value(QLatin1String("rcpt_tos")).toArray().first().toString();
        QVERIFY2(languageOf.contains(to), qPrintable(to));
        const bool chinese = languageOf.value(to) == u"zh";
        QVERIFY2(text("subject").startsWith(chinese ? QStringLiteral("每周摘要：")
                                                    : QStringLiteral("Weekly summary: ")),
                 qPrintable(text("subject")));
        for (const QString &section : chinese
                 ? QStringList {QStringLiteral("超时最多的环节："), QStringLiteral("满意度："),
                                QStringLiteral("周末积压：")}
                 : QStringList {QStringLiteral("Steps that breached most:"),
                                QStringLiteral("Satisfaction:"),
                                QStringLiteral("Backlog at the end of the week:")})
            QVERIFY2(text("text").contains(section), qPrintable(text("text")));
        QVERIFY2(!text("text").contains(QStringLiteral("/tickets/")), qPrintable(text("text")));
        QCOMPARE(text("in_reply_to"), QStringLiteral("None")); // no header (Python str(None))
    }
    const RawResponse again = admin.call("POST", QStringLiteral("/api/v1/admin/weekly-summary"));
    QCOMPARE(again.status, 200);
    QCOMPARE(QJsonDocument::fromJson(again.body).object().value(QLatin1String("queued")).toInt(),
             0);
}

// The email plugin as Baton loads it, to a server that speaks TLS from the first byte (implicit
// TLS, port 465 style) and offers AUTH LOGIN only: the mail arrives, over TLS, logged in.
void tst_Email::implicitTlsWithAuthLogin()
{
    const QString mails = m_dir.filePath(QStringLiteral("implicit-mails"));
    QVERIFY(QDir().mkpath(mails));
    QProcess smtp;
    QString error;
    const quint16 port = startSmtpServer(smtp, mails, QStringLiteral("implicit-login"), &error);
    QVERIFY2(port, qPrintable(error));
    QPluginLoader loader(QFileInfo(QStringLiteral(BATON_BINARY))
                             .dir()
                             .filePath(QStringLiteral("plugins/libbaton_email.so")));
    auto *email = qobject_cast<NotificationChannel *>(loader.instance());
    QVERIFY2(email, qPrintable(loader.errorString()));
    const ChannelSettings settings {
        QStringLiteral("smtps"),
        {{QStringLiteral("host"), QStringLiteral("127.0.0.1")},
         {QStringLiteral("port"), QString::number(port)},
         {QStringLiteral("tls"), QStringLiteral("implicit")},
         {QStringLiteral("username"), smtpUser},
         {QStringLiteral("password"), smtpPassword},
         {QStringLiteral("from"), QStringLiteral("Baton <baton@example.com>")},
         {QStringLiteral("base_url"), QStringLiteral("https://baton.example.com/")},
         {QStringLiteral("ca_file"), m_dir.filePath(QStringLiteral("cert.pem"))}}};
    QVERIFY(email->checkSettings(settings).ok());
    Notification n;
    n.deliveryId = QStringLiteral("7.3.smtps.amy.0");
    n.recipient = QStringLiteral("amy");
    n.address = QStringLiteral("amy@example.com");
    n.kind = QStringLiteral("sla_breached");
    n.language = QStringLiteral("en");
    n.subject = QStringLiteral("IT-7 Printer");
    n.message = QStringLiteral("The SLA is breached.");
    n.ticketId = 7;
    n.ticketKey = QStringLiteral("IT-7");
    n.ticketTitle = QStringLiteral("Printer");
    n.createdAt = QDateTime::currentDateTimeUtc();
    const Result<QString> sent = email->deliver(settings, n);
    QVERIFY2(sent.ok(), sent.ok() ? "" : qPrintable(sent.error()));
    QFile summary(mails + QStringLiteral("/1.json"));
    QTRY_VERIFY_WITH_TIMEOUT(summary.exists(), 30000);
    QVERIFY(summary.open(QIODevice::ReadOnly));
    const QJsonObject mail = QJsonDocument::fromJson(summary.readAll()).object();
    QCOMPARE(mail.value(u"tls").toBool(), true);
    QCOMPARE(mail.value(u"mechanism").toString(), QStringLiteral("LOGIN"));
    QCOMPARE(mail.value(u"login").toString(), smtpUser);
    QCOMPARE(mail.value(u"rcpt_tos").toArray().first().toString(), n.address);
    smtp.kill();
    smtp.waitForFinished(10000);
}

void tst_Email::cleanupTestCase()
{
    m_server.stop();
    m_smtp.terminate();
    m_smtp.waitForFinished(5000);
}

QTEST_GUILESS_MAIN(tst_Email)
#include "tst_email.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The chatrobot and sms plugins as Baton loads them (QPluginLoader, from the built plugin
// folder), each sending to a real local HTTP receiver (httpreceiver.py) that records what
// arrived: the body shapes of WeCom, DingTalk and Feishu robots, DingTalk's signed URL and
// Feishu's signed body checked against the secret, a platform's refusal (200 with an
// errcode) as an error, and an SMS gateway described by settings only.

#include "plugin/notificationchannel.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QPluginLoader>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QUrlQuery>

using namespace Baton;

class tst_HttpChannels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void dingTalkSignsTheUrl();
    void aRefusalInsideA200IsAnError();
    void weComPostsMarkdown();
    void feishuSignsTheBody();
    void chatRobotSettingsAreChecked();
    void smsGatewayFromSettings();
    void smsFormBodyAndFailure();
    void cleanupTestCase();

private:
    NotificationChannel *load(const char *name);
    QJsonObject lastRequest() const;
    QString url(const char *path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(QLatin1String(path));
    }

    QTemporaryDir m_dir;
    QProcess m_receiver;
    quint16 m_port = 0;
    QList<QPluginLoader *> m_loaders;
};

namespace {

Notification breach()
{
    Notification n;
    n.deliveryId = QStringLiteral("42.9.group");
    n.kind = QStringLiteral("sla_breached");
    n.ticketId = 42;
    n.ticketKey = QStringLiteral("IT-42");
    n.ticketTitle = QStringLiteral("打印机卡纸");
    n.payload = R"({"ticket":{"queue":"it-desk"}})";
    return n;
}

ChannelSettings settings(QVariantMap values)
{
    return ChannelSettings {QStringLiteral("group"), std::move(values)};
}

// QVERIFY2 builds its message even when the check passes: error() of a success would throw.
template<typename T> QString errorOf(const Result<T> &result)
{
    return result.ok() ? QString() : result.error();
}

QByteArray hmacBase64(const QByteArray &message, const QByteArray &key)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256).toBase64();
}

} // namespace

void tst_HttpChannels::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    m_port = probe.serverPort();
    probe.close();
    QDir(m_dir.path()).mkdir(QStringLiteral("requests"));
    m_receiver.setProcessChannelMode(QProcess::MergedChannels);
    m_receiver.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral(BATON_SOURCE_DIR "/tests/integration/plugins/httpreceiver.py"),
                      QString::number(m_port), m_dir.filePath(QStringLiteral("requests"))});
    QVERIFY(m_receiver.waitForReadyRead(30000));
    QVERIFY(m_receiver.readAll().contains("ready"));
}

NotificationChannel *tst_HttpChannels::load(const char *name)
{
    const QDir folder(
        QFileInfo(QStringLiteral(BATON_BINARY)).dir().filePath(QStringLiteral("plugins")));
    for (const QString &file : folder.entryList(QDir::Files)) {
        if (!file.contains(QStringLiteral("baton_") + QLatin1String(name)))
            continue;
        auto *loader = new QPluginLoader(folder.filePath(file), this);
        m_loaders.append(loader);
        if (auto *channel = qobject_cast<NotificationChannel *>(loader->instance()))
            return channel;
        qWarning("%s", qPrintable(loader->errorString()));
    }
    return nullptr;
}

QJsonObject tst_HttpChannels::lastRequest() const
{
    const QDir folder(m_dir.filePath(QStringLiteral("requests")));
    int last = 0;
    for (const QString &name : folder.entryList({QStringLiteral("*.json")}, QDir::Files))
        last = std::max(last, QFileInfo(name).baseName().toInt());
    QFile file(folder.filePath(QString::number(last) + QStringLiteral(".json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

void tst_HttpChannels::dingTalkSignsTheUrl()
{
    NotificationChannel *robot = load("chatrobot");
    QVERIFY(robot);
    const QByteArray secret = "SECdingtalk-test-secret+/=";
    const ChannelSettings s
        = settings({{QStringLiteral("kind"), QStringLiteral("dingtalk")},
                    {QStringLiteral("url"), url("/ok?access_token=abc")},
                    {QStringLiteral("secret"), QString::fromLatin1(secret)},
                    {QStringLiteral("base_url"), QStringLiteral("https://baton.example.com")}});
    QVERIFY(robot->checkSettings(s).ok());
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const auto sent = robot->deliver(s, breach());
    QVERIFY2(sent.ok(), qPrintable(errorOf(sent)));
    const QJsonObject request = lastRequest();
    const QUrlQuery query(QUrl(request.value(QLatin1String("path")).toString()));
    QCOMPARE(query.queryItemValue(QStringLiteral("access_token")), QStringLiteral("abc"));
    const QByteArray timestamp = query.queryItemValue(QStringLiteral("timestamp")).toLatin1();
    QVERIFY(timestamp.toLongLong() >= before && timestamp.toLongLong() <= before + 60000);
    // sign = urlencode(base64(HMAC-SHA256(key: secret, message: "timestamp\nsecret")))
    const QByteArray sign = QByteArray::fromPercentEncoding(
        query.queryItemValue(QStringLiteral("sign"), QUrl::FullyEncoded).toLatin1());
    QCOMPARE(sign, hmacBase64(timestamp + '\n' + secret, secret));
    const QJsonObject body
        = QJsonDocument::fromJson(request.value(QLatin1String("body")).toString().toUtf8())
              .object();
    QCOMPARE(body.value(QLatin1String("msgtype")).toString(), QStringLiteral("markdown"));
    const QJsonObject markdown = body.value(QLatin1String("markdown")).toObject();
    QCOMPARE(markdown.value(QLatin1String("title")).toString(),
             QStringLiteral("SLA 已超时：IT-42"));
    const QString text = markdown.value(QLatin1String("text")).toString();
    QVERIFY2(text.contains(QStringLiteral("IT-42")) && text.contains(QStringLiteral("打印机卡纸"))
                 && text.contains(QStringLiteral("it-desk"))
                 && text.contains(QStringLiteral("(https://baton.example.com/tickets/42)")),
             qPrintable(text));
}

void tst_HttpChannels::aRefusalInsideA200IsAnError()
{
    NotificationChannel *robot = load("chatrobot");
    QVERIFY(robot);
    const auto sent = robot->deliver(settings({{QStringLiteral("kind"), QStringLiteral("dingtalk")},
                                               {QStringLiteral("url"), url("/refuse")}}),
                                     breach());
    QVERIFY(!sent.ok());
    QVERIFY2(sent.error().contains(QStringLiteral("sign not match")), qPrintable(errorOf(sent)));
    const auto down = robot->deliver(settings({{QStringLiteral("kind"), QStringLiteral("wecom")},
                                               {QStringLiteral("url"), url("/down")}}),
                                     breach());
    QVERIFY(!down.ok());
    QVERIFY2(down.error().contains(QStringLiteral("503")), qPrintable(errorOf(down)));
}

void tst_HttpChannels::weComPostsMarkdown()
{
    NotificationChannel *robot = load("chatrobot");
    QVERIFY(robot);
    const auto sent = robot->deliver(settings({{QStringLiteral("kind"), QStringLiteral("wecom")},
                                               {QStringLiteral("url"), url("/ok?key=K1")},
                                               {QStringLiteral("language"), QStringLiteral("en")}}),
                                     breach());
    QVERIFY2(sent.ok(), qPrintable(errorOf(sent)));
    const QJsonObject request = lastRequest();
    QCOMPARE(request.value(QLatin1String("path")).toString(), QStringLiteral("/ok?key=K1"));
    QVERIFY(request.value(QLatin1String("headers"))
                .toObject()
                .value(QLatin1String("content-type"))
                .toString()
                .startsWith(QStringLiteral("application/json")));
    const QJsonObject body
        = QJsonDocument::fromJson(request.value(QLatin1String("body")).toString().toUtf8())
              .object();
    QCOMPARE(body.keys(), (QStringList {QStringLiteral("markdown"), QStringLiteral("msgtype")}));
    QCOMPARE(body.value(QLatin1String("msgtype")).toString(), QStringLiteral("markdown"));
    const QString content = body.value(QLatin1String("markdown"))
                                .toObject()
                                .value(QLatin1String("content"))
                                .toString();
    QVERIFY2(content.contains(QStringLiteral("SLA breached"))
                 && content.contains(QStringLiteral("IT-42")),
             qPrintable(content));
}

void tst_HttpChannels::feishuSignsTheBody()
{
    NotificationChannel *robot = load("chatrobot");
    QVERIFY(robot);
    const QByteArray secret = "feishu-secret";
    const auto sent
        = robot->deliver(settings({{QStringLiteral("kind"), QStringLiteral("feishu")},
                                   {QStringLiteral("url"), url("/feishu")},
                                   {QStringLiteral("secret"), QString::fromLatin1(secret)}}),
                         breach());
    QVERIFY2(sent.ok(), qPrintable(errorOf(sent)));
    const QJsonObject body
        = QJsonDocument::fromJson(lastRequest().value(QLatin1String("body")).toString().toUtf8())
              .object();
    QCOMPARE(body.value(QLatin1String("msg_type")).toString(), QStringLiteral("text"));
    QVERIFY(body.value(QLatin1String("content"))
                .toObject()
                .value(QLatin1String("text"))
                .toString()
                .contains(QStringLiteral("IT-42")));
    const QByteArray timestamp = body.value(QLatin1String("timestamp")).toString().toLatin1();
    QVERIFY(qAbs(timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 60);
    // sign = base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty))
    QCOMPARE(body.value(QLatin1String("sign")).toString().toLatin1(),
             hmacBase64({}, timestamp + '\n' + secret));
}

void tst_HttpChannels::chatRobotSettingsAreChecked()
{
    NotificationChannel *robot = load("chatrobot");
    QVERIFY(robot);
    const auto badKind = robot->checkSettings(settings(
        {{QStringLiteral("kind"), QStringLiteral("slack")}, {QStringLiteral("url"), url("/ok")}}));
    QVERIFY(!badKind.ok() && badKind.error().contains(QStringLiteral("'kind'")));
    const auto signedWeCom
        = robot->checkSettings(settings({{QStringLiteral("kind"), QStringLiteral("wecom")},
                                         {QStringLiteral("url"), url("/ok")},
                                         {QStringLiteral("secret"), QStringLiteral("x")}}));
    QVERIFY(!signedWeCom.ok() && signedWeCom.error().contains(QStringLiteral("'secret'")));
    const auto unknown
        = robot->checkSettings(settings({{QStringLiteral("kind"), QStringLiteral("wecom")},
                                         {QStringLiteral("url"), url("/ok")},
                                         {QStringLiteral("colour"), QStringLiteral("red")}}));
    QVERIFY(!unknown.ok() && unknown.error().contains(QStringLiteral("'colour'")));
}

void tst_HttpChannels::smsGatewayFromSettings()
{
    NotificationChannel *sms = load("sms");
    QVERIFY(sms);
    const ChannelSettings s = settings(
        {{QStringLiteral("url"), url("/ok?to={phone}")},
         {QStringLiteral("body"),
          QStringLiteral(R"({"to": "{phone}", "text": "{text}", "id": "{delivery}"})")},
         {QStringLiteral("auth_header"), QStringLiteral("Authorization: Bearer tok-123")},
         {QStringLiteral("base_url"), QStringLiteral("https://baton.example.com")}});
    QVERIFY(sms->checkSettings(s).ok());
    Notification n = breach();
    n.kind = QStringLiteral("sla_warning");
    n.ticketTitle = QStringLiteral("Printer \"jammed\"\nagain");
    n.address = QStringLiteral("+86 138 0013 8000");
    n.language = QStringLiteral("zh");
    const auto sent = sms->deliver(s, n);
    QVERIFY2(sent.ok(), qPrintable(errorOf(sent)));
    const QJsonObject request = lastRequest();
    QCOMPARE(request.value(QLatin1String("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(QUrlQuery(QUrl(request.value(QLatin1String("path")).toString()))
                 .queryItemValue(QStringLiteral("to"), QUrl::FullyDecoded),
             QStringLiteral("+86 138 0013 8000"));
    QCOMPARE(request.value(QLatin1String("headers"))
                 .toObject()
                 .value(QLatin1String("authorization"))
                 .toString(),
             QStringLiteral("Bearer tok-123"));
    QJsonParseError error;
    const QJsonObject body
        = QJsonDocument::fromJson(request.value(QLatin1String("body")).toString().toUtf8(), &error)
              .object();
    QVERIFY2(error.error == QJsonParseError::NoError,
             qPrintable(request.value(QLatin1String("body")).toString()));
    QCOMPARE(body.value(QLatin1String("to")).toString(), n.address);
    QCOMPARE(body.value(QLatin1String("id")).toString(), n.deliveryId);
    const QString text = body.value(QLatin1String("text")).toString();
    QVERIFY2(text.contains(QStringLiteral("SLA 预警")) && text.contains(n.ticketTitle)
                 && text.contains(QStringLiteral("https://baton.example.com/tickets/42")),
             qPrintable(text));
}

void tst_HttpChannels::smsFormBodyAndFailure()
{
    NotificationChannel *sms = load("sms");
    QVERIFY(sms);
    Notification n = breach();
    n.address = QStringLiteral("+8613800138000");
    const auto sent = sms->deliver(
        settings(
            {{QStringLiteral("url"), url("/ok")},
             {QStringLiteral("content_type"), QStringLiteral("application/x-www-form-urlencoded")},
             {QStringLiteral("body"), QStringLiteral("mobile={phone}&content={text}")}}),
        n);
    QVERIFY2(sent.ok(), qPrintable(errorOf(sent)));
    const QUrlQuery form(lastRequest().value(QLatin1String("body")).toString());
    QCOMPARE(form.queryItemValue(QStringLiteral("mobile"), QUrl::FullyDecoded), n.address);
    QVERIFY(form.queryItemValue(QStringLiteral("content"), QUrl::FullyDecoded)
                .contains(QStringLiteral("IT-42")));
    const auto down = sms->deliver(settings({{QStringLiteral("url"), url("/down")},
                                             {QStringLiteral("body"), QStringLiteral("{text}")}}),
                                   n);
    QVERIFY(!down.ok() && down.error().contains(QStringLiteral("503")));
    const auto badTemplate = sms->checkSettings(
        settings({{QStringLiteral("url"), url("/ok")},
                  {QStringLiteral("body"), QStringLiteral("{phone} {mesage}")}}));
    QVERIFY(!badTemplate.ok() && badTemplate.error().contains(QStringLiteral("{mesage}")));
}

void tst_HttpChannels::cleanupTestCase()
{
    m_receiver.terminate();
    m_receiver.waitForFinished(5000);
}

QTEST_GUILESS_MAIN(tst_HttpChannels)
#include "tst_httpchannels.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
//
// The plugin seam (engine/plugin): a class implementing each interface is a Qt plugin with
// JSON metadata, found through QPluginLoader like any plugin, cast to its interface and to no
// other, and exchanges the interface's plain values.

#include "plugin/assignmentstrategy.h"
#include "plugin/authenticator.h"
#include "plugin/eventsink.h"
#include "plugin/notificationchannel.h"
#include "plugin/plugininfo.h"

#include <QPluginLoader>
#include <QTest>
#include <QtPlugin>

Q_IMPORT_PLUGIN(ExampleChannel)
Q_IMPORT_PLUGIN(ExampleSink)
Q_IMPORT_PLUGIN(ExampleStrategy)
Q_IMPORT_PLUGIN(ExampleAuthenticator)

using namespace Baton;
using namespace Qt::StringLiterals;

namespace {

// The static plugin whose metadata names it, with its info.
QObject *pluginNamed(const QString &name, PluginInfo *info = nullptr)
{
    const QList<QStaticPlugin> plugins = QPluginLoader::staticPlugins();
    for (const QStaticPlugin &plugin : plugins) {
        const Result<PluginInfo> read = pluginInfoFromMetaData(plugin.metaData());
        if (read && read->name == name) {
            if (info)
                *info = *read;
            return plugin.instance();
        }
    }
    return nullptr;
}

} // namespace

class TestPluginSeam : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachPluginImplementsExactlyItsInterface_data();
    void eachPluginImplementsExactlyItsInterface();
    void valuesPassThroughTheInterfaces();
    void metadataWithoutNameOrVersionIsRefused();
};

void TestPluginSeam::eachPluginImplementsExactlyItsInterface_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("iid");
    QTest::addColumn<QString>("interface");
    QTest::newRow("channel") << u"example-channel"_s << u"org.baton.NotificationChannel/1.0"_s
                             << u"NotificationChannel"_s;
    QTest::newRow("sink") << u"example-sink"_s << u"org.baton.EventSink/1.0"_s << u"EventSink"_s;
    QTest::newRow("strategy") << u"example-strategy"_s << u"org.baton.AssignmentStrategy/1.0"_s
                              << u"AssignmentStrategy"_s;
    QTest::newRow("authenticator")
        << u"example-authenticator"_s << u"org.baton.Authenticator/1.0"_s << u"Authenticator"_s;
}

void TestPluginSeam::eachPluginImplementsExactlyItsInterface()
{
    QFETCH(QString, name);
    QFETCH(QString, iid);
    QFETCH(QString, interface);
    PluginInfo info;
    QObject *plugin = pluginNamed(name, &info);
    QVERIFY2(plugin, qPrintable(name));
    QCOMPARE(info.interfaceId, iid);
    QCOMPARE(info.version, u"1.0.0"_s);
    QVERIFY(!info.description.isEmpty());

    QStringList implemented;
    if (qobject_cast<NotificationChannel *>(plugin))
        implemented << u"NotificationChannel"_s;
    if (qobject_cast<EventSink *>(plugin))
        implemented << u"EventSink"_s;
    if (qobject_cast<AssignmentStrategy *>(plugin))
        implemented << u"AssignmentStrategy"_s;
    if (qobject_cast<Authenticator *>(plugin))
        implemented << u"Authenticator"_s;
    QCOMPARE(implemented, QStringList {interface});
}

void TestPluginSeam::valuesPassThroughTheInterfaces()
{
    auto *channel = qobject_cast<NotificationChannel *>(pluginNamed(u"example-channel"_s));
    QVERIFY(channel);
    const ChannelSettings settings {u"staff-mail"_s, {{u"to"_s, u"ops@example.com"_s}}};
    QVERIFY(channel->checkSettings(settings).ok());
    const Result<void> bad = channel->checkSettings(ChannelSettings {u"empty"_s, {}});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error(), u"channel 'empty' lacks 'to'"_s);
    Notification notification;
    notification.deliveryId = u"d-17"_s;
    notification.ticketKey = u"IT-42"_s;
    const Result<QString> receipt = channel->deliver(settings, notification);
    QVERIFY(receipt.ok());
    QCOMPARE(*receipt, u"staff-mail d-17 IT-42"_s);

    auto *sink = qobject_cast<EventSink *>(pluginNamed(u"example-sink"_s));
    QVERIFY(sink);
    QCOMPARE(sink->eventTypes(), QStringList {u"sla_breached"_s});
    EventRecord record;
    record.sequence = 0;
    QVERIFY(!sink->consume(record).ok());
    record.sequence = 3;
    QVERIFY(sink->consume(record).ok());

    auto *strategy = qobject_cast<AssignmentStrategy *>(pluginNamed(u"example-strategy"_s));
    QVERIFY(strategy);
    AssignmentRequest request;
    request.queue = u"billing"_s;
    QCOMPARE(*strategy->choose(request), QString()); // nobody: the ticket waits in the queue
    request.candidates
        = {{u"ana"_s, 4, {}, 0, {}}, {u"bo"_s, 1, {}, 0, {}}, {u"cy"_s, 1, {}, 0, {}}};
    QCOMPARE(*strategy->choose(request), u"bo"_s);

    auto *authenticator = qobject_cast<Authenticator *>(pluginNamed(u"example-authenticator"_s));
    QVERIFY(authenticator);
    QVERIFY(!authenticator->authenticate({}, {u"mei"_s, u"wrong"_s, u"127.0.0.1"_s}).ok());
    const Result<AuthenticatedIdentity> identity
        = authenticator->authenticate({}, {u"MEI"_s, u"correct horse"_s, u"127.0.0.1"_s});
    QVERIFY(identity.ok());
    QCOMPARE(identity->username, u"mei"_s);
    QCOMPARE(identity->groups, QStringList {u"support"_s});
}

void TestPluginSeam::metadataWithoutNameOrVersionIsRefused()
{
    const QJsonObject noName {{u"IID"_s, u"org.baton.EventSink/1.0"_s},
                              {u"MetaData"_s, QJsonObject {{u"version"_s, u"1.0"_s}}}};
    QCOMPARE(pluginInfoFromMetaData(noName).error(), u"its metadata has no \"name\""_s);
    const QJsonObject noVersion {{u"IID"_s, u"org.baton.EventSink/1.0"_s},
                                 {u"MetaData"_s, QJsonObject {{u"name"_s, u"audit"_s}}}};
    QCOMPARE(pluginInfoFromMetaData(noVersion).error(),
             u"plugin 'audit': its metadata has no \"version\""_s);
    QCOMPARE(pluginInfoFromMetaData(QJsonObject {}).error(),
             u"not a Qt plugin (no IID in its metadata)"_s);
}

QTEST_GUILESS_MAIN(TestPluginSeam)
#include "tst_pluginseam.moc"

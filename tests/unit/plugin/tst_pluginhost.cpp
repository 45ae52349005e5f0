// SPDX-License-Identifier: GPL-3.0-or-later
//
// The plugin host (engine/pluginhost): a plugin built outside the tree, by its own CMake
// project against the installed headers, loads from a folder by name; a library that cannot
// load is reported by its name with the reason, and the others load all the same.

#include "plugin/notificationchannel.h"
#include "pluginhost/pluginhost.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Qt::StringLiterals;

namespace {

// Runs cmake with the arguments; its output on failure.
QString cmake(const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(BATON_CMAKE), arguments);
    if (!process.waitForFinished(300000))
        return u"cmake did not finish: "_s + arguments.join(u' ');
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return u"cmake "_s + arguments.join(u' ') + u" failed:\n"_s
            + QString::fromLocal8Bit(process.readAll());
    return {};
}

} // namespace

class TestPluginHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void loadsTheExternalPluginByName();
    void reportsEachFailureByNameAndKeepsTheRest();
    void aMissingFolderLoadsNothing();
    void aRelativeFolderIsReadFromTheWorkingFolder();

private:
    QTemporaryDir m_work;
    QString m_plugins;
    PluginHost m_host;
};

void TestPluginHost::initTestCase()
{
    QVERIFY(m_work.isValid());
    const QString prefix = m_work.filePath(u"prefix"_s);
    const QString build = m_work.filePath(u"build"_s);
    m_plugins = m_work.filePath(u"plugins"_s);
    QString failed = cmake({u"--install"_s, QStringLiteral(BATON_BUILD_DIR), u"--component"_s,
                            u"plugin-development"_s, u"--prefix"_s, prefix});
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    QVERIFY(QFile::exists(prefix + u"/include/baton/plugin/notificationchannel.h"_s));
    failed = cmake({u"-S"_s, QStringLiteral(BATON_SOURCE_DIR "/tests/unit/plugin/external"),
                    u"-B"_s, build, u"-G"_s, u"Ninja"_s, u"-DCMAKE_PREFIX_PATH="_s + prefix,
                    u"-DCMAKE_BUILD_TYPE=Release"_s});
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    failed = cmake({u"--build"_s, build, u"-j2"_s});
    QVERIFY2(failed.isEmpty(), qPrintable(failed));

    QVERIFY(QDir().mkpath(m_plugins));
    for (const QString &name : {u"libhello_channel.so"_s, u"libunversioned_channel.so"_s})
        QVERIFY2(QFile::copy(build + u'/' + name, m_plugins + u'/' + name), qPrintable(name));
    QFile junk(m_plugins + u"/libjunk.so"_s);
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a shared library");
    junk.close();
    QFile readme(m_plugins + u"/README.txt"_s); // not a library: not even tried
    QVERIFY(readme.open(QIODevice::WriteOnly));
    readme.close();
    m_host.loadFolder(m_plugins);
}

void TestPluginHost::loadsTheExternalPluginByName()
{
    for (const PluginFailure &failure : m_host.failures())
        qInfo("not loaded: %s", qPrintable(failure.toString()));
    QCOMPARE(m_host.loaded().size(), 1);
    const LoadedPlugin &hello = m_host.loaded().first();
    QCOMPARE(hello.info.name, u"hello"_s);
    QCOMPARE(hello.info.version, u"2.5.0"_s);
    QCOMPARE(hello.info.interfaceId, u"org.baton.NotificationChannel/1.0"_s);
    QCOMPARE(m_host.channelNames(), QStringList {u"hello"_s});
    NotificationChannel *channel = m_host.channel(u"hello"_s);
    QVERIFY(channel);
    const ChannelSettings settings {u"greeter"_s, {{u"greeting"_s, u"hi"_s}}};
    QVERIFY(channel->checkSettings(settings).ok());
    QCOMPARE(channel->checkSettings({u"greeter"_s, {}}).error(), u"'greeting' is required"_s);
    Notification notification;
    notification.deliveryId = u"d-1"_s;
    QCOMPARE(*channel->deliver(settings, notification), u"hi d-1"_s);
    QVERIFY(!m_host.channel(u"unversioned"_s));
}

void TestPluginHost::reportsEachFailureByNameAndKeepsTheRest()
{
    QStringList failures;
    for (const PluginFailure &failure : m_host.failures())
        failures.append(failure.toString());
    QCOMPARE(failures.size(), 2);
    QVERIFY2(failures[0].startsWith(u"libjunk: "_s), qPrintable(failures[0]));
    QCOMPARE(failures[1], u"unversioned: plugin 'unversioned': its metadata has no \"version\""_s);
}

void TestPluginHost::aMissingFolderLoadsNothing()
{
    PluginHost host;
    host.loadFolder(m_work.filePath(u"nowhere"_s));
    QVERIFY(host.loaded().isEmpty());
    QVERIFY(host.failures().isEmpty());
}

void TestPluginHost::aRelativeFolderIsReadFromTheWorkingFolder()
{
    // `baton serve --plugins build/plugins`: every file was found and none loaded ("the shared
    // library was not found"), because QPluginLoader looks relative names up elsewhere.
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(QFileInfo(m_plugins).absolutePath()));
    PluginHost host;
    host.loadFolder(QFileInfo(m_plugins).fileName());
    QDir::setCurrent(before);
    QStringList loaded;
    for (const LoadedPlugin &plugin : host.loaded())
        loaded.append(plugin.info.name);
    QCOMPARE(loaded, QStringList {u"hello"_s});
}

QTEST_GUILESS_MAIN(TestPluginHost)
#include "tst_pluginhost.moc"

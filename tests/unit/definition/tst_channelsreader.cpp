// SPDX-License-Identifier: GPL-3.0-or-later
// channels.yaml (engine/definition/channelsreader.h): tests/fixtures/channels/good/ reads
// clean; each file of tests/fixtures/channels/bad/ gives exactly its `# expect:` lines (secrets
// checked against an environment holding only BATON_TEST_SET); `baton validate` prints them as
// FILE:LINE:COL; secrets are resolved only by resolveChannelSecrets.
// Run with BATON_PRINT_ACTUAL=1 to print what the reader says, in the expect format.

#include "definition/channelsreader.h"
#include "definition/workflowset.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Qt::StringLiterals;

namespace {

const QString fixtures = QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures/channels");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

std::optional<QString> testEnvironment(const QString &name)
{
    if (name == u"BATON_TEST_SET" || name == u"BATON_SMTP_PASSWORD"
        || name == u"BATON_WEBHOOK_SECRET" || name == u"BATON_OPS_KEY")
        return u"s3cret-"_s + name;
    return std::nullopt;
}

QStringList render(const Diagnostics &diagnostics)
{
    QStringList lines;
    for (const Diagnostic &d : diagnostics)
        lines.append(QString::number(d.line) + u':' + QString::number(d.column) + u": "
                     + (d.isError() ? u"error: " : u"warning: ") + d.message);
    return lines;
}

} // namespace

class TestChannelsReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goodFileReadsClean();
    void badFiles_data();
    void badFiles();
    void secretsStayReferencesUntilResolved();
    void validatePrintsFileLineColumn();
    void workflowFolderReadsChannelsAndNotAsAWorkflow();
};

void TestChannelsReader::goodFileReadsClean()
{
    const QString path = fixtures + u"/good/channels.yaml"_s;
    const ChannelsReadResult read = readChannels(readAll(path), path, testEnvironment);
    QVERIFY2(read.ok(), qPrintable(render(read.diagnostics).join(u'\n')));
    QCOMPARE(read.channels.size(), 2);
    const ChannelDefinition &mail = read.channels[0];
    QCOMPARE(mail.name, u"staff-mail"_s);
    QCOMPARE(mail.plugin, u"email"_s);
    QCOMPARE(mail.settings.value(u"port"_s).toString(), u"587"_s);
    QVERIFY(!mail.settings.contains(u"plugin"_s));
    QCOMPARE(mail.mark.line, 3);
    const ChannelDefinition &hook = read.channels[1];
    QCOMPARE(hook.events, (QStringList {u"sla_breached"_s, u"escalated"_s}));
    QCOMPARE(hook.workflows, QStringList {u"complaint"_s});
    QVERIFY(!hook.settings.contains(u"events"_s));
    QCOMPARE(hook.secretNames, (QStringList {u"BATON_WEBHOOK_SECRET"_s, u"BATON_OPS_KEY"_s}));
}

void TestChannelsReader::badFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList names
        = QDir(fixtures + u"/bad"_s).entryList({u"*.yaml"_s}, QDir::Files, QDir::Name);
    QVERIFY(!names.isEmpty());
    for (const QString &name : names)
        QTest::newRow(qPrintable(name)) << fixtures + u"/bad/"_s + name;
}

void TestChannelsReader::badFiles()
{
    QFETCH(QString, path);
    const QByteArray text = readAll(path);
    const QStringList actual = render(readChannels(text, path, testEnvironment).diagnostics);
    if (qEnvironmentVariableIsSet("BATON_PRINT_ACTUAL"))
        for (const QString &line : actual)
            qInfo().noquote() << "# expect:" << line;
    QStringList expected;
    static const QRegularExpression expect(u"^# expect: (.*)$"_s,
                                           QRegularExpression::MultilineOption);
    for (auto it = expect.globalMatch(QString::fromUtf8(text)); it.hasNext();)
        expected.append(it.next().captured(1).trimmed());
    QVERIFY2(!expected.isEmpty(), qPrintable(path + u" declares no # expect: line"_s));
    QCOMPARE(actual, expected);
}

void TestChannelsReader::secretsStayReferencesUntilResolved()
{
    const QString path = fixtures + u"/good/channels.yaml"_s;
    const ChannelsReadResult read = readChannels(readAll(path), path, testEnvironment);
    const ChannelDefinition &hook = read.channels[1];
    QCOMPARE(hook.settings.value(u"secret"_s).toString(), u"${BATON_WEBHOOK_SECRET}"_s);
    const Result<QVariantMap> values = resolveChannelSecrets(hook, testEnvironment);
    QVERIFY(values.ok());
    QCOMPARE(values->value(u"secret"_s).toString(), u"s3cret-BATON_WEBHOOK_SECRET"_s);
    QCOMPARE(values->value(u"headers"_s).toStringList(),
             (QStringList {u"X-Team: ops"_s, u"X-Key: s3cret-BATON_OPS_KEY"_s}));
    const Result<QVariantMap> unset
        = resolveChannelSecrets(hook, [](const QString &) { return std::nullopt; });
    QCOMPARE(unset.error(), u"channel 'ops-hook': environment variable BATON_OPS_KEY is not set"_s);
}

void TestChannelsReader::validatePrintsFileLineColumn()
{
    const QString path = fixtures + u"/bad/structure.yaml"_s;
    QTemporaryDir dir;
    const QString copy = dir.filePath(u"channels.yaml"_s);
    QVERIFY(QFile::copy(path, copy));
    QProcess validate;
    validate.start(QStringLiteral(BATON_BINARY), {u"validate"_s, copy});
    QVERIFY(validate.waitForFinished(60000));
    QCOMPARE(validate.exitCode(), 1);
    const QString out = QString::fromUtf8(validate.readAllStandardOutput());
    QVERIFY2(out.startsWith(
                 copy + u":2:3: error: channel 'staff-mail' lacks the required key 'plugin'"_s),
             qPrintable(out));

    QProcess good;
    QTemporaryDir goodDir;
    QVERIFY(QFile::copy(fixtures + u"/good/channels.yaml"_s, goodDir.filePath(u"channels.yaml"_s)));
    good.start(QStringLiteral(BATON_BINARY), {u"validate"_s, goodDir.filePath(u"channels.yaml"_s)});
    QVERIFY(good.waitForFinished(60000));
    QCOMPARE(good.exitCode(), 0); // its secrets are not set here, and need not be
}

void TestChannelsReader::workflowFolderReadsChannelsAndNotAsAWorkflow()
{
    QTemporaryDir dir;
    QVERIFY(QFile::copy(QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures/good/org.yaml"),
                        dir.filePath(u"org.yaml"_s)));
    QFile channels(dir.filePath(u"channels.yaml"_s));
    QVERIFY(channels.open(QIODevice::WriteOnly));
    channels.write(
        "channels:\n  hook:\n    plugin: webhook\n    secret: ${BATON_TEST_UNSET_VARIABLE}\n");
    channels.close();
    const WorkflowSet set = loadWorkflowDirectory(dir.path());
    QCOMPARE(set.channels.size(), 1);
    QStringList lines;
    for (const Diagnostic &d : set.diagnostics)
        lines.append(d.toString());
    QCOMPARE(lines,
             QStringList {dir.filePath(u"channels.yaml"_s)
                          + u":4:13: error: 'secret': environment variable "
                            u"BATON_TEST_UNSET_VARIABLE is not set"_s});
}

QTEST_GUILESS_MAIN(TestChannelsReader)
#include "tst_channelsreader.moc"

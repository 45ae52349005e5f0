// SPDX-License-Identifier: GPL-3.0-or-later
// deploy/systemd/baton.service as systemd reads it: `systemd-analyze verify` must load it
// without a single complaint (unknown keys and unparsable values are only warnings there, so
// any output fails), and `systemd-analyze security` must rate its exposure "OK" (2.0 or less
// on systemd's 0-10 scale), which takes the sandboxing options, not only valid syntax.
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;

class tst_SystemdUnit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void unitLoadsWithoutWarnings();
    void unitIsSandboxed();

private:
    /// Runs systemd-analyze; its merged output, and whether it exited 0.
    bool analyze(const QStringList &arguments, QString *output) const;

    QString m_analyze;
    QTemporaryDir m_dir;
    QString m_unit;
};

void tst_SystemdUnit::initTestCase()
{
    m_analyze = QStandardPaths::findExecutable(u"systemd-analyze"_s);
    if (m_analyze.isEmpty()) {
        if (qEnvironmentVariableIsSet("BATON_REQUIRE_SYSTEMD"))
            QFAIL("systemd-analyze is not installed and BATON_REQUIRE_SYSTEMD is set (make "
                  "test-deps installs the Debian package systemd)");
        QSKIP("systemd-analyze is not installed (Debian package systemd)");
    }
    QVERIFY(m_dir.isValid());
    // verify checks that ExecStart's program exists: point it at the binary just built.
    QFile shipped(QStringLiteral(BATON_SOURCE_DIR "/deploy/systemd/baton.service"));
    QVERIFY(shipped.open(QIODevice::ReadOnly));
    QString text = QString::fromUtf8(shipped.readAll());
    QCOMPARE(text.count(u"ExecStart=/usr/local/bin/baton "_s), 1);
    text.replace(u"ExecStart=/usr/local/bin/baton "_s, u"ExecStart=" BATON_BINARY " "_s);
    m_unit = m_dir.filePath(u"baton.service"_s);
    QFile copy(m_unit);
    QVERIFY(copy.open(QIODevice::WriteOnly) && copy.write(text.toUtf8()) > 0);
}

bool tst_SystemdUnit::analyze(const QStringList &arguments, QString *output) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(m_analyze, arguments);
    if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        *output = u"systemd-analyze did not finish"_s;
        return false;
    }
    *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

void tst_SystemdUnit::unitLoadsWithoutWarnings()
{
    QString output;
    const bool ok = analyze({u"verify"_s, u"--man=no"_s, m_unit}, &output);
    QVERIFY2(ok && output.trimmed().isEmpty(), qPrintable(output));
}

void tst_SystemdUnit::unitIsSandboxed()
{
    QString output;
    // --threshold=20: fails above an exposure of 2.0 ("OK" ends there, "MEDIUM" follows).
    const bool ok = analyze(
        {u"security"_s, u"--offline=true"_s, u"--threshold=20"_s, u"--no-pager"_s, m_unit},
        &output);
    QVERIFY2(ok, qPrintable(output));
    QVERIFY2(output.contains(u"Overall exposure level for baton.service"_s), qPrintable(output));
    for (const QString &check :
         {u"✓ PrivateDevices="_s, u"✓ ProtectSystem="_s, u"✓ ProtectHome="_s,
          u"✓ NoNewPrivileges="_s, u"✓ MemoryDenyWriteExecute="_s, u"✓ SystemCallFilter=~@"_s,
          u"✓ RestrictAddressFamilies=~AF_PACKET"_s, u"✓ PrivateTmp="_s,
          u"✓ ProtectKernelModules="_s, u"✓ ProtectKernelTunables="_s})
        QVERIFY2(output.contains(check), qPrintable(check + u" is not met:\n"_s + output));
}

QTEST_GUILESS_MAIN(tst_SystemdUnit)
#include "tst_systemdunit.moc"

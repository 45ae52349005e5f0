// SPDX-License-Identifier: GPL-3.0-or-later
// `baton validate` as users and CI run it: the built binary, real files, output and exit code.

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString fixtures = QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures");

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run validate(const QStringList &files, const QString &workingDirectory = fixtures)
{
    QProcess process;
    process.setWorkingDirectory(workingDirectory);
    process.start(QStringLiteral(BATON_BINARY), QStringList {QStringLiteral("validate")} + files);
    if (!process.waitForFinished(60000))
        qFatal("baton validate did not finish");
    return Run {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestValidateCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goodFilesPassWithExitZero()
    {
        const Run run
            = validate({QStringLiteral("good/org.yaml"), QStringLiteral("good/jump-queue.yaml")});
        QCOMPARE(run.out, QString());
        QCOMPARE(run.err, QStringLiteral("2 files checked, 0 errors, 0 warnings\n"));
        QCOMPARE(run.exitCode, 0);
    }

    void workflowFindsTheOrganisationInItsFolder()
    {
        const Run run = validate({QStringLiteral("good/jump-queue.yaml")});
        QCOMPARE(run.out, QString());
        QCOMPARE(run.exitCode, 0);
    }

    void problemsArePrintedInCompilerFormatWithExitOne()
    {
        const Run run = validate(
            {QStringLiteral("good/org.yaml"), QStringLiteral("bad/to-names-no-state.yaml")});
        QCOMPARE(
            run.out,
            QStringLiteral("bad/to-names-no-state.yaml:7:21: error: transition 'approve' goes to "
                           "'expedit', which is not a state (did you mean 'expedite'?)\n"
                           "bad/to-names-no-state.yaml:12:18: error: transition 'back' goes to "
                           "'nowhere-at-all', which is not a state\n"));
        QCOMPARE(run.err, QStringLiteral("2 files checked, 2 errors, 0 warnings\n"));
        QCOMPARE(run.exitCode, 1);
    }

    void warningsAloneDoNotFail()
    {
        const Run run = validate(
            {QStringLiteral("good/org.yaml"), QStringLiteral("bad/escalation-warnings.yaml")});
        QVERIFY2(run.out.contains(QStringLiteral("bad/escalation-warnings.yaml:15:29: warning: ")),
                 qPrintable(run.out));
        QVERIFY(!run.out.contains(QStringLiteral(": error: ")));
        QCOMPARE(run.exitCode, 0);
    }

    void organisationFilesAreCheckedAsOrganisation()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QFile::copy(fixtures + QStringLiteral("/bad/org/overlapping-hours.yaml"),
                            dir.filePath(QStringLiteral("org.yaml"))));
        const Run run = validate({QStringLiteral("org.yaml")}, dir.path());
        QCOMPARE(run.out,
                 QStringLiteral("org.yaml:5:16: error: business hours \"09:00-12:30\" and "
                                "\"12:00-18:00\" overlap\n"
                                "org.yaml:6:12: error: business hours \"09:00-13:00\" and "
                                "\"10:00-11:00\" overlap\n"));
        QCOMPARE(run.exitCode, 1);
    }

    void workflowWithoutOrganisationIsAnError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QFile::copy(fixtures + QStringLiteral("/good/jump-queue.yaml"),
                            dir.filePath(QStringLiteral("jump-queue.yaml"))));
        const Run run = validate({QStringLiteral("jump-queue.yaml")}, dir.path());
        QVERIFY2(run.out.startsWith(QStringLiteral("jump-queue.yaml:1:1: error: no org.yaml")),
                 qPrintable(run.out));
        QCOMPARE(run.exitCode, 1);
    }

    void unreadableFileIsAnError()
    {
        const Run run = validate({QStringLiteral("no/such/file.yaml")});
        QVERIFY2(run.out.startsWith(
                     QStringLiteral("no/such/file.yaml:1:1: error: cannot read the file")),
                 qPrintable(run.out));
        QCOMPARE(run.err, QStringLiteral("1 file checked, 1 error, 0 warnings\n"));
        QCOMPARE(run.exitCode, 1);
    }

    void aliasBombIsRejected()
    {
        const Run run
            = validate({QStringLiteral("good/org.yaml"), QStringLiteral("bad/alias-bomb.yaml")});
        QVERIFY2(
            run.out.contains(QStringLiteral("bad/alias-bomb.yaml:11:47: error: aliases expand")),
            qPrintable(run.out));
        QCOMPARE(run.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestValidateCommand)
#include "tst_validatecommand.moc"

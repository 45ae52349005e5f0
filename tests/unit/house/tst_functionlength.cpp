// SPDX-License-Identifier: GPL-3.0-or-later
// No function in engine/ is longer than 80 lines, except the plain tables named below. The
// extents come from universal-ctags (Debian package universal-ctags, installed by
// `make test-deps`), as /work/longfuncs.sh counts them: from the line of the name to the line
// of the closing brace. Without universal-ctags the test fails; it never passes unchecked.
#include "sourcetree.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace House;

namespace {

constexpr int maximumLines = 80;

// Plain tables: functions that only list data, one entry a line, where splitting would hide
// the table rather than explain it. "file:function". Empty today; a function joins only if it
// is a table, not because it grew.
const QStringList tablesAllowedToBeLong = {};

struct Function
{
    QString file;
    QString name;
    int line = 0;
    int lines = 0;
};

QString universalCtags()
{
    for (const char *name : {"ctags-universal", "universal-ctags", "ctags"}) {
        const QString path = QStandardPaths::findExecutable(QString::fromLatin1(name));
        if (path.isEmpty())
            continue;
        QProcess version;
        version.start(path, {QStringLiteral("--version")});
        if (version.waitForFinished(10000)
            && version.readAllStandardOutput().startsWith("Universal Ctags"))
            return path;
    }
    return {};
}

} // namespace

class TestFunctionLength : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void noLongFunctions();

private:
    QList<Function> m_functions;
};

void TestFunctionLength::initTestCase()
{
    const QString ctags = universalCtags();
    QVERIFY2(!ctags.isEmpty(),
             "universal-ctags is not installed (apt-get install universal-ctags, "
             "or make test-deps): the function lengths cannot be checked");
    QProcess run;
    run.setWorkingDirectory(sourceDir());
    run.start(ctags,
              {QStringLiteral("--languages=C++"), QStringLiteral("--kinds-C++=f"),
               QStringLiteral("--fields=+neK"), QStringLiteral("-R"), QStringLiteral("-u"),
               QStringLiteral("-f"), QStringLiteral("-"), QStringLiteral("engine")});
    QVERIFY2(run.waitForFinished(120000), "ctags did not finish");
    QCOMPARE(run.exitCode(), 0);
    const auto lines = QString::fromUtf8(run.readAllStandardOutput()).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QStringList fields = line.split(QLatin1Char('\t'));
        if (fields.size() < 3)
            continue;
        Function f {fields.at(1), fields.at(0), 0, 0};
        int end = 0;
        for (const QString &field : fields) {
            if (field.startsWith(QLatin1String("line:")))
                f.line = field.mid(5).toInt();
            else if (field.startsWith(QLatin1String("end:")))
                end = field.mid(4).toInt();
        }
        if (f.line > 0 && end >= f.line) {
            f.lines = end - f.line + 1;
            m_functions.append(f);
        }
    }
    // ctags must have read the engine: hundreds of functions, each with its end line.
    QVERIFY2(m_functions.size() > 500,
             qPrintable(QStringLiteral("ctags found only %1 functions with an end line")
                            .arg(m_functions.size())));
}

void TestFunctionLength::noLongFunctions()
{
    QStringList tooLong;
    QStringList allowedSeen;
    for (const Function &f : std::as_const(m_functions)) {
        if (f.lines <= maximumLines)
            continue;
        const QString key = f.file + QLatin1Char(':') + f.name;
        if (tablesAllowedToBeLong.contains(key)) {
            allowedSeen << key;
            continue;
        }
        tooLong << QStringLiteral("%1:%2: %3 has %4 lines")
                       .arg(f.file)
                       .arg(f.line)
                       .arg(f.name)
                       .arg(f.lines);
    }
    for (const QString &function : std::as_const(tooLong))
        qWarning().noquote() << function;
    QVERIFY2(tooLong.isEmpty(),
             qPrintable(QStringLiteral("%1 functions longer than %2 lines (listed above): split "
                                       "them; only plain tables go into tablesAllowedToBeLong")
                            .arg(tooLong.size())
                            .arg(maximumLines)));
    // An entry of the list that is no longer long goes, so the list stays true.
    for (const QString &table : tablesAllowedToBeLong)
        QVERIFY2(allowedSeen.contains(table),
                 qPrintable(table
                            + QStringLiteral(" is at most 80 lines now: remove it from the list")));
}

QTEST_GUILESS_MAIN(TestFunctionLength)
#include "tst_functionlength.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
//
// Diagrams of workflows: properties of the Mermaid and DOT renderings, and golden files.
//
// Golden files: every tests/fixtures/diagrams/NAME.yaml (read with the organisation of
// tests/fixtures/diagrams/org.yaml, as `baton diagram` would) and the shipped
// workflows/jump-queue.yaml (golden files tests/fixtures/diagrams/jump-queue.*) are drawn and
// compared byte for byte with NAME.mmd and NAME.dot beside the fixture; so is a workflow
// built in code (built-refund.*). After an intended change of the output, regenerate them with
//
//     BATON_UPDATE_GOLDEN=1 build-dir/tests/tst_diagram
//
// then read the diff (git diff tests/fixtures/diagrams) before committing it.

#include "definition/diagram.h"
#include "definition/orgreader.h"
#include "definition/workflowset.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

namespace {

Transition to(const QString &name, const QString &target, const QString &title = {})
{
    Transition t;
    t.name = name;
    t.to = target;
    t.title = title;
    return t;
}

State queueState(const QString &name, const QString &queue, QList<Transition> transitions,
                 const QString &title = {})
{
    State s;
    s.name = name;
    s.title = title;
    s.queue = queue;
    s.transitions = std::move(transitions);
    return s;
}

State finalState(const QString &name, const QString &title = {})
{
    State s;
    s.name = name;
    s.title = title;
    s.final = true;
    return s;
}

/// A small workflow with a parallel state, an originator step, a paused step and `any:`.
Workflow parallelWorkflow()
{
    Workflow w;
    w.id = QStringLiteral("refund");
    w.title = QStringLiteral("Refund");
    w.initial = QStringLiteral("check");
    w.states << queueState(
        QStringLiteral("check"), QStringLiteral("billing"),
        {to(QStringLiteral("approve"), QStringLiteral("pay"), QStringLiteral("Approve")),
         to(QStringLiteral("reject"), QStringLiteral("tell"))},
        QStringLiteral("Check the claim"));
    State pay;
    pay.name = QStringLiteral("pay");
    pay.title = QStringLiteral("Pay out");
    Branch money;
    money.name = QStringLiteral("money");
    money.queue = QStringLiteral("billing");
    money.transitions << to(QStringLiteral("paid"), QStringLiteral("@done"));
    Branch ledger;
    ledger.name = QStringLiteral("ledger");
    ledger.title = QStringLiteral("Book it");
    ledger.queue = QStringLiteral("ground-ops");
    ledger.transitions << to(QStringLiteral("booked"), QStringLiteral("@done"))
                       << to(QStringLiteral("cannot"), QStringLiteral("@fail"));
    pay.branches << money << ledger;
    pay.thenState = QStringLiteral("tell");
    pay.elseState = QStringLiteral("check");
    w.states << pay;
    State tell;
    tell.name = QStringLiteral("tell");
    tell.assignee = QStringLiteral("originator");
    tell.transitions << to(QStringLiteral("close"), QStringLiteral("done"));
    w.states << tell;
    State wait;
    wait.name = QStringLiteral("wait");
    wait.assignee = QStringLiteral("originator");
    wait.sla.pause = true;
    wait.transitions << to(QStringLiteral("resume"), QStringLiteral("check"));
    w.states << wait;
    w.states << finalState(QStringLiteral("done"), QStringLiteral("Closed"));
    w.any << to(QStringLiteral("ask_customer"), QStringLiteral("wait"));
    return w;
}

Organisation smallOrganisation()
{
    Organisation org;
    org.departments.insert(QStringLiteral("billing"),
                           {QStringLiteral("billing"),
                            QStringLiteral("Billing and Invoicing"),
                            QStringLiteral("hk-office"),
                            {}});
    org.departments.insert(QStringLiteral("ground-ops"),
                           {QStringLiteral("ground-ops"),
                            QStringLiteral("Ground Operations"),
                            QStringLiteral("always"),
                            {}});
    QueueDef billing;
    billing.name = QStringLiteral("billing");
    billing.department = QStringLiteral("billing");
    org.queues.insert(billing.name, billing);
    QueueDef ground;
    ground.name = QStringLiteral("ground-ops");
    ground.department = QStringLiteral("ground-ops");
    org.queues.insert(ground.name, ground);
    return org;
}

QString sourcePath(const QString &relative)
{
    return QStringLiteral(BATON_SOURCE_DIR "/") + relative;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

/// Compares text with a golden file, or rewrites the file when BATON_UPDATE_GOLDEN=1.
bool matchesGolden(const QString &text, const QString &goldenPath, QString *why)
{
    const QByteArray actual = text.toUtf8();
    if (qEnvironmentVariableIntValue("BATON_UPDATE_GOLDEN") == 1) {
        QFile file(goldenPath);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            *why = u"cannot write " + goldenPath;
            return false;
        }
        file.write(actual);
        return true;
    }
    const QByteArray expected = readAll(goldenPath);
    if (expected == actual)
        return true;
    const QList<QByteArray> a = actual.split('\n');
    const QList<QByteArray> e = expected.split('\n');
    for (qsizetype i = 0; i < std::max(a.size(), e.size()); ++i) {
        const QByteArray al = a.value(i), el = e.value(i);
        if (al != el) {
            *why = QStringLiteral("%1 differs at line %2:\n  expected: %3\n  actual:   %4\n"
                                  "(BATON_UPDATE_GOLDEN=1 rewrites the golden files)")
                       .arg(goldenPath)
                       .arg(i + 1)
                       .arg(QString::fromUtf8(el), QString::fromUtf8(al));
            break;
        }
    }
    return false;
}

struct LoadedWorkflow
{
    Organisation organisation;
    std::shared_ptr<Workflow> workflow;
    QString problems; ///< the diagnostics, when there were errors
};

/// Reads a workflow file with the org.yaml beside it, as `baton diagram` does.
LoadedWorkflow loadWithOrganisation(const QString &workflowPath, const QString &orgPath)
{
    LoadedWorkflow loaded;
    OrganisationReadResult org = readOrganisation(readAll(orgPath), orgPath);
    loaded.organisation = org.organisation;
    Diagnostics diagnostics = org.diagnostics;
    const WorkflowReadResult read
        = checkWorkflowText(readAll(workflowPath), loaded.organisation, workflowPath, nullptr,
                            QFileInfo(workflowPath).completeBaseName());
    diagnostics << read.diagnostics;
    if (hasErrors(diagnostics) || !read.workflow) {
        for (const Diagnostic &d : std::as_const(diagnostics))
            loaded.problems += d.toString() + u'\n';
        return loaded;
    }
    loaded.workflow = read.workflow;
    return loaded;
}

} // namespace

class TestDiagram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mermaidIdsAreSafe_data();
    void mermaidIdsAreSafe();
    void mermaidTextEscapesReservedCharacters();
    void mermaidDrawsParallelStateAsConcurrentRegions();
    void bilingualTitlesAreDrawnInEnglish();
    void anyTransitionsAreDrawnOnce();
    void finalStatesEndTheDiagram();
    void organisationColoursStatesByDepartment();
    void dotHasClustersAndDoubleBorderedFinals();
    void outputIsDeterministic();
    void builtWorkflowMatchesGolden();
    void goldenFilesMatch_data();
    void goldenFilesMatch();
    void dotRendersWithGraphviz_data();
    void dotRendersWithGraphviz();
    void commandLine_data();
    void commandLine();
};

void TestDiagram::mermaidIdsAreSafe_data()
{
    QTest::addColumn<QString>("stateName");
    QTest::addColumn<QString>("expectedId");
    QTest::newRow("a plain name is kept") << "review"
                                          << "review";
    QTest::newRow("hyphens become underscores") << "wait-for-customer"
                                                << "wait_for_customer";
    QTest::newRow("a keyword prefix is guarded") << "default"
                                                 << "s_default";
    QTest::newRow("keywords are case-insensitive") << "StateOfPlay"
                                                   << "s_StateOfPlay";
    QTest::newRow("mermaid's own start ids are avoided") << "root"
                                                         << "s_root";
    QTest::newRow("a _start suffix is avoided") << "go_start"
                                                << "go_start_";
    QTest::newRow("direction is never spelt out") << "redirection"
                                                  << "redirn";
    QTest::newRow("non-ASCII letters become underscores") << "審核"
                                                          << "__";
}

void TestDiagram::mermaidIdsAreSafe()
{
    QFETCH(QString, stateName);
    QFETCH(QString, expectedId);
    Workflow w;
    w.id = QStringLiteral("ids");
    w.initial = stateName;
    w.states << queueState(stateName, QStringLiteral("q"),
                           {to(QStringLiteral("go"), QStringLiteral("end"))})
             << finalState(QStringLiteral("end"));
    const QString mermaid = toMermaid(w);
    QVERIFY2(mermaid.contains(u"[*] --> " + expectedId + u'\n'), qPrintable(mermaid));
    QVERIFY2(mermaid.contains(u"state \"" + stateName + u"\" as " + expectedId + u'\n'),
             qPrintable(mermaid));
    // The final state "end" itself is guarded too.
    QVERIFY2(mermaid.contains(QStringLiteral("s_end --> [*]")), qPrintable(mermaid));
    // Every id of an edge line is made of word characters only.
    static const QRegularExpression edge(QStringLiteral("^\\s*(\\S+) --> (\\S+)"),
                                         QRegularExpression::MultilineOption);
    auto it = edge.globalMatch(mermaid);
    while (it.hasNext()) {
        const auto m = it.next();
        for (int i = 1; i <= 2; ++i) {
            const QString id = m.captured(i);
            QVERIFY2(id == u"[*]"
                         || QRegularExpression(QStringLiteral("^\\w+$")).match(id).hasMatch(),
                     qPrintable(id));
        }
    }
}

void TestDiagram::mermaidTextEscapesReservedCharacters()
{
    Workflow w;
    w.id = QStringLiteral("esc");
    w.title = QStringLiteral("Escapes: \"all\"; #1 <b>&</b> 100% direction LR");
    w.initial = QStringLiteral("a");
    w.states << queueState(
        QStringLiteral("a"), QStringLiteral("q"),
        {to(QStringLiteral("go"), QStringLiteral("b"), QStringLiteral("Go: now; #2"))},
        QStringLiteral("Say \"hi\"\nthen wait"))
             << queueState(QStringLiteral("b"), QStringLiteral("q"),
                           {to(QStringLiteral("a-b"), QStringLiteral("a"))})
             << finalState(QStringLiteral("c"));
    w.states[1].transitions << to(QStringLiteral("close"), QStringLiteral("c"));
    const QString mermaid = toMermaid(w);
    QVERIFY2(mermaid.contains(QStringLiteral(
                 "accTitle: Escapes#58; #quot;all#quot;#59; #35;1 #lt;b#gt;#amp;#lt;/b#gt; 100#37; "
                 "direct#105;on LR\n")),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("state \"Say #quot;hi#quot; then wait\" as a\n")),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("a --> b : Go#58; now#59; #35;2\n")),
             qPrintable(mermaid));
    // A transition name is a label, not an id: its hyphen stays.
    QVERIFY2(mermaid.contains(QStringLiteral("b --> a : a-b\n")), qPrintable(mermaid));
}

void TestDiagram::mermaidDrawsParallelStateAsConcurrentRegions()
{
    const QString mermaid = toMermaid(parallelWorkflow());
    const QString composite = QStringLiteral("    state \"Pay out\" as pay {\n"
                                             "        state \"money\" as pay_money\n"
                                             "        pay_money : billing\n"
                                             "        [*] --> pay_money\n"
                                             "        pay_money --> [*] : paid\n"
                                             "        --\n"
                                             "        state \"Book it\" as pay_ledger\n"
                                             "        pay_ledger : ground-ops\n"
                                             "        state \"@fail\" as pay_ledger_fail\n"
                                             "        [*] --> pay_ledger\n"
                                             "        pay_ledger --> [*] : booked\n"
                                             "        pay_ledger --> pay_ledger_fail : cannot\n"
                                             "    }\n");
    QVERIFY2(mermaid.contains(composite), qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("    pay --> tell : then (all done)\n")),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("    pay --> check : else (a branch failed)\n")),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("class pay_ledger_fail failEnd\n")),
             qPrintable(mermaid));
}

void TestDiagram::bilingualTitlesAreDrawnInEnglish()
{
    Workflow w = parallelWorkflow();
    w.title = LocalText(QStringLiteral("Refund"), QStringLiteral("退款"));
    w.states[0].title = LocalText(QStringLiteral("Check the claim"), QStringLiteral("核对申请"));
    w.states[0].transitions[0].title = LocalText(QString(), QStringLiteral("批准"));
    w.states[1].branches[1].title = LocalText(QStringLiteral("Book it"), QStringLiteral("记账"));
    for (const QString &text : {toMermaid(w), toDot(w)}) {
        QVERIFY2(text.contains(QStringLiteral("Check the claim")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Book it")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("核对")) && !text.contains(QStringLiteral("记账")),
                 qPrintable(text));
        // Only Chinese given: that text, as English falls back to it.
        QVERIFY2(text.contains(QStringLiteral("批准")), qPrintable(text));
    }
    QVERIFY(toMermaid(w).contains(QStringLiteral("accTitle: Refund\n")));
}

void TestDiagram::anyTransitionsAreDrawnOnce()
{
    const Workflow w = parallelWorkflow();
    const QString mermaid = toMermaid(w);
    QCOMPARE(mermaid.count(QStringLiteral(" : ask_customer")), 1);
    QVERIFY2(mermaid.contains(QStringLiteral("    state \"any non-final state\" as any\n")),
             qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("    any --> wait : ask_customer\n")),
             qPrintable(mermaid));
    const QString dot = toDot(w);
    QCOMPARE(dot.count(QStringLiteral("ask_customer")), 1);
    QVERIFY2(
        dot.contains(QStringLiteral("\"any\" -> \"wait\" [label=\"ask_customer\", style=dashed")),
        qPrintable(dot));

    Workflow without = w;
    without.any.clear();
    QVERIFY(!toMermaid(without).contains(QStringLiteral("any non-final state")));
    QVERIFY(!toDot(without).contains(QStringLiteral("any non-final state")));
}

void TestDiagram::finalStatesEndTheDiagram()
{
    const QString mermaid = toMermaid(parallelWorkflow());
    QVERIFY2(mermaid.contains(QStringLiteral("    [*] --> check\n")), qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("    done --> [*]\n")), qPrintable(mermaid));
    QCOMPARE(mermaid.count(QStringLiteral("--> [*]\n")),
             1); // only the final state; @done is labelled
    QVERIFY2(mermaid.contains(QStringLiteral("tell : ↩ originator\n")), qPrintable(mermaid));
    QVERIFY2(mermaid.contains(QStringLiteral("wait : SLA clock paused\n")), qPrintable(mermaid));
}

void TestDiagram::organisationColoursStatesByDepartment()
{
    const Workflow w = parallelWorkflow();
    const Organisation org = smallOrganisation();
    const QString plain = toMermaid(w);
    QVERIFY(!plain.contains(QStringLiteral("dept_")));
    const QString coloured = toMermaid(w, &org);
    QVERIFY2(coloured.contains(QStringLiteral("check : billing · Billing and Invoicing\n")),
             qPrintable(coloured));
    QVERIFY2(
        coloured.contains(QStringLiteral("classDef dept_billing fill:#dbeafe,stroke:#2563eb\n")),
        qPrintable(coloured));
    QVERIFY2(coloured.contains(QStringLiteral("class check,pay_money dept_billing\n")),
             qPrintable(coloured));
    QVERIFY2(coloured.contains(QStringLiteral("class pay_ledger dept_ground_ops\n")),
             qPrintable(coloured));
    const QString dot = toDot(w, &org);
    QVERIFY2(
        dot.contains(QStringLiteral("\"check\" [label=\"Check the claim\\nbilling · Billing and "
                                    "Invoicing\", fillcolor=\"#dbeafe\", color=\"#2563eb\"];")),
        qPrintable(dot));
}

void TestDiagram::dotHasClustersAndDoubleBorderedFinals()
{
    const QString dot = toDot(parallelWorkflow());
    QVERIFY(dot.startsWith(QStringLiteral("digraph \"refund\" {\n")));
    QVERIFY(dot.endsWith(QStringLiteral("}\n")));
    QVERIFY2(dot.contains(QStringLiteral("subgraph \"cluster_pay\" {")), qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral("subgraph \"cluster_pay_money\" {")), qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral("subgraph \"cluster_pay_ledger\" {")), qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral("\"done\" [label=\"Closed\", peripheries=2];")),
             qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral("\"pay_ledger\" -> \"pay_fail\" [label=\"cannot\"];")),
             qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral("\"pay_join\" -> \"tell\" [label=\"then (all done)\", "
                                         "ltail=\"cluster_pay\"];")),
             qPrintable(dot));
    QVERIFY2(dot.contains(QStringLiteral(
                 "\"check\" -> \"pay\" [label=\"Approve\", lhead=\"cluster_pay\"];")),
             qPrintable(dot));
}

void TestDiagram::outputIsDeterministic()
{
    const Organisation org = smallOrganisation();
    const Workflow w = parallelWorkflow();
    QCOMPARE(toMermaid(w, &org), toMermaid(parallelWorkflow(), &org));
    QCOMPARE(toDot(w, &org), toDot(parallelWorkflow(), &org));
}

void TestDiagram::builtWorkflowMatchesGolden()
{
    const Organisation org = smallOrganisation();
    const Workflow w = parallelWorkflow();
    QString why;
    QVERIFY2(matchesGolden(toMermaid(w, &org),
                           sourcePath(QStringLiteral("tests/fixtures/diagrams/built-refund.mmd")),
                           &why),
             qPrintable(why));
    QVERIFY2(matchesGolden(toDot(w, &org),
                           sourcePath(QStringLiteral("tests/fixtures/diagrams/built-refund.dot")),
                           &why),
             qPrintable(why));
}

void TestDiagram::goldenFilesMatch_data()
{
    QTest::addColumn<QString>("workflowPath");
    QTest::addColumn<QString>("orgPath");
    QTest::addColumn<QString>("goldenBase");
    const QString fixtures = sourcePath(QStringLiteral("tests/fixtures/diagrams"));
    const QDir dir(fixtures);
    for (const QString &name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
        if (name == u"org.yaml")
            continue;
        const QString base = QFileInfo(name).completeBaseName();
        QTest::newRow(qPrintable(u"fixture " + base + u" is drawn as its golden files"))
            << dir.filePath(name) << dir.filePath(QStringLiteral("org.yaml")) << dir.filePath(base);
    }
    QTest::newRow("the shipped jump-queue is drawn as its golden files")
        << sourcePath(QStringLiteral("workflows/jump-queue.yaml"))
        << sourcePath(QStringLiteral("workflows/org.yaml"))
        << dir.filePath(QStringLiteral("jump-queue"));
}

void TestDiagram::goldenFilesMatch()
{
    QFETCH(QString, workflowPath);
    QFETCH(QString, orgPath);
    QFETCH(QString, goldenBase);
    const LoadedWorkflow loaded = loadWithOrganisation(workflowPath, orgPath);
    QVERIFY2(loaded.workflow, qPrintable(loaded.problems));
    QString why;
    QVERIFY2(matchesGolden(toMermaid(*loaded.workflow, &loaded.organisation),
                           goldenBase + QStringLiteral(".mmd"), &why),
             qPrintable(why));
    QVERIFY2(matchesGolden(toDot(*loaded.workflow, &loaded.organisation),
                           goldenBase + QStringLiteral(".dot"), &why),
             qPrintable(why));
}

void TestDiagram::dotRendersWithGraphviz_data()
{
    QTest::addColumn<QString>("workflowPath");
    QTest::addColumn<QString>("orgPath");
    QTest::newRow("a workflow built in code renders") << QString() << QString();
    QTest::newRow("the shipped jump-queue renders")
        << sourcePath(QStringLiteral("workflows/jump-queue.yaml"))
        << sourcePath(QStringLiteral("workflows/org.yaml"));
    QTest::newRow("the fixture with keyword-like names renders")
        << sourcePath(QStringLiteral("tests/fixtures/diagrams/repair.yaml"))
        << sourcePath(QStringLiteral("tests/fixtures/diagrams/org.yaml"));
}

void TestDiagram::dotRendersWithGraphviz()
{
    QFETCH(QString, workflowPath);
    QFETCH(QString, orgPath);
    const QString dot = QStandardPaths::findExecutable(QStringLiteral("dot"));
    if (dot.isEmpty())
        QSKIP("Graphviz's dot is not installed (Debian package graphviz)");
    QString text;
    if (workflowPath.isEmpty()) {
        const Organisation org = smallOrganisation();
        text = toDot(parallelWorkflow(), &org);
    } else {
        const LoadedWorkflow loaded = loadWithOrganisation(workflowPath, orgPath);
        QVERIFY2(loaded.workflow, qPrintable(loaded.problems));
        text = toDot(*loaded.workflow, &loaded.organisation);
    }
    QProcess process;
    process.start(dot, {QStringLiteral("-Tsvg")});
    QVERIFY(process.waitForStarted());
    process.write(text.toUtf8());
    process.closeWriteChannel();
    QVERIFY(process.waitForFinished(60000));
    const QByteArray errors = process.readAllStandardError();
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
             errors.constData());
    QVERIFY2(errors.isEmpty(), errors.constData()); // Graphviz warns about bad clusters on stderr
    QVERIFY(process.readAllStandardOutput().contains("<svg"));
}

void TestDiagram::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stdoutStart");
    QTest::addColumn<QString>("stderrContains");
    const QString jumpQueue = sourcePath(QStringLiteral("workflows/jump-queue.yaml"));
    QTest::newRow("mermaid is the default") << QStringList {jumpQueue} << 0 << "stateDiagram-v2\n"
                                            << QString();
    QTest::newRow("--format dot draws Graphviz")
        << QStringList {jumpQueue, QStringLiteral("--format"), QStringLiteral("dot")} << 0
        << "digraph \"jump-queue\" {\n"
        << QString();
    QTest::newRow("an unknown format is a usage error")
        << QStringList {jumpQueue, QStringLiteral("--format=svg")} << 2 << QString()
        << "unknown format 'svg'";
    QTest::newRow("no file is a usage error")
        << QStringList {} << 2 << QString() << "no workflow file";
    QTest::newRow("a workflow with errors prints them and fails")
        << QStringList {QStringLiteral("TMP/broken.yaml")} << 1 << QString()
        << "TMP/broken.yaml:4:14: error: queue 'nope'";
}

void TestDiagram::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, stdoutStart);
    QFETCH(QString, stderrContains);
    if (!QFileInfo(QStringLiteral(BATON_BINARY)).isExecutable())
        QSKIP("the baton binary is not built");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QVERIFY(QFile::copy(sourcePath(QStringLiteral("tests/fixtures/diagrams/org.yaml")),
                        tmp.filePath(QStringLiteral("org.yaml"))));
    QFile broken(tmp.filePath(QStringLiteral("broken.yaml")));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("workflow: broken\ninitial: x\nstates:\n  x: {queue: nope, on: {go: {to: y}}}\n"
                 "  y: {final: true}\n");
    broken.close();
    for (QString &argument : arguments)
        argument.replace(QStringLiteral("TMP"), tmp.path());
    stderrContains.replace(QStringLiteral("TMP"), tmp.path());

    QProcess process;
    process.start(QStringLiteral(BATON_BINARY),
                  QStringList {QStringLiteral("diagram")} + arguments);
    QVERIFY(process.waitForFinished(60000));
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), exitCode);
    QVERIFY2(out.startsWith(stdoutStart), qPrintable(out.left(200)));
    if (exitCode != 0)
        QVERIFY2(out.isEmpty(), qPrintable(out.left(200)));
    QVERIFY2(err.contains(stderrContains), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestDiagram)
#include "tst_diagram.moc"

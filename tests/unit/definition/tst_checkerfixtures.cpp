// SPDX-License-Identifier: GPL-3.0-or-later
// The checker against the fixture files: every file under tests/fixtures/good/ is clean, and
// every file under tests/fixtures/bad/ produces exactly the diagnostics its `# expect:` lines
// list (LINE:COLUMN: error|warning: MESSAGE, in order). Workflows are checked against
// tests/fixtures/good/org.yaml; files under bad/org/ are read as organisations.
// Run with BATON_PRINT_ACTUAL=1 to print what the checker says, in the expect format.

#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "definition/workflowset.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

using namespace Baton;

namespace {

const QString fixtures = QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures");

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

QStringList expectations(const QByteArray &text)
{
    QStringList lines;
    static const QRegularExpression expect(QStringLiteral("^# expect: (.*)$"),
                                           QRegularExpression::MultilineOption);
    auto it = expect.globalMatch(QString::fromUtf8(text));
    while (it.hasNext())
        lines.append(it.next().captured(1).trimmed());
    return lines;
}

QStringList render(const Diagnostics &diagnostics)
{
    QStringList lines;
    for (const Diagnostic &d : diagnostics)
        lines.append(QString::number(d.line) + u':' + QString::number(d.column) + u": "
                     + (d.isError() ? u"error: " : u"warning: ") + d.message);
    return lines;
}

Organisation goodOrganisation()
{
    const OrganisationReadResult org = readOrganisation(
        readAll(fixtures + QStringLiteral("/good/org.yaml")), QStringLiteral("org.yaml"));
    if (!org.ok())
        qFatal("tests/fixtures/good/org.yaml has errors");
    return org.organisation;
}

void compare(const QString &path, const Diagnostics &diagnostics, const QByteArray &text)
{
    const QStringList actual = render(diagnostics);
    if (qEnvironmentVariableIsSet("BATON_PRINT_ACTUAL"))
        for (const QString &line : actual)
            qInfo().noquote() << "# expect:" << line;
    const QStringList expected = expectations(text);
    QVERIFY2(!expected.isEmpty(), qPrintable(path + QStringLiteral(" declares no # expect: line")));
    if (actual != expected)
        qWarning().noquote() << QString(
            QStringLiteral("actual:\n  ") + actual.join(QStringLiteral("\n  "))
            + QStringLiteral("\nexpected:\n  ") + expected.join(QStringLiteral("\n  ")));
    QCOMPARE(actual, expected);
}

} // namespace

class TestCheckerFixtures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goodFilesHaveNoDiagnostics_data();
    void goodFilesHaveNoDiagnostics();
    void badWorkflowsGiveExactlyTheExpectedDiagnostics_data();
    void badWorkflowsGiveExactlyTheExpectedDiagnostics();
    void badOrganisationsGiveExactlyTheExpectedDiagnostics_data();
    void badOrganisationsGiveExactlyTheExpectedDiagnostics();
    void goodFolderLoadsAsAWorkflowSet();
    void languageExampleIsReadCompletely();
    void generatedLargeWorkflowIsClean();
    void unknownStateIsSuggestedAndDoesNotMakeOthersUnreachable();
};

void TestCheckerFixtures::goodFilesHaveNoDiagnostics_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(fixtures + QStringLiteral("/good"));
    for (const QString &name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(name)) << dir.filePath(name);
}

void TestCheckerFixtures::goodFilesHaveNoDiagnostics()
{
    QFETCH(QString, path);
    const QByteArray text = readAll(path);
    Diagnostics diagnostics;
    if (QFileInfo(path).fileName() == u"org.yaml") {
        diagnostics = readOrganisation(text, path).diagnostics;
    } else {
        const Organisation org = goodOrganisation();
        WorkflowReadOptions options;
        options.expectedId = QFileInfo(path).completeBaseName();
        const WorkflowReadResult result = readWorkflow(text, path, &org, options);
        QVERIFY(result.workflow);
        diagnostics = result.diagnostics;
    }
    QCOMPARE(render(diagnostics), QStringList());
}

void TestCheckerFixtures::badWorkflowsGiveExactlyTheExpectedDiagnostics_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(fixtures + QStringLiteral("/bad"));
    for (const QString &name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(name)) << dir.filePath(name);
}

void TestCheckerFixtures::badWorkflowsGiveExactlyTheExpectedDiagnostics()
{
    QFETCH(QString, path);
    const QByteArray text = readAll(path);
    const Organisation org = goodOrganisation();
    WorkflowReadOptions options;
    options.expectedId = QFileInfo(path).completeBaseName();
    const WorkflowReadResult result = readWorkflow(text, path, &org, options);
    // Links are checked against the good workflows, as in a workflows folder.
    const QString other = fixtures + QStringLiteral("/good/jump-queue.yaml");
    const WorkflowReadResult jumpQueue = readWorkflow(readAll(other), other, &org);
    Diagnostics diagnostics
        = result.diagnostics + checkWorkflowLinks({{path, &result}, {other, &jumpQueue}});
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic &a, const Diagnostic &b) {
                         return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    compare(path, diagnostics, text);
}

void TestCheckerFixtures::badOrganisationsGiveExactlyTheExpectedDiagnostics_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(fixtures + QStringLiteral("/bad/org"));
    for (const QString &name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(name)) << dir.filePath(name);
}

void TestCheckerFixtures::badOrganisationsGiveExactlyTheExpectedDiagnostics()
{
    QFETCH(QString, path);
    const QByteArray text = readAll(path);
    compare(path, readOrganisation(text, path).diagnostics, text);
}

void TestCheckerFixtures::goodFolderLoadsAsAWorkflowSet()
{
    const WorkflowSet set = loadWorkflowDirectory(fixtures + QStringLiteral("/good"));
    QCOMPARE(render(set.diagnostics), QStringList());
    QVERIFY(set.organisation.queues.contains(QStringLiteral("billing")));
    QVERIFY(!set.workflows.isEmpty());
}

void TestCheckerFixtures::languageExampleIsReadCompletely()
{
    const Organisation org = goodOrganisation();
    QCOMPARE(org.calendars.value(QStringLiteral("hk-office")).week[0].size(), 2);
    QCOMPARE(org.calendars.value(QStringLiteral("hk-office")).week[5].size(), 1);
    QCOMPARE(org.calendars.value(QStringLiteral("hk-office")).holidays.size(), 3);
    QCOMPARE(org.calendarOfDepartment(QStringLiteral("billing")), QStringLiteral("hk-office"));
    QCOMPARE(org.queues.value(QStringLiteral("billing")).escalateTo,
             QStringLiteral("finance-managers"));
    // Organisation titles per language, like workflow text; a plain string is the same in both,
    // and a queue without a title is titled by its name.
    const QueueDef supervisors = org.queues.value(QStringLiteral("cs-supervisors"));
    QCOMPARE(supervisors.title.text(Language::En), QStringLiteral("Customer service supervisors"));
    QCOMPARE(supervisors.title.text(Language::Zh), QStringLiteral("客服主管"));
    QCOMPARE(org.queues.value(QStringLiteral("billing")).title.text(Language::Zh),
             QStringLiteral("Billing desk"));
    QCOMPARE(org.queues.value(QStringLiteral("finance-managers")).title.text(Language::Zh),
             QStringLiteral("finance-managers"));
    QCOMPARE(org.departments.value(QStringLiteral("finance")).title.text(Language::Zh),
             QStringLiteral("Finance"));

    const WorkflowReadResult result
        = readWorkflow(readAll(fixtures + QStringLiteral("/good/jump-queue.yaml")),
                       QStringLiteral("jump-queue.yaml"), &org);
    QVERIFY(result.ok());
    const Workflow &wf = *result.workflow;
    QCOMPARE(wf.id, QStringLiteral("jump-queue"));
    QCOMPARE(wf.initial, QStringLiteral("review"));
    QCOMPARE(wf.states.size(), 5);
    QVERIFY(wf.startWhen.isSet());
    QCOMPARE(wf.field(QStringLiteral("urgency"))->defaultValue, QVariant(QStringLiteral("high")));
    QCOMPARE(wf.field(QStringLiteral("awb"))->pattern, QStringLiteral("^[0-9]{12}$"));
    QVERIFY(wf.field(QStringLiteral("awb"))->required);
    const State *review = wf.state(QStringLiteral("review"));
    QCOMPARE(review->queue, QStringLiteral("cs-supervisors"));
    QCOMPARE(*review->sla.respond->defaultSeconds, 15 * 60);
    QCOMPARE(review->sla.resolve->forTier(QStringLiteral("A")), std::optional<qint64>(30 * 60));
    QCOMPARE(review->sla.resolve->forTier(QStringLiteral("C")), std::optional<qint64>(2 * 3600));
    QCOMPARE(review->transition(QStringLiteral("approve"))->roles,
             QStringList {QStringLiteral("supervisor")});
    // Text per language ({en, zh}); a plain string is the same in both.
    QCOMPARE(review->title.text(Language::En), QStringLiteral("Supervisor review"));
    QCOMPARE(review->title.text(Language::Zh), QStringLiteral("主管审核"));
    QCOMPARE(review->transition(QStringLiteral("approve"))->title.text(Language::Zh),
             QStringLiteral("批准"));
    QCOMPARE(wf.field(QStringLiteral("awb"))->label.text(Language::Zh), QStringLiteral("空运单号"));
    QCOMPARE(wf.field(QStringLiteral("reason"))->label.text(Language::Zh),
             QStringLiteral("What the customer needs"));
    QCOMPARE(review->transition(QStringLiteral("decline"))->title.text(Language::Zh),
             QStringLiteral("decline")); // no title: the name
    QCOMPARE(LocalText(QString(), QStringLiteral("只有中文")).text(Language::En),
             QStringLiteral("只有中文"));
    const State *expedite = wf.state(QStringLiteral("expedite"));
    QCOMPARE(expedite->branches.size(), 2);
    QCOMPARE(expedite->thenState, QStringLiteral("answer"));
    QCOMPARE(expedite->branch(QStringLiteral("ground"))->transition(QStringLiteral("cannot"))->to,
             QStringLiteral("@fail"));
    QVERIFY(wf.state(QStringLiteral("waiting_customer"))->sla.pause);
    QVERIFY(wf.state(QStringLiteral("closed"))->final);
    QCOMPARE(wf.any.size(), 1);
    QCOMPARE(wf.escalation.size(), 3);
    QCOMPARE(wf.escalation[1].priorityDelta, 1);
    QCOMPARE(wf.escalation[2].percent, 150);
    QCOMPARE(wf.escalation[2].moveTo, QStringLiteral("queue.escalate_to"));
    QCOMPARE(wf.handoffs->max, 3);
    QCOMPARE(*wf.sla.resolve->defaultSeconds, 86400);
    QCOMPARE(wf.sla.calendar, QStringLiteral("always"));
}

void TestCheckerFixtures::generatedLargeWorkflowIsClean()
{
    // 2,000 states in a chain with a way back and an `any` transition: the graph checks must
    // handle it (the benchmark measures how fast).
    QByteArray text = "workflow: big\nfields:\n  note: {type: text}\ninitial: s0\nstates:\n";
    const int count = 2000;
    for (int i = 0; i < count; ++i) {
        const QByteArray next
            = i + 1 < count ? QByteArray("s") + QByteArray::number(i + 1) : QByteArray("done");
        text += QByteArray("  s") + QByteArray::number(i)
            + QByteArray(":\n    queue: billing\n    on:\n      next: {to: ") + next
            + QByteArray(", requires: [note], when: ticket.priority > 1}\n      back: {to: s0}\n");
    }
    text += "  done: {final: true}\nany:\n  park: {to: s1}\n";
    const Organisation org = goodOrganisation();
    WorkflowReadOptions options;
    options.expectedId = QStringLiteral("big");
    const WorkflowReadResult result = readWorkflow(text, QStringLiteral("big.yaml"), &org, options);
    QCOMPARE(render(result.diagnostics), QStringList());
    QCOMPARE(result.workflow->states.size(), count + 1);
}

void TestCheckerFixtures::unknownStateIsSuggestedAndDoesNotMakeOthersUnreachable()
{
    const QByteArray text = "workflow: w\ninitial: a\nstates:\n"
                            "  a: {queue: billing, on: {go: {to: midle}}}\n"
                            "  middle: {queue: billing, on: {go: {to: c}}}\n"
                            "  c: {final: true}\n";
    const Organisation org = goodOrganisation();
    const WorkflowReadResult result = readWorkflow(text, QStringLiteral("w.yaml"), &org);
    QCOMPARE(
        render(result.diagnostics),
        QStringList {QStringLiteral("4:37: error: transition 'go' goes to 'midle', which is not "
                                    "a state (did you mean 'middle'?)")});
}

QTEST_GUILESS_MAIN(TestCheckerFixtures)
#include "tst_checkerfixtures.moc"

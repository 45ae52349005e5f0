// SPDX-License-Identifier: GPL-3.0-or-later
//
// Benchmark: checking a 2,000-state workflow (quality.md: `baton validate` ≤ 100 ms).
//
// Generates a valid organisation and a realistic 2,000-state workflow (queues and originator
// steps, conditions, `requires`, `set`, tiered SLAs, a parallel state every 100 states, `any:`,
// escalation) into a temporary folder, then times
//   (a) reading and checking them in-process (readOrganisation + checkWorkflowText), and
//   (b) the `baton validate` binary end to end (process start, reading, checking, exit),
// several times each, and reports median and max; plus, as floors for (a), the time yaml-cpp
// alone takes to load the workflow text (YAML::Load, no checking) and to go through it with
// the event parser that our reader uses (YAML::Parser, a handler that does nothing).
//
// Usage: bench_validate [OUTDIR]   — writes OUTDIR/bench_validate.json (default: .)

#include "definition/orgreader.h"
#include "definition/workflowset.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

using namespace Baton;

namespace {

constexpr int stateCount = 2000;
constexpr int departmentCount = 20;
constexpr int queuesPerDepartment = 2;
constexpr int inProcessRuns = 15;
constexpr int binaryRuns = 10;
constexpr double targetMs = 100.0;

QByteArray generateOrganisation()
{
    QByteArray y;
    y += "calendars:\n"
         "  office:\n"
         "    timezone: Asia/Hong_Kong\n"
         "    week:\n"
         "      mon-fri: [\"09:00-12:30\", \"13:30-18:00\"]\n"
         "      sat: [\"09:00-13:00\"]\n"
         "    holidays: [2027-01-01, 2027-02-06, 2027-02-08, 2027-02-09, 2027-03-26]\n"
         "  always:\n"
         "    timezone: UTC\n"
         "    week: {mon-sun: [\"00:00-24:00\"]}\n"
         "departments:\n";
    for (int d = 0; d < departmentCount; ++d) {
        y += "  dept-" + QByteArray::number(d) + ": {title: Department " + QByteArray::number(d);
        y += d == 0 ? ", calendar: office}\n"
                    : (d % 5 == 0 ? ", calendar: always}\n" : ", parent: dept-0}\n");
    }
    y += "roles:\n  sales: Salespeople\nqueues:\n";
    for (int d = 0; d < departmentCount; ++d) {
        for (int q = 0; q < queuesPerDepartment; ++q) {
            const QByteArray name = "q-" + QByteArray::number(d) + "-" + QByteArray::number(q);
            y += "  " + name + ":\n    department: dept-" + QByteArray::number(d)
                + "\n    title: Queue " + QByteArray::number(d) + "/" + QByteArray::number(q)
                + "\n    primary: [u" + QByteArray::number(d) + "a]\n    backup: [u"
                + QByteArray::number(d) + "b]\n    manager: m" + QByteArray::number(d) + "\n";
            if (q == 0 && d > 0)
                y += "    escalate_to: q-0-1\n";
            else if (q == 1 && d > 0)
                y += "    escalate_to: q-" + QByteArray::number(d) + "-0\n";
        }
    }
    return y;
}

QByteArray queueName(int i)
{
    return "q-" + QByteArray::number(i % departmentCount) + "-"
        + QByteArray::number((i / departmentCount) % queuesPerDepartment);
}

QByteArray stateName(int i)
{
    return "step_" + QByteArray::number(i);
}

/// A chain of steps (so that every state is reachable and can reach the end) with side
/// exits and loops back, like a long real process.
QByteArray generateWorkflow()
{
    QByteArray y;
    y += "workflow: big\n"
         "title: A very long process\n"
         "description: >\n  Generated for the validate benchmark.\n"
         "start:\n  roles: [agent, sales, supervisor]\n  when: urgency != \"normal\"\n"
         "fields:\n"
         "  awb: {type: string, label: Air waybill, required: true, pattern: '^[0-9]{12}$'}\n"
         "  urgency: {type: choice, options: [normal, high, critical], default: high}\n"
         "  amount: {type: decimal}\n"
         "  count: {type: int}\n"
         "  approved: {type: bool}\n"
         "  due: {type: date}\n"
         "  owner: {type: user}\n"
         "  target: {type: queue}\n";
    for (int f = 0; f < 20; ++f)
        y += "  note_" + QByteArray::number(f) + ": {type: text, label: Note "
            + QByteArray::number(f) + "}\n";
    y += "sla:\n  resolve: 5d\n  calendar: always\n"
         "initial: step_0\n"
         "states:\n";
    for (int i = 0; i < stateCount - 2; ++i) {
        const QByteArray next = stateName(i + 1);
        y += "  " + stateName(i) + ":\n    title: Step " + QByteArray::number(i) + "\n";
        if (i % 100 == 50) {
            y += "    parallel:\n";
            for (int b = 0; b < 3; ++b) {
                y += "      branch_" + QByteArray::number(b) + ":\n        queue: "
                    + queueName(i + b) + "\n        sla: {resolve: 2h}\n        on:\n"
                    + "          done: {to: \"@done\", requires: [note_" + QByteArray::number(b)
                    + "]}\n";
                if (b == 2)
                    y += "          cannot: {to: \"@fail\", requires: [note_3]}\n";
            }
            y += "    then: " + next + "\n    else: " + stateName(std::max(0, i - 10)) + "\n";
            continue;
        }
        if (i % 7 == 3)
            y += "    assignee: originator\n    sla: {resolve: 30m}\n";
        else
            y += "    queue: " + queueName(i)
                + "\n    sla:\n      respond: 15m\n      resolve: {A: 1h, B: 2h, default: 4h}\n";
        y += "    on:\n";
        y += "      next: {to: " + next + ", title: Continue, requires: [note_"
            + QByteArray::number(i % 20) + "]}\n";
        if (i % 3 == 0)
            y += "      approve: {to: " + next
                + ", roles: [supervisor], when: 'amount > 1000 and urgency in [\"high\", "
                  "\"critical\"]', set: {approved: true}}\n";
        if (i % 5 == 0 && i > 0)
            y += "      back: {to: " + stateName(i - 1)
                + ", when: 'count >= 3 or customer.tier == \"A\"', notify: [originator]}\n";
        if (i % 11 == 0)
            y += "      skip: {to: " + stateName(std::min(i + 5, stateCount - 3))
                + ", when: 'not approved and ticket.priority >= 2'}\n";
        if (i % 13 == 0)
            y += "      finish: {to: closed, requires: [note_19], roles: [staff, supervisor]}\n";
    }
    y += "  " + stateName(stateCount - 2)
        + ":\n    title: Customer waits\n"
          "    assignee: originator\n    sla: pause\n    on:\n      resume: {to: step_0}\n";
    y += "  closed: {final: true}\n";
    y += "any:\n  wait: {to: " + stateName(stateCount - 2)
        + ", roles: [agent, staff, supervisor]}\n"
          "escalation:\n"
          "  - at: 75%\n    notify: [assignee, queue.primary]\n"
          "  - at: 100%\n    notify: [queue.backup, queue.manager]\n    priority: +1\n"
          "  - at: 150%\n    move_to: queue.escalate_to\n    notify: [originator]\n"
          "handoffs:\n  max: 3\n  move_to: q-0-0\n";
    return y;
}

struct Stats
{
    double median = 0;
    double max = 0;
    double min = 0;
};

Stats summarise(QList<double> samples)
{
    std::sort(samples.begin(), samples.end());
    Stats s;
    if (samples.isEmpty())
        return s;
    const qsizetype n = samples.size();
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    s.max = samples.last();
    s.min = samples.first();
    return s;
}

// Counts events and nothing else: what yaml-cpp's parser costs before any tree is built.
class CountingHandler : public YAML::EventHandler
{
public:
    qint64 events = 0;
    void OnDocumentStart(const YAML::Mark &) override { }
    void OnDocumentEnd() override { }
    void OnNull(const YAML::Mark &, YAML::anchor_t) override { ++events; }
    void OnAlias(const YAML::Mark &, YAML::anchor_t) override { ++events; }
    void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t,
                  const std::string &) override
    {
        ++events;
    }
    void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override
    {
        ++events;
    }
    void OnSequenceEnd() override { }
    void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override
    {
        ++events;
    }
    void OnMapEnd() override { }
};

QJsonObject toJson(const Stats &s, int runs)
{
    return QJsonObject {{QStringLiteral("median_ms"), s.median},
                        {QStringLiteral("max_ms"), s.max},
                        {QStringLiteral("min_ms"), s.min},
                        {QStringLiteral("runs"), runs}};
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(".");

    QTemporaryDir tmp;
    if (!tmp.isValid()) {
        std::fprintf(stderr, "bench_validate: no temporary folder\n");
        return 1;
    }
    const QByteArray orgYaml = generateOrganisation();
    const QByteArray workflowYaml = generateWorkflow();
    const QString orgPath = tmp.filePath(QStringLiteral("org.yaml"));
    const QString workflowPath = tmp.filePath(QStringLiteral("big.yaml"));
    if (!writeFile(orgPath, orgYaml) || !writeFile(workflowPath, workflowYaml)) {
        std::fprintf(stderr, "bench_validate: cannot write the generated files\n");
        return 1;
    }

    // (a) In process: what the server does on start and the API's validate endpoint does.
    QList<double> inProcess;
    int stateTotal = 0;
    for (int run = 0; run < inProcessRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        const OrganisationReadResult org = readOrganisation(orgYaml, orgPath);
        const WorkflowReadResult read = checkWorkflowText(
            workflowYaml, org.organisation, workflowPath, nullptr, QStringLiteral("big"));
        inProcess << double(timer.nsecsElapsed()) / 1e6;
        if (!org.ok() || !read.ok()) {
            // The generated files must be valid, or the benchmark measures the wrong thing.
            for (const Diagnostic &d : org.diagnostics + read.diagnostics)
                std::fprintf(stderr, "%s\n", qPrintable(d.toString()));
            return 1;
        }
        stateTotal = int(read.workflow->states.size());
    }

    // The floor: yaml-cpp parsing alone.
    QList<double> parseOnly;
    const std::string workflowText = workflowYaml.toStdString();
    for (int run = 0; run < inProcessRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        const YAML::Node node = YAML::Load(workflowText);
        parseOnly << double(timer.nsecsElapsed()) / 1e6;
        if (!node.IsMap())
            return 1;
    }

    // The lower floor: yaml-cpp's event parser alone, as our reader feeds it.
    QList<double> eventsOnly;
    for (int run = 0; run < inProcessRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        std::istringstream stream(workflowText);
        YAML::Parser parser(stream);
        CountingHandler handler;
        parser.HandleNextDocument(handler);
        eventsOnly << double(timer.nsecsElapsed()) / 1e6;
        if (handler.events == 0)
            return 1;
    }

    // (b) The binary, end to end.
    QList<double> binary;
    const QString baton = QStringLiteral(BATON_BINARY);
    const bool haveBinary = QFileInfo(baton).isExecutable();
    for (int run = 0; haveBinary && run < binaryRuns; ++run) {
        QProcess process;
        QElapsedTimer timer;
        timer.start();
        process.start(baton, {QStringLiteral("validate"), orgPath, workflowPath});
        if (!process.waitForFinished(120000)) {
            std::fprintf(stderr, "bench_validate: baton validate did not finish\n");
            return 1;
        }
        binary << double(timer.nsecsElapsed()) / 1e6;
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            std::fprintf(stderr, "bench_validate: baton validate failed (%d):\n%s",
                         process.exitCode(), process.readAllStandardError().constData());
            return 1;
        }
    }

    const Stats a = summarise(inProcess);
    const Stats b = summarise(binary);
    const Stats p = summarise(parseOnly);
    const Stats e = summarise(eventsOnly);
    std::printf("bench_validate: %d states, workflow %lld bytes, organisation %lld bytes\n",
                stateTotal, qlonglong(workflowYaml.size()), qlonglong(orgYaml.size()));
    std::printf("  in-process read+check: median %.1f ms, max %.1f ms (%d runs)\n", a.median, a.max,
                inProcessRuns);
    std::printf("  yaml-cpp YAML::Load alone (floor): median %.1f ms, max %.1f ms (%d runs)\n",
                p.median, p.max, inProcessRuns);
    std::printf("  yaml-cpp event parser alone (floor): median %.1f ms, max %.1f ms (%d runs)\n",
                e.median, e.max, inProcessRuns);
    if (haveBinary)
        std::printf(
            "  baton validate (binary): median %.1f ms, max %.1f ms (%d runs)  target <= %.0f "
            "ms: %s\n",
            b.median, b.max, binaryRuns, targetMs, b.median <= targetMs ? "met" : "MISSED");
    else
        std::printf("  baton validate (binary): not built (%s)\n", qPrintable(baton));

    QJsonObject json {
        {QStringLiteral("benchmark"), QStringLiteral("bench_validate")},
        {QStringLiteral("states"), stateTotal},
        {QStringLiteral("workflow_bytes"), qint64(workflowYaml.size())},
        {QStringLiteral("organisation_bytes"), qint64(orgYaml.size())},
        {QStringLiteral("in_process"), toJson(a, inProcessRuns)},
        {QStringLiteral("yaml_cpp_load_only"), toJson(p, inProcessRuns)},
        {QStringLiteral("yaml_cpp_events_only"), toJson(e, inProcessRuns)},
        {QStringLiteral("target_ms"), targetMs},
        {QStringLiteral("machine"),
         QJsonObject {{QStringLiteral("cpus"), QThread::idealThreadCount()},
                      {QStringLiteral("os"), QSysInfo::prettyProductName()},
                      {QStringLiteral("kernel"), QSysInfo::kernelVersion()}}},
    };
    if (haveBinary) {
        json.insert(QStringLiteral("binary"), toJson(b, binaryRuns));
        json.insert(QStringLiteral("target_met"), b.median <= targetMs);
    }
    QDir().mkpath(outDir);
    const QString jsonPath = QDir(outDir).filePath(QStringLiteral("bench_validate.json"));
    if (!writeFile(jsonPath, QJsonDocument(json).toJson())) {
        std::fprintf(stderr, "bench_validate: cannot write %s\n", qPrintable(jsonPath));
        return 1;
    }
    std::printf("  results: %s\n", qPrintable(jsonPath));
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The engine in-process, no HTTP: durable ticket actions per second on SQLite (WAL,
// synchronous=FULL) with group commit, and their latency. Usage: bench_engine OUTDIR
// [--clients N] [--seconds S] [--db URL] [--step-facts on|off]. Writes OUTDIR/bench_engine.json.
//
// Each client is a chain of callbacks (like an HTTP connection waiting for its reply): it
// opens a ticket, works it through seven actions, and opens the next; a command is submitted
// only when the previous one is acknowledged, i.e. committed to disk.
#include "core/clock.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "report/stepfactderiver.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/schema.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <sys/resource.h>
#include <time.h>

using namespace Baton;

namespace {

const char org[] = R"(
calendars:
  always:
    timezone: UTC
    week: {mon-sun: ["00:00-24:00"]}
departments:
  desk: {title: Desk, calendar: always}
  back: {title: Back office, calendar: always}
queues:
  front: {department: desk, title: Front desk}
  backoffice: {department: back, title: Back office}
)";

const char repair[] = R"(
workflow: repair
title: Repair
start:
  roles: [agent]
fields:
  device: {type: string, required: true}
  note: {type: text}
initial: intake
states:
  intake:
    title: Intake
    queue: front
    sla: {respond: 15m, resolve: 2h}
    on:
      accept: {to: fixing, title: Accept}
  fixing:
    title: Fixing
    queue: backoffice
    on:
      fixed: {to: closed, requires: [note]}
  closed: {final: true}
)";

constexpr int steps = 7;

struct Latencies
{
    std::mutex mutex;
    std::vector<qint64> all; // microseconds
    void add(qint64 us)
    {
        std::lock_guard lock(mutex);
        all.push_back(us);
    }
};

QJsonObject percentiles(std::vector<qint64> values)
{
    std::sort(values.begin(), values.end());
    auto at = [&](double p) {
        if (values.empty())
            return 0.0;
        return values[std::min(values.size() - 1, size_t(p * double(values.size())))] / 1000.0;
    };
    return QJsonObject {{QStringLiteral("count"), qint64(values.size())},
                        {QStringLiteral("p50_ms"), at(0.50)},
                        {QStringLiteral("p90_ms"), at(0.90)},
                        {QStringLiteral("p99_ms"), at(0.99)},
                        {QStringLiteral("max_ms"), values.empty() ? 0.0 : values.back() / 1000.0}};
}

struct Bench
{
    Engine *engine = nullptr;
    Actor amy, bob;
    std::atomic<bool> stop {false};
    std::atomic<qint64> acknowledged {0}, refused {0}, failed {0};
    Latencies latencies;
    std::atomic<int> running {0};
    std::mutex doneMutex;
    std::condition_variable doneCv;

    struct Client
    {
        Bench *bench;
        int index;
        qint64 ticket = 0;
        int step = 0;
        std::chrono::steady_clock::time_point sent;
    };

    void next(std::shared_ptr<Client> c)
    {
        if (stop.load()) {
            if (--running == 0) {
                std::lock_guard lock(doneMutex);
                doneCv.notify_all();
            }
            return;
        }
        c->sent = std::chrono::steady_clock::now();
        auto done = [this, c](CommandResult r) {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - c->sent)
                                .count();
            latencies.add(us);
            if (r.ok()) {
                ++acknowledged;
                if (c->step == 0)
                    c->ticket = r->ticket.id;
                c->step = (c->step + 1) % steps;
            } else {
                if (r.failure().kind != ErrorKind::Internal)
                    ++refused;
                else
                    ++failed;
                c->step = 0;
            }
            next(c);
        };
        switch (c->step) {
        case 0: {
            OpenRequest request;
            request.title = QStringLiteral("Bench ticket %1").arg(c->index);
            request.fields.insert(QStringLiteral("device"), QStringLiteral("phone"));
            request.customer.tier = QStringLiteral("B");
            engine->open(amy, QStringLiteral("repair"), request, {}, done);
            break;
        }
        case 1:
            engine->claim(amy, c->ticket, {}, std::nullopt, done);
            break;
        case 2:
            engine->comment(amy, c->ticket, QStringLiteral("called the customer"), false, done);
            break;
        case 3: {
            ActionRequest accept;
            accept.name = QStringLiteral("accept");
            engine->takeAction(amy, c->ticket, accept, done);
            break;
        }
        case 4:
            engine->claim(bob, c->ticket, {}, std::nullopt, done);
            break;
        case 5:
            engine->comment(bob, c->ticket, QStringLiteral("parts ordered"), true, done);
            break;
        case 6: {
            ActionRequest fixed;
            fixed.name = QStringLiteral("fixed");
            fixed.fields.insert(QStringLiteral("note"), QStringLiteral("new screen"));
            engine->takeAction(bob, c->ticket, fixed, done);
            break;
        }
        }
    }
};

} // namespace

/// The read side's cost per call on the calling thread (CPU µs): Engine::ticket (the whole
/// view: actions, SLA figures) against Engine::visibleTicket (the permission only, what the
/// upload check and the attachment and link routes need). Alternated rounds, the best of each.
QJsonObject readCosts(Engine &engine, const Actor &actor, qint64 id)
{
    auto threadCpuMicroseconds = [] {
        timespec t {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
    };
    const int calls = 2000;
    double view = 1e9;
    double visible = 1e9;
    for (int round = 0; round < 5; ++round) {
        double start = threadCpuMicroseconds();
        for (int i = 0; i < calls; ++i)
            (void)engine.ticket(id, actor);
        view = std::min(view, (threadCpuMicroseconds() - start) / calls);
        start = threadCpuMicroseconds();
        for (int i = 0; i < calls; ++i)
            (void)engine.visibleTicket(id, actor);
        visible = std::min(visible, (threadCpuMicroseconds() - start) / calls);
    }
    std::printf(
        "  read side, CPU per call: Engine::ticket %.1f us, Engine::visibleTicket %.1f us\n", view,
        visible);
    return {{QStringLiteral("ticket_view_cpu_microseconds"), view},
            {QStringLiteral("visible_ticket_cpu_microseconds"), visible}};
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    if (args.isEmpty()) {
        std::fprintf(stderr,
                     "usage: bench_engine OUTDIR [--clients N] [--seconds S] [--db URL] "
                     "[--step-facts on|off]\n");
        return 2;
    }
    const QString outDir = args.takeFirst();
    int clients = 256;
    double seconds = 5;
    QString url;
    bool stepFactsOn = true;
    for (int i = 0; i + 1 < args.size(); i += 2) {
        if (args[i] == u"--clients")
            clients = args[i + 1].toInt();
        else if (args[i] == u"--seconds")
            seconds = args[i + 1].toDouble();
        else if (args[i] == u"--db")
            url = args[i + 1];
        else if (args[i] == u"--step-facts") // on (as `baton serve`) or off: the reports' cost
            stepFactsOn = args[i + 1] != u"off";
    }
    QDir().mkpath(outDir);
    const QString file = QDir(outDir).absoluteFilePath(QStringLiteral("bench_engine.db"));
    if (url.isEmpty()) {
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(file + QLatin1String(suffix));
        url = u"sqlite:" + file;
    }

    auto database = Database::open(url);
    if (!database || !Schema::migrate(**database)) {
        std::fprintf(stderr, "bench_engine: cannot open %s\n", qPrintable(url));
        return 1;
    }
    auto orgRead = readOrganisation(QByteArray(org), QStringLiteral("org.yaml"));
    auto organisation = std::make_shared<const Organisation>(orgRead.organisation);
    auto wfRead
        = readWorkflow(QByteArray(repair), QStringLiteral("repair.yaml"), organisation.get());
    if (!wfRead.ok()) {
        std::fprintf(stderr, "bench_engine: the bench workflow does not load\n");
        return 1;
    }
    SystemClock clock;
    EngineOptions options;
    options.database = *database;
    options.organisation = organisation;
    options.clock = &clock;
    // Reports keep a fact per finished step, as `baton serve` does (issue 17).
    const SlaClocks slaClocks(organisation);
    const StepFactDeriver stepFacts(slaClocks, [](const QString &) { return QStringList(); });
    if (stepFactsOn)
        options.stepFacts = stepFacts.recorder();
    auto engine = Engine::start(options);
    if (!engine || !(*engine)->publish({wfRead.workflow}).ok()) {
        std::fprintf(stderr, "bench_engine: the engine does not start\n");
        return 1;
    }

    Bench bench;
    bench.engine = engine->get();
    bench.amy = resolveActor(*organisation, QStringLiteral("amy"), {QStringLiteral("agent")},
                             {QStringLiteral("desk")});
    bench.bob = resolveActor(*organisation, QStringLiteral("bob"), {QStringLiteral("staff")},
                             {QStringLiteral("back")});

    std::printf("bench_engine: %d clients for %.1f s on %s (durable commits)\n", clients, seconds,
                qPrintable((*database)->url().toDisplayString()));
    auto cpuSeconds = [] {
        rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    };
    // Bytes this process made the kernel write to disk (the WAL, checkpoints): what each
    // fsync has to wait for.
    auto diskWrites = [] {
        QFile io(QStringLiteral("/proc/self/io"));
        if (!io.open(QIODevice::ReadOnly))
            return qint64(0);
        for (const QByteArray &line : io.readAll().split('\n'))
            if (line.startsWith("write_bytes:"))
                return line.mid(12).trimmed().toLongLong();
        return qint64(0);
    };
    const qint64 writtenBefore = diskWrites();
    const double cpuBefore = cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    bench.running = clients;
    for (int i = 0; i < clients; ++i)
        bench.next(std::make_shared<Bench::Client>(Bench::Client {&bench, i, 0, 0, {}}));
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    bench.stop = true;
    {
        std::unique_lock lock(bench.doneMutex);
        bench.doneCv.wait(lock, [&] { return bench.running.load() == 0; });
    }
    const double elapsed = timer.nsecsElapsed() / 1e9;
    const double cpuUsed = cpuSeconds() - cpuBefore;
    const qint64 written = diskWrites() - writtenBefore;
    const Engine::Stats stats = (*engine)->stats();
    const qint64 acknowledged = bench.acknowledged.load();
    const double rate = acknowledged / elapsed;

    // Latency at a modest steady rate (1,000 actions/s), open loop.
    Latencies paced;
    {
        std::atomic<int> outstanding {0};
        std::mutex m;
        std::condition_variable cv;
        auto start = std::chrono::steady_clock::now();
        const int total = 3000;
        for (int i = 0; i < total; ++i) {
            std::this_thread::sleep_until(start + std::chrono::microseconds(1000 * i));
            ++outstanding;
            const auto sent = std::chrono::steady_clock::now();
            OpenRequest request;
            request.title = QStringLiteral("Paced %1").arg(i);
            request.fields.insert(QStringLiteral("device"), QStringLiteral("phone"));
            (*engine)->open(bench.amy, QStringLiteral("repair"), request, {},
                            [&, sent](CommandResult) {
                                paced.add(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - sent)
                                              .count());
                                if (--outstanding == 0) {
                                    std::lock_guard lock(m);
                                    cv.notify_all();
                                }
                            });
        }
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return outstanding.load() == 0; });
    }
    const QJsonObject reads = readCosts(**engine, bench.amy, 1);
    engine->reset();

    const QJsonObject latency = percentiles(bench.latencies.all);
    const QJsonObject pacedLatency = percentiles(paced.all);
    QJsonObject result {
        {QStringLiteral("bench"), QStringLiteral("bench_engine")},
        {QStringLiteral("database"),
         (*database)->url().isSqlite() ? QStringLiteral("sqlite (WAL, synchronous=FULL)")
                                       : QStringLiteral("postgresql")},
        {QStringLiteral("clients"), clients},
        {QStringLiteral("seconds"), elapsed},
        {QStringLiteral("actions"), acknowledged},
        {QStringLiteral("actions_per_second"), rate},
        {QStringLiteral("target_actions_per_second"), 30000},
        // CPU per action says more than the rate on a shared, loaded machine.
        {QStringLiteral("cpu_microseconds_per_action"),
         acknowledged ? cpuUsed * 1e6 / acknowledged : 0.0},
        {QStringLiteral("cpu_cores_used"), cpuUsed / elapsed},
        {QStringLiteral("disk_bytes_written_per_action"),
         acknowledged ? double(written) / acknowledged : 0.0},
        {QStringLiteral("refused"), bench.refused.load()},
        {QStringLiteral("failed"), bench.failed.load()},
        {QStringLiteral("batches"), qint64(stats.batches)},
        {QStringLiteral("mean_batch"),
         stats.batches ? double(stats.commands) / stats.batches : 0.0},
        {QStringLiteral("max_batch"), qint64(stats.maxBatch)},
        {QStringLiteral("mean_commit_ms"),
         stats.batches ? stats.commitMicroseconds / 1e3 / stats.batches : 0.0},
        {QStringLiteral("latency"), latency},
        {QStringLiteral("latency_at_1000_per_second"), pacedLatency},
        {QStringLiteral("read_side"), reads},
        {QStringLiteral("operations_per_ticket"),
         QJsonArray::fromStringList(
             QString::fromLatin1("open claim comment accept claim comment fixed").split(u' '))},
        {QStringLiteral("machine"),
         QJsonObject {{QStringLiteral("cores"), QThread::idealThreadCount()},
                      {QStringLiteral("os"), QSysInfo::prettyProductName()},
                      {QStringLiteral("cpu"), QSysInfo::currentCpuArchitecture()}}}};
    QFile out(QDir(outDir).absoluteFilePath(QStringLiteral("bench_engine.json")));
    if (out.open(QIODevice::WriteOnly))
        out.write(QJsonDocument(result).toJson());
    std::printf("  %lld actions in %.2f s: %.0f actions/s (target >= 30000)%s\n",
                qlonglong(acknowledged), elapsed, rate, rate >= 30000 ? "" : "  BELOW TARGET");
    std::printf("  CPU: %.1f us per action, %.2f cores busy on average\n",
                acknowledged ? cpuUsed * 1e6 / acknowledged : 0.0, cpuUsed / elapsed);
    std::printf("  disk writes: %.0f bytes per action (%.1f MB/s)\n",
                acknowledged ? double(written) / acknowledged : 0.0, written / elapsed / 1e6);
    std::printf(
        "  group commit: %llu batches, mean %.1f commands, max %llu\n", qulonglong(stats.batches),
        stats.batches ? double(stats.commands) / stats.batches : 0.0, qulonglong(stats.maxBatch));
    std::printf("  mean commit (statements + fsync): %.2f ms\n",
                stats.batches ? stats.commitMicroseconds / 1e3 / stats.batches : 0.0);
    std::printf("  latency under load: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                latency[u"p50_ms"].toDouble(), latency[u"p90_ms"].toDouble(),
                latency[u"p99_ms"].toDouble(), latency[u"max_ms"].toDouble());
    std::printf("  latency at 1,000 opens/s: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                pacedLatency[u"p50_ms"].toDouble(), pacedLatency[u"p99_ms"].toDouble(),
                pacedLatency[u"max_ms"].toDouble());
    std::printf("  refused %lld, failed %lld\n", qlonglong(bench.refused.load()),
                qlonglong(bench.failed.load()));
    return bench.failed.load() == 0 ? 0 : 1;
}

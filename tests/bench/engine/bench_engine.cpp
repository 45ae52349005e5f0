// SPDX-License-Identifier: GPL-3.0-or-later
// The engine in-process, no HTTP: durable ticket actions per second on SQLite (WAL,
// synchronous=FULL) with group commit, and their latency. Usage: bench_engine OUTDIR
// [--clients N] [--seconds S] [--db URL] [--step-facts on|off]. Writes OUTDIR/bench_engine.json.
//
// With --deliveries RATE (bench_engine_deliveries, which `make bench` runs, defaults to 1,000):
// issue 15's "1,000 deliveries per second to a local receiver sustained without slowing
// bench_engine by more than 5%", measured as `baton serve` delivers — in the SAME process and
// database: the webhook plugin loaded from the build's plugins folder, a webhook channel routed
// by the real OutboxRouter (its rows written in the commands' transactions), the delivery
// worker on its own thread, woken by the commits. About RATE rows per second are routed (a
// token bucket in front of the router: a command without a token is not routed, as an event a
// channel is not subscribed to). The receiver is a separate,
// minimal process (forked, plain sockets, HTTP/1.1 keep-alive, answers 200) whose CPU is
// reported apart. Runs alternate without and with deliveries (--pairs N, 5; --seconds S, 20
// here), each on a fresh database; reported per run and as medians: actions/s, process CPU per
// action (the worker's included: on 2 cores every microsecond it spends is taken from the engine),
// the worker's CPU per delivery, the receiver's CPU, and deliveries received per second during the
// window. Writes OUTDIR/bench_engine_deliveries.json.
//
// Each client is a chain of callbacks (like an HTTP connection waiting for its reply): it
// opens a ticket, works it through seven actions, and opens the next; a command is submitted
// only when the previous one is acknowledged, i.e. committed to disk.
#include "core/clock.h"
#include "definition/channelsreader.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "delivery/deliveryworker.h"
#include "delivery/outboxrouter.h"
#include "pluginhost/pluginhost.h"
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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <string>

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

/// What every run sets up alike: the bench organisation and workflow (null when it does not
/// load), and the engine's options on `database` with the system clock and, when
/// `stepFactsOn`, a fact kept per finished step as `baton serve` keeps them (issue 17). Not
/// copied: the options point at its clock and deriver, which live as long as the engine.
struct BenchSetup
{
    std::shared_ptr<const Organisation> organisation;
    std::shared_ptr<Workflow> workflow;
    SystemClock clock;
    std::optional<SlaClocks> slaClocks;
    std::optional<StepFactDeriver> stepFacts;
    EngineOptions options;

    BenchSetup(std::shared_ptr<Database> database, bool stepFactsOn)
    {
        organisation = std::make_shared<const Organisation>(
            readOrganisation(QByteArray(org), QStringLiteral("org.yaml")).organisation);
        auto read
            = readWorkflow(QByteArray(repair), QStringLiteral("repair.yaml"), organisation.get());
        if (read.ok())
            workflow = read.workflow;
        options.database = std::move(database);
        options.organisation = organisation;
        options.clock = &clock;
        slaClocks.emplace(organisation);
        stepFacts.emplace(*slaClocks, [](const QString &) { return QStringList(); });
        if (stepFactsOn)
            options.stepFacts = stepFacts->recorder();
    }
    BenchSetup(const BenchSetup &) = delete;
    BenchSetup &operator=(const BenchSetup &) = delete;
};

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

    /// Works on `e` as amy (agent at the desk) and bob (staff in the back office).
    void setUp(Engine *e, const Organisation &organisation)
    {
        engine = e;
        amy = resolveActor(organisation, QStringLiteral("amy"), {QStringLiteral("agent")},
                           {QStringLiteral("desk")});
        bob = resolveActor(organisation, QStringLiteral("bob"), {QStringLiteral("staff")},
                           {QStringLiteral("back")});
    }

    /// Starts `clients` closed-loop clients, lets them work for `seconds` and waits for the
    /// last reply; the seconds that took.
    double runFor(int clients, double seconds)
    {
        QElapsedTimer timer;
        timer.start();
        running = clients;
        for (int i = 0; i < clients; ++i)
            next(std::make_shared<Client>(Client {this, i, 0, 0, {}}));
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        stop = true;
        {
            std::unique_lock lock(doneMutex);
            doneCv.wait(lock, [&] { return running.load() == 0; });
        }
        return timer.nsecsElapsed() / 1e9;
    }

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

/// The webhook receiver for --deliveries: a child process forked before Qt starts (no threads
/// to copy), plain sockets and poll(), HTTP/1.1 keep-alive, every request answered 200 and
/// counted in memory shared with the parent. As cheap as a receiver can be, so that what it
/// takes from the two cores is small and reported apart (its CPU from /proc).
struct Receiver
{
    struct Shared
    {
        std::atomic<qint64> requests {0};
        std::atomic<qint64> signed_ {0}; ///< requests that carried a Baton-Signature header
    };
    Shared *shared = nullptr;
    pid_t pid = -1;
    quint16 port = 0;

    static void serve(int listener, Shared *shared)
    {
        struct Connection
        {
            int fd;
            std::string buffer;
        };
        std::vector<Connection> connections;
        std::vector<pollfd> fds;
        char chunk[65536];
        const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        for (;;) {
            fds.assign(1, pollfd {listener, POLLIN, 0});
            for (const Connection &c : connections)
                fds.push_back(pollfd {c.fd, POLLIN, 0});
            if (::poll(fds.data(), fds.size(), -1) < 0)
                continue;
            if (fds[0].revents & POLLIN)
                if (const int fd = ::accept(listener, nullptr, nullptr); fd >= 0)
                    connections.push_back({fd, {}});
            for (size_t i = 1; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                Connection &c = connections[i - 1];
                const ssize_t n = ::read(c.fd, chunk, sizeof chunk);
                if (n <= 0) {
                    ::close(c.fd);
                    c.fd = -1;
                    continue;
                }
                c.buffer.append(chunk, size_t(n));
                for (;;) {
                    const size_t headerEnd = c.buffer.find("\r\n\r\n");
                    if (headerEnd == std::string::npos)
                        break;
                    size_t length = 0;
                    bool signature = false;
                    for (size_t line = c.buffer.find("\r\n") + 2; line < headerEnd;) {
                        const size_t end = c.buffer.find("\r\n", line);
                        const std::string header = c.buffer.substr(line, end - line);
                        if (strncasecmp(header.c_str(), "content-length:", 15) == 0)
                            length = std::stoul(header.substr(15));
                        else if (strncasecmp(header.c_str(), "baton-signature:", 16) == 0)
                            signature = true;
                        line = end + 2;
                    }
                    if (c.buffer.size() < headerEnd + 4 + length)
                        break;
                    c.buffer.erase(0, headerEnd + 4 + length);
                    ++shared->requests;
                    if (signature)
                        ++shared->signed_;
                    (void)!::write(c.fd, answer, sizeof answer - 1);
                }
            }
            std::erase_if(connections, [](const Connection &c) { return c.fd < 0; });
        }
    }

    bool start()
    {
        void *memory = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            return false;
        shared = new (memory) Shared;
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr *>(&address), size) != 0
            || ::listen(listener, 16) != 0
            || ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &size) != 0)
            return false;
        port = ntohs(address.sin_port);
        pid = ::fork();
        if (pid < 0)
            return false;
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlives the bench
            serve(listener, shared);
            _exit(0);
        }
        ::close(listener);
        return true;
    }

    /// The child's CPU seconds so far (user + system), from /proc.
    double cpuSeconds() const
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        return fields.size() < 13 ? 0
                                  : double(fields.at(11).toLongLong() + fields.at(12).toLongLong())
                / double(sysconf(_SC_CLK_TCK));
    }

    ~Receiver()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

/// The CPU seconds of this process's thread named `name` (the delivery worker names its thread
/// "baton-delivery"); 0 when there is none yet.
double threadCpuSeconds(const QByteArray &name)
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != name)
            continue;
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        return fields.size() < 13 ? 0
                                  : double(fields.at(11).toLongLong() + fields.at(12).toLongLong())
                / double(sysconf(_SC_CLK_TCK));
    }
    return 0;
}

double processCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
        + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Keeps about `rate` outbox rows per second (a token bucket of 10 ms): a command routed only
/// when a token is left, as a channel subscribed to some events routes those and only checks
/// the filter for the others (routing every command and dropping the rows made each command
/// build its JSON payload: an engine cost of ~3,000 payloads/s, not of 1,000 deliveries/s).
/// `offered` counts the rows routed (the offered rate falls short of `rate` when the engine
/// runs fewer commands that route to the channel than that: a loaded machine).
OutboxPlanner pacedPlanner(OutboxPlanner real, double rate,
                           std::shared_ptr<std::atomic<qint64>> offered)
{
    struct Bucket
    {
        double tokens = 0;
        std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
    };
    auto bucket = std::make_shared<Bucket>(); // the writer thread's alone
    return [real = std::move(real), bucket, rate,
            offered](const TicketState &ticket, const QList<Event> &events,
                     const QList<NotificationRecord> &notifications, const QDateTime &now) {
        const auto at = std::chrono::steady_clock::now();
        bucket->tokens = std::min(
            rate / 100.0,
            bucket->tokens + rate * std::chrono::duration<double>(at - bucket->last).count());
        bucket->last = at;
        if (bucket->tokens < 1)
            return QList<OutboxRow>();
        QList<OutboxRow> rows = real(ticket, events, notifications, now);
        bucket->tokens -= double(rows.size());
        *offered += rows.size();
        return rows;
    };
}

struct RunFigures
{
    bool deliveries = false;
    double actionsPerSecond = 0;
    double cpuMicrosecondsPerAction = 0;
    double cores = 0;
    qint64 delivered = 0; ///< requests the receiver answered during the window
    double deliveredPerSecond = 0;
    double offeredPerSecond = 0; ///< outbox rows written during the window
    double workerMicrosecondsPerDelivery = 0;
    double workerCores = 0;
    double receiverCores = 0;
    qint64 failed = 0;
    QJsonObject json() const
    {
        QJsonObject o {{QStringLiteral("deliveries"), deliveries},
                       {QStringLiteral("actions_per_second"), actionsPerSecond},
                       {QStringLiteral("cpu_microseconds_per_action"), cpuMicrosecondsPerAction},
                       {QStringLiteral("cpu_cores_used"), cores},
                       {QStringLiteral("failed"), failed}};
        if (deliveries) {
            o.insert(QStringLiteral("deliveries_received"), delivered);
            o.insert(QStringLiteral("deliveries_received_per_second"), deliveredPerSecond);
            o.insert(QStringLiteral("deliveries_offered_per_second"), offeredPerSecond);
            o.insert(QStringLiteral("worker_cpu_microseconds_per_delivery"),
                     workerMicrosecondsPerDelivery);
            o.insert(QStringLiteral("worker_cpu_cores"), workerCores);
            o.insert(QStringLiteral("receiver_cpu_cores"), receiverCores);
        }
        return o;
    }
};

/// One run on a fresh SQLite file: the engine's closed-loop workload for `seconds`, with the
/// webhook channel and the delivery worker when `receiver` is given.
std::optional<RunFigures> runOnce(const QString &file, int clients, double seconds,
                                  bool stepFactsOn, Receiver *receiver, double rate)
{
    for (const char *suffix : {"", "-wal", "-shm"})
        QFile::remove(file + QLatin1String(suffix));
    auto database = Database::open(u"sqlite:" + file);
    if (!database || !Schema::migrate(**database))
        return std::nullopt;
    BenchSetup setup(*database, stepFactsOn);
    if (!setup.workflow)
        return std::nullopt;
    EngineOptions &options = setup.options;

    static PluginHost plugins; // loaded once, never unloaded (as `baton serve`)
    std::unique_ptr<DeliveryWorker> worker;
    const auto offered = std::make_shared<std::atomic<qint64>>(0);
    if (receiver) {
        // BENCH_PLUGINS: another build's plugins (A/B of the webhook plugin).
        const QString folder
            = qEnvironmentVariable("BENCH_PLUGINS", QStringLiteral(BATON_BUILD_DIR "/plugins"));
        if (plugins.loaded().isEmpty())
            plugins.loadFolder(folder);
        if (!plugins.channel(QStringLiteral("webhook"))) {
            std::fprintf(stderr, "bench_engine: the webhook plugin did not load from %s\n",
                         qPrintable(folder));
            return std::nullopt;
        }
        qputenv("BENCH_ENGINE_SECRET", "bench-engine-secret");
        const auto channels = readChannels("channels:\n  hook:\n    plugin: webhook\n"
                                           "    url: http://127.0.0.1:"
                                               + QByteArray::number(receiver->port)
                                               + "/hook\n    secret: ${BENCH_ENGINE_SECRET}\n",
                                           QStringLiteral("channels.yaml"));
        if (!channels.ok())
            return std::nullopt;
        DeliveryWorker::Options workerOptions; // as Services::startDelivery
        workerOptions.database = *database;
        workerOptions.clock = &setup.clock;
        workerOptions.plugins = &plugins;
        workerOptions.channels = channels.channels;
        worker = std::make_unique<DeliveryWorker>(workerOptions);
        worker->start();
        options.outboxPlanner = pacedPlanner(
            OutboxRouter(channels.channels, setup.organisation).planner(), rate, offered);
        options.outboxCommitted = [w = worker.get()] { w->wake(); };
    }
    auto engine = Engine::start(options);
    if (!engine || !(*engine)->publish({setup.workflow}).ok())
        return std::nullopt;

    Bench bench;
    bench.setUp(engine->get(), *setup.organisation);
    // The worker's first round (and its thread's name) before the window opens.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double cpuBefore = processCpuSeconds();
    const double workerBefore = threadCpuSeconds("baton-delivery");
    const double receiverBefore = receiver ? receiver->cpuSeconds() : 0;
    const qint64 receivedBefore = receiver ? receiver->shared->requests.load() : 0;
    const qint64 offeredBefore = offered->load();
    const double elapsed = bench.runFor(clients, seconds);
    RunFigures f;
    const double cpuUsed = processCpuSeconds() - cpuBefore;
    const qint64 acknowledged = bench.acknowledged.load();
    f.deliveries = receiver != nullptr;
    f.actionsPerSecond = acknowledged / elapsed;
    f.cpuMicrosecondsPerAction = acknowledged ? cpuUsed * 1e6 / acknowledged : 0;
    f.cores = cpuUsed / elapsed;
    f.failed = bench.failed.load();
    if (receiver) {
        f.delivered = receiver->shared->requests.load() - receivedBefore;
        f.deliveredPerSecond = f.delivered / elapsed;
        f.offeredPerSecond = (offered->load() - offeredBefore) / elapsed;
        const double workerUsed = threadCpuSeconds("baton-delivery") - workerBefore;
        f.workerMicrosecondsPerDelivery = f.delivered ? workerUsed * 1e6 / f.delivered : 0;
        f.workerCores = workerUsed / elapsed;
        f.receiverCores = (receiver->cpuSeconds() - receiverBefore) / elapsed;
    }
    engine->reset(); // before the worker: the last commit may still wake it
    worker.reset();
    database->reset();
    for (const char *suffix : {"", "-wal", "-shm"})
        QFile::remove(file + QLatin1String(suffix));
    return f;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// --deliveries: `pairs` alternated runs without and with deliveries (the order swapped every
/// other pair, so that neither always runs on a warmer machine);
/// OUTDIR/bench_engine_deliveries.json.
int compareDeliveries(const QString &outDir, int clients, double seconds, bool stepFactsOn,
                      Receiver &receiver, double rate, int pairs)
{
    const QString file
        = QDir(outDir).absoluteFilePath(QStringLiteral("bench_engine_deliveries.db"));
    std::printf("bench_engine: %d clients for %.1f s per run, %d alternated pairs without and with "
                "%.0f webhook deliveries/s (same process and database; receiver pid %d)\n",
                clients, seconds, pairs, rate, int(receiver.pid));
    std::vector<RunFigures> without, with;
    QJsonArray runs;
    for (int pair = 0; pair < pairs; ++pair) {
        for (int half = 0; half < 2; ++half) {
            const bool delivering = (half == 0) == (pair % 2 == 1);
            const auto f = runOnce(file, clients, seconds, stepFactsOn,
                                   delivering ? &receiver : nullptr, rate);
            if (!f) {
                std::fprintf(stderr, "bench_engine: a run did not start\n");
                return 1;
            }
            (delivering ? with : without).push_back(*f);
            runs.append(f->json());
            if (delivering)
                std::printf("  with:    %6.0f actions/s, %5.1f us CPU/action, %.2f cores; "
                            "%.0f deliveries/s received of %.0f/s offered, worker %.1f "
                            "us/delivery (%.2f cores), receiver %.2f cores\n",
                            f->actionsPerSecond, f->cpuMicrosecondsPerAction, f->cores,
                            f->deliveredPerSecond, f->offeredPerSecond,
                            f->workerMicrosecondsPerDelivery, f->workerCores, f->receiverCores);
            else
                std::printf("  without: %6.0f actions/s, %5.1f us CPU/action, %.2f cores\n",
                            f->actionsPerSecond, f->cpuMicrosecondsPerAction, f->cores);
            std::fflush(stdout);
        }
    }
    auto medianOf = [](const std::vector<RunFigures> &list, double RunFigures::*field) {
        std::vector<double> values;
        for (const RunFigures &f : list)
            values.push_back(f.*field);
        return median(values);
    };
    const double rateWithout = medianOf(without, &RunFigures::actionsPerSecond);
    const double rateWith = medianOf(with, &RunFigures::actionsPerSecond);
    const double cpuWithout = medianOf(without, &RunFigures::cpuMicrosecondsPerAction);
    const double cpuWith = medianOf(with, &RunFigures::cpuMicrosecondsPerAction);
    const QJsonObject result {
        {QStringLiteral("bench"), QStringLiteral("bench_engine_deliveries")},
        {QStringLiteral("offered_deliveries_per_second"), rate},
        {QStringLiteral("clients"), clients},
        {QStringLiteral("seconds_per_run"), seconds},
        {QStringLiteral("pairs"), pairs},
        {QStringLiteral("runs"), runs},
        {QStringLiteral("median_without"),
         QJsonObject {{QStringLiteral("actions_per_second"), rateWithout},
                      {QStringLiteral("cpu_microseconds_per_action"), cpuWithout}}},
        {QStringLiteral("median_with"),
         QJsonObject {
             {QStringLiteral("actions_per_second"), rateWith},
             {QStringLiteral("cpu_microseconds_per_action"), cpuWith},
             {QStringLiteral("deliveries_received_per_second"),
              medianOf(with, &RunFigures::deliveredPerSecond)},
             {QStringLiteral("deliveries_offered_per_second"),
              medianOf(with, &RunFigures::offeredPerSecond)},
             {QStringLiteral("worker_cpu_microseconds_per_delivery"),
              medianOf(with, &RunFigures::workerMicrosecondsPerDelivery)},
             {QStringLiteral("receiver_cpu_cores"), medianOf(with, &RunFigures::receiverCores)}}},
        {QStringLiteral("actions_per_second_change_percent"),
         rateWithout > 0 ? (rateWith / rateWithout - 1) * 100 : 0.0},
        {QStringLiteral("cpu_per_action_change_percent"),
         cpuWithout > 0 ? (cpuWith / cpuWithout - 1) * 100 : 0.0},
        {QStringLiteral("machine"),
         QJsonObject {{QStringLiteral("cores"), QThread::idealThreadCount()},
                      {QStringLiteral("os"), QSysInfo::prettyProductName()}}}};
    QFile out(QDir(outDir).absoluteFilePath(QStringLiteral("bench_engine_deliveries.json")));
    if (out.open(QIODevice::WriteOnly))
        out.write(QJsonDocument(result).toJson());
    std::printf(
        "  medians: %.0f -> %.0f actions/s (%+.1f%%), %.1f -> %.1f us CPU/action (%+.1f%%), "
        "%.0f deliveries/s received of %.0f/s offered\n",
        rateWithout, rateWith, rateWithout > 0 ? (rateWith / rateWithout - 1) * 100 : 0.0,
        cpuWithout, cpuWith, cpuWithout > 0 ? (cpuWith / cpuWithout - 1) * 100 : 0.0,
        medianOf(with, &RunFigures::deliveredPerSecond),
        medianOf(with, &RunFigures::offeredPerSecond));
    qint64 failed = 0;
    for (const auto &list : {without, with})
        for (const RunFigures &f : list)
            failed += f.failed;
    return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    // --deliveries forks its receiver before Qt starts any thread.
#ifdef BENCH_DELIVERIES_DEFAULT
    double deliveries = BENCH_DELIVERIES_DEFAULT;
#else
    double deliveries = 0;
#endif
    int pairs = 5;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--deliveries") == 0)
            deliveries = std::atof(argv[i + 1]);
        else if (std::strcmp(argv[i], "--pairs") == 0)
            pairs = std::max(1, std::atoi(argv[i + 1]));
    }
    Receiver receiver;
    if (deliveries > 0 && !receiver.start()) {
        std::fprintf(stderr, "bench_engine: the receiver did not start\n");
        return 1;
    }
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    if (args.isEmpty()) {
        std::fprintf(stderr,
                     "usage: bench_engine OUTDIR [--clients N] [--seconds S] [--db URL] "
                     "[--step-facts on|off] [--deliveries RATE [--pairs N]]\n");
        return 2;
    }
    const QString outDir = args.takeFirst();
    int clients = 256;
    // With deliveries, 20 s a run: in 5 s the worker's rounds had not reached the offered rate
    // (225-944 of 1,000 deliveries/s received on a quiet machine), so "with" measured less.
    double seconds = deliveries > 0 ? 20 : 5;
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
    if (deliveries > 0)
        return compareDeliveries(outDir, clients, seconds, stepFactsOn, receiver, deliveries,
                                 pairs);
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
    BenchSetup setup(*database, stepFactsOn);
    if (!setup.workflow) {
        std::fprintf(stderr, "bench_engine: the bench workflow does not load\n");
        return 1;
    }
    auto engine = Engine::start(setup.options);
    if (!engine || !(*engine)->publish({setup.workflow}).ok()) {
        std::fprintf(stderr, "bench_engine: the engine does not start\n");
        return 1;
    }

    Bench bench;
    bench.setUp(engine->get(), *setup.organisation);

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
    const double elapsed = bench.runFor(clients, seconds);
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

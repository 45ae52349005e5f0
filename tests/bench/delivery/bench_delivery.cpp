// SPDX-License-Identifier: GPL-3.0-or-later
// Deliveries through the outbox (issue 15: "1,000 deliveries per second to a local receiver"):
// the composition root in-process on a SQLite file (WAL, synchronous=FULL), the webhook plugin
// loaded from the built plugins folder, and a real HTTP receiver on 127.0.0.1 that checks every
// signature (the integration tests' WebhookReceiver). Tickets are opened at a fixed rate
// (open-loop: a slow server is not hidden); each opening's `opened` event goes to BENCH_CHANNELS
// webhook channels, one delivery each. Reported: deliveries per second received during the
// offered window, latency from the opening's commit (its callback) to the receipt at the
// receiver (p50, p99, max), and CPU per delivery: the delivery worker's thread alone, and the
// whole process (engine, worker and receiver) over a baseline run without channels.
//
// The drain ("the outbox drained after a 10-minute receiver outage at the rate the receiver
// allows"): BENCH_DRAIN tickets (2000; 0 skips it) are opened while the receiver is down, one
// channel; the server's clock (fake) then runs through ten minutes of outage in 30 s steps, each
// due try refused, with the production back-off (5 s doubling). The receiver comes back; the
// server's clock is then moved to the earliest next try of a pending row, again and again until
// every delivery was acknowledged once (the worker's probe gets through and releases the rows
// that waited for the channel; each row backing off on its own, the last came 200-320 s later).
// Reported: the server-clock time from the receiver's return to the last delivery received
// (clock steps plus the real time the worker took), and the real time of the drain itself.
//
// Usage: bench_delivery OUTDIR (writes OUTDIR/bench_delivery.json). Environment: BENCH_RATE
// (deliveries per second offered, 1000), BENCH_SECONDS (10), BENCH_CHANNELS (2), BENCH_DRAIN,
// BENCH_BASELINE (1; 0 skips the run without channels).
#include "webhookreceiver.h"

#include "core/clock.h"
#include "definition/channelsreader.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "testserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

using namespace Baton;
using namespace Baton::Test;
using namespace Qt::StringLiterals;

namespace {

const QByteArray secret = QByteArrayLiteral("bench-delivery-secret");

qint64 nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double processCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The CPU seconds of this process's thread named `name` (DeliveryWorker names its thread
// "baton-delivery"), from /proc; -1 when there is none.
double threadCpuSeconds(const QByteArray &name)
{
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + u"/comm"_s));
        if (!comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != name)
            continue;
        QFile stat(tasks.filePath(tid + u"/stat"_s));
        if (!stat.open(QIODevice::ReadOnly))
            return -1;
        // After the ")" closing the name: state is field 3; utime and stime are 14 and 15.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 13)
            return -1;
        return double(fields.at(11).toLongLong() + fields.at(12).toLongLong())
            / double(sysconf(_SC_CLK_TCK));
    }
    return -1;
}

QList<ChannelDefinition> hookChannels(int count, quint16 port)
{
    QByteArray yaml = "channels:\n";
    for (int c = 0; c < count; ++c)
        yaml += "  hook-" + QByteArray::number(c)
            + ":\n    plugin: webhook\n    url: http://127.0.0.1:" + QByteArray::number(port)
            + "/hook\n    secret: ${BENCH_DELIVERY_SECRET}\n" + "    events: [opened]\n";
    return readChannels(yaml, u"channels.yaml"_s).channels;
}

OpenRequest openRequest(int n)
{
    OpenRequest request;
    request.title = u"Delivery %1"_s.arg(n);
    request.fields = {{u"awb"_s, u"123456789012"_s},
                      {u"urgency"_s, u"high"_s},
                      {u"held_at"_s, u"hub"_s},
                      {u"reason"_s, u"Needed tomorrow"_s}};
    request.customer.id = u"C-%1"_s.arg(n);
    request.customer.tier = u"B"_s;
    return request;
}

double percentile(std::vector<qint64> sorted, double p)
{
    if (sorted.empty())
        return 0;
    std::sort(sorted.begin(), sorted.end());
    const size_t i = std::min(sorted.size() - 1, size_t(p * double(sorted.size())));
    return double(sorted[i]) / 1000.0;
}

struct Run
{
    int opened = 0;
    double cpuSeconds = 0;
    double workerCpuSeconds = -1;
    QHash<QByteArray, qint64> committedAtUs; ///< delivery id → commit
    qint64 windowStartUs = 0, windowEndUs = 0;
    QString error;
};

// Opens tickets at `opensPerSecond` for `seconds` against a server with `channels`, then waits
// (at most 60 s) until every delivery they caused was acknowledged by `receiver`.
Run drive(const QString &dir, const QList<ChannelDefinition> &channels, int opensPerSecond,
          int seconds, WebhookReceiver *receiver)
{
    Run run;
    FakeClock clock(QDateTime(QDate(2026, 3, 2), QTime(9, 0), Qt::UTC));
    auto db = TestServer::openDatabase(u"sqlite:"_s + dir + u"/bench-%1.db"_s.arg(channels.size()));
    if (!db) {
        run.error = db.error();
        return run;
    }
    TestServerOptions options;
    options.database = *db;
    options.clock = &clock;
    options.http = false;
    if (!options.useWorkflowFolder()) {
        run.error = u"the shipped workflows have errors"_s;
        return run;
    }
    options.channels = channels;
    options.pluginFolder = QStringLiteral(BATON_BUILD_DIR "/plugins");
    TestServer server;
    if (QString error = server.start(options); !error.isEmpty()) {
        run.error = error;
        return run;
    }
    const Actor amy = resolveActor(server.services().organisation(), u"amy"_s, {u"agent"_s},
                                   {u"customer-service"_s});
    std::mutex mutex;
    std::atomic<int> done {0};
    const double cpuBefore = processCpuSeconds();
    const double workerBefore = threadCpuSeconds("baton-delivery");
    run.windowStartUs = nowUs();
    const int total = opensPerSecond * seconds;
    for (int n = 0; n < total; ++n) {
        const qint64 due = run.windowStartUs + qint64(n) * 1000000 / opensPerSecond;
        if (const qint64 wait = due - nowUs(); wait > 0)
            std::this_thread::sleep_for(std::chrono::microseconds(wait));
        server.engine().open(
            amy, u"jump-queue"_s, openRequest(n), QString(), [&](CommandResult result) {
                const qint64 at = nowUs();
                if (result) {
                    std::lock_guard lock(mutex);
                    for (const ChannelDefinition &c : channels)
                        run.committedAtUs.insert(
                            QByteArray::number(result->ticket.id) + ".1." + c.name.toUtf8(), at);
                }
                ++done;
            });
    }
    run.windowEndUs = nowUs();
    run.opened = total;
    const qint64 deadline = nowUs() + 60000000;
    const qsizetype expected = qsizetype(total) * channels.size();
    while (nowUs() < deadline
           && (done < total || (receiver && receiver->acknowledged().size() < expected)))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    run.cpuSeconds = processCpuSeconds() - cpuBefore;
    // A worker that had not named its thread yet when the window opened had used nothing.
    if (const double after = threadCpuSeconds("baton-delivery"); after >= 0)
        run.workerCpuSeconds = after - std::max(0.0, workerBefore);
    return run;
}

struct Drain
{
    int deliveries = 0;
    int triesDuringOutage = 0;
    qint64 lastRetryAfterBackMs = 0; ///< on the server's clock, from the receiver's return
    /// On the server's clock, from the receiver's return to the last delivery received: the
    /// clock's steps to the next due try plus the real time in between.
    double backToLastReceivedSeconds = 0;
    double drainSeconds = 0; ///< real time from the first try due after the return to the last
                             ///< delivery received
    int receivedTwice = 0;
    QString error;
};

// The pending rows' tries and latest next try; nullopt on a database error.
std::optional<std::pair<int, qint64>> pendingTriesAndLastDue(TestServer &server, int limit)
{
    auto db = server.database()->connection();
    if (!db)
        return std::nullopt;
    auto pending = OutboxQueue::list(*db, u"pending"_s, limit);
    if (!pending)
        return std::nullopt;
    int tries = 0;
    qint64 last = 0;
    for (const OutboxEntry &e : std::as_const(*pending)) {
        tries += e.attempts;
        last = std::max(last, e.nextAttemptAt);
    }
    return std::pair(tries, last);
}

// The earliest next try of a pending row not claimed by a round in flight (a claimed row's
// next_attempt_at is its lease's end, not a try).
Result<std::optional<qint64>> earliestUnleased(TestServer &server)
{
    auto db = server.database()->connection();
    if (!db)
        return db.failure();
    auto query = runQuery(*db,
                          u"SELECT MIN(next_attempt_at) FROM outbox WHERE status = "
                          u"'pending' AND leased_by IS NULL"_s);
    if (!query)
        return query.failure();
    if (!query->next() || query->value(0).isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(query->value(0).toLongLong());
}

// Waits (at most 120 s) until no pending row is due on `clock`: the worker tried them all.
bool waitUntilNoneDue(TestServer &server, const FakeClock &clock)
{
    const qint64 deadline = nowUs() + 120000000;
    while (nowUs() < deadline) {
        auto db = server.database()->connection();
        auto due = db ? OutboxQueue::earliestDue(*db) : Result<std::optional<qint64>>(db.failure());
        if (due && (!due->has_value() || **due > clock.now().toMSecsSinceEpoch()))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

Drain drain(const QString &dir, int count)
{
    Drain d;
    WebhookReceiver receiver(secret);
    receiver.setMode(WebhookReceiver::Mode::Down);
    FakeClock clock(QDateTime(QDate(2026, 3, 2), QTime(9, 0), Qt::UTC));
    auto db = TestServer::openDatabase(u"sqlite:"_s + dir + u"/bench-drain.db"_s);
    TestServerOptions options;
    options.database = db ? *db : nullptr;
    options.clock = &clock;
    options.http = false;
    options.deliveryFirstRetryMs = 5000; // as `baton serve`
    options.channels = hookChannels(1, receiver.port());
    options.pluginFolder = QStringLiteral(BATON_BUILD_DIR "/plugins");
    TestServer server;
    if (!db || !options.useWorkflowFolder()) {
        d.error = u"drain: no database or workflows"_s;
        return d;
    }
    if (QString error = server.start(options); !error.isEmpty()) {
        d.error = error;
        return d;
    }
    const Actor amy = resolveActor(server.services().organisation(), u"amy"_s, {u"agent"_s},
                                   {u"customer-service"_s});
    std::atomic<int> done {0};
    for (int n = 0; n < count; ++n)
        server.engine().open(amy, u"jump-queue"_s, openRequest(n), QString(),
                             [&](CommandResult) { ++done; });
    while (done < count)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int step = 0; step <= 20; ++step) {
        if (!waitUntilNoneDue(server, clock)) {
            d.error = u"drain: the worker did not try the due rows within 120 s"_s;
            return d;
        }
        if (step < 20)
            clock.advanceSeconds(30);
    }
    // A batch still in flight is leased (not due): let it settle.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    waitUntilNoneDue(server, clock);
    const auto outage = pendingTriesAndLastDue(server, count);
    if (!outage) {
        d.error = u"drain: the outbox could not be read"_s;
        return d;
    }
    d.deliveries = count;
    d.triesDuringOutage = outage->first;
    receiver.setMode(WebhookReceiver::Mode::Up);
    const qint64 backAt = clock.now().toMSecsSinceEpoch();
    d.lastRetryAfterBackMs = outage->second - backAt;
    qint64 skippedMs = 0; // server-clock time skipped by moving the clock (no real time spent)
    qint64 start = 0;
    const qint64 deadline = nowUs() + 300000000;
    while (nowUs() < deadline && receiver.acknowledged().size() < count) {
        // Nothing due and nothing arriving: move the clock to the next due try.
        const auto due = earliestUnleased(server);
        if (due && due->has_value() && **due > clock.now().toMSecsSinceEpoch()) {
            skippedMs += **due - clock.now().toMSecsSinceEpoch();
            clock.set(QDateTime::fromMSecsSinceEpoch(**due, Qt::UTC));
        }
        if (start == 0)
            start = nowUs();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    d.drainSeconds = double(nowUs() - start) / 1e6;
    d.backToLastReceivedSeconds = double(skippedMs) / 1000.0 + d.drainSeconds;
    Q_UNUSED(backAt)
    const QHash<QByteArray, int> counts = receiver.countsById();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        d.receivedTwice += it.value() > 1 ? 1 : 0;
    if (receiver.acknowledged().size() < count)
        d.error = u"drain: %1 of %2 delivered within 300 s"_s.arg(receiver.acknowledged().size())
                      .arg(count);
    return d;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"."_s;
    const int rate = qEnvironmentVariableIsSet("BENCH_RATE")
        ? qEnvironmentVariableIntValue("BENCH_RATE")
        : 1000;
    const int seconds = qEnvironmentVariableIsSet("BENCH_SECONDS")
        ? qEnvironmentVariableIntValue("BENCH_SECONDS")
        : 10;
    const int channelCount = qEnvironmentVariableIsSet("BENCH_CHANNELS")
        ? std::max(1, qEnvironmentVariableIntValue("BENCH_CHANNELS"))
        : 2;
    qputenv("BENCH_DELIVERY_SECRET", secret);
    QTemporaryDir dir;
    const int opensPerSecond = std::max(1, rate / channelCount);

    // The same openings without channels: what the deliveries add to the process's CPU.
    // BENCH_BASELINE=0 skips it (the load beside bench_engine starts delivering at once).
    const bool withBaseline = !qEnvironmentVariableIsSet("BENCH_BASELINE")
        || qEnvironmentVariableIntValue("BENCH_BASELINE") != 0;
    const Run baseline
        = withBaseline ? drive(dir.path(), {}, opensPerSecond, seconds, nullptr) : Run {};
    WebhookReceiver receiver(secret);
    const Run run = drive(dir.path(), hookChannels(channelCount, receiver.port()), opensPerSecond,
                          seconds, &receiver);
    const int drainCount = qEnvironmentVariableIsSet("BENCH_DRAIN")
        ? qEnvironmentVariableIntValue("BENCH_DRAIN")
        : 2000;
    const Drain drained = drainCount > 0 ? drain(dir.path(), drainCount) : Drain {};
    if (!baseline.error.isEmpty() || !run.error.isEmpty() || !drained.error.isEmpty()) {
        std::fprintf(stderr, "bench_delivery: %s\n",
                     qPrintable(baseline.error + run.error + drained.error));
        return 1;
    }

    std::vector<qint64> latencies;
    int inWindow = 0;
    const qint64 windowUs = run.windowEndUs - run.windowStartUs;
    for (const WebhookReceiver::Received &r : receiver.received()) {
        const auto committed = run.committedAtUs.constFind(r.deliveryId);
        if (committed == run.committedAtUs.cend())
            continue;
        latencies.push_back(r.atUs - *committed);
        inWindow += r.atUs <= run.windowEndUs ? 1 : 0;
    }
    const qsizetype deliveries = receiver.acknowledged().size();
    const qsizetype expected = qsizetype(run.opened) * channelCount;
    const double perSecond = double(inWindow) / (double(windowUs) / 1e6);
    const QJsonObject result {
        {u"benchmark"_s, u"bench_delivery"_s},
        {u"machine"_s, QJsonObject {{u"cores"_s, int(std::thread::hardware_concurrency())}}},
        {u"offered_deliveries_per_s"_s, opensPerSecond * channelCount},
        {u"channels"_s, channelCount},
        {u"seconds"_s, seconds},
        {u"deliveries_expected"_s, qint64(expected)},
        {u"deliveries_acknowledged"_s, qint64(deliveries)},
        {u"requests_received"_s, qint64(receiver.received().size())},
        {u"bad_signatures"_s, receiver.badSignatures()},
        {u"received_per_s_in_window"_s, perSecond},
        {u"latency_ms"_s,
         QJsonObject {{u"p50"_s, percentile(latencies, 0.50)},
                      {u"p99"_s, percentile(latencies, 0.99)},
                      {u"max"_s, percentile(latencies, 1.0)}}},
        {u"cpu_us_per_delivery"_s,
         QJsonObject {{u"delivery_worker"_s,
                       run.workerCpuSeconds >= 0 && deliveries > 0
                           ? QJsonValue(run.workerCpuSeconds * 1e6 / double(deliveries))
                           : QJsonValue(QJsonValue::Null)},
                      {u"process_over_baseline"_s,
                       deliveries > 0 && withBaseline ? QJsonValue(
                           (run.cpuSeconds - baseline.cpuSeconds) * 1e6 / double(deliveries))
                                                      : QJsonValue(QJsonValue::Null)}}},
    };
    QJsonObject withDrain = result;
    if (drainCount > 0)
        withDrain.insert(
            u"drain_after_10_minute_outage"_s,
            QJsonObject {
                {u"deliveries"_s, drained.deliveries},
                {u"tries_during_outage"_s, drained.triesDuringOutage},
                {u"server_clock_s_from_back_to_last_retry"_s,
                 double(drained.lastRetryAfterBackMs) / 1000.0},
                {u"server_clock_s_from_back_to_last_received"_s, drained.backToLastReceivedSeconds},
                {u"drain_s"_s, drained.drainSeconds},
                {u"drain_per_s"_s,
                 drained.drainSeconds > 0 ? double(drained.deliveries) / drained.drainSeconds
                                          : 0.0},
                {u"received_more_than_once"_s, drained.receivedTwice}});
    const QByteArray json = QJsonDocument(withDrain).toJson();
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    QFile file(QDir(outDir).filePath(u"bench_delivery.json"_s));
    if (!file.open(QIODevice::WriteOnly))
        return 2;
    file.write(json);
    return deliveries == expected && receiver.badSignatures() == 0 ? 0 : 1;
}

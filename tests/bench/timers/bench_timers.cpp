// SPDX-License-Identifier: GPL-3.0-or-later
// SLA timers at scale (quality.md): 10,000 timers coming due at the same instant, all fired,
// escalated and recorded (target <= 2 s); and an idle server holding 1,000,000 open timers,
// whose CPU use should be about zero because nothing scans them.
//
// Usage: bench_timers OUTDIR (writes OUTDIR/bench_timers.json). The idle window is 10 s by
// default; BATON_BENCH_IDLE_SECONDS=60 measures the full minute of quality.md.
// BATON_BENCH_IDLE_TIMERS changes the 1,000,000.

#include "slaworld.h"

#include "core/clock.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSemaphore>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <sys/resource.h>
#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace Baton;
using namespace Baton::Test;
using namespace Qt::StringLiterals;

namespace {

double cpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Server
{
    std::shared_ptr<Database> database;
    std::unique_ptr<SlaService> sla;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<TimerScheduler> scheduler;

    bool start(const QString &url, const Clock &clock, bool wallClock, const SlaWorld &world)
    {
        auto db = Database::open(url);
        if (!db || !Schema::migrate(**db)) {
            std::fprintf(stderr, "cannot open %s\n", qPrintable(url));
            return false;
        }
        database = db.value();
        sla = std::make_unique<SlaService>(world.org, database, &clock, [&world](const QString &u) {
            return world.departmentsOf(u);
        });
        EngineOptions options;
        options.database = database;
        options.organisation = world.org;
        options.clock = &clock;
        options.slaPlanner = sla->planner();
        auto started = Engine::start(options);
        if (!started) {
            std::fprintf(stderr, "engine: %s\n", qPrintable(started.error()));
            return false;
        }
        engine = std::move(started.value());
        QList<std::shared_ptr<const Workflow>> workflows;
        for (const auto &wf : world.workflows)
            workflows.append(wf);
        if (!engine->publish(workflows))
            return false;
        TimerScheduler::Options so;
        so.database = database;
        so.engine = engine.get();
        so.sla = sla.get();
        so.clock = &clock;
        so.wallClock = wallClock;
        scheduler = std::make_unique<TimerScheduler>(so);
        sla->setTimerListener([s = scheduler.get()](qint64 due) { s->timersWritten(due); });
        return scheduler->start().ok();
    }
};

QJsonObject burst(const QString &dir, const SlaWorld &world, int count)
{
    FakeClock clock(utc(2026, 11, 23, 0, 30));
    Server server;
    if (!server.start(u"sqlite:"_s + dir + u"/burst.db"_s, clock, false, world))
        return {};
    QSemaphore done;
    OpenRequest request;
    request.title = u"Line down"_s;
    std::vector<TicketState> opened(count);
    for (int i = 0; i < count; ++i)
        server.engine->open(world.user(u"olga"_s), u"telecom"_s, request, QString(),
                            [&done, &opened, i](CommandResult r) {
                                opened[i] = r.ticket;
                                done.release();
                            });
    done.acquire(count);
    // The pure part alone: firing the three steps and planning the next timer, per ticket.
    double pureMicros = 0;
    {
        const Workflow &wf = world.workflow(u"telecom"_s);
        const QStringList departments = world.departmentsOf(u"olga"_s);
        QElapsedTimer pure;
        pure.start();
        qint64 events = 0;
        for (const TicketState &ticket : opened) {
            const TicketOutcome out
                = server.sla->escalation().fire(wf, ticket, departments, utc(2026, 11, 23, 8, 30));
            events += out.events.size();
            // At the server clock's now, as the planner measured before it was given the time.
            events += server.sla->plan(out.ticket, wf, clock.now()).timers.size();
        }
        pureMicros = double(pure.nsecsElapsed()) / 1e3 / count;
        std::printf("pure: fire + plan %.1f us per ticket (%lld rows)\n", pureMicros, events);
    }
    // Every ticket's 75% step is due at the same instant; at 150% each fires its warning,
    // breach and climb to the city desk in one go.
    clock.set(utc(2026, 11, 23, 8, 30));
    QElapsedTimer timer;
    timer.start();
    auto report = server.scheduler->fireDueTimers();
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    if (!report) {
        std::fprintf(stderr, "firing failed: %s\n", qPrintable(report.error()));
        return {};
    }
    auto db = server.database->connection();
    auto moved = runQuery(*db, u"SELECT COUNT(*) FROM tickets WHERE queue = 'city-desk'"_s);
    const qint64 escalated = moved && moved->next() ? moved->value(0).toLongLong() : -1;
    std::printf("burst: %d timers due at once: %d events, %lld tickets escalated in %.3f s "
                "(%.0f timers/s; target <= 2 s)\n",
                count, report->events, escalated, seconds, count / seconds);
    return QJsonObject {{u"timers"_s, count},
                        {u"events"_s, report->events},
                        {u"escalated"_s, escalated},
                        {u"rounds"_s, report->rounds},
                        {u"pure_fire_and_plan_us_per_ticket"_s, pureMicros},
                        {u"seconds"_s, seconds},
                        {u"timers_per_second"_s, count / seconds},
                        {u"target_seconds"_s, 2.0},
                        {u"database"_s, u"sqlite"_s}};
}

QJsonObject idle(const QString &dir, const SlaWorld &world, int count, int idleSeconds)
{
    const QString url = u"sqlite:"_s + dir + u"/idle.db"_s;
    {
        // The open timers are written straight into the tables: building a million tickets
        // through the engine would measure the engine, not the idle scheduler.
        auto db = Database::open(url);
        if (!db || !Schema::migrate(**db))
            return {};
        auto connection = (*db)->connection();
        Transaction transaction(*connection);
        QSqlQuery ticket(*connection);
        ticket.prepare(u"INSERT INTO tickets (id, key, workflow, workflow_version, title, state, "
                       "status, queue, originator, version, created_at, updated_at) VALUES "
                       "(?, ?, 'telecom', 1, 'Line down', 'county', 'open', 'county-desk', "
                       "'olga', 1, ?, ?)"_s);
        QSqlQuery timerRow(*connection);
        timerRow.prepare(u"INSERT INTO timers (ticket_id, kind, due_at) VALUES (?, "
                         "'sla:step:resolve:0', ?)"_s);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 1; i <= count; ++i) {
            ticket.bindValue(0, i);
            ticket.bindValue(1, QString(u"TE-"_s + QString::number(i)));
            ticket.bindValue(2, now);
            ticket.bindValue(3, now);
            timerRow.bindValue(0, i);
            // Spread over the next month: none comes due during the measurement.
            timerRow.bindValue(1, now + 3600 * 1000 + qint64(i) * 2000);
            if (!ticket.exec() || !timerRow.exec()) {
                std::fprintf(stderr, "insert failed\n");
                return {};
            }
        }
        if (!transaction.commit())
            return {};
    }
    SystemClock clock;
    Server server;
    if (!server.start(url, clock, true, world))
        return {};
    (void)server.scheduler->fireDueTimers(); // waits for the start-up round
    const TimerScheduler::Stats before = server.scheduler->stats();
    const double cpuBefore = cpuSeconds();
    QElapsedTimer wall;
    wall.start();
    std::this_thread::sleep_for(std::chrono::seconds(idleSeconds));
    const double cpu = cpuSeconds() - cpuBefore;
    const double elapsed = double(wall.nsecsElapsed()) / 1e9;
    const TimerScheduler::Stats after = server.scheduler->stats();
    std::printf("idle: %d open timers, %.1f s: %.4f s CPU (%.3f%% of one core), %llu wake-ups\n",
                count, elapsed, cpu, 100.0 * cpu / elapsed,
                static_cast<unsigned long long>(after.wakeups - before.wakeups));
    return QJsonObject {{u"open_timers"_s, count},
                        {u"seconds"_s, elapsed},
                        {u"cpu_seconds"_s, cpu},
                        {u"cpu_percent"_s, 100.0 * cpu / elapsed},
                        {u"wakeups"_s, qint64(after.wakeups - before.wakeups)},
                        {u"database"_s, u"sqlite"_s}};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const QString outDir = QString::fromLocal8Bit(argv[1]);
    if (!QDir().mkpath(outDir)) {
        std::fprintf(stderr, "cannot create %s\n", argv[1]);
        return 2;
    }
    const int idleSeconds = qEnvironmentVariableIntValue("BATON_BENCH_IDLE_SECONDS") > 0
        ? qEnvironmentVariableIntValue("BATON_BENCH_IDLE_SECONDS")
        : 10;
    const int idleTimers = qEnvironmentVariableIntValue("BATON_BENCH_IDLE_TIMERS") > 0
        ? qEnvironmentVariableIntValue("BATON_BENCH_IDLE_TIMERS")
        : 1000000;
    QTemporaryDir dir;
    const SlaWorld &world = SlaWorld::instance();
    const QJsonObject burstResult = burst(dir.path(), world, 10000);
    const QJsonObject idleResult = idle(dir.path(), world, idleTimers, idleSeconds);
    utsname name {};
    uname(&name);
    const QJsonObject result {
        {u"benchmark"_s, u"bench_timers"_s},
        {u"machine"_s,
         QJsonObject {{u"arch"_s, QString::fromLatin1(name.machine)},
                      {u"cores"_s, int(std::thread::hardware_concurrency())}}},
        {u"burst"_s, burstResult},
        {u"idle"_s, idleResult},
    };
    QFile file(QDir(outDir).filePath(u"bench_timers.json"_s));
    if (!file.open(QIODevice::WriteOnly))
        return 2;
    file.write(QJsonDocument(result).toJson());
    return burstResult.isEmpty() || idleResult.isEmpty() ? 1 : 0;
}

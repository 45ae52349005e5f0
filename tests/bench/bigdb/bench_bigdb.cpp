// SPDX-License-Identifier: GPL-3.0-or-later
// The engine on a large database (quality.md): 1,000,000 tickets, 200,000 of them open.
// Usage: bench_bigdb OUTDIR [--tickets N] [--open M] [--queries Q] [--list-queries L] [--touch T]
// [--cache-limit C] [--regenerate] [--search-only|--reports-only [--database FILE]]. Writes
// OUTDIR/bench_bigdb.json. --search-only measures start-up and the ticket and customer search,
// nothing else (no writes to the working copy but the migrations), and writes
// OUTDIR/bench_bigdb_search.json; with --database it works on FILE itself (migrated in place,
// no copy: the 1,000,000-ticket file is 5.5 GB). --reports-only is the same for the reports
// (after the roll-up's back-fill, timed), into OUTDIR/bench_bigdb_reports.json.
//
// The database is generated once (BigDbGenerator) and cached as OUTDIR/bigdb-v*.sqlite; each
// run works on a fresh copy of it, so actions and fired timers never change the cache. The
// engine runs on a clock that starts at the generator's reference instant and then runs in
// real time, so the cached file looks the same to every run whenever it is made.
//
// Measured: start-up as `baton serve` does it (workflows, migrate, publish, Engine::start,
// SlaService, TimerScheduler, AuthService), the queue page as GET /api/v1/tickets?queue=X&
// sort=due&limit=50 calls it (Engine::tickets, a supervisor and a staff member of the queue,
// first page and the page after it), the ticket list without a queue as a non-admin sees it
// (unfiltered and status=open, every sort, checked against the plain visibility rule), the
// queue counts of GET /api/v1/queues, actions on
// generated open tickets, and the resident memory after each phase and per ticket the engine
// has written (its writer keeps them cached).
#include "bigdbgenerator.h"
#include "bigdbqueries.h"

#include "core/clock.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "services/services.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

#include <malloc.h>
#include <time.h>
#include <unistd.h>

using namespace Baton;

namespace {

/// The generator's reference instant (a Tuesday, 11:00 in Shanghai: business hours).
const QDateTime reference
    = QDateTime::fromString(QStringLiteral("2026-11-24T03:00:00Z"), Qt::ISODate);

/// Starts at `start` and runs in real time.
class RunningClock final : public Clock
{
public:
    explicit RunningClock(QDateTime start)
        : m_start(std::move(start))
    {
        m_timer.start();
    }
    QDateTime now() const override { return m_start.addMSecs(m_timer.elapsed()); }

private:
    QDateTime m_start;
    QElapsedTimer m_timer;
};

struct Memory
{
    double rssMb = 0, hwmMb = 0;
};

Memory memory()
{
    Memory m;
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return m;
    for (const QByteArray &line : status.readAll().split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() >= 2 && parts[0] == "VmRSS:")
            m.rssMb = parts[1].toDouble() / 1024;
        else if (parts.size() >= 2 && parts[0] == "VmHWM:")
            m.hwmMb = parts[1].toDouble() / 1024;
    }
    return m;
}

QJsonObject memoryJson(const Memory &m)
{
    return {{QStringLiteral("rss_mb"), m.rssMb}, {QStringLiteral("hwm_mb"), m.hwmMb}};
}

/// Latencies in microseconds.
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

void printLatency(const char *what, const QJsonObject &l, double target = 0)
{
    std::printf("  %-34s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%lld)%s\n", what,
                l[u"p50_ms"].toDouble(), l[u"p99_ms"].toDouble(), l[u"max_ms"].toDouble(),
                qlonglong(l[u"count"].toInteger()),
                target > 0 && l[u"p99_ms"].toDouble() > target ? "  OVER TARGET" : "");
}

qint64 microseconds(const QElapsedTimer &timer)
{
    return timer.nsecsElapsed() / 1000;
}

qint64 threadCpuMicroseconds()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void removeDatabaseFiles(const QString &path)
{
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        QFile::remove(path + QLatin1String(suffix));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    if (args.isEmpty()) {
        std::fprintf(
            stderr,
            "usage: bench_bigdb OUTDIR [--tickets N] [--open M] [--queries Q] [--list-queries L] "
            "[--touch T] "
            "[--cache-limit C] "
            "[--regenerate] [--search-only|--reports-only [--database FILE | --db URL]]\n");
        return 2;
    }
    const QString outDir = QDir(args.takeFirst()).absolutePath();
    qint64 tickets = 1000000, open = 200000;
    int queriesPerKind = 1000;
    int touchCount = 20000;
    int listQueries = 100; // pages per viewer and filter of the ticket list, sorted by due
    int cacheLimit = EngineOptions().cacheLimit;
    bool regenerate = false, searchOnly = false, reportsOnly = false;
    QString inPlace; // --database: a generated file searched where it is
    QString dbUrl; // --db: a database given by URL (PostgreSQL, see to-postgresql.sh)
    double generationSeconds = -1; // set when this run generated the database
    for (int i = 0; i < args.size(); ++i) {
        const bool hasValue = i + 1 < args.size();
        if (args[i] == u"--tickets" && hasValue)
            tickets = args[++i].toLongLong();
        else if (args[i] == u"--open" && hasValue)
            open = args[++i].toLongLong();
        else if (args[i] == u"--queries" && hasValue)
            queriesPerKind = args[++i].toInt();
        else if (args[i] == u"--cache-limit" && hasValue)
            cacheLimit = args[++i].toInt();
        else if (args[i] == u"--list-queries" && hasValue)
            listQueries = args[++i].toInt();
        else if (args[i] == u"--touch" && hasValue)
            touchCount = args[++i].toInt();
        else if (args[i] == u"--regenerate")
            regenerate = true;
        else if (args[i] == u"--search-only")
            searchOnly = true;
        else if (args[i] == u"--reports-only")
            searchOnly = reportsOnly = true;
        else if (args[i] == u"--database" && hasValue)
            inPlace = QFileInfo(args[++i]).absoluteFilePath();
        else if (args[i] == u"--db" && hasValue)
            dbUrl = args[++i];
        else if (args[i] == u"--generated-in" && hasValue)
            generationSeconds = args[++i].toDouble();
    }
    QDir().mkpath(outDir);
    const QString workflowsDir = QStringLiteral(BATON_SOURCE_DIR "/workflows");
    const QString cached
        = QDir(outDir).absoluteFilePath(QStringLiteral("bigdb-v%1-s%2-%3-%4.sqlite")
                                            .arg(BigDbGenerator::version)
                                            .arg(Schema::latestVersion())
                                            .arg(tickets)
                                            .arg(open));
    const Memory atLaunch = memory();

    if (!inPlace.isEmpty() && (!searchOnly || !QFileInfo::exists(inPlace))) {
        std::fprintf(stderr, "bench_bigdb: --database needs --search-only and an existing file\n");
        return 2;
    }
    if (!dbUrl.isEmpty() && (!searchOnly || !inPlace.isEmpty())) {
        std::fprintf(stderr, "bench_bigdb: --db needs --search-only (and no --database)\n");
        return 2;
    }

    // ---- the database, generated once ---------------------------------------------------------
    if (inPlace.isEmpty() && dbUrl.isEmpty() && (regenerate || !QFileInfo::exists(cached))) {
        std::fprintf(stderr, "bench_bigdb: generating %lld tickets (%lld open) into %s\n",
                     qlonglong(tickets), qlonglong(open), qPrintable(cached));
        // Older generations (another generator or schema version) are not used again.
        for (const QString &stale : QDir(outDir).entryList({QStringLiteral("bigdb-v*.sqlite")}))
            if (QDir(outDir).absoluteFilePath(stale) != cached)
                removeDatabaseFiles(QDir(outDir).absoluteFilePath(stale));
        BigDbGenerator::Options options;
        options.path = cached;
        options.workflowsDir = workflowsDir;
        options.tickets = tickets;
        options.open = open;
        options.reference = reference;
        const auto generated = BigDbGenerator::generate(options);
        if (!generated) {
            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(generated.error()));
            return 1;
        }
        std::printf("bench_bigdb: generated %lld tickets from %d templates (%d open), %lld "
                    "events, %lld timers (%lld fired before the reference instant) in %.1f s\n",
                    qlonglong(generated->tickets), generated->templates, generated->openTemplates,
                    qlonglong(generated->events), qlonglong(generated->timers),
                    qlonglong(generated->timersFired), generated->seconds);
        std::fflush(stdout);
        // The measurements run in a fresh process: the generator's heap would count as the
        // engine's resident memory.
        std::vector<QByteArray> again {QByteArray(argv[0])};
        for (int i = 1; i < argc; ++i)
            if (qstrcmp(argv[i], "--regenerate") != 0)
                again.emplace_back(argv[i]);
        again.emplace_back("--generated-in");
        again.emplace_back(QByteArray::number(generated->seconds));
        std::vector<char *> pointers;
        for (QByteArray &a : again)
            pointers.push_back(a.data());
        pointers.push_back(nullptr);
        ::execv(argv[0], pointers.data());
        std::fprintf(stderr, "bench_bigdb: cannot run %s again\n", argv[0]);
        return 1;
    }
    const QString work = inPlace.isEmpty()
        ? QDir(outDir).absoluteFilePath(QStringLiteral("bigdb-run.sqlite"))
        : inPlace;
    const double sizeMb = QFileInfo(inPlace.isEmpty() ? cached : inPlace).size() / 1048576.0;
    if (!dbUrl.isEmpty()) {
        std::printf("bench_bigdb: %s, searched in place\n", qPrintable(dbUrl));
    } else if (inPlace.isEmpty()) {
        removeDatabaseFiles(work);
        QElapsedTimer copyTimer;
        copyTimer.start();
        if (!QFile::copy(cached, work)) {
            std::fprintf(stderr, "bench_bigdb: cannot copy %s\n", qPrintable(cached));
            return 1;
        }
        std::printf("bench_bigdb: %s (%.0f MB), working copy made in %.1f s\n",
                    qPrintable(QFileInfo(cached).fileName()), sizeMb, copyTimer.elapsed() / 1000.0);
    } else {
        std::printf("bench_bigdb: %s (%.0f MB), searched in place\n", qPrintable(inPlace), sizeMb);
    }

    // ---- start-up, as `baton serve` does it ---------------------------------------------------
    const Memory beforeStart = memory();
    RunningClock clock(reference);
    QJsonObject startSteps;
    QElapsedTimer startTimer, step;
    startTimer.start();
    step.start();
    auto lap = [&](const char *name) {
        startSteps.insert(QLatin1String(name), step.nsecsElapsed() / 1e6);
        step.restart();
    };
    const WorkflowSet set = loadWorkflowDirectory(workflowsDir);
    if (!set.ok()) {
        std::fprintf(stderr, "bench_bigdb: the workflows have errors\n");
        return 1;
    }
    lap("load_workflows_ms");
    auto database = openMigratedDatabase(dbUrl.isEmpty() ? u"sqlite:" + work : dbUrl);
    if (!database) {
        std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(database.error()));
        return 1;
    }
    lap("open_and_migrate_ms");
    auto organisation = std::make_shared<const Organisation>(set.organisation);
    // The composition root `baton serve` uses, so that what is measured is its server. Without
    // the step facts: the generated database has none, and back-filling all of them at every
    // run would be measured as start-up (bench_engine measures the engine with them).
    ServicesOptions options;
    options.database = *database;
    options.organisation = organisation;
    options.clock = &clock;
    options.cacheLimit = cacheLimit;
    options.stepFacts = false;
    Services services(options);
    lap("auth_ms"); // the services' construction: sign-in and the SLA service
    if (auto started = services.startEngine(); !started) {
        std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(started.error()));
        return 1;
    }
    Engine &engine = services.engine();
    lap("engine_start_ms");
    if (auto published = engine.publish(set.workflows, QStringLiteral("baton serve")); !published) {
        std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(published.error()));
        return 1;
    }
    lap("publish_ms");
    {
        const auto changed = services.sla().recomputeClocksSinceLastStart(
            engine, **database, organisationSource(set.organisationFiles));
        if (!changed) {
            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(changed.error()));
            return 1;
        }
        if (!changed->calendars.isEmpty())
            std::printf("  calendars changed: %d open tickets re-measured\n", changed->recomputed);
    }
    lap("calendar_check_ms");
    if (auto started = services.startTimers(); !started) {
        std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(started.error()));
        return 1;
    }
    lap("timers_start_ms");
    const double startupMs = startTimer.nsecsElapsed() / 1e6;
    const Memory afterStart = memory();
    std::printf("  start-up to ready: %.0f ms (target <= 1000)%s\n", startupMs,
                startupMs > 1000 ? "  OVER TARGET" : "");
    for (auto it = startSteps.constBegin(); it != startSteps.constEnd(); ++it)
        std::printf("    %-22s %8.1f ms\n", qPrintable(it.key()), it.value().toDouble());

    auto db = (*database)->connection();
    if (!db) {
        std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(db.error()));
        return 1;
    }
    const QMap<QString, DemoAccount> users = demoAccounts(set);
    auto actorOf = [&](const QString &username) {
        const DemoAccount user = users.value(username);
        return resolveActor(*organisation, username, user.roles, user.departments);
    };

    if (searchOnly) {
        BigDbQueryOptions search {&engine, database->get(), users, clock.now(), listQueries};
        search.searchOnly = !reportsOnly;
        search.reportsOnly = reportsOnly;
        QFile out(QDir(outDir).absoluteFilePath(reportsOnly
                                                    ? QStringLiteral("bench_bigdb_reports.json")
                                                    : QStringLiteral("bench_bigdb_search.json")));
        const QJsonObject measured = measureSearchAndReports(search);
        if (out.open(QIODevice::WriteOnly))
            out.write(QJsonDocument(measured).toJson());
        out.close();
        if (inPlace.isEmpty() && dbUrl.isEmpty())
            removeDatabaseFiles(work);
        std::fflush(stdout);
        std::_Exit(0); // as below: the scheduler may be running
    }

    // ---- queue counts (GET /api/v1/queues) ----------------------------------------------------
    std::vector<qint64> countLatency;
    QMap<QString, qint64> openPerQueue;
    qint64 atRiskTotal = 0, breachedTotal = 0;
    for (int i = 0; i < 20; ++i) {
        QElapsedTimer t;
        t.start();
        const qint64 now = clock.now().toMSecsSinceEpoch();
        auto q = runQuery(
            *db,
            QStringLiteral("SELECT queue, COUNT(*), SUM(CASE WHEN at_risk_at <= ? AND due_at > ? "
                           "THEN 1 ELSE 0 END), SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END) "
                           "FROM ticket_queues_current WHERE status = 'open' GROUP BY queue"),
            {now, now, now});
        if (!q) {
            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(q.error()));
            return 1;
        }
        openPerQueue.clear();
        atRiskTotal = breachedTotal = 0;
        while (q->next()) {
            openPerQueue.insert(q->value(0).toString(), q->value(1).toLongLong());
            atRiskTotal += q->value(2).toLongLong();
            breachedTotal += q->value(3).toLongLong();
        }
        countLatency.push_back(microseconds(t));
    }
    const QJsonObject counts = percentiles(countLatency);
    qint64 openRows = 0;
    for (qint64 n : std::as_const(openPerQueue))
        openRows += n;
    std::printf("  queue counts: %lld open rows in %lld queues, %lld at risk, %lld breached\n",
                qlonglong(openRows), qlonglong(openPerQueue.size()), qlonglong(atRiskTotal),
                qlonglong(breachedTotal));
    printLatency("queue counts (GET /queues)", counts);

    // ---- the queue page -------------------------------------------------------------------------
    struct Viewer
    {
        QString queue;
        Actor actor;
        bool supervisor;
    };
    QList<Viewer> viewers;
    for (const QueueDef &queue : organisation->queues) {
        if (!openPerQueue.value(queue.name))
            continue;
        if (!queue.manager.isEmpty())
            viewers.append({queue.name, actorOf(queue.manager), true});
        if (!queue.primary.isEmpty())
            viewers.append({queue.name, actorOf(queue.primary.first()), false});
    }
    std::vector<qint64> firstSupervisor, firstMember, nextSupervisor, nextMember, sqlOnly;
    // The thread's CPU time per page besides the wall time: on a shared, loaded machine the
    // tail of the wall time is mostly waiting for a core.
    std::vector<qint64> pageCpu;
    qint64 rows = 0, emptyPages = 0;
    QElapsedTimer queriesTimer;
    queriesTimer.start();
    for (int round = 0; firstMember.size() < size_t(queriesPerKind)
         || firstSupervisor.size() < size_t(queriesPerKind);
         ++round) {
        for (const Viewer &viewer : std::as_const(viewers)) {
            TicketFilter filter;
            filter.queue = viewer.queue;
            filter.sort = TicketFilter::Sort::DueAsc;
            filter.limit = 50;
            filter.now = clock.now().toMSecsSinceEpoch();
            QElapsedTimer t;
            t.start();
            qint64 cpu = threadCpuMicroseconds();
            const auto first = engine.tickets(filter, viewer.actor);
            (viewer.supervisor ? firstSupervisor : firstMember).push_back(microseconds(t));
            pageCpu.push_back(threadCpuMicroseconds() - cpu);
            if (!first) {
                std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(first.error()));
                return 1;
            }
            rows += first->items.size();
            emptyPages += first->items.isEmpty();
            if (first->nextCursor.isEmpty())
                continue;
            filter.cursor = first->nextCursor;
            t.restart();
            cpu = threadCpuMicroseconds();
            const auto second = engine.tickets(filter, viewer.actor);
            (viewer.supervisor ? nextSupervisor : nextMember).push_back(microseconds(t));
            pageCpu.push_back(threadCpuMicroseconds() - cpu);
            if (!second) {
                std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(second.error()));
                return 1;
            }
            if (round % 4 == 0) {
                // The SQL alone, without turning the rows into ticket states.
                TicketFilter sqlFilter = filter;
                sqlFilter.cursor.clear();
                sqlFilter.seeAll = viewer.actor.isAdmin();
                sqlFilter.viewer = viewer.actor.username;
                sqlFilter.viewerQueues = visibleQueues(*organisation, viewer.actor);
                t.restart();
                const auto page = TicketReader::list(*db, sqlFilter);
                sqlOnly.push_back(microseconds(t));
                if (!page) {
                    std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(page.error()));
                    return 1;
                }
            }
        }
    }
    std::vector<qint64> all;
    for (const auto *v : {&firstSupervisor, &firstMember, &nextSupervisor, &nextMember})
        all.insert(all.end(), v->begin(), v->end());
    const QJsonObject pageAll = percentiles(all);
    const QJsonObject pageFirstSupervisor = percentiles(firstSupervisor);
    const QJsonObject pageFirstMember = percentiles(firstMember);
    const QJsonObject pageNextSupervisor = percentiles(nextSupervisor);
    const QJsonObject pageNextMember = percentiles(nextMember);
    const QJsonObject pageSql = percentiles(sqlOnly);
    const QJsonObject pageCpuTime = percentiles(pageCpu);
    std::printf("  queue page (50 rows by due, %lld queues, %.1f rows a page, %lld empty) in "
                "%.1f s:\n",
                qlonglong(viewers.size() / 2),
                firstMember.empty() ? 0.0
                                    : double(rows) / (firstMember.size() + firstSupervisor.size()),
                qlonglong(emptyPages), queriesTimer.elapsed() / 1000.0);
    printLatency("all pages", pageAll, 15);
    printLatency("first page, supervisor", pageFirstSupervisor, 15);
    printLatency("first page, queue member", pageFirstMember, 15);
    printLatency("next page (cursor), supervisor", pageNextSupervisor, 15);
    printLatency("next page (cursor), queue member", pageNextMember, 15);
    printLatency("SQL only (TicketReader::list)", pageSql);
    printLatency("CPU time of the thread, all pages", pageCpuTime);
    const Memory afterQueries = memory();

    // ---- the ticket list without a queue (GET /api/v1/tickets, non-admin) -----------------------
    // The list an agent opens first: every ticket they may see (canSee), by due, unfiltered or
    // status=open. Two viewers: the user (agent or staff) who sees the fewest tickets and the
    // one who sees the most (a member of a big back-office department). Each page is also
    // compared with the rule applied the plain way (every ticket, a correlated EXISTS, sorted),
    // for every sort, so a faster plan cannot change what a page shows.
    QJsonObject listResults;
    {
        // Upper bounds of each user's visible set, to choose the two viewers: tickets per queue
        // ever visited, per originator and per assignee.
        QHash<QString, qint64> perQueue, perPerson;
        for (const char *sql : {"SELECT queue, COUNT(*) FROM ticket_queues GROUP BY queue",
                                "SELECT originator, COUNT(*) FROM tickets GROUP BY originator",
                                "SELECT assignee, COUNT(*) FROM tickets WHERE assignee IS NOT NULL "
                                "GROUP BY assignee"}) {
            auto q = runQuery(*db, QString::fromLatin1(sql));
            if (!q) {
                std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(q.error()));
                return 1;
            }
            QHash<QString, qint64> &into
                = qstrncmp(sql, "SELECT queue", 12) == 0 ? perQueue : perPerson;
            while (q->next())
                into[q->value(0).toString()] += q->value(1).toLongLong();
        }
        struct Candidate
        {
            QString username;
            qint64 bound = 0;
        };
        QList<Candidate> candidates;
        for (auto it = users.constBegin(); it != users.constEnd(); ++it) {
            if (it->roles.contains(u"admin") || it->roles.contains(u"supervisor"))
                continue;
            const Actor actor = actorOf(it.key());
            qint64 bound = perPerson.value(it.key());
            for (const QString &queue : visibleQueues(*organisation, actor))
                bound += perQueue.value(queue);
            candidates.append({it.key(), bound});
        }
        std::sort(candidates.begin(), candidates.end(), [](const Candidate &a, const Candidate &b) {
            return a.bound != b.bound ? a.bound < b.bound : a.username < b.username;
        });
        if (candidates.isEmpty()) {
            std::fprintf(stderr, "bench_bigdb: no non-admin users\n");
            return 1;
        }
        struct ListViewer
        {
            const char *label;
            Actor actor;
            qint64 visible = 0, visibleOpen = 0;
        };
        QList<ListViewer> listViewers {{"few tickets", actorOf(candidates.first().username)},
                                       {"big department", actorOf(candidates.last().username)}};
        auto referenceFilter = [&](const Actor &actor, TicketFilter filter) {
            filter.seeAll = false;
            filter.viewer = actor.username;
            filter.viewerQueues = visibleQueues(*organisation, actor);
            return filter;
        };
        // The rule as canSee states it, on every ticket: the reference pages and the counts.
        auto visibility = [](const TicketFilter &f, QVariantList &values) {
            QString sql = QStringLiteral(
                "(t.originator = ? OR t.assignee = ? OR EXISTS (SELECT 1 FROM "
                "ticket_branch_assignees w WHERE w.ticket_id = t.id AND w.username = ?)");
            values << f.viewer << f.viewer << f.viewer;
            if (!f.viewerQueues.isEmpty()) {
                sql += u" OR EXISTS (SELECT 1 FROM ticket_queues v WHERE v.ticket_id = t.id AND "
                       u"v.queue IN (?"
                    + QStringLiteral(", ?").repeated(f.viewerQueues.size() - 1) + u"))";
                for (const QString &queue : f.viewerQueues)
                    values << queue;
            }
            return QString(sql + u')');
        };
        for (ListViewer &viewer : listViewers) {
            const TicketFilter f = referenceFilter(viewer.actor, {});
            QVariantList values;
            const QString where = visibility(f, values);
            auto q = runQuery(*db,
                              u"SELECT COUNT(*), SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 "
                              u"END) FROM tickets t WHERE "
                                  + where,
                              values);
            if (!q || !q->next()) {
                std::fprintf(stderr, "bench_bigdb: cannot count the visible tickets\n");
                return 1;
            }
            viewer.visible = q->value(0).toLongLong();
            viewer.visibleOpen = q->value(1).toLongLong();
        }
        auto referencePage = [&](const TicketFilter &f, qint64 afterValue, qint64 afterId,
                                 bool after) -> Result<QList<std::pair<qint64, qint64>>> {
            using Sort = TicketFilter::Sort;
            const bool descending = f.sort == Sort::DueDesc || f.sort == Sort::CreatedDesc
                || f.sort == Sort::UpdatedDesc;
            const QString col = f.sort == Sort::CreatedAsc || f.sort == Sort::CreatedDesc
                ? QStringLiteral("t.created_at")
                : f.sort == Sort::UpdatedAsc || f.sort == Sort::UpdatedDesc
                ? QStringLiteral("t.updated_at")
                : QStringLiteral("t.due_at");
            QVariantList values;
            QString sql
                = u"SELECT t.id, " + col + u" FROM tickets t WHERE " + visibility(f, values);
            if (!f.status.isEmpty()) {
                sql += QStringLiteral(" AND t.status = ?");
                values << f.status;
            }
            if (after) {
                sql += u" AND (" + col + (descending ? u" < ? OR (" : u" > ? OR (") + col
                    + (descending ? u" = ? AND t.id < ?))" : u" = ? AND t.id > ?))");
                values << afterValue << afterValue << afterId;
            }
            const QLatin1String direction(descending ? " DESC" : "");
            sql += u" ORDER BY " + col + direction + u", t.id" + direction + u" LIMIT ?";
            values << f.limit;
            auto q = runQuery(*db, sql, values);
            if (!q)
                return q.failure();
            QList<std::pair<qint64, qint64>> found; // (id, sort value)
            while (q->next())
                found.append({q->value(0).toLongLong(), q->value(1).toLongLong()});
            return found;
        };
        auto idsOf = [](const QList<std::pair<qint64, qint64>> &pairs) {
            QList<qint64> ids;
            for (const auto &row : pairs)
                ids.append(row.first);
            return ids;
        };
        const std::pair<const char *, TicketFilter::Sort> sorts[]
            = {{"due", TicketFilter::Sort::DueAsc},
               {"-due", TicketFilter::Sort::DueDesc},
               {"created", TicketFilter::Sort::CreatedAsc},
               {"-created", TicketFilter::Sort::CreatedDesc},
               {"updated", TicketFilter::Sort::UpdatedAsc},
               {"-updated", TicketFilter::Sort::UpdatedDesc}};
        int mismatches = 0, compared = 0;
        QElapsedTimer listTimer;
        listTimer.start();
        for (const ListViewer &viewer : std::as_const(listViewers)) {
            std::printf("  ticket list of %s (%s, %s): sees %lld tickets, %lld open\n",
                        qPrintable(viewer.actor.username),
                        qPrintable(viewer.actor.roles.join(u',')), viewer.label,
                        qlonglong(viewer.visible), qlonglong(viewer.visibleOpen));
            QJsonObject viewerJson {{QStringLiteral("username"), viewer.actor.username},
                                    {QStringLiteral("visible"), viewer.visible},
                                    {QStringLiteral("visible_open"), viewer.visibleOpen}};
            for (const QString &status : {QString(), QStringLiteral("open")}) {
                for (const auto &[sortName, sort] : sorts) {
                    const bool main = sort == TicketFilter::Sort::DueAsc;
                    const int runs = main ? listQueries : std::max(1, listQueries / 5);
                    TicketFilter filter;
                    filter.status = status;
                    filter.sort = sort;
                    filter.limit = 50;
                    std::vector<qint64> first, next;
                    for (int i = 0; i < runs; ++i) {
                        filter.cursor.clear();
                        QElapsedTimer t;
                        t.start();
                        const auto page = engine.tickets(filter, viewer.actor);
                        first.push_back(microseconds(t));
                        if (!page) {
                            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(page.error()));
                            return 1;
                        }
                        if (page->nextCursor.isEmpty())
                            continue;
                        filter.cursor = page->nextCursor;
                        t.restart();
                        const auto second = engine.tickets(filter, viewer.actor);
                        next.push_back(microseconds(t));
                        if (!second) {
                            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(second.error()));
                            return 1;
                        }
                    }
                    // The same two pages from TicketReader and from the plain rule, in one read
                    // transaction: timers firing meanwhile change tickets (updated_at).
                    db->transaction();
                    TicketFilter checked = referenceFilter(viewer.actor, filter);
                    checked.cursor.clear();
                    const auto page = TicketReader::list(*db, checked);
                    const auto expected = referencePage(checked, 0, 0, false);
                    if (!page || !expected) {
                        std::fprintf(stderr, "bench_bigdb: the list failed\n");
                        return 1;
                    }
                    QList<qint64> got;
                    for (const TicketRow &row : std::as_const(page->items))
                        got.append(row.id);
                    ++compared;
                    if (got != idsOf(*expected)) {
                        ++mismatches;
                        std::printf("    first page differs: %s, %s\n", viewer.label, sortName);
                    }
                    if (!page->items.isEmpty() && !page->nextCursor.isEmpty()
                        && !expected->isEmpty()) {
                        checked.cursor = page->nextCursor;
                        const auto second = TicketReader::list(*db, checked);
                        const auto [lastId, lastValue] = expected->constLast();
                        const auto expectedSecond = referencePage(checked, lastValue, lastId, true);
                        if (!second || !expectedSecond) {
                            std::fprintf(stderr, "bench_bigdb: the list failed\n");
                            return 1;
                        }
                        got.clear();
                        for (const TicketRow &row : std::as_const(second->items))
                            got.append(row.id);
                        ++compared;
                        if (got != idsOf(*expectedSecond)) {
                            ++mismatches;
                            std::printf("    next page differs: %s, %s\n", viewer.label, sortName);
                        }
                    }
                    db->commit();
                    const QString key
                        = (status.isEmpty() ? QStringLiteral("all") : QStringLiteral("open")) + u' '
                        + QLatin1String(sortName);
                    const QJsonObject firstJson = percentiles(first);
                    viewerJson.insert(key,
                                      QJsonObject {{QStringLiteral("first"), firstJson},
                                                   {QStringLiteral("next"), percentiles(next)}});
                    const QByteArray label = QStringLiteral("%1, first page").arg(key).toUtf8();
                    printLatency(label.constData(), firstJson, main ? 15 : 0);
                    if (main) {
                        const QByteArray nextLabel
                            = QStringLiteral("%1, next page").arg(key).toUtf8();
                        printLatency(nextLabel.constData(), percentiles(next), 15);
                    }
                }
            }
            listResults.insert(QLatin1String(viewer.label), viewerJson);
        }
        listResults.insert(QStringLiteral("pages_compared"), compared);
        listResults.insert(QStringLiteral("pages_differing"), mismatches);
        std::printf("  ticket list: %d of %d pages as the plain rule gives them%s (%.1f s)\n",
                    compared - mismatches, compared, mismatches ? "  MISMATCH" : "",
                    listTimer.elapsed() / 1000.0);
        if (mismatches)
            return 1;
    }

    // ---- full-text and customer search, reports (bigdbqueries.cpp) ----------------------------
    const QJsonObject searchAndReports
        = measureSearchAndReports({&engine, database->get(), users, clock.now(), listQueries});

    // ---- actions on generated open tickets ------------------------------------------------------
    QList<QPair<qint64, QString>> sample;
    {
        auto q = runQuery(*db,
                          QStringLiteral("SELECT ticket_id, queue FROM ticket_queues_current "
                                         "WHERE status = 'open' AND ticket_id % 613 = 0"));
        if (!q) {
            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(q.error()));
            return 1;
        }
        while (q->next())
            sample.append({q->value(0).toLongLong(), q->value(1).toString()});
        std::mt19937 rng(7);
        std::shuffle(sample.begin(), sample.end(), rng);
        sample = sample.mid(0, 150);
    }
    std::vector<qint64> actionLatency;
    int attempted = 0, succeeded = 0, transitions = 0;
    QStringList failures;
    auto record
        = [&](const CommandResult &r, const QElapsedTimer &t, const QString &what, qint64 id) {
              actionLatency.push_back(microseconds(t));
              ++attempted;
              if (r.ok()) {
                  ++succeeded;
                  return true;
              }
              if (failures.size() < 8)
                  failures.append(QStringLiteral("%1 on %2: %3").arg(what).arg(id).arg(r.error()));
              return false;
          };
    for (const auto &[id, queueName] : std::as_const(sample)) {
        const QueueDef queue = organisation->queues.value(queueName);
        if (queue.primary.isEmpty())
            continue;
        const Actor member = actorOf(queue.primary.first());
        const auto view = engine.ticket(id, member);
        if (!view) {
            failures.append(
                QStringLiteral("ticket %1 not visible to %2").arg(id).arg(member.username));
            continue;
        }
        QString branch;
        for (const BranchState &b : view->ticket.branches)
            if (b.queue == queueName && b.status == BranchStatus::Open)
                branch = b.name;
        QElapsedTimer t;
        t.start();
        if (view->ticket.assignee.isEmpty() || !branch.isEmpty())
            record(engine.claim(member, id, branch), t, QStringLiteral("claim"), id);
        t.restart();
        record(engine.comment(member, id, QStringLiteral("Checked with the customer"), true), t,
               QStringLiteral("comment"), id);
        const auto after = engine.ticket(id, member);
        if (!after)
            continue;
        for (const AvailableAction &action : after->actions) {
            if (!action.requires_.isEmpty() || action.branch != branch)
                continue;
            ActionRequest request;
            request.name = action.name;
            request.branch = action.branch;
            t.restart();
            if (record(engine.takeAction(member, id, request), t, action.name, id))
                ++transitions;
            break;
        }
    }
    const QJsonObject actions = percentiles(actionLatency);
    std::printf("  actions on generated open tickets: %d of %d succeeded (%d transitions) on %lld "
                "tickets\n",
                succeeded, attempted, transitions, qlonglong(sample.size()));
    for (const QString &f : std::as_const(failures))
        std::printf("    refused: %s\n", qPrintable(f));
    printLatency("action (durable, one at a time)", actions);
    const Memory afterActions = memory();

    // ---- the writer's cache: resident memory per ticket written ---------------------------------
    // The engine keeps every ticket it writes (state and row) until EngineOptions::cacheLimit
    // tickets; a server that has worked through that many holds them all.
    QList<qint64> touch;
    {
        auto q = runQuery(*db,
                          QStringLiteral("SELECT ticket_id FROM ticket_queues_current WHERE "
                                         "status = 'open' AND ticket_id % 5 = 3 LIMIT ?"),
                          {touchCount});
        if (!q) {
            std::fprintf(stderr, "bench_bigdb: %s\n", qPrintable(q.error()));
            return 1;
        }
        while (q->next())
            touch.append(q->value(0).toLongLong());
    }
    const Actor admin
        = resolveActor(*organisation, QStringLiteral("admin"), {QStringLiteral("admin")}, {});
    std::atomic<int> pending {int(touch.size())}, touchedOk {0};
    std::mutex touchMutex;
    std::condition_variable touchDone;
    QElapsedTimer touchTimer;
    touchTimer.start();
    for (qint64 id : std::as_const(touch))
        engine.comment(admin, id, QStringLiteral("Load test note"), true, [&](CommandResult r) {
            if (r.ok())
                ++touchedOk;
            if (--pending == 0) {
                std::lock_guard lock(touchMutex);
                touchDone.notify_all();
            }
        });
    {
        std::unique_lock lock(touchMutex);
        touchDone.wait(lock, [&] { return pending.load() == 0; });
    }
    const double touchSeconds = touchTimer.elapsed() / 1000.0;
    const Memory afterTouch = memory();
    // What of it is live: glibc keeps freed memory of the writer's and committer's threads
    // in their arenas; malloc_trim gives it back.
    malloc_trim(0);
    const Memory afterTrim = memory();
    const double kbPerTicket
        = touch.isEmpty() ? 0 : (afterTouch.rssMb - afterActions.rssMb) * 1024 / touch.size();
    const double projectedMb = afterActions.rssMb + kbPerTicket * cacheLimit / 1024;
    std::printf("  %d of %lld distinct open tickets commented in %.1f s: RSS %.0f -> %.0f MB, "
                "%.1f KB per ticket written;\n    with the writer's cache full (%d tickets) "
                "about %.0f MB%s\n",
                touchedOk.load(), qlonglong(touch.size()), touchSeconds, afterActions.rssMb,
                afterTouch.rssMb, kbPerTicket, cacheLimit, projectedMb,
                projectedMb > 150 ? "  OVER TARGET" : "");
    std::printf("    after malloc_trim(0): RSS %.0f MB (%.1f KB per ticket written)\n",
                afterTrim.rssMb,
                touch.isEmpty() ? 0 : (afterTrim.rssMb - afterActions.rssMb) * 1024 / touch.size());
    const TimerScheduler::Stats timerStats = services.timers().stats();

    std::printf("  memory (RSS): launch %.0f MB, after start-up %.0f MB, after queries %.0f MB, "
                "after actions %.0f MB (target <= 150)%s\n",
                atLaunch.rssMb, afterStart.rssMb, afterQueries.rssMb, afterActions.rssMb,
                afterActions.rssMb > 150 ? "  OVER TARGET" : "");
    std::printf("  timers fired meanwhile: %llu\n", qulonglong(timerStats.timersFired));

    QJsonObject result {
        {QStringLiteral("bench"), QStringLiteral("bench_bigdb")},
        {QStringLiteral("database"), QStringLiteral("sqlite (WAL, synchronous=FULL)")},
        {QStringLiteral("tickets"), tickets},
        {QStringLiteral("open_tickets"), open},
        {QStringLiteral("generator_version"), BigDbGenerator::version},
        {QStringLiteral("generation_seconds"),
         generationSeconds < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(generationSeconds)},
        {QStringLiteral("database_mb"), sizeMb},
        {QStringLiteral("startup_ms"), startupMs},
        {QStringLiteral("startup_target_ms"), 1000},
        {QStringLiteral("startup_steps"), startSteps},
        {QStringLiteral("queue_counts"), counts},
        {QStringLiteral("open_queue_rows"), openRows},
        {QStringLiteral("at_risk"), atRiskTotal},
        {QStringLiteral("breached"), breachedTotal},
        {QStringLiteral("queue_page"),
         QJsonObject {{QStringLiteral("all"), pageAll},
                      {QStringLiteral("first_supervisor"), pageFirstSupervisor},
                      {QStringLiteral("first_member"), pageFirstMember},
                      {QStringLiteral("next_supervisor"), pageNextSupervisor},
                      {QStringLiteral("next_member"), pageNextMember},
                      {QStringLiteral("sql_only"), pageSql},
                      {QStringLiteral("thread_cpu"), pageCpuTime},
                      {QStringLiteral("target_p99_ms"), 15}}},
        {QStringLiteral("ticket_list"), listResults},
        {QStringLiteral("actions"),
         QJsonObject {{QStringLiteral("attempted"), attempted},
                      {QStringLiteral("succeeded"), succeeded},
                      {QStringLiteral("transitions"), transitions},
                      {QStringLiteral("latency"), actions}}},
        {QStringLiteral("memory"),
         QJsonObject {{QStringLiteral("launch"), memoryJson(atLaunch)},
                      {QStringLiteral("before_start"), memoryJson(beforeStart)},
                      {QStringLiteral("after_start"), memoryJson(afterStart)},
                      {QStringLiteral("after_queries"), memoryJson(afterQueries)},
                      {QStringLiteral("after_actions"), memoryJson(afterActions)},
                      {QStringLiteral("after_writing_tickets"), memoryJson(afterTouch)},
                      {QStringLiteral("after_writing_tickets_trimmed"), memoryJson(afterTrim)},
                      {QStringLiteral("tickets_written"), qint64(touch.size())},
                      {QStringLiteral("kb_per_ticket_written"), kbPerTicket},
                      {QStringLiteral("projected_mb_with_full_writer_cache"), projectedMb},
                      {QStringLiteral("writer_cache_limit"), cacheLimit},
                      {QStringLiteral("target_mb"), 150}}},
        {QStringLiteral("timers_fired"), qint64(timerStats.timersFired)},
        {QStringLiteral("machine"),
         QJsonObject {{QStringLiteral("cores"), QThread::idealThreadCount()},
                      {QStringLiteral("os"), QSysInfo::prettyProductName()},
                      {QStringLiteral("cpu"), QSysInfo::currentCpuArchitecture()}}}};
    result.insert(QStringLiteral("search_and_reports"), searchAndReports);
    QFile out(QDir(outDir).absoluteFilePath(QStringLiteral("bench_bigdb.json")));
    if (out.open(QIODevice::WriteOnly)) {
        out.write(QJsonDocument(result).toJson());
        out.close(); // before _Exit below, which flushes nothing of Qt's
    }

    // Out without tearing down: the scheduler may be handing the engine a round of timers the
    // comments above made due, and the engine's SLA planner calls back into the scheduler. A few
    // actions may be refused when a timer escalates the ticket between reading its actions and
    // taking one.
    removeDatabaseFiles(work); // unlinked while open: the space returns at exit
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(attempted > 0 && succeeded >= attempted * 9 / 10 ? 0 : 1);
}

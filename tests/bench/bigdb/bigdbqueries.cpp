// SPDX-License-Identifier: GPL-3.0-or-later
#include "bigdbqueries.h"

#include "api/reportresource.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/customerrows.h"
#include "store/database.h"
#include "store/reportcounts.h"
#include "store/steprollup.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSqlQuery>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <time.h>

namespace Baton {

namespace {

constexpr double searchTargetMs = 50, monthTargetMs = 100, yearTargetMs = 500;

qint64 threadCpuMicros()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

/// Wall time and this thread's CPU time of each call: on a loaded machine the CPU time is what
/// the query costs, the wall time adds the waits for a core.
struct Timings
{
    std::vector<qint64> wall, cpu;
    template<typename F> auto time(F &&call)
    {
        QElapsedTimer t;
        const qint64 cpu0 = threadCpuMicros();
        t.start();
        auto r = call();
        wall.push_back(t.nsecsElapsed() / 1000);
        cpu.push_back(threadCpuMicros() - cpu0);
        return r;
    }
};

QJsonObject percentilesOf(std::vector<qint64> micros)
{
    std::sort(micros.begin(), micros.end());
    auto at = [&](double p) {
        return micros.empty()
            ? 0.0
            : micros[std::min(micros.size() - 1, size_t(p * double(micros.size())))] / 1000.0;
    };
    return {{QStringLiteral("count"), qint64(micros.size())},
            {QStringLiteral("p50_ms"), at(0.50)},
            {QStringLiteral("p99_ms"), at(0.99)},
            {QStringLiteral("max_ms"), micros.empty() ? 0.0 : micros.back() / 1000.0}};
}

QJsonObject latency(const Timings &t)
{
    QJsonObject l = percentilesOf(t.wall);
    const QJsonObject cpu = percentilesOf(t.cpu);
    l.insert(u"cpu_p50_ms", cpu[u"p50_ms"]);
    l.insert(u"cpu_p99_ms", cpu[u"p99_ms"]);
    return l;
}

void print(const QString &what, const QJsonObject &l, double target, const QString &note)
{
    const bool over = l[u"cpu_p99_ms"].toDouble() > target;
    std::printf("  %-44s p50 %7.2f p99 %7.2f ms, cpu p50 %7.2f p99 %7.2f ms (%lld) %s%s\n",
                qPrintable(what), l[u"p50_ms"].toDouble(), l[u"p99_ms"].toDouble(),
                l[u"cpu_p50_ms"].toDouble(), l[u"cpu_p99_ms"].toDouble(),
                qlonglong(l[u"count"].toInteger()), qPrintable(note), over ? "  OVER TARGET" : "");
    std::fflush(stdout);
}

/// One value of the database, to search for what is there; empty when none.
QString sampleOf(const QSqlDatabase &db, const char *sql)
{
    auto q = runQuery(db, QString::fromUtf8(sql));
    if (!q || !q->next())
        return {};
    return q->value(0).toString();
}

/// The users the phases act as: the first admin, the first supervisor, and the agent (neither)
/// who sees the most queues, so that visibility is no short cut.
struct Viewers
{
    Actor admin, supervisor, agent;
    bool ok = false;
};

Viewers viewersOf(Engine &engine, const QMap<QString, DemoAccount> &users)
{
    Viewers v;
    const Organisation &org = engine.organisation();
    bool admin = false, supervisor = false, agent = false;
    qsizetype agentQueues = -1;
    for (auto it = users.cbegin(); it != users.cend(); ++it) {
        const Actor actor = resolveActor(org, it.key(), it->roles, it->departments);
        if (it->roles.contains(u"admin")) {
            if (!admin)
                v.admin = actor;
            admin = true;
        } else if (it->roles.contains(u"supervisor")) {
            if (!supervisor)
                v.supervisor = actor;
            supervisor = true;
        } else if (const qsizetype queues = visibleQueues(org, actor).size();
                   queues > agentQueues) {
            v.agent = actor;
            agentQueues = queues;
            agent = true;
        }
    }
    v.ok = admin && supervisor && agent;
    return v;
}

struct SearchCase
{
    QString label, text;
    QString queue = QString(), assignee = QString(); ///< within a queue's page, a person's tickets
};

/// Realistic queries, taken from the generated rows (the generator names a third of its
/// customers in Chinese characters; see bigdbgenerator.cpp). In id order and in SQL both
/// drivers speak, so that SQLite and PostgreSQL (--db) are asked the same.
QList<SearchCase> searchCases(const QSqlDatabase &db)
{
    const QString latinName = sampleOf(
        db,
        "SELECT customer_name FROM tickets WHERE id >= (SELECT MAX(id) * 0.65 FROM tickets) "
        "AND substr(customer_name, 1, 2) = 'Zh' AND customer_name LIKE '% %' ORDER BY id LIMIT 1");
    const QString chineseName = sampleOf(
        db,
        "SELECT customer_name FROM tickets WHERE id >= (SELECT MAX(id) * 0.65 FROM tickets) AND "
        "length(customer_name) = 3 AND customer_name NOT LIKE '% %' ORDER BY id LIMIT 1");
    const QString phone = sampleOf(
        db,
        "SELECT customer_phone FROM tickets WHERE id >= (SELECT MAX(id) * 0.76 FROM tickets) "
        "AND length(customer_phone) = 11 ORDER BY id LIMIT 1");
    const QString key = sampleOf(
        db,
        "SELECT key FROM tickets WHERE id >= (SELECT MAX(id) * 0.54 FROM tickets) ORDER BY id "
        "LIMIT 1");
    const QString title = sampleOf(
        db,
        "SELECT title FROM tickets WHERE id >= (SELECT MAX(id) * 0.87 FROM tickets) ORDER BY id "
        "LIMIT 1");
    QStringList words;
    for (const QString &w : title.split(u' ', Qt::SkipEmptyParts))
        if (w.size() >= 4 && words.size() < 2)
            words.append(w);
    QList<SearchCase> cases {
        {QStringLiteral("customer name, Latin"), latinName},
        {QStringLiteral("customer name, Chinese (3 chars)"), chineseName},
        {QStringLiteral("part of a Chinese name (2 chars)"), chineseName.mid(1)},
        {QStringLiteral("phone +86 with spaces"),
         QStringLiteral("+86 %1 %2 %3").arg(phone.mid(0, 3), phone.mid(3, 4), phone.mid(7))},
        {QStringLiteral("ticket key"), key},
        {QStringLiteral("two words of a title"), words.join(u' ')},
        {QStringLiteral("one character (Chinese)"), chineseName.left(1)},
        {QStringLiteral("two characters (Latin)"), QStringLiteral("li")},
    };
    // Within a queue's page and a person's tickets (the filters that start from a range of
    // their own): the busiest queue and assignee, where a rare match means a long walk.
    const QString queue = sampleOf(db,
                                   "SELECT queue FROM ticket_queues_current GROUP BY queue "
                                   "ORDER BY COUNT(*) DESC LIMIT 1");
    const QString assignee = sampleOf(db,
                                      "SELECT assignee FROM tickets WHERE assignee IS NOT NULL "
                                      "AND assignee <> '' GROUP BY assignee ORDER BY COUNT(*) "
                                      "DESC LIMIT 1");
    cases.append({QStringLiteral("two words of a title, one queue"), words.join(u' '), queue, {}});
    cases.append({QStringLiteral("customer name, Latin, one assignee"), latinName, {}, assignee});
    cases.removeIf([](const SearchCase &c) { return c.text.trimmed().isEmpty(); });
    return cases;
}

/// GET /api/v1/tickets?q=TEXT (first page, limit 50, as ticketroutes.cpp builds the filter).
QJsonObject ticketSearch(Engine &engine, const Actor &actor, const SearchCase &c,
                         const QDateTime &now, int runs)
{
    Timings micros;
    qsizetype hits = -1;
    QString error;
    for (int i = 0; i < runs && error.isEmpty(); ++i) {
        TicketFilter filter;
        filter.text = c.text;
        filter.queue = c.queue;
        filter.assignee = c.assignee;
        filter.now = now.toMSecsSinceEpoch();
        const auto page = micros.time([&] { return engine.tickets(filter, actor); });
        if (!page)
            error = page.error();
        else
            hits = page->items.size();
    }
    QJsonObject l = latency(micros);
    l.insert(u"q", c.text);
    l.insert(u"first_page_items", hits);
    if (!error.isEmpty())
        l.insert(u"error", error);
    const QString within = !c.queue.isEmpty() ? u" queue=" + c.queue
        : !c.assignee.isEmpty()               ? u" assignee=" + c.assignee
                                              : QString();
    print(QStringLiteral("%1 as %2").arg(c.label, actor.username), l, searchTargetMs,
          QStringLiteral("q=\"%1\"%2: %3 on page 1%4").arg(c.text, within).arg(hits).arg(error));
    return l;
}

QJsonObject searchPhase(Engine &engine, const QSqlDatabase &db, const Viewers &v,
                        const QDateTime &now, int runs)
{
    QJsonObject out;
    for (const SearchCase &c : searchCases(db)) {
        out.insert(
            c.label,
            QJsonObject {{QStringLiteral("agent"), ticketSearch(engine, v.agent, c, now, runs)},
                         {QStringLiteral("admin"), ticketSearch(engine, v.admin, c, now, runs)}});
    }
    out.insert(u"agent", v.agent.username);
    out.insert(u"admin", v.admin.username);
    out.insert(u"target_p99_ms", searchTargetMs);
    return out;
}

/// GET /api/v1/customers?q=TEXT (limit 20, the route's default).
QJsonObject customerPhase(const QSqlDatabase &db, int runs)
{
    const QString phone = sampleOf(db, "SELECT phone FROM customers WHERE id = 'C-171717'");
    const QString id = sampleOf(db, "SELECT id FROM customers WHERE id = 'C-145678'");
    const QList<SearchCase> cases {
        {QStringLiteral("customer by phone (whole)"), phone},
        {QStringLiteral("customer by phone (+86, spaces)"),
         QStringLiteral("+86 %1 %2 %3").arg(phone.mid(0, 3), phone.mid(3, 4), phone.mid(7))},
        {QStringLiteral("customer by phone (last 4 digits)"), phone.right(4)},
        {QStringLiteral("customer by name part (Latin)"), QStringLiteral("zhan")},
        {QStringLiteral("customer by name part (Chinese)"), QStringLiteral("秀英")},
        {QStringLiteral("customer by id"), id},
    };
    QJsonObject out;
    for (const SearchCase &c : cases) {
        Timings micros;
        qsizetype found = -1;
        for (int i = 0; i < runs; ++i) {
            const auto rows = micros.time([&] { return CustomerRows::find(db, c.text, 20); });
            found = rows ? rows->size() : -1;
        }
        QJsonObject l = latency(micros);
        l.insert(u"q", c.text);
        l.insert(u"found", found);
        print(c.label, l, searchTargetMs,
              QStringLiteral("q=\"%1\": %2 found").arg(c.text).arg(found));
        out.insert(c.label, l);
    }
    out.insert(u"target_p99_ms", searchTargetMs);
    return out;
}

struct ReportCase
{
    QString label;
    Api::HttpResponse (*call)(const Api::HttpRequest &, const Api::ReportContext &);
    QList<QPair<QString, QString>> query;
};

// BENCH_REPORTS=steps,outcomes (the first word of a report's label): only those reports — the
// ones still reading the facts take minutes each over a year at 1,000,000 tickets.
bool wanted(const QString &label)
{
    const QString only = qEnvironmentVariable("BENCH_REPORTS");
    return only.isEmpty()
        || only.split(u',', Qt::SkipEmptyParts).contains(label.section(u' ', 0, 0));
}

QJsonObject reportsPhase(Engine &engine, const QSqlDatabase &db, const Viewers &v,
                         const QDateTime &now, int runs)
{
    const QString jumpQueue = QStringLiteral("jump-queue");
    const QList<ReportCase> cases {
        {QStringLiteral("steps by department"),
         &Api::reportSteps,
         {{QStringLiteral("by"), QStringLiteral("department")}}},
        {QStringLiteral("steps by state"),
         &Api::reportSteps,
         {{QStringLiteral("by"), QStringLiteral("state")}}},
        {QStringLiteral("outcomes by department"),
         &Api::reportOutcomes,
         {{QStringLiteral("by"), QStringLiteral("department")}}},
        {QStringLiteral("backlog by queue"), &Api::reportBacklog, {}},
        {QStringLiteral("volume by department"),
         &Api::reportVolume,
         {{QStringLiteral("by"), QStringLiteral("department")}}},
        {QStringLiteral("escalations by department"),
         &Api::reportEscalations,
         {{QStringLiteral("by"), QStringLiteral("department")}}},
        {QStringLiteral("satisfaction by department"),
         &Api::reportSatisfaction,
         {{QStringLiteral("by"), QStringLiteral("department")}}},
        {QStringLiteral("flow of jump-queue"),
         &Api::reportFlow,
         {{QStringLiteral("workflow"), jumpQueue}}},
        // A workflow without parallel states: its flow is read from the counts and the roll-up
        // (jump-queue's parallel branches keep its flow on the facts; store/reportcounts.h).
        {QStringLiteral("flow of complaint"),
         &Api::reportFlow,
         {{QStringLiteral("workflow"), QStringLiteral("complaint")}}},
    };
    const QString to = now.toUTC().toString(Qt::ISODate);
    QJsonObject out;
    for (const auto &[window, days, target] :
         {std::tuple {"30 days", 30, monthTargetMs}, std::tuple {"a year", 365, yearTargetMs}}) {
        const int n = days > 30 ? std::max(5, runs / 5) : runs;
        const QString from = now.addDays(-days).toUTC().toString(Qt::ISODate);
        QJsonObject windowJson;
        for (const Actor *actor : {&v.admin, &v.supervisor}) {
            const Api::ReportContext context {*actor, Language::En, engine, db, now};
            for (const ReportCase &c : cases) {
                if (!wanted(c.label))
                    continue;
                Api::HttpRequest request;
                request.method = "GET";
                for (const auto &[name, value] : c.query)
                    request.query.addQueryItem(name, value);
                request.query.addQueryItem(QStringLiteral("from"), from);
                request.query.addQueryItem(QStringLiteral("to"), to);
                Timings micros;
                int status = 0;
                qsizetype bytes = 0;
                for (int i = 0; i < n; ++i) {
                    const Api::HttpResponse reply
                        = micros.time([&] { return c.call(request, context); });
                    status = reply.status;
                    bytes = reply.body.size();
                }
                QJsonObject l = latency(micros);
                l.insert(u"status", status);
                l.insert(u"bytes", bytes);
                const QString label = QStringLiteral("%1, %2, %3")
                                          .arg(c.label, QLatin1String(window), actor->username);
                print(label, l, target, QStringLiteral("HTTP %1, %2 bytes").arg(status).arg(bytes));
                windowJson.insert(c.label + u" as " + actor->username, l);
            }
        }
        windowJson.insert(u"target_p99_ms", target);
        out.insert(QLatin1String(window), windowJson);
    }
    return out;
}

} // namespace

QJsonObject measureSearchAndReports(const BigDbQueryOptions &options)
{
    auto db = options.database->connection();
    if (!db)
        return {{QStringLiteral("error"), db.error()}};
    const Viewers viewers = viewersOf(*options.engine, options.users);
    if (!viewers.ok)
        return {{QStringLiteral("error"), QStringLiteral("no admin, supervisor or agent")}};
    {
        auto q = runQuery(*db,
                          QStringLiteral("SELECT (SELECT COUNT(*) FROM step_facts), (SELECT "
                                         "COUNT(*) FROM customers)"));
        if (q && q->next())
            std::printf("  search and reports: %lld step facts, %lld customers\n",
                        q->value(0).toLongLong(), q->value(1).toLongLong());
    }
    QElapsedTimer phase;
    phase.start();
    QJsonObject out;
    if (!options.reportsOnly) {
        out.insert(u"ticket_search",
                   searchPhase(*options.engine, *db, viewers, options.now, options.runs));
        out.insert(u"customer_search", customerPhase(*db, options.runs));
    }
    if (!options.searchOnly) {
        // The roll-up of the facts (migration 31) as `baton serve` makes it in the background:
        // a database generated before it has none yet, one generated since only an empty
        // bucket to sum; the reports read the facts until it is done.
        // (The generator writes every ticket's facts itself; the facts' back-fill record that
        // migration 11 left in the then empty database, tickets 0 to 0, has nothing to do:
        // StepRollupStore::ready says so.) The days are compacted as they are summed.
        QElapsedTimer rollup;
        rollup.start();
        const auto buckets = backfillStepRollup(*options.database);
        if (!buckets)
            return {{QStringLiteral("error"), buckets.error()}};
        std::printf("  reports: roll-up back-fill summed %lld days in %.1f s\n",
                    qlonglong(*buckets), rollup.elapsed() / 1000.0);
        out.insert(u"rollup_backfill_s", rollup.elapsed() / 1000.0);
        // The closures and escalations of each ended UTC day, as `baton serve` counts them in
        // the background (store/reportcounts.h); today is read from the facts.
        QElapsedTimer counting;
        counting.start();
        const auto days = buildReportCounts(*options.database, options.now.toMSecsSinceEpoch());
        if (!days)
            return {{QStringLiteral("error"), days.error()}};
        std::printf("  reports: counted %lld days in %.1f s\n", qlonglong(*days),
                    counting.elapsed() / 1000.0);
        out.insert(u"report_counts_s", counting.elapsed() / 1000.0);
        out.insert(u"reports",
                   reportsPhase(*options.engine, *db, viewers, options.now, options.runs));
    }
    std::printf("  search and reports measured in %.1f s\n", phase.elapsed() / 1000.0);
    return out;
}

} // namespace Baton

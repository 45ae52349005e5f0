// SPDX-License-Identifier: GPL-3.0-or-later
#include "bigdbgenerator.h"

#include "auth/userdirectory.h"
#include "cli/demodata.h"
#include "core/clock.h"
#include "report/stepfactderiver.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "runtime/ticketrecords.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"
#include "store/ticketrows.h"
#include "store/ticketwriter.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlQuery>

#include <algorithm>
#include <cstdio>
#include <random>

namespace Baton {

namespace {

constexpr qint64 minuteMs = 60 * 1000;
constexpr qint64 dayMs = 24 * 60 * minuteMs;

/// One ticket as the engine left it: the rows to clone.
struct Template
{
    TicketState state;
    TicketRow row; ///< with branchQueues
    QList<EventRow> events;
    QList<TimerRow> timers;
    QList<StepFactRow> facts; ///< the finished steps of `events`, as the reports keep them
    qint64 lastAt = 0; ///< the newest event's instant
};

void removeDatabaseFiles(const QString &path)
{
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        QFile::remove(path + QLatin1String(suffix));
}

Result<void> insertUsers(Database &database, const QMap<QString, DemoAccount> &users, qint64 now)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    for (auto it = users.cbegin(); it != users.cend(); ++it) {
        QString name = it.key();
        name[0] = name[0].toUpper();
        auto inserted = runQuery(
            *db,
            QStringLiteral("INSERT INTO users (username, name, roles, departments, created_at, "
                           "updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
            {it.key(), name,
             QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(it->roles))
                                   .toJson(QJsonDocument::Compact)),
             QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(it->departments))
                                   .toJson(QJsonDocument::Compact)),
             now, now});
        if (!inserted)
            return inserted.failure();
    }
    return {};
}

Result<Template> snapshot(const QSqlDatabase &db, qint64 id)
{
    auto row = TicketReader::ticket(db, id);
    if (!row)
        return row.failure();
    if (!row->has_value())
        return makeError(QStringLiteral("template ticket %1 vanished").arg(id));
    Template t;
    t.row = **row;
    t.state = TicketState::fromJson(QJsonDocument::fromJson(t.row.stateData).object());
    auto events = TicketReader::events(db, id);
    if (!events)
        return events.failure();
    t.events = *events;
    auto timers = TicketReader::timers(db, id);
    if (!timers)
        return timers.failure();
    t.timers = *timers;
    for (const EventRow &e : std::as_const(t.events))
        t.lastAt = std::max(t.lastAt, e.at);
    return t;
}

Actor actorOf(const Organisation &org, const QMap<QString, DemoAccount> &users,
              const QString &username)
{
    const DemoAccount user = users.value(username);
    return resolveActor(org, username, user.roles, user.departments);
}

/// The step facts of every template, derived from its whole event log by the deriver the
/// engine runs on every write and the back-fill on old tickets (the seeding engine keeps none):
/// the clones then carry the facts a server would have written for them.
Result<void> deriveFacts(QList<Template> &templates, Engine &engine, const SlaService &sla)
{
    const StepFactDeriver deriver = stepFactDeriverOf(sla);
    for (Template &t : templates) {
        auto workflow = engine.workflow(t.state.workflow, t.state.workflowVersion);
        if (!workflow)
            return workflow.failure();
        QList<Event> log;
        for (const EventRow &row : std::as_const(t.events))
            log.append(eventOf(row));
        t.facts = deriver.derive(t.row.id, TicketState(), log, **workflow);
    }
    return {};
}

/// The demo tickets of every workflow, then each open one passed around the queues of org.yaml
/// (transferred by an admin, claimed there by a contact of the queue, commented): every step
/// leaves a template as the engine wrote it.
Result<QList<Template>> makeTemplates(const WorkflowSet &set,
                                      const std::shared_ptr<const Organisation> &org,
                                      const QMap<QString, DemoAccount> &users, const QString &path,
                                      const QString &workflowsFolder, const QDateTime &reference)
{
    removeDatabaseFiles(path);
    auto database = Database::open(u"sqlite:" + path);
    if (!database)
        return database.failure();
    if (auto migrated = Schema::migrate(**database); !migrated)
        return migrated.failure();
    if (auto inserted = insertUsers(**database, users, reference.toMSecsSinceEpoch()); !inserted)
        return inserted.failure();
    if (Cli::seedDemoTickets(*database, org, set, workflowsFolder, reference) == 0)
        return makeError(QStringLiteral("the demo tickets were not opened"));
    auto db = (*database)->connection();
    if (!db)
        return db.failure();
    auto ids = TicketReader::ticketIds(*db);
    if (!ids)
        return ids.failure();
    QList<Template> templates;
    QList<qint64> movable;
    for (qint64 id : std::as_const(*ids)) {
        auto t = snapshot(*db, id);
        if (!t)
            return t.failure();
        if (t->state.isOpen() && !t->state.queue.isEmpty())
            movable.append(id);
        templates.append(std::move(*t));
    }
    if (movable.isEmpty())
        return templates;

    // Moves happen after the demo tickets' last step (the generator moves each clone back so
    // that its newest event is in the past of the reference instant).
    FakeClock clock(reference);
    UserDirectory directory(**database, clock);
    SlaService sla(org, *database, &clock,
                   [&directory](const QString &user) { return directory.departmentsOf(user); });
    EngineOptions options;
    options.database = *database;
    options.organisation = org;
    options.clock = &clock;
    options.slaPlanner = sla.planner();
    auto engine = Engine::start(options);
    if (!engine)
        return engine.failure();
    if (auto published = (*engine)->publish(set.workflows); !published)
        return published.failure();
    const Actor admin = resolveActor(*org, QStringLiteral("admin"), {QStringLiteral("admin")}, {});
    int next = 0;
    for (int round = 0; round < 2; ++round) {
        for (const QueueDef &queue : org->queues) {
            const qint64 id = movable[next++ % movable.size()];
            clock.advanceSeconds(60);
            const CommandResult moved
                = (*engine)->transfer(admin, id, queue.name, QStringLiteral("load test"));
            if (!moved.ok())
                continue;
            auto t = snapshot(*db, id);
            if (!t)
                return t.failure();
            templates.append(std::move(*t));
            const QueueDef &now = org->queues.value(moved->ticket.queue);
            if (now.primary.isEmpty())
                continue;
            clock.advanceSeconds(90);
            const Actor member = actorOf(*org, users, now.primary.first());
            if (!(*engine)->claim(member, id).ok())
                continue;
            if (!(*engine)
                     ->comment(member, id, QStringLiteral("Called the customer back"), round == 1)
                     .ok())
                continue;
            auto claimed = snapshot(*db, id);
            if (!claimed)
                return claimed.failure();
            templates.append(std::move(*claimed));
        }
    }
    if (auto derived = deriveFacts(templates, **engine, sla); !derived)
        return derived.failure();
    engine->reset();
    return templates;
}

struct CustomerPool
{
    QHash<QString, QList<Customer>> byTier; ///< "A", "B", "C"
    QList<CustomerRow> rows;
};

CustomerPool makeCustomers(int count, std::mt19937_64 &rng, qint64 now)
{
    static const char *const given[] = {
        "Wei", "Fang", "Min",  "Jing", "Lei",   "Hao", "Na",   "Tao", "Yan", "Jun", "Li",  "Ping",
        "Xiu", "Bo",   "Chen", "Mei",  "Qiang", "Hui", "Ying", "Lan", "Kai", "Rui", "Xin", "Yu"};
    static const char *const family[]
        = {"Wang", "Li",  "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu",
           "Xu",   "Sun", "Ma",    "Hu",  "Guo",  "Lin",  "He",   "Gao",   "Luo",  "Zheng"};
    static const char *const givenZh[]
        = {"伟",   "芳",   "敏", "静",   "磊", "浩", "娜", "涛", "艳", "军", "丽",   "平",
           "秀英", "博文", "晨", "美玲", "强", "慧", "颖", "兰", "凯", "瑞", "欣怡", "宇"};
    static const char *const familyZh[]
        = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",  "徐",
           "孙", "马", "胡", "郭", "林", "何", "高", "罗", "郑", "欧阳"};
    CustomerPool pool;
    for (int i = 0; i < count; ++i) {
        const int roll = int(rng() % 10);
        const QString tier = roll < 2 ? QStringLiteral("A")
            : roll < 7                ? QStringLiteral("B")
                                      : QStringLiteral("C");
        Customer c;
        c.id = QStringLiteral("C-%1").arg(100000 + i);
        // A third written in Chinese characters, as a front line in China types them.
        if (i % 3 == 1)
            c.name = QString::fromUtf8(familyZh[rng() % std::size(familyZh)])
                + QString::fromUtf8(givenZh[rng() % std::size(givenZh)]);
        else
            c.name = QString::fromLatin1(family[rng() % std::size(family)]) + u' '
                + QString::fromLatin1(given[rng() % std::size(given)]);
        c.tier = tier;
        c.phone = QStringLiteral("13%1").arg(qulonglong(rng() % 1000000000ULL), 9, 10, QChar(u'0'));
        if (i % 3 == 0)
            c.email = QStringLiteral("customer%1@example.com").arg(i);
        pool.byTier[tier].append(c);
        pool.rows.append({c.id, c.name, c.tier, c.phone, c.email, now});
    }
    return pool;
}

qint64 shifted(qint64 instant, qint64 delta)
{
    return instant == noDueDate ? instant : instant + delta;
}

/// Appends the rows of `t` moved by `delta` ms as ticket `id` of `customer`.
void cloneInto(WriteBatch &batch, const Template &t, qint64 id, qint64 delta,
               const Customer *customer, qint64 *timersWritten)
{
    TicketState s = t.state;
    s.assignId(id);
    auto shift = [delta](QDateTime &d) {
        if (d.isValid())
            d = d.addMSecs(delta);
    };
    shift(s.createdAt);
    shift(s.updatedAt);
    shift(s.closedAt);
    shift(s.stepStartedAt);
    shift(s.stepRespondedAt);
    shift(s.slaPausedSince);
    for (auto &[from, to] : s.slaPauses) {
        shift(from);
        shift(to);
    }
    for (BranchState &b : s.branches) {
        shift(b.startedAt);
        shift(b.respondedAt);
        shift(b.endedAt);
    }
    s.links.clear(); // they would point at template ids
    if (customer) {
        s.customer.id = customer->id;
        s.customer.name = customer->name;
        s.customer.phone = customer->phone;
        s.customer.email = customer->email;
    }
    TicketRow row = ticketRowOf(s);
    auto move = [delta](const std::optional<qint64> &v) {
        return v ? std::optional<qint64>(shifted(*v, delta)) : v;
    };
    row.respondDue = move(t.row.respondDue);
    row.resolveDue = move(t.row.resolveDue);
    row.ticketDue = move(t.row.ticketDue);
    row.atRiskAt = move(t.row.atRiskAt);
    for (TicketQueueRow q : t.row.branchQueues) {
        q.dueAt = shifted(q.dueAt, delta);
        q.atRiskAt = shifted(q.atRiskAt, delta);
        row.branchQueues.append(q);
    }
    batch.newTickets.append(std::move(row));
    for (const QString &queue : std::as_const(s.queuesVisited))
        batch.queuesVisited.append({id, queue});
    for (EventRow e : t.events) {
        e.ticketId = id;
        e.at += delta;
        if (e.type == u"commented") {
            const QJsonObject data = QJsonDocument::fromJson(e.data).object();
            batch.comments.append({id, e.seq, e.actor, data.value(u"body").toString(),
                                   data.value(u"internal").toBool(), e.at});
        }
        batch.events.append(std::move(e));
    }
    for (StepFactRow fact : t.facts) {
        fact.ticketId = id;
        fact.enteredAt += delta;
        fact.leftAt += delta;
        if (customer)
            fact.tier = customer->tier;
        batch.stepFacts.append(std::move(fact));
    }
    for (TimerRow timer : t.timers) {
        timer.dueAt += delta;
        timer.ticketId = id;
        batch.timers.append(std::move(timer));
        ++*timersWritten;
    }
}

/// The clones' timers as a server would have fired them: the clock moves in steps of hours over
/// the two weeks before the reference instant, and every timer due fires through the engine
/// (warnings, breaches, escalations that move tickets, the next rung's timer), so that the
/// database holds only timers ahead of the reference instant and every ticket's fired steps.
Result<qint64> catchUp(const WorkflowSet &set, const std::shared_ptr<const Organisation> &org,
                       const std::shared_ptr<Database> &database, const QDateTime &reference)
{
    FakeClock clock(reference.addDays(-15));
    UserDirectory directory(*database, clock);
    SlaService sla(org, database, &clock,
                   [&directory](const QString &user) { return directory.departmentsOf(user); });
    EngineOptions engineOptions;
    engineOptions.database = database;
    engineOptions.organisation = org;
    engineOptions.clock = &clock;
    engineOptions.slaPlanner = sla.planner();
    // As `baton serve` runs it: the steps the fired timers end (escalations) become facts.
    const StepFactDeriver deriver = stepFactDeriverOf(sla);
    engineOptions.stepFacts = deriver.recorder();
    auto engine = Engine::start(engineOptions);
    if (!engine)
        return engine.failure();
    if (auto published = (*engine)->publish(set.workflows, QStringLiteral("bench")); !published)
        return published.failure();
    TimerScheduler::Options timerOptions;
    timerOptions.database = database;
    timerOptions.engine = engine->get();
    timerOptions.sla = &sla;
    timerOptions.clock = &clock;
    timerOptions.wallClock = false;
    TimerScheduler timers(timerOptions);
    sla.setTimerListener([&timers](qint64 dueAtMs) { timers.timersWritten(dueAtMs); });
    if (auto started = timers.start(); !started)
        return started.failure();
    qint64 fired = 0;
    // Rungs of one ladder due within a step fire together, as after a short outage: a
    // quarter of the timer rounds of hourly steps, for the same end state.
    constexpr int stepHours = 6;
    QElapsedTimer progress;
    progress.start();
    for (QDateTime at = clock.now(); at <= reference; at = at.addSecs(stepHours * 3600)) {
        clock.set(at);
        auto round = timers.fireDueTimers();
        if (!round)
            return round.failure();
        fired += round->timers;
        if (progress.elapsed() > 2000 || at.addSecs(stepHours * 3600) > reference) {
            progress.restart();
            std::fprintf(stderr, "\r  bigdb: timers fired up to %s: %lld   ",
                         qPrintable(at.toString(Qt::ISODate)), qlonglong(fired));
        }
    }
    std::fprintf(stderr, "\n");
    return fired;
}

} // namespace

Result<BigDbGenerator::Report> BigDbGenerator::generate(const Options &options)
{
    QElapsedTimer elapsed;
    elapsed.start();
    Report report;
    const WorkflowSet set = loadWorkflowDirectory(options.workflowsDir);
    if (!set.ok())
        return makeError(QStringLiteral("%1 has errors").arg(options.workflowsDir));
    auto org = std::make_shared<const Organisation>(set.organisation);
    const QMap<QString, DemoAccount> users = demoAccounts(set);
    const qint64 reference = options.reference.toMSecsSinceEpoch();

    const QString templatePath = options.path + QStringLiteral(".templates");
    auto made
        = makeTemplates(set, org, users, templatePath, options.workflowsDir, options.reference);
    removeDatabaseFiles(templatePath);
    if (!made)
        return made.failure();
    QList<const Template *> openTemplates, closedTemplates;
    for (const Template &t : std::as_const(*made))
        (t.state.isOpen() ? openTemplates : closedTemplates).append(&t);
    if (openTemplates.isEmpty() || closedTemplates.isEmpty())
        return makeError(QStringLiteral("the templates lack open or closed tickets"));
    report.templates = int(made->size());
    report.openTemplates = int(openTemplates.size());
    std::fprintf(stderr, "  bigdb: %d template tickets from the engine (%d open) in %.1f s\n",
                 report.templates, report.openTemplates, elapsed.elapsed() / 1000.0);

    // Written under a temporary name: an interrupted run leaves no half-made cache file.
    const QString partial = options.path + QStringLiteral(".partial");
    removeDatabaseFiles(partial);
    {
        auto database = Database::open(u"sqlite:" + partial);
        if (!database)
            return database.failure();
        if (auto migrated = Schema::migrate(**database); !migrated)
            return migrated.failure();
        if (auto inserted = insertUsers(**database, users, reference); !inserted)
            return inserted.failure();
        {
            FakeClock clock(options.reference);
            EngineOptions engineOptions;
            engineOptions.database = *database;
            engineOptions.organisation = org;
            engineOptions.clock = &clock;
            auto engine = Engine::start(engineOptions);
            if (!engine)
                return engine.failure();
            auto published = (*engine)->publish(set.workflows, QStringLiteral("bench"));
            if (!published)
                return published.failure();
            for (const Template &t : std::as_const(*made))
                if (published->current.value(t.state.workflow) != t.state.workflowVersion)
                    return makeError(
                        QStringLiteral("workflow versions differ from the templates'"));
        }
        // As `baton serve` stores it at start: no calendar looks changed on the first start.
        if (auto stored = SlaService::calendarsChangedSinceLastStart(
                **database, organisationSource(set.organisationFiles), *org, options.reference);
            !stored)
            return stored.failure();
        auto db = (*database)->connection();
        if (!db)
            return db.failure();
        // A bulk load: no fsync per batch, no per-row foreign key look-ups (the rows are
        // consistent by construction), a large page cache for the index inserts.
        for (const char *pragma :
             {"PRAGMA synchronous=OFF", "PRAGMA foreign_keys=OFF", "PRAGMA cache_size=-262144"})
            if (auto r = runQuery(*db, QString::fromLatin1(pragma)); !r)
                return r.failure();

        // The secondary indexes of the ticket tables are built after the load, from their own
        // CREATE statements: one sort each instead of millions of random inserts.
        QStringList indexes;
        {
            auto q = runQuery(
                *db,
                QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = "
                               "'index' AND sql IS NOT NULL AND tbl_name IN "
                               "('tickets', 'events', 'ticket_queues', "
                               "'ticket_queues_current', 'timers', 'comments', 'step_facts')"));
            if (!q)
                return q.failure();
            QStringList names;
            while (q->next()) {
                names.append(q->value(0).toString());
                indexes.append(q->value(1).toString());
            }
            q->finish();
            for (const QString &name : std::as_const(names))
                if (auto r = runQuery(*db, u"DROP INDEX " + name); !r)
                    return r.failure();
        }

        std::mt19937_64 rng(20261124);
        CustomerPool customers = makeCustomers(options.customers, rng, reference);
        TicketWriter writer(*database);
        WriteBatch first;
        first.customers = customers.rows;
        if (auto r = writer.write(first); !r)
            return r.failure();

        // The newest ids hold the open tickets (80 % of the last two weeks' tickets); the
        // older ones are closed, created over the two years before.
        const qint64 total = options.tickets;
        const qint64 recent = std::min(total, qint64(options.open * 5 / 4));
        const qint64 old = total - recent;
        qint64 openLeft = std::min(options.open, recent);
        constexpr int batchSize = 5000;
        WriteBatch batch;
        QElapsedTimer progress;
        progress.start();
        for (qint64 id = 1; id <= total; ++id) {
            qint64 target = 0;
            bool open = false;
            if (id <= old) {
                target = reference - 730 * dayMs + qint64(double(id) / old * 716 * dayMs);
            } else {
                const qint64 j = id - old - 1;
                target = reference - 14 * dayMs + qint64(double(j) / recent * 14 * dayMs);
                open = qint64(rng() % quint64(recent - j)) < openLeft;
                if (open)
                    --openLeft;
            }
            const auto &pool = open ? openTemplates : closedTemplates;
            const Template &t = *pool[qsizetype(rng() % quint64(pool.size()))];
            target += qint64(rng() % quint64(30 * minuteMs));
            // Never into the future of the reference instant: events stay in the past. A fifth
            // of the open tickets moved only a little, so that their clocks still run (at risk
            // or not yet) and their timers are ahead.
            const qint64 latest = reference - std::max(t.lastAt, t.row.updatedAt);
            qint64 delta = std::min(target - t.row.createdAt, latest);
            if (open && rng() % 5 == 0)
                delta = latest - qint64(rng() % quint64(3 * 60 * minuteMs));
            const Customer *customer = nullptr;
            if (const auto tier = customers.byTier.constFind(t.state.customer.tier);
                tier != customers.byTier.cend())
                customer = &(*tier)[qsizetype(rng() % quint64(tier->size()))];
            cloneInto(batch, t, id, delta, customer, &report.timers);
            if (batch.newTickets.size() == batchSize || id == total) {
                report.events += batch.events.size();
                if (auto r = writer.write(batch); !r)
                    return r.failure();
                batch = WriteBatch();
                if (progress.elapsed() > 2000 || id == total) {
                    progress.restart();
                    const double s = elapsed.elapsed() / 1000.0;
                    std::fprintf(stderr, "\r  bigdb: %lld / %lld tickets written (%.0f s)   ",
                                 qlonglong(id), qlonglong(total), s);
                    std::fflush(stderr);
                }
            }
        }
        std::fprintf(stderr, "\n  bigdb: building %d indexes\n", int(indexes.size()));
        for (const QString &sql : std::as_const(indexes))
            if (auto r = runQuery(*db, sql); !r)
                return r.failure();
        report.tickets = total;
        if (auto fired = catchUp(set, org, *database, options.reference); !fired)
            return fired.failure();
        else
            report.timersFired = *fired;
        for (const char *sql : {"PRAGMA foreign_keys=ON", "PRAGMA wal_checkpoint(TRUNCATE)"})
            if (auto r = runQuery(*db, QString::fromLatin1(sql)); !r)
                return r.failure();
    }
    removeDatabaseFiles(options.path);
    if (!QFile::rename(partial, options.path))
        return makeError(QStringLiteral("cannot rename %1").arg(partial));
    removeDatabaseFiles(partial);
    report.seconds = elapsed.elapsed() / 1000.0;
    return report;
}

} // namespace Baton

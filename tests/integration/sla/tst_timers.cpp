// SPDX-License-Identifier: GPL-3.0-or-later
// SLA timers made durable: the engine writes them with each change, the scheduler fires them
// through the engine's writer, on SQLite and on PostgreSQL, with a fake clock.

#include "pgharness.h"
#include "slaworld.h"
#include "testserver.h"

#include "core/clock.h"
#include "definition/workflowset.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/orgversions.h"
#include "store/schema.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSemaphore>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace Baton;
using namespace Baton::Test;

namespace {

/// One server: engine, SLA service and scheduler on a database, with the test world's org.
struct Server
{
    TestServer server;
    std::shared_ptr<Database> database;
    Engine *engine = nullptr;
    SlaService *sla = nullptr;
    TimerScheduler *scheduler = nullptr;

    QString start(const QString &url, FakeClock &clock, const SlaWorld &world, int batchSize = 1000)
    {
        auto db = TestServer::openDatabase(url);
        if (!db)
            return db.error();
        TestServerOptions options;
        options.database = *db;
        options.clock = &clock;
        options.organisation = world.org;
        for (const auto &wf : world.workflows)
            options.workflows.append(wf);
        options.departmentsLookup
            = [&world](const QString &user) { return world.departmentsOf(user); };
        options.timerBatchSize = batchSize;
        options.timerThread = true;
        options.http = false;
        if (QString error = server.start(options); !error.isEmpty())
            return error;
        database = server.database();
        engine = &server.engine();
        sla = &server.sla();
        scheduler = &server.timers();
        return {};
    }

    void stop()
    {
        server.stop();
        engine = nullptr;
        sla = nullptr;
        scheduler = nullptr;
        database.reset();
    }

    qint64 open(const SlaWorld &world, const QString &workflow, const QString &originator,
                const QString &title = QStringLiteral("Line down"))
    {
        OpenRequest request;
        request.title = title;
        const CommandResult result = engine->open(world.user(originator), workflow, request);
        if (!result.ok())
            qWarning("open failed: %s", qPrintable(result.error()));
        return result.ok() ? result->ticket.id : 0;
    }

    /// Each row `sql` answers, its columns as text.
    QList<QStringList> rows(const QString &sql, const QVariantList &values)
    {
        QList<QStringList> out;
        auto db = database->connection();
        auto query = runQuery(*db, sql, values);
        while (query && query->next()) {
            QStringList columns;
            for (int c = 0; c < query->record().count(); ++c)
                columns.append(query->value(c).toString());
            out.append(columns);
        }
        return out;
    }

    QStringList eventTypes(qint64 ticket)
    {
        QStringList types;
        for (const QStringList &row :
             rows(u"SELECT type FROM events WHERE ticket_id = ? ORDER BY seq"_qs, {ticket}))
            types.append(row[0]);
        return types;
    }

    QList<QPair<QString, qint64>> timers(qint64 ticket)
    {
        QList<QPair<QString, qint64>> out;
        for (const QStringList &row :
             rows(u"SELECT kind, due_at FROM timers WHERE ticket_id = ? ORDER BY due_at"_qs,
                  {ticket}))
            out.append({row[0], row[1].toLongLong()});
        return out;
    }

    qint64 count(const QString &sql)
    {
        auto db = database->connection();
        auto query = runQuery(*db, sql);
        return query && query->next() ? query->value(0).toLongLong() : -1;
    }

    /// Fires what is due, as the admin clock endpoint does; false on failure.
    bool fire()
    {
        auto report = scheduler->fireDueTimers();
        if (!report)
            qWarning("firing failed: %s", qPrintable(report.error()));
        return report.ok();
    }

    /// "type:actor" of the ticket's events, oldest first ("" actor for the engine).
    QStringList eventsWithActors(qint64 ticket)
    {
        QStringList out;
        for (const QStringList &row :
             rows(u"SELECT type, actor FROM events WHERE ticket_id = ? ORDER BY seq"_qs, {ticket}))
            out.append(row.join(u':'));
        return out;
    }

    QString ticketQueue(qint64 ticket)
    {
        auto db = database->connection();
        auto query
            = runQuery(*db, QStringLiteral("SELECT queue FROM tickets WHERE id = ?"), {ticket});
        return query && query->next() ? query->value(0).toString() : QString();
    }
};

qint64 ms(const QDateTime &t)
{
    return t.toMSecsSinceEpoch();
}

/// A workflows folder's organisation files: path relative to the folder -> text.
using OrgFiles = QMap<QString, QByteArray>;

/// The test world's org.yaml cut in two: calendars, and departments with queues.
QPair<QByteArray, QByteArray> orgHalves()
{
    const QByteArray text = SlaWorld::orgText();
    const qsizetype cut = text.indexOf("\ndepartments:") + 1;
    return {text.left(cut), text.mid(cut)};
}

const QByteArray hkHours = "mon-fri: [\"09:00-12:30\", \"13:30-18:00\"]";
const QByteArray hkLater = "mon-fri: [\"10:00-12:30\", \"13:30-18:00\"]";
const QByteArray berlinHours = "mon-fri: [\"09:00-17:00\"]";
const QByteArray berlinEarlier = "mon-fri: [\"08:00-17:00\"]";

QByteArray replaced(QByteArray text, const QByteArray &before, const QByteArray &after)
{
    if (!text.contains(before))
        qFatal("the test org has no %s", before.constData());
    return text.replace(before, after);
}

/// Writes `files` into `dir` and reads the folder as `baton serve` does; empty on errors.
std::optional<WorkflowSet> loadFolder(const QString &dir, const OrgFiles &files)
{
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        const QString path = QDir(dir).filePath(it.key());
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(it.value()) != it.value().size())
            return std::nullopt;
    }
    WorkflowSet set = loadWorkflowDirectory(dir);
    for (const Diagnostic &d : std::as_const(set.diagnostics))
        qWarning("%s", qPrintable(d.toString()));
    if (!set.ok())
        return std::nullopt;
    return set;
}

QStringList slaEvents(const QStringList &types)
{
    QStringList result;
    for (const QString &type : types)
        if (type.startsWith(u"sla_") || type == u"escalated")
            result.append(type);
    return result;
}

} // namespace

// The start most cases share: a fresh database (skipped as the harness says when a driver is
// not there), the SLA world, a fake clock at `at` and a server running on them.
#define START_SLA_SERVER(at)                                                                       \
    BATON_FRESH_DATABASE(m_databases, url);                                                        \
    const SlaWorld &world = SlaWorld::instance();                                                  \
    FakeClock clock(at);                                                                           \
    Server server;                                                                                 \
    QCOMPARE(server.start(url, clock, world), QString())

class TestTimers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void timerWrittenWithTheTicketAndReplacedOnEveryChange();
    void timerLeftAloneWhenThePlanIsUnchanged();
    void escalationClimbsTheOrganisationThroughTheEngine();
    void timerWrittenAlreadyDueFiresWithoutBeingAsked();
    void staleTimerIsReplacedByTheEngineWithTheCurrentPlan();
    void timersMissedWhileDownFireOnStartInOrderOnce();
    void calendarChangeRecomputesRunningClocks();
    void organisationFilesChangeRecomputesClocksOnStart_data();
    void organisationFilesChangeRecomputesClocksOnStart();
    void organisationPublishedByAUserSurvivesARestart();
    void twoServersFireTenThousandTimersExactlyOnce();
    void timeoutRemindsThenGivesUpOnBusinessTime();
    void timeoutDueWhileDownFiresOnceAfterRestart();
    void delayedFollowUpOpensAfter48Hours();
    void delayedFollowUpCancelledByReopening();
    void delayedFollowUpOfAnUnknownWorkflowGivesUpOnce();
    void transitionsChangeThePriority();

private:
    TestDatabase m_databases;
};

void TestTimers::timerWrittenWithTheTicketAndReplacedOnEveryChange()
{
    START_SLA_SERVER(utc(2026, 11, 23, 1)); // Monday 09:00 HKT
    const qint64 id = server.open(world, u"support"_qs, u"amy"_qs);
    QVERIFY(id);
    // Respond 1h: its 75% step (45 min) is the ticket's one timer.
    QCOMPARE(
        server.timers(id),
        (QList<QPair<QString, qint64>> {{u"sla:step:respond:0"_qs, ms(utc(2026, 11, 23, 1, 45))}}));
    QCOMPARE(server.count(u"SELECT respond_due FROM tickets"_qs), ms(utc(2026, 11, 23, 2)));

    // Claiming meets respond: the timer becomes resolve's 75% (90 min).
    clock.advanceSeconds(600);
    QVERIFY(server.engine->claim(world.user(u"ann"_qs), id).ok());
    QCOMPARE(
        server.timers(id),
        (QList<QPair<QString, qint64>> {{u"sla:step:resolve:0"_qs, ms(utc(2026, 11, 23, 2, 30))}}));
    // Moving to ground ops (24/7, 2h) stops the front desk's clocks.
    QVERIFY(
        server.engine
            ->takeAction(world.user(u"ann"_qs), id, ActionRequest {u"to_ops"_qs, {}, {}, {}, {}})
            .ok());
    QCOMPARE(
        server.timers(id),
        (QList<QPair<QString, qint64>> {{u"sla:step:resolve:0"_qs, ms(utc(2026, 11, 23, 2, 40))}}));

    // Nothing is due yet: firing now does nothing.
    auto none = server.scheduler->fireDueTimers();
    QVERIFY(none.ok());
    QCOMPARE(none->events, 0);
    clock.set(utc(2026, 11, 23, 2, 40));
    QVERIFY(server.fire());
    QCOMPARE(slaEvents(server.eventTypes(id)), QStringList {u"sla_warning"_qs});
    // gus is ground ops' primary but the step notifies the assignee (none) and the backup
    // (none): nobody. The breach step notifies the manager (none) and raises the priority.
    clock.set(utc(2026, 11, 23, 3, 10));
    QVERIFY(server.fire());
    QCOMPARE(slaEvents(server.eventTypes(id)),
             (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
    QCOMPARE(server.count(u"SELECT priority FROM tickets"_qs), 3);
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM timers"_qs), 1); // the ticket-wide clock's
    server.stop();
}

void TestTimers::timerLeftAloneWhenThePlanIsUnchanged()
{
    START_SLA_SERVER(utc(2026, 11, 23, 1)); // Monday 09:00 HKT
    const qint64 id = server.open(world, u"support"_qs, u"amy"_qs);
    QVERIFY(id);
    // A row written again gets an id above every other ticket's timer (a serial, or SQLite's
    // highest rowid + 1): the id tells a kept row from a replaced one.
    const auto timerRows = [&] {
        return server.rows(u"SELECT id, kind, due_at, data FROM timers WHERE ticket_id = ?"_qs,
                           {id});
    };
    QVERIFY(server.open(world, u"support"_qs, u"amy"_qs));
    const QList<QStringList> opened = timerRows();
    QCOMPARE(opened.size(), 1);

    // A comment moves no clock: the earliest unfired step stays, and so does its row.
    clock.advanceSeconds(60);
    QVERIFY(server.engine->comment(world.user(u"amy"_qs), id, u"Still down"_qs).ok());
    QCOMPARE(timerRows(), opened);

    // Claiming meets respond: the step changes, the row is replaced.
    clock.advanceSeconds(60);
    QVERIFY(server.engine->claim(world.user(u"ann"_qs), id).ok());
    const QList<QStringList> claimed = timerRows();
    QCOMPARE(claimed.size(), 1);
    QCOMPARE(claimed[0][1], u"sla:step:resolve:0"_qs);
    QVERIFY(server.open(world, u"support"_qs, u"amy"_qs));
    QVERIFY(server.engine->comment(world.user(u"ann"_qs), id, u"On it"_qs).ok());
    QCOMPARE(timerRows(), claimed);
    server.stop();
}

void TestTimers::escalationClimbsTheOrganisationThroughTheEngine()
{
    START_SLA_SERVER(utc(2026, 11, 23, 0, 30)); // Monday 08:30 CST, resolve 4h
    const qint64 id = server.open(world, u"telecom"_qs, u"olga"_qs);
    QVERIFY(id);

    // The scheduler counts each timer fired and each breach (for /metrics).
    const auto fired = [&] { return server.scheduler->stats().timersFired; };
    const auto breaches = [&] { return server.scheduler->stats().slaBreaches; };
    const quint64 firedBefore = fired();
    const quint64 breachesBefore = breaches();
    clock.set(utc(2026, 11, 23, 3, 30)); // 75%: the county's primary and backup hear of it
    QVERIFY(server.fire());
    QCOMPARE(slaEvents(server.eventTypes(id)), QStringList {u"sla_warning"_qs});
    QCOMPARE(fired() - firedBefore, 1u);
    QCOMPARE(breaches() - breachesBefore, 0u);
    auto cobb = server.engine->notifications(u"cobb"_qs, true);
    QVERIFY(cobb.ok());
    QCOMPARE(cobb->size(), 1);
    QCOMPARE(cobb->first().kind, u"sla_warning"_qs);
    QVERIFY(cobb->first().message.contains(u"County desk"));

    clock.set(utc(2026, 11, 23, 8, 30)); // 100% and 150%: breach, then up to the city
    QVERIFY(server.fire());
    QCOMPARE(slaEvents(server.eventTypes(id)),
             (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
    QCOMPARE(server.ticketQueue(id), u"city-desk"_qs);
    QCOMPARE(server.engine->notifications(u"cora"_qs, true)->first().kind, u"sla_breached"_qs);
    QCOMPARE(server.engine->notifications(u"olga"_qs, true)->first().kind, u"escalated"_qs);
    QCOMPARE(server.count(u"SELECT handoffs FROM tickets"_qs), 0);

    clock.set(utc(2026, 11, 24, 7, 30)); // the city's clock, from Monday 16:30 CST
    QVERIFY(server.fire());
    QCOMPARE(slaEvents(server.eventTypes(id)).size(), 6);
    QCOMPARE(server.ticketQueue(id), u"province-desk"_qs);
    QCOMPARE(server.engine->notifications(u"cindy"_qs, true)->size(), 1);
    // Breaches are facts in the event log, queryable for reports.
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM events WHERE type = 'sla_breached'"_qs), 2);
    QCOMPARE(fired() - firedBefore, 3u);
    QCOMPARE(breaches() - breachesBefore, 2u);
    server.stop();
}

void TestTimers::staleTimerIsReplacedByTheEngineWithTheCurrentPlan()
{
    START_SLA_SERVER(utc(2026, 11, 23, 1)); // Monday 09:00 HKT
    const qint64 id = server.open(world, u"support"_qs, u"amy"_qs);
    QVERIFY(id);
    const QList<QPair<QString, qint64>> planned {
        {u"sla:step:respond:0"_qs, ms(utc(2026, 11, 23, 1, 45))}};
    QCOMPARE(server.timers(id), planned);
    const qint64 version = server.count(u"SELECT version FROM tickets"_qs);
    const qint64 events = server.count(u"SELECT COUNT(*) FROM events"_qs);

    // A timer that comes due with nothing to fire (as when the clocks changed without a write
    // of the ticket): nothing is recorded, and the row is replaced by the ticket's plan.
    {
        auto db = server.database->connection();
        QVERIFY(db.ok());
        QVERIFY(
            runQuery(*db, u"UPDATE timers SET due_at = ?"_qs, {ms(utc(2026, 11, 23, 1, 10))}).ok());
    }
    clock.set(utc(2026, 11, 23, 1, 10));
    auto report = server.scheduler->fireDueTimers();
    QVERIFY(report.ok());
    QCOMPARE(report->timers, 1);
    QCOMPARE(report->events, 0);
    QCOMPARE(server.timers(id), planned);
    QCOMPARE(server.count(u"SELECT version FROM tickets"_qs), version);
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM events"_qs), events);
    QCOMPARE(server.scheduler->stats().timersReplanned, 1u);
    QCOMPARE(server.scheduler->stats().timersFired, 0u);
    // Nothing is left due: the next round finds nothing.
    report = server.scheduler->fireDueTimers();
    QVERIFY(report.ok());
    QCOMPARE(report->timers, 0);
    server.stop();
}

void TestTimers::timerWrittenAlreadyDueFiresWithoutBeingAsked()
{
    START_SLA_SERVER(utc(2026, 11, 23, 0, 30));
    // The start-up round runs on the scheduler's thread; on a loaded machine it could otherwise
    // come after the comment below and fire the timer itself, which is not what is tested.
    QTRY_VERIFY_WITH_TIMEOUT(server.scheduler->stats().wakeups >= 1, 10000);
    const qint64 id = server.open(world, u"telecom"_qs, u"olga"_qs);
    clock.set(utc(2026, 11, 23, 3, 30)); // 75% is due, but nobody moved the clock through the API
    QVERIFY(slaEvents(server.eventTypes(id)).isEmpty());
    // A comment rewrites the ticket and its timer, already due: the planner tells the scheduler,
    // whose own thread fires it.
    QVERIFY(server.engine->comment(world.user(u"cody"_qs), id, u"Looking into it"_qs).ok());
    QTRY_COMPARE_WITH_TIMEOUT(slaEvents(server.eventTypes(id)), QStringList {u"sla_warning"_qs},
                              10000);
    QVERIFY(server.scheduler->stats().wakeups >= 2); // at start, and for the due timer
    server.stop();
}

void TestTimers::timersMissedWhileDownFireOnStartInOrderOnce()
{
    BATON_FRESH_DATABASE(m_databases, url);
    const SlaWorld &world = SlaWorld::instance();
    FakeClock clock(utc(2026, 11, 23, 0, 30));
    QList<qint64> ids;
    {
        Server server;
        QCOMPARE(server.start(url, clock, world), QString());
        for (int i = 0; i < 5; ++i) {
            ids.append(server.open(world, u"telecom"_qs, u"olga"_qs));
            clock.advanceSeconds(600);
        }
        server.stop();
    }
    // Down for the afternoon: every ticket passed 75%, 100% and 150%.
    clock.set(utc(2026, 11, 23, 12));
    Server restarted;
    QCOMPARE(restarted.start(url, clock, world), QString());
    // start() fires on the scheduler's thread; this call waits for that round (or does it
    // itself if it comes first): either way, once it returns, all of it is durable.
    QVERIFY(restarted.fire());
    for (qint64 id : std::as_const(ids)) {
        QCOMPARE(slaEvents(restarted.eventTypes(id)),
                 (QStringList {u"sla_warning"_qs, u"sla_breached"_qs, u"escalated"_qs}));
        QCOMPARE(restarted.ticketQueue(id), u"city-desk"_qs);
    }
    // In due order: the tickets' escalations were written in the order they came due.
    QList<qint64> order;
    {
        auto db = restarted.database->connection();
        const QString sql = restarted.database->isPostgreSql()
            ? u"SELECT ticket_id FROM events WHERE type = 'escalated' ORDER BY "
              "xmin::text::bigint, ctid"_qs
            : u"SELECT ticket_id FROM events WHERE type = 'escalated' ORDER BY rowid"_qs;
        auto query = runQuery(*db, sql);
        while (query && query->next())
            order.append(query->value(0).toLongLong());
    }
    QCOMPARE(order, ids);
    restarted.stop();
}

void TestTimers::calendarChangeRecomputesRunningClocks()
{
    BATON_FRESH_DATABASE(m_databases, url);
    FakeClock clock(utc(2026, 11, 23, 1)); // Monday 09:00 HKT
    qint64 id = 0;
    {
        Server server;
        QCOMPARE(server.start(url, clock, SlaWorld::instance()), QString());
        id = server.open(SlaWorld::instance(), u"support"_qs, u"amy"_qs);
        QVERIFY(server.engine->claim(SlaWorld::instance().user(u"amy"_qs), id).ok());
        QCOMPARE(server.timers(id).first().second, ms(utc(2026, 11, 23, 2, 30)));
        server.stop();
    }
    // The office now opens at 10:00: the running resolve clock re-measures from 09:00.
    QByteArray text = SlaWorld::orgText();
    text.replace("mon-fri: [\"09:00-12:30\", \"13:30-18:00\"]",
                 "mon-fri: [\"10:00-12:30\", \"13:30-18:00\"]");
    const std::unique_ptr<SlaWorld> changed = SlaWorld::load(text);
    const QStringList calendars
        = SlaService::changedCalendars(*SlaWorld::instance().org, *changed->org);
    QCOMPARE(calendars, QStringList {u"hk-office"_qs});
    Server server;
    QCOMPARE(server.start(url, clock, *changed), QString());
    auto recomputed = server.sla->recomputeClocks(*server.engine, calendars);
    QVERIFY2(recomputed.ok(), qPrintable(recomputed.ok() ? QString() : recomputed.error()));
    QCOMPARE(*recomputed, 1);
    QCOMPARE(server.timers(id).first().second, ms(utc(2026, 11, 23, 3, 30)));
    QCOMPARE(server.count(u"SELECT resolve_due FROM tickets"_qs), ms(utc(2026, 11, 23, 4)));
    QVERIFY(server.eventTypes(id).contains(u"sla_recomputed"_qs));
    server.stop();
}

void TestTimers::organisationFilesChangeRecomputesClocksOnStart_data()
{
    QTest::addColumn<OrgFiles>("before");
    QTest::addColumn<OrgFiles>("after");
    QTest::addColumn<QStringList>("calendars"); // changed, as the start reports them
    QTest::addColumn<int>("recomputed");
    QTest::addColumn<qint64>("timerDue"); // the front-desk ticket's resolve 75% step afterwards

    const auto [calendars, units] = orgHalves();
    const QByteArray whole = calendars + units;
    const qint64 unchanged = ms(utc(2026, 11, 23, 2, 30));
    const qint64 remeasured = ms(utc(2026, 11, 23, 3, 30)); // the office opens an hour later
    const QStringList hk {u"hk-office"_qs};
    const QStringList berlin {u"berlin-office"_qs};

    QTest::newRow("org.yaml changes the ticket's calendar: its due instant is recomputed")
        << OrgFiles {{u"org.yaml"_qs, whole}}
        << OrgFiles {{u"org.yaml"_qs, replaced(whole, hkHours, hkLater)}} << hk << 1 << remeasured;
    QTest::newRow("an org/ file changes the ticket's calendar: its due instant is recomputed")
        << OrgFiles {{u"org/calendars.yaml"_qs, calendars}, {u"org/units.yaml"_qs, units}}
        << OrgFiles {{u"org/calendars.yaml"_qs, replaced(calendars, hkHours, hkLater)},
                     {u"org/units.yaml"_qs, units}}
        << hk << 1 << remeasured;
    QTest::newRow("org/ beside org.yaml changes the ticket's calendar: it is recomputed")
        << OrgFiles {{u"org.yaml"_qs, units}, {u"org/calendars.yaml"_qs, calendars}}
        << OrgFiles {{u"org.yaml"_qs, units},
                     {u"org/calendars.yaml"_qs, replaced(calendars, hkHours, hkLater)}}
        << hk << 1 << remeasured;
    QTest::newRow("an org/ file changes another calendar: the ticket is not touched")
        << OrgFiles {{u"org/calendars.yaml"_qs, calendars}, {u"org/units.yaml"_qs, units}}
        << OrgFiles {{u"org/calendars.yaml"_qs, replaced(calendars, berlinHours, berlinEarlier)},
                     {u"org/units.yaml"_qs, units}}
        << berlin << 0 << unchanged;
    QTest::newRow("org/ beside org.yaml changes a queue's title: no clock is touched")
        << OrgFiles {{u"org.yaml"_qs, calendars}, {u"org/units.yaml"_qs, units}}
        << OrgFiles {{u"org.yaml"_qs, calendars},
                     {u"org/units.yaml"_qs,
                      replaced(units, "title: Front desk", "title: Front counter")}}
        << QStringList() << 0 << unchanged;
    QTest::newRow("org.yaml split into an org/ folder unchanged: no clock is touched")
        << OrgFiles {{u"org.yaml"_qs, whole}}
        << OrgFiles {{u"org/calendars.yaml"_qs, calendars}, {u"org/units.yaml"_qs, units}}
        << QStringList() << 0 << unchanged;
}

void TestTimers::organisationFilesChangeRecomputesClocksOnStart()
{
    QFETCH(OrgFiles, before);
    QFETCH(OrgFiles, after);
    QFETCH(QStringList, calendars);
    QFETCH(int, recomputed);
    QFETCH(qint64, timerDue);
    BATON_FRESH_DATABASE(m_databases, url);
    QTemporaryDir beforeDir, afterDir;
    QVERIFY(beforeDir.isValid() && afterDir.isValid());
    FakeClock clock(utc(2026, 11, 23, 1)); // Monday 09:00 HKT

    // Each server runs on the folder's organisation, as `baton serve` does.
    const std::optional<WorkflowSet> first = loadFolder(beforeDir.path(), before);
    QVERIFY(first);
    const std::unique_ptr<SlaWorld> firstWorld = SlaWorld::load();
    firstWorld->org = std::make_shared<const Organisation>(first->organisation);
    qint64 id = 0;
    {
        Server server;
        QCOMPARE(server.start(url, clock, *firstWorld), QString());
        const auto change = server.sla->recomputeClocksSinceLastStart(
            *server.engine, *server.database, organisationSource(first->organisationFiles));
        QVERIFY(change.ok());
        QCOMPARE(change->calendars, QStringList()); // the first start has nothing to compare
        id = server.open(*firstWorld, u"support"_qs, u"amy"_qs);
        QVERIFY(server.engine->claim(firstWorld->user(u"amy"_qs), id).ok());
        QCOMPARE(server.timers(id).first().second, ms(utc(2026, 11, 23, 2, 30)));
        server.stop();
    }

    const std::optional<WorkflowSet> second = loadFolder(afterDir.path(), after);
    QVERIFY(second);
    Server server;
    const std::unique_ptr<SlaWorld> world = SlaWorld::load();
    world->org = std::make_shared<const Organisation>(second->organisation);
    QCOMPARE(server.start(url, clock, *world), QString());
    const auto change = server.sla->recomputeClocksSinceLastStart(
        *server.engine, *server.database, organisationSource(second->organisationFiles));
    QVERIFY2(change.ok(), qPrintable(change.ok() ? QString() : change.error()));
    QCOMPARE(change->calendars, calendars);
    QCOMPARE(change->recomputed, recomputed);
    QCOMPARE(server.timers(id).first().second, timerDue);
    QCOMPARE(server.eventTypes(id).contains(u"sla_recomputed"_qs), recomputed > 0);

    // The next start with the same files finds nothing to re-measure.
    server.stop();
    Server again;
    QCOMPARE(again.start(url, clock, *world), QString());
    const auto none = again.sla->recomputeClocksSinceLastStart(
        *again.engine, *again.database, organisationSource(second->organisationFiles));
    QVERIFY(none.ok());
    QCOMPARE(none->calendars, QStringList());
    again.stop();
}

void TestTimers::organisationPublishedByAUserSurvivesARestart()
{
    // org.yaml by the start-up rule: published at the first start; a user's newer version
    // stands when the file is unchanged at the next; both changed: a conflict, nothing published.
    BATON_FRESH_DATABASE(m_databases, url);
    const SlaWorld &world = SlaWorld::instance();
    FakeClock clock(utc(2026, 11, 23, 1));
    const QByteArray file = "queues: {}\n";
    const auto restart = [&](const QByteArray &source) {
        Server server;
        const QString started = server.start(url, clock, world);
        auto change = server.sla->recomputeClocksSinceLastStart(*server.engine, *server.database,
                                                                source, u"workflows/org.yaml"_qs);
        auto current = OrgVersions::current(*server.database);
        server.stop();
        return std::make_tuple(started, change, current);
    };
    {
        const auto [started, change, current] = restart(file);
        QCOMPARE(started, QString());
        QVERIFY(change.ok() && !change->conflict);
        QCOMPARE((*current)->version, 1);
    }
    {
        Server server;
        QCOMPARE(server.start(url, clock, world), QString());
        QCOMPARE(OrgVersions::publish(*server.database, "queues: {b: {department: d}}\n",
                                      VersionOrigin::user(u"admin"_qs), clock.now())
                     .value(),
                 2);
        server.stop();
    }
    {
        const auto [started, change, current] = restart(file);
        QVERIFY(change.ok() && !change->conflict);
        QCOMPARE((*current)->version, 2);
        QCOMPARE((*current)->origin.username, u"admin"_qs);
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"the organisation: .*org.yaml"_qs));
    const auto [started, change, current] = restart("queues: {c: {department: d}}\n");
    QVERIFY(change.ok());
    QVERIFY(change->conflict);
    QCOMPARE(change->conflict->fileVersion, 1);
    QCOMPARE(change->conflict->userVersion, 2);
    QCOMPARE((*current)->version, 2);
}

void TestTimers::twoServersFireTenThousandTimersExactlyOnce()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("several servers share one database on PostgreSQL only");
    BATON_FRESH_DATABASE(m_databases, url);
    const SlaWorld &world = SlaWorld::instance();
    FakeClock clock(utc(2026, 11, 23, 0, 30));
    Server a;
    Server b;
    QCOMPARE(a.start(url, clock, world, 500), QString());
    QCOMPARE(b.start(url, clock, world, 500), QString());
    constexpr int tickets = 10000;
    {
        QSemaphore done;
        OpenRequest request;
        request.title = QStringLiteral("Line down");
        for (int i = 0; i < tickets; ++i)
            a.engine->open(world.user(u"olga"_qs), u"telecom"_qs, request, QString(),
                           [&done](CommandResult) { done.release(); });
        done.acquire(tickets);
    }
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM timers"_qs), tickets);
    clock.set(utc(2026, 11, 23, 12)); // all of them due: 75%, 100%, 150% at once

    Result<TimerScheduler::Report> fromB = makeError(u"the other server did not run"_qs);
    std::thread other([&] { fromB = b.scheduler->fireDueTimers(); });
    auto fromA = a.scheduler->fireDueTimers();
    other.join();
    QVERIFY(fromA.ok());
    QVERIFY(fromB.ok());
    // Both took part (each claimed some), and together they fired every timer once.
    QCOMPARE(fromA->tickets + fromB->tickets, tickets);
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM events WHERE type = 'sla_breached'"_qs), tickets);
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM events WHERE type = 'escalated'"_qs), tickets);
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM (SELECT ticket_id FROM events WHERE type = "
                     "'sla_warning' GROUP BY ticket_id HAVING COUNT(*) <> 1) x"_qs),
             0);
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM tickets WHERE queue = 'city-desk'"_qs), tickets);
    QCOMPARE(a.count(u"SELECT COUNT(*) FROM timers WHERE due_at <= "_qs
                     + QString::number(ms(clock.now()))),
             0);
    qInfo("server A fired %d tickets, server B %d", fromA->tickets, fromB->tickets);
    b.stop();
    a.stop();
}

namespace {

ActionRequest action(const QString &name)
{
    ActionRequest request;
    request.name = name;
    return request;
}

} // namespace

void TestTimers::timeoutRemindsThenGivesUpOnBusinessTime()
{
    // Tuesday 2026-12-22 09:00 in Hong Kong. amy's calendar (hk-office, 8 business hours a
    // day): 24h ends Thursday 18:00; Friday 25 is a holiday, Saturday 26 an extra workday,
    // Sunday off; 72h ends Friday 2027-01-01 18:00 (10:00 UTC).
    START_SLA_SERVER(utc(2026, 12, 22, 1));
    const qint64 id = server.open(world, u"timed"_qs, u"amy"_qs);
    QVERIFY(id);
    // Opened into its originator's own state: nothing returned to anyone.
    QCOMPARE(server.eventsWithActors(id), QStringList {u"opened:amy"_qs});
    QCOMPARE(server.timers(id),
             (QList<QPair<QString, qint64>> {{u"timeout:0"_qs, ms(utc(2026, 12, 24, 10))}}));

    clock.set(utc(2026, 12, 24, 9, 59));
    QVERIFY(server.fire());
    QCOMPARE(server.eventsWithActors(id).size(), 1);
    clock.set(utc(2026, 12, 24, 10));
    QVERIFY(server.fire());
    QCOMPARE(server.eventsWithActors(id), (QStringList {u"opened:amy"_qs, u"timed_out:"_qs}));
    auto notes = server.engine->notifications(u"amy"_qs, false);
    QVERIFY(notes.ok());
    QCOMPARE(notes->size(), 1);
    QCOMPARE(notes->first().kind, u"timed_out"_qs);
    QCOMPARE(server.timers(id),
             (QList<QPair<QString, qint64>> {{u"timeout:1"_qs, ms(utc(2027, 1, 1, 10))}}));

    clock.set(utc(2027, 1, 1, 9, 59));
    QVERIFY(server.fire());
    QCOMPARE(server.eventsWithActors(id).size(), 2);
    clock.set(utc(2027, 1, 1, 10));
    QVERIFY(server.fire());
    QCOMPARE(server.eventsWithActors(id),
             (QStringList {u"opened:amy"_qs, u"timed_out:"_qs, u"timed_out:"_qs,
                           u"transitioned:"_qs, u"closed:"_qs}));
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets WHERE status = 'closed'"_qs), 1);
    QCOMPARE(server.timers(id), (QList<QPair<QString, qint64>> {}));
    server.stop();
}

void TestTimers::timeoutDueWhileDownFiresOnceAfterRestart()
{
    BATON_FRESH_DATABASE(m_databases, url);
    const SlaWorld &world = SlaWorld::instance();
    FakeClock clock(utc(2026, 12, 22, 1));
    qint64 id = 0;
    {
        Server server;
        QCOMPARE(server.start(url, clock, world), QString());
        id = server.open(world, u"timed"_qs, u"amy"_qs);
        QVERIFY(id);
        server.stop(); // down before the reminder's instant, with nothing fired
    }
    // Back a day after the give-up instant: both steps fire on start, in order, once.
    clock.set(utc(2027, 1, 2, 10));
    Server restarted;
    QCOMPARE(restarted.start(url, clock, world), QString());
    QVERIFY(restarted.fire());
    QVERIFY(restarted.fire());
    QCOMPARE(restarted.eventsWithActors(id),
             (QStringList {u"opened:amy"_qs, u"timed_out:"_qs, u"timed_out:"_qs,
                           u"transitioned:"_qs, u"closed:"_qs}));
    restarted.stop();
    Server again;
    QCOMPARE(again.start(url, clock, world), QString());
    QVERIFY(again.fire());
    QCOMPARE(again.eventsWithActors(id).size(), 5);
    again.stop();
}

namespace {

/// A `timed` ticket moved to the desk and solved at `clock`'s now: its follow-up is pending.
qint64 solvedTicket(const SlaWorld &world, Server &server)
{
    const qint64 id = server.open(world, u"timed"_qs, u"amy"_qs);
    if (!id || !server.engine->takeAction(world.user(u"amy"_qs), id, action(u"resume"_qs)).ok())
        return 0;
    return server.engine->takeAction(world.user(u"ann"_qs), id, action(u"solve"_qs)).ok() ? id : 0;
}

} // namespace

void TestTimers::delayedFollowUpOpensAfter48Hours()
{
    START_SLA_SERVER(utc(2026, 12, 22, 1));
    const qint64 id = solvedTicket(world, server);
    QVERIFY(id);
    QVERIFY(server.eventTypes(id).contains(u"link_scheduled"_qs));
    auto view = server.engine->ticket(id, world.user(u"amy"_qs));
    QVERIFY(view.ok());
    QCOMPARE(view->ticket.pendingLinks.size(), 1);
    QCOMPARE(view->ticket.pendingLinks.first().dueAt, utc(2026, 12, 24, 1));
    QCOMPARE(server.timers(id),
             (QList<QPair<QString, qint64>> {
                 {u"link:"_qs + QString::number(view->ticket.pendingLinks.first().seq),
                  ms(utc(2026, 12, 24, 1))}}));

    clock.set(utc(2026, 12, 24, 0, 59));
    QVERIFY(server.fire());
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets"_qs), 1);
    clock.set(utc(2026, 12, 24, 1)); // exactly 48 hours after closing
    QVERIFY(server.fire());
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets WHERE workflow = 'callback'"_qs), 1);
    QCOMPARE(server.count(u"SELECT created_at FROM tickets WHERE workflow = 'callback'"_qs),
             ms(utc(2026, 12, 24, 1)));
    view = server.engine->ticket(id, world.user(u"amy"_qs));
    QVERIFY(view.ok());
    QVERIFY(view->ticket.pendingLinks.isEmpty());
    QCOMPARE(view->ticket.links.size(), 1);
    QCOMPARE(view->ticket.links.first().workflow, u"callback"_qs);
    QCOMPARE(server.timers(id), (QList<QPair<QString, qint64>> {}));
    // Once: firing again opens nothing more.
    clock.set(utc(2026, 12, 30, 1));
    QVERIFY(server.fire());
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets WHERE workflow = 'callback'"_qs), 1);
    server.stop();
}

void TestTimers::delayedFollowUpCancelledByReopening()
{
    START_SLA_SERVER(utc(2026, 12, 22, 1));
    const qint64 id = solvedTicket(world, server);
    QVERIFY(id);
    clock.advanceSeconds(3600);
    QVERIFY(server.engine->reopen(world.user(u"amy"_qs), id, u"not solved"_qs).ok());
    auto view = server.engine->ticket(id, world.user(u"amy"_qs));
    QVERIFY(view.ok());
    QVERIFY(view->ticket.pendingLinks.isEmpty());
    clock.set(utc(2026, 12, 30, 1));
    QVERIFY(server.fire());
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets WHERE workflow = 'callback'"_qs), 0);
    server.stop();
}

// The follow-up's workflow is not published on this server (unpublished or renamed since the
// ticket asked for it): the pending opening is given up at once, visibly, instead of failing
// the timer at every wake-up for ever.
void TestTimers::delayedFollowUpOfAnUnknownWorkflowGivesUpOnce()
{
    BATON_FRESH_DATABASE(m_databases, url);
    const std::unique_ptr<SlaWorld> world = SlaWorld::load();
    world->workflows.remove(u"callback"_qs);
    FakeClock clock(utc(2026, 12, 22, 1));
    Server server;
    QCOMPARE(server.start(url, clock, *world), QString());
    const qint64 id = solvedTicket(*world, server);
    QVERIFY(id);
    clock.set(utc(2026, 12, 24, 1));
    QVERIFY(server.fire());
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM tickets"_qs), 1);
    QCOMPARE(server.eventTypes(id).count(u"link_failed"_qs), 1);
    const QList<QStringList> failed = server.rows(
        u"SELECT data FROM events WHERE ticket_id = ? AND type = 'link_failed'"_qs, {id});
    QCOMPARE(failed.size(), 1);
    const QJsonObject data = QJsonDocument::fromJson(failed.first().first().toUtf8()).object();
    QCOMPARE(data.value(u"workflow").toString(), u"callback"_qs);
    QVERIFY2(data.value(u"reason").toString().contains(u"callback"_qs),
             qPrintable(failed.first().first()));
    QCOMPARE(server.count(u"SELECT COUNT(*) FROM notifications WHERE kind = 'link_failed' "
                          "AND username = 'amy'"_qs),
             1);
    auto view = server.engine->ticket(id, world->user(u"amy"_qs));
    QVERIFY(view.ok());
    QVERIFY(view->ticket.pendingLinks.isEmpty());
    QCOMPARE(server.timers(id), (QList<QPair<QString, qint64>> {}));
    // Nothing left to retry.
    clock.set(utc(2026, 12, 30, 1));
    QVERIFY(server.fire());
    QCOMPARE(server.eventTypes(id).count(u"link_failed"_qs), 1);
    server.stop();
}

void TestTimers::transitionsChangeThePriority()
{
    START_SLA_SERVER(utc(2026, 12, 22, 1));
    const qint64 id = server.open(world, u"timed"_qs, u"amy"_qs);
    QVERIFY(server.engine->takeAction(world.user(u"amy"_qs), id, action(u"resume"_qs)).ok());
    const auto priority = [&] {
        return server.count(u"SELECT priority FROM tickets WHERE id = "_qs + QString::number(id));
    };
    QCOMPARE(priority(), 2); // no customer tier
    const Actor ann = world.user(u"ann"_qs);
    QVERIFY(server.engine->takeAction(ann, id, action(u"raise"_qs)).ok());
    QCOMPARE(priority(), 3);
    QVERIFY(server.engine->takeAction(ann, id, action(u"urgent"_qs)).ok());
    QCOMPARE(priority(), 7);
    QVERIFY(server.engine->takeAction(ann, id, action(u"lower"_qs)).ok());
    QCOMPARE(priority(), 6);
    // Replay agrees with the row: the priority is in the transitioned events.
    auto events = server.engine->events(id, world.user(u"amy"_qs));
    QVERIFY(events.ok());
    QCOMPARE(replay(id, *events).priority, 6);
    server.stop();
}

QTEST_GUILESS_MAIN(TestTimers)
#include "tst_timers.moc"

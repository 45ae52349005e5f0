// SPDX-License-Identifier: GPL-3.0-or-later
// Reports (issue 17) end to end: a real server (engine, store, auth, HTTP) on SQLite and on
// PostgreSQL, the fake clock moved through the admin clock route (so that SLA timers fire as in
// production), tickets worked across a lunch break and a holiday on the SLA tests' world
// (tests/unit/sla/data), then the reports read over HTTP and checked to the second.
#include "../api/sessionclient.h"
#include "api/weeklysummary.h"
#include "core/clock.h"
#include "pgharness.h"
#include "report/stepfactbackfill.h"
#include "report/stepfactderiver.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/reportcounts.h"
#include "store/stepfactmeasures.h"
#include "store/stepfactrows.h"
#include "store/steprollup.h"
#include "store/ticketwriter.h"
#include "testserver.h"

#include <QJsonArray>
#include <QMap>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>
#include <functional>
#include <future>

using namespace Baton;
using namespace Qt::Literals::StringLiterals;

namespace {

const QString password = QStringLiteral("password-1");
const QString world = QStringLiteral(BATON_SOURCE_DIR "/tests/unit/sla/data");

// The expected numbers of one group, in the JSON's member names.
using Expected = QList<QPair<QString, QJsonValue>>;

} // namespace

class tst_Reports : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void stepsByDepartmentAcrossLunchAndHoliday();
    void everyGroupingCountsTheSameSteps();
    void flowShowsStatesAndTransitions();
    void csvEqualsJson();
    void supervisorsSeeTheirDepartmentsOnly();
    void badRangeIs400();
    void backfillEqualsLiveMaintenance();
    void outcomesCountReopensFirstContactAndBounces();
    void escalationsSayToWhom();
    void backlogAtTheEndOfEachDayInTheViewersZone();
    void periodPresetsInTheViewersZone();
    void drillDownListsTheTicketsBehindANumber();
    void openedAndEscalationsDrillDown();
    void drillDownDownloadsAsCsv();
    void flowEnteredAndTransitionsDrillDown();
    void stepsCompareWithThePreviousPeriod();
    void newReportsCsvEqualsJson();
    void satisfactionAttributedToWhoWorkedTheTicket();
    void satisfactionScopeCsvAndDrillDown();
    void notSolvedListDownloadsAsCsv();
    void volumeCountsOpenedFinishedAndClosed();
    void backfillRunsInTheBackgroundAndReportsSaySo();
    void backfillLetsTheEngineWriteWhileItDerives();
    void weeklySummaryQueuedOncePerSupervisorWithAnAddress();
    void weeklySummaryCoversTheSupervisorsOwnWeek();
    void weeklySummaryIsInTheSupervisorsOwnTimeZone();
    void waitingTimeInPausedStatesApart();
    void rollupAnswersAsTheFactsDo();
    void rollupDaysAreCompactedOffTheWritePath();
    void aFactsRecordOfNoTicketsLeavesTheRollupReady();
    void rollupBackfillReadsAgainWhenTheDaysChangedBeforeItsLock();
    void countsAnswerAsTheFactsDo();
    void rollupRowsStayBoundedInABusyKey();
    void flowOfAParallelWorkflowComesFromTheRollup();
    void countsQuarterHoursOnceTheyEnd();
    void aClockSetBackCountsItsFactsAgain();

private:
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                     const QString &user);
    void setClock(const char *instant);
    qint64 open(const QString &tier);
    void act(qint64 id, const QString &user, const QByteArray &what);
    void workTickets();
    void workJanuaryTickets();
    void transfer(qint64 id, const QString &user, const QByteArray &queue);
    QList<qint64> drillDown(const QByteArray &query, const QString &user = QStringLiteral("admin"));
    QJsonObject report(const QByteArray &query, const QString &user = QStringLiteral("admin"));
    static QJsonObject row(const QJsonObject &report, const QString &key);
    qint64 followUpOf(qint64 source);
    void rate(qint64 followUp, const QByteArray &action, const QByteArray &rating);
    void workFollowUps();
    void startServer();
    /// Gives fiona (billing's supervisor) an address, a language and preferences (JSON).
    /// Makes the database one written before the step facts: none, and migration 11's
    /// back-fill record for every ticket.
    void forgetTheFacts();
    void addressFiona(const char *language, const char *preferences = "{}");
    /// The weekly summaries in the outbox: delivery id -> the notification's subject and message.
    QMap<QString, QPair<QString, QString>> queuedSummaries();
    /// Each group of `expected` is a row of the report with those members.
    static void checkGroups(const QJsonObject &report,
                            const QList<QPair<QString, Expected>> &expected);
    /// The CSV twin of a report (`&format=csv`), checked for its shape (200, a byte order
    /// mark, every line ending in CRLF, one line per JSON row, as many cells as the header):
    /// its header and the cells of each line.
    void csvOf(const QByteArray &query, const QJsonArray &rows, QList<QByteArray> *header,
               QList<QList<QByteArray>> *lines);

    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 12, 24), QTime(4, 0), Qt::UTC)};
    Test::TestServer m_server;
    Test::SessionClient m_client {password};
    qint64 m_ticketA = 0, m_ticketB = 0, m_ticketC = 0, m_ticketD = 0, m_ticketE = 0;
    qint64 m_followUp1 = 0, m_followUp2 = 0, m_followUp3 = 0;
};

void tst_Reports::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    auto db = Test::TestServer::openDatabase(url);
    if (!db)
        QFAIL(qPrintable(db.error()));
    m_db = *db;
    m_clock.set(QDateTime(QDate(2026, 12, 24), QTime(4, 0), Qt::UTC));

    startServer();
    if (QTest::currentTestFailed())
        return;
    const QString created = m_server.createUsers(
        {{QStringLiteral("amy"), QStringLiteral("agent"), QStringLiteral("customer-service")},
         {QStringLiteral("bill"), QStringLiteral("agent"), QStringLiteral("billing")},
         {QStringLiteral("gus"), QStringLiteral("agent"), QStringLiteral("ground-ops")},
         {QStringLiteral("fiona"), QStringLiteral("supervisor"), QStringLiteral("billing")},
         {QStringLiteral("stan"), QStringLiteral("staff"), QStringLiteral("billing")},
         {QStringLiteral("admin"), QStringLiteral("admin"), QString()}},
        password);
    QVERIFY2(created.isEmpty(), qPrintable(created));
    m_client.setPort(m_server.port());
    workTickets();
}

// As `baton serve`: the composition root keeps the step facts (on by default) and back-fills
// in the background from start, which on a fresh database finds nothing to derive.
void tst_Reports::startServer()
{
    Test::TestServerOptions options;
    options.database = m_db;
    options.clock = &m_clock;
    QVERIFY(options.useWorkflowFolder(world));
    const QString error = m_server.start(options);
    if (!error.isEmpty())
        QFAIL(qPrintable(error));
    QVERIFY(m_server.services().stepFacts());
}

void tst_Reports::cleanup()
{
    m_server.stop();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

RawResponse tst_Reports::call(const QByteArray &method, const QByteArray &path,
                              const QByteArray &body, const QString &user)
{
    // The fake clock jumps days ahead, past the sessions' lifetime: the client signs in again.
    return m_client.call(method, path, body, user);
}

void tst_Reports::setClock(const char *instant)
{
    const RawResponse moved
        = call("POST", "/api/v1/admin/clock", QByteArray(R"({"set":")") + instant + "\"}",
               QStringLiteral("admin"));
    QCOMPARE(moved.status, 200);
}

qint64 tst_Reports::open(const QString &tier)
{
    const RawResponse opened = call("POST", "/api/v1/tickets",
                                    R"({"workflow":"support","title":"Refund","customer":{"tier":")"
                                        + tier.toUtf8() + R"("}})",
                                    QStringLiteral("amy"));
    if (opened.status != 201)
        qWarning("open: %d %s", opened.status, opened.body.constData());
    return opened.json().value(QLatin1String("id")).toInteger();
}

// what: "claim" or an action's name.
void tst_Reports::act(qint64 id, const QString &user, const QByteArray &what)
{
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id)
        + (what == "claim" ? QByteArray("/claim") : "/actions/" + what);
    const RawResponse done = call("POST", path, "{}", user);
    QVERIFY2(done.status == 200, QByteArray(what + ": " + done.body).constData());
}

// The scenario, on the hk-office calendar (09:00-12:30, 13:30-18:00 Hong Kong, UTC+8; 25
// December a holiday, Saturday 26 December a working day) and the 24/7 `always` one:
//
// A (tier B): front desk 12:00-14:10 HKT on 24 Dec, claimed 13:40 (respond 40 min of 1 h:
//   met), left after 70 business minutes of a 1 h resolve target (breached at 14:00, the
//   100% ladder step raised its priority: escalated); billing from 14:10, claimed 14:30
//   (20 of 30 min: met), done Monday 28 Dec 09:30: 3 h 50 min + the Saturday's 8 h + 30 min
//   = 44,400 business seconds of a 2 h target (breached, escalated).
// B (tier A): front desk 12:00-12:20 (claimed 12:10; 20 of 30 min: met); ground ops (24/7)
//   12:20-13:20 (1 h of 2 h: met); then billing, still open (not a finished step).
void tst_Reports::workTickets()
{
    m_ticketA = open(QStringLiteral("B"));
    m_ticketB = open(QStringLiteral("A"));
    QVERIFY(m_ticketA && m_ticketB);
    setClock("2026-12-24T04:10:00Z");
    act(m_ticketB, QStringLiteral("amy"), "claim");
    setClock("2026-12-24T04:20:00Z");
    act(m_ticketB, QStringLiteral("amy"), "to_ops");
    setClock("2026-12-24T05:20:00Z");
    act(m_ticketB, QStringLiteral("gus"), "claim");
    act(m_ticketB, QStringLiteral("gus"), "to_billing");
    setClock("2026-12-24T05:40:00Z");
    act(m_ticketA, QStringLiteral("amy"), "claim");
    setClock("2026-12-24T06:10:00Z");
    act(m_ticketA, QStringLiteral("amy"), "to_billing");
    setClock("2026-12-24T06:30:00Z");
    act(m_ticketA, QStringLiteral("bill"), "claim");
    setClock("2026-12-28T01:30:00Z");
    act(m_ticketA, QStringLiteral("bill"), "done");
    workJanuaryTickets();
}

void tst_Reports::transfer(qint64 id, const QString &user, const QByteArray &queue)
{
    const RawResponse done = call("POST", "/api/v1/tickets/" + QByteArray::number(id) + "/transfer",
                                  R"({"queue":")" + queue + R"(","reason":"not ours"})", user);
    QVERIFY2(done.status == 200, done.body.constData());
}

// Monday 4 January 2027, 09:00-09:30 Hong Kong (01:00-01:30 UTC), for the measures over
// tickets: A (closed in December) reopened by amy and solved at the front desk; C (tier C)
// solved at the front desk at first contact; D (tier C) transferred front desk -> billing ->
// front desk -> billing, where the third transfer passes the workflow's handoff limit (2) and
// lands in ground ops, who solve it; E opened and left open at the front desk.
void tst_Reports::workJanuaryTickets()
{
    setClock("2027-01-04T01:00:00Z");
    const RawResponse reopened
        = call("POST", "/api/v1/tickets/" + QByteArray::number(m_ticketA) + "/reopen",
               R"({"reason":"still charged"})", QStringLiteral("amy"));
    QVERIFY2(reopened.status == 200, reopened.body.constData());
    m_ticketC = open(QStringLiteral("C"));
    m_ticketD = open(QStringLiteral("C"));
    m_ticketE = open(QStringLiteral("C"));
    QVERIFY(m_ticketC && m_ticketD && m_ticketE);
    setClock("2027-01-04T01:05:00Z");
    transfer(m_ticketD, QStringLiteral("amy"), "billing");
    setClock("2027-01-04T01:10:00Z");
    act(m_ticketC, QStringLiteral("amy"), "claim");
    act(m_ticketC, QStringLiteral("amy"), "solve");
    transfer(m_ticketD, QStringLiteral("bill"), "front-desk");
    setClock("2027-01-04T01:15:00Z");
    transfer(m_ticketD, QStringLiteral("amy"), "billing");
    setClock("2027-01-04T01:20:00Z");
    act(m_ticketA, QStringLiteral("amy"), "claim");
    act(m_ticketA, QStringLiteral("amy"), "solve");
    setClock("2027-01-04T01:30:00Z");
    act(m_ticketD, QStringLiteral("gus"), "claim");
    act(m_ticketD, QStringLiteral("gus"), "solve");
}

QList<qint64> tst_Reports::drillDown(const QByteArray &query, const QString &user)
{
    const RawResponse response = call("GET", "/api/v1/reports/tickets?" + query, {}, user);
    if (response.status != 200)
        qWarning("tickets %s: %d %s", query.constData(), response.status,
                 response.body.constData());
    QList<qint64> ids;
    for (const QJsonValue &t : response.json().value(u"tickets").toArray())
        ids.append(t.toObject().value(u"id").toInteger());
    return ids;
}

QJsonObject tst_Reports::report(const QByteArray &query, const QString &user)
{
    const RawResponse response = call("GET", "/api/v1/reports/" + query, {}, user);
    if (response.status != 200)
        qWarning("report %s: %d %s", query.constData(), response.status, response.body.constData());
    return response.json();
}

QJsonObject tst_Reports::row(const QJsonObject &report, const QString &key)
{
    const QJsonArray rows = report.value(QLatin1String("rows")).toArray();
    for (const QJsonValue &value : rows)
        if (value.toObject().value(QLatin1String("key")).toString() == key)
            return value.toObject();
    return {};
}

void tst_Reports::checkGroups(const QJsonObject &report,
                              const QList<QPair<QString, Expected>> &expected)
{
    for (const auto &[key, members] : expected) {
        const QJsonObject group = row(report, key);
        QVERIFY2(!group.isEmpty(), qPrintable(key));
        for (const auto &[name, value] : members)
            QVERIFY2(group.value(name).toVariant() == value.toVariant(),
                     qPrintable(key + u' ' + name + u": "
                                + QString::fromUtf8(QJsonDocument(group).toJson())));
    }
}

void tst_Reports::csvOf(const QByteArray &query, const QJsonArray &rows, QList<QByteArray> *header,
                        QList<QList<QByteArray>> *lines)
{
    const RawResponse csv
        = call("GET", "/api/v1/reports/" + query + "&format=csv", {}, QStringLiteral("admin"));
    QCOMPARE(csv.status, 200);
    QCOMPARE(csv.header("Content-Type"), QByteArray("text/csv; charset=utf-8"));
    QVERIFY(csv.body.startsWith("\xEF\xBB\xBF"));
    QList<QByteArray> text = csv.body.mid(3).split('\n');
    QCOMPARE(text.takeLast(), QByteArray()); // the last line ends with CRLF too
    QVERIFY(!text.isEmpty() && text.first().endsWith('\r'));
    *header = text.takeFirst().chopped(1).split(',');
    QCOMPARE(text.size(), rows.size());
    for (const QByteArray &line : std::as_const(text)) {
        QVERIFY(line.endsWith('\r'));
        lines->append(line.chopped(1).split(','));
        QCOMPARE(lines->last().size(), header->size());
    }
}

const QByteArray december = "from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z";
const QByteArray january = "from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z";

void tst_Reports::stepsByDepartmentAcrossLunchAndHoliday()
{
    const QJsonObject r = report("steps?by=department&" + december);
    QCOMPARE(r.value(QLatin1String("by")).toString(), QStringLiteral("department"));
    QCOMPARE(r.value(QLatin1String("from")).toString(), QStringLiteral("2026-12-01T00:00:00Z"));
    QCOMPARE(r.value(QLatin1String("rows")).toArray().size(), 3);
    const QList<QPair<QString, Expected>> expected {
        {QStringLiteral("customer-service"),
         {{u"title"_s, u"Customer Service"_s},
          {u"steps"_s, 2},
          {u"respond_due"_s, 2},
          {u"respond_met"_s, 2},
          {u"resolve_due"_s, 2},
          {u"resolve_met"_s, 1},
          {u"breached"_s, 1},
          {u"escalated"_s, 1},
          {u"transfers"_s, 0},
          {u"median_business_seconds"_s, 1200},
          {u"p90_business_seconds"_s, 4200},
          {u"median_seconds"_s, 1200},
          {u"p90_seconds"_s, 7800}}},
        {QStringLiteral("ground-ops"),
         {{u"steps"_s, 1},
          {u"respond_due"_s, 0},
          {u"respond_met"_s, 0},
          {u"resolve_due"_s, 1},
          {u"resolve_met"_s, 1},
          {u"breached"_s, 0},
          {u"escalated"_s, 0},
          {u"median_business_seconds"_s, 3600},
          {u"median_seconds"_s, 3600}}},
        {QStringLiteral("billing"),
         {{u"title"_s, u"Billing"_s},
          {u"steps"_s, 1},
          {u"respond_due"_s, 1},
          {u"respond_met"_s, 1},
          {u"resolve_due"_s, 1},
          {u"resolve_met"_s, 0},
          {u"breached"_s, 1},
          {u"escalated"_s, 1},
          {u"median_business_seconds"_s, 44400},
          {u"p90_business_seconds"_s, 44400},
          {u"median_seconds"_s, 328800}}},
    };
    checkGroups(r, expected);
    if (QTest::currentTestFailed())
        return;
    // A period that ends before the billing step did leaves it out.
    const QJsonObject early = report("steps?by=department&from=2026-12-01T00:00:00Z&to=2026-12-"
                                     "28T01:30:00Z");
    QVERIFY(row(early, QStringLiteral("billing")).isEmpty());
    QCOMPARE(row(early, QStringLiteral("customer-service")).value(u"steps").toInt(), 2);
}

void tst_Reports::everyGroupingCountsTheSameSteps()
{
    const QList<QPair<QByteArray, QList<QPair<QString, int>>>> groupings {
        {"queue", {{u"front-desk"_s, 2}, {u"ground-ops"_s, 1}, {u"billing"_s, 1}}},
        {"workflow", {{u"support"_s, 4}}},
        {"state", {{u"support/front"_s, 2}, {u"support/ops"_s, 1}, {u"support/bill"_s, 1}}},
        {"assignee", {{u"amy"_s, 2}, {u"gus"_s, 1}, {u"bill"_s, 1}}},
        {"tier", {{u"A"_s, 2}, {u"B"_s, 2}}},
        {"origin", {{u"customer-service"_s, 4}}},
    };
    for (const auto &[by, counts] : groupings) {
        const QJsonObject r = report("steps?by=" + by + "&" + december);
        QCOMPARE(r.value(QLatin1String("rows")).toArray().size(), counts.size());
        for (const auto &[key, steps] : counts)
            QVERIFY2(row(r, key).value(u"steps").toInt() == steps,
                     qPrintable(QString::fromUtf8(by) + u' ' + key));
    }
    const QJsonObject tierA = row(report("steps?by=tier&" + december), QStringLiteral("A"));
    QCOMPARE(tierA.value(u"breached").toInt(), 0);
    QCOMPARE(tierA.value(u"resolve_met").toInt(), 2);
    const QJsonObject front
        = row(report("steps?by=state&" + december), QStringLiteral("support/front"));
    QCOMPARE(front.value(u"title").toString(), QStringLiteral("Front desk"));
    QCOMPARE(front.value(u"p90_business_seconds").toInt(), 4200);
}

void tst_Reports::flowShowsStatesAndTransitions()
{
    const QJsonObject flow = report("flow?workflow=support&" + december);
    QHash<QString, QJsonObject> states;
    for (const QJsonValue &s : flow.value(u"states").toArray())
        states.insert(s.toObject().value(u"state").toString(), s.toObject());
    QCOMPARE(states.value(QStringLiteral("front")).value(u"left").toInt(), 2);
    QCOMPARE(states.value(QStringLiteral("front")).value(u"breach_rate").toDouble(), 0.5);
    QCOMPARE(states.value(QStringLiteral("bill")).value(u"entered").toInt(), 2);
    QCOMPARE(states.value(QStringLiteral("closed")).value(u"entered").toInt(), 1);
    QCOMPARE(states.value(QStringLiteral("bill")).value(u"median_business_seconds").toInt(), 44400);
    QSet<QString> transitions;
    for (const QJsonValue &t : flow.value(u"transitions").toArray()) {
        const QJsonObject o = t.toObject();
        transitions.insert(o.value(u"from").toString() + u'>' + o.value(u"to").toString() + u':'
                           + o.value(u"action").toString() + u'='
                           + QString::number(o.value(u"count").toInt()));
    }
    QCOMPARE(transitions,
             (QSet<QString> {
                 QStringLiteral("front>bill:to_billing=1"), QStringLiteral("front>ops:to_ops=1"),
                 QStringLiteral("ops>bill:to_billing=1"), QStringLiteral("bill>closed:done=1")}));
}

void tst_Reports::csvEqualsJson()
{
    for (const char *by : {"department", "state", "assignee"}) {
        const QByteArray query = QByteArray("steps?by=") + by + "&" + december;
        const QJsonArray rows = report(query).value(u"rows").toArray();
        QList<QByteArray> header;
        QList<QList<QByteArray>> lines;
        csvOf(query, rows, &header, &lines);
        if (QTest::currentTestFailed())
            return;
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QList<QByteArray> &cells = lines[i];
            const QJsonObject object = rows[i].toObject();
            for (qsizetype c = 0; c < header.size(); ++c) {
                const QJsonValue value = object.value(QString::fromUtf8(header[c]));
                const QString expected = value.isNull() ? QString()
                    : value.isString()                  ? value.toString()
                                                        : QString::number(value.toInteger());
                QCOMPARE(QString::fromUtf8(cells[c]), expected);
            }
        }
    }
}

void tst_Reports::supervisorsSeeTheirDepartmentsOnly()
{
    const QJsonObject own = report("steps?by=department&" + december, QStringLiteral("fiona"));
    QCOMPARE(own.value(u"rows").toArray().size(), 1);
    QCOMPARE(row(own, QStringLiteral("billing")).value(u"steps").toInt(), 1);
    // Grouped otherwise, still only billing's steps.
    const QJsonObject byQueue = report("steps?by=assignee&" + december, QStringLiteral("fiona"));
    QCOMPARE(byQueue.value(u"rows").toArray().size(), 1);
    QCOMPARE(row(byQueue, QStringLiteral("bill")).value(u"steps").toInt(), 1);
    QCOMPARE(call("GET", "/api/v1/reports/steps?department=customer-service&" + december, {},
                  QStringLiteral("fiona"))
                 .status,
             403);
    // Agents and staff: no report at all, as JSON or CSV.
    for (const QString &user : {QStringLiteral("amy"), QStringLiteral("stan")})
        for (const QByteArray &path :
             {QByteArray("steps?"), QByteArray("flow?workflow=support&"), QByteArray("volume?"),
              QByteArray("outcomes?"), QByteArray("escalations?"), QByteArray("backlog?"),
              QByteArray("satisfaction?"), QByteArray("steps?format=csv&"),
              QByteArray("tickets?report=steps&group=billing&")}) {
            const RawResponse refused = call("GET", "/api/v1/reports/" + path + december, {}, user);
            QVERIFY2(refused.status == 403, QByteArray(path + ' ' + user.toUtf8()).constData());
            QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
        }
    QCOMPARE(row(report("steps?department=ground-ops&" + december), QStringLiteral("ground-ops"))
                 .value(u"steps")
                 .toInt(),
             1);
}

void tst_Reports::badRangeIs400()
{
    for (const QByteArray &query :
         {QByteArray("steps"),
          QByteArray("steps?from=2026-12-01T00:00:00Z"),
          QByteArray("steps?from=yesterday&to=2027-01-01T00:00:00Z"),
          QByteArray("steps?from=2026-12-01T00:00:00&to=2027-01-01T00:00:00Z"),
          QByteArray("steps?from=2027-01-01T00:00:00Z&to=2026-12-01T00:00:00Z"),
          QByteArray("steps?from=2027-01-01T00:00:00Z&to=2027-01-01T00:00:00Z"),
          QByteArray("steps?by=colour&" + december),
          QByteArray("steps?format=xls&" + december),
          QByteArray("flow?" + december),
          QByteArray("steps?period=yesterday"),
          QByteArray("steps?period=today&" + december),
          QByteArray("steps?period=today&tz=Mars/Base"),
          QByteArray("backlog?by=department&" + december),
          QByteArray("volume?from=2027-01-01T00:00:00Z&to=2026-12-01T00:00:00Z"),
          QByteArray("escalations?from=yesterday&to=2027-01-01T00:00:00Z"),
          QByteArray("backlog?from=2026-12-01T00:00:00Z"),
          QByteArray("satisfaction?to=2027-01-01T00:00:00Z"),
          QByteArray("flow?workflow=support&from=2026-12-01&to=2027-01-01"),
          QByteArray("outcomes?period=this_year"),
          QByteArray("outcomes?by=colour&" + january),
          QByteArray("tickets?report=steps&" + december),
          QByteArray("tickets?report=steps&group=billing&measure=colour&" + december),
          QByteArray("tickets?report=outcomes&group=billing&measure=colour&" + january),
          QByteArray("tickets?report=backlog&group=billing&date=2026-11-01&" + december),
          QByteArray("tickets?report=pie&group=billing&" + december),
          QByteArray("tickets?report=volume&group=billing&measure=colour&" + december),
          QByteArray("tickets?report=escalations&group=billing&measure=opened&" + december)}) {
        const RawResponse response
            = call("GET", "/api/v1/reports/" + query, {}, QStringLiteral("admin"));
        QVERIFY2(response.status == 400, query.constData());
        QCOMPARE(response.errorCode(), QStringLiteral("bad_request"));
    }
}

void tst_Reports::forgetTheFacts()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QVERIFY(runQuery(*db, QStringLiteral("DELETE FROM step_facts")).ok());
    QVERIFY(runQuery(*db,
                     QStringLiteral("INSERT INTO report_backfills (name, next_ticket, "
                                    "last_ticket) SELECT 'step_facts', 0, MAX(id) FROM "
                                    "tickets"))
                .ok());
}

void tst_Reports::backfillEqualsLiveMaintenance()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto live = StepFactStore::allFacts(*db);
    QVERIFY(live.ok());
    QCOMPARE(live->size(), 10); // December's 4, January's 6
    const QJsonObject liveReport = report("steps?by=department&" + december);
    const QJsonObject liveOutcomes = report("outcomes?by=department&" + january);
    QCOMPARE(row(liveOutcomes, QStringLiteral("ground-ops")).value(u"handoff_limit").toInt(), 1);

    forgetTheFacts();
    QVERIFY(report("steps?by=department&" + december).value(u"rows").toArray().isEmpty());
    const auto lookup = [this](const QString &name, int version) {
        return m_server.engine().workflow(name, version);
    };
    const StepFactDeriver &deriver = *m_server.services().stepFacts();
    const auto derived = backfillStepFacts(*m_db, deriver, lookup, 1); // a ticket a chunk
    if (!derived)
        QFAIL(qPrintable(derived.error()));
    QCOMPARE(derived.value(), 5);
    const auto filled = StepFactStore::allFacts(*db);
    QVERIFY(filled.ok());
    QCOMPARE(*filled, *live);
    QCOMPARE(report("steps?by=department&" + december), liveReport);
    QCOMPARE(report("outcomes?by=department&" + january), liveOutcomes);
    // Done: the record is gone, a second run derives nothing.
    QCOMPARE(backfillStepFacts(*m_db, deriver, lookup).value(), 0);
}

// January, by the department of the step that closed the ticket (README "Reports", outcomes).
void tst_Reports::outcomesCountReopensFirstContactAndBounces()
{
    const QJsonObject r = report("outcomes?by=department&" + january);
    QCOMPARE(r.value(u"rows").toArray().size(), 2);
    const QList<QPair<QString, Expected>> expected {
        // A (reopened, back at the front desk after billing: a bounce; escalated in
        // December) and C (first contact).
        {QStringLiteral("customer-service"),
         {{u"title"_s, u"Customer Service"_s},
          {u"closed"_s, 2},
          {u"reopened"_s, 1},
          {u"reopen_rate"_s, 0.5},
          {u"first_contact"_s, 1},
          {u"first_contact_rate"_s, 0.5},
          {u"handoffs"_s, 0},
          {u"bounced"_s, 1},
          {u"handoff_limit"_s, 0},
          {u"escalated"_s, 1}}},
        // D: three transfers, the last past the limit into ground ops, who closed it.
        {QStringLiteral("ground-ops"),
         {{u"closed"_s, 1},
          {u"reopened"_s, 0},
          {u"reopen_rate"_s, 0},
          {u"first_contact"_s, 0},
          {u"handoffs"_s, 3},
          {u"bounced"_s, 1},
          {u"handoff_limit"_s, 1},
          {u"escalated"_s, 0}}},
    };
    checkGroups(r, expected);
    if (QTest::currentTestFailed())
        return;
    // December: A's first closure, by billing, after an escalation; no first contact.
    const QJsonObject dec = report("outcomes?by=department&" + december);
    QCOMPARE(dec.value(u"rows").toArray().size(), 1);
    const QJsonObject billing = row(dec, QStringLiteral("billing"));
    QCOMPARE(billing.value(u"closed").toInt(), 1);
    QCOMPARE(billing.value(u"reopened").toInt(), 0);
    QCOMPARE(billing.value(u"first_contact").toInt(), 0);
    QCOMPARE(billing.value(u"bounced").toInt(), 0);
    QCOMPARE(billing.value(u"escalated").toInt(), 1);
    QCOMPARE(row(report("outcomes?by=origin&" + january), QStringLiteral("customer-service"))
                 .value(u"closed")
                 .toInt(),
             3);
    // A supervisor of billing: billing closed nothing in January.
    QCOMPARE(report("outcomes?by=department&" + january, QStringLiteral("fiona"))
                 .value(u"rows")
                 .toArray()
                 .size(),
             0);
    QCOMPARE(call("GET", "/api/v1/reports/outcomes?" + january, {}, QStringLiteral("amy")).status,
             403);
}

void tst_Reports::escalationsSayToWhom()
{
    const QJsonObject r = report("escalations?by=department&" + december);
    const QJsonArray rows = r.value(u"rows").toArray();
    QCOMPARE(rows.size(), 2);
    // The support ladder raises the priority and notifies: the work stays where it was.
    QCOMPARE(rows[0].toObject().value(u"key").toString(), QStringLiteral("billing"));
    QCOMPARE(rows[0].toObject().value(u"to").toString(), QString());
    QCOMPARE(rows[0].toObject().value(u"count").toInt(), 1);
    QCOMPARE(rows[1].toObject().value(u"key").toString(), QStringLiteral("customer-service"));
    QCOMPARE(rows[1].toObject().value(u"count").toInt(), 1);
    QCOMPARE(report("escalations?by=department&" + january).value(u"rows").toArray().size(), 0);
}

// B waits in billing from 24 December on; A was there from 24 December 14:10 to 28 December
// 09:30 (Hong Kong); E waits at the front desk from 4 January 09:00.
void tst_Reports::backlogAtTheEndOfEachDayInTheViewersZone()
{
    const auto openOf = [](const QJsonObject &r, const QString &queue) {
        QList<qint64> counts;
        for (const QJsonValue &n : row(r, queue).value(u"open").toArray())
            counts.append(n.toInteger());
        return counts;
    };
    const QJsonObject utc
        = report("backlog?by=queue&from=2026-12-24T00:00:00Z&to=2026-12-29T00:00:00Z");
    QCOMPARE(utc.value(u"days").toArray().size(), 5);
    QCOMPARE(utc.value(u"days").toArray()[0].toObject().value(u"date").toString(),
             QStringLiteral("2026-12-24"));
    QCOMPARE(utc.value(u"days").toArray()[0].toObject().value(u"at").toString(),
             QStringLiteral("2026-12-25T00:00:00Z"));
    QCOMPARE(utc.value(u"rows").toArray().size(), 1); // queues with nothing open are left out
    QCOMPARE(openOf(utc, QStringLiteral("billing")), (QList<qint64> {2, 2, 2, 2, 1}));
    QCOMPARE(row(utc, QStringLiteral("billing")).value(u"title").toString(),
             QStringLiteral("Billing desk"));

    const QJsonObject hk = report("backlog?from=2026-12-24T16:00:00Z&to=2026-12-29T16:00:00Z"
                                  "&tz=Asia/Hong_Kong");
    QCOMPARE(hk.value(u"tz").toString(), QStringLiteral("Asia/Hong_Kong"));
    QCOMPARE(hk.value(u"days").toArray()[0].toObject().value(u"date").toString(),
             QStringLiteral("2026-12-25"));
    QCOMPARE(hk.value(u"days").toArray()[0].toObject().value(u"at").toString(),
             QStringLiteral("2026-12-25T16:00:00Z"));
    QCOMPARE(openOf(hk, QStringLiteral("billing")), (QList<qint64> {2, 2, 2, 1, 1}));

    const QJsonObject today = report("backlog?period=today&tz=Asia/Hong_Kong");
    QCOMPARE(openOf(today, QStringLiteral("front-desk")), (QList<qint64> {1}));
    QCOMPARE(openOf(today, QStringLiteral("billing")), (QList<qint64> {1}));
    // Fiona supervises billing: its queue only.
    const QJsonObject own
        = report("backlog?period=today&tz=Asia/Hong_Kong", QStringLiteral("fiona"));
    QCOMPARE(own.value(u"rows").toArray().size(), 1);
    QCOMPARE(openOf(own, QStringLiteral("billing")), (QList<qint64> {1}));
}

// The clock stands at Monday 4 January 2027, 09:30 Hong Kong (01:30 UTC).
void tst_Reports::periodPresetsInTheViewersZone()
{
    const QList<std::tuple<QByteArray, QString, QString>> presets {
        {"today", u"2027-01-03T16:00:00Z"_s, u"2027-01-04T16:00:00Z"_s},
        {"this_week", u"2027-01-03T16:00:00Z"_s, u"2027-01-10T16:00:00Z"_s},
        {"last_7_days", u"2026-12-28T16:00:00Z"_s, u"2027-01-04T16:00:00Z"_s},
        {"last_30_days", u"2026-12-05T16:00:00Z"_s, u"2027-01-04T16:00:00Z"_s},
        {"this_month", u"2026-12-31T16:00:00Z"_s, u"2027-01-31T16:00:00Z"_s},
    };
    for (const auto &[period, from, to] : presets) {
        const QJsonObject r = report("steps?by=workflow&tz=Asia/Hong_Kong&period=" + period);
        QVERIFY2(r.value(u"from").toString() == from, period.constData());
        QVERIFY2(r.value(u"to").toString() == to, period.constData());
        QCOMPARE(r.value(u"period").toString(), QString::fromUtf8(period));
    }
    const QJsonObject utcMonth = report("steps?by=workflow&period=this_month");
    QCOMPARE(utcMonth.value(u"from").toString(), QStringLiteral("2027-01-01T00:00:00Z"));
    QCOMPARE(utcMonth.value(u"tz").toString(), QStringLiteral("UTC"));
    QCOMPARE(row(utcMonth, QStringLiteral("support")).value(u"steps").toInt(), 6);
    // The last 30 days reach back past A's billing step (28 December): every step.
    QCOMPARE(row(report("steps?by=workflow&tz=Asia/Hong_Kong&period=last_30_days"),
                 QStringLiteral("support"))
                 .value(u"steps")
                 .toInt(),
             10);
    QCOMPARE(row(report("steps?by=workflow&tz=Asia/Hong_Kong&period=last_7_days"),
                 QStringLiteral("support"))
                 .value(u"steps")
                 .toInt(),
             6);
}

void tst_Reports::drillDownListsTheTicketsBehindANumber()
{
    QCOMPARE(
        drillDown("report=steps&by=department&group=customer-service&measure=breached&" + december),
        QList<qint64> {m_ticketA});
    QCOMPARE(drillDown("report=steps&by=department&group=customer-service&" + december),
             (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown("report=steps&by=state&group=support/bill&" + december),
             QList<qint64> {m_ticketA});
    // The steps that had a respond / resolve target (ground ops' had a resolve target only).
    QCOMPARE(drillDown("report=steps&group=customer-service&measure=respond_due&" + december),
             (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown("report=steps&group=ground-ops&measure=resolve_due&" + december),
             QList<qint64> {m_ticketB});
    QCOMPARE(drillDown("report=steps&group=ground-ops&measure=respond_due&" + december),
             QList<qint64> {});
    QCOMPARE(drillDown("report=outcomes&by=department&group=customer-service&measure="
                       "first_contact&"
                       + january),
             QList<qint64> {m_ticketC});
    QCOMPARE(drillDown("report=outcomes&by=department&group=customer-service&measure=reopened&"
                       + january),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown("report=outcomes&by=department&group=ground-ops&measure=handoff_limit&"
                       + january),
             QList<qint64> {m_ticketD});
    const QByteArray days = "from=2026-12-24T00:00:00Z&to=2026-12-29T00:00:00Z";
    QCOMPARE(drillDown("report=backlog&group=billing&date=2026-12-26&" + days),
             (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown("report=backlog&group=billing&date=2026-12-28&" + days),
             QList<qint64> {m_ticketB});
    // Scoped like the report: Fiona (billing) sees no front-desk steps and no front-desk
    // backlog.
    QCOMPARE(drillDown("report=steps&by=department&group=customer-service&" + december,
                       QStringLiteral("fiona")),
             QList<qint64> {});
    QCOMPARE(call("GET",
                  "/api/v1/reports/tickets?report=backlog&group=front-desk&date=2026-12-26&" + days,
                  {}, QStringLiteral("fiona"))
                 .status,
             403);
    QCOMPARE(
        drillDown("report=backlog&group=billing&date=2026-12-26&" + days, QStringLiteral("fiona")),
        (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(call("GET", "/api/v1/reports/tickets?report=steps&group=billing&" + december, {},
                  QStringLiteral("stan"))
                 .status,
             403);
}

// Every number drills down (issue 17): the volume report's `opened` (by the first step's group,
// E still in its first step) and each escalations row (its group and the queue the escalation
// moved the work to; `target=` empty for those that only notified), as many tickets as the
// number says, scoped like the report.
void tst_Reports::openedAndEscalationsDrillDown()
{
    QCOMPARE(
        drillDown("report=volume&by=department&group=customer-service&measure=opened&" + december),
        (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown("report=volume&by=queue&group=front-desk&" + january),
             (QList<qint64> {m_ticketC, m_ticketD, m_ticketE}));
    QCOMPARE(drillDown("report=volume&by=tier&group=A&measure=opened&" + december),
             QList<qint64> {m_ticketB});
    // The volume's other numbers are those of the steps and outcomes reports.
    QCOMPARE(drillDown("report=volume&by=department&group=billing&measure=steps&" + december),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown("report=volume&by=department&group=ground-ops&measure=closed&" + january),
             QList<qint64> {m_ticketD});
    // Each group's drill-down has as many tickets as it says were opened.
    for (const char *by : {"department", "queue", "state", "assignee", "tier", "origin"}) {
        const QByteArray grouping = QByteArray("by=") + by + "&" + january;
        for (const QJsonValue &r : report("volume?" + grouping).value(u"rows").toArray()) {
            const QJsonObject group = r.toObject();
            const QByteArray key = QUrl::toPercentEncoding(group.value(u"key").toString());
            QVERIFY2(drillDown("report=volume&measure=opened&group=" + key + "&" + grouping).size()
                         == group.value(u"opened").toInt(),
                     QByteArray(grouping + " " + key).constData());
        }
    }
    // Fiona (billing) sees no openings of the front desk.
    QCOMPARE(drillDown("report=volume&by=department&group=customer-service&" + january,
                       QStringLiteral("fiona")),
             QList<qint64> {});

    // Escalations: A's front-desk and billing steps, both escalated by notifying.
    QCOMPARE(drillDown("report=escalations&by=department&group=billing&target=&" + december),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown("report=escalations&by=department&group=customer-service&" + december),
             QList<qint64> {m_ticketA});
    QCOMPARE(
        drillDown("report=escalations&by=department&group=billing&target=ground-ops&" + december),
        QList<qint64> {});
    QCOMPARE(drillDown("report=escalations&by=department&group=billing&" + january),
             QList<qint64> {});
    for (const QJsonValue &r :
         report("escalations?by=state&" + december).value(u"rows").toArray()) {
        const QJsonObject group = r.toObject();
        QCOMPARE(
            drillDown("report=escalations&by=state&group=" + group.value(u"key").toString().toUtf8()
                      + "&target=" + group.value(u"to").toString().toUtf8() + "&" + december)
                .size(),
            group.value(u"count").toInt());
    }
    QCOMPARE(drillDown("report=escalations&by=department&group=customer-service&" + december,
                       QStringLiteral("fiona")),
             QList<qint64> {});
    // Agents and staff are refused before any drill-down: supervisorsSeeTheirDepartmentsOnly.
}

// The drill-down's list is a table too (issue 17: every table downloads as CSV): the same
// tickets, columns and order as the JSON, with a byte order mark; states by their titles.
void tst_Reports::drillDownDownloadsAsCsv()
{
    const QByteArray query
        = "tickets?report=steps&by=department&group=customer-service&" + december;
    const QJsonArray tickets = report(query).value(u"tickets").toArray();
    QCOMPARE(tickets.size(), 2);
    QList<QByteArray> header;
    QList<QList<QByteArray>> lines;
    csvOf(query, tickets, &header, &lines);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(
        header,
        (QList<QByteArray> {"id", "key", "title", "workflow", "state", "state_title", "status"}));
    for (qsizetype i = 0; i < tickets.size(); ++i) {
        const QJsonObject t = tickets[i].toObject();
        QList<QByteArray> cells {QByteArray::number(t.value(u"id").toInteger())};
        for (const char *name : {"key", "title", "workflow", "state", "state_title", "status"})
            cells.append(t.value(QLatin1String(name)).toString().toUtf8());
        QCOMPARE(lines[i], cells);
    }
    // The state by its title, in the caller's language (E waits at the front desk).
    const QJsonArray opened = report("tickets?report=volume&group=customer-service&" + january)
                                  .value(u"tickets")
                                  .toArray();
    QCOMPARE(opened.size(), 3);
    const QJsonObject e = opened.last().toObject();
    QCOMPARE(e.value(u"id").toInteger(), m_ticketE);
    QCOMPARE(e.value(u"state").toString(), u"front"_s);
    QCOMPARE(e.value(u"state_title").toString(), u"Front desk"_s);
    QCOMPARE(call("GET", "/api/v1/reports/" + query + "&format=xls", {}, u"admin"_s).status, 400);
    QCOMPARE(call("GET", "/api/v1/reports/" + query + "&format=csv", {}, u"stan"_s).status, 403);
}

// Every number of the heat map drills down (issue 17): a state's entered, left and breached
// steps and each transition's count, to as many tickets as the number says (one step per ticket
// here), scoped like the report; the transitions carry their titles in the caller's language.
void tst_Reports::flowEnteredAndTransitionsDrillDown()
{
    const QByteArray flow = "report=flow&workflow=support&" + december;
    QCOMPARE(drillDown(flow + "&group=bill&measure=entered"),
             (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown(flow + "&group=closed&measure=entered"), QList<qint64> {m_ticketA});
    QCOMPARE(drillDown(flow + "&group=front&measure=left"), (QList<qint64> {m_ticketA, m_ticketB}));
    QCOMPARE(drillDown(flow + "&group=front&measure=breached"), QList<qint64> {m_ticketA});
    QCOMPARE(drillDown(flow + "&group=front&measure=transition&next=ops&action=to_ops"),
             QList<qint64> {m_ticketB});
    QCOMPARE(drillDown(flow + "&group=front&measure=transition&next=bill&action=to_billing"),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown(flow + "&group=ops&measure=transition&next=bill&action=to_billing"),
             QList<qint64> {m_ticketB});
    // Without an action: every action between the two states (the heat map's arrow).
    QCOMPARE(drillDown(flow + "&group=bill&measure=transition&next=closed"),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown(flow + "&group=front&measure=transition&next=closed"), QList<qint64> {});
    // Scoped: fiona (billing) sees the steps that left billing only.
    QCOMPARE(drillDown(flow + "&group=closed&measure=entered", u"fiona"_s),
             QList<qint64> {m_ticketA});
    QCOMPARE(drillDown(flow + "&group=bill&measure=entered", u"fiona"_s), QList<qint64> {});
    QCOMPARE(call("GET", "/api/v1/reports/tickets?" + flow + "&group=front&measure=sideways", {},
                  u"admin"_s)
                 .status,
             400);
    QCOMPARE(call("GET", "/api/v1/reports/tickets?" + flow + "&group=front&measure=transition", {},
                  u"admin"_s)
                 .status,
             400);
    QCOMPARE(call("GET",
                  "/api/v1/reports/tickets?report=flow&group=front&measure=entered&" + december, {},
                  u"admin"_s)
                 .status,
             400);
    // The numbers the heat map shows are the drill-downs' sizes.
    const QJsonObject report = this->report("flow?workflow=support&" + december);
    for (const QJsonValue &value : report.value(u"states").toArray()) {
        const QJsonObject s = value.toObject();
        const QByteArray state = s.value(u"state").toString().toUtf8();
        QCOMPARE(drillDown(flow + "&group=" + state + "&measure=entered").size(),
                 s.value(u"entered").toInt());
        QCOMPARE(drillDown(flow + "&group=" + state + "&measure=left").size(),
                 s.value(u"left").toInt());
    }
    for (const QJsonValue &value : report.value(u"transitions").toArray()) {
        const QJsonObject t = value.toObject();
        QCOMPARE(drillDown(flow + "&group=" + t.value(u"from").toString().toUtf8()
                           + "&measure=transition&next=" + t.value(u"to").toString().toUtf8()
                           + "&action=" + t.value(u"action").toString().toUtf8())
                     .size(),
                 t.value(u"count").toInt());
        if (t.value(u"from").toString() == u"front") {
            QCOMPARE(t.value(u"from_title").toString(), u"Front desk"_s);
            // Untitled states and actions read as their names.
            QCOMPARE(t.value(u"action_title").toString(), t.value(u"action").toString());
        }
    }
}

// "Has it improved?" (issue 17): compare=previous adds the period of the same length just
// before, grouped the same way, to the JSON (`previous`) and to the CSV (`previous_` columns).
void tst_Reports::stepsCompareWithThePreviousPeriod()
{
    // January's previous period is December (31 days each).
    const QJsonObject now = report("steps?by=department&compare=previous&" + january);
    const QJsonObject previous = now.value(u"previous").toObject();
    QCOMPARE(previous.value(u"from").toString(), u"2026-12-01T00:00:00Z"_s);
    QCOMPARE(previous.value(u"to").toString(), u"2027-01-01T00:00:00Z"_s);
    const QJsonObject december_ = report("steps?by=department&" + december);
    QCOMPARE(previous.value(u"rows").toArray(), december_.value(u"rows").toArray());
    QCOMPARE(now.value(u"rows").toArray(),
             report("steps?by=department&" + january).value(u"rows").toArray());
    // A preset compares with the same length before it.
    setClock("2027-01-20T04:00:00Z");
    const QJsonObject preset
        = report("steps?period=last_7_days&tz=Asia/Hong_Kong&compare=previous");
    QCOMPARE(preset.value(u"previous").toObject().value(u"to").toString(),
             preset.value(u"from").toString());
    QCOMPARE(preset.value(u"previous").toObject().value(u"from").toString(),
             u"2027-01-06T16:00:00Z"_s);
    // Without compare: no previous period.
    QVERIFY(!report("steps?" + january).contains(u"previous"));
    QCOMPARE(call("GET", "/api/v1/reports/steps?compare=next&" + january, {}, u"admin"_s).status,
             400);

    // The CSV: the current columns, then previous_ ones; a group found only in the previous
    // period has empty current cells.
    const RawResponse csv
        = call("GET", "/api/v1/reports/steps?by=department&compare=previous&format=csv&" + january,
               {}, u"admin"_s);
    QCOMPARE(csv.status, 200);
    const QList<QByteArray> lines = csv.body.mid(3).split('\n');
    const QList<QByteArray> header = lines.first().trimmed().split(',');
    QCOMPARE(header.mid(0, 3), (QList<QByteArray> {"key", "title", "steps"}));
    QVERIFY2(header.contains("previous_steps") && header.contains("previous_breached")
                 && header.contains("previous_median_business_seconds"),
             lines.first().constData());
    const qsizetype steps = header.indexOf("steps"),
                    previousSteps = header.indexOf("previous_steps");
    const qsizetype breached = header.indexOf("previous_breached");
    bool sawCustomerService = false;
    for (const QByteArray &line : lines.mid(1)) {
        const QList<QByteArray> cells = line.trimmed().split(',');
        if (cells.size() < 2 || cells[0] != "customer-service")
            continue;
        sawCustomerService = true;
        const QJsonObject was = row(december_, u"customer-service"_s);
        const QJsonObject is = row(now, u"customer-service"_s);
        QCOMPARE(cells[steps].toLongLong(), is.value(u"steps").toInteger());
        QCOMPARE(cells[previousSteps].toLongLong(), was.value(u"steps").toInteger());
        QCOMPARE(cells[breached].toLongLong(), was.value(u"breached").toInteger());
    }
    QVERIFY(sawCustomerService);
}

void tst_Reports::newReportsCsvEqualsJson()
{
    for (const QByteArray &query :
         {QByteArray("outcomes?by=department&" + january),
          QByteArray("escalations?by=department&" + december),
          QByteArray("backlog?from=2026-12-24T00:00:00Z&to=2026-12-29T00:00:00Z")}) {
        const QJsonArray rows = report(query).value(u"rows").toArray();
        QVERIFY(!rows.isEmpty());
        QList<QByteArray> header;
        QList<QList<QByteArray>> lines;
        csvOf(query, rows, &header, &lines);
        if (QTest::currentTestFailed())
            return;
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QList<QByteArray> &cells = lines[i];
            const QJsonObject object = rows[i].toObject();
            const QJsonArray open = object.value(u"open").toArray();
            for (qsizetype c = 0; c < header.size(); ++c) {
                // The backlog's columns after key and title are its days.
                const QJsonValue value = object.contains(QString::fromUtf8(header[c]))
                    ? object.value(QString::fromUtf8(header[c]))
                    : open.at(c - 2);
                const QString expected
                    = value.isString() ? value.toString() : QString::number(value.toDouble());
                QVERIFY2(QString::fromUtf8(cells[c]) == expected,
                         qPrintable(QString::fromUtf8(query + " " + header[c])));
            }
        }
    }
}

// The follow-up ticket that closing `source` opened (its `opened` link).
qint64 tst_Reports::followUpOf(qint64 source)
{
    const RawResponse ticket
        = call("GET", "/api/v1/tickets/" + QByteArray::number(source), {}, QStringLiteral("amy"));
    for (const QJsonValue &link : ticket.json().value(u"links").toArray())
        if (link.toObject().value(u"relation").toString() == u"opened")
            return link.toObject().value(u"id").toInteger();
    return 0;
}

void tst_Reports::rate(qint64 followUp, const QByteArray &action, const QByteArray &rating)
{
    const RawResponse done
        = call("POST", "/api/v1/tickets/" + QByteArray::number(followUp) + "/actions/" + action,
               R"({"fields":{"rating":")" + rating + R"("}})", QStringLiteral("amy"));
    QVERIFY2(done.status == 200, done.body.constData());
}

// February 2027, on top of the scenario: F1 worked by amy (front desk) and bill (billing),
// followed up "poor", not solved; F2 solved by amy at the front desk, followed up "good",
// solved; F3 transferred unclaimed from the front desk to billing, where bill closes it,
// followed up "fair" in March. The follow-up's options [good, fair, poor] score 3, 2, 1.
void tst_Reports::workFollowUps()
{
    setClock("2027-02-01T01:00:00Z");
    const qint64 f1 = open(QStringLiteral("A")), f2 = open(QStringLiteral("B")),
                 f3 = open(QStringLiteral("C"));
    QVERIFY(f1 && f2 && f3);
    act(f2, QStringLiteral("amy"), "claim");
    act(f2, QStringLiteral("amy"), "solve_follow_up");
    act(f1, QStringLiteral("amy"), "claim");
    act(f1, QStringLiteral("amy"), "to_billing");
    transfer(f3, QStringLiteral("amy"), "billing");
    setClock("2027-02-01T01:30:00Z");
    act(f1, QStringLiteral("bill"), "claim");
    act(f1, QStringLiteral("bill"), "done_follow_up");
    // The transfer moved F3's work, not its state: billing closes it from `front`.
    act(f3, QStringLiteral("bill"), "claim");
    act(f3, QStringLiteral("bill"), "solve_follow_up");
    m_followUp1 = followUpOf(f1);
    m_followUp2 = followUpOf(f2);
    m_followUp3 = followUpOf(f3);
    QVERIFY(m_followUp1 && m_followUp2 && m_followUp3);
    setClock("2027-02-01T02:00:00Z");
    rate(m_followUp1, "not_solved", "poor");
    rate(m_followUp2, "solved", "good");
    setClock("2027-03-01T02:00:00Z");
    rate(m_followUp3, "solved", "fair");
}

const QByteArray february = "from=2027-02-01T00:00:00Z&to=2027-03-01T00:00:00Z";

void tst_Reports::satisfactionAttributedToWhoWorkedTheTicket()
{
    workFollowUps();
    const QJsonObject byDepartment = report("satisfaction?by=department&" + february);
    QCOMPARE(byDepartment.value(u"rows").toArray().size(), 2);
    const QJsonObject cs = row(byDepartment, QStringLiteral("customer-service"));
    QCOMPARE(cs.value(u"title").toString(), QStringLiteral("Customer Service"));
    QCOMPARE(cs.value(u"ratings").toInt(), 2);
    QCOMPARE(cs.value(u"average").toDouble(), 2.0);
    QCOMPARE(cs.value(u"not_solved").toInt(), 1);
    QCOMPARE(cs.value(u"counts").toObject(), (QJsonObject {{u"good"_s, 1}, {u"poor"_s, 1}}));
    const QJsonObject billing = row(byDepartment, QStringLiteral("billing"));
    QCOMPARE(billing.value(u"ratings").toInt(), 1);
    QCOMPARE(billing.value(u"average").toDouble(), 1.0);
    QCOMPARE(billing.value(u"not_solved").toInt(), 1);
    const QJsonArray notSolved = byDepartment.value(u"not_solved").toArray();
    QCOMPARE(notSolved.size(), 1);
    const QJsonObject answer = notSolved.first().toObject();
    QCOMPARE(answer.value(u"id").toInteger(), m_followUp1);
    QCOMPARE(answer.value(u"rating").toString(), QStringLiteral("poor"));
    QCOMPARE(answer.value(u"at").toString(), QStringLiteral("2027-02-01T02:00:00Z"));
    QCOMPARE(answer.value(u"groups").toArray(), (QJsonArray {u"billing"_s, u"customer-service"_s}));

    // People: who held the followed-up tickets' steps.
    const QJsonObject byAssignee = report("satisfaction?by=assignee&" + february);
    QCOMPARE(byAssignee.value(u"rows").toArray().size(), 2);
    QCOMPARE(row(byAssignee, QStringLiteral("amy")).value(u"ratings").toInt(), 2);
    QCOMPARE(row(byAssignee, QStringLiteral("bill")).value(u"average").toDouble(), 1.0);
    QCOMPARE(row(report("satisfaction?by=workflow&" + february), QStringLiteral("support"))
                 .value(u"ratings")
                 .toInt(),
             2);

    // March: F3's rating; its front-desk step was nobody's, so only bill counts it.
    const QByteArray march = "from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z";
    const QJsonObject marchPeople = report("satisfaction?by=assignee&" + march);
    QCOMPARE(marchPeople.value(u"rows").toArray().size(), 1);
    QCOMPARE(row(marchPeople, QStringLiteral("bill")).value(u"average").toDouble(), 2.0);
    QCOMPARE(report("satisfaction?by=department&" + march).value(u"rows").toArray().size(), 2);
    QVERIFY(report("satisfaction?by=department&" + march).value(u"not_solved").toArray().isEmpty());
    // Nothing rated in December.
    QVERIFY(report("satisfaction?" + december).value(u"rows").toArray().isEmpty());
}

void tst_Reports::satisfactionScopeCsvAndDrillDown()
{
    workFollowUps();
    // fiona supervises billing: only billing's row, and the answers billing worked on.
    const QJsonObject fionas = report("satisfaction?by=department&" + february, u"fiona"_s);
    QCOMPARE(fionas.value(u"rows").toArray().size(), 1);
    QCOMPARE(row(fionas, QStringLiteral("billing")).value(u"ratings").toInt(), 1);
    QCOMPARE(fionas.value(u"not_solved").toArray().size(), 1);
    QCOMPARE(call("GET", "/api/v1/reports/satisfaction?" + february, {}, u"amy"_s).status, 403);
    QCOMPARE(call("GET", "/api/v1/reports/satisfaction?" + february, {}, u"stan"_s).status, 403);
    QCOMPARE(call("GET", "/api/v1/reports/satisfaction?department=customer-service&" + february, {},
                  u"fiona"_s)
                 .status,
             403);
    QCOMPARE(
        call("GET", "/api/v1/reports/satisfaction?by=colour&" + february, {}, u"admin"_s).status,
        400);

    const RawResponse csv = call(
        "GET", "/api/v1/reports/satisfaction?by=department&format=csv&" + february, {}, u"admin"_s);
    QCOMPARE(csv.status, 200);
    QCOMPARE(csv.body,
             QByteArray("\xEF\xBB\xBFkey,title,ratings,average,not_solved\r\n"
                        "billing,Billing,1,1,1\r\n"
                        "customer-service,Customer Service,2,2,1\r\n"));

    QCOMPARE(
        drillDown("report=satisfaction&by=department&group=customer-service&" + february),
        (QList<qint64> {std::min(m_followUp1, m_followUp2), std::max(m_followUp1, m_followUp2)}));
    QCOMPARE(drillDown("report=satisfaction&by=department&group=customer-service&measure="
                       "not_solved&"
                       + february),
             QList<qint64> {m_followUp1});
    QCOMPARE(drillDown("report=satisfaction&by=assignee&group=bill&" + february, u"fiona"_s),
             QList<qint64> {m_followUp1});
    QCOMPARE(
        call("GET",
             "/api/v1/reports/tickets?report=satisfaction&group=billing&measure=steps&" + february,
             {}, u"admin"_s)
            .status,
        400);
}

// The satisfaction report's "not solved" list as CSV (table=not_solved): the same answers,
// fields and order as the JSON's not_solved, scoped alike; an unknown table is a 400.
void tst_Reports::notSolvedListDownloadsAsCsv()
{
    workFollowUps();
    const QJsonArray answers
        = report("satisfaction?by=department&" + february).value(u"not_solved").toArray();
    QCOMPARE(answers.size(), 1);
    const QJsonObject answer = answers.first().toObject();
    QList<QByteArray> header;
    QList<QList<QByteArray>> lines;
    csvOf("satisfaction?by=department&table=not_solved&" + february, answers, &header, &lines);
    QCOMPARE(header,
             (QList<QByteArray> {"id", "key", "source", "source_key", "rating", "at", "groups"}));
    QCOMPARE(lines.first(),
             (QList<QByteArray> {QByteArray::number(m_followUp1),
                                 answer.value(u"key").toString().toUtf8(),
                                 QByteArray::number(answer.value(u"source").toInteger()),
                                 answer.value(u"source_key").toString().toUtf8(), "poor",
                                 "2027-02-01T02:00:00Z", "billing customer-service"}));
    const RawResponse fionas
        = call("GET", "/api/v1/reports/satisfaction?table=not_solved&format=csv&" + february, {},
               u"fiona"_s);
    QCOMPARE(fionas.status, 200);
    QCOMPARE(fionas.body.count("\r\n"), 2); // the header and billing's answer
    QCOMPARE(call("GET", "/api/v1/reports/satisfaction?table=answers&format=csv&" + february, {},
                  u"admin"_s)
                 .status,
             400);
    QCOMPARE(call("GET", "/api/v1/reports/satisfaction?table=not_solved&format=csv&" + february, {},
                  u"amy"_s)
                 .status,
             403);
}

// Volume (README "Reports"): tickets opened in the period by their first step's group (E, still
// at the front desk, by its current step and amy's department), steps finished and closures as
// the steps and outcomes reports count them; CSV equals JSON; supervisors see their departments.
void tst_Reports::volumeCountsOpenedFinishedAndClosed()
{
    const QJsonObject dec = report("volume?by=department&" + december);
    QCOMPARE(dec.value(u"rows").toArray().size(), 3);
    checkGroups(
        dec,
        {{QStringLiteral("customer-service"),
          {{u"title"_s, u"Customer Service"_s},
           {u"opened"_s, 2},
           {u"steps"_s, 2},
           {u"closed"_s, 0}}},
         {QStringLiteral("ground-ops"), {{u"opened"_s, 0}, {u"steps"_s, 1}, {u"closed"_s, 0}}},
         {QStringLiteral("billing"), {{u"opened"_s, 0}, {u"steps"_s, 1}, {u"closed"_s, 1}}}});
    const QJsonObject jan = report("volume?by=department&" + january);
    checkGroups(jan,
                {{QStringLiteral("customer-service"), {{u"opened"_s, 3}, {u"closed"_s, 2}}},
                 {QStringLiteral("ground-ops"), {{u"opened"_s, 0}, {u"closed"_s, 1}}}});
    const QJsonObject steps = report("steps?by=department&" + january);
    QCOMPARE(jan.value(u"rows").toArray().size(), steps.value(u"rows").toArray().size());
    for (const QJsonValue &r : steps.value(u"rows").toArray())
        QCOMPARE(row(jan, r.toObject().value(u"key").toString()).value(u"steps"),
                 r.toObject().value(u"steps"));
    for (const auto &[by, key] :
         {std::pair("workflow", "support"), std::pair("queue", "front-desk"),
          std::pair("origin", "customer-service"), std::pair("tier", "C"),
          std::pair("state", "support/front")}) {
        const QJsonObject grouped = report("volume?by=" + QByteArray(by) + "&" + january);
        QVERIFY2(row(grouped, QString::fromLatin1(key)).value(u"opened").toInt() == 3,
                 QJsonDocument(grouped).toJson().constData());
    }
    QList<QByteArray> header;
    QList<QList<QByteArray>> lines;
    csvOf("volume?by=department&" + december, dec.value(u"rows").toArray(), &header, &lines);
    QCOMPARE(header, (QList<QByteArray> {"key", "title", "opened", "steps", "closed"}));
    const QJsonArray rows = dec.value(u"rows").toArray();
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QJsonObject r = rows[i].toObject();
        QCOMPARE(lines[i],
                 (QList<QByteArray> {r.value(u"key").toString().toUtf8(),
                                     r.value(u"title").toString().toUtf8(),
                                     QByteArray::number(r.value(u"opened").toInt()),
                                     QByteArray::number(r.value(u"steps").toInt()),
                                     QByteArray::number(r.value(u"closed").toInt())}));
    }
    const QJsonObject fionas = report("volume?by=department&" + january, u"fiona"_s);
    QVERIFY(row(fionas, QStringLiteral("customer-service")).isEmpty());
    QVERIFY(!row(fionas, QStringLiteral("billing")).isEmpty());
    QCOMPARE(row(fionas, QStringLiteral("billing")).value(u"opened").toInt(), 0);
    QCOMPARE(call("GET", "/api/v1/reports/volume?" + january, {}, u"amy"_s).status, 403);
    QCOMPARE(call("GET", "/api/v1/reports/volume?by=colour&" + january, {}, u"admin"_s).status,
             400);
}

// A database upgraded from before the facts (migrations 11, 17): while the back-fill has
// tickets left, every report says how far it is; `baton serve` derives them in the background
// after it started serving, and ends with what live maintenance wrote.
void tst_Reports::backfillRunsInTheBackgroundAndReportsSaySo()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto live = StepFactStore::allFacts(*db);
    QVERIFY(live.ok());
    const QJsonObject liveReport = report("steps?by=department&" + december);
    QVERIFY(!liveReport.contains(u"backfill"));
    forgetTheFacts();
    if (QTest::currentTestFailed())
        return;
    const QJsonObject during = report("volume?" + december);
    QCOMPARE(during.value(u"backfill").toObject(),
             (QJsonObject {{u"next_ticket"_s, 0}, {u"last_ticket"_s, m_ticketE}}));

    m_server.stop();
    startServer();
    m_client.setPort(m_server.port());
    QTRY_VERIFY_WITH_TIMEOUT(!report("steps?" + december).contains(u"backfill"), 60000);
    const auto filled = StepFactStore::allFacts(*db);
    QVERIFY(filled.ok());
    QCOMPARE(*filled, *live);
    QCOMPARE(report("steps?by=department&" + december), liveReport);
}

// The back-fill derives a chunk holding no lock, and writes it in a short transaction: here
// E is transferred (through the API, on another thread) while the chunk's first workflow is
// looked up, and goes through at once; E's facts, derived again under the lock since its
// version moved, equal what a back-fill finds afterwards.
void tst_Reports::backfillLetsTheEngineWriteWhileItDerives()
{
    forgetTheFacts();
    const QByteArray transfer = "/api/v1/tickets/" + QByteArray::number(m_ticketE) + "/transfer";
    QCOMPARE(call("GET", "/api/v1/me", {}, QStringLiteral("amy")).status, 200); // signed in
    std::future<int> transferred;
    bool duringTheChunk = false;
    const auto lookup = [&](const QString &name, int version) {
        if (!transferred.valid()) {
            transferred = std::async(std::launch::async, [&] {
                return call("POST", transfer, R"({"queue":"billing","reason":"not ours"})",
                            QStringLiteral("amy"))
                    .status;
            });
            // Far longer than a write takes on a loaded machine; a write waiting for the
            // back-fill's lock would wait until the chunk is written.
            duringTheChunk
                = transferred.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
        }
        return m_server.engine().workflow(name, version);
    };
    const StepFactDeriver &deriver = *m_server.services().stepFacts();
    const auto derived = backfillStepFacts(*m_db, deriver, lookup, 100);
    QVERIFY2(derived, derived ? "" : qPrintable(derived.error()));
    QVERIFY(transferred.valid());
    QVERIFY2(duringTheChunk, "the transfer waited for the back-fill");
    QCOMPARE(transferred.get(), 200);
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto filled = StepFactStore::allFacts(*db);
    QVERIFY(filled.ok());
    // E's step at the front desk, which the transfer ended, is among them.
    QVERIFY(std::any_of(filled->cbegin(), filled->cend(), [this](const StepFactRow &fact) {
        return fact.ticketId == m_ticketE && fact.queue == u"front-desk";
    }));

    forgetTheFacts();
    const auto quietly = [this](const QString &name, int version) {
        return m_server.engine().workflow(name, version);
    };
    QCOMPARE(backfillStepFacts(*m_db, deriver, quietly, 100).value(), derived.value());
    const auto again = StepFactStore::allFacts(*db);
    QVERIFY(again.ok());
    QCOMPARE(*filled, *again);
}

void tst_Reports::addressFiona(const char *language, const char *preferences)
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QVERIFY(runQuery(*db,
                     QStringLiteral("UPDATE users SET email = 'fiona@example.com', language = ?, "
                                    "preferences = ? WHERE username = 'fiona'"),
                     {QString::fromLatin1(language), QString::fromLatin1(preferences)})
                .ok());
}

QMap<QString, QPair<QString, QString>> tst_Reports::queuedSummaries()
{
    QMap<QString, QPair<QString, QString>> out;
    auto db = m_db->connection();
    if (!db)
        return out;
    auto rows = runQuery(*db,
                         QStringLiteral("SELECT delivery_id, channel, payload FROM outbox "
                                        "WHERE kind = 'weekly_summary'"));
    if (!rows)
        return out;
    while (rows->next()) {
        const QJsonObject notice = QJsonDocument::fromJson(rows->value(2).toString().toUtf8())
                                       .object()
                                       .value(u"notification")
                                       .toObject();
        out.insert(rows->value(0).toString(),
                   {notice.value(u"subject").toString(), notice.value(u"message").toString()});
    }
    return out;
}

// The weekly summary (README "Reports"), composed and queued on both drivers: one outbox row
// for fiona (a supervisor with an address; the other users have none), in her language, with
// the week's three sections as her reports show them; asked again, nothing more — and nothing
// composed: whether a summary is due is decided before it is composed. It crashed the server
// before (a QStringBuilder that outlived its operands while composing).
void tst_Reports::weeklySummaryQueuedOncePerSupervisorWithAnAddress()
{
    addressFiona("zh");
    // Monday 28 December, 14:00 in Hong Kong (billing's calendar): the last whole week is 21 to
    // 27 December there.
    const QDateTime monday(QDate(2026, 12, 28), QTime(6, 0), Qt::UTC);
    Engine &engine = m_server.services().engine();
    const auto added = Api::queueWeeklySummaries(engine, *m_db, u"mail"_s, monday);
    if (!added)
        QFAIL(qPrintable(added.error()));
    QCOMPARE(added->queued, 1);
    QCOMPARE(added->composed, 1);
    const auto summaries = queuedSummaries();
    QCOMPARE(summaries.keys(), QStringList {u"weekly.2026-12-21.mail.fiona"_s});
    const auto &[subject, text] = summaries.first();
    QCOMPARE(subject, u"每周摘要：2026-12-21 至 2026-12-27"_s);
    for (const QString &section : {u"超时最多的环节："_s, u"满意度："_s, u"周末积压："_s})
        QVERIFY2(text.contains(section), qPrintable(text));
    QVERIFY2(text.contains(u"billing"_s), qPrintable(text));
    QVERIFY2(!text.contains(u"customer-service"_s), qPrintable(text));
    // Asked again, and an hour later (the server's round): queued, so not composed again.
    for (const QDateTime &at : {monday, monday.addSecs(3600)}) {
        const auto again = Api::queueWeeklySummaries(engine, *m_db, u"mail"_s, at);
        QVERIFY(again.ok());
        QCOMPARE(again->queued, 0);
        QCOMPARE(again->composed, 0);
    }
}

// A supervisor's week is their own: Monday to Sunday in the zone of their quiet hours (the zone
// they gave), else of their department's calendar — not UTC. Fiona supervises billing (the
// hk-office calendar, Hong Kong).
void tst_Reports::weeklySummaryCoversTheSupervisorsOwnWeek()
{
    addressFiona("en");
    Engine &engine = m_server.services().engine();
    // Monday 4 January 2027, 01:00 in Hong Kong, still Sunday 3 January in UTC: her week is 28
    // December to 3 January, which holds A's breached billing step (ended 28 December, 09:30
    // Hong Kong); at its end only B waits at the billing desk (A was there too at the end of
    // the UTC week).
    const auto hk = Api::queueWeeklySummaries(engine, *m_db, u"mail"_s,
                                              QDateTime(QDate(2027, 1, 3), QTime(17, 0), Qt::UTC));
    if (!hk)
        QFAIL(qPrintable(hk.error()));
    QCOMPARE(hk->queued, 1);
    auto summaries = queuedSummaries();
    QCOMPARE(summaries.keys(), QStringList {u"weekly.2026-12-28.mail.fiona"_s});
    const auto &[subject, text] = summaries.first();
    QCOMPARE(subject, u"Weekly summary: 2026-12-28 to 2027-01-03"_s);
    QVERIFY2(text.startsWith(u"2026-12-28 to 2027-01-03 (Asia/Hong_Kong)"_s), qPrintable(text));
    QVERIFY2(text.contains(u"(support/bill): 1 of 1 steps breached"_s), qPrintable(text));
    QVERIFY2(text.contains(u"Billing desk: 1 open"_s), qPrintable(text));

    // Her quiet hours say New York: at 22:00 on Sunday 3 January there (Monday in Hong Kong and
    // in UTC) her last whole week is still 21 to 27 December.
    addressFiona(
        "en", R"({"quiet_hours":{"from":"22:00","until":"07:00","timezone":"America/New_York"}})");
    const auto ny = Api::queueWeeklySummaries(engine, *m_db, u"mail"_s,
                                              QDateTime(QDate(2027, 1, 4), QTime(3, 0), Qt::UTC));
    QVERIFY(ny.ok());
    QCOMPARE(ny->queued, 1);
    summaries = queuedSummaries();
    QVERIFY2(summaries.contains(u"weekly.2026-12-21.mail.fiona"_s),
             qPrintable(summaries.keys().join(u' ')));
    QVERIFY(summaries.value(u"weekly.2026-12-21.mail.fiona"_s)
                .second.startsWith(u"2026-12-21 to 2026-12-27 (America/New_York)"_s));
}

// A supervisor's own time zone (users.time_zone) decides her week before her quiet hours' and
// her department's calendar's: at 12:00 UTC on Sunday 3 January 2027 it is already Monday 01:00
// in Auckland (her last whole week: 28 December to 3 January), still Sunday in New York (her
// quiet hours) and in Hong Kong (her calendar), whose last whole week is 21 to 27 December.
void tst_Reports::weeklySummaryIsInTheSupervisorsOwnTimeZone()
{
    addressFiona(
        "en", R"({"quiet_hours":{"from":"22:00","until":"07:00","timezone":"America/New_York"}})");
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QVERIFY(runQuery(*db,
                     u"UPDATE users SET time_zone = 'Pacific/Auckland' WHERE username = "
                     u"'fiona'"_s)
                .ok());
    const auto queued
        = Api::queueWeeklySummaries(m_server.services().engine(), *m_db, u"mail"_s,
                                    QDateTime(QDate(2027, 1, 3), QTime(12, 0), Qt::UTC));
    if (!queued)
        QFAIL(qPrintable(queued.error()));
    QCOMPARE(queued->queued, 1);
    const auto summaries = queuedSummaries();
    QCOMPARE(summaries.keys(), QStringList {u"weekly.2026-12-28.mail.fiona"_s});
    const QString text = summaries.first().second;
    QVERIFY2(text.startsWith(u"2026-12-28 to 2027-01-03 (Pacific/Auckland)"_s), qPrintable(text));
}

// "Waiting time in paused states apart" (README "Reports", paused_seconds): F waits for the
// customer in `waiting` (sla: pause) from 09:10 to 11:40 Hong Kong on Monday 1 February 2027,
// then goes back to the front desk. The waiting step is counted, left out of the times, and its
// 2.5 h are the group's paused_seconds, in the JSON, the CSV and the back-filled facts alike.
void tst_Reports::waitingTimeInPausedStatesApart()
{
    setClock("2027-02-01T01:00:00Z");
    const qint64 f = open(QStringLiteral("C"));
    QVERIFY(f);
    setClock("2027-02-01T01:10:00Z");
    act(f, QStringLiteral("amy"), "claim");
    act(f, QStringLiteral("amy"), "wait");
    setClock("2027-02-01T03:40:00Z");
    act(f, QStringLiteral("amy"), "resume");
    const QByteArray query = "steps?by=state&from=2027-02-01T00:00:00Z&to=2027-03-01T00:00:00Z";
    const QJsonObject r = report(query);
    checkGroups(r,
                {{u"support/waiting"_s,
                  {{u"steps"_s, 1},
                   {u"paused_steps"_s, 1},
                   {u"paused_seconds"_s, 9000},
                   {u"median_seconds"_s, QJsonValue()}}},
                 {u"support/front"_s,
                  {{u"steps"_s, 1},
                   {u"paused_steps"_s, 0},
                   {u"paused_seconds"_s, 0},
                   {u"median_seconds"_s, 600}}}});
    if (QTest::currentTestFailed())
        return;
    QList<QByteArray> header;
    QList<QList<QByteArray>> lines;
    csvOf(query, r.value(u"rows").toArray(), &header, &lines);
    if (QTest::currentTestFailed())
        return;
    const qsizetype column = header.indexOf("paused_seconds");
    QVERIFY(column >= 0);
    QSet<QByteArray> cells;
    for (const QList<QByteArray> &line : std::as_const(lines))
        cells.insert(line[column]);
    QCOMPARE(cells, (QSet<QByteArray> {"9000", "0"}));

    // The back-fill derives the same: facts and report.
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto live = StepFactStore::allFacts(*db);
    QVERIFY(live.ok());
    forgetTheFacts();
    const auto lookup = [this](const QString &name, int version) {
        return m_server.engine().workflow(name, version);
    };
    QVERIFY(backfillStepFacts(*m_db, *m_server.services().stepFacts(), lookup).ok());
    const auto filled = StepFactStore::allFacts(*db);
    QVERIFY(filled.ok());
    QCOMPARE(*filled, *live);
    QCOMPARE(report(query), r);
}

namespace {

// Every shape a comparison asks for a period: each grouping, all departments and billing's.
// `differs` says how the query's answers differ, or nothing; the first difference, where.
QString firstDifferingQuery(qint64 from, qint64 to, const QString &workflow,
                            const std::function<QString(const StepReportQuery &)> &differs)
{
    for (ReportGrouping by :
         {ReportGrouping::Department, ReportGrouping::Queue, ReportGrouping::Workflow,
          ReportGrouping::State, ReportGrouping::Assignee, ReportGrouping::Tier,
          ReportGrouping::Origin}) {
        for (bool all : {true, false}) {
            StepReportQuery query;
            query.from = from;
            query.to = to;
            query.by = by;
            query.workflow = workflow;
            query.allDepartments = all;
            query.departments = {QStringLiteral("billing")};
            if (const QString d = differs(query); !d.isEmpty())
                return QStringLiteral("%1..%2 by %3 all %4: %5")
                    .arg(from)
                    .arg(to)
                    .arg(toString(by))
                    .arg(all)
                    .arg(d);
        }
    }
    return {};
}

// Whether the steps report from the roll-up (whole quarter hours) and the facts (the partial
// ones) equals the one from the facts alone, for every grouping, all departments and billing's.
QString rollupDiffers(const QSqlDatabase &db, qint64 from, qint64 to, const QString &workflow)
{
    return firstDifferingQuery(from, to, workflow, [&](StepReportQuery query) -> QString {
        const auto rolled = StepFactStore::stepsReport(db, query);
        query.factsOnly = true;
        const auto facts = StepFactStore::stepsReport(db, query);
        if (!rolled || !facts)
            return QStringLiteral("query failed");
        if (*rolled != *facts)
            return QStringLiteral("%1 rows from the roll-up, %2 from the facts")
                .arg(rolled->size())
                .arg(facts->size());
        return {};
    });
}

// Periods of whole local days in zones whose offsets are not whole hours (and a few that are),
// and periods between arbitrary instants, over December 2026 and January 2027, each given to
// `differs` (with a workflow every fourth time) until one differs.
QString firstDifferingRandomPeriod(
    QRandomGenerator &random, int periods,
    const std::function<QString(qint64 from, qint64 to, const QString &workflow)> &differs)
{
    const QList<QByteArray> zones {"Asia/Kathmandu", "Asia/Kolkata", "America/St_Johns",
                                   "Asia/Hong_Kong", "UTC",          "Australia/Eucla"};
    const QDate firstDay(2026, 11, 28);
    for (int i = 0; i < periods; ++i) {
        qint64 from = 0, to = 0;
        if (i % 3 == 2) { // arbitrary instants, inside quarter hours
            const qint64 start = QDateTime(firstDay, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
            from = start + qint64(random.bounded(70 * 24 * 3600)) * 1000 + random.bounded(1000);
            to = from + qint64(random.bounded(40 * 24 * 3600)) * 1000 + random.bounded(1000);
        } else {
            const QTimeZone zone(zones[random.bounded(int(zones.size()))]);
            const QDate day = firstDay.addDays(random.bounded(70));
            from = QDateTime(day, QTime(0, 0), zone).toMSecsSinceEpoch();
            to = QDateTime(day.addDays(1 + random.bounded(40)), QTime(0, 0), zone)
                     .toMSecsSinceEpoch();
        }
        const QString workflow = i % 4 == 3 ? QStringLiteral("support") : QString();
        if (QString d = differs(from, to, workflow); !d.isEmpty())
            return d;
    }
    return {};
}

QString compareOverRandomPeriods(const QSqlDatabase &db, QRandomGenerator &random, int periods)
{
    return firstDifferingRandomPeriod(random, periods,
                                      [&db](qint64 from, qint64 to, const QString &workflow) {
                                          return rollupDiffers(db, from, to, workflow);
                                      });
}

} // namespace

// Reports on big data (store/steprollup.h): the roll-up, kept by the writer as the scenario's
// tickets were worked, and rebuilt by its back-fill from thousands of random facts, answers
// every period exactly as the facts do.
void tst_Reports::rollupAnswersAsTheFactsDo()
{
    QVERIFY(backfillStepRollup(*m_db).ok()); // the server's own may still be on its way
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QCOMPARE(StepRollupStore::ready(*db).value(), true);
    auto rows = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM step_rollup"));
    QVERIFY(rows.ok() && rows->next());
    QVERIFY(rows->value(0).toInt() > 0); // the writer's
    QRandomGenerator random(17);
    QString differs = compareOverRandomPeriods(*db, random, 60);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // Thousands of facts the writer never saw, then the roll-up summed again from the facts
    // by its back-fill (as after migration 31), a few days per transaction.
    QList<StepFactRow> facts;
    const QStringList departments {u"billing"_s, u"ground-ops"_s, u"customer-service"_s, u""_s};
    const qint64 start = QDateTime(QDate(2026, 11, 28), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    for (int i = 0; i < 3000; ++i) {
        StepFactRow f;
        f.ticketId = 900000 + i;
        f.seq = 2;
        f.workflow = i % 5 ? u"support"_s : u"telecom"_s;
        f.workflowVersion = 1;
        f.state = QStringList {u"front"_s, u"bill"_s, u"ops"_s, u"waiting"_s}[random.bounded(4)];
        f.queue = QStringList {u"front-desk"_s, u"billing"_s, u""_s}[random.bounded(3)];
        f.department = departments[random.bounded(4)];
        f.assignee = QStringList {u"amy"_s, u"bill"_s, u""_s}[random.bounded(3)];
        f.origin = departments[random.bounded(3)];
        f.tier = QStringList {u"A"_s, u"B"_s, u"C"_s}[random.bounded(3)];
        f.leftAt = start + qint64(random.bounded(70 * 24 * 3600)) * 1000 + random.bounded(1000);
        f.clockSeconds = random.bounded(200000);
        f.enteredAt = f.leftAt - f.clockSeconds * 1000;
        f.businessSeconds = random.bounded(int(f.clockSeconds) + 1);
        f.endedBy = u"transitioned"_s;
        f.paused = random.bounded(10) == 0;
        f.pausedSeconds = f.paused ? f.clockSeconds : 0;
        if (random.bounded(3))
            f.respondMet = random.bounded(2) == 1;
        if (random.bounded(3))
            f.resolveMet = random.bounded(2) == 1;
        f.breached = random.bounded(4) == 0;
        f.escalated = random.bounded(6) == 0;
        f.transfers = random.bounded(5) == 0 ? 1 : 0;
        facts.append(f);
    }
    QVERIFY(StepFactStore::replaceFacts(*db, {}, facts).ok());
    QVERIFY(StepRollupStore::queueRebuild(*db).ok());
    QCOMPARE(StepRollupStore::ready(*db).value(), false);
    const auto rebuilt = backfillStepRollup(*m_db, 3);
    QVERIFY2(rebuilt.ok(), rebuilt.ok() ? "" : qPrintable(rebuilt.error()));
    QVERIFY(*rebuilt >= 60); // days
    QCOMPARE(StepRollupStore::ready(*db).value(), true);
    differs = compareOverRandomPeriods(*db, random, 90);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // And the writer adds to the rebuilt sums: a step worked now is in both answers.
    setClock("2027-01-20T02:00:00Z");
    const qint64 g = open(QStringLiteral("A"));
    setClock("2027-01-20T02:07:30Z");
    act(g, QStringLiteral("amy"), "claim");
    act(g, QStringLiteral("amy"), "solve");
    const qint64 day = QDateTime(QDate(2027, 1, 20), QTime(0, 0), QTimeZone("Asia/Kathmandu"))
                           .toMSecsSinceEpoch();
    differs = rollupDiffers(*db, day, day + 24 * 3600 * 1000, QString());
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

namespace {

qint64 countOf(const QSqlDatabase &db, const QString &sql)
{
    auto rows = runQuery(db, sql);
    return rows && rows->next() ? rows->value(0).toLongLong() : -1;
}

qint64 dayOf(QDate date)
{
    return QDateTime(date, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch() / stepRollupDayMs;
}

// Whether outcomes, escalations and volume from the counts (the days counted) and the facts
// (the rest) equal the facts alone, for every grouping, all departments and billing's.
QString countsDiffer(const QSqlDatabase &db, qint64 from, qint64 to, const QString &workflow)
{
    return firstDifferingQuery(from, to, workflow, [&](const StepReportQuery &query) -> QString {
        StepReportQuery facts = query;
        facts.factsOnly = true;
        const auto outcomes = StepFactMeasures::outcomes(db, query);
        const auto escalations = StepFactMeasures::escalations(db, query);
        const auto volume = StepFactMeasures::volume(db, query);
        if (!outcomes || !escalations || !volume)
            return QStringLiteral("query failed");
        if (*outcomes != StepFactMeasures::outcomes(db, facts).value())
            return QStringLiteral("outcomes differ");
        if (*escalations != StepFactMeasures::escalations(db, facts).value())
            return QStringLiteral("escalations differ");
        if (*volume != StepFactMeasures::volume(db, facts).value())
            return QStringLiteral("volume differs");
        return {};
    });
}

// Whether each workflow's flow from the counts and the roll-up equals the facts' alone.
QString flowDiffers(const QSqlDatabase &db, qint64 from, qint64 to)
{
    for (const QString &workflow : {QStringLiteral("support"), QStringLiteral("telecom")}) {
        for (bool all : {true, false}) {
            StepReportQuery query;
            query.from = from;
            query.to = to;
            query.workflow = workflow;
            query.allDepartments = all;
            query.departments = {QStringLiteral("billing")};
            const auto counted = StepFactStore::flowReport(db, query);
            query.factsOnly = true;
            const auto facts = StepFactStore::flowReport(db, query);
            if (!counted || !facts)
                return QStringLiteral("flow query failed");
            if (counted->states != facts->states || counted->transitions != facts->transitions)
                return QStringLiteral("%1..%2 flow of %3 all %4 differs: %5 states, %6 from the "
                                      "facts")
                    .arg(from)
                    .arg(to)
                    .arg(workflow)
                    .arg(all)
                    .arg(counted->states.size())
                    .arg(facts->states.size());
        }
    }
    return {};
}

QString compareCountsOverRandomPeriods(const QSqlDatabase &db, QRandomGenerator &random,
                                       int periods)
{
    return firstDifferingRandomPeriod(
        random, periods, [&db](qint64 from, qint64 to, const QString &workflow) {
            if (QString differs = countsDiffer(db, from, to, workflow); !differs.isEmpty())
                return differs;
            return flowDiffers(db, from, to);
        });
}

// Tickets the writer never saw: a few own steps each (sometimes a branch's beside), in random
// departments, some escalated (moving the work or not), some closing, some closed twice.
QList<StepFactRow> randomHistories(QRandomGenerator &random, int tickets)
{
    const QStringList departments {u"billing"_s, u"ground-ops"_s, u"customer-service"_s, u""_s};
    const qint64 start = QDateTime(QDate(2026, 11, 28), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    QList<StepFactRow> facts;
    for (int t = 0; t < tickets; ++t) {
        qint64 at = start + qint64(random.bounded(70 * 24 * 3600)) * 1000;
        const QString origin = departments[random.bounded(3)];
        const int steps = 1 + random.bounded(5);
        for (int i = 0; i < steps; ++i) {
            StepFactRow f;
            f.ticketId = 900000 + t;
            f.seq = 2 + i;
            // Branches in telecom only: support's flow is read from the counts, telecom's
            // from the facts.
            f.branch = t % 5 == 0 && random.bounded(4) == 0 ? u"b"_s : QString();
            f.workflow = t % 5 ? u"support"_s : u"telecom"_s;
            f.workflowVersion = 1;
            f.state = QStringList {u"front"_s, u"bill"_s, u"ops"_s}[random.bounded(3)];
            f.queue = QStringList {u"front-desk"_s, u"billing"_s, u""_s}[random.bounded(3)];
            f.department = departments[random.bounded(4)];
            f.assignee = QStringList {u"amy"_s, u"bill"_s, u""_s}[random.bounded(3)];
            f.origin = origin;
            f.tier = QStringList {u"A"_s, u"B"_s}[random.bounded(2)];
            f.enteredAt = at;
            at += qint64(random.bounded(3 * 24 * 3600)) * 1000 + random.bounded(1000);
            f.leftAt = at;
            f.clockSeconds = (f.leftAt - f.enteredAt) / 1000;
            f.endedBy = QStringList {u"transitioned"_s, u"transferred"_s, u"escalated"_s,
                                     u"handoff_limit"_s, u"closed"_s}[random.bounded(5)];
            f.escalated = random.bounded(4) == 0;
            f.transfers = f.endedBy == u"transferred" || f.endedBy == u"handoff_limit" ? 1 : 0;
            f.movedTo = random.bounded(2) ? u"billing"_s : u"front-desk"_s;
            f.closes = random.bounded(3) == 0 || i == steps - 1;
            facts.append(f);
        }
    }
    return facts;
}

} // namespace

// The daily level off the write path (store/steprollup.h): the writer keeps the quarter hours
// only; a day is compacted from them once it has ended, by two servers at once exactly once;
// a step that ends in a compacted day (late) is added to both levels; every period answers as
// the facts do before, between and after.
void tst_Reports::rollupDaysAreCompactedOffTheWritePath()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    // The writer wrote no daily row of a day not compacted (the server's upkeep may have
    // compacted a day or two behind the clock the scenario moved; usually none).
    const QString strayDaily = QStringLiteral(
        "SELECT COUNT(*) FROM step_rollup_daily WHERE bucket NOT IN (SELECT day FROM "
        "step_rollup_days)");
    QVERIFY(countOf(*db, QStringLiteral("SELECT COUNT(*) FROM step_rollup")) > 0);
    QCOMPARE(countOf(*db, strayDaily), 0);
    QCOMPARE(StepRollupStore::ready(*db).value(), true);
    QRandomGenerator random(35);
    QString differs = compareOverRandomPeriods(*db, random, 30);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // December compacted (two servers' compactions at once: each day once), January not.
    const qint64 january = dayOf(QDate(2027, 1, 1));
    const auto compactOnAThread = [this, january] {
        const auto compacted = compactStepRollup(*m_db, january);
        m_db->closeThreadConnection();
        return compacted.ok() ? *compacted : -1;
    };
    auto one = std::async(std::launch::async, compactOnAThread);
    auto two = std::async(std::launch::async, compactOnAThread);
    const qint64 firstDay = countOf(*db, QStringLiteral("SELECT MIN(bucket) FROM step_rollup"))
        / (stepRollupDayMs / stepRollupQuarterMs);
    const qint64 compacted = one.get(), alsoCompacted = two.get();
    QVERIFY(compacted >= 0 && alsoCompacted >= 0);
    QVERIFY(compacted + alsoCompacted <= january - firstDay);
    QCOMPARE(countOf(*db,
                     QStringLiteral("SELECT COUNT(*) FROM step_rollup_days WHERE day >= %1 AND "
                                    "day < %2")
                         .arg(firstDay)
                         .arg(january)),
             january - firstDay);
    QCOMPARE(compactStepRollup(*m_db, january).value(), 0);
    QCOMPARE(countOf(*db, strayDaily), 0);
    QVERIFY(countOf(*db, QStringLiteral("SELECT COUNT(*) FROM step_rollup_daily")) > 0);
    differs = compareOverRandomPeriods(*db, random, 60);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // A step that ends in a compacted day (the clock set back: as another server's, late) is
    // in the daily rows as well; one of a day not compacted only in the quarter hours.
    const qint64 daily = countOf(*db, QStringLiteral("SELECT SUM(steps) FROM step_rollup_daily"));
    setClock("2026-12-30T02:00:00Z");
    const qint64 late = open(QStringLiteral("B"));
    act(late, QStringLiteral("amy"), "claim");
    act(late, QStringLiteral("amy"), "solve");
    QVERIFY(countOf(*db, QStringLiteral("SELECT SUM(steps) FROM step_rollup_daily")) > daily);
    const qint64 withLate
        = countOf(*db, QStringLiteral("SELECT SUM(steps) FROM step_rollup_daily"));
    setClock("2027-01-20T02:00:00Z");
    const qint64 now = open(QStringLiteral("B"));
    act(now, QStringLiteral("amy"), "claim");
    act(now, QStringLiteral("amy"), "solve");
    QCOMPARE(countOf(*db, QStringLiteral("SELECT SUM(steps) FROM step_rollup_daily")), withLate);
    QCOMPARE(countOf(*db, strayDaily), 0);
    differs = compareOverRandomPeriods(*db, random, 60);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    const qint64 day = QDateTime(QDate(2026, 12, 30), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    differs = rollupDiffers(*db, day, day + 24 * 3600 * 1000, QString());
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // January compacted too: the same answers from the daily rows.
    QVERIFY(compactStepRollup(*m_db, dayOf(QDate(2027, 2, 1))).value() > 0);
    differs = compareOverRandomPeriods(*db, random, 60);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

// A facts' back-fill record whose last ticket is 0 (migration 11 in a database that had no
// tickets: a generated one) has nothing to do: the reports read the roll-up and say no
// back-fill is under way (bench_bigdb used to delete the record by hand).
void tst_Reports::aFactsRecordOfNoTicketsLeavesTheRollupReady()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    // A fresh database has it from migration 11 (the server's back-fill removed it, before).
    QVERIFY(runQuery(*db, QStringLiteral("DELETE FROM report_backfills WHERE name = 'step_facts'"))
                .ok());
    QVERIFY(runQuery(*db,
                     QStringLiteral("INSERT INTO report_backfills (name, next_ticket, "
                                    "last_ticket) VALUES ('step_facts', 0, 0)"))
                .ok());
    QCOMPARE(StepRollupStore::ready(*db).value(), true);
    QVERIFY(!report("steps?by=department&" + december).contains(u"backfill"));
    QVERIFY(!report("volume?" + december).contains(u"backfill"));
    // Nor the counts: they count, and reports read them.
    QVERIFY(ReportCountsStore::recountAll(*db).ok());
    QVERIFY(buildReportCounts(
                *m_db, QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch())
                .value()
            > 0);
    QVERIFY(ReportCountsStore::countedEnd(*db).value().has_value());
}

// The roll-up back-fill reads a day's facts before its lock and writes them under it only when
// the left_at index says they are still the day's: here a fact of the day being summed arrives
// between the read and the lock, and the sums written are read again under the lock.
void tst_Reports::rollupBackfillReadsAgainWhenTheDaysChangedBeforeItsLock()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QVERIFY(StepRollupStore::queueRebuild(*db).ok());
    auto facts = StepFactStore::allFacts(*db);
    QVERIFY(facts.ok() && !facts->isEmpty());
    int arrivals = 0;
    const auto arrive = [&] {
        // A copy of a fact of the first day queued, as another ticket's (a back-filled
        // ticket's, or a writer's late one), straight into the facts (no roll-up upsert).
        StepFactRow f = facts->first();
        f.ticketId = 800000 + arrivals++;
        QVERIFY(StepFactStore::replaceFacts(*db, {}, {f}).ok());
    };
    const auto rebuilt
        = backfillStepRollup(*m_db, 1000, {}, std::numeric_limits<qint64>::max(), [&] {
              if (arrivals == 0)
                  arrive();
          });
    QVERIFY2(rebuilt.ok(), rebuilt.ok() ? "" : qPrintable(rebuilt.error()));
    QCOMPARE(arrivals, 1);
    QCOMPARE(StepRollupStore::ready(*db).value(), true);
    const qint64 day = facts->first().leftAt / stepRollupDayMs * stepRollupDayMs;
    QString differs = rollupDiffers(*db, day, day + stepRollupDayMs, QString());
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    QRandomGenerator random(5);
    differs = compareOverRandomPeriods(*db, random, 30);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

// Reports on big data (store/reportcounts.h): outcomes, escalations and volume from the days
// counted in the background and the facts of the rest answer every period exactly as the facts
// alone — the scenario's tickets counted as a database written before the counts is, then
// thousands of random histories counted again, with periods that reach past the last day
// counted (read live from the facts).
void tst_Reports::countsAnswerAsTheFactsDo()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto at = [](const char *instant) {
        return QDateTime::fromString(QString::fromLatin1(instant), Qt::ISODate).toMSecsSinceEpoch();
    };
    // The server's own counter (on the fake clock) may have counted some of it already; it
    // runs on the same clock, so that it does not find the counts ahead of its clock (set
    // straight, not through the API: the engine's timers are not woken for months of them).
    const auto setCounterClock = [&](const char *instant) {
        m_clock.set(QDateTime::fromMSecsSinceEpoch(at(instant), Qt::UTC));
    };
    setCounterClock("2027-03-01T00:00:00Z");
    const auto counted = buildReportCounts(*m_db, at("2027-03-01T00:00:00Z"));
    QVERIFY2(counted.ok(), counted.ok() ? "" : qPrintable(counted.error()));
    // Up to the last quarter hour that ended five minutes before.
    QCOMPARE(ReportCountsStore::countedEnd(*db).value(), std::optional(at("2027-02-28T23:45:00Z")));
    auto rows
        = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM report_counts WHERE closures > 0"));
    QVERIFY(rows.ok() && rows->next());
    QVERIFY(rows->value(0).toInt() > 0);
    QRandomGenerator random(36);
    QString differs = compareCountsOverRandomPeriods(*db, random, 15);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    // As after the facts' back-fill: the roll-up summed again (volume's steps and the flow's
    // states are its), every day counted again.
    QVERIFY(StepFactStore::replaceFacts(*db, {}, randomHistories(random, 1000)).ok());
    QVERIFY(StepRollupStore::queueRebuild(*db).ok());
    QVERIFY(backfillStepRollup(*m_db, 5).ok());
    QVERIFY(ReportCountsStore::recountAll(*db).ok());
    // Counted up to 2027-01-05; the periods after it are read from the facts.
    setCounterClock("2027-01-05T00:10:00Z");
    QVERIFY(buildReportCounts(*m_db, at("2027-01-05T00:10:00Z")).ok());
    QCOMPARE(ReportCountsStore::countedEnd(*db).value(), std::optional(at("2027-01-05T00:00:00Z")));
    differs = compareCountsOverRandomPeriods(*db, random, 25);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    setCounterClock("2027-03-01T00:00:00Z");
    QVERIFY(buildReportCounts(*m_db, at("2027-03-01T00:00:00Z")).ok());
    differs = compareCountsOverRandomPeriods(*db, random, 25);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

// A busy key (a queue's unclaimed steps at national volume: in bench_http_load ~150 a second)
// gathers thousands of steps in a quarter hour; what a commit group writes for it must not grow
// with them (store/steprollup.h): every row of the roll-up stays small — inside its page, no
// overflow pages rewritten — and the sums are still the facts', also once the day is compacted.
void tst_Reports::rollupRowsStayBoundedInABusyKey()
{
    QVERIFY(backfillStepRollup(*m_db).ok()); // the server's own may still be on its way
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const qint64 start = QDateTime(QDate(2027, 1, 25), QTime(5, 0), Qt::UTC).toMSecsSinceEpoch();
    TicketWriter writer(m_db);
    QRandomGenerator random(40);
    constexpr int groups = 300, perGroup = 10; // small commit groups, as at 1,000 actions/s
    for (int group = 0; group < groups; ++group) {
        WriteBatch batch;
        for (int i = 0; i < perGroup; ++i) {
            StepFactRow f;
            f.ticketId = 700000 + group * perGroup + i;
            f.seq = 2;
            f.workflow = u"support"_s;
            f.workflowVersion = 1;
            f.state = u"front"_s;
            f.queue = u"busy-desk"_s;
            f.department = u"customer-service"_s;
            f.tier = u"A"_s;
            f.leftAt = start + qint64(group) * 2000 + i; // one quarter hour
            f.clockSeconds = 10000 + random.bounded(90000);
            f.enteredAt = f.leftAt - f.clockSeconds * 1000;
            f.businessSeconds = random.bounded(int(f.clockSeconds) + 1);
            f.endedBy = u"transitioned"_s;
            f.paused = random.bounded(20) == 0;
            f.pausedSeconds = f.paused ? f.clockSeconds : 0;
            batch.stepFacts.append(f);
        }
        const auto written = writer.write(batch);
        QVERIFY2(written.ok(), written.ok() ? "" : qPrintable(written.error()));
    }
    QCOMPARE(
        countOf(*db,
                QStringLiteral("SELECT SUM(steps) FROM step_rollup WHERE queue = 'busy-desk'")),
        qint64(groups * perGroup));
    // 3,000 steps' values in one row would be ~36,000 characters; a row's values stay under a
    // kilobyte whatever the quarter hour holds.
    const qint64 largest = countOf(*db,
                                   QStringLiteral("SELECT MAX(LENGTH(business_values) + "
                                                  "LENGTH(clock_values)) FROM step_rollup"));
    QVERIFY2(largest > 0 && largest <= 1024, qPrintable(QString::number(largest)));
    const qint64 day = start / stepRollupDayMs * stepRollupDayMs;
    QString differs = rollupDiffers(*db, day, day + stepRollupDayMs, QString());
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    differs = rollupDiffers(*db, start, start + 600 * 1000, QStringLiteral("support"));
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    // The day's compaction merges the key's rows into one daily row.
    QVERIFY(compactStepRollup(*m_db, day / stepRollupDayMs + 1).value() > 0);
    QCOMPARE(countOf(*db,
                     QStringLiteral("SELECT COUNT(*) FROM step_rollup_daily WHERE queue = "
                                    "'busy-desk'")),
             qint64(1));
    differs = rollupDiffers(*db, day, day + stepRollupDayMs, QString());
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

// The flow of a workflow with parallel states (telecom's random histories have branch steps)
// comes from the counted days and the roll-up, which keeps a state's branch steps apart from its
// own (migration 40): equal to the facts' answer, and still the same with the facts gone — it no
// longer falls back to reading the facts when a branch step ended in the period.
void tst_Reports::flowOfAParallelWorkflowComesFromTheRollup()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto at = [](const char *instant) {
        return QDateTime::fromString(QString::fromLatin1(instant), Qt::ISODate).toMSecsSinceEpoch();
    };
    QRandomGenerator random(40);
    QList<StepFactRow> histories = randomHistories(random, 1000);
    for (StepFactRow &f : histories)
        if (f.endedBy == u"transitioned") { // to a next state, for the flow's transitions
            f.nextState = QStringList {u"front"_s, u"bill"_s, u"ops"_s}[random.bounded(3)];
            f.action = u"next"_s;
        }
    QVERIFY(StepFactStore::replaceFacts(*db, {}, histories).ok());
    QVERIFY(StepRollupStore::queueRebuild(*db).ok());
    QVERIFY(backfillStepRollup(*m_db, 5).ok());
    QVERIFY(ReportCountsStore::recountAll(*db).ok());
    QVERIFY(buildReportCounts(*m_db, at("2027-03-01T00:00:00Z")).ok());
    QVERIFY(countOf(*db,
                    QStringLiteral("SELECT COUNT(*) FROM step_facts WHERE workflow = 'telecom' "
                                   "AND branch <> ''"))
            > 0);
    QString differs = compareCountsOverRandomPeriods(*db, random, 10);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));

    StepReportQuery query;
    query.from = at("2026-12-01T00:00:00Z");
    query.to = at("2027-02-01T00:00:00Z");
    query.workflow = QStringLiteral("telecom");
    query.allDepartments = true;
    StepReportQuery factsOnly = query;
    factsOnly.factsOnly = true;
    const auto facts = StepFactStore::flowReport(*db, factsOnly);
    QVERIFY(facts.ok() && !facts->states.isEmpty() && !facts->transitions.isEmpty());
    const auto counted = StepFactStore::flowReport(*db, query);
    QVERIFY(counted.ok());
    QVERIFY(counted->states == facts->states);
    QVERIFY(counted->transitions == facts->transitions);
    // Whole UTC days, all counted: the answer reads no fact.
    QVERIFY(runQuery(*db, QStringLiteral("DELETE FROM step_facts")).ok());
    const auto withoutFacts = StepFactStore::flowReport(*db, query);
    QVERIFY(withoutFacts.ok());
    QVERIFY(withoutFacts->states == facts->states);
    QVERIFY(withoutFacts->transitions == facts->transitions);
}

namespace {

qint64 instant(const char *text)
{
    return QDateTime::fromString(QString::fromLatin1(text), Qt::ISODate).toMSecsSinceEpoch();
}

// The daily rows of UTC day `day` as written (the sums of its quarter hours) against the day
// counted from its facts.
QString dailyRowsDiffer(const QSqlDatabase &db, qint64 day)
{
    const auto counted = ReportCountsStore::countPeriod(
        db, day * stepRollupDayMs, (day + 1) * stepRollupDayMs, RollupLevel::Day);
    if (!counted)
        return counted.error();
    auto rows = runQuery(db,
                         QStringLiteral("SELECT COUNT(*), CAST(SUM(closed + closures + reopened "
                                        "+ first_contact + bounced + handoff_limit + "
                                        "closure_escalated + handoffs + escalations) AS BIGINT) "
                                        "FROM report_counts WHERE level = 1 AND bucket = ?"),
                         {day});
    if (!rows || !rows->next())
        return QStringLiteral("daily rows not read");
    qint64 sum = 0;
    for (const ReportCountRow &r : std::as_const(counted->rows))
        sum += r.closed + r.closures + r.reopened + r.firstContact + r.bounced + r.handoffLimit
            + r.closureEscalated + r.handoffs + r.escalations;
    if (rows->value(0).toLongLong() != counted->rows.size() || rows->value(1).toLongLong() != sum)
        return QStringLiteral("day %1: %2 daily rows summing to %3, the facts count %4 summing "
                              "to %5")
            .arg(day)
            .arg(rows->value(0).toLongLong())
            .arg(rows->value(1).toLongLong())
            .arg(counted->rows.size())
            .arg(sum);
    return {};
}

} // namespace

// Quarter hours are counted once they have ended (five minutes after: commits in flight), not
// only whole UTC days, so that a report reads no more than the current quarter hour from the
// facts: the counter run every 23 minutes through an afternoon and past midnight, the counts
// ending where they should each time, every period answering as the facts do, and a day's
// daily rows the sums of its quarter hours.
void tst_Reports::countsQuarterHoursOnceTheyEnd()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QRandomGenerator random(41);
    QVERIFY(StepFactStore::replaceFacts(*db, {}, randomHistories(random, 1000)).ok());
    QVERIFY(StepRollupStore::queueRebuild(*db).ok());
    QVERIFY(backfillStepRollup(*m_db, 5).ok());
    QVERIFY(ReportCountsStore::recountAll(*db).ok());
    setClock("2027-01-05T13:37:00Z");
    QVERIFY(buildReportCounts(*m_db, instant("2027-01-05T13:37:00Z")).ok());
    QCOMPARE(ReportCountsStore::countedEnd(*db).value(),
             std::optional(instant("2027-01-05T13:30:00Z")));
    QString differs = compareCountsOverRandomPeriods(*db, random, 10);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    // The day so far, and the last hour and a half to a few minutes past the counts.
    const qint64 step = 23 * 60 * 1000, minute = 60 * 1000;
    for (qint64 now = instant("2027-01-05T13:37:00Z") + step;
         now <= instant("2027-01-06T00:30:00Z"); now += step) {
        m_clock.set(QDateTime::fromMSecsSinceEpoch(now, Qt::UTC));
        QVERIFY(buildReportCounts(*m_db, now).ok());
        const qint64 end = (now - 5 * minute) / stepRollupQuarterMs * stepRollupQuarterMs;
        QCOMPARE(ReportCountsStore::countedEnd(*db).value(), std::optional(end));
        for (const auto &[from, to] : {std::pair {instant("2027-01-05T00:00:00Z"), now},
                                       std::pair {end - 90 * minute, end + 7 * minute}}) {
            differs = countsDiffer(*db, from, to, QString());
            QVERIFY2(differs.isEmpty(), qPrintable(differs));
            differs = flowDiffers(*db, from, to);
            QVERIFY2(differs.isEmpty(), qPrintable(differs));
        }
    }
    for (const QDate date : {QDate(2027, 1, 4), QDate(2027, 1, 5)}) {
        differs = dailyRowsDiffer(*db, dayOf(date));
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
    }
    differs = compareCountsOverRandomPeriods(*db, random, 10);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

// The counter does not trust the clock: set back after a day and a quarter hour were counted,
// the writer stamps steps into them (a fake clock here; a server whose clock is behind the one
// that counted, by more than the margin, in production). The counter, on that clock, forgets
// the counts from there on; they are counted again once the quarter hours end by it, and every
// period answers as the facts do throughout.
void tst_Reports::aClockSetBackCountsItsFactsAgain()
{
    auto db = m_db->connection();
    QVERIFY(db.ok());
    setClock("2027-01-10T12:00:00Z");
    QVERIFY(buildReportCounts(*m_db, instant("2027-01-10T12:00:00Z")).ok());
    // Back into the day before, counted: a ticket opened, claimed and solved (closed) there.
    setClock("2027-01-09T22:00:00Z");
    const qint64 late = open(QStringLiteral("A"));
    setClock("2027-01-09T22:03:00Z");
    act(late, QStringLiteral("amy"), "claim");
    act(late, QStringLiteral("amy"), "solve");
    const qint64 day = instant("2027-01-09T00:00:00Z"), hour = 3600 * 1000;
    const QList<std::pair<qint64, qint64>> periods {
        {day, day + 24 * hour}, {day, day + 48 * hour}, {day + 21 * hour, day + 23 * hour}};
    QVERIFY(buildReportCounts(*m_db, instant("2027-01-09T22:04:00Z")).ok());
    for (const auto &[from, to] : periods) {
        const QString differs = countsDiffer(*db, from, to, QString());
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
    }
    // The clock runs on past the counts it had: counted again, with the late steps.
    setClock("2027-01-10T12:30:00Z");
    QVERIFY(buildReportCounts(*m_db, instant("2027-01-10T12:30:00Z")).ok());
    QCOMPARE(ReportCountsStore::countedEnd(*db).value(),
             std::optional(instant("2027-01-10T12:15:00Z")));
    for (const auto &[from, to] : periods) {
        QString differs = countsDiffer(*db, from, to, QString());
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
        differs = flowDiffers(*db, from, to);
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
    }
    QString differs = dailyRowsDiffer(*db, dayOf(QDate(2027, 1, 9)));
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
    QRandomGenerator random(42);
    differs = compareCountsOverRandomPeriods(*db, random, 10);
    QVERIFY2(differs.isEmpty(), qPrintable(differs));
}

QTEST_GUILESS_MAIN(tst_Reports)
#include "tst_reports.moc"

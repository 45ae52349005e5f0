// SPDX-License-Identifier: GPL-3.0-or-later
// The organisation over HTTP (interfaces.md, second edition): GET /org, POST /org/validate and
// PUT /org on a real server, SQLite and PostgreSQL. A published organisation runs at once (no
// restart), re-measures the open tickets' SLA due instants, survives a restart, and reaches the
// other servers on the same PostgreSQL.
#include "core/clock.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "runtime/engine.h"
#include "sessionclient.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "testserver.h"

#include <QFile>
#include <QJsonArray>
#include <QSqlQuery>
#include <QTest>

using namespace Baton;

namespace {

const QString password = QStringLiteral("password-1");

QByteArray shippedOrganisation()
{
    QFile file(QStringLiteral(BATON_SOURCE_DIR "/workflows/org.yaml"));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// The shipped org.yaml with `date` added to hk-office's holidays (its list comes first).
QByteArray withHkHoliday(const QByteArray &date)
{
    QByteArray text = shippedOrganisation();
    const qsizetype at = text.indexOf("    holidays:\n");
    text.insert(at + qsizetype(sizeof("    holidays:\n")) - 1, "      - " + date + '\n');
    return text;
}

/// 1-based line of the first occurrence of `needle`.
int lineOf(const QByteArray &text, const QByteArray &needle)
{
    return int(text.left(text.indexOf(needle)).count('\n')) + 1;
}

} // namespace

class tst_OrgApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void getShowsTheRunningTextAndQueuesTheirContacts();
    void validateGivesLineAndColumn();
    void aQueueAPublishedWorkflowUsesCannotDisappear();
    void unchangedIs200NewIs201AndRunsAtOnce();
    void onlyAnAdminPublishes();
    void aHolidayAddedMovesAnOpenTicketsDueInstants();
    void aHolidayAddedMovesTheStepsBreachToo();
    void aHolidayRemovedBringsTheStepsBreachForward();
    void aRestartKeepsThePublishedOrganisation();
    void anotherServerOnTheDatabaseTakesItUp();
    void aBackupPublishedInTheEditorStandsInAtTheNextNotice();

private:
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &user = QStringLiteral("admin"), quint16 port = 0);
    QString start(Test::TestServer &server, bool firstStart);
    QStringList breachesAt(const QByteArray &id, const QDateTime &at);
    QByteArray openReview();

    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_server;
    Test::SessionClient m_client {password};
};

void tst_OrgApi::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC));
    auto db = Test::TestServer::openDatabase(url);
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
    m_db = *db;
    const QString error = start(m_server, true);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_client.setPort(m_server.port());
}

/// A server as `baton serve` starts it (the organisation's files published at start) on m_db.
QString tst_OrgApi::start(Test::TestServer &server, bool firstStart)
{
    Test::TestServerOptions options;
    options.database = m_db;
    options.clock = &m_clock;
    if (!options.useWorkflowFolder())
        return QStringLiteral("the shipped workflows have errors");
    options.publishOrganisationAtStart = true;
    if (QString error = server.start(options); !error.isEmpty())
        return error;
    if (!firstStart)
        return {};
    return server.createUsers(
        {{QStringLiteral("amy"), QStringLiteral("agent"), QStringLiteral("customer-service")},
         {QStringLiteral("admin"), QStringLiteral("admin"), QString()}},
        password);
}

void tst_OrgApi::cleanup()
{
    m_server.stop();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

// The organisation's text goes as YAML, anything else as JSON.
RawResponse tst_OrgApi::call(const QByteArray &method, const QByteArray &path,
                             const QByteArray &body, const QString &user, quint16 port)
{
    QByteArray type;
    if (method != "GET")
        type = body.startsWith('{') ? QByteArray("application/json")
                                    : QByteArray("application/yaml");
    return m_client.call(method, path, body, user, port, type);
}

void tst_OrgApi::getShowsTheRunningTextAndQueuesTheirContacts()
{
    const RawResponse org = call("GET", "/api/v1/org", {}, QStringLiteral("amy"));
    QCOMPARE(org.status, 200);
    QCOMPARE(org.json().value(QLatin1String("version")).toInt(), 1); // published at start
    QCOMPARE(org.json().value(QLatin1String("source")).toString().toUtf8(), shippedOrganisation());

    const RawResponse queues = call("GET", "/api/v1/queues", {}, QStringLiteral("amy"));
    QCOMPARE(queues.status, 200);
    QJsonObject csAgents;
    for (const QJsonValue &q : QJsonDocument::fromJson(queues.body).array())
        if (q.toObject().value(QLatin1String("name")).toString() == u"cs-agents")
            csAgents = q.toObject();
    QCOMPARE(csAgents.value(QLatin1String("primary")).toArray(),
             (QJsonArray {QStringLiteral("amy"), QStringLiteral("alan")}));
    QCOMPARE(csAgents.value(QLatin1String("backup")).toArray(), QJsonArray {QStringLiteral("ann")});
    QCOMPARE(csAgents.value(QLatin1String("manager")).toString(), QStringLiteral("sue"));
    QCOMPARE(csAgents.value(QLatin1String("escalate_to")).toString(),
             QStringLiteral("cs-supervisors"));
}

void tst_OrgApi::validateGivesLineAndColumn()
{
    QByteArray text = shippedOrganisation();
    text.replace("    timezone: Asia/Hong_Kong", "    timezon: Asia/Hong_Kong");
    const int line = lineOf(text, "    timezon:");
    const RawResponse checked = call("POST", "/api/v1/org/validate", text, QStringLiteral("amy"));
    QCOMPARE(checked.status, 200);
    QCOMPARE(checked.json().value(QLatin1String("valid")).toBool(), false);
    const QJsonArray errors = checked.json().value(QLatin1String("errors")).toArray();
    QVERIFY2(!errors.isEmpty(), checked.body.constData());
    bool found = false;
    for (const QJsonValue &e : errors)
        found = found
            || (e[QLatin1String("line")].toInt() == line && e[QLatin1String("column")].toInt() == 5
                && e[QLatin1String("message")].toString().contains(u"timezon"));
    QVERIFY2(found, checked.body.constData());

    const RawResponse good
        = call("POST", "/api/v1/org/validate", shippedOrganisation(), QStringLiteral("amy"));
    QCOMPARE(good.json().value(QLatin1String("valid")).toBool(), true);
    QCOMPARE(good.json().value(QLatin1String("errors")).toArray().size(), 0);

    // Nothing was published by either.
    QCOMPARE(call("GET", "/api/v1/org").json().value(QLatin1String("version")).toInt(), 1);
}

void tst_OrgApi::aQueueAPublishedWorkflowUsesCannotDisappear()
{
    QByteArray text = shippedOrganisation();
    const qsizetype from = text.indexOf("  billing:\n    department: billing\n");
    const qsizetype to = text.indexOf("  finance-managers:\n", from);
    QVERIFY(from > 0 && to > from);
    text.remove(from, to - from);

    const RawResponse refused = call("PUT", "/api/v1/org", text);
    QCOMPARE(refused.status, 422);
    QCOMPARE(refused.errorCode(), QStringLiteral("validation_failed"));
    const QJsonArray errors = refused.json()
                                  .value(QLatin1String("error"))
                                  .toObject()
                                  .value(QLatin1String("details"))
                                  .toObject()
                                  .value(QLatin1String("errors"))
                                  .toArray();
    QStringList workflows;
    for (const QJsonValue &e : errors) {
        QVERIFY2(e[QLatin1String("message")].toString().contains(u"'billing'"),
                 qPrintable(e[QLatin1String("message")].toString()));
        QVERIFY(e[QLatin1String("line")].toInt() > 0);
        workflows.append(e[QLatin1String("workflow")].toString());
    }
    // jump-queue's billing branch (lines 85 and 105 of its file) is in the billing queue.
    QVERIFY2(workflows.contains(u"jump-queue"), refused.body.constData());
    // The same answer from validate, and nothing published.
    const RawResponse checked = call("POST", "/api/v1/org/validate", text);
    QCOMPARE(checked.json().value(QLatin1String("valid")).toBool(), false);
    QCOMPARE(checked.json().value(QLatin1String("errors")).toArray(), errors);
    QCOMPARE(call("GET", "/api/v1/org").json().value(QLatin1String("version")).toInt(), 1);
    QCOMPARE(m_server.engine().organisation().queues.contains(QStringLiteral("billing")), true);
}

void tst_OrgApi::unchangedIs200NewIs201AndRunsAtOnce()
{
    const RawResponse same = call("PUT", "/api/v1/org", shippedOrganisation());
    QCOMPARE(same.status, 200);
    QCOMPARE(same.json().value(QLatin1String("version")).toInt(), 1);

    QByteArray text = shippedOrganisation();
    text.replace("    primary: [amy, alan]\n    backup: [ann]\n",
                 "    primary: [amy, alan, zoe]\n    backup: [ann]\n");
    const RawResponse published = call("PUT", "/api/v1/org", text);
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(call("PUT", "/api/v1/org", text).status, 200);

    const RawResponse org = call("GET", "/api/v1/org");
    QCOMPARE(org.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(org.json().value(QLatin1String("source")).toString().toUtf8(), text);
    // No restart: the queues answer with the new contacts.
    const RawResponse queues = call("GET", "/api/v1/queues");
    bool seen = false;
    for (const QJsonValue &q : QJsonDocument::fromJson(queues.body).array())
        if (q[QLatin1String("name")].toString() == u"cs-agents")
            seen = q[QLatin1String("primary")].toArray().contains(QStringLiteral("zoe"));
    QVERIFY2(seen, queues.body.constData());
}

void tst_OrgApi::onlyAnAdminPublishes()
{
    QByteArray text = shippedOrganisation() + "\n# a comment\n";
    const RawResponse refused = call("PUT", "/api/v1/org", text, QStringLiteral("amy"));
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
    QCOMPARE(call("GET", "/api/v1/org").json().value(QLatin1String("version")).toInt(), 1);
    const RawResponse noSession
        = rawRequest(m_server.port(), httpRequest("PUT", "/api/v1/org", text));
    QCOMPARE(noSession.status, 401);
}

// A Monday 17:50 in Hong Kong: cs-supervisors (hk-office: 09:00-13:00, 14:00-18:00) has 10
// minutes left that day, so a tier-A review (respond 15m, resolve 30m) is due on Tuesday
// 24 November at 09:05 and 09:20 HKT (01:05Z, 01:20Z). Tuesday made a holiday moves both to
// Wednesday 25 November, same times.
void tst_OrgApi::aHolidayAddedMovesAnOpenTicketsDueInstants()
{
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 50), Qt::UTC));
    const RawResponse opened = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"}})",
        QStringLiteral("amy"));
    QCOMPARE(opened.status, 201);
    const QByteArray id = QByteArray::number(opened.json().value(QLatin1String("id")).toInteger());
    const QJsonObject before = opened.json().value(QLatin1String("sla")).toObject();
    QCOMPARE(before.value(QLatin1String("respond_due")).toString(),
             QStringLiteral("2026-11-24T01:05:00Z"));
    QCOMPARE(before.value(QLatin1String("resolve_due")).toString(),
             QStringLiteral("2026-11-24T01:20:00Z"));

    const RawResponse published = call("PUT", "/api/v1/org", withHkHoliday("2026-11-24"));
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json().value(QLatin1String("calendars_changed")).toArray(),
             QJsonArray {QStringLiteral("hk-office")});
    QVERIFY(published.json().value(QLatin1String("recomputed")).toInt() >= 1);

    const RawResponse ticket = call("GET", "/api/v1/tickets/" + id, {}, QStringLiteral("amy"));
    const QJsonObject after = ticket.json().value(QLatin1String("sla")).toObject();
    QCOMPARE(after.value(QLatin1String("respond_due")).toString(),
             QStringLiteral("2026-11-25T01:05:00Z"));
    QCOMPARE(after.value(QLatin1String("resolve_due")).toString(),
             QStringLiteral("2026-11-25T01:20:00Z"));

    // Recorded on the ticket: which instants moved, from and to.
    const RawResponse events
        = call("GET", "/api/v1/tickets/" + id + "/events", {}, QStringLiteral("amy"));
    QJsonObject recomputed;
    for (const QJsonValue &e : events.json().value(QLatin1String("items")).toArray())
        if (e[QLatin1String("type")].toString() == u"sla_recomputed")
            recomputed = e[QLatin1String("data")].toObject();
    QCOMPARE(recomputed.value(QLatin1String("calendars")).toArray(),
             QJsonArray {QStringLiteral("hk-office")});
    const QJsonArray moved = recomputed.value(QLatin1String("moved")).toArray();
    QVERIFY2(moved.contains(
                 QJsonObject {{QStringLiteral("clock"), QStringLiteral("step:resolve")},
                              {QStringLiteral("from"), QStringLiteral("2026-11-24T01:20:00Z")},
                              {QStringLiteral("to"), QStringLiteral("2026-11-25T01:20:00Z")}}),
             QJsonDocument(moved).toJson().constData());

    // Durably: the ticket's stored due instants (what the queue page sorts and filters by)
    // were rewritten in the same write.
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QSqlQuery stored(*db);
    QVERIFY(stored.exec(u"SELECT respond_due, resolve_due FROM tickets WHERE id = "
                        + QString::fromLatin1(id)));
    QVERIFY(stored.next());
    QCOMPARE(stored.value(0).toLongLong(),
             QDateTime(QDate(2026, 11, 25), QTime(1, 5), Qt::UTC).toMSecsSinceEpoch());
    QCOMPARE(stored.value(1).toLongLong(),
             QDateTime(QDate(2026, 11, 25), QTime(1, 20), Qt::UTC).toMSecsSinceEpoch());
}

/// The sla_step of each sla_breached event of ticket `id` after moving the clock to `at` and
/// firing what came due then (signed in again: the jump ends the sessions).
QStringList tst_OrgApi::breachesAt(const QByteArray &id, const QDateTime &at)
{
    m_clock.set(at);
    m_client.forgetSessions();
    if (const auto fired = m_server.timers().fireDueTimers(); !fired)
        qWarning("firing failed: %s", qPrintable(fired.error()));
    QStringList steps;
    const RawResponse events
        = call("GET", "/api/v1/tickets/" + id + "/events", {}, QStringLiteral("amy"));
    for (const QJsonValue &e : events.json().value(QLatin1String("items")).toArray())
        if (e[QLatin1String("type")].toString() == u"sla_breached")
            steps.append(e[QLatin1String("data")][QLatin1String("sla_step")].toString());
    return steps;
}

/// Opens the tier-A jump-queue review of these tests (at the clock's now); its id.
QByteArray tst_OrgApi::openReview()
{
    const RawResponse opened = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"}})",
        QStringLiteral("amy"));
    return opened.status == 201
        ? QByteArray::number(opened.json().value(QLatin1String("id")).toInteger())
        : QByteArray();
}

// The breaches follow the re-measured instants. With Tuesday made a holiday nothing of the
// review step breaches on Tuesday morning (its old instants); the ticket-wide clock (1 day
// round the clock) breaches at its own instant, Tuesday 09:50Z, and its 150% step (21:50Z,
// fired at 22:00Z) moves the ticket up to cx-coordination before the step's new due instant
// (Wednesday 09:05 HKT): the step's clocks restart there (a move restarts them), and its
// respond target breaches on Wednesday at 09:15 HKT (01:15Z). (Only the ticket-wide breach
// by 09:05 HKT on Wednesday is this, not a timer left unplanned.)
void tst_OrgApi::aHolidayAddedMovesTheStepsBreachToo()
{
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 50), Qt::UTC));
    const QByteArray id = openReview();
    QVERIFY(!id.isEmpty());
    QCOMPARE(call("PUT", "/api/v1/org", withHkHoliday("2026-11-24")).status, 201);
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 11, 24), QTime(1, 30), Qt::UTC)), QStringList());
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 11, 24), QTime(9, 51), Qt::UTC)),
             QStringList {QStringLiteral("ticket:resolve:1")});
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 11, 24), QTime(22, 0), Qt::UTC)),
             QStringList {QStringLiteral("ticket:resolve:1")}); // moved; the step restarts now
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 11, 25), QTime(1, 14), Qt::UTC)),
             QStringList {QStringLiteral("ticket:resolve:1")});
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 11, 25), QTime(1, 16), Qt::UTC)),
             (QStringList {QStringLiteral("ticket:resolve:1"), QStringLiteral("step:respond:1")}));
    const RawResponse ticket = call("GET", "/api/v1/tickets/" + id, {}, QStringLiteral("amy"));
    QCOMPARE(ticket.json().value(QLatin1String("queue")).toString(),
             QStringLiteral("cx-coordination"));
}

// The other way: Christmas Day taken off hk-office's holidays brings a review opened on
// Christmas Eve at 17:50 HKT forward from Monday 28 December to Friday 25th, 09:05 HKT. The
// ticket's timer must move forward with it, or the breach would wait for Monday.
void tst_OrgApi::aHolidayRemovedBringsTheStepsBreachForward()
{
    m_clock.set(QDateTime(QDate(2026, 12, 24), QTime(9, 50), Qt::UTC));
    m_client.forgetSessions();
    const QByteArray id = openReview();
    QVERIFY(!id.isEmpty());
    QByteArray text = shippedOrganisation();
    const QByteArray christmas = "      - 2026-12-25   # Christmas Day (the rest of 2026)\n";
    QVERIFY(text.contains(christmas));
    text.replace(christmas, "");
    QCOMPARE(call("PUT", "/api/v1/org", text).status, 201);
    const QJsonObject sla
        = call("GET", "/api/v1/tickets/" + id, {}, QStringLiteral("amy")).json()[u"sla"].toObject();
    QCOMPARE(sla.value(QLatin1String("respond_due")).toString(),
             QStringLiteral("2026-12-25T01:05:00Z"));
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 12, 25), QTime(1, 4), Qt::UTC)), QStringList());
    QCOMPARE(breachesAt(id, QDateTime(QDate(2026, 12, 25), QTime(1, 6), Qt::UTC)),
             QStringList {QStringLiteral("step:respond:1")});
}

void tst_OrgApi::aRestartKeepsThePublishedOrganisation()
{
    const QByteArray text = withHkHoliday("2026-11-24");
    QCOMPARE(call("PUT", "/api/v1/org", text).status, 201);
    m_server.stop();
    const QString error = start(m_server, false);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_client.setPort(m_server.port()); // the sessions ended with the server
    const RawResponse org = call("GET", "/api/v1/org");
    QCOMPARE(org.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(org.json().value(QLatin1String("source")).toString().toUtf8(), text);
    QVERIFY(m_server.engine()
                .organisation()
                .calendars.value(QStringLiteral("hk-office"))
                .holidays.contains(QDate(2026, 11, 24)));
}

void tst_OrgApi::anotherServerOnTheDatabaseTakesItUp()
{
    if (!m_db->isPostgreSql())
        QSKIP("one server per SQLite file");
    Test::TestServer other;
    const QString error = start(other, false);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QByteArray text = shippedOrganisation();
    text.replace("    primary: [amy, alan]\n", "    primary: [amy, alan, zoe]\n");
    QCOMPARE(call("PUT", "/api/v1/org", text).status, 201);
    // GET /queues does not look for a newer version itself: the change feed's notice does it.
    const auto otherSeesZoe = [&] {
        const RawResponse queues
            = call("GET", "/api/v1/queues", {}, QStringLiteral("admin"), other.port());
        for (const QJsonValue &q : QJsonDocument::fromJson(queues.body).array())
            if (q[QLatin1String("name")].toString() == u"cs-agents")
                return q[QLatin1String("primary")].toArray().contains(QStringLiteral("zoe"));
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(otherSeesZoe(), 30000);
    QCOMPARE(other.engine().liveOrganisation().version(), 2);
    other.stop();
}

// Notices to someone away go to their queue's backup as the running organisation names it: a
// backup changed in the editor (PUT /org) stands in at the next notice, without a restart.
void tst_OrgApi::aBackupPublishedInTheEditorStandsInAtTheNextNotice()
{
    QCOMPARE(m_server.createUsers({{QStringLiteral("sue"), QStringLiteral("supervisor"),
                                    QStringLiteral("customer-service")}},
                                  password),
             QString());
    const RawResponse away
        = call("PATCH", "/api/v1/users/sue/away",
               R"({"away":{"from":"2026-11-01T00:00:00Z","until":"2027-01-31T00:00:00Z"}})");
    QVERIFY2(away.status == 200, away.body.constData());
    QByteArray text = shippedOrganisation();
    QVERIFY(text.contains("    primary: [sue]\n    backup: [sam]\n"));
    text.replace("    primary: [sue]\n    backup: [sam]\n",
                 "    primary: [sue]\n    backup: [zoe]\n");
    QCOMPARE(call("PUT", "/api/v1/org", text).status, 201);

    // Tuesday 10:00 HKT: the review's respond target (15 min) is 75% used at 10:11:15, and
    // the warning goes to the queue's primary, sue, who is away.
    m_clock.set(QDateTime(QDate(2026, 11, 24), QTime(2, 0), Qt::UTC));
    const QByteArray id = openReview();
    QVERIFY(!id.isEmpty());
    m_clock.set(QDateTime(QDate(2026, 11, 24), QTime(2, 12), Qt::UTC));
    const auto fired = m_server.timers().fireDueTimers();
    QVERIFY2(fired.ok(), qPrintable(fired.ok() ? QString() : fired.error()));

    auto db = m_db->connection();
    QVERIFY(db.ok());
    QSqlQuery query(*db);
    QVERIFY(query.exec(QStringLiteral("SELECT username FROM notifications WHERE kind = "
                                      "'sla_warning' AND ticket_id = ")
                       + QString::fromLatin1(id)));
    QStringList recipients;
    while (query.next())
        recipients.append(query.value(0).toString());
    QCOMPARE(recipients, QStringList {QStringLiteral("zoe")});
}

QTEST_GUILESS_MAIN(tst_OrgApi)
#include "tst_orgapi.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP API end to end: a real server (engine, store, auth) in this process on a port the
// OS picks, driven over real sockets, on SQLite and on PostgreSQL.
#include "api/apierror.h"
#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "runtime/engine.h"
#include "sessionclient.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"
#include "streamclient.h"
#include "testserver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Baton;

namespace {

const QString password = QStringLiteral("password-1");

struct Call
{
    QByteArray method;
    QByteArray path;
    QByteArray body;
};

} // namespace

class tst_Api : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errorKindMapping_data();
    void errorKindMapping();
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void loginMeLogout();
    void delayedLinkAndOptionLabelsOverHttp();
    void everyApiRouteNeedsASession_data();
    void everyApiRouteNeedsASession();
    void repeatedWrongPasswordsAre429();
    void openIsIdempotentAndConflictsOnAnotherBody();
    void ticketLifecycle();
    void staleVersionIs409();
    void aStepWritesOnlyItsFields();
    void transferKeepsToTheStepsTargets();
    void authorisationMatrix_data();
    void authorisationMatrix();
    void badInput_data();
    void badInput();
    void listFiltersAndCursor();
    void parallelBranchesListedAndCountedInTheirQueues();
    void assigneeFilterFindsBranchTasks();
    void workflowsReadValidatePublish();
    void workflowTextFollowsAcceptLanguage();
    void restartNeverUndoesAPublishedWorkflow();
    void organisationTitlesFollowAcceptLanguage();
    void usersAdminOnly();
    void userSaveFailureAnswersLikeEveryStorageFailure();
    void usersHaveEmailPhoneAndLanguage();
    void usersHaveTheirOwnTimeZone();
    void organisationNotificationsHealthMetrics();
    void metricsCountTimersBreachesRequestsAndCommits();
    void adminClock();
    void staticFilesAndTraversal();
    void webSocketDeliversAnotherUsersChange();
    void webSocketDeliversSlaBreachAndNotification();
    void nulInPathOrQueryIs400();
    void textWithNulIsRefusedNamingTheField();
    void cookieMutationNeedsOwnOriginAndJson();
    void signInChecksABrowsersOrigin();
    void cookieStreamNeedsOwnOrigin();
    void workflowTextWithNulIsRefusedAtItsPosition();

    // Issue 13.
    void apiResponsesAreNotStored();
    void sessionCookieIsSecureOnlyOverHttps();
    void logoutClosesThatSessionsStreams();
    void expiredSessionClosesItsStream();
    void streamThatDoesNotReadIsClosed();

private:
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &user = {}, QList<QPair<QByteArray, QByteArray>> headers = {});
    QString tokenFor(const QString &user);
    qint64 openTicket(const QString &user = QStringLiteral("amy"));
    void startServices(const QString &folder, bool firstStart);
    void stopServices();

    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_server;
    quint16 m_port = 0;
    /// Sessions are what some cases test: a 401 is answered, not signed in again.
    Test::SessionClient m_client {password, Test::SessionClient::On401::Answer};
};

void tst_Api::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC));
    auto db = Test::TestServer::openDatabase(url);
    if (!db)
        QFAIL(qPrintable(db.error()));
    m_db = *db;
    startServices(QStringLiteral(BATON_SOURCE_DIR "/workflows"), true);
}

/// Engine, timers, auth and the HTTP API on m_db with the workflows of `folder` published as
/// `baton serve` publishes them at start; `firstStart` also creates the test users.
void tst_Api::startServices(const QString &folder, bool firstStart)
{
    Test::TestServerOptions options;
    options.database = m_db;
    options.clock = &m_clock;
    QVERIFY(options.useWorkflowFolder(folder));
    options.api.streamQueueLimitBytes = 16 * 1024; // streamThatDoesNotReadIsClosed
    const QString error = m_server.start(options);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    if (firstStart) {
        const QString created = m_server.createUsers(
            {{QStringLiteral("amy"), QStringLiteral("agent"), QStringLiteral("customer-service")},
             {QStringLiteral("alan"), QStringLiteral("agent"), QStringLiteral("customer-service")},
             {QStringLiteral("sue"), QStringLiteral("supervisor"),
              QStringLiteral("customer-service")},
             {QStringLiteral("kai"), QStringLiteral("agent"), QStringLiteral("customs")},
             {QStringLiteral("admin"), QStringLiteral("admin"), QString()}},
            password);
        QVERIFY2(created.isEmpty(), qPrintable(created));
    }
    m_port = m_server.port();
    m_client.setPort(m_port);
}

void tst_Api::stopServices()
{
    m_server.stop();
}

void tst_Api::cleanup()
{
    stopServices();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

RawResponse tst_Api::call(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                          const QString &user, QList<QPair<QByteArray, QByteArray>> headers)
{
    return m_client.call(method, path, body, user, 0, {}, headers);
}

QString tst_Api::tokenFor(const QString &user)
{
    return QString::fromLatin1(m_client.token(user));
}

qint64 tst_Api::openTicket(const QString &user)
{
    const RawResponse response = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"},"channel":"phone"})",
        user);
    if (response.status != 201)
        qWarning("open failed: %d %s", response.status, response.body.constData());
    return response.json().value(QLatin1String("id")).toInteger();
}

void tst_Api::loginMeLogout()
{
    const RawResponse login
        = call("POST", "/api/v1/login", R"({"username":"amy","password":"password-1"})");
    QCOMPARE(login.status, 200);
    const QString token = login.json().value(QLatin1String("token")).toString();
    QCOMPARE(token.size(), 43);
    const QByteArray cookie = login.header("Set-Cookie");
    QVERIFY(cookie.startsWith(QByteArray("baton_session=" + token.toLatin1())));
    QVERIFY(cookie.contains("HttpOnly"));
    QVERIFY(cookie.contains("SameSite=Strict"));
    QCOMPARE(login.json()
                 .value(QLatin1String("user"))
                 .toObject()
                 .value(QLatin1String("username"))
                 .toString(),
             QStringLiteral("amy"));

    const RawResponse viaBearer
        = call("GET", "/api/v1/me", {}, {}, {{"Authorization", "Bearer " + token.toLatin1()}});
    QCOMPARE(viaBearer.status, 200);
    const QJsonObject me = viaBearer.json();
    QCOMPARE(me.value(QLatin1String("departments")).toArray().first().toString(),
             QStringLiteral("customer-service"));
    QVERIFY(me.value(QLatin1String("queues")).toArray().contains(QStringLiteral("cs-agents")));
    const RawResponse viaCookie = call("GET", "/api/v1/me", {}, {},
                                       {{"Cookie", "other=1; baton_session=" + token.toLatin1()}});
    QCOMPARE(viaCookie.status, 200);

    const RawResponse logout
        = call("POST", "/api/v1/logout", {}, {}, {{"Authorization", "Bearer " + token.toLatin1()}});
    QCOMPARE(logout.status, 204);
    QVERIFY(logout.header("Set-Cookie").contains("Max-Age=0"));
    QCOMPARE(
        call("GET", "/api/v1/me", {}, {}, {{"Authorization", "Bearer " + token.toLatin1()}}).status,
        401);
    QCOMPARE(call("POST", "/api/v1/login", R"({"username":"amy","password":"nope-nope"})").status,
             401);
}

void tst_Api::everyApiRouteNeedsASession_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    const QList<QPair<QByteArray, QByteArray>> routes {
        {"POST", "/api/v1/logout"},
        {"GET", "/api/v1/me"},
        {"POST", "/api/v1/tickets"},
        {"GET", "/api/v1/tickets"},
        {"GET", "/api/v1/tickets/1"},
        {"POST", "/api/v1/tickets/1/actions/approve"},
        {"POST", "/api/v1/tickets/1/claim"},
        {"POST", "/api/v1/tickets/1/assign"},
        {"POST", "/api/v1/tickets/1/transfer"},
        {"POST", "/api/v1/tickets/1/comments"},
        {"GET", "/api/v1/tickets/1/events"},
        {"GET", "/api/v1/queues"},
        {"GET", "/api/v1/departments"},
        {"GET", "/api/v1/calendars"},
        {"GET", "/api/v1/workflows"},
        {"GET", "/api/v1/workflows/jump-queue"},
        {"GET", "/api/v1/workflows/jump-queue/versions/1"},
        {"POST", "/api/v1/workflows/validate"},
        {"PUT", "/api/v1/workflows/jump-queue"},
        {"GET", "/api/v1/users"},
        {"POST", "/api/v1/users"},
        {"PATCH", "/api/v1/users/amy"},
        {"GET", "/api/v1/notifications"},
        {"POST", "/api/v1/notifications/1/read"},
        {"GET", "/api/v1/admin/clock"},
        {"POST", "/api/v1/admin/clock"}};
    for (const auto &r : routes)
        QTest::newRow(
            QByteArray(r.first + ' ' + r.second + " without a session is 401").constData())
            << r.first << r.second;
}

void tst_Api::everyApiRouteNeedsASession()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    const RawResponse response = call(method, path, "{}");
    QCOMPARE(response.status, 401);
    QCOMPARE(response.errorCode(), QStringLiteral("unauthenticated"));
    const RawResponse forged
        = call(method, path, "{}", {}, {{"Authorization", "Bearer " + QByteArray(43, 'A')}});
    QCOMPARE(forged.status, 401);
}

void tst_Api::repeatedWrongPasswordsAre429()
{
    for (int i = 0; i < 5; ++i)
        QCOMPARE(
            call("POST", "/api/v1/login", R"({"username":"amy","password":"wrong-wrong"})").status,
            401);
    const RawResponse blocked
        = call("POST", "/api/v1/login", R"({"username":"amy","password":"password-1"})");
    QCOMPARE(blocked.status, 429);
    QCOMPARE(blocked.errorCode(), QStringLiteral("rate_limited"));
    QVERIFY(blocked.header("Retry-After").toInt() > 0);
    QCOMPARE(call("POST", "/api/v1/login", R"({"username":"alan","password":"password-1"})").status,
             200);
}

void tst_Api::openIsIdempotentAndConflictsOnAnotherBody()
{
    const QByteArray body
        = R"({"workflow":"jump-queue","title":"Parcel","fields":{"awb":"123456789012","reason":"r"}})";
    const RawResponse first = call("POST", "/api/v1/tickets", body, QStringLiteral("amy"),
                                   {{"Idempotency-Key", "retry-1"}});
    QCOMPARE(first.status, 201);
    const RawResponse again = call("POST", "/api/v1/tickets", body, QStringLiteral("amy"),
                                   {{"Idempotency-Key", "retry-1"}});
    QCOMPARE(again.status, 201);
    QCOMPARE(again.json().value(QLatin1String("id")), first.json().value(QLatin1String("id")));
    const QByteArray other
        = R"({"workflow":"jump-queue","title":"Another","fields":{"awb":"123456789012","reason":"r"}})";
    const RawResponse conflict = call("POST", "/api/v1/tickets", other, QStringLiteral("amy"),
                                      {{"Idempotency-Key", "retry-1"}});
    QCOMPARE(conflict.status, 409);
    QCOMPARE(conflict.errorCode(), QStringLiteral("conflict"));
    const RawResponse without = call("POST", "/api/v1/tickets", body, QStringLiteral("amy"));
    QVERIFY(without.json().value(QLatin1String("id")) != first.json().value(QLatin1String("id")));
}

void tst_Api::ticketLifecycle()
{
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    const RawResponse got = call("GET", path, {}, QStringLiteral("amy"));
    QCOMPARE(got.status, 200);
    const QJsonObject ticket = got.json();
    QCOMPARE(ticket.value(QLatin1String("key")).toString(), QStringLiteral("JQ-%1").arg(id));
    QCOMPARE(ticket.value(QLatin1String("status")).toString(), QStringLiteral("open"));
    QCOMPARE(ticket.value(QLatin1String("originator")).toString(), QStringLiteral("amy"));
    QCOMPARE(
        ticket.value(QLatin1String("customer")).toObject().value(QLatin1String("tier")).toString(),
        QStringLiteral("A"));
    for (const char *key :
         {"state_title", "queue", "assignee", "priority", "handoffs", "fields", "sla", "actions",
          "links", "version", "created_at", "updated_at", "closed_at"})
        QVERIFY2(ticket.contains(QLatin1String(key)), key);
    QVERIFY(ticket.value(QLatin1String("created_at")).toString().endsWith(u'Z'));

    const RawResponse commented
        = call("POST", path + "/comments", R"({"body":"Called the hub","internal":false})",
               QStringLiteral("alan"));
    QCOMPARE(commented.status, 201);
    const RawResponse claimed = call("POST", path + "/claim", {}, QStringLiteral("sue"));
    QCOMPARE(claimed.status, 200);
    QCOMPARE(claimed.json().value(QLatin1String("assignee")).toString(), QStringLiteral("sue"));
    const RawResponse assigned
        = call("POST", path + "/assign", R"({"username":"alan"})", QStringLiteral("sue"));
    QVERIFY2(assigned.status == 200 || assigned.status == 422, assigned.body.constData());
    const RawResponse unknownAssignee
        = call("POST", path + "/assign", R"({"username":"ghost"})", QStringLiteral("sue"));
    QCOMPARE(unknownAssignee.status, 422);
    const RawResponse transferred
        = call("POST", path + "/transfer", R"({"queue":"cs-agents","reason":"back to front line"})",
               QStringLiteral("sue"));
    QCOMPARE(transferred.status, 200);
    QCOMPARE(transferred.json().value(QLatin1String("queue")).toString(),
             QStringLiteral("cs-agents"));
    const RawResponse noSuchAction
        = call("POST", path + "/actions/fly_to_moon", "{}", QStringLiteral("sue"));
    QVERIFY2(noSuchAction.status == 422 || noSuchAction.status == 404 || noSuchAction.status == 400,
             noSuchAction.body.constData());

    const RawResponse events = call("GET", path + "/events", {}, QStringLiteral("amy"));
    QCOMPARE(events.status, 200);
    const QJsonArray items = events.json().value(QLatin1String("items")).toArray();
    QVERIFY(items.size() >= 4);
    QCOMPARE(items.first().toObject().value(QLatin1String("type")).toString(),
             QStringLiteral("opened"));
    QCOMPARE(items.first().toObject().value(QLatin1String("seq")).toInt(), 1);
    QStringList types;
    for (const QJsonValue &e : items)
        types.append(e.toObject().value(QLatin1String("type")).toString());
    QVERIFY2(types.contains(QStringLiteral("commented"))
                 && types.contains(QStringLiteral("claimed"))
                 && types.contains(QStringLiteral("transferred")),
             qPrintable(types.join(u',')));
}

void tst_Api::staleVersionIs409()
{
    const qint64 id = openTicket();
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    QCOMPARE(call("POST", path + "/claim", R"({"version":1})", QStringLiteral("sue")).status, 200);
    const RawResponse stale
        = call("POST", path + "/actions/ask_customer", R"({"version":1})", QStringLiteral("sue"));
    QCOMPARE(stale.status, 409);
    QCOMPARE(stale.errorCode(), QStringLiteral("conflict"));
}

namespace {

QStringList fieldNames(const QJsonObject &error)
{
    return error.value(QLatin1String("error"))
        .toObject()
        .value(QLatin1String("details"))
        .toObject()
        .value(QLatin1String("fields"))
        .toObject()
        .keys();
}

QStringList strings(const QJsonValue &array)
{
    QStringList list;
    for (const QJsonValue &v : array.toArray())
        list.append(v.toString());
    return list;
}

} // namespace

// Issue 13, item 14: an agent asking the customer could set any field (the outcome, the billing
// note, the air waybill). Each step writes only the fields it collects; the workflow detail
// says which, for the forms.
void tst_Api::aStepWritesOnlyItsFields()
{
    // Opening: the customer's satisfaction is a later step's (`set:` by the follow-up).
    const RawResponse opened = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent","outcome":"satisfied"}})",
        QStringLiteral("amy"));
    QCOMPARE(opened.status, 422);
    QCOMPARE(opened.errorCode(), QStringLiteral("validation_failed"));
    QCOMPARE(fieldNames(opened.json()), QStringList {QStringLiteral("outcome")});

    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    const RawResponse asked
        = call("POST", path + "/actions/ask_customer",
               R"({"fields":{"outcome":"satisfied","billing_note":"waived","awb":"999999999999"}})",
               QStringLiteral("sue"));
    QCOMPARE(asked.status, 422);
    QCOMPARE(asked.errorCode(), QStringLiteral("validation_failed"));
    QCOMPARE(fieldNames(asked.json()),
             (QStringList {QStringLiteral("awb"), QStringLiteral("billing_note"),
                           QStringLiteral("outcome")}));
    const RawResponse unchanged = call("GET", path, {}, QStringLiteral("amy"));
    QCOMPARE(unchanged.json().value(QLatin1String("version")).toInt(), 1);
    QCOMPARE(unchanged.json()
                 .value(QLatin1String("fields"))
                 .toObject()
                 .value(QLatin1String("awb"))
                 .toString(),
             QStringLiteral("123456789012"));
    // What it does write still works.
    QCOMPARE(call("POST", path + "/actions/decline", R"({"fields":{"reply":"No slot"}})",
                  QStringLiteral("sue"))
                 .status,
             200);

    // The detail names what opening and each transition accept; the ticket's actions too.
    const QJsonObject wf
        = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("amy")).json();
    const QStringList opening = strings(wf.value(QLatin1String("opening_fields")));
    QVERIFY2(opening.contains(QStringLiteral("awb")) && opening.contains(QStringLiteral("reason"))
                 && !opening.contains(QStringLiteral("outcome"))
                 && !opening.contains(QStringLiteral("billing_note")),
             qPrintable(opening.join(u',')));
    QJsonObject decline;
    for (const QJsonValue &state : wf.value(QLatin1String("states")).toArray())
        for (const QJsonValue &t : state.toObject().value(QLatin1String("transitions")).toArray())
            if (t.toObject().value(QLatin1String("name")).toString() == u"decline")
                decline = t.toObject();
    QCOMPARE(strings(decline.value(QLatin1String("accepts"))),
             QStringList {QStringLiteral("reply")});
    QCOMPARE(strings(wf.value(QLatin1String("any"))
                         .toArray()
                         .first()
                         .toObject()
                         .value(QLatin1String("accepts"))),
             QStringList());
}

// Issue 13, item 15: an agent claimed the supervisors' review and transferred it to Billing,
// where nobody may approve it. A step's work goes only where the step says (default: its
// department's queues), with a reason; the ticket lists the targets for the caller.
void tst_Api::transferKeepsToTheStepsTargets()
{
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    QCOMPARE(call("POST", path + "/claim", {}, QStringLiteral("alan")).status, 200);
    const RawResponse away
        = call("POST", path + "/transfer", R"({"queue":"billing","reason":"Billing can approve"})",
               QStringLiteral("alan"));
    QCOMPARE(away.status, 422);
    QCOMPARE(away.errorCode(), QStringLiteral("validation_failed"));
    QCOMPARE(fieldNames(away.json()), QStringList {QStringLiteral("queue")});
    const RawResponse noReason
        = call("POST", path + "/transfer", R"({"queue":"cs-agents"})", QStringLiteral("alan"));
    QCOMPARE(noReason.status, 422);
    QCOMPARE(fieldNames(noReason.json()), QStringList {QStringLiteral("reason")});
    const RawResponse blankReason
        = call("POST", path + "/transfer", R"({"queue":"cs-agents","reason":"  "})",
               QStringLiteral("alan"));
    QCOMPARE(blankReason.status, 422);

    const QJsonObject ticket = call("GET", path, {}, QStringLiteral("alan")).json();
    const QJsonArray targets = ticket.value(QLatin1String("transfer_targets")).toArray();
    QCOMPARE(targets.size(), 1);
    QCOMPARE(targets.first().toObject().value(QLatin1String("queue")).toString(),
             QStringLiteral("cs-agents"));
    QCOMPARE(targets.first().toObject().value(QLatin1String("title")).toString(),
             QStringLiteral("Customer service agents"));
    // An admin may take every step, so an admin's transfer bypasses nothing: any queue.
    bool billing = false;
    for (const QJsonValue &t : call("GET", path, {}, QStringLiteral("admin"))
                                   .json()
                                   .value(QLatin1String("transfer_targets"))
                                   .toArray())
        billing = billing || t.toObject().value(QLatin1String("queue")).toString() == u"billing";
    QVERIFY(billing);
    QCOMPARE(call("POST", path + "/transfer",
                  R"({"queue":"cs-agents","reason":"The desk knows the customer"})",
                  QStringLiteral("alan"))
                 .status,
             200);
}

void tst_Api::authorisationMatrix_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>(
        "suffix"); // appended to /api/v1/tickets/{id}; "!" + path for others
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    // The ticket: opened by amy (customer-service agent), waiting in cs-supervisors.
    const QString amy = QStringLiteral("amy"), alan = QStringLiteral("alan"),
                  sue = QStringLiteral("sue"), kai = QStringLiteral("kai"),
                  admin = QStringLiteral("admin");
    QTest::newRow("originator sees the ticket")
        << amy << QByteArray("GET") << QByteArray() << QByteArray() << 200;
    QTest::newRow("member of the queue's department sees it")
        << alan << QByteArray("GET") << QByteArray() << QByteArray() << 200;
    QTest::newRow("supervisor of the department sees it")
        << sue << QByteArray("GET") << QByteArray() << QByteArray() << 200;
    QTest::newRow("agent of another department gets 404")
        << kai << QByteArray("GET") << QByteArray() << QByteArray() << 404;
    QTest::newRow("admin sees it")
        << admin << QByteArray("GET") << QByteArray() << QByteArray() << 200;
    QTest::newRow("other department's events are 404")
        << kai << QByteArray("GET") << QByteArray("/events") << QByteArray() << 404;
    QTest::newRow("other department cannot comment: 404")
        << kai << QByteArray("POST") << QByteArray("/comments") << QByteArray(R"({"body":"x"})")
        << 404;
    QTest::newRow("other department cannot claim: 404")
        << kai << QByteArray("POST") << QByteArray("/claim") << QByteArray() << 404;
    QTest::newRow("other department cannot transfer: 404")
        << kai << QByteArray("POST") << QByteArray("/transfer")
        << QByteArray(R"({"queue":"customs"})") << 404;
    QTest::newRow("originator may not take a supervisor action: 403")
        << amy << QByteArray("POST") << QByteArray("/actions/approve") << QByteArray("{}") << 403;
    QTest::newRow("unknown ticket is 404")
        << admin << QByteArray("GET") << QByteArray("!/api/v1/tickets/999999") << QByteArray()
        << 404;
    QTest::newRow("agent cannot create users: 403")
        << amy << QByteArray("POST") << QByteArray("!/api/v1/users")
        << QByteArray(R"({"username":"x1","name":"X","password":"password-9"})") << 403;
    QTest::newRow("supervisor cannot create users: 403")
        << sue << QByteArray("POST") << QByteArray("!/api/v1/users")
        << QByteArray(R"({"username":"x1","name":"X","password":"password-9"})") << 403;
    QTest::newRow("admin creates users")
        << admin << QByteArray("POST") << QByteArray("!/api/v1/users")
        << QByteArray(
               R"({"username":"x1","name":"X","password":"password-9","departments":["customs"],"roles":["agent"]})")
        << 201;
    QTest::newRow("agent cannot change users: 403")
        << amy << QByteArray("PATCH") << QByteArray("!/api/v1/users/alan")
        << QByteArray(R"({"active":false})") << 403;
    QTest::newRow("agent cannot publish workflows: 403")
        << amy << QByteArray("PUT") << QByteArray("!/api/v1/workflows/jump-queue")
        << QByteArray("workflow: x") << 403;
    QTest::newRow("supervisor cannot move the clock: 403")
        << sue << QByteArray("POST") << QByteArray("!/api/v1/admin/clock")
        << QByteArray(R"({"advance_seconds":1})") << 403;
    QTest::newRow("any user reads the clock")
        << kai << QByteArray("GET") << QByteArray("!/api/v1/admin/clock") << QByteArray() << 200;
    QTest::newRow("any user lists users")
        << kai << QByteArray("GET") << QByteArray("!/api/v1/users") << QByteArray() << 200;
}

void tst_Api::authorisationMatrix()
{
    QFETCH(QString, user);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, suffix);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray path = suffix.startsWith('!')
        ? suffix.mid(1)
        : "/api/v1/tickets/" + QByteArray::number(id) + suffix;
    QList<QPair<QByteArray, QByteArray>> headers;
    if (method == "PUT")
        headers.append({QByteArray("Content-Type"), QByteArray("application/yaml")});
    const RawResponse response = call(method, path, body, user, headers);
    QVERIFY2(
        response.status == status,
        qPrintable(
            QStringLiteral("%1: %2").arg(response.status).arg(QString::fromUtf8(response.body))));
}

void tst_Api::badInput_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    const QByteArray json = "application/json";
    QTest::newRow("invalid JSON is 400")
        << QByteArray("/api/v1/tickets") << QByteArray("{\"workflow\":") << json << 400;
    QTest::newRow("JSON array is 400")
        << QByteArray("/api/v1/tickets") << QByteArray("[]") << json << 400;
    QTest::newRow("title as a number is 400")
        << QByteArray("/api/v1/tickets") << QByteArray(R"({"workflow":"jump-queue","title":5})")
        << json << 400;
    QTest::newRow("unknown top-level field is 400")
        << QByteArray("/api/v1/tickets")
        << QByteArray(R"({"workflow":"jump-queue","title":"t","colour":"red"})") << json << 400;
    QTest::newRow("unknown customer key is 400")
        << QByteArray("/api/v1/tickets")
        << QByteArray(R"({"workflow":"jump-queue","title":"t","customer":{"shoe":1}})") << json
        << 400;
    QTest::newRow("unknown channel is 400")
        << QByteArray("/api/v1/tickets")
        << QByteArray(R"({"workflow":"jump-queue","title":"t","channel":"pigeon"})") << json << 400;
    QTest::newRow("invalid UTF-8 is 400")
        << QByteArray("/api/v1/tickets")
        << QByteArray("{\"workflow\":\"jump-queue\",\"title\":\"\xff\"}") << json << 400;
    QTest::newRow("form post is 415")
        << QByteArray("/api/v1/tickets") << QByteArray("workflow=jump-queue")
        << QByteArray("application/x-www-form-urlencoded") << 415;
    QTest::newRow("missing required field is 422")
        << QByteArray("/api/v1/tickets")
        << QByteArray(R"({"workflow":"jump-queue","title":"t","fields":{}})") << json << 422;
    QTest::newRow("unknown workflow is 404 or 422")
        << QByteArray("/api/v1/tickets") << QByteArray(R"({"workflow":"nope","title":"t"})") << json
        << -1;
    QTest::newRow("version as a string is 400")
        << QByteArray("/api/v1/tickets/1/claim") << QByteArray(R"({"version":"7"})") << json << 400;
    QTest::newRow("body over 1 MiB is 413")
        << QByteArray("/api/v1/tickets") << QByteArray(1024 * 1024 + 1, ' ') << json << 413;
}

void tst_Api::badInput()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    const RawResponse response
        = call("POST", path, body, QStringLiteral("amy"), {{"Content-Type", contentType}});
    if (status == -1)
        QVERIFY2(response.status == 404 || response.status == 422, response.body.constData());
    else
        QVERIFY2(response.status == status,
                 qPrintable(QStringLiteral("%1 %2")
                                .arg(response.status)
                                .arg(QString::fromUtf8(response.body))));
    QVERIFY(!response.errorCode().isEmpty());
    QCOMPARE(call("GET", "/api/v1/me", {}, QStringLiteral("amy")).status, 200); // still serving
}

void tst_Api::listFiltersAndCursor()
{
    for (int i = 0; i < 5; ++i)
        QVERIFY(openTicket() > 0);
    const qint64 kaiCannotSee = openTicket(QStringLiteral("alan"));
    QVERIFY(kaiCannotSee > 0);
    const RawResponse page1 = call("GET", "/api/v1/tickets?originator=me&sort=-created&limit=2", {},
                                   QStringLiteral("amy"));
    QCOMPARE(page1.status, 200);
    QCOMPARE(page1.json().value(QLatin1String("items")).toArray().size(), 2);
    const QString cursor = page1.json().value(QLatin1String("next_cursor")).toString();
    QVERIFY(!cursor.isEmpty());
    const RawResponse page2 = call("GET",
                                   "/api/v1/tickets?originator=me&sort=-created&limit=2&cursor="
                                       + QUrl::toPercentEncoding(cursor),
                                   {}, QStringLiteral("amy"));
    QCOMPARE(page2.status, 200);
    QVERIFY(page2.json().value(QLatin1String("items")).toArray().first()
            != page1.json().value(QLatin1String("items")).toArray().first());
    const RawResponse queue = call("GET", "/api/v1/tickets?queue=cs-supervisors&status=open", {},
                                   QStringLiteral("sue"));
    QCOMPARE(queue.json().value(QLatin1String("items")).toArray().size(), 6);
    const RawResponse outsider = call("GET", "/api/v1/tickets", {}, QStringLiteral("kai"));
    QCOMPARE(outsider.status, 200);
    QCOMPARE(outsider.json().value(QLatin1String("items")).toArray().size(), 0);
    QCOMPARE(call("GET", "/api/v1/tickets?sort=sideways", {}, QStringLiteral("amy")).status, 400);
    QCOMPARE(call("GET", "/api/v1/tickets?limit=0", {}, QStringLiteral("amy")).status, 400);
    QCOMPARE(call("GET", "/api/v1/tickets?status=maybe", {}, QStringLiteral("amy")).status, 400);
    QCOMPARE(call("GET", "/api/v1/tickets?colour=red", {}, QStringLiteral("amy")).status, 400);
}

void tst_Api::parallelBranchesListedAndCountedInTheirQueues()
{
    // Approved, the ticket waits in billing and ground-ops at once (its own queue is null):
    // billing's page, its sla filters and its counts go by the billing branch's clock.
    QCOMPARE(
        call(
            "POST", "/api/v1/users",
            R"({"username":"bill","name":"Bill","password":"password-1","departments":["billing"],"roles":["agent"]})",
            QStringLiteral("admin"))
            .status,
        201);
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const RawResponse approved
        = call("POST", "/api/v1/tickets/" + QByteArray::number(id) + "/actions/approve", "{}",
               QStringLiteral("sue"));
    QCOMPARE(approved.status, 200);
    QVERIFY(approved.json().value(QLatin1String("queue")).isNull());
    QString billingDue;
    for (const QJsonValue &b : approved.json().value(QLatin1String("branches")).toArray())
        if (b.toObject().value(QLatin1String("queue")).toString() == u"billing")
            billingDue = b.toObject()
                             .value(QLatin1String("sla"))
                             .toObject()
                             .value(QLatin1String("resolve_due"))
                             .toString();
    QVERIFY(!billingDue.isEmpty());
    const auto ids = [&](const QByteArray &query) {
        QList<qint64> found;
        const RawResponse r = call("GET", "/api/v1/tickets?" + query, {}, QStringLiteral("bill"));
        if (r.status != 200)
            qWarning("%d %s", r.status, r.body.constData());
        for (const QJsonValue &t : r.json().value(QLatin1String("items")).toArray())
            found << t.toObject().value(QLatin1String("id")).toInteger();
        return found;
    };
    const auto billingCounts = [&] {
        const RawResponse r = call("GET", "/api/v1/queues", {}, QStringLiteral("bill"));
        for (const QJsonValue &q : QJsonDocument::fromJson(r.body).array())
            if (q.toObject().value(QLatin1String("name")).toString() == u"billing")
                return QList<int> {q.toObject().value(QLatin1String("open")).toInt(),
                                   q.toObject().value(QLatin1String("at_risk")).toInt(),
                                   q.toObject().value(QLatin1String("breached")).toInt()};
        return QList<int>();
    };
    QCOMPARE(ids("queue=billing&status=open&sort=due"), QList<qint64> {id});
    QCOMPARE(ids("queue=billing&sla=at_risk"), QList<qint64>());
    QCOMPARE(billingCounts(), (QList<int> {1, 0, 0}));

    // A second before the billing target: at risk (past the 75% warning), not breached.
    const QDateTime due = QDateTime::fromString(billingDue, Qt::ISODate);
    QVERIFY(due.isValid());
    auto setClock = [&](const QDateTime &at) {
        // Moved by hours, sessions end: sign in again afterwards.
        const int status = call("POST", "/api/v1/admin/clock",
                                "{\"set\":\"" + at.toUTC().toString(Qt::ISODate).toLatin1() + "\"}",
                                QStringLiteral("admin"))
                               .status;
        m_client.forgetSessions();
        return status;
    };
    QCOMPARE(setClock(due.addSecs(-1)), 200);
    QCOMPARE(ids("queue=billing&sla=at_risk"), QList<qint64> {id});
    QCOMPARE(ids("sla=at_risk"), QList<qint64> {id});
    QCOMPARE(ids("queue=billing&sla=breached"), QList<qint64>());
    QCOMPARE(billingCounts(), (QList<int> {1, 1, 0}));

    // Past it: breached (not yet moved on by the 150% step).
    QCOMPARE(setClock(due.addSecs(1)), 200);
    QCOMPARE(ids("queue=billing&sla=breached"), QList<qint64> {id});
    QCOMPARE(ids("queue=billing&sla=at_risk"), QList<qint64>());
    QCOMPARE(billingCounts(), (QList<int> {1, 0, 1}));
    QCOMPARE(call("GET", "/api/v1/tickets?sla=late", {}, QStringLiteral("bill")).status, 400);
}

void tst_Api::assigneeFilterFindsBranchTasks()
{
    // `assignee=` means whom the ticket waits on: its own assignee or a branch's, the same
    // people canSee lets open it, so one's branch tasks are in one's "assigned to me" list.
    for (const char *user : {"bill", "bea"})
        QCOMPARE(
            call(
                "POST", "/api/v1/users",
                R"({"username":")" + QByteArray(user)
                    + R"(","name":"B","password":"password-1","departments":["billing"],"roles":["agent"]})",
                QStringLiteral("admin"))
                .status,
            201);
    const qint64 parallel = openTicket();
    const qint64 other = openTicket();
    QVERIFY(parallel > 0 && other > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(parallel);
    QCOMPARE(call("POST", path + "/actions/approve", "{}", QStringLiteral("sue")).status, 200);
    const auto ids = [&](const QByteArray &query, const QString &user) {
        QList<qint64> found;
        const RawResponse r = call("GET", "/api/v1/tickets?" + query, {}, user);
        if (r.status != 200)
            qWarning("%d %s", r.status, r.body.constData());
        for (const QJsonValue &t : r.json().value(QLatin1String("items")).toArray())
            found << t.toObject().value(QLatin1String("id")).toInteger();
        return found;
    };
    QCOMPARE(ids("assignee=me", QStringLiteral("bill")), QList<qint64>());

    const RawResponse assigned
        = call("POST", path + "/assign", R"({"username":"bill","branch":"billing"})",
               QStringLiteral("admin"));
    QCOMPARE(assigned.status, 200);
    QVERIFY(assigned.json().value(QLatin1String("assignee")).isNull()); // the branch's, not its own
    QCOMPARE(ids("assignee=me", QStringLiteral("bill")), QList<qint64> {parallel});
    QCOMPARE(ids("assignee=me&status=open&sort=due", QStringLiteral("bill")),
             QList<qint64> {parallel});
    QCOMPARE(ids("assignee=me&queue=billing", QStringLiteral("bill")), QList<qint64> {parallel});
    QCOMPARE(ids("assignee=bill", QStringLiteral("admin")), QList<qint64> {parallel});
    QCOMPARE(ids("assignee=bill", QStringLiteral("amy")), QList<qint64> {parallel}); // originator
    QCOMPARE(ids("assignee=me", QStringLiteral("bea")), QList<qint64>());
    QCOMPARE(ids("assignee=bill", QStringLiteral("kai")), QList<qint64>()); // may not see it

    // Moved to another department, bill still works the branch task: still listed.
    QCOMPARE(call("PATCH", "/api/v1/users/bill", R"({"departments":["customs"]})",
                  QStringLiteral("admin"))
                 .status,
             200);
    m_client.forget(QStringLiteral("bill"));
    QCOMPARE(ids("assignee=me", QStringLiteral("bill")), QList<qint64> {parallel});
    QVERIFY(ids("", QStringLiteral("bill")).contains(parallel));

    // Handed to bea: hers now, no longer bill's, nor visible to him.
    QCOMPARE(call("POST", path + "/assign", R"({"username":"bea","branch":"billing"})",
                  QStringLiteral("admin"))
                 .status,
             200);
    QCOMPARE(ids("assignee=me", QStringLiteral("bea")), QList<qint64> {parallel});
    QCOMPARE(ids("assignee=me", QStringLiteral("bill")), QList<qint64>());
    QVERIFY(!ids("", QStringLiteral("bill")).contains(parallel));
    QCOMPARE(call("GET", path, {}, QStringLiteral("bill")).status, 404);

    // The ticket's own assignee still counts, beside the branch's.
    QCOMPARE(call("POST", "/api/v1/tickets/" + QByteArray::number(other) + "/assign",
                  R"({"username":"sue"})", QStringLiteral("admin"))
                 .status,
             200);
    QCOMPARE(ids("assignee=sue", QStringLiteral("admin")), QList<qint64> {other});
}

void tst_Api::workflowsReadValidatePublish()
{
    const RawResponse list = rawRequest(
        m_port,
        httpRequest("GET", "/api/v1/workflows", {},
                    {{"Authorization", "Bearer " + tokenFor(QStringLiteral("kai")).toLatin1()}}));
    QCOMPARE(list.status, 200);
    const QJsonArray workflows = QJsonDocument::fromJson(list.body).array();
    QVERIFY(!workflows.isEmpty());
    for (const QJsonValue &w : workflows)
        QVERIFY(w.toObject().contains(QLatin1String("startable")));
    const RawResponse one = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("amy"));
    QCOMPARE(one.status, 200);
    QVERIFY(
        one.json().value(QLatin1String("source")).toString().contains(QLatin1String("workflow:")));
    QVERIFY(one.json()
                .value(QLatin1String("mermaid"))
                .toString()
                .startsWith(QLatin1String("stateDiagram")));
    QVERIFY(one.json().value(QLatin1String("fields")).toObject().contains(QLatin1String("awb")));
    // Fields carry their YAML position, default, pattern and options; transitions their
    // `requires`, so that a form can tell what is needed at opening and what later.
    const QJsonObject fieldsOfOne = one.json().value(QLatin1String("fields")).toObject();
    const QJsonObject awb = fieldsOfOne.value(QLatin1String("awb")).toObject();
    QCOMPARE(awb.value(QLatin1String("order")).toInt(), 0);
    QCOMPARE(awb.value(QLatin1String("pattern")).toString(), QStringLiteral("^[0-9]{12}$"));
    QVERIFY(!awb.contains(QLatin1String("default")));
    const QJsonObject urgency = fieldsOfOne.value(QLatin1String("urgency")).toObject();
    QCOMPARE(urgency.value(QLatin1String("order")).toInt(), 1);
    QCOMPARE(urgency.value(QLatin1String("default")).toString(), QStringLiteral("high"));
    QCOMPARE(urgency.value(QLatin1String("options")).toArray().size(), 3);
    const QJsonArray fieldOrder = one.json().value(QLatin1String("field_order")).toArray();
    QCOMPARE(fieldOrder.size(), fieldsOfOne.size());
    QCOMPARE(fieldOrder.at(0).toString(), QStringLiteral("awb"));
    QCOMPARE(fieldOrder.at(4).toString(), QStringLiteral("reason"));
    QStringList required;
    for (const QJsonValue &state : one.json().value(QLatin1String("states")).toArray()) {
        QVERIFY(state.toObject().contains(QLatin1String("branches")));
        QList<QJsonValue> transitions;
        for (const QJsonValue &t : state.toObject().value(QLatin1String("transitions")).toArray())
            transitions.append(t);
        for (const QJsonValue &b : state.toObject().value(QLatin1String("branches")).toArray())
            for (const QJsonValue &t : b.toObject().value(QLatin1String("transitions")).toArray())
                transitions.append(t);
        for (const QJsonValue &t : std::as_const(transitions))
            for (const QJsonValue &f : t.toObject().value(QLatin1String("requires")).toArray())
                required.append(f.toString());
    }
    QVERIFY(required.contains(QStringLiteral("billing_note"))); // in a parallel branch
    QCOMPARE(
        call("GET", "/api/v1/workflows/jump-queue/versions/1", {}, QStringLiteral("amy")).status,
        200);
    QCOMPARE(
        call("GET", "/api/v1/workflows/jump-queue/versions/9", {}, QStringLiteral("amy")).status,
        404);
    QCOMPARE(call("GET", "/api/v1/workflows/nope", {}, QStringLiteral("amy")).status, 404);

    const QByteArray yaml = one.json().value(QLatin1String("source")).toString().toUtf8();
    const QList<QPair<QByteArray, QByteArray>> yamlType {{"Content-Type", "application/yaml"}};
    const RawResponse valid
        = call("POST", "/api/v1/workflows/validate", yaml, QStringLiteral("amy"), yamlType);
    QCOMPARE(valid.status, 200);
    QCOMPARE(valid.json().value(QLatin1String("valid")).toBool(), true);
    const RawResponse invalid = call("POST", "/api/v1/workflows/validate", "workflow: [unclosed",
                                     QStringLiteral("amy"), yamlType);
    QCOMPARE(invalid.status, 200);
    QCOMPARE(invalid.json().value(QLatin1String("valid")).toBool(), false);
    const QJsonObject error
        = invalid.json().value(QLatin1String("errors")).toArray().first().toObject();
    QVERIFY(error.value(QLatin1String("line")).toInt() >= 1);

    QCOMPARE(
        call("PUT", "/api/v1/workflows/jump-queue", yaml, QStringLiteral("admin"), yamlType).status,
        200);
    QByteArray changed = yaml;
    changed.replace("Jump queue", "Jump the queue");
    const RawResponse published
        = call("PUT", "/api/v1/workflows/jump-queue", changed, QStringLiteral("admin"), yamlType);
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json().value(QLatin1String("version")).toInt(), 2);
    const RawResponse broken
        = call("PUT", "/api/v1/workflows/jump-queue", "workflow: jump-queue\nstates: 5\n",
               QStringLiteral("admin"), yamlType);
    QCOMPARE(broken.status, 422);
    QVERIFY(!broken.json()
                 .value(QLatin1String("error"))
                 .toObject()
                 .value(QLatin1String("details"))
                 .toObject()
                 .value(QLatin1String("errors"))
                 .toArray()
                 .isEmpty());

    // A new workflow whose `open:` leaves a field the published jump-queue requires empty is
    // refused when validated and when published, with the place and the field named; once
    // it fills the field it publishes.
    const QByteArray chaser = "workflow: chaser\n"
                              "fields:\n"
                              "  shipment: {type: string}\n"
                              "initial: open\n"
                              "states:\n"
                              "  open:\n"
                              "    queue: cs-agents\n"
                              "    on:\n"
                              "      chase: {to: done, open: {workflow: jump-queue, fields: "
                              "{reason: shipment}}}\n"
                              "  done: {final: true}\n";
    const RawResponse unfilled
        = call("POST", "/api/v1/workflows/validate", chaser, QStringLiteral("amy"), yamlType);
    QCOMPARE(unfilled.status, 200);
    QCOMPARE(unfilled.json().value(QLatin1String("valid")).toBool(), false);
    const QJsonArray unfilledErrors = unfilled.json().value(QLatin1String("errors")).toArray();
    QCOMPARE(unfilledErrors.size(), 1);
    QCOMPARE(unfilledErrors.first().toObject().value(QLatin1String("line")).toInt(), 9);
    QVERIFY(unfilledErrors.first()
                .toObject()
                .value(QLatin1String("message"))
                .toString()
                .contains(QStringLiteral("required field 'awb' empty")));
    QCOMPARE(
        call("PUT", "/api/v1/workflows/chaser", chaser, QStringLiteral("admin"), yamlType).status,
        422);
    QByteArray filled = chaser;
    filled.replace("{reason: shipment}", "{awb: shipment, reason: shipment}");
    QCOMPARE(
        call("PUT", "/api/v1/workflows/chaser", filled, QStringLiteral("admin"), yamlType).status,
        201);

    // The other way round: a jump-queue version requiring a field that chaser's open: leaves
    // empty is refused at that field's line; with a default it is published.
    QByteArray requiresHub = changed;
    const qsizetype fieldsAt = requiresHub.indexOf("\nfields:\n") + 9;
    QVERIFY(fieldsAt > 9);
    const int hubLine = int(requiresHub.left(fieldsAt).count('\n')) + 1;
    requiresHub.insert(fieldsAt, "  hub: {type: string, required: true}\n");
    const RawResponse refused = call("PUT", "/api/v1/workflows/jump-queue", requiresHub,
                                     QStringLiteral("admin"), yamlType);
    QCOMPARE(refused.status, 422);
    const QJsonArray refusedErrors = refused.json()
                                         .value(QLatin1String("error"))
                                         .toObject()
                                         .value(QLatin1String("details"))
                                         .toObject()
                                         .value(QLatin1String("errors"))
                                         .toArray();
    QCOMPARE(refusedErrors.size(), 1);
    const QJsonObject hubError = refusedErrors.first().toObject();
    QCOMPARE(hubError.value(QLatin1String("line")).toInt(), hubLine);
    QVERIFY2(hubError.value(QLatin1String("message"))
                 .toString()
                 .contains(QStringLiteral("workflow 'chaser', whose transition 'chase'")),
             qPrintable(hubError.value(QLatin1String("message")).toString()));
    requiresHub.replace("hub: {type: string, required: true}",
                        "hub: {type: string, required: true, default: HKG}");
    QCOMPARE(
        call("PUT", "/api/v1/workflows/jump-queue", requiresHub, QStringLiteral("admin"), yamlType)
            .status,
        201);
}

void tst_Api::workflowTextFollowsAcceptLanguage()
{
    // The same ticket, the same user: workflow text (state and action titles, field labels,
    // workflow and branch titles) in the language the request asks for; everything else equal.
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    const QPair<QByteArray, QByteArray> zh {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"};
    const QPair<QByteArray, QByteArray> enFirst {"Accept-Language", "en-US,en;q=0.9,zh;q=0.8"};
    const auto actionTitles = [](const QJsonObject &ticket) {
        QStringList titles;
        for (const QJsonValue &a : ticket.value(QLatin1String("actions")).toArray())
            titles.append(a.toObject().value(QLatin1String("title")).toString());
        titles.sort();
        return titles;
    };

    const RawResponse plain = call("GET", path, {}, QStringLiteral("sue"));
    const RawResponse chinese = call("GET", path, {}, QStringLiteral("sue"), {zh});
    const RawResponse english = call("GET", path, {}, QStringLiteral("sue"), {enFirst});
    QCOMPARE(plain.status, 200);
    QCOMPARE(chinese.status, 200);
    QCOMPARE(plain.json().value(QLatin1String("state_title")).toString(),
             QStringLiteral("Supervisor review"));
    QCOMPARE(chinese.json().value(QLatin1String("state_title")).toString(),
             QStringLiteral("主管审核"));
    QCOMPARE(actionTitles(plain.json()),
             (QStringList {QStringLiteral("Approve"), QStringLiteral("Ask the customer"),
                           QStringLiteral("Decline")}));
    QCOMPARE(actionTitles(chinese.json()),
             (QStringList {QStringLiteral("批准"), QStringLiteral("联系客户补充信息"),
                           QStringLiteral("驳回")}));
    QCOMPARE(english.json(), plain.json());
    QJsonObject sameShape = chinese.json();
    sameShape.insert(QStringLiteral("state_title"),
                     plain.json().value(QLatin1String("state_title")));
    sameShape.insert(QStringLiteral("actions"), plain.json().value(QLatin1String("actions")));
    // Where it may be transferred is titled by the organisation's queue titles, per language.
    QCOMPARE(chinese.json()
                 .value(QLatin1String("transfer_targets"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QLatin1String("title"))
                 .toString(),
             QStringLiteral("客服专员"));
    sameShape.insert(QStringLiteral("transfer_targets"),
                     plain.json().value(QLatin1String("transfer_targets")));
    QCOMPARE(sameShape, plain.json()); // only the workflow text differs

    // Lists, and the ticket a write answers with (built after the engine's callback).
    const RawResponse listed
        = call("GET", "/api/v1/tickets?status=open", {}, QStringLiteral("sue"), {zh});
    QCOMPARE(listed.status, 200);
    const QJsonArray items = listed.json().value(QLatin1String("items")).toArray();
    QVERIFY(!items.isEmpty());
    for (const QJsonValue &item : items)
        QCOMPARE(item.toObject().value(QLatin1String("state_title")).toString(),
                 QStringLiteral("主管审核"));
    const RawResponse approved
        = call("POST", path + "/actions/approve", "{}", QStringLiteral("sue"), {zh});
    QCOMPARE(approved.status, 200);
    QCOMPARE(approved.json().value(QLatin1String("state_title")).toString(),
             QStringLiteral("计费与地面操作处理"));

    // Workflows: the list's titles, the detail's titles and labels; the diagram stays English.
    const RawResponse list = call("GET", "/api/v1/workflows", {}, QStringLiteral("amy"), {zh});
    QCOMPARE(list.status, 200);
    QString listedTitle;
    for (const QJsonValue &w : QJsonDocument::fromJson(list.body).array())
        if (w.toObject().value(QLatin1String("name")).toString() == u"jump-queue")
            listedTitle = w.toObject().value(QLatin1String("title")).toString();
    QCOMPARE(listedTitle, QStringLiteral("插队处理——在途快件加急处理"));
    const RawResponse detail
        = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("amy"), {zh});
    QCOMPARE(detail.status, 200);
    const QJsonObject wf = detail.json();
    QCOMPARE(wf.value(QLatin1String("fields"))
                 .toObject()
                 .value(QLatin1String("awb"))
                 .toObject()
                 .value(QLatin1String("label"))
                 .toString(),
             QStringLiteral("空运单号"));
    QString branchTitle;
    for (const QJsonValue &state : wf.value(QLatin1String("states")).toArray())
        for (const QJsonValue &b : state.toObject().value(QLatin1String("branches")).toArray())
            if (b.toObject().value(QLatin1String("name")).toString() == u"ground")
                branchTitle = b.toObject().value(QLatin1String("title")).toString();
    QCOMPARE(branchTitle, QStringLiteral("快件提前处理"));
    QVERIFY(wf.value(QLatin1String("mermaid")).toString().contains(u"Supervisor review"));
    const RawResponse detailEn
        = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("amy"));
    QCOMPARE(detailEn.json().value(QLatin1String("title")).toString(),
             QStringLiteral("Jump queue — special handling for a shipment in transit"));
}

namespace {

/// A copy of the shipped workflows folder, whose files a test may change between starts.
bool copyFolder(const QString &from, const QString &to)
{
    for (const QFileInfo &file : QDir(from).entryInfoList({QStringLiteral("*.yaml")}, QDir::Files))
        if (!QFile::copy(file.filePath(), QDir(to).filePath(file.fileName())))
            return false;
    return true;
}

bool appendToFile(const QString &path, const QByteArray &text)
{
    QFile file(path);
    return file.open(QIODevice::Append) && file.write(text) == text.size();
}

} // namespace

// The second edition over HTTP: choice option labels in the caller's language, and a delayed
// linked ticket shown as pending on the ticket until the clock reaches it.
void tst_Api::delayedLinkAndOptionLabelsOverHttp()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    QVERIFY(copyFolder(QStringLiteral(BATON_SOURCE_DIR "/workflows"), folder.path()));
    QVERIFY(appendToFile(
        folder.filePath(QStringLiteral("parcel-claim.yaml")),
        "workflow: parcel-claim\n"
        "fields:\n"
        "  desk:\n"
        "    type: choice\n"
        "    options:\n"
        "      - {value: customs, label: {en: Customs, zh: \xe6\xb5\xb7\xe5\x85\xb3}}\n"
        "      - billing\n"
        "initial: desk\n"
        "states:\n"
        "  desk:\n"
        "    queue: cs-agents\n"
        "    on:\n"
        "      solve: {to: closed, open: {workflow: parcel-claim, after: 48h}}\n"
        "  closed: {final: true}\n"));
    stopServices();
    startServices(folder.path(), false);

    const auto labels = [this](const QByteArray &language) {
        return call("GET", "/api/v1/workflows/parcel-claim", {}, QStringLiteral("amy"),
                    {{"Accept-Language", language}})
            .json()
            .value(QLatin1String("fields"))
            .toObject()
            .value(QLatin1String("desk"))
            .toObject()
            .value(QLatin1String("option_labels"))
            .toObject();
    };
    QCOMPARE(labels("en").value(QLatin1String("customs")).toString(), QStringLiteral("Customs"));
    QCOMPARE(labels("zh-CN").value(QLatin1String("customs")).toString(), QStringLiteral("海关"));
    QVERIFY(!labels("en").contains(QLatin1String("billing")));

    const RawResponse opened
        = call("POST", "/api/v1/tickets", R"({"workflow":"parcel-claim","title":"Parcel lost"})",
               QStringLiteral("amy"));
    QCOMPARE(opened.status, 201);
    const QByteArray path = "/api/v1/tickets/"
        + QByteArray::number(opened.json().value(QLatin1String("id")).toInteger());
    const RawResponse solved = call("POST", path + "/actions/solve", "{}", QStringLiteral("amy"));
    QCOMPARE(solved.status, 200);
    const QJsonArray pending = solved.json().value(QLatin1String("pending_links")).toArray();
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.first().toObject().value(QLatin1String("workflow")).toString(),
             QStringLiteral("parcel-claim"));
    QCOMPARE(pending.first().toObject().value(QLatin1String("due_at")).toString(),
             QStringLiteral("2026-11-25T09:00:00Z"));

    QCOMPARE(call("POST", "/api/v1/admin/clock", R"({"advance_seconds":172799})",
                  QStringLiteral("admin"))
                 .status,
             200);
    m_client.forgetSessions(); // the sessions ran out while the clock moved two days
    QCOMPARE(call("GET", path, {}, QStringLiteral("amy"))
                 .json()
                 .value(QLatin1String("links"))
                 .toArray()
                 .size(),
             0);
    QCOMPARE(
        call("POST", "/api/v1/admin/clock", R"({"advance_seconds":1})", QStringLiteral("admin"))
            .status,
        200);
    m_client.forgetSessions();
    const QJsonObject after = call("GET", path, {}, QStringLiteral("amy")).json();
    QCOMPARE(after.value(QLatin1String("pending_links")).toArray().size(), 0);
    const QJsonArray links = after.value(QLatin1String("links")).toArray();
    QCOMPARE(links.size(), 1);
    QCOMPARE(links.first().toObject().value(QLatin1String("relation")).toString(),
             QStringLiteral("opened"));
}

void tst_Api::restartNeverUndoesAPublishedWorkflow()
{
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    QVERIFY(copyFolder(QStringLiteral(BATON_SOURCE_DIR "/workflows"), folder.path()));
    const QString jumpQueueFile = folder.filePath(QStringLiteral("jump-queue.yaml"));
    const QByteArray fileText
        = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"))
              .json()
              .value(QLatin1String("source"))
              .toString()
              .toUtf8();
    QVERIFY(fileText.contains("\nworkflow: jump-queue"));

    // The admin publishes version 2 in the editor.
    const QByteArray editorText = fileText + "\n# changed in the editor\n";
    const RawResponse published = call("PUT", "/api/v1/workflows/jump-queue", editorText,
                                       QStringLiteral("admin"), {{"Content-Type", "text/yaml"}});
    QCOMPARE(published.status, 201);
    QCOMPARE(published.json().value(QLatin1String("version")).toInt(), 2);

    // A restart with the unchanged file keeps the admin's version.
    stopServices();
    startServices(folder.path(), false);
    QVERIFY(m_server.published().published.isEmpty());
    QVERIFY(m_server.published().conflicts.isEmpty());
    RawResponse current = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"));
    QCOMPARE(current.status, 200);
    QCOMPARE(current.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(current.json().value(QLatin1String("source")).toString().toUtf8(), editorText);
    QVERIFY(!current.json().contains(QLatin1String("conflict")));

    // Each version tells where it came from and when.
    const RawResponse versions
        = call("GET", "/api/v1/workflows/jump-queue/versions", {}, QStringLiteral("admin"));
    QCOMPARE(versions.status, 200);
    const QJsonArray history = QJsonDocument::fromJson(versions.body).array();
    QCOMPARE(history.size(), 2);
    const QJsonObject v1 = history.at(0).toObject();
    const QJsonObject v2 = history.at(1).toObject();
    QCOMPARE(v1.value(QLatin1String("version")).toInt(), 1);
    QCOMPARE(v1.value(QLatin1String("origin")).toString(), QStringLiteral("file"));
    QVERIFY(v1.value(QLatin1String("path")).toString().endsWith(u"jump-queue.yaml"));
    QCOMPARE(v2.value(QLatin1String("origin")).toString(), QStringLiteral("user"));
    QCOMPARE(v2.value(QLatin1String("published_by")).toString(), QStringLiteral("admin"));
    QCOMPARE(v2.value(QLatin1String("published_at")).toString(),
             QStringLiteral("2026-11-23T09:00:00Z"));
    QCOMPARE(v2.value(QLatin1String("current")).toBool(), true);

    // The file changes too: both changed since, so nothing is published, the conflict is
    // logged and shown on the workflow. A file changed without an editor change (complaint)
    // is published from the file.
    QVERIFY(appendToFile(jumpQueueFile, "\n# changed in the file\n"));
    QVERIFY(appendToFile(folder.filePath(QStringLiteral("complaint.yaml")), "\n# new text\n"));
    stopServices();
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("jump-queue.yaml.*not published")));
    startServices(folder.path(), false);
    QCOMPARE(m_server.published().published, QStringList {QStringLiteral("complaint")});
    QCOMPARE(m_server.published().conflicts.size(), 1);
    current = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"));
    QCOMPARE(current.json().value(QLatin1String("version")).toInt(), 2);
    QCOMPARE(current.json().value(QLatin1String("source")).toString().toUtf8(), editorText);
    const QJsonObject conflict = current.json().value(QLatin1String("conflict")).toObject();
    QVERIFY(conflict.value(QLatin1String("file")).toString().endsWith(u"jump-queue.yaml"));
    QCOMPARE(conflict.value(QLatin1String("file_version")).toInt(), 1);
    QCOMPARE(conflict.value(QLatin1String("editor_version")).toInt(), 2);
    QCOMPARE(conflict.value(QLatin1String("published_by")).toString(), QStringLiteral("admin"));
    QVERIFY(!conflict.value(QLatin1String("message")).toString().isEmpty());
    bool listed = false;
    for (const QJsonValue &w :
         QJsonDocument::fromJson(call("GET", "/api/v1/workflows", {}, QStringLiteral("admin")).body)
             .array()) {
        const QJsonObject item = w.toObject();
        const QString name = item.value(QLatin1String("name")).toString();
        QCOMPARE(item.contains(QLatin1String("conflict")), name == u"jump-queue");
        listed = listed || name == u"jump-queue";
        if (name == u"complaint")
            QCOMPARE(item.value(QLatin1String("version")).toInt(), 2);
    }
    QVERIFY(listed);
    const QJsonArray complaintHistory
        = QJsonDocument::fromJson(
              call("GET", "/api/v1/workflows/complaint/versions", {}, QStringLiteral("admin")).body)
              .array();
    QCOMPARE(complaintHistory.size(), 2);
    QCOMPARE(complaintHistory.at(1).toObject().value(QLatin1String("origin")).toString(),
             QStringLiteral("file"));

    // The admin takes the file's text in the editor: the conflict is resolved, and the next
    // start with that file publishes nothing and reports nothing.
    QFile changedFile(jumpQueueFile);
    QVERIFY(changedFile.open(QIODevice::ReadOnly));
    const QByteArray changedText = changedFile.readAll();
    QCOMPARE(call("PUT", "/api/v1/workflows/jump-queue", changedText, QStringLiteral("admin"),
                  {{"Content-Type", "text/yaml"}})
                 .status,
             201);
    current = call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"));
    QCOMPARE(current.json().value(QLatin1String("version")).toInt(), 3);
    QVERIFY(!current.json().contains(QLatin1String("conflict")));
    stopServices();
    startServices(folder.path(), false);
    QVERIFY(m_server.published().published.isEmpty());
    QVERIFY(m_server.published().conflicts.isEmpty());
    QCOMPARE(call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"))
                 .json()
                 .value(QLatin1String("version"))
                 .toInt(),
             3);
}

void tst_Api::organisationTitlesFollowAcceptLanguage()
{
    // Queue and department titles of the shipped organisation in the language the request asks
    // for; the names, counts and membership are the same in both.
    const QPair<QByteArray, QByteArray> zh {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"};
    const auto titles = [](const RawResponse &r) {
        QMap<QString, QString> byName;
        for (const QJsonValue &v : QJsonDocument::fromJson(r.body).array())
            byName.insert(v.toObject().value(QLatin1String("name")).toString(),
                          v.toObject().value(QLatin1String("title")).toString());
        return byName;
    };
    const auto withoutTitles = [](const RawResponse &r) {
        QJsonArray out;
        for (const QJsonValue &v : QJsonDocument::fromJson(r.body).array()) {
            QJsonObject o = v.toObject();
            o.remove(QStringLiteral("title"));
            out.append(o);
        }
        return out;
    };

    const RawResponse queues = call("GET", "/api/v1/queues", {}, QStringLiteral("amy"));
    const RawResponse queuesZh = call("GET", "/api/v1/queues", {}, QStringLiteral("amy"), {zh});
    QCOMPARE(queues.status, 200);
    QCOMPARE(queuesZh.status, 200);
    QCOMPARE(titles(queues).value(QStringLiteral("cs-agents")),
             QStringLiteral("Customer service agents"));
    QCOMPARE(titles(queuesZh).value(QStringLiteral("cs-agents")), QStringLiteral("客服专员"));
    QCOMPARE(titles(queuesZh).value(QStringLiteral("county-east-front")),
             QStringLiteral("东县营业厅柜台"));
    QCOMPARE(withoutTitles(queuesZh), withoutTitles(queues));
    // Every shipped queue has its own Chinese title.
    const QMap<QString, QString> english = titles(queues), chinese = titles(queuesZh);
    QVERIFY(!english.isEmpty());
    for (auto it = english.cbegin(); it != english.cend(); ++it)
        QVERIFY2(chinese.value(it.key()) != it.value(), qPrintable(it.key()));

    const RawResponse departments = call("GET", "/api/v1/departments", {}, QStringLiteral("amy"));
    const RawResponse departmentsZh
        = call("GET", "/api/v1/departments", {}, QStringLiteral("amy"), {zh});
    QCOMPARE(departmentsZh.status, 200);
    QCOMPARE(titles(departments).value(QStringLiteral("customer-service")),
             QStringLiteral("Customer Service"));
    QCOMPARE(titles(departmentsZh).value(QStringLiteral("customer-service")),
             QStringLiteral("客户服务部"));
    QCOMPARE(withoutTitles(departmentsZh), withoutTitles(departments));
    const QMap<QString, QString> departmentsEn = titles(departments);
    QVERIFY(!departmentsEn.isEmpty());
    for (auto it = departmentsEn.cbegin(); it != departmentsEn.cend(); ++it)
        QVERIFY2(titles(departmentsZh).value(it.key()) != it.value(), qPrintable(it.key()));
}

/// A user save the database refuses is a storage failure like any other: 503 "unavailable"
/// from the one kind map (interfaces.md "Errors"), its cause in the log, not in the reply.
void tst_Api::userSaveFailureAnswersLikeEveryStorageFailure()
{
    const QString token = tokenFor(QStringLiteral("admin")); // signed in before the fault
    auto db = m_db->connection();
    QVERIFY(db);
    QSqlQuery query(*db);
    const bool postgres = db->driverName() == u"QPSQL";
    if (postgres)
        QVERIFY2(query.exec(QStringLiteral("CREATE FUNCTION refuse_users() RETURNS trigger AS "
                                           "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$ "
                                           "LANGUAGE plpgsql")),
                 qPrintable(query.lastError().text()));
    QVERIFY2(query.exec(postgres ? QStringLiteral("CREATE TRIGGER refuse_users BEFORE INSERT OR "
                                                  "UPDATE ON users FOR EACH ROW EXECUTE "
                                                  "FUNCTION refuse_users()")
                                 : QStringLiteral("CREATE TRIGGER refuse_users BEFORE INSERT ON "
                                                  "users BEGIN SELECT RAISE(ABORT, 'disk on "
                                                  "fire'); END")),
             qPrintable(query.lastError().text()));
    const RawResponse refused = call("POST", "/api/v1/users",
                                     R"({"username":"nina","name":"Nina","password":"password-9"})",
                                     QStringLiteral("admin"));
    QCOMPARE(refused.status, 503);
    const QJsonObject error = refused.json().value(u"error").toObject();
    QCOMPARE(error.value(u"code").toString(), u"unavailable"_qs);
    QVERIFY(!refused.body.contains("disk on fire"));
    QVERIFY(!token.isEmpty());
}

void tst_Api::usersAdminOnly()
{
    const RawResponse created = call(
        "POST", "/api/v1/users",
        R"({"username":"nina","name":"Nina","password":"password-9","departments":["billing"],"roles":["agent"]})",
        QStringLiteral("admin"));
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json().value(QLatin1String("username")).toString(), QStringLiteral("nina"));
    QVERIFY(!created.json().contains(QLatin1String("password")));
    QCOMPARE(call("POST", "/api/v1/users",
                  R"({"username":"nina","name":"Nina 2","password":"password-9"})",
                  QStringLiteral("admin"))
                 .status,
             409);
    const RawResponse unknown = call(
        "POST", "/api/v1/users",
        R"({"username":"olga","name":"Olga","password":"password-9","departments":["atlantis"]})",
        QStringLiteral("admin"));
    QCOMPARE(unknown.status, 422);
    QVERIFY(unknown.json()
                .value(QLatin1String("error"))
                .toObject()
                .value(QLatin1String("details"))
                .toObject()
                .value(QLatin1String("fields"))
                .toObject()
                .contains(QLatin1String("departments")));
    QCOMPARE(
        call("POST", "/api/v1/users",
             R"({"username":"olga","name":"Olga","password":"password-9","roles":["emperor"]})",
             QStringLiteral("admin"))
            .status,
        422);
    // nina's own session (the shared test password is not hers).
    const RawResponse ninaLogin
        = call("POST", "/api/v1/login", R"({"username":"nina","password":"password-9"})");
    QCOMPARE(ninaLogin.status, 200);
    const QString ninaToken = ninaLogin.json().value(QLatin1String("token")).toString();
    QVERIFY(!ninaToken.isEmpty());
    const RawResponse disabled
        = call("PATCH", "/api/v1/users/nina", R"({"active":false})", QStringLiteral("admin"));
    QCOMPARE(disabled.status, 200);
    QCOMPARE(disabled.json().value(QLatin1String("active")).toBool(), false);
    QCOMPARE(
        call("GET", "/api/v1/me", {}, {}, {{"Authorization", "Bearer " + ninaToken.toLatin1()}})
            .status,
        401);
    QCOMPARE(call("POST", "/api/v1/login", R"({"username":"nina","password":"password-9"})").status,
             401);
    QCOMPARE(
        call("PATCH", "/api/v1/users/ghost", R"({"name":"G"})", QStringLiteral("admin")).status,
        404);
    const RawResponse list = call("GET", "/api/v1/users", {}, QStringLiteral("admin"));
    QCOMPARE(QJsonDocument::fromJson(list.body).array().size(), 6);
}

// Where the email and sms channels reach a user (interfaces.md, Second edition, "Users"):
// kept, returned, changed and cleared; a value no channel could use is refused by field.
void tst_Api::usersHaveEmailPhoneAndLanguage()
{
    const RawResponse created = call(
        "POST", "/api/v1/users",
        R"({"username":"pia","name":"Pia","password":"password-9","email":"pia@example.com","phone":"+86 138 0013 8000","language":"zh"})",
        QStringLiteral("admin"));
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json().value(QLatin1String("email")).toString(),
             QStringLiteral("pia@example.com"));
    QCOMPARE(created.json().value(QLatin1String("phone")).toString(),
             QStringLiteral("+86 138 0013 8000"));
    QCOMPARE(created.json().value(QLatin1String("language")).toString(), QStringLiteral("zh"));
    const auto fieldsOf = [](const RawResponse &r) {
        return r.json()
            .value(QLatin1String("error"))
            .toObject()
            .value(QLatin1String("details"))
            .toObject()
            .value(QLatin1String("fields"))
            .toObject();
    };
    for (const char *bad :
         {R"({"email":"pia"})", R"({"email":"pia@example"})",
          R"({"email":"Pia <pia@example.com>"})", R"({"email":"pia@example.com\r\nBcc: x@y.z"})"}) {
        const RawResponse refused
            = call("PATCH", "/api/v1/users/pia", bad, QStringLiteral("admin"));
        QCOMPARE(refused.status, 422);
        QVERIFY2(fieldsOf(refused).contains(QLatin1String("email")), bad);
    }
    const RawResponse badPhone
        = call("PATCH", "/api/v1/users/pia", R"({"phone":"call me"})", QStringLiteral("admin"));
    QCOMPARE(badPhone.status, 422);
    QVERIFY(fieldsOf(badPhone).contains(QLatin1String("phone")));
    const RawResponse badLanguage
        = call("PATCH", "/api/v1/users/pia", R"({"language":"fr"})", QStringLiteral("admin"));
    QCOMPARE(badLanguage.status, 422);
    QVERIFY(fieldsOf(badLanguage).contains(QLatin1String("language")));
    QCOMPARE(call("POST", "/api/v1/users",
                  R"({"username":"quin","name":"Quin","password":"password-9","email":"x"})",
                  QStringLiteral("admin"))
                 .status,
             422);

    const RawResponse changed
        = call("PATCH", "/api/v1/users/pia", R"({"email":"pia.l@example.cn","phone":""})",
               QStringLiteral("admin"));
    QCOMPARE(changed.status, 200);
    const RawResponse list = call("GET", "/api/v1/users", {}, QStringLiteral("admin"));
    QJsonObject pia;
    for (const QJsonValue &u : QJsonDocument::fromJson(list.body).array())
        if (u.toObject().value(QLatin1String("username")).toString() == u"pia")
            pia = u.toObject();
    QCOMPARE(pia.value(QLatin1String("email")).toString(), QStringLiteral("pia.l@example.cn"));
    QCOMPARE(pia.value(QLatin1String("phone")).toString(), QString());
    QCOMPARE(pia.value(QLatin1String("language")).toString(), QStringLiteral("zh"));
}

// A user's own time zone (README "Users"): an IANA name or empty (the organisation's default),
// set by an admin (POST/PATCH /users) or by the user (PATCH /me/preferences), refused by field
// otherwise, and shown in the user and in their preferences.
void tst_Api::usersHaveTheirOwnTimeZone()
{
    const auto fieldsOf = [](const RawResponse &r) {
        return r.json()
            .value(u"error")
            .toObject()
            .value(u"details")
            .toObject()
            .value(u"fields")
            .toObject();
    };
    const RawResponse created = call(
        "POST", "/api/v1/users",
        R"({"username":"rui","name":"Rui","password":"password-9","time_zone":"Asia/Kolkata"})",
        QStringLiteral("admin"));
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json().value(u"time_zone").toString(), QStringLiteral("Asia/Kolkata"));
    for (const char *bad : {R"({"time_zone":"Mars/Olympus_Mons"})", R"({"time_zone":"UTC+08:00"})",
                            R"({"time_zone":"hong kong"})"}) {
        const RawResponse refused
            = call("PATCH", "/api/v1/users/rui", bad, QStringLiteral("admin"));
        QCOMPARE(refused.status, 422);
        QVERIFY2(fieldsOf(refused).contains(u"time_zone"), bad);
    }
    QCOMPARE(
        call("POST", "/api/v1/users",
             R"({"username":"sam","name":"Sam","password":"password-9","time_zone":"Nowhere"})",
             QStringLiteral("admin"))
            .status,
        422);
    const RawResponse moved = call("PATCH", "/api/v1/users/rui",
                                   R"({"time_zone":"America/New_York"})", QStringLiteral("admin"));
    QCOMPARE(moved.status, 200);
    QCOMPARE(moved.json().value(u"time_zone").toString(), QStringLiteral("America/New_York"));

    // amy's own: none at first, then hers, refused by field, and back to the default.
    const auto preferences
        = [&] { return call("GET", "/api/v1/me/preferences", {}, QStringLiteral("amy")).json(); };
    QCOMPARE(preferences().value(u"time_zone").toString(u"absent"_qs), QString());
    const RawResponse own = call("PATCH", "/api/v1/me/preferences",
                                 R"({"time_zone":"Asia/Hong_Kong"})", QStringLiteral("amy"));
    QCOMPARE(own.status, 200);
    QCOMPARE(own.json().value(u"time_zone").toString(), QStringLiteral("Asia/Hong_Kong"));
    QCOMPARE(preferences().value(u"time_zone").toString(), QStringLiteral("Asia/Hong_Kong"));
    QCOMPARE(call("GET", "/api/v1/me", {}, QStringLiteral("amy")).json().value(u"time_zone"),
             QJsonValue(u"Asia/Hong_Kong"_qs));
    const RawResponse refused = call("PATCH", "/api/v1/me/preferences",
                                     R"({"time_zone":"Asia/Atlantis"})", QStringLiteral("amy"));
    QCOMPARE(refused.status, 422);
    QVERIFY(fieldsOf(refused).contains(u"time_zone"));
    QCOMPARE(preferences().value(u"time_zone").toString(), QStringLiteral("Asia/Hong_Kong"));
    const RawResponse cleared
        = call("PATCH", "/api/v1/me/preferences", R"({"time_zone":""})", QStringLiteral("amy"));
    QCOMPARE(cleared.status, 200);
    QCOMPARE(preferences().value(u"time_zone").toString(u"absent"_qs), QString());
}

void tst_Api::organisationNotificationsHealthMetrics()
{
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const RawResponse queues = call("GET", "/api/v1/queues", {}, QStringLiteral("amy"));
    QCOMPARE(queues.status, 200);
    bool found = false;
    for (const QJsonValue &q : QJsonDocument::fromJson(queues.body).array()) {
        const QJsonObject queue = q.toObject();
        for (const char *key : {"name", "title", "department", "open", "at_risk", "breached"})
            QVERIFY2(queue.contains(QLatin1String(key)), key);
        if (queue.value(QLatin1String("name")).toString() == u"cs-supervisors") {
            QCOMPARE(queue.value(QLatin1String("open")).toInt(), 1);
            found = true;
        }
    }
    QVERIFY(found);
    QVERIFY(
        !QJsonDocument::fromJson(call("GET", "/api/v1/departments", {}, QStringLiteral("amy")).body)
             .array()
             .isEmpty());
    QVERIFY(
        !QJsonDocument::fromJson(call("GET", "/api/v1/calendars", {}, QStringLiteral("amy")).body)
             .array()
             .isEmpty());
    const RawResponse notifications
        = call("GET", "/api/v1/notifications?unread=true", {}, QStringLiteral("amy"));
    QCOMPARE(notifications.status, 200);
    QVERIFY(notifications.json().value(QLatin1String("items")).isArray());
    QCOMPARE(call("POST", "/api/v1/notifications/424242/read", {}, QStringLiteral("amy")).status,
             404);

    const RawResponse health = call("GET", "/healthz");
    QCOMPARE(health.status, 200);
    QCOMPARE(health.json().value(QLatin1String("db")).toString(), QStringLiteral("ok"));
    const RawResponse metrics = call("GET", "/metrics");
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.header("Content-Type").startsWith("text/plain"));
    QVERIFY(metrics.body.contains(
        "baton_http_requests_total{route=\"/api/v1/tickets\",status=\"201\"}"));
    QVERIFY(metrics.body.contains("baton_open_tickets"));
    QVERIFY(metrics.body.contains("baton_actions_total{kind=\"open\"}"));
    QVERIFY(metrics.body.contains("baton_timers_fired_total"));
    QCOMPARE(call("DELETE", "/api/v1/tickets", {}, QStringLiteral("amy")).status, 405);
    QCOMPARE(call("GET", "/api/v1/nothing-here", {}, QStringLiteral("amy")).status, 404);
}

namespace {

/// The samples of a Prometheus text exposition: "name{labels}" → value; fails the parse
/// (empty map) on a line that is neither a comment nor a sample.
QMap<QByteArray, double> parseMetrics(const QByteArray &text, QList<QByteArray> *types = nullptr)
{
    QMap<QByteArray, double> samples;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty())
            continue;
        if (line.startsWith("# TYPE ") && types)
            types->append(line.mid(7));
        if (line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        bool ok = false;
        const double value = line.mid(space + 1).toDouble(&ok);
        if (space <= 0 || !ok)
            return {};
        samples.insert(line.left(space), value);
    }
    return samples;
}

} // namespace

void tst_Api::metricsCountTimersBreachesRequestsAndCommits()
{
    // The counters are the process's: compare before and after one scenario.
    const RawResponse first = call("GET", "/metrics");
    QCOMPARE(first.status, 200);
    const QMap<QByteArray, double> before = parseMetrics(first.body);
    QVERIFY(!before.isEmpty());

    // A ticket whose review step's respond target (15 minutes) is missed: the fake clock moves
    // 30 minutes and the scheduler fires its timer, which breaches the SLA.
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    QCOMPARE(
        call("GET", "/api/v1/tickets/" + QByteArray::number(id), {}, QStringLiteral("amy")).status,
        200);
    QCOMPARE(call("GET", "/api/v1/tickets/424242", {}, QStringLiteral("amy")).status, 404);
    QCOMPARE(
        call("POST", "/api/v1/admin/clock", R"({"advance_seconds":1800})", QStringLiteral("admin"))
            .status,
        200);
    const QJsonArray events = call("GET", "/api/v1/tickets/" + QByteArray::number(id) + "/events",
                                   {}, QStringLiteral("admin"))
                                  .json()
                                  .value(QLatin1String("items"))
                                  .toArray();
    int breaches = 0;
    for (const QJsonValue &e : events)
        breaches += e.toObject().value(QLatin1String("type")).toString() == u"sla_breached";
    QVERIFY(breaches >= 1);

    const RawResponse scraped = call("GET", "/metrics");
    QCOMPARE(scraped.status, 200);
    QVERIFY(scraped.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    QList<QByteArray> types;
    const QMap<QByteArray, double> after = parseMetrics(scraped.body, &types);
    QVERIFY2(!after.isEmpty(), scraped.body.constData());
    const auto delta
        = [&](const QByteArray &sample) { return after.value(sample) - before.value(sample); };
    QVERIFY2(delta("baton_timers_fired_total") >= 1, scraped.body.constData());
    QCOMPARE(delta("baton_sla_breaches_total"), double(breaches));
    QCOMPARE(delta(R"(baton_http_requests_total{route="/api/v1/tickets",status="201"})"), 1.0);
    QCOMPARE(delta(R"(baton_http_requests_total{route="/api/v1/tickets/{id}",status="200"})"), 1.0);
    QCOMPARE(delta(R"(baton_http_requests_total{route="/api/v1/tickets/{id}",status="404"})"), 1.0);
    QCOMPARE(delta(R"(baton_http_requests_total{route="/api/v1/admin/clock",status="200"})"), 1.0);
    // The first scrape is counted once it is answered, so the second sees it.
    QVERIFY(after.value(R"(baton_http_requests_total{route="/metrics",status="200"})") >= 1);

    // Histograms: cumulative buckets ending in +Inf == _count, a _sum, HELP and TYPE lines.
    for (const QByteArray &family : {QByteArray("baton_http_request_duration_seconds"),
                                     QByteArray("baton_commit_batch_size")}) {
        QVERIFY2(types.contains(family + " histogram"), family.constData());
        QVERIFY(scraped.body.contains(QByteArray("# HELP " + family + ' ')));
    }
    const QByteArray route = R"(route="/api/v1/tickets")";
    const double count = after.value("baton_http_request_duration_seconds_count{" + route + '}');
    QCOMPARE(count - before.value("baton_http_request_duration_seconds_count{" + route + '}'), 1.0);
    QCOMPARE(after.value("baton_http_request_duration_seconds_bucket{" + route + R"(,le="+Inf"})"),
             count);
    QVERIFY(after.value("baton_http_request_duration_seconds_sum{" + route + '}') > 0);
    double previous = 0;
    int buckets = 0;
    for (auto it = after.cbegin(); it != after.cend(); ++it) {
        if (!it.key().startsWith(QByteArray("baton_http_request_duration_seconds_bucket{" + route)))
            continue;
        ++buckets;
        if (it.key().contains("+Inf"))
            continue;
        QVERIFY2(it.value() <= count, it.key().constData());
        previous = std::max(previous, it.value());
    }
    QVERIFY(buckets >= 5);
    // Commits: the open, the timer's firing; each a batch of at least one command.
    QVERIFY(delta("baton_commit_batch_size_count") >= 2);
    QVERIFY(delta("baton_commit_batch_size_sum") >= delta("baton_commit_batch_size_count"));
    QCOMPARE(after.value(R"(baton_commit_batch_size_bucket{le="+Inf"})"),
             after.value("baton_commit_batch_size_count"));
    QVERIFY(types.contains("baton_timers_fired_total counter"));
    QVERIFY(types.contains("baton_sla_breaches_total counter"));
    QVERIFY(types.contains("baton_http_requests_total counter"));
}

void tst_Api::adminClock()
{
    const RawResponse now = call("GET", "/api/v1/admin/clock", {}, QStringLiteral("admin"));
    QCOMPARE(now.status, 200);
    QCOMPARE(now.json().value(QLatin1String("now")).toString(),
             QStringLiteral("2026-11-23T09:00:00Z"));
    const RawResponse moved = call("POST", "/api/v1/admin/clock", R"({"advance_seconds":3600})",
                                   QStringLiteral("admin"));
    QCOMPARE(moved.json().value(QLatin1String("now")).toString(),
             QStringLiteral("2026-11-23T10:00:00Z"));
    const RawResponse set = call("POST", "/api/v1/admin/clock", R"({"set":"2026-11-23T10:30:00Z"})",
                                 QStringLiteral("admin"));
    QCOMPARE(set.json().value(QLatin1String("now")).toString(),
             QStringLiteral("2026-11-23T10:30:00Z"));
    // Sessions run on the same clock: a day later the admin must sign in again.
    QCOMPARE(
        call("POST", "/api/v1/admin/clock", R"({"advance_seconds":86400})", QStringLiteral("admin"))
            .status,
        200);
    QCOMPARE(call("GET", "/api/v1/admin/clock", {}, QStringLiteral("admin")).status, 401);
    m_client.forgetSessions();
    QCOMPARE(call("POST", "/api/v1/admin/clock", R"({"set":"yesterday"})", QStringLiteral("admin"))
                 .status,
             400);
    QCOMPARE(call("POST", "/api/v1/admin/clock", R"({})", QStringLiteral("admin")).status, 400);
}

void tst_Api::staticFilesAndTraversal()
{
    const RawResponse root = call("GET", "/");
    QCOMPARE(root.status, 200);
    QVERIFY(root.header("Content-Type").startsWith("text/html"));
    QVERIFY(root.header("Content-Security-Policy").contains("default-src 'self'"));
    for (const QByteArray &target :
         {QByteArray("/../../etc/passwd"), QByteArray("/%2e%2e/%2e%2e/etc/passwd"),
          QByteArray("/assets/..%2f..%2fetc%2fpasswd"), QByteArray("/..%5c..%5cetc%5cpasswd")}) {
        const RawResponse response = call("GET", target);
        QVERIFY2(!response.body.contains("root:"), target.constData());
        QVERIFY2(response.status == 404 || response.status == 400, target.constData());
    }
}

void tst_Api::webSocketDeliversAnotherUsersChange()
{
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    Test::StreamClient alan;
    QVERIFY(alan.open(m_port, tokenFor(QStringLiteral("alan"))));
    QWebSocket kai; // may not see the ticket
    QSignalSpy kaiMessages(&kai, &QWebSocket::textMessageReceived);
    QNetworkRequest kaiRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(m_port)));
    kaiRequest.setRawHeader("Authorization",
                            "Bearer " + tokenFor(QStringLiteral("kai")).toLatin1());
    kai.open(kaiRequest);
    QTRY_VERIFY_WITH_TIMEOUT(kaiMessages.size() >= 1, 10000);

    QCOMPARE(call("POST", "/api/v1/tickets/" + QByteArray::number(id) + "/comments",
                  R"({"body":"hello"})", QStringLiteral("amy"))
                 .status,
             201);
    QTRY_VERIFY_WITH_TIMEOUT(!alan.about(QStringLiteral("ticket"), id).isEmpty(), 10000);
    const QJsonObject change = alan.about(QStringLiteral("ticket"), id).last();
    QVERIFY(change.value(QLatin1String("version")).toInt() >= 2);
    QCOMPARE(kaiMessages.size(), 1); // only its hello: kai may not see the ticket

    QWebSocket stranger;
    QSignalSpy closed(&stranger, &QWebSocket::disconnected);
    stranger.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(m_port)));
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, 10000);
    alan.socket.close();
    kai.close();
}

void tst_Api::webSocketDeliversSlaBreachAndNotification()
{
    // Changes no API route made (an SLA timer's escalation) reach the stream too, with the
    // notifications they wrote.
    const qint64 id = openTicket(); // amy is the originator
    QVERIFY(id > 0);
    Test::StreamClient amy;
    QVERIFY(amy.open(m_port, tokenFor(QStringLiteral("amy"))));

    // Past 150% of the review step's 15-minute respond target: breach and escalation, whose
    // last step notifies the originator.
    QCOMPARE(
        call("POST", "/api/v1/admin/clock", R"({"advance_seconds":1800})", QStringLiteral("admin"))
            .status,
        200);
    const auto hasNotification = [&] {
        for (const QJsonObject &o : amy.about(QStringLiteral("notification"), id))
            if (!o.value(QLatin1String("kind")).toString().isEmpty()
                && o.value(QLatin1String("id")).toInteger() > 0)
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(!amy.about(QStringLiteral("ticket"), id).isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(hasNotification(), 10000);
    const RawResponse unread
        = call("GET", "/api/v1/notifications?unread=true", {}, QStringLiteral("amy"));
    QVERIFY(!unread.json().value(QLatin1String("items")).toArray().isEmpty());
    amy.socket.close();
}

void tst_Api::apiResponsesAreNotStored()
{
    // Ticket data carries customer phone numbers: no answer under /api/ may be cached.
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QList<QPair<QByteArray, QByteArray>> calls {
        {"GET", "/api/v1/me"},
        {"GET", "/api/v1/tickets"},
        {"GET", "/api/v1/tickets/" + QByteArray::number(id)},
        {"GET", "/api/v1/tickets/" + QByteArray::number(id) + "/events"},
        {"GET", "/api/v1/queues"},
        {"GET", "/api/v1/notifications"},
        {"GET", "/api/v1/no-such-route"},
        {"POST", "/api/v1/logout"},
    };
    for (const auto &[method, path] : calls) {
        const RawResponse response = call(method, path, {}, QStringLiteral("amy"));
        QVERIFY2(response.status != 0, path.constData());
        QVERIFY2(
            response.header("Cache-Control") == "no-store",
            QByteArray(method + ' ' + path + ": " + response.header("Cache-Control")).constData());
    }
    const RawResponse opened = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-8","tier":"A"},"channel":"phone"})",
        QStringLiteral("alan"));
    QCOMPARE(opened.status, 201);
    QCOMPARE(opened.header("Cache-Control"), QByteArray("no-store"));
}

void tst_Api::sessionCookieIsSecureOnlyOverHttps()
{
    const QByteArray credentials = R"({"username":"amy","password":"password-1"})";
    const QList<QPair<QByteArray, QByteArray>> forwarded {{"X-Forwarded-Proto", "https"}};
    // Without --trust-proxy, X-Forwarded-Proto is anyone's word: ignored.
    QVERIFY(!call("POST", "/api/v1/login", credentials, {}, forwarded)
                 .header("Set-Cookie")
                 .contains("Secure"));

    Api::ApiServerOptions options;
    options.http.port = 0;
    options.http.threads = 1;
    options.database = m_db;
    options.engine = &m_server.engine();
    options.auth = &m_server.auth();
    options.clock = &m_clock;
    options.trustProxy = true;
    options.staticRoot = QStringLiteral(":/no-ui-in-tests");
    Api::ApiServer behindProxy(options);
    const auto port = behindProxy.start();
    QVERIFY(port.ok());
    const RawResponse overHttps
        = rawRequest(*port, httpRequest("POST", "/api/v1/login", credentials, forwarded));
    QCOMPARE(overHttps.status, 200);
    QVERIFY2(overHttps.header("Set-Cookie").contains("; Secure"),
             overHttps.header("Set-Cookie").constData());
    const RawResponse overHttp = rawRequest(
        *port, httpRequest("POST", "/api/v1/login", credentials, {{"X-Forwarded-Proto", "http"}}));
    QCOMPARE(overHttp.status, 200);
    QVERIFY(!overHttp.header("Set-Cookie").contains("Secure"));
    const QByteArray token = overHttps.json().value(QLatin1String("token")).toString().toLatin1();
    const RawResponse logout = rawRequest(
        *port,
        httpRequest("POST", "/api/v1/logout", {},
                    {{"Authorization", "Bearer " + token}, {"X-Forwarded-Proto", "https"}}));
    QCOMPARE(logout.status, 204);
    QVERIFY(logout.header("Set-Cookie").contains("; Secure"));
    behindProxy.stop();
}

void tst_Api::logoutClosesThatSessionsStreams()
{
    const auto login = [this] {
        return call("POST", "/api/v1/login", R"({"username":"amy","password":"password-1"})")
            .json()
            .value(QLatin1String("token"))
            .toString();
    };
    const QString first = login();
    const QString second = login();
    QWebSocket signingOut;
    QWebSocket staying;
    QSignalSpy helloOut(&signingOut, &QWebSocket::textMessageReceived);
    QSignalSpy helloStaying(&staying, &QWebSocket::textMessageReceived);
    QSignalSpy closedOut(&signingOut, &QWebSocket::disconnected);
    QSignalSpy closedStaying(&staying, &QWebSocket::disconnected);
    signingOut.open(
        QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2").arg(m_port).arg(first)));
    staying.open(
        QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2").arg(m_port).arg(second)));
    QTRY_VERIFY_WITH_TIMEOUT(helloOut.size() >= 1 && helloStaying.size() >= 1, 10000);

    QCOMPARE(
        call("POST", "/api/v1/logout", {}, {}, {{"Authorization", "Bearer " + first.toLatin1()}})
            .status,
        204);
    // Closed by the logout itself or the next session check (every second); the bound is
    // generous because the suite runs in parallel on a loaded machine.
    QTRY_VERIFY_WITH_TIMEOUT(closedOut.size() >= 1, 15000);
    QCOMPARE(signingOut.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QVERIFY(!signingOut.closeReason().isEmpty());
    QTest::qWait(200);
    QCOMPARE(closedStaying.size(), 0); // another session of the same user stays
    staying.close();
}

void tst_Api::expiredSessionClosesItsStream()
{
    QWebSocket socket;
    QSignalSpy hello(&socket, &QWebSocket::textMessageReceived);
    QSignalSpy closed(&socket, &QWebSocket::disconnected);
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2")
                         .arg(m_port)
                         .arg(tokenFor(QStringLiteral("amy")))));
    QTRY_VERIFY_WITH_TIMEOUT(hello.size() >= 1, 10000);
    QTest::qWait(1500);
    QCOMPARE(closed.size(), 0); // a live session keeps its stream
    m_clock.advanceSeconds(m_server.auth().options().sessionSeconds + 60);
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, 30000);
    QCOMPARE(socket.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
}

void tst_Api::streamThatDoesNotReadIsClosed()
{
    // A client that completes the handshake and never reads: its updates pile up on the
    // server until the queue bound (16 KiB in these tests), then the server closes it.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    const int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(m_port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
    const QByteArray handshake
        = "GET /api/v1/stream?token=" + tokenFor(QStringLiteral("amy")).toLatin1()
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    QCOMPARE(::send(fd, handshake.constData(), size_t(handshake.size()), 0),
             ssize_t(handshake.size()));
    char reply[64] = {};
    QVERIFY(::recv(fd, reply, 12, MSG_WAITALL) == 12);
    QCOMPARE(QByteArray(reply, 12), QByteArray("HTTP/1.1 101"));

    // Updates amy may see, far more than the bound and the kernel's buffers hold.
    bool closedByServer = false;
    for (int i = 0; i < 1500 && !closedByServer; ++i) {
        QVERIFY(openTicket() > 0);
        if (i % 50 == 49) {
            // Peek without reading: a reset (or end) shows the server gave up on the client.
            char probe = 0;
            const ssize_t got = ::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            closedByServer = got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        }
    }
    // Drain what was sent before the close: the stream must end (reset or EOF), not go on.
    QElapsedTimer timer;
    timer.start();
    bool ended = false;
    char buffer[65536];
    while (!ended && timer.elapsed() < 5000) {
        const ssize_t got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            ended = true;
        else if (got < 0)
            QTest::qWait(50);
    }
    ::close(fd);
    QVERIFY2(ended, "the server kept a stream open that nobody reads");
}

// The cases below loop inside one test function each: a row costs a fresh server, database
// and five password hashes, too slow for tables of twenty rows on two drivers.

namespace {

QJsonObject errorFields(const RawResponse &response)
{
    return response.json()
        .value(QLatin1String("error"))
        .toObject()
        .value(QLatin1String("details"))
        .toObject()
        .value(QLatin1String("fields"))
        .toObject();
}

QByteArray described(const char *name, const RawResponse &response)
{
    return QByteArray(name) + ": " + QByteArray::number(response.status) + ' ' + response.body;
}

} // namespace

void tst_Api::nulInPathOrQueryIs400()
{
    // PostgreSQL text cannot hold U+0000 and SQLite would keep it: refused before either sees
    // it, the same on both drivers.
    struct Case
    {
        const char *name;
        QByteArray target;
        QString field; ///< the parameter named in details.fields, if any
    };
    const QList<Case> cases {
        {"query value", "/api/v1/tickets?q=a%00b", QStringLiteral("q")},
        {"query value, filter", "/api/v1/tickets?customer=%00", QStringLiteral("customer")},
        {"query name", "/api/v1/tickets?q%00=a", QStringLiteral("q\\u0000")},
        {"path segment", "/api/v1/workflows/jump-queue%00", {}},
        {"path segment, ticket id", "/api/v1/tickets/1%00", {}},
        {"path of a static file", "/index.html%00.png", {}},
    };
    for (const Case &c : cases) {
        const RawResponse response = call("GET", c.target, {}, QStringLiteral("amy"));
        QVERIFY2(response.status == 400, described(c.name, response).constData());
        QCOMPARE(response.errorCode(), QStringLiteral("bad_request"));
        if (!c.field.isEmpty())
            QVERIFY2(errorFields(response).contains(c.field),
                     described(c.name, response).constData());
    }
}

void tst_Api::textWithNulIsRefusedNamingTheField()
{
    struct Case
    {
        const char *name;
        QByteArray route; ///< "open" or a ticket sub-path
        QByteArray body;
        QString field;
    };
    const QList<Case> cases {
        {"comment body", "comments", R"({"body":"hello\u0000world"})", QStringLiteral("body")},
        {"comment body, only NUL", "comments", R"({"body":"\u0000"})", QStringLiteral("body")},
        {"transfer reason", "transfer", R"({"queue":"billing","reason":"\u0000x"})",
         QStringLiteral("reason")},
        {"action field value", "actions/decline",
         R"({"fields":{"reply":"no\u0000"},"comment":"c"})", QStringLiteral("fields.reply")},
        {"opened title", "open",
         R"({"workflow":"jump-queue","title":"Parcel\u0000","fields":{"awb":"123456789012","reason":"urgent"}})",
         QStringLiteral("title")},
        {"opened field value", "open",
         R"({"workflow":"jump-queue","title":"t","fields":{"awb":"123456789012","reason":"a\u0000"}})",
         QStringLiteral("fields.reason")},
        {"opened customer name", "open",
         R"({"workflow":"jump-queue","title":"t","fields":{"awb":"123456789012","reason":"r"},"customer":{"name":"Ann\u0000"}})",
         QStringLiteral("customer.name")},
        {"key of a field", "open",
         R"({"workflow":"jump-queue","title":"t","fields":{"awb":"123456789012","reason":"r","x\u0000":"y"}})",
         QStringLiteral("fields.x\\u0000")},
    };
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray ticketPath = "/api/v1/tickets/" + QByteArray::number(id);
    auto ticketCount = [this] {
        return call("GET", "/api/v1/tickets?limit=200", {}, QStringLiteral("admin"))
            .json()
            .value(QLatin1String("items"))
            .toArray()
            .size();
    };
    const qsizetype ticketsBefore = ticketCount();
    const RawResponse before = call("GET", ticketPath, {}, QStringLiteral("sue"));
    QCOMPARE(before.status, 200);
    for (const Case &c : cases) {
        const RawResponse response = call(
            "POST", c.route == "open" ? QByteArray("/api/v1/tickets") : ticketPath + '/' + c.route,
            c.body, QStringLiteral("sue"));
        QVERIFY2(response.status == 400, described(c.name, response).constData());
        QCOMPARE(response.errorCode(), QStringLiteral("bad_request"));
        const QJsonObject fields = errorFields(response);
        QVERIFY2(fields.contains(c.field), described(c.name, response).constData());
        QVERIFY(fields.value(c.field).toString().contains(QLatin1String("U+0000")));
    }
    // Nothing was written.
    const RawResponse after = call("GET", ticketPath, {}, QStringLiteral("sue"));
    QCOMPARE(after.json().value(QLatin1String("version")),
             before.json().value(QLatin1String("version")));
    QCOMPARE(ticketCount(), ticketsBefore);
}

namespace {

/// A request as a browser would send it from the page it came from: the Host header the
/// browser derives from the URL, the session cookie, and the given headers. A Content-Type of
/// "none" leaves the header out (httpRequest would add a JSON one to a body).
QByteArray browserRequest(const QByteArray &method, const QByteArray &target,
                          const QByteArray &host, const QString &token, const QByteArray &body,
                          QList<QPair<QByteArray, QByteArray>> headers)
{
    if (!token.isEmpty())
        headers.append({"Cookie", "baton_session=" + token.toLatin1()});
    bool noType = false;
    headers.removeIf([&noType](const QPair<QByteArray, QByteArray> &h) {
        const bool none = h.first == "Content-Type" && h.second == "none";
        noType = noType || none;
        return none;
    });
    QByteArray bytes = httpRequest(method, target, body, headers);
    bytes.replace("Host: localhost\r\n", QByteArray("Host: " + host + "\r\n"));
    if (noType)
        bytes.replace("Content-Type: application/json\r\n", "");
    return bytes;
}

} // namespace

void tst_Api::cookieMutationNeedsOwnOriginAndJson()
{
    struct Case
    {
        const char *name;
        QByteArray host; ///< PORT is the server's port; may carry further header lines
        bool cookie; ///< else a bearer token
        QByteArray origin; ///< empty: none
        QByteArray fetchSite; ///< Sec-Fetch-Site, empty: none
        QByteArray contentType; ///< "none": no Content-Type header
        int status;
        QString code; ///< empty: any forbidden_* code
    };
    const QByteArray json = "application/json";
    const QByteArray self = "127.0.0.1:PORT";
    const QByteArray own = "http://127.0.0.1:PORT";
    const QString badOrigin = QStringLiteral("forbidden_origin");
    const QString badType = QStringLiteral("forbidden_content_type");
    const QList<Case> cases {
        // The UI's own requests.
        {"cookie, own origin, JSON", self, true, own, {}, json, 201, {}},
        {"cookie, own origin, JSON with charset",
         self,
         true,
         own,
         "same-origin",
         "application/json; charset=UTF-8",
         201,
         {}},
        {"cookie, own origin behind a proxy on another name and port",
         "baton.example.com",
         true,
         "http://baton.example.com",
         {},
         json,
         201,
         {}},
        {"cookie, own origin behind a TLS proxy",
         "127.0.0.1:PORT\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: baton.example.com",
         true,
         "https://baton.example.com",
         {},
         json,
         201,
         {}},
        {"cookie, no Origin but Sec-Fetch-Site same-origin",
         self,
         true,
         {},
         "same-origin",
         json,
         201,
         {}},
        // A page of another origin on the same host: same site, so SameSite=Strict still sends
        // the cookie.
        {"cookie, another port of the same host", self, true, "http://127.0.0.1:1", "same-site",
         json, 403, badOrigin},
        {"cookie, another name of the same host",
         self,
         true,
         "http://localhost:PORT",
         {},
         json,
         403,
         badOrigin},
        {"cookie, https origin for an http server",
         self,
         true,
         "https://127.0.0.1:PORT",
         {},
         json,
         403,
         badOrigin},
        {"cookie, http origin behind a TLS proxy",
         "baton.example.com\r\nX-Forwarded-Proto: https",
         true,
         "http://baton.example.com",
         {},
         json,
         403,
         badOrigin},
        {"cookie, origin with the server's name as a prefix",
         self,
         true,
         "http://127.0.0.1:PORT.evil.example",
         {},
         json,
         403,
         badOrigin},
        {"cookie, Origin null (sandboxed page, file:)",
         self,
         true,
         "null",
         {},
         json,
         403,
         badOrigin},
        {"cookie, no Origin, Sec-Fetch-Site same-site",
         self,
         true,
         {},
         "same-site",
         json,
         403,
         badOrigin},
        {"cookie, no Origin, Sec-Fetch-Site cross-site",
         self,
         true,
         {},
         "cross-site",
         json,
         403,
         badOrigin},
        {"cookie, neither Origin nor Sec-Fetch-Site", self, true, {}, {}, json, 403, badOrigin},
        // What an HTML form or a no-cors fetch can send: never JSON.
        {"cookie, own origin, text/plain", self, true, own, {}, "text/plain", 403, badType},
        {"cookie, own origin, form encoding",
         self,
         true,
         own,
         {},
         "application/x-www-form-urlencoded",
         403,
         badType},
        {"cookie, own origin, multipart",
         self,
         true,
         own,
         {},
         "multipart/form-data; boundary=x",
         403,
         badType},
        {"cookie, own origin, no Content-Type", self, true, own, {}, "none", 403, badType},
        {"cookie, another port, text/plain",
         self,
         true,
         "http://127.0.0.1:1",
         {},
         "text/plain",
         403,
         {}},
        // Scripts and other programs with a token: a browser never adds Authorization to
        // another site's request by itself.
        {"bearer, no Origin", self, false, {}, {}, json, 201, {}},
        {"bearer, text/plain is 415",
         self,
         false,
         {},
         {},
         "text/plain",
         415,
         QStringLiteral("unsupported_media_type")},
    };
    const QByteArray port = QByteArray::number(m_port);
    const qint64 id = openTicket();
    QVERIFY(id > 0);
    const QByteArray ticketPath = "/api/v1/tickets/" + QByteArray::number(id);
    const QString token = tokenFor(QStringLiteral("sue"));
    const QString adminToken = tokenFor(QStringLiteral("admin"));
    for (const Case &c : cases) {
        const QByteArray host = QByteArray(c.host).replace("PORT", port);
        const QByteArray origin = QByteArray(c.origin).replace("PORT", port);
        const int versionBefore = call("GET", ticketPath, {}, QStringLiteral("sue"))
                                      .json()
                                      .value(QLatin1String("version"))
                                      .toInt();
        QList<QPair<QByteArray, QByteArray>> headers {{"Content-Type", c.contentType}};
        if (!origin.isEmpty())
            headers.append({"Origin", origin});
        if (!c.fetchSite.isEmpty())
            headers.append({"Sec-Fetch-Site", c.fetchSite});
        if (!c.cookie)
            headers.append({"Authorization", "Bearer " + token.toLatin1()});
        const QString cookie = c.cookie ? token : QString();
        const RawResponse response
            = rawRequest(m_port,
                         browserRequest("POST", ticketPath + "/comments", host, cookie,
                                        R"({"body":"from a page"})", headers));
        QVERIFY2(response.status == c.status, described(c.name, response).constData());
        if (c.status >= 400) {
            if (!c.code.isEmpty())
                QVERIFY2(response.errorCode() == c.code, described(c.name, response).constData());
            else
                QVERIFY2(response.errorCode().startsWith(QLatin1String("forbidden_")),
                         described(c.name, response).constData());
            QVERIFY(!response.json()
                         .value(QLatin1String("error"))
                         .toObject()
                         .value(QLatin1String("message"))
                         .toString()
                         .isEmpty());
        }
        const int versionAfter = call("GET", ticketPath, {}, QStringLiteral("sue"))
                                     .json()
                                     .value(QLatin1String("version"))
                                     .toInt();
        QVERIFY2(versionAfter == (c.status < 300 ? versionBefore + 1 : versionBefore), c.name);
        if (!c.cookie || c.status != 403)
            continue;

        // The same rule for every state-changing route, whatever its body: a claim with an
        // empty body, the YAML publish route (as admin), sign-out.
        const RawResponse claim = rawRequest(
            m_port, browserRequest("POST", ticketPath + "/claim", host, cookie, {}, headers));
        QVERIFY2(claim.status == 403, described(c.name, claim).constData());
        // A refused content type stays wrong on the YAML route (JSON is not YAML); a refused
        // origin stays refused with the right type.
        QList<QPair<QByteArray, QByteArray>> yamlHeaders = headers;
        yamlHeaders.replace(
            0, {"Content-Type", c.code == badType ? "application/json" : "application/yaml"});
        const RawResponse publish
            = rawRequest(m_port,
                         browserRequest("PUT", "/api/v1/workflows/jump-queue", host, adminToken,
                                        "name: x\n", yamlHeaders));
        QVERIFY2(publish.status == 403, described(c.name, publish).constData());
        const RawResponse logout = rawRequest(
            m_port, browserRequest("POST", "/api/v1/logout", host, cookie, {}, headers));
        QVERIFY2(logout.status == 403, described(c.name, logout).constData());
        QCOMPARE(call("GET", "/api/v1/me", {}, QStringLiteral("sue")).status, 200); // signed in
    }
}

void tst_Api::signInChecksABrowsersOrigin()
{
    struct Case
    {
        const char *name;
        QByteArray origin;
        QByteArray fetchSite;
        int status;
    };
    const QList<Case> cases {
        {"no Origin (a script)", {}, {}, 200},
        {"own origin", "http://127.0.0.1:PORT", "same-origin", 200},
        // Login forgery: another page signs the browser in as the attacker, whose tickets the
        // victim then fills in.
        {"another origin", "http://127.0.0.1:1", "same-site", 403},
        {"Origin null", "null", {}, 403},
        {"no Origin, Sec-Fetch-Site cross-site", {}, "cross-site", 403},
    };
    const QByteArray port = QByteArray::number(m_port);
    for (const Case &c : cases) {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!c.origin.isEmpty())
            headers.append({"Origin", QByteArray(c.origin).replace("PORT", port)});
        if (!c.fetchSite.isEmpty())
            headers.append({"Sec-Fetch-Site", c.fetchSite});
        const RawResponse response
            = rawRequest(m_port,
                         browserRequest("POST", "/api/v1/login", "127.0.0.1:" + port, {},
                                        R"({"username":"amy","password":"password-1"})", headers));
        QVERIFY2(response.status == c.status, described(c.name, response).constData());
        if (c.status == 403) {
            QCOMPARE(response.errorCode(), QStringLiteral("forbidden_origin"));
            QVERIFY(response.header("Set-Cookie").isEmpty());
        }
    }
}

void tst_Api::cookieStreamNeedsOwnOrigin()
{
    // The handshake is refused with an HTTP answer before any upgrade: a page of another origin
    // never gets a socket, so it never sees a byte of the stream.
    struct Case
    {
        const char *name;
        QByteArray auth; ///< cookie, bearer or query
        QByteArray origin;
        int status;
    };
    const QList<Case> cases {
        {"cookie, own origin", "cookie", "http://127.0.0.1:PORT", 101},
        {"cookie, another port", "cookie", "http://127.0.0.1:1", 403},
        {"cookie, Origin null", "cookie", "null", 403},
        {"cookie, no Origin", "cookie", {}, 403},
        {"bearer, no Origin", "bearer", {}, 101},
        {"token in the URL, no Origin", "query", {}, 101},
    };
    const QByteArray port = QByteArray::number(m_port);
    const QByteArray token = tokenFor(QStringLiteral("sue")).toLatin1();
    for (const Case &c : cases) {
        QByteArray request = "GET /api/v1/stream"
            + (c.auth == "query" ? "?token=" + token : QByteArray())
            + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (!c.origin.isEmpty())
            request += "Origin: " + QByteArray(c.origin).replace("PORT", port) + "\r\n";
        if (c.auth == "cookie")
            request += "Cookie: baton_session=" + token + "\r\n";
        if (c.auth == "bearer")
            request += "Authorization: Bearer " + token + "\r\n";
        request += "\r\n";
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write(request);
        QByteArray buffer;
        const RawResponse response = readResponse(socket, buffer);
        QVERIFY2(response.status == c.status, described(c.name, response).constData());
        if (c.status == 403) {
            QCOMPARE(response.errorCode(), QStringLiteral("forbidden_origin"));
            // Nothing follows: no upgrade, no hello; the server closes the connection.
            QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::UnconnectedState, 30000);
            buffer += socket.readAll();
            QVERIFY2(buffer.isEmpty(), buffer.constData());
        } else {
            // The hello frame arrives (a text frame whose payload names the user).
            QTRY_VERIFY_WITH_TIMEOUT((buffer += socket.readAll()).contains("\"hello\""), 30000);
        }
    }
}

void tst_Api::workflowTextWithNulIsRefusedAtItsPosition()
{
    // A raw NUL in workflow text (here inside a title) is caught by the workflow reader with its
    // position, like any YAML error: validate says invalid, publish is 422 and stores nothing.
    QFile file(QStringLiteral(BATON_SOURCE_DIR "/workflows/jump-queue.yaml"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray text = file.readAll();
    const qsizetype at = text.indexOf("Supervisor review");
    QVERIFY(at > 0);
    text.insert(at + 10, '\0');
    const int line = int(text.left(at).count('\n')) + 1;
    const int column = int(at - text.lastIndexOf('\n', at - 1)) + 10;
    auto version = [this] {
        return call("GET", "/api/v1/workflows/jump-queue", {}, QStringLiteral("admin"))
            .json()
            .value(QLatin1String("version"))
            .toInt();
    };
    const int versionBefore = version();
    auto nulErrorAt = [&](const QJsonArray &errors) {
        for (const QJsonValue &e : errors) {
            const QJsonObject error = e.toObject();
            if (error.value(QLatin1String("line")).toInt() == line
                && error.value(QLatin1String("column")).toInt() == column
                && error.value(QLatin1String("message")).toString().contains(QLatin1String("NUL")))
                return true;
        }
        return false;
    };
    const RawResponse validated
        = call("POST", "/api/v1/workflows/validate", text, QStringLiteral("admin"),
               {{"Content-Type", "application/yaml"}});
    QCOMPARE(validated.status, 200);
    QCOMPARE(validated.json().value(QLatin1String("valid")).toBool(), false);
    QVERIFY2(nulErrorAt(validated.json().value(QLatin1String("errors")).toArray()),
             validated.body.constData());
    const RawResponse published
        = call("PUT", "/api/v1/workflows/jump-queue", text, QStringLiteral("admin"),
               {{"Content-Type", "application/yaml"}});
    QCOMPARE(published.status, 422);
    QVERIFY2(nulErrorAt(published.json()
                            .value(QLatin1String("error"))
                            .toObject()
                            .value(QLatin1String("details"))
                            .toObject()
                            .value(QLatin1String("errors"))
                            .toArray()),
             published.body.constData());
    QCOMPARE(version(), versionBefore);
}

void tst_Api::errorKindMapping_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("bad request") << int(ErrorKind::BadRequest) << 400 << u"bad_request"_qs;
    QTest::newRow("unauthorized") << int(ErrorKind::Unauthorized) << 401 << u"unauthenticated"_qs;
    QTest::newRow("forbidden") << int(ErrorKind::Forbidden) << 403 << u"forbidden"_qs;
    QTest::newRow("not found") << int(ErrorKind::NotFound) << 404 << u"not_found"_qs;
    QTest::newRow("conflict") << int(ErrorKind::Conflict) << 409 << u"conflict"_qs;
    QTest::newRow("validation") << int(ErrorKind::Validation) << 422 << u"validation_failed"_qs;
    QTest::newRow("rate limited") << int(ErrorKind::RateLimited) << 429 << u"rate_limited"_qs;
    QTest::newRow("internal") << int(ErrorKind::Internal) << 503 << u"unavailable"_qs;
    QTest::newRow("unavailable") << int(ErrorKind::Unavailable) << 503 << u"unavailable"_qs;
}

/// The one map from a failure's kind to the API's status and code (interfaces.md "Errors");
/// an internal message never reaches the client.
void tst_Api::errorKindMapping()
{
    QFETCH(int, kind);
    QFETCH(int, status);
    QFETCH(QString, code);
    const Error error
        = makeError(ErrorKind(kind), u"secret detail"_qs, {{u"title"_qs, u"required"_qs}});
    const Http::ApiError answer = Api::apiError(error);
    QCOMPARE(answer.status, status);
    QCOMPARE(answer.code, code);
    QCOMPARE(Api::httpStatus(ErrorKind(kind)), status);
    QCOMPARE(Api::errorCode(ErrorKind(kind)), code);
    if (status == 503) {
        QVERIFY(!answer.message.contains(u"secret"_qs));
        QVERIFY(answer.details.isEmpty());
    } else {
        QCOMPARE(answer.message, u"secret detail"_qs);
        QCOMPARE(answer.details.value(u"fields"_qs).toObject().value(u"title"_qs).toString(),
                 u"required"_qs);
    }
}

QTEST_GUILESS_MAIN(tst_Api)
#include "tst_api.moc"

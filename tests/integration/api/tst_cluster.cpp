// SPDX-License-Identifier: GPL-3.0-or-later
// Several servers on one PostgreSQL: a change made through one server reaches the streams of
// another (LISTEN/NOTIFY), under the same visibility, and again after the listening connection
// was cut. Two complete servers (the composition root) in this process, two WebSocket clients.
#include "auth/authservice.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "store/database.h"
#include "streamclient.h"
#include "testserver.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <functional>

using namespace Baton;
using Baton::Test::StreamClient;

namespace {

const QString password = QStringLiteral("password-1");

} // namespace

class tst_Cluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void changeThroughOneServerReachesAnothersStream();
    void notificationReachesTheUserOnAnotherServer();
    void streamsCarryOnAfterTheListeningConnectionIsCut();
    void logoutAndUserChangesReachTheOtherServersSessionsAtOnce();
    void aNewAbsenceShowsOnTheOtherServerAtOnce();
    void aTimerMissedWhileTheListenerWasDownIsFoundAtReconnect();

private:
    RawResponse call(quint16 port, const QByteArray &method, const QByteArray &path,
                     const QByteArray &body, const QString &user);
    QString tokenFor(quint16 port, const QString &user);
    qint64 openTicket(quint16 port);
    void startServer(Test::TestServer &server,
                     const std::function<void(Test::TestServerOptions &)> &configure = {});
    /// Ends the listening connections of the servers with live updates on; true when any.
    bool cutListeningConnections();

    Test::TestDatabase *m_holder = nullptr;
    QString m_url;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_a, m_b;
    QHash<QString, QString> m_tokens;
};

void tst_Cluster::init()
{
    m_holder = new Test::TestDatabase;
    m_url = m_holder->create(QStringLiteral("postgresql"));
    if (m_url.isEmpty() && !m_holder->skipReason().isEmpty())
        QSKIP(qPrintable(m_holder->skipReason()));
    QVERIFY2(!m_url.isEmpty(), qPrintable(m_holder->error()));
    startServer(m_a);
    // The users before the second server starts: its directory reads them then.
    const QList<std::tuple<QString, QStringList, QStringList>> users {
        {QStringLiteral("amy"), {QStringLiteral("agent")}, {QStringLiteral("customer-service")}},
        {QStringLiteral("alan"), {QStringLiteral("agent")}, {QStringLiteral("customer-service")}},
        {QStringLiteral("sue"),
         {QStringLiteral("supervisor")},
         {QStringLiteral("customer-service")}},
        {QStringLiteral("kai"), {QStringLiteral("agent")}, {QStringLiteral("customs")}},
    };
    for (const auto &[name, roles, departments] : users) {
        UserInput in;
        in.name = name;
        in.password = password;
        in.roles = roles;
        in.departments = departments;
        QVERIFY(m_a.auth().users().create(name, in, m_a.services().organisation()).ok());
    }
    startServer(m_b);
}

void tst_Cluster::startServer(Test::TestServer &server,
                              const std::function<void(Test::TestServerOptions &)> &configure)
{
    auto db = Test::TestServer::openDatabase(m_url); // each server its own connections
    QVERIFY2(db, db ? "" : qPrintable(db.error()));
    Test::TestServerOptions options;
    options.database = *db;
    options.clock = &m_clock;
    QVERIFY(options.useWorkflowFolder());
    if (configure)
        configure(options);
    const QString error = server.start(options);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void tst_Cluster::cleanup()
{
    m_b.stop();
    m_a.stop();
    m_tokens.clear();
    delete m_holder;
    m_holder = nullptr;
}

RawResponse tst_Cluster::call(quint16 port, const QByteArray &method, const QByteArray &path,
                              const QByteArray &body, const QString &user)
{
    return rawRequest(
        port,
        httpRequest(method, path, body,
                    {{"Authorization", "Bearer " + tokenFor(port, user).toLatin1()}}));
}

QString tst_Cluster::tokenFor(quint16 port, const QString &user)
{
    const QString key = QString::number(port) + u'/' + user;
    if (!m_tokens.contains(key)) {
        const RawResponse login = rawRequest(
            port,
            httpRequest("POST", "/api/v1/login",
                        QJsonDocument(QJsonObject {{QStringLiteral("username"), user},
                                                   {QStringLiteral("password"), password}})
                            .toJson(QJsonDocument::Compact)));
        m_tokens.insert(key, login.json().value(QLatin1String("token")).toString());
    }
    return m_tokens.value(key);
}

qint64 tst_Cluster::openTicket(quint16 port)
{
    const RawResponse response = call(
        port, "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"},"channel":"phone"})",
        QStringLiteral("amy"));
    if (response.status != 201)
        qWarning("open failed: %d %s", response.status, response.body.constData());
    return response.json().value(QLatin1String("id")).toInteger();
}

void tst_Cluster::changeThroughOneServerReachesAnothersStream()
{
    StreamClient onA, onB, otherDepartmentOnB;
    QVERIFY(onA.open(m_a.port(), tokenFor(m_a.port(), QStringLiteral("alan"))));
    QVERIFY(onB.open(m_b.port(), tokenFor(m_b.port(), QStringLiteral("alan"))));
    QVERIFY(otherDepartmentOnB.open(m_b.port(), tokenFor(m_b.port(), QStringLiteral("kai"))));

    QElapsedTimer sinceWrite;
    sinceWrite.start();
    const qint64 id = openTicket(m_a.port());
    QVERIFY(id > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!onB.about(QStringLiteral("ticket"), id).isEmpty(), 10000);
    qInfo("a ticket opened through server A reached a stream of server B after %lld ms",
          sinceWrite.elapsed());
    // The same event as the committing server's own clients get.
    QTRY_VERIFY_WITH_TIMEOUT(!onA.about(QStringLiteral("ticket"), id).isEmpty(), 10000);
    QCOMPARE(onB.about(QStringLiteral("ticket"), id).first(),
             onA.about(QStringLiteral("ticket"), id).first());

    // A change through B reaches its own clients once (its own announcement is skipped), and A's.
    QCOMPARE(call(m_b.port(), "POST", "/api/v1/tickets/" + QByteArray::number(id) + "/comments",
                  R"({"body":"hello from B"})", QStringLiteral("amy"))
                 .status,
             201);
    QTRY_COMPARE_WITH_TIMEOUT(onA.about(QStringLiteral("ticket"), id).size(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(onB.about(QStringLiteral("ticket"), id).size(), 2, 10000);
    QTest::qWait(500); // a duplicate would come by now
    QCOMPARE(onB.about(QStringLiteral("ticket"), id).size(), 2);
    QCOMPARE(onA.about(QStringLiteral("ticket"), id).size(), 2);

    // Visibility as for local changes: an agent of another department hears nothing.
    QCOMPARE(otherDepartmentOnB.messages.size(), 1); // its hello only
}

void tst_Cluster::logoutAndUserChangesReachTheOtherServersSessionsAtOnce()
{
    // Server B keeps the sessions it read in memory (auth/sessioncache.h) and the test's clock
    // stands still, so only A's announcement can make B read them again.
    const auto me = [](quint16 port, const QString &token) {
        return rawRequest(port,
                          httpRequest("GET", "/api/v1/me", {},
                                      {{"Authorization", "Bearer " + token.toLatin1()}}));
    };
    const QString desk = tokenFor(m_a.port(), QStringLiteral("amy"));
    QCOMPARE(me(m_b.port(), desk).status, 200);
    UserInput change;
    change.roles = QStringList {QStringLiteral("supervisor")};
    QVERIFY(m_a.auth()
                .users()
                .update(QStringLiteral("amy"), change, m_a.services().organisation())
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(
        me(m_b.port(), desk).json().value(QLatin1String("roles")).toArray().first().toString(),
        QStringLiteral("supervisor"), 10000);

    QCOMPARE(rawRequest(m_a.port(),
                        httpRequest("POST", "/api/v1/logout", {},
                                    {{"Authorization", "Bearer " + desk.toLatin1()}}))
                 .status,
             204);
    QTRY_COMPARE_WITH_TIMEOUT(me(m_b.port(), desk).status, 401, 10000);

    const QString phone = tokenFor(m_b.port(), QStringLiteral("alan"));
    QCOMPARE(me(m_b.port(), phone).status, 200);
    UserInput disable;
    disable.active = false;
    QVERIFY(m_a.auth()
                .users()
                .update(QStringLiteral("alan"), disable, m_a.services().organisation())
                .ok());
    QTRY_COMPARE_WITH_TIMEOUT(me(m_b.port(), phone).status, 401, 10000);
}

void tst_Cluster::aNewAbsenceShowsOnTheOtherServerAtOnce()
{
    // Both servers keep the absences they read (UserDirectory::awayAt) and the test's clock
    // stands still, so only A's announcement can make B read them again: an absence written
    // to the database behind their backs (nobody announces it) shows on neither.
    const qint64 id = openTicket(m_a.port());
    QVERIFY(id > 0);
    const QByteArray ticket = "/api/v1/tickets/" + QByteArray::number(id);
    QCOMPARE(call(m_a.port(), "POST", ticket + "/assign", R"({"username":"alan"})",
                  QStringLiteral("sue"))
                 .status,
             200);
    const auto assigneeAway = [&](quint16 port) {
        const RawResponse read = call(port, "GET", ticket, {}, QStringLiteral("sue"));
        return read.status == 200 ? read.json().value(QLatin1String("assignee_away")).toBool()
                                  : true;
    };
    QCOMPARE(call(m_b.port(), "GET", ticket, {}, QStringLiteral("sue")).status, 200);
    QCOMPARE(assigneeAway(m_a.port()), false);
    QCOMPARE(assigneeAway(m_b.port()), false);
    auto db = m_a.database()->connection();
    QVERIFY(db.ok());
    const QDateTime sunday(QDate(2026, 11, 29), QTime(9, 0), Qt::UTC);
    QVERIFY(runQuery(*db, QStringLiteral("UPDATE users SET away_until = ? WHERE username = ?"),
                     {sunday.toMSecsSinceEpoch(), QStringLiteral("alan")})
                .ok());
    QCOMPARE(assigneeAway(m_a.port()), false);
    QCOMPARE(assigneeAway(m_b.port()), false);

    // sue, alan's supervisor, marks him away (a day longer) through A.
    QCOMPARE(call(m_a.port(), "PATCH", "/api/v1/users/alan/away",
                  R"({"away":{"until":"2026-11-30T09:00:00Z"}})", QStringLiteral("sue"))
                 .status,
             200);
    QCOMPARE(assigneeAway(m_a.port()), true); // the server that wrote it: at once
    QTRY_COMPARE_WITH_TIMEOUT(assigneeAway(m_b.port()), true, 30000);

    // Back, through B this time.
    QCOMPARE(call(m_b.port(), "PATCH", "/api/v1/users/alan/away", R"({"away":null})",
                  QStringLiteral("sue"))
                 .status,
             200);
    QCOMPARE(assigneeAway(m_b.port()), false);
    QTRY_COMPARE_WITH_TIMEOUT(assigneeAway(m_a.port()), false, 30000);
}

void tst_Cluster::notificationReachesTheUserOnAnotherServer()
{
    const qint64 id = openTicket(m_a.port());
    QVERIFY(id > 0);
    StreamClient alanOnB;
    QVERIFY(alanOnB.open(m_b.port(), tokenFor(m_b.port(), QStringLiteral("alan"))));
    QElapsedTimer sinceWrite;
    sinceWrite.start();
    QCOMPARE(call(m_a.port(), "POST", "/api/v1/tickets/" + QByteArray::number(id) + "/assign",
                  R"({"username":"alan"})", QStringLiteral("sue"))
                 .status,
             200);
    QTRY_VERIFY_WITH_TIMEOUT(!alanOnB.about(QStringLiteral("notification"), id).isEmpty(), 10000);
    qInfo("a notification written through server A reached its user on server B after %lld ms",
          sinceWrite.elapsed());
    const QJsonObject bell = alanOnB.about(QStringLiteral("notification"), id).first();
    QCOMPARE(bell.value(QLatin1String("kind")).toString(), QStringLiteral("assigned"));
    QVERIFY(bell.value(QLatin1String("id")).toInteger() > 0);
    // The same row the notifications route lists.
    const RawResponse listed
        = call(m_b.port(), "GET", "/api/v1/notifications", {}, QStringLiteral("alan"));
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.json()
                 .value(QLatin1String("items"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QLatin1String("id")),
             bell.value(QLatin1String("id")));
}

bool tst_Cluster::cutListeningConnections()
{
    auto db = m_a.database()->connection();
    if (!db)
        return false;
    auto killed = runQuery(*db,
                           QStringLiteral("SELECT pg_terminate_backend(pid) FROM "
                                          "pg_stat_activity WHERE application_name = "
                                          "'baton-listen'"));
    return killed && killed->next(); // there was one to end
}

void tst_Cluster::streamsCarryOnAfterTheListeningConnectionIsCut()
{
    StreamClient before;
    QVERIFY(before.open(m_b.port(), tokenFor(m_b.port(), QStringLiteral("alan"))));
    QVERIFY(cutListeningConnections());
    // Back to listening, the server tells its clients they may have missed updates: reconnect.
    QTRY_VERIFY_WITH_TIMEOUT(before.closed.size() >= 1, 10000);
    QCOMPARE(before.socket.closeCode(), QWebSocketProtocol::CloseCodeNormal);
    QVERIFY2(before.socket.closeReason().contains(u"reconnect"),
             qPrintable(before.socket.closeReason()));

    StreamClient after;
    QVERIFY(after.open(m_b.port(), tokenFor(m_b.port(), QStringLiteral("alan"))));
    const qint64 id = openTicket(m_a.port());
    QVERIFY(id > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!after.about(QStringLiteral("ticket"), id).isEmpty(), 10000);
    m_a.database()->closeThreadConnection();
}

void tst_Cluster::aTimerMissedWhileTheListenerWasDownIsFoundAtReconnect()
{
    // A has no timer and sleeps on its own scheduler's thread (wall-clock waits, towards the
    // test clock's instants); B writes a ticket with SLA timers but announces nothing — as a
    // notice lost while A's listening connection was down — and fires no timers itself. The
    // clock then passes the ticket's deadlines. A can only learn of them by looking again
    // when its listener reconnects.
    m_b.stop();
    m_a.stop();
    m_tokens.clear();
    startServer(m_a, [](Test::TestServerOptions &options) {
        options.adminClock = false; // the scheduler waits on its own, as in `baton serve`
        options.timerThread = true;
    });
    startServer(m_b, [](Test::TestServerOptions &options) { options.liveAcrossServers = false; });
    const qint64 id = openTicket(m_b.port());
    QVERIFY(id > 0);
    m_clock.advanceSeconds(3 * 24 * 3600); // past every deadline of the ticket
    m_tokens.clear(); // and past the sessions' expiry: sign in again
    QVERIFY(cutListeningConnections()); // A's alone: B does not listen

    const QByteArray events = "/api/v1/tickets/" + QByteArray::number(id) + "/events";
    const auto statusAndEvents = [&] { // "200 opened … sla_breached …"
        const RawResponse read = call(m_b.port(), "GET", events, {}, QStringLiteral("amy"));
        QStringList seen {QString::number(read.status)};
        for (const QJsonValue &event : read.json().value(QLatin1String("items")).toArray())
            seen.append(event.toObject().value(QLatin1String("type")).toString());
        return seen;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(statusAndEvents().contains(QStringLiteral("sla_breached")),
                              qPrintable(statusAndEvents().join(u' ')), 30000);
}

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"

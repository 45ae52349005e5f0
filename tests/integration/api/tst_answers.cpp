// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 16's "trust what the screen says" and "one company, one voice" end to end: the ticket's
// most urgent clock (sla_urgent) and standard answers (publish, search, version, permissions),
// a real server on a real socket, on SQLite and on PostgreSQL.
#include "core/clock.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "sessionclient.h"
#include "store/database.h"
#include "testserver.h"

#include <QJsonArray>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUrl>

using namespace Baton;

namespace {
const QString password = QStringLiteral("password-1");

QJsonObject fieldsOf(const RawResponse &response)
{
    return response.json()
        .value(QLatin1String("error"))
        .toObject()
        .value(QLatin1String("details"))
        .toObject()
        .value(QLatin1String("fields"))
        .toObject();
}
} // namespace

class tst_Answers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void aBreachedTicketClockIsTheUrgentOne();
    void anOpenBranchClockCountsAndAClosedTicketHasNone();
    void answersArePublishedSearchedAndVersioned();
    void answerWritesNeedTheDepartmentsSupervisorOrAnAdmin();
    void badAnswersAreRefusedNamingTheField();
    void linksAreRecordedOnBothSides();
    void mergeClosesTheDuplicateAndKeepsItReadable();
    void aMergeIsOneWriteOrNothing();

private:
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &user = QStringLiteral("amy"));
    QJsonObject open(const QByteArray &tier = "B");
    qint64 publish(const QString &user, const QByteArray &body);

    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_server;
    Test::SessionClient m_client {password};
};

void tst_Answers::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC));
    auto db = Test::TestServer::openDatabase(url);
    if (!db)
        QFAIL(qPrintable(db.error()));
    m_db = *db;
    Test::TestServerOptions options;
    options.database = m_db;
    options.clock = &m_clock;
    QVERIFY(options.useWorkflowFolder());
    const QString error = m_server.start(options);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString created = m_server.createUsers(
        {{QStringLiteral("amy"), QStringLiteral("agent"), QStringLiteral("customer-service"),
          QStringLiteral("Amy Chan")},
         {QStringLiteral("sue"), QStringLiteral("supervisor"), QStringLiteral("customer-service")},
         {QStringLiteral("bea"), QStringLiteral("supervisor"), QStringLiteral("billing")},
         {QStringLiteral("bill"), QStringLiteral("staff"), QStringLiteral("billing")},
         {QStringLiteral("gus"), QStringLiteral("staff"), QStringLiteral("ground-ops")},
         {QStringLiteral("admin"), QStringLiteral("admin"), QString()}},
        password);
    QVERIFY2(created.isEmpty(), qPrintable(created));
    m_client.setPort(m_server.port());
}

void tst_Answers::cleanup()
{
    m_server.stop();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

RawResponse tst_Answers::call(const QByteArray &method, const QByteArray &path,
                              const QByteArray &body, const QString &user)
{
    return m_client.call(method, path, body, user);
}

QJsonObject tst_Answers::open(const QByteArray &tier)
{
    const RawResponse response = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Held at the hub","fields":{"awb":"123456789012",)"
        R"("urgency":"high","held_at":"hub","reason":"urgent"},"customer":{"id":"C-1",)"
        R"("name":"Li Wei","tier":")"
            + tier + R"("}})");
    if (response.status != 201)
        qWarning("open failed: %d %s", response.status, response.body.constData());
    return response.json();
}

qint64 tst_Answers::publish(const QString &user, const QByteArray &body)
{
    const RawResponse response = call("POST", "/api/v1/answers", body, user);
    if (response.status != 201)
        qWarning("publish failed: %d %s", response.status, response.body.constData());
    return response.json().value(QLatin1String("id")).toInteger();
}

// JQ-2 of the issue: opened on a Saturday afternoon in Hong Kong, after the office closed. A day
// later the ticket-wide clock (a day, round the clock) is an hour past due, while the review
// step's 15-minute respond clock, in office hours, has not started: the step alone says "15m
// left". The ticket's one badge must say breached.
void tst_Answers::aBreachedTicketClockIsTheUrgentOne()
{
    m_clock.set(QDateTime(QDate(2026, 11, 28), QTime(5, 30), Qt::UTC)); // Sat 13:30 HK
    m_client.setPort(m_server.port()); // forgets the sessions
    const QJsonObject ticket = open();
    const QByteArray path
        = "/api/v1/tickets/" + QByteArray::number(ticket.value(u"id").toInteger());
    QCOMPARE(ticket.value(u"sla_urgent").toObject().value(u"clock").toString(),
             QStringLiteral("step"));
    QCOMPARE(
        call("POST", "/api/v1/admin/clock", R"({"advance_seconds":90000})", QStringLiteral("admin"))
            .status,
        200); // the timers that came due fire
    m_client.setPort(m_server.port()); // forgets the sessions: they ran out meanwhile
    const QJsonObject now = call("GET", path).json();
    const QJsonObject step = now.value(u"sla").toObject();
    QCOMPARE(step.value(u"breached").toBool(), false);
    QCOMPARE(step.value(u"remaining").toInteger(), 15 * 60);
    QCOMPARE(now.value(u"ticket_sla").toObject().value(u"breached").toBool(), true);
    const QJsonObject urgent = now.value(u"sla_urgent").toObject();
    QCOMPARE(urgent.value(u"clock").toString(), QStringLiteral("ticket"));
    QCOMPARE(urgent.value(u"breached").toBool(), true);
    QCOMPARE(urgent.value(u"remaining").toInteger(), -3600);
    QCOMPARE(urgent.value(u"resolve_due").toString(), QStringLiteral("2026-11-29T05:30:00Z"));
    // The list says the same as the ticket.
    const QJsonArray items
        = call("GET", "/api/v1/tickets?status=open").json().value(u"items").toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.first().toObject().value(u"sla_urgent").toObject(), urgent);
}

// In a parallel state the ticket has no step clock of its own: its open branches' clocks count
// (the nearest one first), a finished branch's no longer does; a paused ticket-wide clock is
// the last resort (a closed ticket has none: mergeClosesTheDuplicateAndKeepsItReadable).
void tst_Answers::anOpenBranchClockCountsAndAClosedTicketHasNone()
{
    const QJsonObject ticket = open("A");
    const QByteArray path
        = "/api/v1/tickets/" + QByteArray::number(ticket.value(u"id").toInteger());
    const RawResponse approved
        = call("POST", path + "/actions/approve", "{}", QStringLiteral("sue"));
    QCOMPARE(approved.status, 200);
    QJsonObject urgent = approved.json().value(u"sla_urgent").toObject();
    QCOMPARE(urgent.value(u"clock").toString(), QStringLiteral("branch"));
    QCOMPARE(urgent.value(u"branch").toString(), QStringLiteral("billing")); // 2h before 4h
    const RawResponse billed = call("POST", path + "/actions/done",
                                    R"({"branch":"billing","fields":{"billing_note":"charged"}})",
                                    QStringLiteral("bill"));
    QCOMPARE(billed.status, 200);
    urgent = billed.json().value(u"sla_urgent").toObject();
    QCOMPARE(urgent.value(u"branch").toString(), QStringLiteral("ground"));
    // Both branches done: back with the agent, whose 30-minute step comes before the day.
    const RawResponse back
        = call("POST", path + "/actions/done",
               R"({"branch":"ground","fields":{"ops_note":"on the 9:40"}})", QStringLiteral("gus"));
    QVERIFY2(back.status == 200, back.body.constData());
    QCOMPARE(back.json().value(u"sla_urgent").toObject().value(u"clock").toString(),
             QStringLiteral("step"));
    // Waiting for the customer: no step clock, the ticket's stands still.
    const RawResponse waiting = call("POST", path + "/actions/ask_customer", "{}");
    QVERIFY2(waiting.status == 200, waiting.body.constData());
    urgent = waiting.json().value(u"sla_urgent").toObject();
    QCOMPARE(urgent.value(u"clock").toString(), QStringLiteral("ticket"));
    QCOMPARE(urgent.value(u"paused").toBool(), true);
}

void tst_Answers::answersArePublishedSearchedAndVersioned()
{
    const qint64 id = publish(
        QStringLiteral("sue"),
        R"({"department":"customer-service","title":{"en":"Parcel held at customs","zh":"包裹海关扣留"},)"
        R"("body":{"en":"Dear {customer.name}, your parcel {ticket.key} is with customs. {agent.name}",)"
        R"("zh":"{customer.name}您好，您的快件{ticket.key}正在清关。{agent.name}"}})");
    QVERIFY(id > 0);
    QVERIFY(
        publish(QStringLiteral("bea"),
                R"({"department":"billing","title":{"en":"Refund in 5 days","zh":"五天内退款"},)"
                R"("body":{"en":"The refund reaches you within 5 working days.",)"
                R"("zh":"退款将在5个工作日内到账。"}})")
        > 0);
    const auto found = [&](const char *query, const QString &user = QStringLiteral("amy")) {
        const RawResponse response
            = call("GET", "/api/v1/answers?q=" + QUrl::toPercentEncoding(QString::fromUtf8(query)),
                   {}, user);
        QStringList titles;
        for (const QJsonValue &item : response.json().value(u"items").toArray())
            titles.append(item[u"title"][u"en"].toString());
        return titles;
    };
    QCOMPARE(found("customs"), QStringList {QStringLiteral("Parcel held at customs")});
    QCOMPARE(found("海关"), QStringList {QStringLiteral("Parcel held at customs")});
    QCOMPARE(found("REFUND working"), QStringList {QStringLiteral("Refund in 5 days")});
    QCOMPARE(found("清关"), QStringList {QStringLiteral("Parcel held at customs")}); // a body
    QCOMPARE(found("").size(), 2);
    QCOMPARE(found("nothing like it").size(), 0);
    const RawResponse all = call("GET", "/api/v1/answers", {}, QStringLiteral("gus"));
    QCOMPARE(all.status, 200);
    QVERIFY(all.json().value(u"placeholders").toArray().contains(QStringLiteral("ticket.key")));
    QCOMPARE(all.json().value(u"items").toArray().at(0)[u"editable"].toBool(), false);

    // Each change is a new version, kept whole with who and when.
    const QByteArray path = "/api/v1/answers/" + QByteArray::number(id);
    m_clock.advanceSeconds(60);
    RawResponse patched
        = call("PATCH", path, R"({"title":{"en":"Parcel held by customs"},"version":1})",
               QStringLiteral("admin"));
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json().value(u"version").toInt(), 2);
    QCOMPARE(patched.json().value(u"title")[u"zh"].toString(), QStringLiteral("包裹海关扣留"));
    QCOMPARE(call("PATCH", path, R"({"active":false,"version":1})", QStringLiteral("sue")).status,
             409);
    patched = call("PATCH", path, R"({"active":false,"version":2})", QStringLiteral("sue"));
    QCOMPARE(patched.status, 200);
    QCOMPARE(call("PATCH", path, R"({"active":false})", QStringLiteral("sue"))
                 .json()[u"version"]
                 .toInt(),
             3); // unchanged: no new version
    QCOMPARE(found("customs").size(), 0); // withdrawn: not offered
    QCOMPARE(
        call("GET", "/api/v1/answers?q=customs&withdrawn=true").json()[u"items"].toArray().size(),
        1);
    const QJsonArray versions = call("GET", path + "/versions").json().value(u"items").toArray();
    QCOMPARE(versions.size(), 3);
    QCOMPARE(versions[0][u"version"].toInt(), 3);
    QCOMPARE(versions[0][u"by"].toString(), QStringLiteral("sue"));
    QCOMPARE(versions[0][u"active"].toBool(), false);
    QCOMPARE(versions[1][u"by"].toString(), QStringLiteral("admin"));
    QCOMPARE(versions[1][u"at"].toString(), QStringLiteral("2026-11-23T09:01:00Z"));
    QCOMPARE(versions[2][u"title"][u"en"].toString(), QStringLiteral("Parcel held at customs"));
    QCOMPARE(versions[2][u"by"].toString(), QStringLiteral("sue"));
    QCOMPARE(call("GET", "/api/v1/answers/999/versions").status, 404);
    QCOMPARE(call("GET", "/api/v1/answers/999").status, 404);
}

void tst_Answers::answerWritesNeedTheDepartmentsSupervisorOrAnAdmin()
{
    const QByteArray body
        = R"({"department":"billing","title":{"en":"Invoice copy","zh":"发票副本"},)"
          R"("body":{"en":"We will send a copy.","zh":"我们将寄送副本。"}})";
    QCOMPARE(call("POST", "/api/v1/answers", body, QStringLiteral("amy")).status, 403);
    QCOMPARE(call("POST", "/api/v1/answers", body, QStringLiteral("bill")).status, 403);
    QCOMPARE(call("POST", "/api/v1/answers", body, QStringLiteral("sue")).status, 403);
    const qint64 id = publish(QStringLiteral("bea"), body);
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/answers/" + QByteArray::number(id);
    QCOMPARE(call("GET", path, {}, QStringLiteral("bea")).json()[u"editable"].toBool(), true);
    QCOMPARE(call("PATCH", path, R"({"active":false})", QStringLiteral("sue")).status, 403);
    QCOMPARE(call("PATCH", path, R"({"active":false})", QStringLiteral("bill")).status, 403);
    // Bea may not give her answer to a department she does not supervise.
    QCOMPARE(call("PATCH", path, R"({"department":"customs"})", QStringLiteral("bea")).status, 403);
    QCOMPARE(call("PATCH", path, R"({"department":"customs"})", QStringLiteral("admin")).status,
             200);
}

void tst_Answers::badAnswersAreRefusedNamingTheField()
{
    RawResponse bad = call("POST", "/api/v1/answers",
                           R"({"department":"billing","title":{"en":"Only English"},)"
                           R"("body":{"en":"Hello {customer.nmae}","zh":"你好"}})",
                           QStringLiteral("admin"));
    QCOMPARE(bad.status, 422);
    QCOMPARE(fieldsOf(bad).keys(),
             (QStringList {QStringLiteral("body.en"), QStringLiteral("title.zh")}));
    QVERIFY2(fieldsOf(bad).value(u"body.en").toString().contains(u"{customer.nmae}"),
             bad.body.constData());
    bad = call("POST", "/api/v1/answers",
               R"({"department":"nowhere","title":{"en":"a","zh":"b"},"body":{"en":"c","zh":"d"}})",
               QStringLiteral("admin"));
    QCOMPARE(bad.status, 422);
    QCOMPARE(fieldsOf(bad).keys(), QStringList {QStringLiteral("department")});
    QCOMPARE(
        call("POST", "/api/v1/answers", R"({"title":"plain"})", QStringLiteral("admin")).status,
        400);
    QCOMPARE(call("POST", "/api/v1/answers", R"({"colour":"red"})", QStringLiteral("admin")).status,
             400);
    QCOMPARE(call("GET", "/api/v1/answers?colour=red").status, 400);
    QCOMPARE(
        call("PATCH", "/api/v1/answers/77", R"({"active":false})", QStringLiteral("admin")).status,
        404);
}

namespace {
/// relation → linked ticket id, of a ticket's links.
QMap<QString, qint64> linksOf(const QJsonObject &ticket)
{
    QMap<QString, qint64> links;
    for (const QJsonValue &l : ticket.value(u"links").toArray())
        links.insert(l[u"relation"].toString(), l[u"id"].toInteger());
    return links;
}
} // namespace

void tst_Answers::linksAreRecordedOnBothSides()
{
    const QJsonObject first = open();
    const QJsonObject second = open();
    const QByteArray path
        = "/api/v1/tickets/" + QByteArray::number(first.value(u"id").toInteger()) + "/links";
    const qint64 secondId = second.value(u"id").toInteger();
    const RawResponse linked
        = call("POST", path,
               R"({"ticket":")" + second.value(u"key").toString().toLower().toUtf8()
                   + R"(","relation":"duplicate_of"})");
    QCOMPARE(linked.status, 201);
    QCOMPARE(linksOf(linked.json()),
             (QMap<QString, qint64> {{QStringLiteral("duplicate_of"), secondId}}));
    const QJsonObject other = call("GET", "/api/v1/tickets/" + QByteArray::number(secondId)).json();
    QCOMPARE(linksOf(other),
             (QMap<QString, qint64> {
                 {QStringLiteral("duplicated_by"), first.value(u"id").toInteger()}}));
    const QJsonArray events
        = call("GET", "/api/v1/tickets/" + QByteArray::number(secondId) + "/events")
              .json()
              .value(u"items")
              .toArray();
    QCOMPARE(events.last()[u"type"].toString(), QStringLiteral("linked"));
    QCOMPARE(events.last()[u"actor"].toString(), QStringLiteral("amy"));
    // By id too; the same link twice, itself, an unknown ticket or relation: 422 naming it.
    RawResponse bad
        = call("POST", path,
               R"({"ticket":")" + QByteArray::number(secondId) + R"(","relation":"duplicate_of"})");
    QCOMPARE(bad.status, 422);
    bad = call("POST", path, R"({"ticket":")" + first.value(u"key").toString().toUtf8() + R"("})");
    QCOMPARE(bad.status, 422);
    bad = call("POST", path, R"({"ticket":"JQ-999"})");
    QCOMPARE(bad.status, 422);
    QCOMPARE(fieldsOf(bad).keys(), QStringList {QStringLiteral("ticket")});
    bad = call("POST", path, R"({"ticket":"XX-)" + QByteArray::number(secondId) + R"("})");
    QCOMPARE(bad.status, 422); // the id exists, the key does not
    bad = call("POST", path,
               R"({"ticket":")" + QByteArray::number(secondId) + R"(","relation":"parent_of"})");
    QCOMPARE(bad.status, 422);
    QCOMPARE(fieldsOf(bad).keys(), QStringList {QStringLiteral("relation")});
    QCOMPARE(call("POST", path, R"({})").status, 422);
    // Someone who may not see the ticket: as if it did not exist.
    QCOMPARE(call("POST", path, R"({"ticket":")" + QByteArray::number(secondId) + R"("})",
                  QStringLiteral("gus"))
                 .status,
             404);
    const RawResponse related
        = call("POST", path,
               R"({"ticket":")" + QByteArray::number(secondId) + R"(","relation":"relates_to"})");
    QCOMPARE(related.status, 201);
    QCOMPARE(linksOf(related.json()).value(QStringLiteral("relates_to")), secondId);
}

void tst_Answers::mergeClosesTheDuplicateAndKeepsItReadable()
{
    const QJsonObject kept = open();
    const QJsonObject duplicate = open();
    const qint64 keptId = kept.value(u"id").toInteger();
    const qint64 duplicateId = duplicate.value(u"id").toInteger();
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(duplicateId);
    QCOMPARE(call("POST", path + "/comments", R"({"body":"The customer called twice."})").status,
             201);
    const QByteArray body = R"({"into":")" + kept.value(u"key").toString().toUtf8()
        + R"(","reason":"Same parcel, second call"})";
    // Billing staff neither opened it nor hold it.
    QCOMPARE(call("POST", path + "/merge", body, QStringLiteral("bill")).status, 404);
    QCOMPARE(
        call("POST", path + "/merge", R"({"into":")" + QByteArray::number(duplicateId) + R"("})")
            .status,
        422);
    const RawResponse merged = call("POST", path + "/merge", body);
    QCOMPARE(merged.status, 200);
    QCOMPARE(merged.json().value(u"status").toString(), QStringLiteral("closed"));
    QCOMPARE(linksOf(merged.json()).value(QStringLiteral("merged_into")), keptId);
    QVERIFY(merged.json().value(u"sla_urgent").isNull());
    const QJsonObject target = call("GET", "/api/v1/tickets/" + QByteArray::number(keptId)).json();
    QCOMPARE(linksOf(target).value(QStringLiteral("merged_from")), duplicateId);
    QCOMPARE(target.value(u"status").toString(), QStringLiteral("open"));
    // Its events stay readable, the comment and the merge among them.
    const QJsonArray events = call("GET", path + "/events").json().value(u"items").toArray();
    QStringList types;
    for (const QJsonValue &e : events)
        types.append(e[u"type"].toString());
    QVERIFY2(types.contains(QStringLiteral("commented")), qPrintable(types.join(u',')));
    QCOMPARE(events.last()[u"type"].toString(), QStringLiteral("closed"));
    QCOMPARE(events.last()[u"data"][u"merged_into"].toInteger(), keptId);
    QCOMPARE(events.last()[u"data"][u"reason"].toString(),
             QStringLiteral("Same parcel, second call"));
    QCOMPARE(events.last()[u"actor"].toString(), QStringLiteral("amy"));
    // Closed now: not again; nothing merges into it; its originator may reopen it.
    QCOMPARE(call("POST", path + "/merge", body).status, 422);
    const QJsonObject third = open();
    QCOMPARE(
        call("POST",
             "/api/v1/tickets/" + QByteArray::number(third.value(u"id").toInteger()) + "/merge",
             R"({"into":")" + QByteArray::number(duplicateId) + R"("})")
            .status,
        422);
    const RawResponse reopened = call("POST", path + "/reopen", R"({"reason":"not the same"})");
    QCOMPARE(reopened.status, 200);
    QCOMPARE(reopened.json().value(u"status").toString(), QStringLiteral("open"));
}

// A merge is one write: when the kept ticket's half cannot be written (the database refuses its
// event here, as a full disk would), the duplicate is not closed either and neither ticket has
// any of the merge. Before, the duplicate's half was committed on its own: closed as merged
// into a ticket that never heard of it.
void tst_Answers::aMergeIsOneWriteOrNothing()
{
    const QJsonObject kept = open();
    const QJsonObject duplicate = open();
    const qint64 keptId = kept.value(u"id").toInteger();
    const QByteArray keptPath = "/api/v1/tickets/" + QByteArray::number(keptId);
    const QByteArray path
        = "/api/v1/tickets/" + QByteArray::number(duplicate.value(u"id").toInteger());
    const auto eventsOf = [this](const QByteArray &ticket) {
        return call("GET", ticket + "/events").json().value(u"items").toArray().size();
    };
    const qsizetype keptEvents = eventsOf(keptPath);
    const qsizetype duplicateEvents = eventsOf(path);
    QVERIFY(keptEvents > 0 && duplicateEvents > 0);

    auto db = m_db->connection();
    QVERIFY(db);
    QSqlQuery query(*db);
    const bool postgres = db->driverName() == u"QPSQL";
    const QString keptNumber = QString::number(keptId);
    if (postgres)
        QVERIFY2(query.exec(QStringLiteral("CREATE FUNCTION refuse_kept() RETURNS trigger AS $$ "
                                           "BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE "
                                           "plpgsql")),
                 qPrintable(query.lastError().text()));
    const QString refuseKept = postgres
        ? QString(u"CREATE TRIGGER refuse_kept BEFORE INSERT ON events FOR EACH ROW WHEN "
                  u"(NEW.ticket_id = "
                  + keptNumber + u") EXECUTE FUNCTION refuse_kept()")
        : QString(u"CREATE TRIGGER refuse_kept BEFORE INSERT ON events WHEN NEW.ticket_id = "
                  + keptNumber + u" BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    QVERIFY2(query.exec(refuseKept), qPrintable(query.lastError().text()));
    const QByteArray body = R"({"into":")" + kept.value(u"key").toString().toUtf8() + R"("})";
    const RawResponse refused = call("POST", path + "/merge", body);
    QVERIFY2(refused.status >= 400, refused.body.constData());
    QVERIFY(!refused.body.contains("disk full"));

    const QJsonObject stillOpen = call("GET", path).json();
    QCOMPARE(stillOpen.value(u"status").toString(), QStringLiteral("open"));
    QVERIFY(linksOf(stillOpen).isEmpty());
    QCOMPARE(eventsOf(path), duplicateEvents);
    QVERIFY(linksOf(call("GET", keptPath).json()).isEmpty());
    QCOMPARE(eventsOf(keptPath), keptEvents);

    // Once the database takes the rows again, the same merge goes through whole.
    QVERIFY2(query.exec(postgres ? QStringLiteral("DROP TRIGGER refuse_kept ON events")
                                 : QStringLiteral("DROP TRIGGER refuse_kept")),
             qPrintable(query.lastError().text()));
    const RawResponse merged = call("POST", path + "/merge", body);
    QCOMPARE(merged.status, 200);
    QCOMPARE(merged.json().value(u"status").toString(), QStringLiteral("closed"));
    QCOMPARE(linksOf(call("GET", keptPath).json()).value(QStringLiteral("merged_from")),
             duplicate.value(u"id").toInteger());
    QCOMPARE(eventsOf(keptPath), keptEvents + 1);
}

QTEST_GUILESS_MAIN(tst_Answers)
#include "tst_answers.moc"

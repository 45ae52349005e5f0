// SPDX-License-Identifier: GPL-3.0-or-later
// The shipped workflows end to end over real HTTP: `baton serve --fake-clock --demo` on a free
// port and a fresh database, driven as the demo users each workflow names.

#include "../api/rawhttp.h"
#include "pgharness.h"

#include <QJsonArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <memory>

using namespace Baton::Test;

namespace {

const QByteArray adminPassword = "scenario-admin-secret";

/// One running `baton serve`; stopped (SIGTERM, then kill) when destroyed.
class Server
{
public:
    ~Server()
    {
        if (process.state() == QProcess::Running) {
            process.terminate();
            if (!process.waitForFinished(10000))
                process.kill();
            process.waitForFinished(5000);
        }
    }

    /// Starts the server on `url`; returns an error text, empty on success.
    QString start(const QString &url)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BATON_ADMIN_PASSWORD"), QString::fromLatin1(adminPassword));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(BATON_BINARY),
                      {QStringLiteral("serve"), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"), url,
                       QStringLiteral("--workflows"), QStringLiteral(BATON_SOURCE_DIR "/workflows"),
                       QStringLiteral("--demo"), QStringLiteral("--fake-clock")});
        if (!process.waitForStarted(10000))
            return QStringLiteral("cannot start ") + QStringLiteral(BATON_BINARY);
        static const QRegularExpression serving(QStringLiteral("Serving on http://[^:]+:(\\d+)/"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60000) {
            if (!process.waitForReadyRead(1000) && process.state() != QProcess::Running)
                break;
            output += QString::fromUtf8(process.readAll());
            const auto match = serving.match(output);
            if (match.hasMatch()) {
                port = quint16(match.captured(1).toUInt());
                return {};
            }
        }
        return QStringLiteral("the server did not start:\n") + output;
    }

    QProcess process;
    QString output;
    quint16 port = 0;
};

/// A signed-in user's HTTP calls, JSON in and out.
struct Response
{
    int status = 0;
    QJsonObject body;
    QJsonArray array; ///< when the body is a JSON array
    QByteArray raw;
};

class Client
{
public:
    explicit Client(quint16 port)
        : m_port(port)
    {
    }

    Response call(const QByteArray &method, const QString &path, const QByteArray &token = {},
                  const QJsonObject &body = {}, bool withBody = false)
    {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!token.isEmpty())
            headers.append({"Authorization", "Bearer " + token});
        const QByteArray payload = withBody || !body.isEmpty()
            ? QJsonDocument(body).toJson(QJsonDocument::Compact)
            : QByteArray();
        const RawResponse raw
            = rawRequest(m_port, httpRequest(method, path.toUtf8(), payload, headers));
        Response r;
        r.status = raw.status;
        r.raw = raw.body;
        const QJsonDocument doc = QJsonDocument::fromJson(raw.body);
        r.body = doc.object();
        r.array = doc.array();
        return r;
    }

    /// A token for `user` (demo password, or the admin's), signing in again after a clock
    /// move (a jump of the fake clock may end sessions).
    QByteArray token(const QString &user)
    {
        if (auto it = m_tokens.find(user); it != m_tokens.end())
            return it->second;
        const QByteArray password = user == u"admin" ? adminPassword : QByteArray("baton-demo");
        const Response r
            = call("POST", QStringLiteral("/api/v1/login"), {},
                   QJsonObject {{QStringLiteral("username"), user},
                                {QStringLiteral("password"), QString::fromLatin1(password)}});
        const QByteArray t = r.body.value(QLatin1String("token")).toString().toUtf8();
        if (!t.isEmpty())
            m_tokens[user] = t;
        return t;
    }

    Response as(const QString &user, const QByteArray &method, const QString &path,
                const QJsonObject &body = {})
    {
        return call(method, path, token(user), body, method == "POST");
    }

    /// POST /api/v1/admin/clock; SLA timers that came due have fired when it answers.
    Response setClock(const QString &instant)
    {
        const Response r
            = as(QStringLiteral("admin"), "POST", QStringLiteral("/api/v1/admin/clock"),
                 {{QStringLiteral("set"), instant}});
        forgetSessions();
        return r;
    }
    Response advance(qint64 seconds)
    {
        const Response r
            = as(QStringLiteral("admin"), "POST", QStringLiteral("/api/v1/admin/clock"),
                 {{QStringLiteral("advance_seconds"), seconds}});
        forgetSessions();
        return r;
    }
    void forgetSessions() { m_tokens.clear(); }

private:
    quint16 m_port;
    std::map<QString, QByteArray> m_tokens;
};

QString ticketPath(qint64 id, const QString &rest = {})
{
    return QStringLiteral("/api/v1/tickets/%1%2").arg(id).arg(rest);
}

QStringList actionNames(const QJsonObject &ticket)
{
    QStringList names;
    for (const QJsonValue &a : ticket.value(QLatin1String("actions")).toArray())
        names.append(a.toObject().value(QLatin1String("name")).toString());
    names.sort();
    return names;
}

QString describe(const Response &r)
{
    return QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.raw.left(600)));
}

} // namespace

class ScenarioTest : public QObject
{
    Q_OBJECT

private:
    /// The server of the current driver row, started on first use.
    Client *client()
    {
        const QString driver = TestDatabase::currentDriver();
        auto &slot = m_servers[driver];
        if (!slot.server) {
            const QString url = m_databases.create(driver);
            if (url.isEmpty()) {
                m_skip = m_databases.skipReason();
                m_error = m_databases.error();
                return nullptr;
            }
            slot.server = std::make_unique<Server>();
            const QString error = slot.server->start(url);
            if (!error.isEmpty()) {
                m_skip.clear();
                m_error = error;
                slot.server.reset();
                return nullptr;
            }
            slot.client = std::make_unique<Client>(slot.server->port);
        }
        return slot.client.get();
    }

    /// Opens a ticket as `user`; 0 (with a test failure) when refused.
    qint64 open(Client &c, const QString &user, const QJsonObject &body)
    {
        const Response r = c.as(user, "POST", QStringLiteral("/api/v1/tickets"), body);
        if (r.status != 201) {
            qWarning("open refused: %s", qPrintable(describe(r)));
            return 0;
        }
        return r.body.value(QLatin1String("id")).toInteger();
    }

    qint64 complaintAnswered(Client &c);

    QStringList eventTypes(Client &c, const QString &user, qint64 id)
    {
        const Response r = c.as(user, "GET", ticketPath(id, QStringLiteral("/events")));
        QStringList types;
        for (const QJsonValue &e : r.body.value(QLatin1String("items")).toArray())
            types.append(e.toObject().value(QLatin1String("type")).toString());
        return types;
    }

    struct Slot
    {
        std::unique_ptr<Server> server;
        std::unique_ptr<Client> client;
    };
    std::map<QString, Slot> m_servers;
    TestDatabase m_databases;
    QString m_skip, m_error;

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void cleanupTestCase() { m_servers.clear(); }

    void demoTicketsAreThere();
    void jumpQueueHappyPath();
    void jumpQueueDeclineAndReopen();
    void jumpQueueCustomsRefusesTakesElse();
    void jumpQueueBreachEscalates();
    void complaintLunchAndHoliday();
    void techInquiryFourthHandoffGoesToCoordinators();
    void techInquiryHappyPath();
    void complaintHappyPathOpensFollowUp();
    void complaintUnsatisfiedBecomesRepeat();
    void returnExchangeRefundInParallel();
    void returnExchangeSupervisorDeclines();
    void returnExchangeDamagedFailsToElse();
    void campaignInquiryHappyPath();
    void campaignInquiryBreachCallsBackupAndManager();
    void satisfactionFollowUpSolved();
    void satisfactionFollowUpNotSolvedGoesToCoordinators();
    void complaintBreachClimbsToCityManagers();
    void techInquiryBreachClimbsToCityManagers();
    void returnExchangeBreachClimbsToCityManagers();
    void satisfactionFollowUpBreachGoesToCoordinators();
};

#define CLIENT(c)                                                                                  \
    Client *c##Ptr = client();                                                                     \
    if (!c##Ptr && !m_skip.isEmpty())                                                              \
        QSKIP(qPrintable(m_skip));                                                                 \
    if (!c##Ptr)                                                                                   \
        QFAIL(qPrintable(m_error));                                                                \
    Client &c = *c##Ptr

#define ACT(c, user, method, path, body, expected)                                                 \
    [&] {                                                                                          \
        const Response r_ = c.as(user, method, path, body);                                        \
        if (r_.status != expected)                                                                 \
            qWarning("%s %s as %s: %s", method, qPrintable(path), qPrintable(user),                \
                     qPrintable(describe(r_)));                                                    \
        return r_;                                                                                 \
    }()

void ScenarioTest::demoTicketsAreThere()
{
    CLIENT(c);
    const Response list
        = c.as(QStringLiteral("admin"), "GET", QStringLiteral("/api/v1/tickets?limit=200"));
    QCOMPARE(list.status, 200);
    QVERIFY2(list.body.value(QLatin1String("items")).toArray().size() >= 20,
             qPrintable(describe(list)));
}

static QJsonObject jumpQueueBody(const QString &title, const QString &tier, const QString &heldAt)
{
    return {{QStringLiteral("workflow"), QStringLiteral("jump-queue")},
            {QStringLiteral("title"), title},
            {QStringLiteral("customer"),
             QJsonObject {{QStringLiteral("id"), QStringLiteral("C-9")},
                          {QStringLiteral("name"), QStringLiteral("Scenario Ltd")},
                          {QStringLiteral("tier"), tier}}},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("awb"), QStringLiteral("123456789012")},
                          {QStringLiteral("urgency"), QStringLiteral("high")},
                          {QStringLiteral("held_at"), heldAt},
                          {QStringLiteral("reason"), QStringLiteral("Needed tomorrow")}}}};
}

static QJsonObject withFields(const QJsonObject &fields, const QString &branch = {})
{
    QJsonObject body {{QStringLiteral("fields"), fields}};
    if (!branch.isEmpty())
        body.insert(QStringLiteral("branch"), branch);
    return body;
}

static QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

void ScenarioTest::jumpQueueHappyPath()
{
    CLIENT(c);
    const QString amy = QStringLiteral("amy"), sue = QStringLiteral("sue");
    const qint64 id = open(
        c, amy, jumpQueueBody(QStringLiteral("Happy"), QStringLiteral("A"), QStringLiteral("hub")));
    QVERIFY(id > 0);
    QCOMPARE(ACT(c, sue, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status, 200);
    Response r = ACT(c, sue, "POST", ticketPath(id, QStringLiteral("/actions/approve")), {}, 200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("expedite"));
    QCOMPARE(r.body.value(QLatin1String("branches")).toArray().size(), 2);
    QCOMPARE(ACT(c, QStringLiteral("bill"), "POST", ticketPath(id, QStringLiteral("/claim")),
                 QJsonObject({{QStringLiteral("branch"), QStringLiteral("billing")}}), 200)
                 .status,
             200);
    r = ACT(c, QStringLiteral("bill"), "POST", ticketPath(id, QStringLiteral("/actions/done")),
            withFields({{QStringLiteral("billing_note"), QStringLiteral("ok")}},
                       QStringLiteral("billing")),
            200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("expedite"));
    r = ACT(c, QStringLiteral("gary"), "POST", ticketPath(id, QStringLiteral("/actions/done")),
            withFields({{QStringLiteral("ops_note"), QStringLiteral("on the van")}},
                       QStringLiteral("ground")),
            200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));

    // Back with the originator: her view.
    r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    QCOMPARE(str(r.body, "assignee"), amy);
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("confirm"),
                           QStringLiteral("reopen")}));

    r = ACT(c, amy, "POST", ticketPath(id, QStringLiteral("/actions/confirm")),
            withFields({{QStringLiteral("reply"), QStringLiteral("Arrives today")}}), 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("cx-coordination"));
    r = ACT(c, QStringLiteral("cathy"), "POST",
            ticketPath(id, QStringLiteral("/actions/satisfied")), {}, 200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    QCOMPARE(
        r.body.value(QLatin1String("fields")).toObject().value(QLatin1String("outcome")).toString(),
        QStringLiteral("satisfied"));

    r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(eventTypes(c, amy, id),
             (QStringList {QStringLiteral("opened"), QStringLiteral("claimed"),
                           QStringLiteral("transitioned"), QStringLiteral("claimed"),
                           QStringLiteral("fields_changed"), QStringLiteral("branch_completed"),
                           QStringLiteral("fields_changed"), QStringLiteral("branch_completed"),
                           QStringLiteral("transitioned"), QStringLiteral("returned_to_originator"),
                           QStringLiteral("fields_changed"), QStringLiteral("transitioned"),
                           QStringLiteral("fields_changed"), QStringLiteral("transitioned"),
                           QStringLiteral("closed")}));
}

void ScenarioTest::jumpQueueDeclineAndReopen()
{
    CLIENT(c);
    const QString amy = QStringLiteral("amy"), sue = QStringLiteral("sue");
    const qint64 id = open(
        c, amy,
        jumpQueueBody(QStringLiteral("Decline"), QStringLiteral("C"), QStringLiteral("hub")));
    QVERIFY(id > 0);
    // An agent may not decide: the supervisor's transitions are not offered to amy.
    QCOMPARE(c.as(amy, "POST", ticketPath(id, QStringLiteral("/actions/decline")),
                  withFields({{QStringLiteral("reply"), QStringLiteral("x")}}))
                 .status,
             403);
    Response r = ACT(c, sue, "POST", ticketPath(id, QStringLiteral("/actions/decline")),
                     QJsonObject(), 422);
    QCOMPARE(r.status, 422); // reply is required
    QVERIFY(r.body.value(QLatin1String("error"))
                .toObject()
                .value(QLatin1String("details"))
                .toObject()
                .value(QLatin1String("fields"))
                .toObject()
                .contains(QLatin1String("reply")));
    r = ACT(c, sue, "POST", ticketPath(id, QStringLiteral("/actions/decline")),
            withFields({{QStringLiteral("reply"), QStringLiteral("No slot")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), amy);
    QVERIFY(actionNames(r.body).contains(QStringLiteral("reopen")));
    r = ACT(c, amy, "POST", ticketPath(id, QStringLiteral("/actions/reopen")),
            withFields({{QStringLiteral("reopen_note"), QStringLiteral("Customer insists")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("review"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("cs-supervisors"));
    r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("review"));
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull());
    QCOMPARE(actionNames(r.body), QStringList {QStringLiteral("ask_customer")});
    QCOMPARE(eventTypes(c, amy, id),
             (QStringList {QStringLiteral("opened"), QStringLiteral("fields_changed"),
                           QStringLiteral("transitioned"), QStringLiteral("returned_to_originator"),
                           QStringLiteral("fields_changed"), QStringLiteral("transitioned")}));
}

void ScenarioTest::jumpQueueCustomsRefusesTakesElse()
{
    CLIENT(c);
    const QString amy = QStringLiteral("amy"), sue = QStringLiteral("sue");
    const qint64 id = open(
        c, amy,
        jumpQueueBody(QStringLiteral("Customs"), QStringLiteral("B"), QStringLiteral("customs")));
    QVERIFY(id > 0);
    Response r = c.as(sue, "GET", ticketPath(id));
    QVERIFY2(actionNames(r.body).contains(QStringLiteral("approve_customs")),
             qPrintable(describe(r)));
    QVERIFY(!actionNames(r.body).contains(QStringLiteral("approve")));
    r = ACT(c, sue, "POST", ticketPath(id, QStringLiteral("/actions/approve_customs")), {}, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("expedite_customs"));
    r = ACT(c, QStringLiteral("kim"), "POST", ticketPath(id, QStringLiteral("/actions/refused")),
            withFields({{QStringLiteral("reply"), QStringLiteral("Customs holds it")}},
                       QStringLiteral("customs")),
            200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), amy);
    QCOMPARE(str(r.body, "status"), QStringLiteral("open"));
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("confirm"),
                           QStringLiteral("reopen")}));
    QCOMPARE(
        eventTypes(c, amy, id),
        (QStringList {QStringLiteral("opened"), QStringLiteral("transitioned"),
                      QStringLiteral("fields_changed"), QStringLiteral("branch_completed"),
                      QStringLiteral("transitioned"), QStringLiteral("returned_to_originator")}));
}

void ScenarioTest::jumpQueueBreachEscalates()
{
    CLIENT(c);
    // Wednesday 2 December 2026, 09:30 in Hong Kong.
    QCOMPARE(c.setClock(QStringLiteral("2026-12-02T01:30:00Z")).status, 200);
    const QString amy = QStringLiteral("amy");
    const qint64 id
        = open(c, amy,
               jumpQueueBody(QStringLiteral("Breach"), QStringLiteral("A"), QStringLiteral("hub")));
    QVERIFY(id > 0);
    Response r = c.as(amy, "GET", ticketPath(id));
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("respond_due"))
                 .toString(),
             QStringLiteral("2026-12-02T01:45:00Z"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), 3);
    QCOMPARE(c.advance(50 * 60).status, 200);
    r = c.as(amy, "GET", ticketPath(id));
    // Breached at 30 minutes, moved up at 45 (150%) with its priority raised.
    QCOMPARE(str(r.body, "queue"), QStringLiteral("cx-coordination"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), 4);
    QCOMPARE(eventTypes(c, amy, id).mid(0, 4),
             (QStringList {QStringLiteral("opened"), QStringLiteral("sla_warning"),
                           QStringLiteral("sla_breached"), QStringLiteral("escalated")}));
}

void ScenarioTest::complaintLunchAndHoliday()
{
    CLIENT(c);
    // Thursday 31 December 2026, 10:00 in Shanghai; 1 January 2027 is a holiday.
    QCOMPARE(c.setClock(QStringLiteral("2026-12-31T02:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily"), betty = QStringLiteral("betty");
    auto body = [](const QString &tier) {
        return QJsonObject {
            {QStringLiteral("workflow"), QStringLiteral("complaint")},
            {QStringLiteral("title"), QStringLiteral("Charged twice")},
            {QStringLiteral("customer"), QJsonObject {{QStringLiteral("tier"), tier}}},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("category"), QStringLiteral("billing")},
                          {QStringLiteral("customer_words"), QStringLiteral("Charged twice")},
                          {QStringLiteral("phone"), QStringLiteral("13812345678")},
                          {QStringLiteral("bill_month"), QStringLiteral("2026-11")}}}};
    };
    const qint64 a = open(c, lily, body(QStringLiteral("A")));
    const qint64 b = open(c, lily, body(QStringLiteral("B")));
    QVERIFY(a > 0 && b > 0);
    Response r = c.as(lily, "GET", ticketPath(a));
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("solved_at_counter"),
                           QStringLiteral("to_billing")}));
    for (qint64 id : {a, b}) {
        r = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/to_billing")), {}, 200);
        QCOMPARE(str(r.body, "queue"), QStringLiteral("city-billing"));
        QCOMPARE(ACT(c, betty, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status,
                 200);
    }
    r = c.as(lily, "GET", ticketPath(a));
    // A: 3h45m of billing time from 10:00 = 12:00 plus 1h45m after lunch: 15:15.
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("resolve_due"))
                 .toString(),
             QStringLiteral("2026-12-31T07:15:00Z"));
    QCOMPARE(
        r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("remaining")).toInt(),
        13500);
    r = c.as(lily, "GET", ticketPath(b));
    // B: 7h30m: 6h30m on the 31st, 1 January a holiday, the weekend, then Monday 10:00.
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("resolve_due"))
                 .toString(),
             QStringLiteral("2027-01-04T02:00:00Z"));
    QCOMPARE(
        r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("remaining")).toInt(),
        27000);
    // 14:00: across the lunch break (12:00-13:30), 2h30m of business time later.
    QCOMPARE(c.advance(4 * 3600).status, 200);
    r = c.as(lily, "GET", ticketPath(a));
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("resolve_due"))
                 .toString(),
             QStringLiteral("2026-12-31T07:15:00Z"));
    QCOMPARE(
        r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("remaining")).toInt(),
        4500);
    QVERIFY(r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("at_risk")).toBool());
    r = c.as(lily, "GET", ticketPath(b));
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("resolve_due"))
                 .toString(),
             QStringLiteral("2027-01-04T02:00:00Z"));
    QCOMPARE(
        r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("remaining")).toInt(),
        18000);
}

static QJsonObject fieldsOf(const Response &r)
{
    return r.body.value(QLatin1String("fields")).toObject();
}

/// "relation:workflow" of each link of a ticket.
static QStringList linksOf(const Response &r)
{
    QStringList links;
    for (const QJsonValue &l : r.body.value(QLatin1String("links")).toArray())
        links.append(str(l.toObject(), "relation") + u':' + str(l.toObject(), "workflow"));
    return links;
}

static qint64 linkedId(const Response &r)
{
    const QJsonArray links = r.body.value(QLatin1String("links")).toArray();
    return links.isEmpty() ? 0 : links.first().toObject().value(QLatin1String("id")).toInteger();
}

static QStringList events(std::initializer_list<const char *> types)
{
    QStringList list;
    for (const char *t : types)
        list.append(QString::fromLatin1(t));
    return list;
}

static QJsonObject transferTo(const QString &queue)
{
    return {{QStringLiteral("queue"), queue},
            {QStringLiteral("reason"), QStringLiteral("Not ours")}};
}

/// Kinds of `user`'s notifications about ticket `id`, oldest first.
static QStringList notificationKinds(Client &c, const QString &user, qint64 id)
{
    const Response r = c.as(user, "GET", QStringLiteral("/api/v1/notifications"));
    QStringList kinds;
    for (const QJsonValue &n : r.body.value(QLatin1String("items")).toArray())
        if (n.toObject().value(QLatin1String("ticket")).toInteger() == id)
            kinds.prepend(str(n.toObject(), "kind"));
    return kinds;
}

static QJsonObject techInquiryBody(const QString &phone)
{
    QJsonObject fields {{QStringLiteral("product"), QStringLiteral("handset")},
                        {QStringLiteral("question"), QStringLiteral("Why does it click?")}};
    if (!phone.isEmpty())
        fields.insert(QStringLiteral("phone"), phone);
    return {{QStringLiteral("workflow"), QStringLiteral("tech-inquiry")},
            {QStringLiteral("title"), QStringLiteral("Clicking handset")},
            {QStringLiteral("fields"), fields}};
}

void ScenarioTest::techInquiryFourthHandoffGoesToCoordinators()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily");
    const qint64 id = open(c, lily, techInquiryBody({}));
    QVERIFY(id > 0);
    // Three desks pass it on: a member, a supervisor of the queue's department, a member.
    Response r = ACT(c, QStringLiteral("tom"), "POST", ticketPath(id, QStringLiteral("/transfer")),
                     transferTo(QStringLiteral("city-billing")), 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-billing"));
    r = ACT(c, QStringLiteral("zhou"), "POST", ticketPath(id, QStringLiteral("/transfer")),
            transferTo(QStringLiteral("city-marketing")), 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-marketing"));
    r = ACT(c, QStringLiteral("mia"), "POST", ticketPath(id, QStringLiteral("/transfer")),
            transferTo(QStringLiteral("city-support")), 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-support"));
    QCOMPARE(r.body.value(QLatin1String("handoffs")).toInt(), 3);
    QVERIFY(!r.body.value(QLatin1String("flagged")).toBool());
    // The fourth goes to the coordinators instead, flagged.
    r = ACT(c, QStringLiteral("tina"), "POST", ticketPath(id, QStringLiteral("/transfer")),
            transferTo(QStringLiteral("city-network")), 200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-cx"));
    QVERIFY(r.body.value(QLatin1String("flagged")).toBool());

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("support"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-cx"));
    QVERIFY(r.body.value(QLatin1String("flagged")).toBool());
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull());
    // Not a member of the coordinators' department: she sees where it is, but may not act.
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "transferred", "transferred", "transferred", "handoff_limit"}));
    QCOMPARE(notificationKinds(c, QStringLiteral("yan"), id),
             QStringList {QStringLiteral("handoff_limit")});

    // The limit trips once: the coordinators pass it on to where it belongs, still flagged.
    r = ACT(c, QStringLiteral("yan"), "POST", ticketPath(id, QStringLiteral("/transfer")),
            transferTo(QStringLiteral("city-network")), 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-network"));
    QCOMPARE(r.body.value(QLatin1String("handoffs")).toInt(), 5);
    QVERIFY(r.body.value(QLatin1String("flagged")).toBool());
}

void ScenarioTest::techInquiryHappyPath()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), tom = QStringLiteral("tom");
    const qint64 id = open(c, lily, techInquiryBody(QStringLiteral("13812345678")));
    QVERIFY(id > 0);
    QCOMPARE(ACT(c, tom, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status, 200);
    Response r = ACT(c, tom, "POST", ticketPath(id, QStringLiteral("/actions/answer")),
                     withFields({{QStringLiteral("reply"), QStringLiteral("A loose cover")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), lily);
    // With a phone number only the close that opens a follow-up call is offered.
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("ask_more"),
                           QStringLiteral("close_and_follow_up")}));
    r = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/close_and_follow_up")), {},
            200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(linksOf(r), QStringList {QStringLiteral("opened:satisfaction-followup")});
    const qint64 followUp = linkedId(r);
    r = c.as(lily, "GET", ticketPath(followUp));
    QCOMPARE(str(r.body, "originator"), lily);
    QCOMPARE(str(fieldsOf(r), "callback"), QStringLiteral("13812345678"));
    QCOMPARE(str(fieldsOf(r), "topic"), QStringLiteral("handset"));
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "claimed", "fields_changed", "transitioned",
                     "returned_to_originator", "transitioned", "closed", "linked"}));
}

static QJsonObject complaintBody()
{
    return {
        {QStringLiteral("workflow"), QStringLiteral("complaint")},
        {QStringLiteral("title"), QStringLiteral("No signal at home")},
        {QStringLiteral("customer"), QJsonObject {{QStringLiteral("tier"), QStringLiteral("B")}}},
        {QStringLiteral("fields"),
         QJsonObject {{QStringLiteral("category"), QStringLiteral("network")},
                      {QStringLiteral("customer_words"), QStringLiteral("No signal")},
                      {QStringLiteral("phone"), QStringLiteral("13812345678")},
                      {QStringLiteral("location"), QStringLiteral("12 Elm Road")}}}};
}

/// Opens a network complaint and brings it back to lily with nick's answer.
qint64 ScenarioTest::complaintAnswered(Client &c)
{
    const qint64 id = open(c, QStringLiteral("lily"), complaintBody());
    if (id <= 0)
        return 0;
    Response r = ACT(c, QStringLiteral("lily"), "POST",
                     ticketPath(id, QStringLiteral("/actions/to_network")), {}, 200);
    if (str(r.body, "queue") != u"city-network")
        return 0;
    ACT(c, QStringLiteral("nick"), "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200);
    r = ACT(c, QStringLiteral("nick"), "POST", ticketPath(id, QStringLiteral("/actions/answer")),
            withFields({{QStringLiteral("reply"), QStringLiteral("A cell was down; fixed")}}), 200);
    return str(r.body, "state") == u"answer" ? id : 0;
}

void ScenarioTest::complaintHappyPathOpensFollowUp()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily");
    const qint64 id = complaintAnswered(c);
    QVERIFY(id > 0);
    Response r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), lily);
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("satisfied"),
                           QStringLiteral("unreachable"), QStringLiteral("unsatisfied")}));
    r = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/satisfied")), {}, 200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    QCOMPARE(str(fieldsOf(r), "satisfaction"), QStringLiteral("satisfied"));

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull() || str(r.body, "assignee") == lily);
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(linksOf(r), QStringList {QStringLiteral("opened:satisfaction-followup")});
    const qint64 followUp = linkedId(r);
    r = c.as(lily, "GET", ticketPath(followUp));
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "workflow"), QStringLiteral("satisfaction-followup"));
    QCOMPARE(str(r.body, "state"), QStringLiteral("call"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-followup"));
    QCOMPARE(str(r.body, "originator"), lily);
    QCOMPARE(linksOf(r), QStringList {QStringLiteral("opened_from:complaint")});
    QCOMPARE(linkedId(r), id);
    QCOMPARE(str(fieldsOf(r), "callback"), QStringLiteral("13812345678"));
    QCOMPARE(str(fieldsOf(r), "topic"), QStringLiteral("network"));
    QCOMPARE(str(r.body.value(QLatin1String("customer")).toObject(), "tier"), QStringLiteral("B"));
    QCOMPARE(
        eventTypes(c, lily, id),
        events({"opened", "transitioned", "claimed", "fields_changed", "transitioned",
                "returned_to_originator", "fields_changed", "transitioned", "closed", "linked"}));
}

void ScenarioTest::complaintUnsatisfiedBecomesRepeat()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), zhou = QStringLiteral("zhou");
    const qint64 id = complaintAnswered(c);
    QVERIFY(id > 0);
    // The reason is required.
    QCOMPARE(c.as(lily, "POST", ticketPath(id, QStringLiteral("/actions/unsatisfied")), {}).status,
             422);
    Response r
        = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/unsatisfied")),
              withFields({{QStringLiteral("reopen_reason"), QStringLiteral("Still none")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("repeat_review"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-managers"));
    QCOMPARE(fieldsOf(r).value(QLatin1String("repeat")).toBool(), true);
    QCOMPARE(str(fieldsOf(r), "satisfaction"), QStringLiteral("unsatisfied"));
    // The city managers' primary contact and manager hear of it at once, the backup not.
    QCOMPARE(notificationKinds(c, zhou, id).size(), 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("paul"), id).size(), 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("nora"), id).size(), 0);

    r = c.as(zhou, "GET", ticketPath(id));
    // Only the route of the complaint's category, and the managers' own answer.
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("answer_directly"), QStringLiteral("ask_customer"),
                           QStringLiteral("redo_network")}));
    r = ACT(c, zhou, "POST", ticketPath(id, QStringLiteral("/actions/redo_network")),
            withFields({{QStringLiteral("manager_instructions"), QStringLiteral("Send a van")}}),
            200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("network"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-network"));

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("network"));
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull());
    QCOMPARE(fieldsOf(r).value(QLatin1String("repeat")).toBool(), true);
    QCOMPARE(actionNames(r.body), QStringList()); // she is no member of network operations
    QCOMPARE(linksOf(r), QStringList());
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "transitioned", "claimed", "fields_changed", "transitioned",
                     "returned_to_originator", "fields_changed", "transitioned", "fields_changed",
                     "transitioned"}));
}

static QJsonObject returnBody(const QString &wish, double price)
{
    return {{QStringLiteral("workflow"), QStringLiteral("return-exchange")},
            {QStringLiteral("title"), QStringLiteral("Phone returned")},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("order_no"), QStringLiteral("SO2026112301")},
                          {QStringLiteral("purchased_on"), QStringLiteral("2026-11-20")},
                          {QStringLiteral("item"), QStringLiteral("Phone X")},
                          {QStringLiteral("price"), price},
                          {QStringLiteral("wish"), wish},
                          {QStringLiteral("phone"), QStringLiteral("13812345678")}}}};
}

void ScenarioTest::returnExchangeRefundInParallel()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), rui = QStringLiteral("rui");
    const qint64 id = open(c, lily, returnBody(QStringLiteral("refund"), 1999));
    QVERIFY(id > 0);
    Response r = c.as(rui, "GET", ticketPath(id));
    QVERIFY2(actionNames(r.body).contains(QStringLiteral("refund")), qPrintable(describe(r)));
    QVERIFY(!actionNames(r.body).contains(QStringLiteral("refund_needs_approval")));
    QVERIFY(!actionNames(r.body).contains(QStringLiteral("replace")));
    r = ACT(c, rui, "POST", ticketPath(id, QStringLiteral("/actions/refund")),
            withFields({{QStringLiteral("eligibility_note"), QStringLiteral("Within 7 days")}}),
            200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("process_refund"));
    QStringList branchQueues;
    for (const QJsonValue &b : r.body.value(QLatin1String("branches")).toArray())
        branchQueues.append(str(b.toObject(), "name") + u':' + str(b.toObject(), "queue"));
    branchQueues.sort();
    QCOMPARE(branchQueues,
             (QStringList {QStringLiteral("finance:city-finance"),
                           QStringLiteral("warehouse:city-warehouse")}));
    r = ACT(c, QStringLiteral("fang"), "POST", ticketPath(id, QStringLiteral("/actions/refunded")),
            withFields({{QStringLiteral("refund_amount"), 1999},
                        {QStringLiteral("refund_ref"), QStringLiteral("RF12345678")},
                        {QStringLiteral("refunded_on"), QStringLiteral("2026-12-31")}},
                       QStringLiteral("finance")),
            200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("process_refund"));
    r = ACT(c, QStringLiteral("hao"), "POST", ticketPath(id, QStringLiteral("/actions/accepted")),
            withFields({}, QStringLiteral("warehouse")), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    QCOMPARE(str(fieldsOf(r), "inspection"), QStringLiteral("as_described"));

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), lily);
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("close"),
                           QStringLiteral("dispute")}));
    r = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/close")), {}, 200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(linksOf(r), QStringList {QStringLiteral("opened:satisfaction-followup")});
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "fields_changed", "transitioned", "fields_changed",
                     "branch_completed", "fields_changed", "branch_completed", "transitioned",
                     "returned_to_originator", "transitioned", "closed", "linked"}));
}

void ScenarioTest::returnExchangeSupervisorDeclines()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), rui = QStringLiteral("rui"),
                  zhou = QStringLiteral("zhou");
    const qint64 id = open(c, lily, returnBody(QStringLiteral("refund"), 5200));
    QVERIFY(id > 0);
    Response r
        = ACT(c, rui, "POST", ticketPath(id, QStringLiteral("/actions/refund_needs_approval")),
              withFields({{QStringLiteral("eligibility_note"), QStringLiteral("Faulty")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("approval"));
    // The desk may not approve its own refund: a supervisor decides.
    QCOMPARE(c.as(rui, "POST", ticketPath(id, QStringLiteral("/actions/approve")), {}).status, 403);
    r = ACT(c, zhou, "POST", ticketPath(id, QStringLiteral("/actions/decline")),
            withFields({{QStringLiteral("reply"), QStringLiteral("Opened and used")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    QCOMPARE(str(r.body, "status"), QStringLiteral("open"));
    QCOMPARE(str(r.body, "assignee"), lily);
    QCOMPARE(str(fieldsOf(r), "reply"), QStringLiteral("Opened and used"));
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("close"),
                           QStringLiteral("dispute")}));
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "fields_changed", "transitioned", "fields_changed", "transitioned",
                     "returned_to_originator"}));
}

void ScenarioTest::returnExchangeDamagedFailsToElse()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), rui = QStringLiteral("rui");
    const qint64 id = open(c, lily, returnBody(QStringLiteral("replacement"), 999));
    QVERIFY(id > 0);
    Response r
        = ACT(c, rui, "POST", ticketPath(id, QStringLiteral("/actions/replace")),
              withFields({{QStringLiteral("eligibility_note"), QStringLiteral("Faulty")}}), 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("process_replacement"));
    QCOMPARE(r.body.value(QLatin1String("branches")).toArray().size(), 2);
    r = ACT(c, QStringLiteral("hao"), "POST", ticketPath(id, QStringLiteral("/actions/damaged")),
            withFields({{QStringLiteral("inspection_note"), QStringLiteral("Cracked screen")},
                        {QStringLiteral("reply"), QStringLiteral("The screen was broken")}},
                       QStringLiteral("warehouse")),
            200);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    QCOMPARE(str(fieldsOf(r), "inspection"), QStringLiteral("damaged_by_customer"));
    // The replacement task was cancelled: it can no longer be done.
    QVERIFY(
        c.as(rui, "POST", ticketPath(id, QStringLiteral("/actions/issued")),
             withFields({{QStringLiteral("replacement_imei"), QStringLiteral("123456789012345")}},
                        QStringLiteral("replacement")))
            .status
        >= 400);

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    QCOMPARE(str(r.body, "assignee"), lily);
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_customer"), QStringLiteral("close"),
                           QStringLiteral("dispute")}));
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "fields_changed", "transitioned", "fields_changed",
                     "branch_completed", "transitioned", "returned_to_originator"}));
}

static QJsonObject campaignBody()
{
    return {{QStringLiteral("workflow"), QStringLiteral("campaign-inquiry")},
            {QStringLiteral("title"), QStringLiteral("Recharge bonus")},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("campaign"), QStringLiteral("Winter recharge bonus")},
                          {QStringLiteral("question"), QStringLiteral("Does it apply to me?")}}}};
}

void ScenarioTest::campaignInquiryHappyPath()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), mia = QStringLiteral("mia");
    const qint64 id = open(c, lily, campaignBody());
    QVERIFY(id > 0);
    QCOMPARE(ACT(c, mia, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status, 200);
    Response r = ACT(c, mia, "POST", ticketPath(id, QStringLiteral("/actions/answer")),
                     withFields({{QStringLiteral("official_answer"), QStringLiteral("Yes, 50 CNY")},
                                 {QStringLiteral("standard_answer"), QStringLiteral("WB-1")},
                                 {QStringLiteral("eligibility"), QStringLiteral("eligible")}}),
                     200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("answer"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "assignee"), lily);
    // No phone number: the plain close only.
    QCOMPARE(actionNames(r.body),
             (QStringList {QStringLiteral("ask_more"), QStringLiteral("close")}));
    r = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/close")), {}, 200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(linksOf(r), QStringList());
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "claimed", "fields_changed", "transitioned",
                     "returned_to_originator", "transitioned", "closed"}));
}

void ScenarioTest::campaignInquiryBreachCallsBackupAndManager()
{
    CLIENT(c);
    // Wednesday 6 January 2027, 09:00 in Shanghai (City Marketing's calendar).
    QCOMPARE(c.setClock(QStringLiteral("2027-01-06T01:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily");
    const qint64 id = open(c, lily, campaignBody());
    QVERIFY(id > 0);
    Response r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("respond_due"))
                 .toString(),
             QStringLiteral("2027-01-06T02:00:00Z"));
    const int priority = r.body.value(QLatin1String("priority")).toInt();
    // 09:40: past half the respond target, the primary contact is reminded.
    QCOMPARE(c.advance(40 * 60).status, 200);
    QCOMPARE(notificationKinds(c, QStringLiteral("mia"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("max"), id), QStringList());
    // 09:50: the backup is called in.
    QCOMPARE(c.advance(10 * 60).status, 200);
    QCOMPARE(notificationKinds(c, QStringLiteral("max"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("zhou"), id), QStringList());
    // 10:05: breached; the manager hears of it and the priority goes up.
    QCOMPARE(c.advance(15 * 60).status, 200);
    QCOMPARE(notificationKinds(c, QStringLiteral("zhou"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("mia"), id),
             QStringList {QStringLiteral("sla_warning")});

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("marketing"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-marketing"));
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull());
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), priority + 1);
    QVERIFY(
        r.body.value(QLatin1String("sla")).toObject().value(QLatin1String("breached")).toBool());
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "sla_warning", "sla_warning", "sla_breached", "escalated"}));
    // Each rung of the ladder on the respond clock, and whom it told.
    const QJsonArray items = c.as(lily, "GET", ticketPath(id, QStringLiteral("/events")))
                                 .body.value(QLatin1String("items"))
                                 .toArray();
    QStringList rungs;
    for (int i = 1; i <= 3; ++i) {
        const QJsonObject data = items.at(i).toObject().value(QLatin1String("data")).toObject();
        rungs.append(QStringLiteral("%1 %2% %3")
                         .arg(str(data, "clock"))
                         .arg(data.value(QLatin1String("percent")).toInt())
                         .arg(data.value(QLatin1String("notified")).toArray().first().toString()));
    }
    QCOMPARE(rungs,
             (QStringList {QStringLiteral("respond 50% mia"), QStringLiteral("respond 75% max"),
                           QStringLiteral("respond 100% zhou")}));
}

static QJsonObject followUpBody()
{
    return {{QStringLiteral("workflow"), QStringLiteral("satisfaction-followup")},
            {QStringLiteral("title"), QStringLiteral("Follow-up call")},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("callback"), QStringLiteral("13812345678")},
                          {QStringLiteral("source_ticket"), QStringLiteral("CO-1")},
                          {QStringLiteral("topic"), QStringLiteral("network")}}}};
}

void ScenarioTest::satisfactionFollowUpSolved()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), qing = QStringLiteral("qing");
    const qint64 id = open(c, lily, followUpBody());
    QVERIFY(id > 0);
    QCOMPARE(ACT(c, qing, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status, 200);
    Response r
        = ACT(c, qing, "POST", ticketPath(id, QStringLiteral("/actions/solved")),
              withFields({{QStringLiteral("satisfaction"), QStringLiteral("satisfied")}}), 200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    QCOMPARE(fieldsOf(r).value(QLatin1String("problem_solved")).toBool(), true);
    QCOMPARE(fieldsOf(r).value(QLatin1String("reached")).toBool(), true);
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(actionNames(r.body), QStringList());
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "claimed", "fields_changed", "transitioned", "closed"}));
}

void ScenarioTest::satisfactionFollowUpNotSolvedGoesToCoordinators()
{
    CLIENT(c);
    const QString lily = QStringLiteral("lily"), qing = QStringLiteral("qing"),
                  yan = QStringLiteral("yan");
    const qint64 id = open(c, lily, followUpBody());
    QVERIFY(id > 0);
    QCOMPARE(c.as(qing, "POST", ticketPath(id, QStringLiteral("/actions/not_solved")),
                  withFields({{QStringLiteral("satisfaction"), QStringLiteral("unsatisfied")}}))
                 .status,
             422); // what is left must be said
    Response r
        = ACT(c, qing, "POST", ticketPath(id, QStringLiteral("/actions/not_solved")),
              withFields({{QStringLiteral("satisfaction"), QStringLiteral("unsatisfied")},
                          {QStringLiteral("what_is_left"), QStringLiteral("Still no signal")}}),
              200);
    QCOMPARE(str(r.body, "state"), QStringLiteral("cx_review"));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-cx"));
    QCOMPARE(fieldsOf(r).value(QLatin1String("problem_solved")).toBool(), false);
    QCOMPARE(notificationKinds(c, yan, id).size(), 1);

    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("cx_review"));
    QVERIFY(r.body.value(QLatin1String("assignee")).isNull());
    QCOMPARE(actionNames(r.body), QStringList());
    r = ACT(c, yan, "POST", ticketPath(id, QStringLiteral("/actions/done")),
            withFields({{QStringLiteral("cx_action"), QStringLiteral("Network team sent a van")}}),
            200);
    QCOMPARE(str(r.body, "status"), QStringLiteral("closed"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "state"), QStringLiteral("closed"));
    QCOMPARE(eventTypes(c, lily, id),
             events({"opened", "fields_changed", "transitioned", "fields_changed", "transitioned",
                     "closed"}));
}

/// One line per SLA event of ticket `id`, oldest first: "type clock percent% at step_due:
/// notified+... [-> queue]" for a rung of the ladder, "escalated priority +n" for a raise.
static QString slaRungs(Client &c, const QString &user, qint64 id)
{
    const QJsonArray items = c.as(user, "GET", ticketPath(id, QStringLiteral("/events")))
                                 .body.value(QLatin1String("items"))
                                 .toArray();
    QStringList rungs;
    for (const QJsonValue &v : items) {
        const QJsonObject e = v.toObject();
        const QString type = str(e, "type");
        if (type != u"sla_warning" && type != u"sla_breached" && type != u"escalated")
            continue;
        const QJsonObject data = e.value(QLatin1String("data")).toObject();
        if (!data.contains(QLatin1String("clock"))) {
            rungs.append(QStringLiteral("%1 priority +%2")
                             .arg(type)
                             .arg(data.value(QLatin1String("priority_delta")).toInt()));
            continue;
        }
        QStringList notified;
        for (const QJsonValue &n : data.value(QLatin1String("notified")).toArray())
            notified.append(n.toString());
        notified.sort();
        QString rung = QStringLiteral("%1 %2 %3% at %4: %5")
                           .arg(type, str(data, "clock"))
                           .arg(data.value(QLatin1String("percent")).toInt())
                           .arg(str(data, "step_due"), notified.join(u'+'));
        if (data.contains(QLatin1String("to")))
            rung += QStringLiteral(" -> ") + str(data, "to");
        rungs.append(rung);
    }
    return rungs.join(QStringLiteral("; "));
}

void ScenarioTest::complaintBreachClimbsToCityManagers()
{
    CLIENT(c);
    // Wednesday 13 January 2027, 09:00 in Shanghai (City Billing's cn-office calendar).
    QCOMPARE(c.setClock(QStringLiteral("2027-01-13T01:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily"), betty = QStringLiteral("betty");
    const qint64 id = open(
        c, lily,
        {{QStringLiteral("workflow"), QStringLiteral("complaint")},
         {QStringLiteral("title"), QStringLiteral("Charged twice again")},
         {QStringLiteral("customer"), QJsonObject {{QStringLiteral("tier"), QStringLiteral("A")}}},
         {QStringLiteral("fields"),
          QJsonObject {{QStringLiteral("category"), QStringLiteral("billing")},
                       {QStringLiteral("customer_words"), QStringLiteral("Charged twice")},
                       {QStringLiteral("phone"), QStringLiteral("13812345678")},
                       {QStringLiteral("bill_month"), QStringLiteral("2026-12")}}}});
    QVERIFY(id > 0);
    Response r
        = ACT(c, lily, "POST", ticketPath(id, QStringLiteral("/actions/to_billing")), {}, 200);
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-billing"));
    QCOMPARE(ACT(c, betty, "POST", ticketPath(id, QStringLiteral("/claim")), {}, 200).status, 200);
    r = c.as(lily, "GET", ticketPath(id));
    const int priority = r.body.value(QLatin1String("priority")).toInt();
    QCOMPARE(r.body.value(QLatin1String("sla"))
                 .toObject()
                 .value(QLatin1String("resolve_due"))
                 .toString(),
             QStringLiteral("2027-01-13T06:15:00Z"));
    // 16:15: billing's 3h45m (A) ran out at 14:15; at 150% (16:07:30) the ticket moves up.
    QCOMPARE(c.advance(7 * 3600 + 15 * 60).status, 200);
    QCOMPARE(
        slaRungs(c, lily, id),
        QStringLiteral("sla_warning resolve 50% at 2027-01-13T02:52:30Z: betty; "
                       "sla_warning resolve 75% at 2027-01-13T03:48:45Z: ben; "
                       "sla_breached resolve 100% at 2027-01-13T06:15:00Z: lily+zhou; "
                       "escalated priority +1; "
                       "escalated resolve 150% at 2027-01-13T08:07:30Z: zhou -> city-managers"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-managers"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), priority + 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("betty"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("ben"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("lily"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("zhou"), id),
             (QStringList {QStringLiteral("sla_breached"), QStringLiteral("escalated")}));
    QCOMPARE(notificationKinds(c, QStringLiteral("paul"), id), QStringList());
}

void ScenarioTest::techInquiryBreachClimbsToCityManagers()
{
    CLIENT(c);
    // Thursday 14 January 2027, 09:00 in Shanghai (City Technical Support's cn-office).
    QCOMPARE(c.setClock(QStringLiteral("2027-01-14T01:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily");
    const qint64 id = open(c, lily, techInquiryBody(QStringLiteral("13812345678")));
    QVERIFY(id > 0);
    Response r = c.as(lily, "GET", ticketPath(id));
    const int priority = r.body.value(QLatin1String("priority")).toInt();
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-support"));
    // 10:35, unclaimed: the 1h respond target (default tier) warned at 75%, breached at 10:00,
    // and at 150% (10:30) the ticket went up to the city managers.
    QCOMPARE(c.advance(95 * 60).status, 200);
    QCOMPARE(
        slaRungs(c, lily, id),
        QStringLiteral("sla_warning respond 75% at 2027-01-14T01:45:00Z: tina+tom; "
                       "sla_breached respond 100% at 2027-01-14T02:00:00Z: nora+ted; "
                       "escalated priority +1; "
                       "escalated respond 150% at 2027-01-14T02:30:00Z: lily -> city-managers"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-managers"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), priority + 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("tom"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("tina"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("ted"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("nora"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("lily"), id),
             QStringList {QStringLiteral("escalated")});
}

void ScenarioTest::returnExchangeBreachClimbsToCityManagers()
{
    CLIENT(c);
    // Friday 15 January 2027, 09:00 in Shanghai (the after-sales desk's cn-office).
    QCOMPARE(c.setClock(QStringLiteral("2027-01-15T01:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily");
    const qint64 id = open(c, lily, returnBody(QStringLiteral("refund"), 1999));
    QVERIFY(id > 0);
    Response r = c.as(lily, "GET", ticketPath(id));
    const int priority = r.body.value(QLatin1String("priority")).toInt();
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-after-sales"));
    // 10:35, unclaimed: eligibility's 1h respond target breached at 10:00, moved at 10:30.
    QCOMPARE(c.advance(95 * 60).status, 200);
    QCOMPARE(
        slaRungs(c, lily, id),
        QStringLiteral("sla_warning respond 75% at 2027-01-15T01:45:00Z: ran+rui; "
                       "sla_breached respond 100% at 2027-01-15T02:00:00Z: rong+zhou; "
                       "escalated priority +1; "
                       "escalated respond 150% at 2027-01-15T02:30:00Z: lily -> city-managers"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("city-managers"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), priority + 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("rui"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("ran"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("rong"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("zhou"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("lily"), id),
             QStringList {QStringLiteral("escalated")});
}

void ScenarioTest::satisfactionFollowUpBreachGoesToCoordinators()
{
    CLIENT(c);
    // Monday 18 January 2027, 09:00 in Shanghai (the call centre's calendar).
    QCOMPARE(c.setClock(QStringLiteral("2027-01-18T01:00:00Z")).status, 200);
    const QString lily = QStringLiteral("lily");
    const qint64 id = open(c, lily, followUpBody());
    QVERIFY(id > 0);
    Response r = c.as(lily, "GET", ticketPath(id));
    const int priority = r.body.value(QLatin1String("priority")).toInt();
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-followup"));
    // 15:10, nobody called: the 4h respond target (default tier) breached at 13:00, and at
    // 150% (15:00) the Customer Experience coordinators took over; the rung notifies nobody.
    QCOMPARE(c.advance(6 * 3600 + 10 * 60).status, 200);
    QCOMPARE(slaRungs(c, lily, id),
             QStringLiteral("sla_warning respond 75% at 2027-01-18T04:00:00Z: qing+qiu; "
                            "sla_breached respond 100% at 2027-01-18T05:00:00Z: qi+yan; "
                            "escalated priority +1; "
                            "escalated respond 150% at 2027-01-18T07:00:00Z:  -> province-cx"));
    r = c.as(lily, "GET", ticketPath(id));
    QCOMPARE(str(r.body, "queue"), QStringLiteral("province-cx"));
    QCOMPARE(r.body.value(QLatin1String("priority")).toInt(), priority + 1);
    QCOMPARE(notificationKinds(c, QStringLiteral("qing"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("qiu"), id),
             QStringList {QStringLiteral("sla_warning")});
    QCOMPARE(notificationKinds(c, QStringLiteral("qi"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("yan"), id),
             QStringList {QStringLiteral("sla_breached")});
    QCOMPARE(notificationKinds(c, QStringLiteral("lily"), id), QStringList());
}

QTEST_GUILESS_MAIN(ScenarioTest)
#include "tst_scenarios.moc"

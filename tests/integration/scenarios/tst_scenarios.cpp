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

QTEST_GUILESS_MAIN(ScenarioTest)
#include "tst_scenarios.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Customers and full-text search (issue 16) end to end: a real server on a real socket, on
// SQLite (FTS5 trigram) and on PostgreSQL (pg_trgm).
#include "core/clock.h"
#include "pgharness.h"
#include "sessionclient.h"
#include "store/database.h"
#include "testserver.h"

#include <QJsonArray>
#include <QTest>
#include <QUrl>

using namespace Baton;

namespace {
const QString password = QStringLiteral("password-1");
} // namespace

class tst_Customers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void aSpaceSentAsPlusIsASpace();
    void searchFindsChineseSubstringsPhonesAndComments();
    void customersFoundByPhoneNameAndId();
    void aCustomersTicketsAreThoseTheCallerMaySee();
    void customerWritesNeedARoleAndValidInput();

private:
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &user = QStringLiteral("amy"));
    qint64 open(const QByteArray &title, const QByteArray &customer,
                const QString &user = QStringLiteral("amy"));
    /// The ids of GET /tickets?q=QUERY (the query percent-encoded here, spaces as given).
    QList<qint64> search(const QByteArray &encodedQuery,
                         const QString &user = QStringLiteral("amy"));
    QStringList customerIds(const QByteArray &encodedQuery);

    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_server;
    Test::SessionClient m_client {password};
};

void tst_Customers::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
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
        {{QStringLiteral("amy"), QStringLiteral("agent"), QStringLiteral("customer-service")},
         {QStringLiteral("alan"), QStringLiteral("agent"), QStringLiteral("customer-service")},
         {QStringLiteral("kai"), QStringLiteral("agent"), QStringLiteral("customs")},
         {QStringLiteral("sid"), QStringLiteral("staff"), QStringLiteral("customs")},
         {QStringLiteral("admin"), QStringLiteral("admin"), QString()}},
        password);
    QVERIFY2(created.isEmpty(), qPrintable(created));
    m_client.setPort(m_server.port());
}

void tst_Customers::cleanup()
{
    m_server.stop();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

RawResponse tst_Customers::call(const QByteArray &method, const QByteArray &path,
                                const QByteArray &body, const QString &user)
{
    return m_client.call(method, path, body, user);
}

qint64 tst_Customers::open(const QByteArray &title, const QByteArray &customer, const QString &user)
{
    const RawResponse response
        = call("POST", "/api/v1/tickets",
               R"({"workflow":"jump-queue","title":")" + title
                   + R"(","fields":{"awb":"123456789012","reason":"urgent"},"customer":)" + customer
                   + R"(,"channel":"phone"})",
               user);
    if (response.status != 201)
        qWarning("open failed: %d %s", response.status, response.body.constData());
    return response.json().value(QLatin1String("id")).toInteger();
}

QList<qint64> tst_Customers::search(const QByteArray &encodedQuery, const QString &user)
{
    const RawResponse response
        = call("GET", "/api/v1/tickets?sort=created&q=" + encodedQuery, {}, user);
    if (response.status != 200)
        qWarning("search failed: %d %s", response.status, response.body.constData());
    QList<qint64> ids;
    for (const QJsonValue &item : response.json().value(QLatin1String("items")).toArray())
        ids.append(item.toObject().value(QLatin1String("id")).toInteger());
    return ids;
}

QStringList tst_Customers::customerIds(const QByteArray &encodedQuery)
{
    const RawResponse response = call("GET", "/api/v1/customers?q=" + encodedQuery);
    if (response.status != 200)
        qWarning("customer search failed: %d %s", response.status, response.body.constData());
    QStringList ids;
    for (const QJsonValue &item : response.json().value(QLatin1String("items")).toArray())
        ids.append(item.toObject().value(QLatin1String("id")).toString());
    return ids;
}

void tst_Customers::aSpaceSentAsPlusIsASpace()
{
    const qint64 stuck = open("Parcel stuck at the gate", R"({"id":"C-1"})");
    QVERIFY(open("Parcel at home", R"({"id":"C-2"})") > 0);
    // A form's encoding (the UI's URLSearchParams): + is a space, %2B a plus.
    QCOMPARE(search("stuck+at"), QList<qint64> {stuck});
    QCOMPARE(search("stuck%20at"), QList<qint64> {stuck});
    QCOMPARE(search("stuck%2Bat"), QList<qint64> {});
}

void tst_Customers::searchFindsChineseSubstringsPhonesAndComments()
{
    const QByteArray zhang = R"({"id":"C-88","name":"张三丰","phone":"+86 138-0013-8000"})";
    const qint64 held = open("包裹在海关扣留", zhang);
    const qint64 other
        = open("Parcel late", R"({"id":"C-9","name":"Li Wei","phone":"021 5555 0101"})");
    QVERIFY(held > 0 && other > 0);
    QCOMPARE(call("POST", "/api/v1/tickets/" + QByteArray::number(other) + "/comments",
                  R"({"body":"The courier left it with a neighbour, Mrs Xylander."})")
                 .status,
             201);
    const auto q
        = [](const char *text) { return QUrl::toPercentEncoding(QString::fromUtf8(text)); };
    QCOMPARE(search(q("海关扣留")), QList<qint64> {held}); // a Chinese substring of the title
    QCOMPARE(search(q("关扣")), QList<qint64> {held}); // two characters: no trigram
    QCOMPARE(search(q("三丰")), QList<qint64> {held}); // part of the customer's name
    QCOMPARE(search(q("13800138000")), QList<qint64> {held});
    QCOMPARE(search(q("+86 138 0013 8000")), QList<qint64> {held});
    QCOMPARE(search(q("0086-13800138000")), QList<qint64> {held});
    QCOMPARE(search(q("0215555")), QList<qint64> {other}); // a leading 0 as dialled
    QCOMPARE(search(q("xylander")), QList<qint64> {other}); // a comment's word, any case
    QCOMPARE(search(q("neighbour late")), QList<qint64> {other}); // comment and title
    QCOMPARE(search(q("C-88")), QList<qint64> {held}); // the customer's id
    QCOMPARE(search(q("123456789012")), (QList<qint64> {held, other})); // a field value
    QCOMPARE(search(q("xylander 海关")), QList<qint64> {});
    QCOMPARE(search(q("xylander"), QStringLiteral("kai")), QList<qint64> {}); // not visible
}

void tst_Customers::customersFoundByPhoneNameAndId()
{
    QVERIFY(open("Parcel late", R"({"id":"C-88","name":"张三丰","phone":"+86 138-0013-8000"})")
            > 0);
    QCOMPARE(call("POST", "/api/v1/customers",
                  R"({"id":"C-90","name":"John Smith","tier":"B","phone":"010 6552 9988"})")
                 .status,
             201);
    QCOMPARE(call("POST", "/api/v1/customers", R"({"id":"c-91","name":"Smithers Ltd"})").status,
             201);
    const auto q
        = [](const char *text) { return QUrl::toPercentEncoding(QString::fromUtf8(text)); };
    QCOMPARE(customerIds(q("13800138000")), QStringList {QStringLiteral("C-88")});
    QCOMPARE(customerIds(q("+86 138 0013 8000")), QStringList {QStringLiteral("C-88")});
    QCOMPARE(customerIds("0086+138-0013-8000"), QStringList {QStringLiteral("C-88")});
    QCOMPARE(customerIds(q("8000")), QStringList {QStringLiteral("C-88")}); // the last digits
    QCOMPARE(customerIds(q("01065529988")), QStringList {QStringLiteral("C-90")});
    QCOMPARE(customerIds(q("三丰")), QStringList {QStringLiteral("C-88")});
    QCOMPARE(customerIds(q("smith")),
             (QStringList {QStringLiteral("C-90"), QStringLiteral("c-91")}));
    QCOMPARE(customerIds(q("c-90")), QStringList {QStringLiteral("C-90")});
    QCOMPARE(customerIds(q("nobody")), QStringList {});
    const RawResponse one = call("GET", "/api/v1/customers?q=C-90");
    QCOMPARE(one.json().value(QLatin1String("items")).toArray().first().toObject(),
             (QJsonObject {{QStringLiteral("id"), QStringLiteral("C-90")},
                           {QStringLiteral("name"), QStringLiteral("John Smith")},
                           {QStringLiteral("tier"), QStringLiteral("B")},
                           {QStringLiteral("phone"), QStringLiteral("010 6552 9988")}}));
    QCOMPARE(call("GET", "/api/v1/customers").status, 400);
    QCOMPARE(call("GET", "/api/v1/customers?q=x&colour=red").status, 400);
}

void tst_Customers::aCustomersTicketsAreThoseTheCallerMaySee()
{
    const qint64 first = open("First contact", R"({"id":"C-7","name":"Wang Fang","tier":"A"})");
    m_clock.advanceSeconds(60);
    const qint64 second = open("Second contact", R"({"id":"C-7"})", QStringLiteral("alan"));
    QVERIFY(first > 0 && second > 0);
    const auto ticketIds = [&](const QString &user) {
        const RawResponse response = call("GET", "/api/v1/customers/C-7", {}, user);
        QList<qint64> ids;
        for (const QJsonValue &t : response.json().value(QLatin1String("tickets")).toArray())
            ids.append(t.toObject().value(QLatin1String("id")).toInteger());
        return ids;
    };
    QCOMPARE(ticketIds(QStringLiteral("admin")), (QList<qint64> {second, first}));
    QCOMPARE(ticketIds(QStringLiteral("kai")), QList<qint64> {});
    const RawResponse amy = call("GET", "/api/v1/customers/C-7");
    QCOMPARE(amy.status, 200);
    QCOMPARE(amy.json().value(QLatin1String("name")).toString(), QStringLiteral("Wang Fang"));
    QCOMPARE(amy.json().value(QLatin1String("tier")).toString(), QStringLiteral("A"));
    QCOMPARE(call("GET", "/api/v1/customers/C-404").status, 404);
}

void tst_Customers::customerWritesNeedARoleAndValidInput()
{
    const QByteArray body = R"({"id":"C-5","name":"Zhou Min","phone":"139 0000 1111"})";
    QCOMPARE(call("POST", "/api/v1/customers", body, QStringLiteral("sid")).status, 403);
    QCOMPARE(call("POST", "/api/v1/customers", body, QStringLiteral("kai")).status, 201);
    QCOMPARE(call("POST", "/api/v1/customers", body, QStringLiteral("admin")).status, 409);
    const RawResponse bad
        = call("POST", "/api/v1/customers", R"({"id":"C-6","tier":"Z","phone":"call me"})");
    QCOMPARE(bad.status, 422);
    const QJsonObject fields = bad.json()
                                   .value(QLatin1String("error"))
                                   .toObject()
                                   .value(QLatin1String("details"))
                                   .toObject()
                                   .value(QLatin1String("fields"))
                                   .toObject();
    QCOMPARE(fields.keys(), (QStringList {QStringLiteral("phone"), QStringLiteral("tier")}));
    QCOMPARE(call("POST", "/api/v1/customers", R"({"name":"No id"})").status, 422);
    QCOMPARE(call("PATCH", "/api/v1/customers/C-5", R"({"phone":"+86 137 2222 3333"})",
                  QStringLiteral("sid"))
                 .status,
             403);
    const RawResponse patched
        = call("PATCH", "/api/v1/customers/C-5", R"({"phone":"+86 137 2222 3333","tier":"A"})");
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json().value(QLatin1String("name")).toString(), QStringLiteral("Zhou Min"));
    QCOMPARE(patched.json().value(QLatin1String("tier")).toString(), QStringLiteral("A"));
    QCOMPARE(customerIds("13722223333"), QStringList {QStringLiteral("C-5")});
    QCOMPARE(customerIds("13900001111"), QStringList {});
    QCOMPARE(call("PATCH", "/api/v1/customers/C-404", R"({"name":"x"})").status, 404);
}

QTEST_GUILESS_MAIN(tst_Customers)
#include "tst_customers.moc"

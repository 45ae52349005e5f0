// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox with real parts (issue 15): the server of `baton serve` (composition root), the
// webhook plugin loaded from the built plugins folder, a real HTTP receiver that checks every
// signature, and a real SQLite file or PostgreSQL. The receiver goes down, answers 500 and
// answers too slowly; every delivery still arrives, each under one stable id, with the
// back-off recorded on the row. Two servers on one PostgreSQL send each delivery once. The
// admin API shows plugins, channel health and the delivery log, retries dead letters and sends
// a test message, and never shows a secret.
#include "../ops/opsprocess.h"
#include "webhookreceiver.h"

#include "core/clock.h"
#include "definition/workflowset.h"
#include "delivery/deliveryworker.h"
#include "jumpqueueticket.h"
#include "pgharness.h"
#include "services/demoaccounts.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

#include <limits>

using namespace Baton;
using namespace Baton::Test;
using namespace Qt::Literals::StringLiterals;

namespace {

const QByteArray hookSecret = QByteArrayLiteral("s3cret-for-the-receiver");

/// Ticket `n`, of customer C-`n`.
QJsonObject ticketBody(int n)
{
    return jumpQueueTicket(QStringLiteral("Outbox %1").arg(n), QStringLiteral("C-%1").arg(n));
}

/// channels.yaml with one webhook channel taking `opened` events only (one delivery per
/// ticket); `url` may be a ${NAME} reference.
QList<ChannelDefinition> hookChannel(const QString &url)
{
    const QByteArray yaml = "channels:\n"
                            "  ops-hook:\n"
                            "    plugin: webhook\n"
                            "    url: "
        + url.toUtf8()
        + "\n"
          "    secret: ${TST_DELIVERY_SECRET}\n"
          "    timeout_seconds: 1\n"
          "    events: [opened]\n";
    const ChannelsReadResult read = readChannels(yaml, QStringLiteral("channels.yaml"));
    return read.channels;
}

/// channels.yaml with one sms channel, `pager`, posting to `port`'s /sms.
QList<ChannelDefinition> pagerChannel(quint16 port)
{
    const QByteArray yaml = "channels:\n"
                            "  pager:\n"
                            "    plugin: sms\n"
                            "    url: http://127.0.0.1:"
        + QByteArray::number(port)
        + "/sms\n"
          "    body: '{\"to\": \"{phone}\", \"delivery\": \"{delivery}\"}'\n"
          "    timeout_seconds: 1\n";
    return readChannels(yaml, QStringLiteral("channels.yaml")).channels;
}

/// The outbox rows of `ticket` on `channel`, oldest first.
QList<OutboxEntry> rowsOf(TestServer &server, qint64 ticket, const QString &channel)
{
    auto db = server.database()->connection();
    if (!db)
        return {};
    DeliverySearch search;
    search.ticketId = ticket;
    search.channel = channel;
    auto found = OutboxQueue::search(*db, search);
    return found ? *found : QList<OutboxEntry>();
}

/// The first outbox row of `ticket` on `channel`, if any.
std::optional<OutboxEntry> firstRowOf(TestServer &server, qint64 ticket, const QString &channel)
{
    const QList<OutboxEntry> rows = rowsOf(server, ticket, channel);
    return rows.isEmpty() ? std::nullopt : std::optional(rows.first());
}

/// A preferences body: quiet hours from `from` to `until` (HH:MM, no zone of their own), and
/// `extra`'s keys.
QJsonObject quietHoursBody(const char *from, const char *until, QJsonObject extra = {})
{
    extra.insert(QStringLiteral("quiet_hours"),
                 QJsonObject {{QStringLiteral("from"), QLatin1String(from)},
                              {QStringLiteral("until"), QLatin1String(until)}});
    return extra;
}

/// The tests' back-off (TestServerOptions: 1 s doubling) before try `attempt + 1`.
qint64 testBackOffMs(int attempt)
{
    DeliveryWorker::Options options;
    options.firstRetryMs = 1000;
    return DeliveryWorker::retryDelayMs(options, attempt);
}

} // namespace

// A fresh database `holder`, a receiver, and server `s` (tst_Delivery::Server) started by
// `start` (an expression that may use `url`, `receiver` and `s`, answering an error or nothing).
#define START_WITH_RECEIVER(holder, receiver, s, start)                                            \
    TestDatabase holder;                                                                           \
    BATON_FRESH_DATABASE(holder, url);                                                             \
    WebhookReceiver receiver(hookSecret);                                                          \
    Server s;                                                                                      \
    {                                                                                              \
        const QString started = start;                                                             \
        QVERIFY2(started.isEmpty(), qPrintable(started));                                          \
    }

// The start of the tests of notices by SMS: the pager channel aimed at the receiver, amy given
// a phone.
#define START_WITH_PAGER(holder, receiver, s)                                                      \
    START_WITH_RECEIVER(holder, receiver, s, startWithPager(s, url, receiver.port(), true))

// The start of the webhook tests: the hook channel aimed at the receiver.
#define START_WITH_HOOK(holder, receiver, s)                                                       \
    START_WITH_RECEIVER(holder, receiver, s, startWithHook(s, url, receiver.port()))

class tst_Delivery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void initTestCase();
    void everyDeliveryArrivesOncePerIdThroughAnOutage();
    void aTenMinuteOutageDrainsOncePerIdWhenTheReceiverIsBack();
    void aBusyReceiversRetryAfterIsHonoured();
    void backOffDoublesFromFiveSecondsUpToADay();
    void adminSeesHealthLogRetriesAndTests();
    void twoServersOnOnePostgreSqlSendEachOnce();
    void aCommitWakesTheWorker();
    void quietHoursHoldANoticeUntilTheyEnd();
    void quietHoursWithoutAZoneAreOnTheUsersOwnClock();
    void anATierBreachIgnoresQuietHoursAnotherWaits();
    void noticesGoThroughTheChannelsChosenForTheirKind();
    void aUsersChangeOnOneServerIsHeardByTheOther();
    void theWorkerSendsWhileAnotherWriterHoldsSqlitesLock();
    void aServerStoppedBeforeItsOutcomesWereWrittenSendsAgainUnderTheSameId();

private:
    struct Server
    {
        FakeClock clock;
        TestServer server;
        std::unique_ptr<ApiClient> amy, admin;
    };
    /// A server on `url` with the channel, users amy (agent) and root (admin); empty on error.
    QString startServer(Server &s, const QString &url, const QList<ChannelDefinition> &channels,
                        int maxAttempts = 20);
    static std::optional<OutboxEntry> entry(TestServer &server, const QString &id);
    /// A server with the webhook channel aimed at `receiverPort`; empty on success.
    QString startWithHook(Server &s, const QString &url, quint16 receiverPort)
    {
        return startServer(
            s, url, hookChannel(QStringLiteral("http://127.0.0.1:%1/hook").arg(receiverPort)));
    }
    /// A server with the pager (SMS) channel aimed at `receiverPort`; with `amysPhone`, amy
    /// is given a phone through it. Empty on success.
    QString startWithPager(Server &s, const QString &url, quint16 receiverPort, bool amysPhone);
    /// amy opens a ticket on `s` and root assigns it to her there: the assignment's answer.
    static RawResponse openAndAssignToAmy(Server &s, int n);
    /// amy opens ticket `n` on `s`: the id of its webhook delivery (TICKET.1.ops-hook); empty
    /// when the opening failed.
    static QString openWithHookDelivery(Server &s, int n);
    /// SQLite: a hook delivery whose first try was refused (the receiver down, then up again),
    /// due again when the clock moves a second; its id, or empty.
    static QString refusedOnce(Server &s, WebhookReceiver &receiver);
    WorkflowSet m_workflows;
    int m_pollMs = 50; ///< the delivery worker's poll of the next server started
};

void tst_Delivery::initTestCase()
{
    qputenv("TST_DELIVERY_SECRET", hookSecret);
    m_workflows = loadWorkflowDirectory(TestServerOptions::shippedWorkflows());
    QVERIFY(m_workflows.ok());
}

QString tst_Delivery::startServer(Server &s, const QString &url,
                                  const QList<ChannelDefinition> &channels, int maxAttempts)
{
    auto db = TestServer::openDatabase(url);
    if (!db)
        return db.error();
    TestServerOptions options;
    options.database = *db;
    options.clock = &s.clock;
    s.clock.set(QDateTime(QDate(2026, 3, 2), QTime(9, 0), Qt::UTC));
    if (!options.useWorkflowFolder())
        return QStringLiteral("shipped workflows have errors");
    options.channels = channels;
    options.pluginFolder = QStringLiteral(BATON_BUILD_DIR "/plugins");
    options.deliveryMaxAttempts = maxAttempts;
    options.deliveryPollMs = m_pollMs;
    if (QString error = s.server.start(options); !error.isEmpty())
        return error;
    const DemoAccount amy = demoAccounts(m_workflows).value(QStringLiteral("amy"));
    const QList<std::pair<QString, UserInput>> users {
        {QStringLiteral("amy"),
         UserInput {QStringLiteral("Amy"), QStringLiteral("baton-demo"), amy.departments, amy.roles,
                    std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt}},
        {QStringLiteral("root"),
         UserInput {QStringLiteral("Root"), QStringLiteral("baton-demo"), std::nullopt,
                    QStringList {QStringLiteral("admin")}, std::nullopt, std::nullopt, std::nullopt,
                    std::nullopt, std::nullopt, std::nullopt}}};
    for (const auto &[name, input] : users) {
        auto existing = s.server.auth().users().find(name);
        if (existing && existing->has_value())
            continue; // the second server on one database
        if (auto created
            = s.server.auth().users().create(name, input, s.server.services().organisation());
            !created)
            return created.error();
    }
    s.amy = std::make_unique<ApiClient>(s.server.port(), QStringLiteral("amy"),
                                        QStringLiteral("baton-demo"));
    s.admin = std::make_unique<ApiClient>(s.server.port(), QStringLiteral("root"),
                                          QStringLiteral("baton-demo"));
    return {};
}

QString tst_Delivery::startWithPager(Server &s, const QString &url, quint16 receiverPort,
                                     bool amysPhone)
{
    if (QString error = startServer(s, url, pagerChannel(receiverPort)); !error.isEmpty())
        return error;
    if (!amysPhone)
        return {};
    const RawResponse phone
        = s.admin->call("PATCH", QStringLiteral("/api/v1/users/amy"),
                        QJsonObject {{QStringLiteral("phone"), QStringLiteral("+85291234567")}});
    return phone.status == 200 ? QString() : QString::fromUtf8(phone.body);
}

RawResponse tst_Delivery::openAndAssignToAmy(Server &s, int n)
{
    const RawResponse opened
        = s.amy->call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(n));
    return s.admin->call(
        "POST",
        QStringLiteral("/api/v1/tickets/%1/assign").arg(opened.json().value(u"id").toInteger()),
        QJsonObject {{QStringLiteral("username"), QStringLiteral("amy")}});
}

QString tst_Delivery::openWithHookDelivery(Server &s, int n)
{
    const RawResponse opened
        = s.amy->call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(n));
    if (opened.status != 201)
        return {};
    return QStringLiteral("%1.1.ops-hook").arg(opened.json().value(u"id").toInteger());
}

QString tst_Delivery::refusedOnce(Server &s, WebhookReceiver &receiver)
{
    receiver.setMode(WebhookReceiver::Mode::Down);
    const QString id = openWithHookDelivery(s, 1);
    if (!id.isEmpty()
        && !QTest::qWaitFor([&] { return entry(s.server, id)->attempts == 1; }, 10000))
        return {};
    receiver.setMode(WebhookReceiver::Mode::Up);
    return id;
}

namespace {

/// Another connection to a SQLite file holding its writer lock (BEGIN IMMEDIATE), as the
/// engine's group commits do most of the time when the engine is busy; released at the end.
class HeldWriterLock
{
public:
    explicit HeldWriterLock(const QString &path)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        m_held = db.open() && QSqlQuery(db).exec(QStringLiteral("BEGIN IMMEDIATE"));
    }
    ~HeldWriterLock()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(name);
            QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }
    bool held() const { return m_held; }

private:
    static inline const QString name = QStringLiteral("tst_delivery_other_writer");
    bool m_held = false;
};

} // namespace

std::optional<OutboxEntry> tst_Delivery::entry(TestServer &server, const QString &id)
{
    auto db = server.database()->connection();
    if (!db)
        return std::nullopt;
    auto found = OutboxQueue::find(*db, id);
    return found ? *found : std::nullopt;
}

void tst_Delivery::everyDeliveryArrivesOncePerIdThroughAnOutage()
{
    START_WITH_HOOK(holder, receiver, s);

    // Up: the first ticket's delivery arrives, signed, under TICKET.SEQ.CHANNEL.
    const QString firstId = openWithHookDelivery(s, 1);
    QVERIFY(!firstId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(firstId.toUtf8()), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, firstId)->status, QStringLiteral("delivered"), 30000);

    // Down: refused; the row waits with the first back-off (1 s on the server's clock).
    receiver.setMode(WebhookReceiver::Mode::Down);
    const QString id = openWithHookDelivery(s, 2);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->attempts, 1, 10000);
    auto row = entry(s.server, id);
    QCOMPARE(row->status, QStringLiteral("pending"));
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, 1000);
    QVERIFY2(!row->lastError.isEmpty(), "the refusal is recorded");

    // Answering 500, then too slowly (past the 1 s time limit): each a failed try, the back-off
    // doubling: 2 s, then 4 s.
    receiver.setMode(WebhookReceiver::Mode::Failing);
    s.clock.advanceSeconds(1);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->attempts, 2, 10000);
    row = entry(s.server, id);
    QVERIFY2(row->lastError.contains(u"HTTP 500"), qPrintable(row->lastError));
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, 2000);
    receiver.setMode(WebhookReceiver::Mode::Slow);
    s.clock.advanceSeconds(2);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->attempts, 3, 15000);
    row = entry(s.server, id);
    QCOMPARE(row->status, QStringLiteral("pending"));
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, 4000);

    // Back: delivered on the next try; the receiver saw this id on every try it reached (the
    // 500 and the slow one) and nothing else under it.
    receiver.setMode(WebhookReceiver::Mode::Up);
    s.clock.advanceSeconds(4);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->status, QStringLiteral("delivered"), 10000);
    QCOMPARE(entry(s.server, id)->attempts, 4);
    const QHash<QByteArray, int> counts = receiver.countsById();
    QCOMPARE(counts.size(), 2); // distinct ids: one per ticket
    QCOMPARE(counts.value(firstId.toUtf8()), 1);
    QCOMPARE(counts.value(id.toUtf8()), 3); // 500, slow, 200
    QCOMPARE(receiver.badSignatures(), 0);
    QCOMPARE(receiver.acknowledged().size(), 2);
    for (const auto &r : receiver.received()) {
        QCOMPARE(r.event, QByteArrayLiteral("opened"));
        QCOMPARE(r.body.value(u"event").toObject().value(u"type").toString(),
                 QStringLiteral("opened"));
        QVERIFY(!r.body.value(u"ticket").toObject().value(u"key").toString().isEmpty());
    }
}

// "A receiver down for ten minutes → delivered when it is back, once per delivery id", on the
// server's clock: five tickets opened during the outage, one every two minutes. A failure of the
// channel (connection refused) makes the other rows wait for the channel without a try of their
// own; one row probes it at its back-off. Once the receiver is back, the probe's answer makes
// every waiting row due at once: all arrive at the probe's time, each once, none having spent
// more tries than its own back-off allowed. The first ticket's delivery the receiver refuses
// (400): a refusal of its own, it keeps backing off while the others drain.
void tst_Delivery::aTenMinuteOutageDrainsOncePerIdWhenTheReceiverIsBack()
{
    START_WITH_HOOK(holder, receiver, s);
    receiver.setMode(WebhookReceiver::Mode::Down);
    QStringList ids;
    QHash<QString, qint64> openedAt;
    // Every delivery waits for a later try (none due on the server's clock, none claimed).
    const auto allWaiting = [&] {
        const qint64 now = s.clock.now().toMSecsSinceEpoch();
        for (const QString &id : std::as_const(ids)) {
            const auto row = entry(s.server, id);
            if (!row || row->status != u"pending" || row->nextAttemptAt <= now
                || row->failureKind.isEmpty())
                return false;
        }
        return true;
    };
    for (int minute = 0; minute < 10; ++minute) {
        if (minute % 2 == 0) {
            ids << openWithHookDelivery(s, minute);
            QVERIFY(!ids.last().isEmpty());
            openedAt.insert(ids.last(), s.clock.now().toMSecsSinceEpoch());
            if (ids.size() == 1)
                receiver.refuse(ids.first().toUtf8());
        }
        QTRY_VERIFY_WITH_TIMEOUT(allWaiting(), 30000);
        s.clock.advanceSeconds(60);
    }
    QTRY_VERIFY_WITH_TIMEOUT(allWaiting(), 30000);
    QVERIFY(receiver.received().isEmpty());
    // No row tried more often than its own back-off (1 s doubling, from its opening) allows in
    // the outage; the channel was probed all along.
    const qint64 backAt = s.clock.now().toMSecsSinceEpoch();
    int maxTries = 0;
    qint64 probeAt = std::numeric_limits<qint64>::max();
    for (const QString &id : std::as_const(ids)) {
        const auto row = entry(s.server, id);
        int allowed = 0;
        for (qint64 at = openedAt.value(id); at <= backAt; at += testBackOffMs(++allowed)) { }
        QVERIFY2(row->attempts <= allowed,
                 qPrintable(QStringLiteral("%1: %2 tries, its back-off allows %3")
                                .arg(id)
                                .arg(row->attempts)
                                .arg(allowed)));
        QCOMPARE(row->failureKind, QStringLiteral("channel"));
        maxTries = std::max(maxTries, row->attempts);
        probeAt = std::min(probeAt, row->nextAttemptAt);
    }
    QVERIFY2(maxTries >= 5, "the channel was probed during the outage");

    // Back: at the probe's next try, every delivery arrives, the refused one excepted — the
    // clock moves no further.
    receiver.setMode(WebhookReceiver::Mode::Up);
    s.clock.set(QDateTime::fromMSecsSinceEpoch(probeAt, Qt::UTC));
    const QString refused = ids.first();
    const auto othersDelivered = [&] {
        for (const QString &id : ids.mid(1))
            if (entry(s.server, id)->status != u"delivered")
                return false;
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(othersDelivered(), 30000);
    const QHash<QByteArray, int> counts = receiver.countsById();
    for (const QString &id : ids.mid(1))
        QCOMPARE(counts.value(id.toUtf8()), 1);
    QCOMPARE(receiver.badSignatures(), 0);

    // The refused row: refused once so far, its failure its own, its back-off doubling from
    // where it was; tried again only at that time, and refused again.
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, refused)->failureKind, QStringLiteral("row"), 10000);
    auto row = entry(s.server, refused);
    QCOMPARE(row->status, QStringLiteral("pending"));
    QCOMPARE(receiver.countsById().value(refused.toUtf8()), 1);
    const int tries = row->attempts;
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, testBackOffMs(tries));
    s.clock.set(QDateTime::fromMSecsSinceEpoch(row->nextAttemptAt, Qt::UTC));
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, refused)->attempts, tries + 1, 10000);
    row = entry(s.server, refused);
    QCOMPARE(row->failureKind, QStringLiteral("row"));
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, testBackOffMs(tries + 1));
    QCOMPARE(receiver.countsById().value(refused.toUtf8()), 2);
    for (const QString &id : ids.mid(1))
        QCOMPARE(receiver.countsById().value(id.toUtf8()), 1);
}

// A busy receiver (503 with Retry-After) is the channel's failure: the next try waits as long
// as the receiver asked, not the first back-off.
void tst_Delivery::aBusyReceiversRetryAfterIsHonoured()
{
    START_WITH_HOOK(holder, receiver, s);
    receiver.setRetryAfter(30);
    receiver.setMode(WebhookReceiver::Mode::Busy);
    const QString id = openWithHookDelivery(s, 1);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->attempts, 1, 10000);
    auto row = entry(s.server, id);
    QCOMPARE(row->failureKind, QStringLiteral("channel"));
    QVERIFY2(row->lastError.contains(u"HTTP 503"), qPrintable(row->lastError));
    QCOMPARE(row->nextAttemptAt - *row->lastAttemptAt, 30000);
    receiver.setMode(WebhookReceiver::Mode::Up);
    s.clock.advanceSeconds(30);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->status, QStringLiteral("delivered"), 10000);
    QVERIFY(entry(s.server, id)->failureKind.isEmpty());
}

// `baton serve`'s back-off: 5 s after the first failed try, doubling, a day at most; the 20th
// try is the last.
void tst_Delivery::backOffDoublesFromFiveSecondsUpToADay()
{
    const DeliveryWorker::Options options;
    QCOMPARE(options.maxAttempts, 20);
    QList<qint64> seconds;
    for (int attempt = 1; attempt < options.maxAttempts; ++attempt)
        seconds << DeliveryWorker::retryDelayMs(options, attempt) / 1000;
    QCOMPARE(seconds.mid(0, 5), (QList<qint64> {5, 10, 20, 40, 80}));
    QCOMPARE(seconds.at(14), 5 * 16384); // after the 15th try: 22 h 45 min
    QCOMPARE(seconds.at(15), 86400);
    QCOMPARE(seconds.last(), 86400);
}

void tst_Delivery::adminSeesHealthLogRetriesAndTests()
{
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    // The URL is a secret (a token in its query, as chat robots have): it must not reach the
    // delivery log, the health or the test's answer, though the plugin's errors quote it.
    const QByteArray token = QByteArrayLiteral("tok-9f8e7d6c5b4a");
    qputenv("TST_DELIVERY_URL",
            QStringLiteral("http://127.0.0.1:%1/hook?access_token=").arg(receiver.port()).toUtf8()
                + token);
    Server s;
    const QString started
        = startServer(s, url, hookChannel(QStringLiteral("${TST_DELIVERY_URL}")), 2);
    QVERIFY2(started.isEmpty(), qPrintable(started));

    // Not an admin: 403 on each.
    for (const auto &[method, path] : QList<std::pair<QByteArray, QString>> {
             {"GET", QStringLiteral("/api/v1/admin/plugins")},
             {"GET", QStringLiteral("/api/v1/admin/channels")},
             {"GET", QStringLiteral("/api/v1/admin/deliveries")},
             {"POST", QStringLiteral("/api/v1/admin/deliveries/1.1.ops-hook/retry")},
             {"POST", QStringLiteral("/api/v1/admin/channels/ops-hook/test")}})
        QCOMPARE(s.amy->call(method, path).status, 403);

    const RawResponse plugins = s.admin->call("GET", QStringLiteral("/api/v1/admin/plugins"));
    QCOMPARE(plugins.status, 200);
    const QJsonArray loaded = plugins.json().value(u"loaded").toArray();
    QVERIFY(std::any_of(loaded.begin(), loaded.end(), [](const QJsonValue &p) {
        return p[u"name"].toString() == u"webhook" && !p[u"version"].toString().isEmpty();
    }));

    // Receiver failing: two tries (maxAttempts 2) make a dead letter.
    receiver.setMode(WebhookReceiver::Mode::Failing);
    const RawResponse opened
        = s.amy->call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(7));
    QCOMPARE(opened.status, 201);
    const qint64 ticket = opened.json().value(u"id").toInteger();
    const QString key = opened.json().value(u"key").toString();
    const QString id = QStringLiteral("%1.1.ops-hook").arg(ticket);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->attempts, 1, 10000);
    s.clock.advanceSeconds(1);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->status, QStringLiteral("dead"), 10000);

    const RawResponse channels = s.admin->call("GET", QStringLiteral("/api/v1/admin/channels"));
    QCOMPARE(channels.status, 200);
    const QJsonObject hook = QJsonDocument::fromJson(channels.body).array().first().toObject();
    QCOMPARE(hook[u"name"].toString(), QStringLiteral("ops-hook"));
    QCOMPARE(hook[u"plugin_loaded"].toBool(), true);
    QCOMPARE(hook[u"dead"].toInt(), 1);
    QCOMPARE(hook[u"pending"].toInt(), 0);
    QVERIFY2(hook[u"last_failure"].toString().contains(u"HTTP 500"), channels.body.constData());
    QVERIFY(hook[u"last_success_at"].isNull());
    QVERIFY2(!channels.body.contains(token), channels.body.constData());
    QVERIFY2(!channels.body.contains(hookSecret), channels.body.constData());
    QVERIFY(!hook.contains(u"url") && !hook.contains(u"secret") && !hook.contains(u"settings"));

    // The log, by key, by id, by channel and status; a bad status is a 400.
    for (const QString &query : QStringList {QStringLiteral("?ticket=") + key,
                                             QStringLiteral("?ticket=") + QString::number(ticket),
                                             QStringLiteral("?channel=ops-hook&status=dead")}) {
        const RawResponse log
            = s.admin->call("GET", QStringLiteral("/api/v1/admin/deliveries") + query);
        QCOMPARE(log.status, 200);
        const QJsonArray rows = QJsonDocument::fromJson(log.body).array();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first()[u"id"].toString(), id);
        QCOMPARE(rows.first()[u"ticket_key"].toString(), key);
        QCOMPARE(rows.first()[u"attempts"].toInt(), 2);
        QVERIFY2(!log.body.contains(token), log.body.constData());
    }
    QCOMPARE(
        QJsonDocument::fromJson(
            s.admin->call("GET", QStringLiteral("/api/v1/admin/deliveries?status=delivered")).body)
            .array()
            .size(),
        0);
    QCOMPARE(s.admin->call("GET", QStringLiteral("/api/v1/admin/deliveries?status=lost")).status,
             400);
    QCOMPARE(s.admin->call("GET", QStringLiteral("/api/v1/admin/deliveries?colour=red")).status,
             400);

    // The test message with the receiver failing: 200 with ok false and why, without the token.
    RawResponse tested
        = s.admin->call("POST", QStringLiteral("/api/v1/admin/channels/ops-hook/test"));
    QCOMPARE(tested.status, 200);
    QCOMPARE(tested.json()[u"ok"].toBool(), false);
    QVERIFY2(tested.json()[u"result"].toString().contains(u"HTTP 500"), tested.body.constData());
    QVERIFY2(!tested.body.contains(token), tested.body.constData());
    QCOMPARE(s.admin->call("POST", QStringLiteral("/api/v1/admin/channels/nope/test")).status, 404);

    // Retry: unknown 404; the dead letter back to pending, delivered once the receiver is up;
    // retrying it again is a conflict (it is no dead letter).
    receiver.setMode(WebhookReceiver::Mode::Up);
    QCOMPARE(
        s.admin->call("POST", QStringLiteral("/api/v1/admin/deliveries/9.9.none/retry")).status,
        404);
    const RawResponse retried = s.admin->call(
        "POST", QStringLiteral("/api/v1/admin/deliveries/") + id + QStringLiteral("/retry"));
    QCOMPARE(retried.status, 200);
    QCOMPARE(retried.json()[u"status"].toString(), QStringLiteral("pending"));
    QCOMPARE(retried.json()[u"attempts"].toInt(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->status, QStringLiteral("delivered"), 10000);
    QCOMPARE(s.admin
                 ->call("POST",
                        QStringLiteral("/api/v1/admin/deliveries/") + id + QStringLiteral("/retry"))
                 .status,
             409);

    // The test message through a receiver that is up: signed, event "test", ok true.
    tested = s.admin->call("POST", QStringLiteral("/api/v1/admin/channels/ops-hook/test"));
    QCOMPARE(tested.status, 200);
    QCOMPARE(tested.json()[u"ok"].toBool(), true);
    QCOMPARE(tested.json()[u"result"].toString(), QStringLiteral("HTTP 200"));
    const auto received = receiver.received();
    QCOMPARE(received.last().event, QByteArrayLiteral("test"));
    QVERIFY(received.last().signatureValid);

    const RawResponse healthy = s.admin->call("GET", QStringLiteral("/api/v1/admin/channels"));
    const QJsonObject after = QJsonDocument::fromJson(healthy.body).array().first().toObject();
    QVERIFY(!after[u"last_success_at"].isNull());
    QVERIFY(!after[u"last_failure_at"].isNull()); // the failure stays visible after a success
    QCOMPARE(after[u"dead"].toInt(), 0);
}

void tst_Delivery::twoServersOnOnePostgreSqlSendEachOnce()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("one server per SQLite file");
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    const auto channels
        = hookChannel(QStringLiteral("http://127.0.0.1:%1/hook").arg(receiver.port()));
    Server a, b;
    QString started = startServer(a, url, channels);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    started = startServer(b, url, channels);
    QVERIFY2(started.isEmpty(), qPrintable(started));

    constexpr int tickets = 60;
    QSet<QByteArray> expected;
    for (int n = 0; n < tickets; ++n) {
        ApiClient &client = n % 2 ? *a.amy : *b.amy;
        const RawResponse opened
            = client.call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(n));
        QCOMPARE(opened.status, 201);
        expected.insert(QByteArray::number(opened.json().value(u"id").toInteger()) + ".1.ops-hook");
    }
    QTRY_COMPARE_WITH_TIMEOUT(receiver.acknowledged(), expected, 30000);
    QTest::qWait(500); // a second send would come now
    const QHash<QByteArray, int> counts = receiver.countsById();
    QCOMPARE(counts.size(), tickets);
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        QVERIFY2(it.value() == 1, it.key().constData());
    QCOMPARE(receiver.badSignatures(), 0);
}

// The worker sends what a commit wrote at once, not at its next poll (a minute here).
void tst_Delivery::aCommitWakesTheWorker()
{
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    Server s;
    m_pollMs = 60000;
    const QString started = startWithHook(s, url, receiver.port());
    m_pollMs = 50;
    QVERIFY2(started.isEmpty(), qPrintable(started));
    QTest::qWait(300); // past the worker's first look at start
    const QString id = openWithHookDelivery(s, 1);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(id.toUtf8()), 30000);
}

// A notice by SMS to amy during her quiet hours is held, not tried, until they end on the
// server's clock; then it goes out.
void tst_Delivery::quietHoursHoldANoticeUntilTheyEnd()
{
    START_WITH_PAGER(holder, receiver, s);
    // 08:00-10:00 UTC; the server's clock says 09:00.
    const RawResponse quiet = s.amy->call("PATCH", QStringLiteral("/api/v1/me/preferences"),
                                          quietHoursBody("08:00", "10:00"));
    QCOMPARE(quiet.status, 200);

    const RawResponse assigned = openAndAssignToAmy(s, 1);
    QCOMPARE(assigned.status, 200);
    const qint64 ticket = assigned.json().value(u"id").toInteger();
    const auto pagerRow = [&] { return firstRowOf(s.server, ticket, QStringLiteral("pager")); };
    QTRY_VERIFY_WITH_TIMEOUT(pagerRow() && pagerRow()->lastError.startsWith(u"held"), 10000);
    const qint64 ten = QDateTime(QDate(2026, 3, 2), QTime(10, 0), Qt::UTC).toMSecsSinceEpoch();
    QCOMPARE(pagerRow()->nextAttemptAt, ten);
    QCOMPARE(pagerRow()->attempts, 0);
    QTest::qWait(300);
    QVERIFY(receiver.received().isEmpty());

    // 10:00: the quiet hours end and the notice goes out.
    s.clock.advanceSeconds(3600);
    QTRY_VERIFY_WITH_TIMEOUT(!receiver.received().isEmpty(), 10000);
    const auto received = receiver.received();
    const auto &r = received.first();
    QCOMPARE(r.body.value(u"to").toString(), QStringLiteral("+85291234567"));
    QCOMPARE(r.body.value(u"delivery").toString(), pagerRow()->row.deliveryId);
}

// Quiet hours that name no zone are on the user's own time zone's clock: amy lives in Hong Kong
// and is quiet from 16:00 to 18:00 there; the server's clock says 09:00 UTC, 17:00 in Hong
// Kong, so her notice waits until 18:00 there (10:00 UTC). On UTC's clock it would go at once.
void tst_Delivery::quietHoursWithoutAZoneAreOnTheUsersOwnClock()
{
    START_WITH_PAGER(holder, receiver, s);
    const RawResponse quiet = s.amy->call(
        "PATCH", QStringLiteral("/api/v1/me/preferences"),
        quietHoursBody("16:00", "18:00",
                       {{QStringLiteral("time_zone"), QStringLiteral("Asia/Hong_Kong")}}));
    QCOMPARE(quiet.status, 200);

    const RawResponse assigned = openAndAssignToAmy(s, 1);
    QCOMPARE(assigned.status, 200);
    const qint64 ticket = assigned.json().value(u"id").toInteger();
    const auto pagerRow = [&] { return firstRowOf(s.server, ticket, QStringLiteral("pager")); };
    // Held, or (on the wrong clock) received: whichever comes first.
    QTRY_VERIFY_WITH_TIMEOUT(
        pagerRow() && (pagerRow()->lastError.startsWith(u"held") || !receiver.received().isEmpty()),
        10000);
    QCOMPARE(pagerRow()->status, QStringLiteral("pending"));
    const qint64 ten = QDateTime(QDate(2026, 3, 2), QTime(10, 0), Qt::UTC).toMSecsSinceEpoch();
    QCOMPARE(pagerRow()->nextAttemptAt, ten);
    QVERIFY(receiver.received().isEmpty());
}

// cathy (manager of cs-supervisors) hears of breaches by SMS and is in her quiet hours. A
// breach of an A-tier customer's ticket is urgent: it reaches her at once. The same breach of a
// B-tier customer's ticket waits for the end of her quiet hours like any other notice.
void tst_Delivery::anATierBreachIgnoresQuietHoursAnotherWaits()
{
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    Server s;
    const QString started = startWithPager(s, url, receiver.port(), false);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const DemoAccount cathy = demoAccounts(m_workflows).value(QStringLiteral("cathy"));
    auto created = s.server.auth().users().create(
        QStringLiteral("cathy"),
        UserInput {QStringLiteral("Cathy"), QStringLiteral("baton-demo"), cathy.departments,
                   cathy.roles, std::nullopt, std::nullopt, QStringLiteral("+85298765432"),
                   std::nullopt, std::nullopt, std::nullopt},
        s.server.services().organisation());
    QVERIFY2(created, created ? "" : qPrintable(created.error()));
    ApiClient cathyClient(s.server.port(), QStringLiteral("cathy"), QStringLiteral("baton-demo"));
    // 08:00-12:00 UTC; the server's clock says 09:00.
    const RawResponse quiet = cathyClient.call("PATCH", QStringLiteral("/api/v1/me/preferences"),
                                               quietHoursBody("08:00", "12:00"));
    QCOMPARE(quiet.status, 200);

    QJsonObject tierA = ticketBody(1);
    tierA.insert(QStringLiteral("customer"),
                 QJsonObject {{QStringLiteral("id"), QStringLiteral("C-A")},
                              {QStringLiteral("tier"), QStringLiteral("A")}});
    const RawResponse a = s.amy->call("POST", QStringLiteral("/api/v1/tickets"), tierA);
    QCOMPARE(a.status, 201);
    const RawResponse b = s.amy->call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(2));
    QCOMPARE(b.status, 201);
    // 09:20: both review steps missed their 15-minute respond target.
    const RawResponse moved
        = s.admin->call("POST", QStringLiteral("/api/v1/admin/clock"),
                        QJsonObject {{QStringLiteral("advance_seconds"), 1200}});
    QCOMPARE(moved.status, 200);
    // The SMS row of the breach notice to cathy on `ticket`.
    const auto breachToCathy = [&](const RawResponse &opened) -> std::optional<OutboxEntry> {
        const qint64 ticket = opened.json().value(u"id").toInteger();
        for (const OutboxEntry &row : rowsOf(s.server, ticket, QStringLiteral("pager")))
            if (row.row.kind == u"sla_breached" && row.row.deliveryId.contains(u".cathy."))
                return row;
        return std::nullopt;
    };
    QTRY_VERIFY_WITH_TIMEOUT(breachToCathy(a) && breachToCathy(b), 30000);
    const QString urgentId = breachToCathy(a)->row.deliveryId;
    const auto receivedIds = [&] {
        QStringList ids;
        for (const auto &r : receiver.received())
            ids << r.body.value(u"delivery").toString();
        return ids;
    };
    QTRY_VERIFY_WITH_TIMEOUT(receivedIds().contains(urgentId), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(breachToCathy(b)->lastError.startsWith(u"held"), 30000);
    const qint64 noon = QDateTime(QDate(2026, 3, 2), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch();
    QCOMPARE(breachToCathy(b)->nextAttemptAt, noon);
    QCOMPARE(breachToCathy(b)->attempts, 0);
    QVERIFY(!receivedIds().contains(breachToCathy(b)->row.deliveryId));
}

// amy keeps notices of her assignments off SMS (mail only): an assignment writes no SMS row;
// once she chooses SMS for them, the next one does. A choice of an unknown channel or kind is
// refused with the key at fault.
void tst_Delivery::noticesGoThroughTheChannelsChosenForTheirKind()
{
    START_WITH_PAGER(holder, receiver, s);
    const auto choose = [&](const QJsonValue &channels) {
        return s.amy->call("PATCH", QStringLiteral("/api/v1/me/preferences"),
                           QJsonObject {{QStringLiteral("channels"), channels}});
    };
    // The SMS rows of the notice of amy's assignment `assigned` answered; -1 when it failed.
    const auto smsOfAssignment = [&](const RawResponse &assigned) -> qsizetype {
        if (assigned.status != 200)
            return -1;
        const qint64 ticket = assigned.json().value(u"id").toInteger();
        qsizetype n = 0;
        for (const OutboxEntry &row : rowsOf(s.server, ticket, QStringLiteral("pager")))
            n += row.row.kind == u"assigned" ? 1 : 0;
        return n;
    };

    const RawResponse fax
        = choose(QJsonObject {{QStringLiteral("assigned"), QJsonArray {u"fax"_s}}});
    QCOMPARE(fax.status, 422);
    QVERIFY2(fax.json()
                 .value(u"error")
                 .toObject()
                 .value(u"details")
                 .toObject()
                 .value(u"fields")
                 .toObject()
                 .value(u"channels")
                 .toString()
                 .contains(u"'fax' is not a channel"),
             fax.body.constData());
    QCOMPARE(choose(QJsonObject {{QStringLiteral("lunch"), QJsonArray()}}).status, 422);

    const RawResponse mailOnly
        = choose(QJsonObject {{QStringLiteral("assigned"), QJsonArray {u"email"_s}}});
    QCOMPARE(mailOnly.status, 200);
    QCOMPARE(mailOnly.json().value(u"available_channels").toArray(), QJsonArray {u"sms"_s});
    QCOMPARE(mailOnly.json().value(u"channels").toObject().value(u"assigned").toArray(),
             QJsonArray {u"email"_s});
    QCOMPARE(smsOfAssignment(openAndAssignToAmy(s, 1)), 0);

    QCOMPARE(choose(QJsonObject {{QStringLiteral("assigned"), QJsonArray {u"sms"_s}},
                                 {QStringLiteral("sla_warning"), QJsonArray()}})
                 .status,
             200);
    QCOMPARE(smsOfAssignment(openAndAssignToAmy(s, 2)), 1);

    // null: every channel again.
    const RawResponse cleared = choose(QJsonValue(QJsonValue::Null));
    QCOMPARE(cleared.status, 200);
    QCOMPARE(cleared.json().value(u"channels").toObject(), QJsonObject());
}

// Two servers on one PostgreSQL: amy's choice of channels, made through server A, rules the next
// notice server B writes (B had remembered her earlier reach); an absence recorded through A
// sends B's next assignment of hers on to her substitute.
void tst_Delivery::aUsersChangeOnOneServerIsHeardByTheOther()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("one server per SQLite file");
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    Server a, b;
    QString started = startWithPager(a, url, receiver.port(), true);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    started = startWithPager(b, url, receiver.port(), false);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const auto pagerRowsOf = [&](const RawResponse &assigned) -> qsizetype {
        return assigned.status != 200
            ? -1
            : rowsOf(b.server, assigned.json().value(u"id").toInteger(), QStringLiteral("pager"))
                  .size();
    };
    // B learns amy's reach: her phone, every channel.
    QCOMPARE(pagerRowsOf(openAndAssignToAmy(b, 1)), 1);

    const QJsonObject bellOnly {{QStringLiteral("assigned"), QJsonArray()}};
    QCOMPARE(a.amy
                 ->call("PATCH", QStringLiteral("/api/v1/me/preferences"),
                        QJsonObject {{QStringLiteral("channels"), bellOnly}})
                 .status,
             200);
    QTRY_COMPARE_WITH_TIMEOUT(b.server.auth().users().reachOf(QStringLiteral("amy")).channels,
                              QJsonValue(bellOnly), 5000);
    QCOMPARE(pagerRowsOf(openAndAssignToAmy(b, 2)), 0);

    // Away from now, root standing in: B hands her next assignment on at once.
    const QString until = b.clock.now().addDays(1).toString(Qt::ISODate);
    QCOMPARE(a.admin
                 ->call("PATCH", QStringLiteral("/api/v1/users/amy/away"),
                        QJsonObject {
                            {QStringLiteral("away"),
                             QJsonObject {{QStringLiteral("until"), until},
                                          {QStringLiteral("substitute"), QStringLiteral("root")}}}})
                 .status,
             200);
    const RawResponse assigned = openAndAssignToAmy(b, 3);
    QCOMPARE(assigned.status, 200);
    QCOMPARE(assigned.json().value(u"assignee").toString(), QStringLiteral("root"));
}

// SQLite has one writer lock, which a busy engine's group commits hold most of the time: the
// worker sends without it (the due rows read, not leased), sends a row once while its outcome
// cannot be written (the rows in hand are kept in memory), and writes the outcome once the
// lock is free. Failed before: the claim's UPDATE waited for the lock, nothing was sent.
void tst_Delivery::theWorkerSendsWhileAnotherWriterHoldsSqlitesLock()
{
    if (TestDatabase::currentDriver() != u"sqlite")
        QSKIP("PostgreSQL has no writer lock: its claims are leases (SKIP LOCKED)");
    START_WITH_HOOK(holder, receiver, s);
    const QString id = refusedOnce(s, receiver);
    QVERIFY(!id.isEmpty());
    {
        HeldWriterLock lock(s.server.database()->url().path);
        QVERIFY(lock.held());
        s.clock.advanceSeconds(1);
        QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(id.toUtf8()), 8000);
        // Rounds come and go meanwhile (every 50 ms), and the outcome waits for the lock.
        QTest::qWait(1500);
        QCOMPARE(receiver.countsById().value(id.toUtf8()), 1);
        QCOMPARE(entry(s.server, id)->status, QStringLiteral("pending"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(entry(s.server, id)->status, QStringLiteral("delivered"), 15000);
    QCOMPARE(entry(s.server, id)->attempts, 2);
    QTest::qWait(300);
    QCOMPARE(receiver.countsById().value(id.toUtf8()), 1);
    QCOMPARE(receiver.badSignatures(), 0);
}

// At least once without leases: a server stopped after a row was sent but before its outcome
// could be written (as kill -9 would, tst_deliveryprocess) sends it again after its restart,
// under the same id, and then settles it. Failed before: nothing was sent under the lock.
void tst_Delivery::aServerStoppedBeforeItsOutcomesWereWrittenSendsAgainUnderTheSameId()
{
    if (TestDatabase::currentDriver() != u"sqlite")
        QSKIP("PostgreSQL: a killed server's leases, tst_deliveryprocess");
    START_WITH_HOOK(holder, receiver, s);
    const QString id = refusedOnce(s, receiver);
    QVERIFY(!id.isEmpty());
    {
        HeldWriterLock lock(s.server.database()->url().path);
        QVERIFY(lock.held());
        s.clock.advanceSeconds(1);
        QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(id.toUtf8()), 8000);
        s.server.stop();
    }
    Server again;
    const QString started = startWithHook(again, url, receiver.port());
    QVERIFY2(started.isEmpty(), qPrintable(started));
    again.clock.advanceSeconds(1);
    QTRY_COMPARE_WITH_TIMEOUT(receiver.countsById().value(id.toUtf8()), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(entry(again.server, id)->status, QStringLiteral("delivered"), 10000);
    QCOMPARE(receiver.badSignatures(), 0);
}

QTEST_GUILESS_MAIN(tst_Delivery)
#include "tst_delivery.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Timed steps with the real `baton serve` on the wall clock: a ticket parked in a state whose
// `timeout:` takes a transition after 5 seconds; the server that wrote it is killed with
// SIGKILL before the instant and started again after it. The transition is taken once (one
// `timed_out`, one `transitioned`, one `closed`). On PostgreSQL a second server runs on the
// database all along: it takes the transition at its instant while the first is down, and
// the first, back, does not take it again.
#include "../ops/opsprocess.h"

#include "pgharness.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace Baton::Test;

namespace {

const QString adminPassword = QStringLiteral("admin-password-1");
constexpr int timeoutSeconds = 5;

/// The shipped org.yaml and one workflow whose only state gives up after the timeout.
bool writeWorkflows(const QTemporaryDir &dir)
{
    if (!QFile::copy(QStringLiteral(BATON_SOURCE_DIR "/workflows/org.yaml"),
                     dir.filePath(QStringLiteral("org.yaml"))))
        return false;
    const QByteArray parked = "workflow: parked\n"
                              "title: Parked request\n"
                              "initial: waiting\n"
                              "states:\n"
                              "  waiting:\n"
                              "    title: Waiting for the customer\n"
                              "    assignee: originator\n"
                              "    sla: pause\n"
                              "    timeout:\n"
                              "      - after: "
        + QByteArray::number(timeoutSeconds)
        + "s\n"
          "        calendar: always\n"
          "        take: give_up\n"
          "    on:\n"
          "      give_up: {to: closed}\n"
          "  closed: {final: true}\n";
    QFile file(dir.filePath(QStringLiteral("parked.yaml")));
    return file.open(QIODevice::WriteOnly) && file.write(parked) == parked.size();
}

/// The types of the ticket's events, oldest first (empty when the server does not answer).
QStringList eventTypes(ApiClient &admin, qint64 id)
{
    const RawResponse events
        = admin.call("GET", QStringLiteral("/api/v1/tickets/%1/events").arg(id));
    QStringList types;
    for (const QJsonValue &e : events.json().value(u"items").toArray())
        types.append(e[QLatin1String("type")].toString());
    return types;
}

} // namespace

class tst_TimedProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void killedBeforeTheTimeoutTakesItOnceAfterRestart();
};

void tst_TimedProcess::killedBeforeTheTimeoutTakesItOnceAfterRestart()
{
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    QTemporaryDir folder;
    QVERIFY(writeWorkflows(folder));
    const bool twoServers = TestDatabase::currentDriver() != u"sqlite";
    std::vector<std::unique_ptr<ServeProcess>> servers;
    const auto startServer = [&]() -> QString {
        auto server = std::make_unique<ServeProcess>();
        server->workflows = folder.path();
        server->environment.insert(QStringLiteral("BATON_ADMIN_PASSWORD"), adminPassword);
        QString error = server->start(url);
        servers.push_back(std::move(server));
        return error;
    };
    for (int n = 0; n < (twoServers ? 2 : 1); ++n) {
        const QString error = startServer();
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    ApiClient admin(servers.front()->port, QStringLiteral("admin"), adminPassword);
    // Started before the request: the server stamps the opening (and plans the timer from it)
    // before it answers, so a clock started after the answer would run late by the answer's
    // latency and call a punctual firing early.
    QElapsedTimer sinceOpened;
    sinceOpened.start();
    const RawResponse opened = admin.call(
        "POST", QStringLiteral("/api/v1/tickets"),
        {{QStringLiteral("workflow"), QStringLiteral("parked")},
         {QStringLiteral("title"), QStringLiteral("Parked until the customer answers")}});
    QVERIFY2(opened.status == 201, opened.body.constData());
    const qint64 id = opened.json().value(u"id").toInteger();
    servers.front()->kill(); // SIGKILL: no shutdown, the timer only in the database
    QVERIFY2(sinceOpened.elapsed() < timeoutSeconds * 1000,
             "killed after the timeout's instant: the machine is too slow for this test");

    if (twoServers) {
        // The other server takes the transition at its instant, the killed one being down.
        ApiClient other(servers.back()->port, QStringLiteral("admin"), adminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(eventTypes(other, id).contains(QStringLiteral("closed")), 30000);
        QVERIFY(sinceOpened.elapsed() >= timeoutSeconds * 1000);
    } else {
        QTest::qWait(int(qMax<qint64>(0, timeoutSeconds * 1000 + 500 - sinceOpened.elapsed())));
    }
    // Back after the instant: the timers missed while down fire at start (if still there).
    const QString restarted = startServer();
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    ApiClient back(servers.back()->port, QStringLiteral("admin"), adminPassword);
    QTRY_VERIFY_WITH_TIMEOUT(eventTypes(back, id).contains(QStringLiteral("closed")), 30000);
    QTest::qWait(1500); // a second firing would come now
    for (const auto &server : servers) {
        if (!server->isRunning())
            continue;
        ApiClient reader(server->port, QStringLiteral("admin"), adminPassword);
        const QStringList types = eventTypes(reader, id);
        QCOMPARE(types.count(QStringLiteral("timed_out")), 1);
        QCOMPARE(types.count(QStringLiteral("transitioned")), 1);
        QCOMPARE(types.count(QStringLiteral("closed")), 1);
    }
    for (const auto &server : servers)
        if (server->isRunning())
            QCOMPARE(server->stop(), 0);
}

QTEST_GUILESS_MAIN(tst_TimedProcess)
#include "tst_timedprocess.moc"

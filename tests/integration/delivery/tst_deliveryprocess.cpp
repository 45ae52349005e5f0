// SPDX-License-Identifier: GPL-3.0-or-later
// The real `baton serve`, with --plugins at the built plugins folder: SIGKILL after a commit
// and before its delivery loses nothing (delivered after the restart, once per id), on SQLite
// and PostgreSQL; a channel its plugin refuses stops start-up with FILE:LINE:COL.
#include "../ops/opsprocess.h"
#include "webhookreceiver.h"

#include "jumpqueueticket.h"
#include "pgharness.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton::Test;

namespace {

const QByteArray hookSecret = QByteArrayLiteral("s3cret-for-the-process");

/// The shipped workflows with `channels` as channels.yaml, in `dir`.
bool writeWorkflows(const QTemporaryDir &dir, const QByteArray &channels)
{
    const QDir shipped(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
    for (const QString &name : shipped.entryList({QStringLiteral("*.yaml")}, QDir::Files))
        if (!QFile::copy(shipped.filePath(name), dir.filePath(name)))
            return false;
    QFile file(dir.filePath(QStringLiteral("channels.yaml")));
    return file.open(QIODevice::WriteOnly) && file.write(channels) == channels.size();
}

QByteArray hookChannels(const QByteArray &url)
{
    return "channels:\n"
           "  ops-hook:\n"
           "    plugin: webhook\n"
           "    url: "
        + url
        + "\n"
          "    secret: ${TST_PROCESS_SECRET}\n"
          "    timeout_seconds: 30\n"
          "    events: [opened]\n";
}

/// `baton serve` arguments for the shipped workflows, written to `dir` with the ops-hook channel
/// aimed at `port`, and the built plugins; empty when the files could not be written.
QStringList hookServeFlags(const QTemporaryDir &dir, quint16 port)
{
    if (!writeWorkflows(
            dir, hookChannels(QStringLiteral("http://127.0.0.1:%1/hook").arg(port).toUtf8())))
        return {};
    return {QStringLiteral("--demo"), QStringLiteral("--workflows"), dir.path(),
            QStringLiteral("--plugins"), QStringLiteral(BATON_BUILD_DIR "/plugins")};
}

/// Ticket `n`, of customer C-`n`.
QJsonObject ticketBody(int n)
{
    return jumpQueueTicket(QStringLiteral("Killed %1").arg(n), QStringLiteral("C-%1").arg(n));
}

} // namespace

class tst_DeliveryProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void initTestCase() { qputenv("TST_PROCESS_SECRET", hookSecret); }
    void killedAfterCommitDeliversAfterRestartOncePerId();
    void otherServerDeliversWhatAKilledOneHeld();
    void channelThePluginRefusesStopsStartUpAtItsLine();
};

void tst_DeliveryProcess::killedAfterCommitDeliversAfterRestartOncePerId()
{
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret);
    receiver.setMode(WebhookReceiver::Mode::Down); // nothing can be delivered before the kill
    QTemporaryDir workflows;
    const QStringList flags = hookServeFlags(workflows, receiver.port());
    QVERIFY(!flags.isEmpty());

    QSet<QByteArray> ids;
    {
        ServeProcess server;
        const QString started = server.start(url, flags);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        // Start-up names the plugins it loaded, with their versions, and the channels.
        QVERIFY2(
            server.output.contains(QRegularExpression(QStringLiteral("plugins: +\\d+ loaded\n"))),
            qPrintable(server.output));
        QVERIFY2(server.output.contains(QRegularExpression(QStringLiteral("webhook +version \\d"))),
                 qPrintable(server.output));
        QVERIFY2(server.output.contains(QStringLiteral("ops-hook")), qPrintable(server.output));
        ApiClient amy(server.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
        for (int n = 0; n < 3; ++n) {
            const RawResponse opened
                = amy.call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(n));
            QCOMPARE(opened.status, 201); // committed
            ids.insert(QByteArray::number(opened.json().value(u"id").toInteger()) + ".1.ops-hook");
        }
        server.kill(); // SIGKILL: no shutdown, nothing flushed
        QVERIFY(receiver.acknowledged().isEmpty());
    }

    receiver.setMode(WebhookReceiver::Mode::Up);
    ServeProcess again;
    const QString restarted = again.start(url, flags);
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    // Rows that failed once before the kill are due 5 s after that try.
    QTRY_COMPARE_WITH_TIMEOUT(receiver.acknowledged(), ids, 30000);
    QTest::qWait(1500); // a repeat would come now
    const auto counts = receiver.countsById();
    QCOMPARE(counts.size(), ids.size());
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        QVERIFY2(it.value() == 1, it.key().constData());
    QCOMPARE(receiver.badSignatures(), 0);
    QCOMPARE(again.stop(), 0);
}

void tst_DeliveryProcess::channelThePluginRefusesStopsStartUpAtItsLine()
{
    if (TestDatabase::currentDriver() != u"sqlite")
        QSKIP("start-up stops before the database matters");
    QTemporaryDir workflows;
    QVERIFY(writeWorkflows(workflows, hookChannels("ftp://files.example.com/drop")));
    const CommandRun run
        = runBaton({QStringLiteral("serve"), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                    QStringLiteral("sqlite:") + workflows.filePath(QStringLiteral("b.db")),
                    QStringLiteral("--workflows"), workflows.path(), QStringLiteral("--plugins"),
                    QStringLiteral(BATON_BUILD_DIR "/plugins")});
    QCOMPARE(run.exitCode, 1);
    const QString expected = workflows.filePath(QStringLiteral("channels.yaml"))
        + QStringLiteral(":2:3: error: channel 'ops-hook': 'url' must be an http:// or https:// "
                         "address");
    QVERIFY2(run.err.contains(expected) || run.out.contains(expected),
             qPrintable(run.err + run.out));
}

// Two `baton serve` on one PostgreSQL. While the receiver is up, each delivery is claimed and
// sent by one of them, once. Then a server is killed (SIGKILL) while it holds the lease of a
// delivery it is still sending (the receiver does not answer): the server left running sends it
// once the dead server's database session is gone — within seconds, not when the lease would
// run out (5 minutes) nor at its next once-a-minute look.
void tst_DeliveryProcess::otherServerDeliversWhatAKilledOneHeld()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("one server per SQLite file");
    TestDatabase holder;
    BATON_FRESH_DATABASE(holder, url);
    WebhookReceiver receiver(hookSecret, 600000); // slow: never answers while the test runs
    QTemporaryDir workflows;
    const QStringList flags = hookServeFlags(workflows, receiver.port());
    QVERIFY(!flags.isEmpty());
    ServeProcess a, b;
    QString started = a.start(url, flags);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    started = b.start(url, flags);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    ApiClient amyOnA(a.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    ApiClient amyOnB(b.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    const auto open = [&](ApiClient &client, int n) -> QByteArray {
        const RawResponse opened
            = client.call("POST", QStringLiteral("/api/v1/tickets"), ticketBody(n));
        return opened.status == 201
            ? QByteArray::number(opened.json().value(u"id").toInteger()) + ".1.ops-hook"
            : QByteArray();
    };

    QSet<QByteArray> ids;
    for (int n = 0; n < 6; ++n)
        ids.insert(open(n % 2 ? amyOnA : amyOnB, n));
    QVERIFY(!ids.contains(QByteArray()));
    QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(ids), 20000);

    // A's commit wakes A's worker at once (B only polls each second): A claims and sends it.
    receiver.setMode(WebhookReceiver::Mode::Slow);
    const QByteArray held = open(amyOnA, 6);
    QVERIFY(!held.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(receiver.countsById().value(held) == 1, 10000);
    a.kill();
    receiver.setMode(WebhookReceiver::Mode::Up);
    ids.insert(held);
    QTRY_VERIFY_WITH_TIMEOUT(receiver.acknowledged().contains(held), 20000);

    QTest::qWait(1500); // a repeat would come now
    // Each sent once; the held one twice: the killed server's try, cut off, and the other's.
    const auto counts = receiver.countsById();
    for (const QByteArray &id : std::as_const(ids))
        QVERIFY2(counts.value(id) == (id == held ? 2 : 1), id.constData());
    QCOMPARE(receiver.badSignatures(), 0);
    QCOMPARE(b.stop(), 0);
}

QTEST_GUILESS_MAIN(tst_DeliveryProcess)
#include "tst_deliveryprocess.moc"

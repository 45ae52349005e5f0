// SPDX-License-Identifier: GPL-3.0-or-later
// The engine service end to end on a real database file (SQLite) and a real PostgreSQL server.
#include "enginefixture.h"
#include "pgharness.h"
#include "storedticket.h"

#include "core/clock.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QTest>
#include <QThread>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>

using namespace Baton;
using namespace Baton::Test;

namespace {

struct Harness
{
    std::shared_ptr<Database> database;
    std::shared_ptr<const Organisation> org;
    FakeClock clock {QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC)};
    std::unique_ptr<Engine> engine;
    EngineOptions tuning; ///< the light-load wait of the engine start() makes

    QString start(const QString &url, const char *workflowText = repairV1,
                  int cacheLimit = EngineOptions().cacheLimit)
    {
        auto db = Database::open(url);
        if (!db)
            return db.error();
        database = db.value();
        if (auto migrated = Schema::migrate(*database); !migrated)
            return migrated.error();
        org = testOrganisation();
        EngineOptions options;
        options.database = database;
        options.organisation = org;
        options.clock = &clock;
        options.cacheLimit = cacheLimit;
        options.lightLoadWaitMicroseconds = tuning.lightLoadWaitMicroseconds;
        options.lightLoadGroup = tuning.lightLoadGroup;
        auto started = Engine::start(options);
        if (!started)
            return started.error();
        engine = std::move(started.value());
        auto wf = testWorkflow(*org, workflowText);
        if (!wf)
            return QStringLiteral("test workflow does not load");
        auto published = engine->publish({wf}, QStringLiteral("admin"));
        if (!published)
            return published.error();
        return {};
    }

    OpenRequest request(const QString &title = QStringLiteral("Cracked screen")) const
    {
        OpenRequest r;
        r.title = title;
        r.fields.insert(QStringLiteral("device"), QStringLiteral("phone-123"));
        r.customer.id = QStringLiteral("C-1");
        r.customer.tier = QStringLiteral("A");
        r.channel = QStringLiteral("counter");
        return r;
    }
};

QString describe(const CommandResult &r)
{
    if (r.ok())
        return {};
    if (r.failure().kind != ErrorKind::Internal)
        return QStringLiteral("rules: %1").arg(r.error());
    return r.error();
}

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void ticketLifecycleThroughTheEngine();
    void refusedCommandWritesNothing();
    void openIsIdempotentPerKey();
    void hundredThreadsRacingOneActionHaveOneWinner();
    void ticketFinishesOnTheVersionItOpenedWith();
    void listRespectsVisibilityAndPaginates();
    void searchReadsDocumentsBeforeAndAfterTheyAreIndexed();
    void committedActionsSurviveSigkill();
    void twoEnginesSharingPostgreSqlStayCoherent();
    void smallCacheForgetsOldTicketsNotTheirChanges();
    void refusedRowFailsOnlyItsOwnCommand();
    void commandsArrivingAtLightLoadShareOneCommit();

private:
    TestDatabase m_databases;
};

void TestEngine::ticketLifecycleThroughTheEngine()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const Actor bob = backOffice(*h.org);
    const Actor ben = backOffice(*h.org, QStringLiteral("ben"));

    CommandResult opened = h.engine->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY2(opened.ok(), qPrintable(describe(opened)));
    const qint64 id = opened->ticket.id;
    QVERIFY(id > 0);
    QCOMPARE(opened->ticket.state, QStringLiteral("intake"));
    QCOMPARE(opened->ticket.queue, QStringLiteral("front"));
    QCOMPARE(opened->ticket.workflowVersion, 1);

    h.clock.advanceSeconds(60);
    CommandResult claimed = h.engine->claim(amy, id);
    QVERIFY2(claimed.ok(), qPrintable(describe(claimed)));
    QCOMPARE(claimed->ticket.assignee, QStringLiteral("amy"));

    CommandResult commented = h.engine->comment(amy, id, QStringLiteral("Customer waits"));
    QVERIFY2(commented.ok(), qPrintable(describe(commented)));

    ActionRequest accept;
    accept.name = QStringLiteral("accept");
    CommandResult accepted = h.engine->takeAction(amy, id, accept);
    QVERIFY2(accepted.ok(), qPrintable(describe(accepted)));
    QCOMPARE(accepted->ticket.state, QStringLiteral("fixing"));
    QCOMPARE(accepted->ticket.queue, QStringLiteral("backoffice"));

    CommandResult assigned = h.engine->assign(bob, id, ben);
    QVERIFY2(assigned.ok(), qPrintable(describe(assigned)));
    QCOMPARE(assigned->ticket.assignee, QStringLiteral("ben"));

    CommandResult transferred
        = h.engine->transfer(ben, id, QStringLiteral("front"), QStringLiteral("wrong desk"));
    QVERIFY2(transferred.ok(), qPrintable(describe(transferred)));
    QCOMPARE(transferred->ticket.queue, QStringLiteral("front"));
    QCOMPARE(transferred->ticket.handoffs, 1);

    // Read back through the engine's read side (another connection).
    auto view = h.engine->ticket(id, amy);
    QVERIFY(view.ok());
    QCOMPARE(view->ticket, transferred->ticket);
    QCOMPARE(view->stateTitle.text(Language::En), QStringLiteral("Fixing"));
    // A write's answer shows the ticket as the read does (Engine::view, one TicketView).
    for (const Actor &who : {amy, ben}) {
        const TicketView afterWrite = h.engine->view(transferred->ticket, who);
        const auto read = h.engine->ticket(id, who);
        QVERIFY(read.ok());
        QVERIFY(afterWrite.workflow);
        QCOMPARE(afterWrite.stateTitle, read->stateTitle);
        QCOMPARE(afterWrite.actions, read->actions);
        QCOMPARE(afterWrite.transferTargets, read->transferTargets);
        QCOMPARE(afterWrite.internalNotes, read->internalNotes);
        QVERIFY(afterWrite.transferTargets.contains(QString()));
    }

    auto events = h.engine->events(id, amy);
    QVERIFY(events.ok());
    QStringList types;
    for (const Event &e : *events)
        types << e.type;
    QCOMPARE(types.first(), QStringLiteral("opened"));
    QVERIFY(types.contains(QStringLiteral("claimed")));
    QVERIFY(types.contains(QStringLiteral("commented")));
    QVERIFY(types.contains(QStringLiteral("transitioned")));
    QVERIFY(types.contains(QStringLiteral("assigned")));
    QVERIFY(types.contains(QStringLiteral("transferred")));
    QCOMPARE(qint64(types.size()), transferred->ticket.version);
    // The row is the projection of its log.
    QCOMPARE(replay(id, *events), transferred->ticket);

    // Someone who never had anything to do with it does not see it.
    const Actor stranger
        = resolveActor(*h.org, QStringLiteral("zed"), {QStringLiteral("agent")}, {});
    auto hidden = h.engine->ticket(id, stranger);
    QVERIFY(!hidden.ok());
    QCOMPARE(hidden.failure().kind, ErrorKind::NotFound);

    // The permission alone (routes that need no view): the same answer, the same ticket.
    for (const Actor &who : {amy, ben}) {
        const auto visible = h.engine->visibleTicket(id, who);
        QVERIFY2(visible.ok(), qPrintable(who.username));
        QCOMPARE(*visible, transferred->ticket);
    }
    const auto notVisible = h.engine->visibleTicket(id, stranger);
    QVERIFY(!notVisible.ok());
    QCOMPARE(notVisible.failure().kind, ErrorKind::NotFound);
    const auto absent = h.engine->visibleTicket(id + 1000, amy);
    QVERIFY(!absent.ok());
    QCOMPARE(absent.failure().kind, ErrorKind::NotFound);
}

void TestEngine::refusedCommandWritesNothing()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    CommandResult opened = h.engine->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY(opened.ok());
    const qint64 id = opened->ticket.id;

    ActionRequest fixed; // not offered in intake
    fixed.name = QStringLiteral("fixed");
    CommandResult refused = h.engine->takeAction(amy, id, fixed);
    QVERIFY(!refused.ok() && refused.failure().kind != ErrorKind::Internal);
    QVERIFY(refused.failure().kind != ErrorKind::Internal);

    OpenRequest missingDevice = h.request();
    missingDevice.fields.clear();
    CommandResult notOpened = h.engine->open(amy, QStringLiteral("repair"), missingDevice);
    QVERIFY(!notOpened.ok() && notOpened.failure().kind != ErrorKind::Internal);
    QCOMPARE(notOpened.failure().kind, ErrorKind::Validation);
    QVERIFY(notOpened.failure().fields.contains(QStringLiteral("device")));

    CommandResult noSuchTicket = h.engine->claim(amy, id + 1000);
    QVERIFY(!noSuchTicket.ok() && noSuchTicket.failure().kind != ErrorKind::Internal);
    QCOMPARE(noSuchTicket.failure().kind, ErrorKind::NotFound);

    QCOMPARE(storedEvents(*h.database, id).size(), 1);
    QCOMPARE(storedTicket(*h.database, id), opened->ticket);
    auto db = h.database->connection();
    auto count = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM tickets"));
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), 1);
}

void TestEngine::openIsIdempotentPerKey()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const QString key = QStringLiteral("k-123");
    CommandResult first = h.engine->open(amy, QStringLiteral("repair"), h.request(), key);
    QVERIFY2(first.ok(), qPrintable(describe(first)));
    QVERIFY(!first->replayed);

    CommandResult retry = h.engine->open(amy, QStringLiteral("repair"), h.request(), key);
    QVERIFY2(retry.ok(), qPrintable(describe(retry)));
    QVERIFY(retry->replayed);
    QCOMPARE(retry->ticket, first->ticket);

    CommandResult other = h.engine->open(amy, QStringLiteral("repair"),
                                         h.request(QStringLiteral("Another title")), key);
    QVERIFY(!other.ok() && other.failure().kind != ErrorKind::Internal);
    QCOMPARE(other.failure().kind, ErrorKind::Conflict);

    // Another user's same key is theirs alone.
    CommandResult alan = h.engine->open(agent(*h.org, QStringLiteral("alan")),
                                        QStringLiteral("repair"), h.request(), key);
    QVERIFY(alan.ok());
    QVERIFY(!alan->replayed);
    QVERIFY(alan->ticket.id != first->ticket.id);

    // Same key twice in one batch: asynchronous submissions land in the same group commit.
    std::atomic<int> done {0};
    std::mutex mutex;
    QList<CommandResult> results;
    for (int i = 0; i < 2; ++i)
        h.engine->open(amy, QStringLiteral("repair"), h.request(QStringLiteral("Batch")),
                       QStringLiteral("k-batch"), [&](CommandResult r) {
                           std::lock_guard lock(mutex);
                           results.append(std::move(r));
                           ++done;
                       });
    h.engine.reset(); // drains the queue
    QCOMPARE(results.size(), 2);
    QVERIFY(results[0].ok() && results[1].ok());
    QCOMPARE(results[0]->ticket.id, results[1]->ticket.id);
}

void TestEngine::hundredThreadsRacingOneActionHaveOneWinner()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    CommandResult opened = h.engine->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY(opened.ok());
    const qint64 id = opened->ticket.id;

    std::atomic<int> winners {0}, refused {0}, failed {0};
    QList<QThread *> threads;
    std::atomic<bool> go {false};
    for (int i = 0; i < 100; ++i) {
        threads.append(QThread::create([&] {
            while (!go.load())
                QThread::yieldCurrentThread();
            ActionRequest accept;
            accept.name = QStringLiteral("accept");
            accept.expectedVersion = opened->ticket.version;
            CommandResult r = h.engine->takeAction(amy, id, accept);
            if (r.ok())
                ++winners;
            else if (r.failure().kind != ErrorKind::Internal)
                ++refused;
            else
                ++failed;
        }));
        threads.last()->start();
    }
    go = true;
    for (QThread *t : threads) {
        t->wait();
        delete t;
    }
    QCOMPARE(winners.load(), 1);
    QCOMPARE(refused.load(), 99);
    QCOMPARE(failed.load(), 0);
    int transitions = 0;
    for (const Event &e : storedEvents(*h.database, id))
        transitions += e.type == u"transitioned" ? 1 : 0;
    QCOMPARE(transitions, 1);
}

void TestEngine::ticketFinishesOnTheVersionItOpenedWith()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const Actor bob = backOffice(*h.org);
    ActionRequest accept;
    accept.name = QStringLiteral("accept");
    ActionRequest fixed;
    fixed.name = QStringLiteral("fixed");
    fixed.fields.insert(QStringLiteral("note"), QStringLiteral("new screen"));

    CommandResult old = h.engine->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY(old.ok());
    QCOMPARE(old->ticket.workflowVersion, 1);
    QVERIFY(h.engine->takeAction(amy, old->ticket.id, accept).ok());

    auto v2 = testWorkflow(*h.org, repairV2);
    QVERIFY(v2);
    auto published = h.engine->publish({v2});
    QVERIFY(published.ok());
    QCOMPARE(published->current.value(QStringLiteral("repair")), 2);
    QCOMPARE(published->published, QStringList {QStringLiteral("repair")});
    // Publishing the same text again changes nothing.
    auto again = h.engine->publish({v2});
    QVERIFY(again.ok());
    QVERIFY(again->published.isEmpty());
    QCOMPARE(again->current.value(QStringLiteral("repair")), 2);

    CommandResult fresh = h.engine->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY(fresh.ok());
    QCOMPARE(fresh->ticket.workflowVersion, 2);
    QVERIFY(h.engine->takeAction(amy, fresh->ticket.id, accept).ok());

    CommandResult oldDone = h.engine->takeAction(bob, old->ticket.id, fixed);
    QVERIFY2(oldDone.ok(), qPrintable(describe(oldDone)));
    QCOMPARE(oldDone->ticket.state, QStringLiteral("closed"));
    QCOMPARE(oldDone->ticket.workflowVersion, 1);

    CommandResult freshFixed = h.engine->takeAction(bob, fresh->ticket.id, fixed);
    QVERIFY(freshFixed.ok());
    QCOMPARE(freshFixed->ticket.state, QStringLiteral("check"));

    // A new engine (a restart) parses version 1 from the stored source.
    h.engine.reset();
    EngineOptions options;
    options.database = h.database;
    options.organisation = h.org;
    options.clock = &h.clock;
    auto restarted = Engine::start(options);
    QVERIFY(restarted.ok());
    QCOMPARE((*restarted)->currentVersions().value(QStringLiteral("repair")), 2);
    auto v1 = (*restarted)->workflow(QStringLiteral("repair"), 1);
    QVERIFY(v1.ok());
    QVERIFY(!(*v1)->state(QStringLiteral("check")));
    CommandResult second = (*restarted)->open(amy, QStringLiteral("repair"), h.request());
    QVERIFY(second.ok());
    QCOMPARE(second->ticket.workflowVersion, 2);
}

void TestEngine::listRespectsVisibilityAndPaginates()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const Actor bob = backOffice(*h.org);
    QList<qint64> ids;
    // Titles told apart by a word (every ticket's fields hold digits: "phone-123").
    const QStringList names {QStringLiteral("alpha"),   QStringLiteral("bravo"),
                             QStringLiteral("charlie"), QStringLiteral("delta"),
                             QStringLiteral("echo"),    QStringLiteral("foxtrot"),
                             QStringLiteral("golf")};
    for (int i = 0; i < 7; ++i) {
        h.clock.advanceSeconds(10);
        CommandResult r = h.engine->open(amy, QStringLiteral("repair"),
                                         h.request(QStringLiteral("Ticket ") + names[i]));
        QVERIFY(r.ok());
        ids << r->ticket.id;
    }
    TicketFilter filter;
    filter.queue = QStringLiteral("front");
    filter.sort = TicketFilter::Sort::CreatedDesc;
    filter.limit = 3;
    QList<qint64> seen;
    for (int page = 0; page < 5; ++page) {
        auto result = h.engine->tickets(filter, amy);
        QVERIFY(result.ok());
        for (const TicketState &t : result->items)
            seen << t.id;
        if (result->nextCursor.isEmpty())
            break;
        filter.cursor = result->nextCursor;
    }
    QList<qint64> expected(ids.crbegin(), ids.crend());
    QCOMPARE(seen, expected);

    // The back office has never had these tickets.
    TicketFilter all;
    auto hidden = h.engine->tickets(all, bob);
    QVERIFY(hidden.ok());
    QVERIFY(hidden->items.isEmpty());

    // Text search: every word must be found, in any case.
    TicketFilter text;
    text.text = QStringLiteral("DELTA ticket");
    auto found = h.engine->tickets(text, amy);
    QVERIFY(found.ok());
    QCOMPARE(found->items.size(), 1);
    QCOMPARE(found->items.first().id, ids[3]);
}

// SQLite keeps a batch's search documents aside until a few hundred have gathered (migration
// 18): a search finds a document the moment it is committed, whether it waits or was indexed,
// and a ticket's newer document stands in for its indexed one.
void TestEngine::searchReadsDocumentsBeforeAndAfterTheyAreIndexed()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    // Version 1 of the repair, whose fix may also correct the device.
    const QByteArray workflow
        = QByteArray(repairV1).replace("fixed: {to: closed, requires: [note]}",
                                       "fixed: {to: closed, requires: [note], fields: [device]}");
    QVERIFY(workflow != QByteArray(repairV1));
    const QString started = h.start(url, workflow.constData());
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const Actor bob = backOffice(*h.org);
    auto found = [&](const QString &text, const Actor &who) {
        TicketFilter filter;
        filter.text = text;
        QList<qint64> ids;
        auto page = h.engine->tickets(filter, who);
        if (page.ok())
            for (const TicketState &t : page->items)
                ids << t.id;
        return ids;
    };
    CommandResult quokka
        = h.engine->open(amy, QStringLiteral("repair"), h.request(QStringLiteral("Ticket quokka")));
    QVERIFY2(quokka.ok(), qPrintable(describe(quokka)));
    const qint64 id = quokka->ticket.id;
    QVERIFY(h.engine->comment(amy, id, QStringLiteral("Mrs Platypus called")).ok());
    QCOMPARE(found(QStringLiteral("quokka"), amy), QList<qint64> {id});
    QCOMPARE(found(QStringLiteral("platypus"), amy), QList<qint64> {id});
    QCOMPARE(found(QStringLiteral("ok"), amy), QList<qint64> {id}); // two letters: a scan

    // Enough other tickets that every document so far has moved into the index.
    for (int i = 0; i < 300; ++i)
        QVERIFY(
            h.engine
                ->open(amy, QStringLiteral("repair"), h.request(QStringLiteral("Filler %1").arg(i)))
                .ok());
    QCOMPARE(found(QStringLiteral("quokka"), amy), QList<qint64> {id});
    QCOMPARE(found(QStringLiteral("platypus"), amy), QList<qint64> {id});
    QCOMPARE(found(QStringLiteral("quokka phone-123"), amy), QList<qint64> {id});

    // The indexed document still says phone-123; the ticket no longer does.
    ActionRequest accept;
    accept.name = QStringLiteral("accept");
    QVERIFY(h.engine->takeAction(amy, id, accept).ok());
    ActionRequest fixed;
    fixed.name = QStringLiteral("fixed");
    fixed.fields.insert(QStringLiteral("note"), QStringLiteral("kangaroo"));
    fixed.fields.insert(QStringLiteral("device"), QStringLiteral("tablet"));
    CommandResult done = h.engine->takeAction(bob, id, fixed);
    QVERIFY2(done.ok(), qPrintable(describe(done)));
    QCOMPARE(found(QStringLiteral("quokka kangaroo tablet"), bob), QList<qint64> {id});
    QCOMPARE(found(QStringLiteral("quokka phone-123"), bob), QList<qint64> {});
    QCOMPARE(found(QStringLiteral("ok"), bob), QList<qint64> {id});
}

// ---- crash consistency ----------------------------------------------------------------------

namespace {

// Runs in the child: opens tickets and takes actions from several threads as fast as the
// engine allows, printing "committed ID VERSION" after each acknowledged write.
int crashChild(const QString &url)
{
    Harness h;
    const QString started = h.start(url);
    if (!started.isEmpty()) {
        std::fprintf(stderr, "child: %s\n", qPrintable(started));
        return 1;
    }
    std::mutex out;
    auto report = [&](const CommandResult &r) {
        if (!r.ok())
            return;
        std::lock_guard lock(out);
        std::printf("committed %lld %lld\n", qlonglong(r->ticket.id), qlonglong(r->ticket.version));
        std::fflush(stdout);
    };
    const Actor amy = agent(*h.org);
    const Actor bob = backOffice(*h.org);
    QList<QThread *> threads;
    for (int t = 0; t < 8; ++t) {
        threads.append(QThread::create([&, t] {
            for (int i = 0;; ++i) {
                CommandResult opened
                    = h.engine->open(amy, QStringLiteral("repair"),
                                     h.request(QStringLiteral("crash %1-%2").arg(t).arg(i)));
                report(opened);
                if (!opened.ok())
                    continue;
                const qint64 id = opened->ticket.id;
                report(h.engine->claim(amy, id));
                report(h.engine->comment(amy, id, QStringLiteral("note %1").arg(i)));
                ActionRequest accept;
                accept.name = QStringLiteral("accept");
                report(h.engine->takeAction(amy, id, accept));
                report(h.engine->claim(bob, id));
            }
        }));
        threads.last()->start();
    }
    for (QThread *t : threads)
        t->wait(); // never returns: the parent kills us
    return 0;
}

} // namespace

void TestEngine::committedActionsSurviveSigkill()
{
    BATON_FRESH_DATABASE(m_databases, url);
    {
        // Migrate in the parent so the child starts straight away.
        auto db = Database::open(url);
        QVERIFY(db.ok());
        QVERIFY(Schema::migrate(**db).ok());
    }
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--crash-child"), url});
    QVERIFY(child.waitForStarted());
    QHash<qint64, qint64> committed; // ticket → highest acknowledged version
    int lines = 0;
    QByteArray buffer;
    while (lines < 400 && child.state() == QProcess::Running) {
        if (!child.waitForReadyRead(60000))
            break;
        buffer += child.readAllStandardOutput();
        qsizetype newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
            const QList<QByteArray> parts = buffer.left(newline).split(' ');
            buffer.remove(0, newline + 1);
            if (parts.size() == 3 && parts[0] == "committed") {
                const qint64 id = parts[1].toLongLong();
                committed[id] = std::max(committed.value(id), parts[2].toLongLong());
                ++lines;
            }
        }
    }
    child.kill(); // SIGKILL, mid-load
    child.waitForFinished();
    QVERIFY2(lines >= 400, "the child did not report enough commits");

    auto reopened = Database::open(url);
    QVERIFY(reopened.ok());
    Database &database = **reopened;
    for (auto it = committed.cbegin(); it != committed.cend(); ++it) {
        const TicketState stored = storedTicket(database, it.key());
        QVERIFY2(stored.id == it.key(), qPrintable(QStringLiteral("ticket %1 lost").arg(it.key())));
        QVERIFY2(
            stored.version >= it.value(),
            qPrintable(QStringLiteral("ticket %1 lost version %2").arg(it.key()).arg(it.value())));
    }
    auto db = database.connection();
    auto ids = TicketReader::ticketIds(*db);
    QVERIFY(ids.ok());
    QVERIFY(ids->size() >= committed.size());
    for (qint64 id : std::as_const(*ids)) {
        const QList<Event> events = storedEvents(database, id);
        QCOMPARE(replay(id, events), storedTicket(database, id));
    }
}

// Two servers on one PostgreSQL database, each with its own writer and ticket cache: ticket
// ids never collide, an action taken on one server is seen by the other's next command, and
// concurrent changes of the same tickets from both are all applied, each exactly once (a batch
// built on a version the other server has replaced is built again, not failed).
void TestEngine::twoEnginesSharingPostgreSqlStayCoherent()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("one server per SQLite file: only PostgreSQL is shared between servers");
    BATON_FRESH_DATABASE(m_databases, url);
    Harness first, second;
    QString started = first.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    started = second.start(url); // publishes nothing new: same workflow text
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*first.org);

    // Ids: both servers open tickets at once; each id is used once.
    QList<qint64> ids;
    std::mutex idsMutex;
    // Runs work(t) on `count` threads at once, t = 0 .. count-1, the even ones against the first
    // server and the odd ones against the second; returns when all are done.
    auto onBothServers = [&](int count, const std::function<void(Engine &, int)> &work) {
        QList<QThread *> threads;
        for (int t = 0; t < count; ++t) {
            Engine *engine = (t % 2 ? second : first).engine.get();
            threads.append(QThread::create([&work, engine, t] { work(*engine, t); }));
            threads.last()->start();
        }
        for (QThread *thread : std::as_const(threads)) {
            thread->wait();
            delete thread;
        }
    };
    onBothServers(8, [&](Engine &engine, int) {
        for (int i = 0; i < 10; ++i) {
            CommandResult r = engine.open(amy, QStringLiteral("repair"), first.request());
            std::lock_guard lock(idsMutex);
            ids.append(r.ok() ? r->ticket.id : -1);
        }
    });
    QCOMPARE(ids.size(), 80);
    QVERIFY(!ids.contains(-1));
    QCOMPARE(QSet<qint64>(ids.cbegin(), ids.cend()).size(), 80);

    // A ticket the first server has cached, moved on by the second: the first server's next
    // command sees the new version (no conflict on a stale copy).
    const qint64 moved = ids.first();
    const TicketState before = storedTicket(*first.database, moved);
    ActionRequest accept;
    accept.name = QStringLiteral("accept");
    accept.expectedVersion = before.version;
    CommandResult accepted = second.engine->takeAction(amy, moved, accept);
    QVERIFY2(accepted.ok(), qPrintable(describe(accepted)));
    ActionRequest fixed;
    fixed.name = QStringLiteral("fixed");
    fixed.fields.insert(QStringLiteral("note"), QStringLiteral("new glass"));
    fixed.expectedVersion = accepted->ticket.version;
    CommandResult done = first.engine->takeAction(backOffice(*first.org), moved, fixed);
    QVERIFY2(done.ok(), qPrintable(describe(done)));
    QCOMPARE(done->ticket.state, QStringLiteral("closed"));

    // Both servers comment on the same five tickets at once, until their batches have crossed.
    const QList<qint64> hot = ids.mid(1, 5);
    std::atomic<int> succeeded {0}, refused {0};
    int rounds = 0;
    auto retried = [&] { return first.engine->stats().retried + second.engine->stats().retried; };
    while (retried() == 0 && rounds < 20) {
        ++rounds;
        onBothServers(16, [&](Engine &engine, int t) {
            for (int i = 0; i < 20; ++i) {
                CommandResult r = engine.comment(amy, hot[(t + i) % hot.size()],
                                                 QStringLiteral("note %1/%2").arg(t).arg(i));
                ++(r.ok() ? succeeded : refused);
            }
        });
    }
    QCOMPARE(refused.load(), 0);
    QCOMPARE(succeeded.load(), rounds * 16 * 20);
    QVERIFY2(retried() > 0, "the two servers' batches never crossed");

    // Every comment once, every row equal to the replay of its events.
    int comments = 0;
    for (qint64 id : std::as_const(ids)) {
        const QList<Event> events = storedEvents(*first.database, id);
        for (qsizetype i = 0; i < events.size(); ++i)
            QCOMPARE(events[i].seq, qint64(i + 1));
        for (const Event &e : events)
            comments += e.type == u"commented" ? 1 : 0;
        QCOMPARE(replay(id, events), storedTicket(*first.database, id));
    }
    QCOMPARE(comments, rounds * 16 * 20);
}

// The writer keeps a bounded number of tickets: with room for eight, forty tickets worked at
// once by many threads still get every change, in order, and the cache stays within its limit.
void TestEngine::smallCacheForgetsOldTicketsNotTheirChanges()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url, repairV1, 8);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org), bob = backOffice(*h.org);
    std::atomic<int> failures {0};
    QList<QThread *> threads;
    for (int t = 0; t < 8; ++t) {
        threads.append(QThread::create([&] {
            for (int i = 0; i < 5; ++i) {
                CommandResult opened = h.engine->open(amy, QStringLiteral("repair"), h.request());
                ActionRequest accept;
                accept.name = QStringLiteral("accept");
                accept.expectedVersion = opened->ticket.version;
                CommandResult accepted = h.engine->takeAction(amy, opened->ticket.id, accept);
                CommandResult noted
                    = h.engine->comment(bob, opened->ticket.id, QStringLiteral("on it"), true);
                ActionRequest fixed;
                fixed.name = QStringLiteral("fixed");
                fixed.fields.insert(QStringLiteral("note"), QStringLiteral("done"));
                fixed.expectedVersion = noted->ticket.version;
                CommandResult done = h.engine->takeAction(bob, opened->ticket.id, fixed);
                if (!opened.ok() || !accepted.ok() || !noted.ok() || !done.ok()
                    || done->ticket.state != u"closed")
                    ++failures;
            }
        }));
        threads.last()->start();
    }
    for (QThread *t : std::as_const(threads)) {
        t->wait();
        delete t;
    }
    QCOMPARE(failures.load(), 0);
    // Tickets of batches still in flight are never dropped: the cache may pass its limit by
    // those (two batches of at most eight commands here), never hold all forty.
    QVERIFY2(h.engine->stats().cached <= 8 + 2 * 8,
             qPrintable(QString::number(h.engine->stats().cached)));
    auto db = h.database->connection();
    auto ids = TicketReader::ticketIds(*db);
    QVERIFY(ids.ok());
    QCOMPARE(ids->size(), 40);
    for (qint64 id : std::as_const(*ids)) {
        const QList<Event> events = storedEvents(*h.database, id);
        const TicketState stored = storedTicket(*h.database, id);
        QCOMPARE(stored.state, QStringLiteral("closed"));
        QCOMPARE(replay(id, events), stored);
    }
}

// A command whose rows the database refuses fails alone: here a comment holding U+0000, which
// neither database stores (the API refuses it at the edge; the engine must not rely on that).
// Its batch is committed again without it, so twelve clients writing at the same time see
// every write succeed, stored once, and only the poison's caller gets the error.
void TestEngine::refusedRowFailsOnlyItsOwnCommand()
{
    BATON_FRESH_DATABASE(m_databases, url);
    Harness h;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    constexpr int clients = 12, perRound = 10;
    QList<qint64> tickets;
    for (int i = 0; i <= clients; ++i) {
        CommandResult opened = h.engine->open(amy, QStringLiteral("repair"), h.request());
        QVERIFY2(opened.ok(), qPrintable(describe(opened)));
        tickets.append(opened->ticket.id);
    }
    const qint64 poisoned = tickets.takeLast();
    const QString poison = QString::fromUtf8("before\0after", 12);
    std::atomic<int> goodFailed {0}, poisonStored {0}, poisonRefused {0};
    std::mutex failureMutex;
    QString goodFailure, poisonError;
    int rounds = 0;
    // Rounds until a batch with the poison and good writes was split (nearly always the first).
    do {
        ++rounds;
        QList<QThread *> threads;
        for (int t = 0; t <= clients; ++t) {
            threads.append(QThread::create([&, t] {
                for (int i = 0; i < perRound; ++i) {
                    if (t == clients) {
                        CommandResult r = h.engine->comment(amy, poisoned, poison, false);
                        ++(r.ok() ? poisonStored : poisonRefused);
                        std::lock_guard lock(failureMutex);
                        if (!r.ok())
                            poisonError = describe(r);
                        continue;
                    }
                    CommandResult r = h.engine->comment(
                        amy, tickets[t], QStringLiteral("note %1/%2").arg(rounds).arg(i), false);
                    if (!r.ok()) {
                        ++goodFailed;
                        std::lock_guard lock(failureMutex);
                        goodFailure = describe(r);
                    }
                }
            }));
            threads.last()->start();
        }
        for (QThread *thread : std::as_const(threads)) {
            thread->wait();
            delete thread;
        }
    } while (h.engine->stats().split == 0 && rounds < 10);
    QVERIFY2(h.engine->stats().split > 0, "the poison never shared a batch with good writes");
    QVERIFY2(goodFailed.load() == 0,
             qPrintable(QStringLiteral("%1 good writes failed, e.g. %2")
                            .arg(goodFailed.load())
                            .arg(goodFailure)));
    QCOMPARE(poisonStored.load(), 0);
    QCOMPARE(poisonRefused.load(), rounds * perRound);
    QVERIFY2(poisonError.contains(QStringLiteral("U+0000")), qPrintable(poisonError));

    // Every good comment once and in order, every row the replay of its events; the poisoned
    // ticket has none of its comments.
    for (qint64 id : std::as_const(tickets)) {
        const QList<Event> events = storedEvents(*h.database, id);
        int comments = 0;
        for (qsizetype i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i].seq, qint64(i + 1));
            comments += events[i].type == u"commented" ? 1 : 0;
        }
        QCOMPARE(comments, rounds * perRound);
        QCOMPARE(replay(id, events), storedTicket(*h.database, id));
    }
    const QList<Event> events = storedEvents(*h.database, poisoned);
    for (const Event &e : events)
        QVERIFY(e.type != u"commented");
    QCOMPARE(replay(poisoned, events), storedTicket(*h.database, poisoned));
}

// Light load: a command that finds nothing being committed waits a moment for others, and those
// arriving meanwhile share its commit (one disk sync instead of one each). The wait is long here
// so that the outcome does not depend on the machine's speed (four commands end it); the first
// open is queued a moment before the others, so that without the wait the writer would take it
// alone.
void TestEngine::commandsArrivingAtLightLoadShareOneCommit()
{
    BATON_FRESH_DATABASE(m_databases, url);
    // Before the harness: the engine's shutdown may still answer a command.
    std::mutex mutex;
    std::condition_variable answeredCv;
    int answered = 0;
    QStringList failures;
    Harness h;
    h.tuning.lightLoadWaitMicroseconds = 120'000'000;
    h.tuning.lightLoadGroup = 4;
    const QString started = h.start(url);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const Actor amy = agent(*h.org);
    const Engine::Stats before = h.engine->stats();
    auto done = [&](CommandResult result) {
        std::lock_guard lock(mutex);
        if (!result.ok())
            failures << describe(result);
        ++answered;
        answeredCv.notify_all();
    };
    h.engine->open(amy, QStringLiteral("repair"), h.request(), {}, done);
    QThread::msleep(50);
    for (int i = 0; i < 3; ++i)
        h.engine->open(amy, QStringLiteral("repair"), h.request(), {}, done);
    {
        std::unique_lock lock(mutex);
        QVERIFY(
            answeredCv.wait_for(lock, std::chrono::seconds(100), [&] { return answered == 4; }));
    }
    QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    const Engine::Stats after = h.engine->stats();
    QCOMPARE(after.commands - before.commands, quint64(4));
    QCOMPARE(after.batches - before.batches, quint64(1));
    auto db = h.database->connection();
    auto ids = TicketReader::ticketIds(*db);
    QVERIFY(ids.ok());
    QCOMPARE(ids->size(), 4);
}

int main(int argc, char **argv)
{
    if (argc == 3 && qstrcmp(argv[1], "--crash-child") == 0) {
        QCoreApplication app(argc, argv);
        return crashChild(QString::fromLocal8Bit(argv[2]));
    }
    QCoreApplication app(argc, argv);
    TestEngine test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_engine.moc"

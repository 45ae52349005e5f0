// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgharness.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketrows.h"

#include <QTest>

using namespace Baton;
using Baton::Test::TestDatabase;

class TestTicketRows : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void ticketRoundTrip();
    void batchIsAllOrNothing();
    void timersAreReplaced();
    void queuePageSortsByDueWithUndatedLast();
    void queuePageShowsOpenBranchesByTheirDue();
    void slaFilterSelectsAtRiskAndBreached();
    void branchAssigneesSeeAndFilterTheirTickets();

private:
    static TicketRow sample(qint64 id)
    {
        TicketRow row;
        row.id = id;
        row.key = QStringLiteral("RE-%1").arg(id);
        row.workflow = QStringLiteral("repair");
        row.workflowVersion = 2;
        row.title = QStringLiteral("Écran cassé — 壊れた"); // non-ASCII survives
        row.state = QStringLiteral("intake");
        row.status = QStringLiteral("open");
        row.queue = QStringLiteral("front");
        row.originator = QStringLiteral("amy");
        row.priority = 3;
        row.handoffs = 1;
        row.flagged = true;
        row.fields = R"({"device":"phone"})";
        row.customerId = QStringLiteral("C-1");
        row.customerTier = QStringLiteral("A");
        row.channel = QStringLiteral("counter");
        row.version = 4;
        row.createdAt = 1795000000000;
        row.updatedAt = 1795000060000;
        row.resolveDue = 1795003600000;
        row.stateData = R"({"id":1})";
        return row;
    }
    std::shared_ptr<Database> fresh(const QString &url)
    {
        auto db = Database::open(url);
        if (!db || !Schema::migrate(**db))
            return nullptr;
        return db.value();
    }
    TestDatabase m_databases;
};

void TestTicketRows::ticketRoundTrip()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch batch;
    TicketRow row = sample(1);
    batch.newTickets << row;
    batch.events << EventRow {1,
                              1,
                              row.createdAt,
                              QStringLiteral("amy"),
                              QStringLiteral("opened"),
                              R"({"state":"intake"})"}
                 << EventRow {1, 2, row.createdAt, QString(), QStringLiteral("sla_warning"), "{}"};
    batch.notifications << NotificationRow {0,
                                            QStringLiteral("amy"),
                                            1,
                                            QStringLiteral("assigned"),
                                            QStringLiteral("for you"),
                                            row.createdAt,
                                            false};
    QVERIFY(writer.write(batch).ok());

    auto db = database->connection();
    auto loaded = TicketReader::ticket(*db, 1);
    QVERIFY(loaded.ok() && loaded->has_value());
    QCOMPARE(**loaded, row);
    QCOMPARE((*loaded)->dueAt(), row.resolveDue.value());

    WriteBatch change;
    row.state = QStringLiteral("fixing");
    row.queue.clear();
    row.assignee = QStringLiteral("bob");
    row.closedAt = 1795000120000;
    row.version = 5;
    change.changedTickets << row;
    QVERIFY(writer.write(change).ok());
    loaded = TicketReader::ticket(*db, 1);
    QVERIFY(loaded.ok() && loaded->has_value());
    QCOMPARE(**loaded, row);

    auto events = TicketReader::events(*db, 1);
    QVERIFY(events.ok());
    QCOMPARE(events->size(), 2);
    QCOMPARE(events->at(0).data, QByteArray(R"({"state":"intake"})"));
    QCOMPARE(events->at(1).actor, QString()); // the engine
    auto notes = TicketReader::notifications(*db, QStringLiteral("amy"), true);
    QVERIFY(notes.ok());
    QCOMPARE(notes->size(), 1);
    auto marked = TicketReader::markNotificationRead(*db, notes->at(0).id, QStringLiteral("amy"));
    QVERIFY(marked.ok() && marked.value());
    auto unread = TicketReader::notifications(*db, QStringLiteral("amy"), true);
    QVERIFY(unread.ok() && unread->isEmpty());
    auto notTheirs
        = TicketReader::markNotificationRead(*db, notes->at(0).id, QStringLiteral("bob"));
    QVERIFY(notTheirs.ok() && !notTheirs.value());
}

void TestTicketRows::batchIsAllOrNothing()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch first;
    first.newTickets << sample(1);
    first.events << EventRow {1, 1, 0, QStringLiteral("amy"), QStringLiteral("opened"), "{}"};
    QVERIFY(writer.write(first).ok());

    WriteBatch clash; // a good new ticket, then an event that already exists
    clash.newTickets << sample(2);
    clash.events << EventRow {2, 1, 0, QStringLiteral("amy"), QStringLiteral("opened"), "{}"}
                 << EventRow {1, 1, 0, QStringLiteral("amy"), QStringLiteral("opened"), "{}"};
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("query failed")));
    QVERIFY(!writer.write(clash).ok());

    auto db = database->connection();
    auto second = TicketReader::ticket(*db, 2);
    QVERIFY(second.ok());
    QVERIFY(!second->has_value());
    auto events = TicketReader::events(*db, 2);
    QVERIFY(events.ok() && events->isEmpty());
    // The writer still works after a failed batch.
    WriteBatch retry;
    retry.newTickets << sample(2);
    QVERIFY(writer.write(retry).ok());
    auto max = writer.maxTicketId();
    QVERIFY(max.ok());
    QCOMPARE(max.value(), 2);
}

void TestTicketRows::timersAreReplaced()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch first;
    first.newTickets << sample(1);
    first.replaceTimersOf << 1;
    first.timers << TimerRow {1, QStringLiteral("respond"), 100, "{}"}
                 << TimerRow {1, QStringLiteral("resolve"), 200, "{}"};
    QVERIFY(writer.write(first).ok());
    WriteBatch second;
    second.replaceTimersOf << 1;
    second.timers << TimerRow {1, QStringLiteral("resolve"), 300, "{}"};
    QVERIFY(writer.write(second).ok());
    auto db = database->connection();
    auto timers = TicketReader::timers(*db, 1);
    QVERIFY(timers.ok());
    QCOMPARE(timers->size(), 1);
    QCOMPARE(timers->at(0).dueAt, 300);
}

void TestTicketRows::queuePageSortsByDueWithUndatedLast()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch batch;
    const std::optional<qint64> dues[] = {500, std::nullopt, 100, 300};
    for (int i = 0; i < 4; ++i) {
        TicketRow row = sample(i + 1);
        row.resolveDue = dues[i];
        batch.newTickets << row;
    }
    QVERIFY(writer.write(batch).ok());
    auto db = database->connection();
    TicketFilter filter;
    filter.queue = QStringLiteral("front");
    filter.status = QStringLiteral("open");
    filter.seeAll = true;
    auto page = TicketReader::list(*db, filter);
    QVERIFY(page.ok());
    QList<qint64> order;
    for (const TicketRow &row : page->items)
        order << row.id;
    QCOMPARE(order, (QList<qint64> {3, 4, 1, 2}));
    filter.sort = TicketFilter::Sort::DueDesc;
    filter.limit = 2;
    page = TicketReader::list(*db, filter);
    QVERIFY(page.ok());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items[0].id, 2);
    QVERIFY(!page->nextCursor.isEmpty());
    filter.cursor = page->nextCursor;
    page = TicketReader::list(*db, filter);
    QVERIFY(page.ok());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items[0].id, 4);
    QCOMPARE(page->items[1].id, 3);
    QVERIFY(page->nextCursor.isEmpty());
}

void TestTicketRows::queuePageShowsOpenBranchesByTheirDue()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch batch;
    TicketRow own = sample(1); // in billing itself, due at 500
    own.queue = QStringLiteral("billing");
    own.resolveDue = 500;
    TicketRow parallel = sample(2); // no queue of its own; its billing branch is due at 100
    parallel.queue.clear();
    parallel.resolveDue = 50;
    parallel.branchQueues
        = {{QStringLiteral("billing"), 100, 80}, {QStringLiteral("claims"), 900, 700}};
    batch.newTickets << own << parallel;
    QVERIFY(writer.write(batch).ok());
    auto db = database->connection();
    auto idsIn = [&](const QString &queue) {
        TicketFilter filter;
        filter.queue = queue;
        filter.status = QStringLiteral("open");
        filter.seeAll = true;
        QList<qint64> ids;
        if (auto page = TicketReader::list(*db, filter); page.ok())
            for (const TicketRow &row : page->items)
                ids << row.id;
        return ids;
    };
    QCOMPARE(idsIn(QStringLiteral("billing")), (QList<qint64> {2, 1}));
    QCOMPARE(idsIn(QStringLiteral("claims")), (QList<qint64> {2}));

    // A cold read knows the branch rows, so an unchanged write leaves them and a changed one
    // (the billing branch done) rewrites them.
    auto loaded = TicketReader::ticket(*db, 2);
    QVERIFY(loaded.ok() && loaded->has_value());
    QCOMPARE((*loaded)->branchQueues, parallel.branchQueues);
    TicketRow done = parallel;
    done.branchQueues = {{QStringLiteral("claims"), 900, 700}};
    done.version = 5;
    WriteBatch change;
    change.changedTickets << done;
    change.previousTickets << **loaded;
    QVERIFY(writer.write(change).ok());
    QCOMPARE(idsIn(QStringLiteral("billing")), (QList<qint64> {1}));
    QCOMPARE(idsIn(QStringLiteral("claims")), (QList<qint64> {2}));

    // Closed: no longer on the open page of any queue.
    TicketRow closed = done;
    closed.status = QStringLiteral("closed");
    closed.branchQueues.clear();
    closed.resolveDue.reset();
    closed.version = 6;
    WriteBatch close;
    close.changedTickets << closed;
    close.previousTickets << done;
    QVERIFY(writer.write(close).ok());
    QCOMPARE(idsIn(QStringLiteral("claims")), QList<qint64>());
}

void TestTicketRows::slaFilterSelectsAtRiskAndBreached()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch batch;
    // (at risk from, due): 1 on time, 2 at risk, 3 breached, 4 without clocks; 5 only its
    // billing branch is at risk.
    const std::pair<std::optional<qint64>, std::optional<qint64>> clocks[]
        = {{800, 1000}, {300, 1000}, {100, 400}, {std::nullopt, std::nullopt}};
    for (int i = 0; i < 4; ++i) {
        TicketRow row = sample(i + 1);
        row.atRiskAt = clocks[i].first;
        row.resolveDue = clocks[i].second;
        batch.newTickets << row;
    }
    TicketRow parallel = sample(5);
    parallel.queue.clear();
    parallel.atRiskAt = 300;
    parallel.resolveDue = 2000;
    parallel.branchQueues
        = {{QStringLiteral("billing"), 2000, 300}, {QStringLiteral("claims"), 3000, 2500}};
    batch.newTickets << parallel;
    QVERIFY(writer.write(batch).ok());
    auto db = database->connection();
    auto idsOf = [&](const QString &queue, const QString &sla) {
        TicketFilter filter;
        filter.queue = queue;
        filter.sla = sla;
        filter.now = 500;
        filter.seeAll = true;
        QList<qint64> ids;
        if (auto page = TicketReader::list(*db, filter); page.ok())
            for (const TicketRow &row : page->items)
                ids << row.id;
        return ids;
    };
    QCOMPARE(idsOf(QString(), QStringLiteral("at_risk")), (QList<qint64> {2, 5}));
    QCOMPARE(idsOf(QString(), QStringLiteral("breached")), (QList<qint64> {3}));
    QCOMPARE(idsOf(QStringLiteral("front"), QStringLiteral("at_risk")), (QList<qint64> {2}));
    QCOMPARE(idsOf(QStringLiteral("billing"), QStringLiteral("at_risk")), (QList<qint64> {5}));
    QCOMPARE(idsOf(QStringLiteral("claims"), QStringLiteral("at_risk")), QList<qint64>());
    QCOMPARE(idsOf(QStringLiteral("front"), QStringLiteral("breached")), (QList<qint64> {3}));
    TicketFilter unknown;
    unknown.sla = QStringLiteral("late");
    unknown.seeAll = true;
    QVERIFY(!TicketReader::list(*db, unknown).ok());
}

void TestTicketRows::branchAssigneesSeeAndFilterTheirTickets()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = fresh(url);
    QVERIFY(database);
    TicketWriter writer(database);
    WriteBatch batch;
    TicketRow own = sample(1); // bill is its own assignee
    own.assignee = QStringLiteral("bill");
    TicketRow parallel = sample(2); // bill works its billing branch; claims has nobody yet
    parallel.queue.clear();
    parallel.branches
        = R"([{"name":"billing","queue":"billing","assignee":"bill","status":"open"},)"
          R"({"name":"claims","queue":"claims","assignee":null,"status":"open"}])";
    TicketRow unrelated = sample(3);
    batch.newTickets << own << parallel << unrelated;
    QVERIFY(writer.write(batch).ok());
    auto db = database->connection();
    // As the user would see them, without queues of their own, or as an admin filtering.
    auto visibleTo = [&](const QString &viewer, const QString &assignee = QString()) {
        TicketFilter filter;
        filter.seeAll = viewer.isEmpty();
        filter.viewer = viewer;
        filter.assignee = assignee;
        filter.sort = TicketFilter::Sort::CreatedAsc;
        QList<qint64> ids;
        auto page = TicketReader::list(*db, filter);
        if (!page)
            qWarning("%s", qPrintable(page.error()));
        else
            for (const TicketRow &row : page->items)
                ids << row.id;
        return ids;
    };
    QCOMPARE(visibleTo(QStringLiteral("bill")), (QList<qint64> {1, 2}));
    QCOMPARE(visibleTo(QString(), QStringLiteral("bill")), (QList<qint64> {1, 2}));
    QCOMPARE(visibleTo(QStringLiteral("bill"), QStringLiteral("bill")), (QList<qint64> {1, 2}));
    QCOMPARE(visibleTo(QStringLiteral("bea")), QList<qint64>());

    // bill's branch done (still his, as canSee counts it), bea takes claims: both see it.
    TicketRow handed = parallel;
    handed.branches = R"([{"name":"billing","queue":"billing","assignee":"bill","status":"done"},)"
                      R"({"name":"claims","queue":"claims","assignee":"bea","status":"open"}])";
    handed.version = 5;
    WriteBatch change;
    change.changedTickets << handed;
    change.previousTickets << parallel;
    QVERIFY(writer.write(change).ok());
    QCOMPARE(visibleTo(QStringLiteral("bill")), (QList<qint64> {1, 2}));
    QCOMPARE(visibleTo(QString(), QStringLiteral("bea")), (QList<qint64> {2}));

    // Out of the parallel state, written without the previous row (a cold write): nobody's.
    TicketRow joined = handed;
    joined.branches = "[]";
    joined.version = 6;
    WriteBatch join;
    join.changedTickets << joined;
    join.previousTickets << TicketRow {};
    QVERIFY(writer.write(join).ok());
    QCOMPARE(visibleTo(QStringLiteral("bill")), (QList<qint64> {1}));
    QCOMPARE(visibleTo(QString(), QStringLiteral("bea")), QList<qint64>());
}

QTEST_GUILESS_MAIN(TestTicketRows)
#include "tst_ticketrows.moc"

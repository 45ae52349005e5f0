// SPDX-License-Identifier: GPL-3.0-or-later
// How much work a search makes SQLite do, counted, not timed: every statement the store runs is
// traced on the real connection (sqlite3_trace_v2) and its virtual machine steps added up
// (SQLITE_STMTSTATUS_VM_STEP, the statements FTS5 runs on its own tables included). A ticket
// search's first page does about the same work on a database eight times as large, whether its
// terms are rare (their index entries are read) or common (the list is walked in its order and
// stops at a page); one that reads every match, or every search document, does eight times the
// work. Machine load does not change a count, so the limits are tight.
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"
#include "store/ticketwriter.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>

using namespace Baton;

Q_DECLARE_METATYPE(Baton::TicketFilter)

namespace {

/// Counts the VM steps of every statement that finishes on one SQLite connection while alive.
class WorkCounter
{
public:
    explicit WorkCounter(const QSqlDatabase &db)
    {
        const QVariant handle = db.driver()->handle();
        m_connection = *static_cast<sqlite3 *const *>(handle.constData());
        // The counts of statements kept prepared start at what they did before (the writes).
        for (sqlite3_stmt *s = sqlite3_next_stmt(m_connection, nullptr); s;
             s = sqlite3_next_stmt(m_connection, s))
            sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
        sqlite3_trace_v2(m_connection, SQLITE_TRACE_PROFILE, &WorkCounter::profiled, this);
    }
    ~WorkCounter() { sqlite3_trace_v2(m_connection, 0, nullptr, nullptr); }
    qint64 steps() const { return m_steps; }
    /// The statements that ran, in order (those FTS5 runs on its own tables included).
    const QStringList &statements() const { return m_statements; }

private:
    // Reset as read: FTS5 keeps its own statements prepared, and their counts would add up
    // from one use to the next.
    static int profiled(unsigned, void *self, void *statement, void *)
    {
        const int steps = sqlite3_stmt_status(static_cast<sqlite3_stmt *>(statement),
                                              SQLITE_STMTSTATUS_VM_STEP, 1);
        static_cast<WorkCounter *>(self)->m_steps += steps;
        static_cast<WorkCounter *>(self)->m_statements
            << QString::fromUtf8(sqlite3_sql(static_cast<sqlite3_stmt *>(statement)));
        if (qEnvironmentVariableIsSet("SEARCHWORK_TRACE"))
            qInfo("%d %s", steps, sqlite3_sql(static_cast<sqlite3_stmt *>(statement)));
        return 0;
    }

    sqlite3 *m_connection = nullptr;
    qint64 m_steps = 0;
    QStringList m_statements;
};

TicketRow ticket(qint64 id)
{
    TicketRow row;
    row.id = id;
    row.key = QStringLiteral("JQ-%1").arg(id);
    row.workflow = QStringLiteral("jump-queue");
    row.workflowVersion = 1;
    row.status = id % 4 == 0 ? QStringLiteral("closed") : QStringLiteral("open");
    // The closed ones have words no open ticket has.
    row.title = QStringLiteral("Parcel held at the hub for Li %1%2")
                    .arg(id)
                    .arg(row.status == u"closed" ? QStringLiteral(", wedding dress") : QString());
    row.state = QStringLiteral("review");
    row.queue = QStringLiteral("cs-agents");
    row.originator = QStringLiteral("amy");
    row.version = 1;
    row.createdAt = 1795000000000 + id;
    row.updatedAt = row.createdAt;
    // Closed tickets have no due date: they come last in due order, in id order.
    if (row.status == u"open")
        row.resolveDue = 1795000000000 + (id * 7919) % 100000;
    // bea works on four tickets in five: she sees those (amy, who opened them all, sees all).
    if (id % 5 != 0)
        row.assignee = QStringLiteral("bea");
    if (id == 211)
        row.customerName = QStringLiteral("王𠮷"); // 𠮷 is one character in two UTF-16 units
    else if (id % 37 == 0)
        row.customerName = QStringLiteral("孙伟");
    return row;
}

} // namespace

class TestSearchWork : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aSearchsFirstPageDoesNotGrowWithTheTickets_data();
    void aSearchsFirstPageDoesNotGrowWithTheTickets();
    void theOpenIndexIsReadByViewerAndTerm_data();
    void theOpenIndexIsReadByViewerAndTerm();

private:
    /// A migrated SQLite database in a folder of its own.
    std::shared_ptr<Database> fresh();
    /// The VM steps of the first page of `filter` among `tickets` tickets (its viewer's
    /// visibility tested on each ticket read unless seeAll).
    qint64 ticketWork(int tickets, const TicketFilter &filter, int *found,
                      QStringList *statements = nullptr);

    std::vector<std::unique_ptr<QTemporaryDir>> m_dirs;
};

std::shared_ptr<Database> TestSearchWork::fresh()
{
    m_dirs.push_back(std::make_unique<QTemporaryDir>());
    auto database = Database::open(u"sqlite:" + m_dirs.back()->filePath(QStringLiteral("s.db")));
    if (!database || !Schema::migrate(**database))
        return nullptr;
    return database.value();
}

qint64 TestSearchWork::ticketWork(int tickets, const TicketFilter &filter, int *found,
                                  QStringList *statements)
{
    auto database = fresh();
    if (!database)
        return -1;
    WriteBatch batch;
    for (qint64 id = 1; id <= tickets; ++id)
        batch.newTickets.append(ticket(id));
    if (!TicketWriter(database).write(batch))
        return -1;
    auto db = database->connection();
    if (!db)
        return -1;
    WorkCounter counter(*db);
    const auto page = TicketReader::list(*db, filter);
    *found = page ? int(page->items.size()) : -1;
    if (statements)
        *statements = counter.statements();
    return counter.steps();
}

void TestSearchWork::aSearchsFirstPageDoesNotGrowWithTheTickets_data()
{
    QTest::addColumn<TicketFilter>("filter");
    QTest::addColumn<int>("expected");
    QTest::addColumn<int>("expectedSmall"); ///< among 400 tickets, when not `expected`
    QTest::addColumn<bool>("scans"); ///< every closed document is read (see the limit below)
    // As an admin (no visible set to start from) or as amy (who opened them all: visibility is
    // tested on each ticket read) or bea (who works on four in five).
    auto newRow = [](const char *name, const QString &text, const QString &viewer, int expected,
                     int expectedSmall = -1, const QString &queue = {},
                     const QString &assignee = {}, bool scans = false) {
        TicketFilter filter;
        filter.text = text;
        filter.seeAll = viewer.isEmpty();
        filter.viewer = viewer.isEmpty() ? QStringLiteral("amy") : viewer;
        filter.queue = queue;
        filter.assignee = assignee;
        QTest::newRow(name) << filter << expected << (expectedSmall < 0 ? expected : expectedSmall)
                            << scans;
    };
    const QString admin, amy = QStringLiteral("amy"), bea = QStringLiteral("bea");
    // In every ticket: the walk in due order stops after a page.
    newRow("two letters, admin", QStringLiteral("li"), admin, 50);
    newRow("two letters, amy", QStringLiteral("li"), amy, 50);
    newRow("two words, admin", QStringLiteral("parcel hub"), admin, 50);
    newRow("two words, amy", QStringLiteral("Parcel HUB"), amy, 50);
    newRow("a word and two letters", QStringLiteral("held li"), admin, 50);
    // In every closed ticket and no open one: the walk in due order reads open tickets first,
    // and finds none (the open tickets' own index tells).
    newRow("two words no open ticket has, admin", QStringLiteral("wedding dress"), admin, 50);
    newRow("two words no open ticket has, amy", QStringLiteral("Wedding Dress"), amy, 50);
    // The same within a queue's page: its open tickets come first in due order, and each was
    // tested in vain.
    newRow("two words no open ticket has, a queue", QStringLiteral("wedding dress"), admin, 50, -1,
           QStringLiteral("cs-agents"));
    // In one ticket of either database: its index entries, the other terms tested on it.
    newRow("a key", QStringLiteral("JQ-397"), admin, 1);
    newRow("a key and a common word, amy", QStringLiteral("parcel jq-397"), amy, 1);
    newRow("a key and two letters", QStringLiteral("li jq-397"), admin, 1);
    // Two characters in three UTF-16 units: no trigram, so not a term the index can count; the
    // open tickets' trigrams that begin with it find its one open ticket, and every closed
    // document is then scanned: no trigram begins at a closed document's last characters, so
    // a term of one or two characters rarer than a page is only found there by a scan.
    newRow("two characters, one outside the BMP", QStringLiteral("王𠮷"), admin, 1, -1, {}, {},
           true);
    newRow("two characters outside the BMP, amy", QStringLiteral("王𠮷"), amy, 1, -1, {}, {}, true);
    // One character in one ticket of 37, for a viewer who sees four in five: the walk in due
    // order gives up, and the open tickets' trigrams that begin with it are read (before, every
    // document was scanned).
    newRow("one Chinese character, bea", QStringLiteral("孙"), bea, 50, 8);
    newRow("one Chinese character, admin", QStringLiteral("孙"), admin, 50, 10);
}

// 400 tickets, then 3,200: the first page of a search costs about the same (see the limit below).
// Before, every match was read and sorted ("li" and "parcel hub": 6-8 times the steps), or every
// search document scanned (terms of one or two characters).
void TestSearchWork::aSearchsFirstPageDoesNotGrowWithTheTickets()
{
    QFETCH(TicketFilter, filter);
    QFETCH(int, expected);
    QFETCH(int, expectedSmall);
    QFETCH(bool, scans);
    int foundSmall = 0, foundLarge = 0;
    const qint64 small = ticketWork(400, filter, &foundSmall);
    const qint64 large = ticketWork(3200, filter, &foundLarge);
    qInfo("\"%s\": %lld VM steps among 400 tickets, %lld among 3,200", qPrintable(filter.text),
          small, large);
    QVERIFY(small > 0 && large > 0);
    QCOMPARE(foundSmall, expectedSmall);
    QCOMPARE(foundLarge, expected);
    // A viewer's visible set is counted up to sqrt(2 x page x tickets) to choose how to read
    // (visibleSetIsSmall), and so are a common term's matches: at most sqrt(8) = 2.8 times the
    // work. Reading every match or every document is 6-8 times.
    QVERIFY2(large < small * (scans ? 10 : 3) + 200,
             qPrintable(QStringLiteral("%1 steps, %2 on the smaller table").arg(large).arg(small)));
}

void TestSearchWork::theOpenIndexIsReadByViewerAndTerm_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("seeAll");
    QTest::addColumn<QString>("viewer");
    QTest::addColumn<bool>("readsOpenIndex");
    QTest::addColumn<int>("expected");
    // A viewer who sees every ticket finds a page of a common term within the first rows
    // walked in due order; reading the open index's matches first cost an admin more on
    // 1,000,000 tickets ("孙": 21 ms walked, 96 ms from the index).
    QTest::newRow("two letters in every ticket, admin")
        << QStringLiteral("li") << true << QStringLiteral("amy") << false << 50;
    // A rare one is walked for as long as a walk may, then read from the index.
    QTest::newRow("two characters in one ticket, admin")
        << QStringLiteral("王𠮷") << true << QStringLiteral("amy") << true << 1;
    // A viewer who sees part of them reads the index first: whether a walk finds a page depends
    // on how many of the matches the viewer may see.
    QTest::newRow("one character in one ticket of 37, bea")
        << QStringLiteral("孙") << false << QStringLiteral("bea") << true << 50;
}

// Which way a search of short terms (one or two characters, no trigram of their own) is read,
// seen in the statements that ran on 3,200 tickets.
void TestSearchWork::theOpenIndexIsReadByViewerAndTerm()
{
    QFETCH(QString, text);
    QFETCH(bool, seeAll);
    QFETCH(QString, viewer);
    QFETCH(bool, readsOpenIndex);
    QFETCH(int, expected);
    TicketFilter filter;
    filter.text = text;
    filter.seeAll = seeAll;
    filter.viewer = viewer;
    int found = 0;
    QStringList statements;
    const qint64 steps = ticketWork(3200, filter, &found, &statements);
    qInfo("\"%s\": %lld VM steps", qPrintable(text), steps);
    QCOMPARE(found, expected);
    const bool readIndex
        = std::any_of(statements.cbegin(), statements.cend(), [](const QString &sql) {
              return sql.contains(u"open_search_terms") || sql.contains(u"FROM open_search ");
          });
    QCOMPARE(readIndex, readsOpenIndex);
}

QTEST_GUILESS_MAIN(TestSearchWork)
#include "tst_searchwork.moc"

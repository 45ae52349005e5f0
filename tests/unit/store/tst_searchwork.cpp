// SPDX-License-Identifier: GPL-3.0-or-later
// How much work a search makes SQLite do, counted, not timed: every statement the store runs is
// traced on the real connection (sqlite3_trace_v2) and its virtual machine steps added up
// (SQLITE_STMTSTATUS_VM_STEP, the statements FTS5 runs on its own tables included). A search
// that reads an index does about the same work on a database eight times as large; one that
// scans every customer or every search document does eight times the work. Machine load does
// not change a count, so the limits are tight.
#include "store/customerrows.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"
#include "store/ticketwriter.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace Baton;

namespace {

/// Counts the VM steps of every statement that finishes on one SQLite connection while alive.
class WorkCounter
{
public:
    explicit WorkCounter(const QSqlDatabase &db)
    {
        const QVariant handle = db.driver()->handle();
        m_connection = *static_cast<sqlite3 *const *>(handle.constData());
        sqlite3_trace_v2(m_connection, SQLITE_TRACE_PROFILE, &WorkCounter::profiled, this);
    }
    ~WorkCounter() { sqlite3_trace_v2(m_connection, 0, nullptr, nullptr); }
    qint64 steps() const { return m_steps; }

private:
    static int profiled(unsigned, void *self, void *statement, void *)
    {
        static_cast<WorkCounter *>(self)->m_steps += sqlite3_stmt_status(
            static_cast<sqlite3_stmt *>(statement), SQLITE_STMTSTATUS_VM_STEP, 0);
        return 0;
    }

    sqlite3 *m_connection = nullptr;
    qint64 m_steps = 0;
};

/// A name only customer `i` has a three-letter part of ("Qx…"), among common ones.
QString customerName(int i)
{
    static const QStringList family {QStringLiteral("Zhang"), QStringLiteral("Li"),
                                     QStringLiteral("Wang"), QStringLiteral("张"),
                                     QStringLiteral("李")};
    return family[i % family.size()] + u' '
        + QStringLiteral("Qx%1").arg(i, 5, 36, QLatin1Char('0'));
}

QString customerPhone(int i)
{
    return QStringLiteral("+86 139 %1").arg(10000000 + i * 37);
}

TicketRow ticket(qint64 id)
{
    TicketRow row;
    row.id = id;
    row.key = QStringLiteral("JQ-%1").arg(id);
    row.workflow = QStringLiteral("jump-queue");
    row.workflowVersion = 1;
    row.title = QStringLiteral("Parcel held at the hub for Li %1").arg(id);
    row.state = QStringLiteral("review");
    row.status = id % 4 == 0 ? QStringLiteral("closed") : QStringLiteral("open");
    row.queue = QStringLiteral("cs-agents");
    row.originator = QStringLiteral("amy");
    row.version = 1;
    row.createdAt = 1795000000000 + id;
    row.updatedAt = row.createdAt;
    row.resolveDue = 1795000000000 + (id * 7919) % 100000;
    return row;
}

} // namespace

class TestSearchWork : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void customerLookupsDoNotGrowWithTheCustomers_data();
    void customerLookupsDoNotGrowWithTheCustomers();
    void aShortTermStopsAtAPage();

private:
    /// A migrated SQLite database in a folder of its own.
    std::shared_ptr<Database> fresh();
    /// The VM steps of `search` on a database of `customers` customers.
    qint64 customerWork(int customers, const QString &query, int *found);
    qint64 ticketWork(int tickets, const QString &text, int *found);

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

qint64 TestSearchWork::customerWork(int customers, const QString &query, int *found)
{
    auto database = fresh();
    if (!database)
        return -1;
    auto db = database->connection();
    if (!db || !db->transaction())
        return -1;
    for (int i = 0; i < customers; ++i)
        if (!CustomerRows::insert(*db,
                                  {QStringLiteral("C-%1").arg(i), customerName(i),
                                   QStringLiteral("B"), customerPhone(i), QString(),
                                   1795000000000}))
            return -1;
    if (!db->commit())
        return -1;
    WorkCounter counter(*db);
    const auto rows = CustomerRows::find(*db, query, 20);
    *found = rows ? int(rows->size()) : -1;
    return counter.steps();
}

qint64 TestSearchWork::ticketWork(int tickets, const QString &text, int *found)
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
    TicketFilter filter;
    filter.text = text;
    filter.seeAll = true; // an admin's search: no visible set to start from
    WorkCounter counter(*db);
    const auto page = TicketReader::list(*db, filter);
    *found = page ? int(page->items.size()) : -1;
    return counter.steps();
}

void TestSearchWork::customerLookupsDoNotGrowWithTheCustomers_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("expected");
    QTest::newRow("exact id") << QStringLiteral("C-420") << 1;
    QTest::newRow("exact id, other case") << QStringLiteral("c-420") << 1;
    QTest::newRow("whole phone") << QStringLiteral("13910015540") << 1;
    QTest::newRow("phone as written") << customerPhone(420) << 1;
    QTest::newRow("part of a name") << customerName(420).section(u' ', 1) << 1;
}

// 500 customers, then 4,000: an exact id or number, or a name part of three letters, costs
// about the same (B-tree or trigram index). Before, each read every customer's name.
void TestSearchWork::customerLookupsDoNotGrowWithTheCustomers()
{
    QFETCH(QString, query);
    QFETCH(int, expected);
    int foundSmall = 0, foundLarge = 0;
    const qint64 small = customerWork(500, query, &foundSmall);
    const qint64 large = customerWork(4000, query, &foundLarge);
    qInfo("%s: %lld VM steps among 500 customers, %lld among 4,000", qPrintable(query), small,
          large);
    QVERIFY(small > 0 && large > 0);
    QCOMPARE(foundSmall, expected);
    QCOMPARE(foundLarge, expected);
    QVERIFY2(large < small * 3 / 2 + 200,
             qPrintable(QStringLiteral("%1 steps, %2 on the smaller table").arg(large).arg(small)));
}

// "li", in every ticket: an admin's first page walks the tickets in due order and stops after a
// page of matches, on 400 tickets or 3,200. Before, every ticket's search document was read to
// find the matches, then sorted.
void TestSearchWork::aShortTermStopsAtAPage()
{
    int foundSmall = 0, foundLarge = 0;
    const qint64 small = ticketWork(400, QStringLiteral("li"), &foundSmall);
    const qint64 large = ticketWork(3200, QStringLiteral("li"), &foundLarge);
    qInfo("\"li\": %lld VM steps among 400 tickets, %lld among 3,200", small, large);
    QVERIFY(small > 0 && large > 0);
    QCOMPARE(foundSmall, 50);
    QCOMPARE(foundLarge, 50);
    QVERIFY2(large < small * 3 / 2 + 200,
             qPrintable(QStringLiteral("%1 steps, %2 on the smaller table").arg(large).arg(small)));
}

QTEST_GUILESS_MAIN(TestSearchWork)
#include "tst_searchwork.moc"

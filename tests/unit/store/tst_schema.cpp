// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgharness.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketcolumns.h"
#include "store/ticketloader.h"

#include <QRegularExpression>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

using namespace Baton;
using Baton::Test::TestDatabase;

class TestSchema : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void emptyDatabaseIsAtVersionZero();
    void migrateCreatesEveryTable();
    void migrateTwiceIsANoOp();
    void sqliteRunsInWalWithFullSync();
    void eachThreadHasItsOwnConnection();
    void transactionRollsBackUnlessCommitted();
    void valuesReachTheDatabaseUnchanged();
    void valuesNeverEnterTheStatementText();
    void preparedQueriesNeverCarryValues();
    void textWithNulIsRefusedNotCut();
    void uniqueEventSequencePerTicket();
    void breachesOfAPeriodAreAnIndexRange();
    void branchAssigneesAreBackfilled();
    void versionsFromBeforeOriginsCountAsFiles();

private:
    TestDatabase m_databases;
};

void TestSchema::emptyDatabaseIsAtVersionZero()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error()));
    auto version = Schema::currentVersion(**database);
    QVERIFY(version.ok());
    QCOMPARE(version.value(), 0);
}

void TestSchema::migrateCreatesEveryTable()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    auto reached = Schema::migrate(**database);
    QVERIFY2(reached.ok(), qPrintable(reached.ok() ? QString() : reached.error()));
    QCOMPARE(reached.value(), Schema::latestVersion());
    auto db = (*database)->connection();
    QVERIFY(db.ok());
    const QStringList tables = db->tables();
    for (const char *table :
         {"schema_migrations", "users", "sessions", "org_versions", "workflow_versions",
          "customers", "tickets", "ticket_queues", "events", "timers", "comments", "links",
          "notifications", "idempotency_keys", "ticket_branch_assignees"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
}

void TestSchema::migrateTwiceIsANoOp()
{
    BATON_FRESH_DATABASE(m_databases, url);
    {
        auto database = Database::open(url);
        QVERIFY(database.ok());
        QVERIFY(Schema::migrate(**database).ok());
    }
    auto database = Database::open(url); // a new process would see the same
    QVERIFY(database.ok());
    auto again = Schema::migrate(**database);
    QVERIFY(again.ok());
    QCOMPARE(again.value(), Schema::latestVersion());
    auto db = (*database)->connection();
    auto count = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations"));
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), int(Schema::pending({}, true).size())); // 11 may be absent
}

void TestSchema::sqliteRunsInWalWithFullSync()
{
    QFETCH_GLOBAL(QString, driver);
    if (driver != u"sqlite")
        QSKIP("SQLite PRAGMAs only");
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    auto db = (*database)->connection();
    auto mode = runQuery(*db, QStringLiteral("PRAGMA journal_mode"));
    QVERIFY(mode.ok() && mode->next());
    QCOMPARE(mode->value(0).toString(), QStringLiteral("wal"));
    auto sync = runQuery(*db, QStringLiteral("PRAGMA synchronous"));
    QVERIFY(sync.ok() && sync->next());
    QCOMPARE(sync->value(0).toInt(), 2); // FULL
    auto keys = runQuery(*db, QStringLiteral("PRAGMA foreign_keys"));
    QVERIFY(keys.ok() && keys->next());
    QCOMPARE(keys->value(0).toInt(), 1);
}

void TestSchema::eachThreadHasItsOwnConnection()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    const QString mine = (*database)->connection()->connectionName();
    QString theirs;
    int usersSeen = -1;
    std::unique_ptr<QThread> thread(QThread::create([&] {
        auto db = (*database)->connection();
        if (!db)
            return;
        theirs = db->connectionName();
        auto count = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM users"));
        if (count && count->next())
            usersSeen = count->value(0).toInt();
    }));
    thread->start();
    thread->wait();
    QVERIFY(!theirs.isEmpty());
    QVERIFY(theirs != mine);
    QCOMPARE(usersSeen, 0);
    // The thread ended: its connection is gone, ours is still there.
    QVERIFY(!QSqlDatabase::contains(theirs));
    QVERIFY(QSqlDatabase::contains(mine));
}

void TestSchema::transactionRollsBackUnlessCommitted()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    const QString insert = QStringLiteral(
        "INSERT INTO users (username, name, created_at, updated_at) VALUES (?, ?, 0, 0)");
    {
        Transaction transaction(*db);
        QVERIFY(transaction.isActive());
        QVERIFY(runQuery(*db, insert, {QStringLiteral("amy"), QStringLiteral("Amy")}).ok());
    }
    {
        Transaction transaction(*db);
        QVERIFY(runQuery(*db, insert, {QStringLiteral("bill"), QStringLiteral("Bill")}).ok());
        QVERIFY(transaction.commit().ok());
    }
    auto names = runQuery(*db, QStringLiteral("SELECT username FROM users ORDER BY username"));
    QVERIFY(names.ok());
    QStringList seen;
    while (names->next())
        seen << names->value(0).toString();
    QCOMPARE(seen, QStringList {QStringLiteral("bill")});
}

// runQuery's values arrive exactly as given, whatever they hold: quotes, backslashes,
// placeholders inside values, NULLs and large numbers (on PostgreSQL bound through libpq).
void TestSchema::valuesReachTheDatabaseUnchanged()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    auto db = (*database)->connection();
    QVERIFY(
        runQuery(*db, QStringLiteral("CREATE TABLE probe (n BIGINT, t TEXT, x DOUBLE PRECISION)"))
            .ok());
    const QString tricky = QStringLiteral("O'Brien \\\\ '' ? $1 \" -- ; 张伟 😀 \n\t end\\");
    const QVariantList values {qint64(9007199254740993LL), tricky, 1.5};
    QVERIFY(
        runQuery(*db, QStringLiteral("INSERT INTO probe (n, t, x) VALUES (?, ?, ?)"), values).ok());
    QVERIFY(runQuery(*db, QStringLiteral("INSERT INTO probe (n, t, x) VALUES (?, ?, ?)"),
                     {QVariant(QMetaType(QMetaType::LongLong)),
                      QVariant(QMetaType(QMetaType::QString)), -0.25})
                .ok());
    // A question mark inside a string literal of the statement is not a placeholder.
    auto read = runQuery(
        *db,
        QStringLiteral("SELECT n, t, x, '?' FROM probe WHERE t = ? OR n IS NULL ORDER BY x DESC"),
        {tricky});
    QVERIFY(read.ok());
    QVERIFY(read->next());
    QCOMPARE(read->value(0).toLongLong(), 9007199254740993LL);
    QCOMPARE(read->value(1).toString(), tricky);
    QCOMPARE(read->value(2).toDouble(), 1.5);
    QCOMPARE(read->value(3).toString(), QStringLiteral("?"));
    QVERIFY(read->next());
    QVERIFY(read->value(0).isNull());
    QVERIFY(read->value(1).isNull());
    QCOMPARE(read->value(2).toDouble(), -0.25);
    QVERIFY(!read->next());
    // More placeholders than values, or fewer: an error, not a statement with a gap.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".")));
    QVERIFY(!runQuery(*db, QStringLiteral("SELECT ?, ?"), {1}).ok());
}

// Values are bound, never written into the statement: the text PostgreSQL runs holds
// placeholders only (current_query() is the statement as the server received it).
void TestSchema::valuesNeverEnterTheStatementText()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("SQLite binds on its own API; only PostgreSQL shows the statement text it ran");
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    auto db = (*database)->connection();
    const QString value = QStringLiteral("private value 42");
    auto read = runQuery(*db, QStringLiteral("SELECT ?::text, ? + 1, current_query()"),
                         {value, qint64(41)});
    QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error()));
    QVERIFY(read->next());
    QCOMPARE(read->value(0).toString(), value);
    QCOMPARE(read->value(1).toLongLong(), 42);
    const QString ran = read->value(2).toString();
    QVERIFY2(!ran.contains(value) && !ran.contains(u"41"), qPrintable(ran));
    QVERIFY2(ran.contains(u"$1") && ran.contains(u"$2"), qPrintable(ran));
}

// Queries prepared once and run many times (prepareQuery, the engine's TicketLoader) bind their
// values too: the server's log of every statement this connection ran holds the statements,
// never the values (QPSQL's prepared queries ran `EXECUTE name (values)`).
void TestSchema::preparedQueriesNeverCarryValues()
{
    if (TestDatabase::currentDriver() != u"postgresql")
        QSKIP("SQLite binds on its own API; only PostgreSQL logs the statement text it ran");
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    QVERIFY(db.ok());
    QFile log(Test::PgHarness::shared()->logFile());
    QVERIFY2(log.open(QIODevice::ReadOnly), qPrintable(log.fileName()));
    log.seek(log.size());
    // Every statement of this session into the log, but not the parameters of bound ones
    // (which the log would show apart, as "DETAIL: parameters: $1 = ...").
    QVERIFY(runQuery(*db, QStringLiteral("SET log_statement = 'all'")).ok());
    QVERIFY(runQuery(*db, QStringLiteral("SET log_parameter_max_length = 0")).ok());
    QVERIFY(runQuery(*db,
                     QStringLiteral("INSERT INTO tickets (id, key, workflow, workflow_version, "
                                    "title, state, status, originator, version, created_at, "
                                    "updated_at, due_at) VALUES (1, 'T-1', 'w', 1, 't', 's', "
                                    "'open', 'amy', 3, 10, 20, 30)"))
                .ok());

    const QString text = QStringLiteral("private value 7315");
    const qint64 id = 987654321;
    auto query = prepareQuery(*db, QStringLiteral("SELECT ?::text, ? + 1, current_query()"));
    QVERIFY2(query.ok(), qPrintable(query.ok() ? QString() : query.error()));
    for (int run = 0; run < 2; ++run) { // the second run reuses the server's statement
        query->bindValue(0, text);
        query->bindValue(1, id + run);
        QVERIFY(execQuery(*query).ok());
        QVERIFY(query->next());
        QCOMPARE(query->value(0).toString(), text);
        QCOMPARE(query->value(1).toLongLong(), id + run + 1);
        const QString ran = query->value(2).toString();
        QVERIFY2(!ran.contains(text) && ran.contains(u"$1") && ran.contains(u"$2"),
                 qPrintable(ran));
        QVERIFY(!query->next());
    }
    TicketLoader loader(*db);
    for (int run = 0; run < 2; ++run) {
        auto absent = loader.ticket(id);
        QVERIFY2(absent.ok() && !absent->has_value(),
                 qPrintable(absent.ok() ? QStringLiteral("found") : absent.error()));
    }
    // A stored ticket reads as QPSQL reads it.
    auto loaded = loader.ticket(1);
    QVERIFY(loaded.ok() && loaded->has_value());
    auto plain = runQuery(*db,
                          QStringLiteral("SELECT ") + QLatin1String(TicketColumns::ticketColumns)
                              + QStringLiteral(" FROM tickets WHERE id = 1"));
    QVERIFY(plain.ok() && plain->next());
    QCOMPARE(**loaded, TicketColumns::ticketFrom(*plain));
    QCOMPARE((*loaded)->version, 3);

    const QString logged = QString::fromUtf8(log.readAll());
    QVERIFY2(logged.contains(u"FROM tickets WHERE id = $1"), qPrintable(logged));
    for (const QString &value : {text, QString::number(id), QString::number(id + 1)})
        QVERIFY2(!logged.contains(value), qPrintable(value + u" in the log:\n" + logged));
}

// Text holding U+0000: PostgreSQL cannot store it and libpq would cut the text there, so the
// store refuses it on both databases — an error naming the value, nothing written, the
// connection still usable.
void TestSchema::textWithNulIsRefusedNotCut()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    auto db = (*database)->connection();
    QVERIFY(runQuery(*db, QStringLiteral("CREATE TABLE probe (n BIGINT, t TEXT)")).ok());
    const QString insert = QStringLiteral("INSERT INTO probe (n, t) VALUES (?, ?)");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("U\\+0000")));
    QString code;
    auto refused = runQuery(*db, insert, {1, QString::fromUtf8("before\0after", 12)}, &code);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().contains(QStringLiteral("value 2"))
                 && refused.error().contains(QStringLiteral("U+0000")),
             qPrintable(refused.error()));
    QCOMPARE(code, QStringLiteral("22021"));
    QVERIFY(runQuery(*db, insert, {2, QStringLiteral("fine")}).ok());
    auto rows = runQuery(*db, QStringLiteral("SELECT n, t FROM probe"));
    QVERIFY(rows.ok() && rows->next());
    QCOMPARE(rows->value(0).toLongLong(), 2);
    QCOMPARE(rows->value(1).toString(), QStringLiteral("fine"));
    QVERIFY(!rows->next());
}

void TestSchema::uniqueEventSequencePerTicket()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    QVERIFY(runQuery(*db,
                     QStringLiteral("INSERT INTO tickets (id, key, workflow, workflow_version, "
                                    "title, state, status, originator, version, created_at, "
                                    "updated_at) VALUES (1, 'T-1', 'w', 1, 't', 's', 'open', "
                                    "'amy', 1, 0, 0)"))
                .ok());
    const QString event = QStringLiteral(
        "INSERT INTO events (ticket_id, seq, at, actor, type) VALUES (1, ?, 0, 'amy', 'opened')");
    QVERIFY(runQuery(*db, event, {1}).ok());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("query failed")));
    QVERIFY(!runQuery(*db, event, {1}).ok());
}

void TestSchema::breachesOfAPeriodAreAnIndexRange()
{
    QFETCH_GLOBAL(QString, driver);
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    const QString report = QStringLiteral(
        "SELECT ticket_id, seq, at FROM events WHERE type = 'sla_breached' AND at >= 0 AND at < "
        "86400000 ORDER BY at");
    QString plan;
    if (driver == u"sqlite") {
        auto explained = runQuery(*db, QStringLiteral("EXPLAIN QUERY PLAN ") + report);
        QVERIFY(explained.ok());
        while (explained->next())
            plan += explained->value(3).toString() + u'\n';
    } else {
        // An empty table is cheapest to scan; what matters is that the index can serve it.
        QVERIFY(runQuery(*db, QStringLiteral("SET enable_seqscan = off")).ok());
        auto explained = runQuery(*db, QStringLiteral("EXPLAIN ") + report);
        QVERIFY(explained.ok());
        while (explained->next())
            plan += explained->value(0).toString() + u'\n';
        QVERIFY(runQuery(*db, QStringLiteral("SET enable_seqscan = on")).ok());
    }
    QVERIFY2(plan.contains(u"events_breached_at"_qs), qPrintable(plan));
    QVERIFY2(!plan.contains(u"TEMP B-TREE"_qs) && !plan.contains(u"Sort"_qs), qPrintable(plan));
}

void TestSchema::branchAssigneesAreBackfilled()
{
    // A database of version 6 with a ticket in a parallel state: migration 7 finds its branch
    // assignees in the branches column (each once; none for an unassigned branch).
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    QVERIFY(db.ok());
    for (const char *sql :
         {"DROP TABLE ticket_branch_assignees", "DELETE FROM schema_migrations WHERE version >= 7"})
        QVERIFY(runQuery(*db, QString::fromLatin1(sql)).ok());
    const QString insert = QStringLiteral(
        "INSERT INTO tickets (id, key, workflow, workflow_version, title, state, status, "
        "originator, version, created_at, updated_at, branches) VALUES (?, ?, 'repair', 1, 't', "
        "'fix', 'open', 'amy', 1, 0, 0, ?)");
    QVERIFY(runQuery(*db, insert,
                     {1, QStringLiteral("RE-1"),
                      QStringLiteral(R"([{"name":"a","assignee":"bill"},)"
                                     R"({"name":"b","assignee":null},)"
                                     R"({"name":"c","assignee":"bea"},)"
                                     R"({"name":"d","assignee":"bill"}])")})
                .ok());
    QVERIFY(runQuery(*db, insert, {2, QStringLiteral("RE-2"), QStringLiteral("[]")}).ok());
    auto migrated = Schema::migrate(**database);
    QVERIFY2(migrated.ok(), qPrintable(migrated.ok() ? QString() : migrated.error()));
    QCOMPARE(migrated.value(), Schema::latestVersion());
    auto rows = runQuery(*db,
                         QStringLiteral("SELECT ticket_id, username FROM "
                                        "ticket_branch_assignees ORDER BY ticket_id, username"));
    QVERIFY(rows.ok());
    QStringList found;
    while (rows->next())
        found << rows->value(0).toString() + u':' + rows->value(1).toString();
    QCOMPARE(found, (QStringList {QStringLiteral("1:bea"), QStringLiteral("1:bill")}));
}

void TestSchema::versionsFromBeforeOriginsCountAsFiles()
{
    // A database of version 9 with workflow and organisation versions: migration 10 gives
    // them origin "file"; set back with the columns still there, it runs again unharmed.
    BATON_FRESH_DATABASE(m_databases, url);
    auto database = Database::open(url);
    QVERIFY(database.ok());
    QVERIFY(Schema::migrate(**database).ok());
    auto db = (*database)->connection();
    QVERIFY(db.ok());
    QVERIFY(
        runQuery(*db, QStringLiteral("DELETE FROM schema_migrations WHERE version >= 10")).ok());
    auto again = Schema::migrate(**database);
    QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error()));
    for (const char *sql :
         {"ALTER TABLE workflow_versions DROP COLUMN origin",
          "ALTER TABLE workflow_versions DROP COLUMN origin_path",
          "ALTER TABLE org_versions DROP COLUMN origin",
          "ALTER TABLE org_versions DROP COLUMN origin_path",
          "ALTER TABLE org_versions DROP COLUMN published_by",
          "DELETE FROM schema_migrations WHERE version >= 10",
          "INSERT INTO workflow_versions (name, version, source, hash, published_at, published_by) "
          "VALUES ('a', 1, 'workflow: a', 'h', 0, 'baton serve')",
          "INSERT INTO org_versions (version, source, hash, published_at) VALUES (1, 'x', 'h', 0)"})
        QVERIFY2(runQuery(*db, QString::fromLatin1(sql)).ok(), sql);
    auto migrated = Schema::migrate(**database);
    QVERIFY2(migrated.ok(), qPrintable(migrated.ok() ? QString() : migrated.error()));
    QCOMPARE(migrated.value(), Schema::latestVersion());
    for (const char *table : {"workflow_versions", "org_versions"}) {
        auto rows = runQuery(
            *db, QStringLiteral("SELECT origin, origin_path FROM ") + QString::fromLatin1(table));
        QVERIFY(rows.ok() && rows->next());
        QCOMPARE(rows->value(0).toString(), QStringLiteral("file"));
        QVERIFY(rows->value(1).isNull());
    }
}

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The writer's statements on SQLite's own handle must store exactly what Qt's driver stores:
// readers (and older rows) go through Qt.
#include "store/database.h"
#include "store/sqlitestatement.h"

#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

class TestSqliteStatement : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void storesWhatQtStores_data();
    void storesWhatQtStores();
    void runsAgainWithNewValues();
    void refusesWrongValueCounts();
    void reportsErrorsAndStaysUsable();
    void refusesBadStatements();
    void refusesTextWithNul();

private:
    QTemporaryDir m_dir;
    std::shared_ptr<Database> m_database;
    QSqlDatabase m_db;
};

void TestSqliteStatement::init()
{
    QVERIFY(m_dir.isValid());
    auto database
        = Database::open(QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("s.db")));
    QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error()));
    m_database = *database;
    auto db = m_database->connection();
    QVERIFY(db.ok());
    m_db = *db;
    QVERIFY(runQuery(m_db, QStringLiteral("DROP TABLE IF EXISTS probe")).ok());
    QVERIFY(runQuery(m_db, QStringLiteral("CREATE TABLE probe (via TEXT, v)")).ok());
}

void TestSqliteStatement::cleanup()
{
    m_db = QSqlDatabase();
    m_database.reset();
}

void TestSqliteStatement::storesWhatQtStores_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::newRow("int64 beyond 2^53") << QVariant(qint64(9007199254740993LL));
    QTest::newRow("negative int") << QVariant(int(-42));
    QTest::newRow("bool") << QVariant(true);
    QTest::newRow("double") << QVariant(-0.25);
    QTest::newRow("empty text") << QVariant(QString(u""_qs));
    QTest::newRow("tricky text") << QVariant(
        QStringLiteral("O'Brien \\ '' ? $1 \" -- ; 张伟 😀 \n\t end\\"));
    QTest::newRow("blob") << QVariant(QByteArray("\x00\xff{\"a\":1}", 9));
    QTest::newRow("null text") << QVariant(QMetaType(QMetaType::QString));
    QTest::newRow("null int64") << QVariant(QMetaType(QMetaType::LongLong));
    QTest::newRow("invalid") << QVariant();
}

void TestSqliteStatement::storesWhatQtStores()
{
    QFETCH(QVariant, value);
    QVERIFY(runQuery(m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES ('qt', ?)"), {value})
                .ok());
    auto statement = SqliteStatement::prepare(
        m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES ('handle', ?)"));
    QVERIFY(statement.ok());
    auto ran = statement->run(&value, 1);
    QVERIFY2(ran.ok(), qPrintable(ran.ok() ? QString() : ran.error()));
    QCOMPARE(ran->rowsChanged, 1);
    auto read = runQuery(m_db,
                         QStringLiteral("SELECT via, typeof(v), v, hex(v) FROM probe "
                                        "ORDER BY via"));
    QVERIFY(read.ok());
    QVERIFY(read->next());
    QCOMPARE(read->value(0).toString(), QStringLiteral("handle"));
    const QString type = read->value(1).toString();
    const QVariant stored = read->value(2);
    const QString hex = read->value(3).toString();
    QVERIFY(read->next());
    QCOMPARE(read->value(0).toString(), QStringLiteral("qt"));
    QCOMPARE(type, read->value(1).toString()); // same storage class
    QCOMPARE(hex, read->value(3).toString()); // same bytes
    QCOMPARE(stored, read->value(2));
    QVERIFY(!read->next());
}

void TestSqliteStatement::runsAgainWithNewValues()
{
    auto insert = SqliteStatement::prepare(
        m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES (?, ?) RETURNING rowid"));
    QVERIFY(insert.ok());
    for (int i = 1; i <= 3; ++i) {
        const QVariant values[] = {QStringLiteral("row %1").arg(i), i * 10};
        auto ran = insert->run(values, 2);
        QVERIFY(ran.ok());
        QCOMPARE(ran->firstValue, std::optional<qint64>(i)); // the RETURNING value
    }
    auto update = SqliteStatement::prepare(m_db,
                                           QStringLiteral("UPDATE probe SET v = v + 1 "
                                                          "WHERE v >= ?"));
    QVERIFY(update.ok());
    const QVariant from = 20;
    auto updated = update->run(&from, 1);
    QVERIFY(updated.ok());
    QCOMPARE(updated->rowsChanged, 2);
    QVERIFY(!updated->firstValue);
    auto sum = runQuery(m_db,
                        QStringLiteral("SELECT group_concat(via || '=' || v, ',') FROM "
                                       "(SELECT * FROM probe ORDER BY rowid)"));
    QVERIFY(sum.ok() && sum->next());
    QCOMPARE(sum->value(0).toString(), QStringLiteral("row 1=10,row 2=21,row 3=31"));
}

// Text holding U+0000 is refused as PostgreSQL refuses it (both ways of binding), with a
// SQLSTATE the writer tells a refused row by; nothing is stored.
void TestSqliteStatement::refusesTextWithNul()
{
    const QVariant values[] = {QStringLiteral("handle"), QString::fromUtf8("a\0b", 3)};
    auto statement = SqliteStatement::prepare(
        m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES (?, ?)"));
    QVERIFY(statement.ok());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("U\\+0000")));
    QString code;
    auto ran = statement->run(values, 2, &code);
    QVERIFY(!ran.ok());
    QVERIFY2(ran.error().contains(QStringLiteral("value 2")), qPrintable(ran.error()));
    QCOMPARE(code, QStringLiteral("22021"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("U\\+0000")));
    QVERIFY(
        !runQuery(m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES ('qt', ?)"), {values[1]})
             .ok());
    auto count = runQuery(m_db, QStringLiteral("SELECT count(*) FROM probe"));
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), 0);
}

void TestSqliteStatement::refusesWrongValueCounts()
{
    auto statement = SqliteStatement::prepare(
        m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES (?, ?)"));
    QVERIFY(statement.ok());
    const QVariant one[] = {QStringLiteral("only one")};
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("1 values for 2")));
    auto ran = statement->run(one, 1);
    QVERIFY(!ran.ok());
    QVERIFY(ran.error().contains(QStringLiteral("1 values for 2 placeholders")));
    auto count = runQuery(m_db, QStringLiteral("SELECT count(*) FROM probe"));
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), 0);
}

void TestSqliteStatement::reportsErrorsAndStaysUsable()
{
    QVERIFY(runQuery(m_db, QStringLiteral("CREATE UNIQUE INDEX probe_via ON probe (via)")).ok());
    auto statement = SqliteStatement::prepare(
        m_db, QStringLiteral("INSERT INTO probe (via, v) VALUES (?, ?)"));
    QVERIFY(statement.ok());
    const QVariant first[] = {QStringLiteral("a"), 1};
    QVERIFY(statement->run(first, 2).ok());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("UNIQUE constraint")));
    auto duplicate = statement->run(first, 2);
    QVERIFY(!duplicate.ok());
    QVERIFY2(duplicate.error().startsWith(QStringLiteral("database error: UNIQUE constraint")),
             qPrintable(duplicate.error()));
    const QVariant second[] = {QStringLiteral("b"), 2};
    QVERIFY(statement->run(second, 2).ok()); // reset after the failure
    auto count = runQuery(m_db, QStringLiteral("SELECT count(*) FROM probe"));
    QVERIFY(count.ok() && count->next());
    QCOMPARE(count->value(0).toInt(), 2);
}

void TestSqliteStatement::refusesBadStatements()
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("prepare failed")));
    auto bad = SqliteStatement::prepare(m_db, QStringLiteral("INSERT INTO nowhere VALUES (?)"));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().contains(QStringLiteral("no such table")), qPrintable(bad.error()));
    auto closed = SqliteStatement::prepare(QSqlDatabase(), QStringLiteral("SELECT 1"));
    QVERIFY(!closed.ok());
    SqliteStatement unprepared;
    QVERIFY(!unprepared.run(nullptr, 0).ok());
}

QTEST_GUILESS_MAIN(TestSqliteStatement)
#include "tst_sqlitestatement.moc"

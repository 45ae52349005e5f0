// SPDX-License-Identifier: GPL-3.0-or-later
// The store owns all SQL: no string literal outside engine/store/ reads like SQL. SQL in this
// code base is written in upper case (SELECT ... FROM ... WHERE), so the check looks for the
// upper-case keywords in the shapes only SQL has; "DELETE" alone (an HTTP method) is not SQL,
// "DELETE FROM" is.
#include "sourcetree.h"

#include <QRegularExpression>
#include <QTest>

using namespace House;

namespace {

const QRegularExpression &sqlShape()
{
    static const QRegularExpression shape(QStringLiteral(
        R"(\bSELECT\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b)"
        R"(|\b(CREATE|DROP)\s+(UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER|SEQUENCE)\b|\bALTER\s+TABLE\b)"
        R"(|\bWHERE\s|\bPRAGMA\s|\b(LISTEN|NOTIFY|UNLISTEN)\s+\w|\bpg_notify\b)"
        R"(|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION)\b|\bON\s+CONFLICT\b)"));
    return shape;
}

} // namespace

class TestSqlPlace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theShapeIsSql_data();
    void theShapeIsSql();
    void literalsAreFoundInCodeOnly();
    void noSqlOutsideTheStore();
};

// What the check calls SQL and what it does not, on literals of this code base.
void TestSqlPlace::theShapeIsSql_data()
{
    QTest::addColumn<QString>("literal");
    QTest::addColumn<bool>("sql");
    QTest::newRow("select") << QStringLiteral("SELECT 1") << true;
    QTest::newRow("select fragment") << QStringLiteral("SELECT ") << true;
    QTest::newRow("insert") << QStringLiteral("INSERT INTO sessions (token_hash) VALUES (?)")
                            << true;
    QTest::newRow("insert or ignore") << QStringLiteral("INSERT OR IGNORE INTO users") << true;
    QTest::newRow("update") << QStringLiteral("UPDATE users SET name = ?") << true;
    QTest::newRow("delete") << QStringLiteral("DELETE FROM sessions WHERE username = ?") << true;
    QTest::newRow("where fragment") << QStringLiteral(" WHERE username = ?") << true;
    QTest::newRow("create table") << QStringLiteral("CREATE TABLE timers (") << true;
    QTest::newRow("create unique index")
        << QStringLiteral("CREATE UNIQUE INDEX a ON b (c)") << true;
    QTest::newRow("alter") << QStringLiteral("ALTER TABLE users ADD COLUMN x") << true;
    QTest::newRow("drop") << QStringLiteral("DROP INDEX a") << true;
    QTest::newRow("pragma") << QStringLiteral("PRAGMA journal_mode = WAL") << true;
    QTest::newRow("listen") << QStringLiteral("LISTEN baton_changes") << true;
    QTest::newRow("pg_notify") << QStringLiteral("SELECT pg_notify(?, ?)") << true;
    QTest::newRow("begin") << QStringLiteral("BEGIN IMMEDIATE") << true;
    QTest::newRow("http method") << QStringLiteral("DELETE") << false;
    QTest::newRow("event type") << QStringLiteral("update") << false;
    QTest::newRow("english") << QStringLiteral("select a queue, then delete from the list")
                             << false;
    QTest::newRow("ui text") << QStringLiteral("Create a ticket") << false;
}

void TestSqlPlace::theShapeIsSql()
{
    QFETCH(QString, literal);
    QFETCH(bool, sql);
    QCOMPARE(sqlShape().match(literal).hasMatch(), sql);
}

// The lexer reads literals, not comments, and is not fooled by a quote in a character literal.
void TestSqlPlace::literalsAreFoundInCodeOnly()
{
    const QString code
        = QStringLiteral("// SELECT in a comment\n"
                         "/* DELETE FROM t\n WHERE 1 */ auto c = '\"'; int n = 1'000;\n"
                         "auto a = QStringLiteral(\"one \\\"two\\\"\");\n"
                         "auto b = R\"x(raw \"SELECT\")x\" u\"three\";\n");
    const QList<Literal> literals = stringLiterals(code);
    QCOMPARE(literals.size(), 3);
    QCOMPARE(literals.at(0).text, QStringLiteral("one \\\"two\\\""));
    QCOMPARE(literals.at(0).line, 4); // the block comment spans two lines
    QCOMPARE(literals.at(1).text, QStringLiteral("raw \"SELECT\""));
    QCOMPARE(literals.at(1).line, 5);
    QCOMPARE(literals.at(2).text, QStringLiteral("three"));
}

void TestSqlPlace::noSqlOutsideTheStore()
{
    QStringList found;
    int literals = 0;
    for (const QString &module : engineModules()) {
        if (module == QLatin1String("store"))
            continue;
        for (const QString &file : moduleFiles(module)) {
            for (const Literal &literal : stringLiterals(readSource(file))) {
                ++literals;
                if (sqlShape().match(literal.text).hasMatch())
                    found << QStringLiteral("%1:%2: \"%3\"")
                                 .arg(file)
                                 .arg(literal.line)
                                 .arg(literal.text);
            }
        }
    }
    // The lexer must have seen the code: the engine has thousands of literals.
    QVERIFY2(literals > 1000,
             qPrintable(QStringLiteral("only %1 string literals found").arg(literals)));
    for (const QString &finding : std::as_const(found))
        qWarning().noquote() << finding;
    QVERIFY2(found.isEmpty(),
             qPrintable(QStringLiteral("%1 SQL literals outside engine/store/ (listed above): put "
                                       "them behind named functions of the store")
                            .arg(found.size())));
}

QTEST_GUILESS_MAIN(TestSqlPlace)
#include "tst_sqlplace.moc"

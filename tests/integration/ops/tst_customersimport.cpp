// SPDX-License-Identifier: GPL-3.0-or-later
// `baton customers import FILE` as an operator moving off another system runs it: the real
// binary on a real SQLite file and a real PostgreSQL database, read back through the store.
// The files are what spreadsheets write: a byte order mark, columns in their own order, quoted
// cells with commas and line breaks, a GBK export.
#include "opsprocess.h"
#include "pgharness.h"
#include "store/customerrows.h"
#include "store/database.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;

class TestCustomersImport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    TestDatabase m_databases;

    QString writeFile(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) < 0)
            return {};
        return path;
    }

    static CommandRun import(const QString &file, const QString &url, const QStringList &more = {})
    {
        return runBaton(QStringList {QStringLiteral("customers"), QStringLiteral("import"), file,
                                     QStringLiteral("--db"), url}
                        + more);
    }

    /// The stored customer `id`, or an empty row (id empty) when there is none.
    static CustomerRow stored(const QString &url, const QString &id)
    {
        auto database = Database::open(url);
        if (!database)
            return {};
        auto db = (*database)->connection();
        if (!db)
            return {};
        auto row = CustomerRows::get(*db, id);
        return row && *row ? **row : CustomerRow {};
    }

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }

    void spreadsheetExportWithHeaderInItsOwnOrder()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        // BOM, header in another order, a comma and a line break inside quotes, Chinese, a
        // bad tier on the line after the multi-line record (so its number must count lines).
        const QString file = writeFile(QStringLiteral("export.csv"),
                                       "\xef\xbb\xbfname,id,tier,phone,email\r\n"
                                       "\"Wang, Li\",C1,a,+86 138-0013-8000,wang@example.cn\r\n"
                                       "\"\xe5\xbc\xa0\xe4\xbc\x9f\nBranch 2\",C2,B,,\r\n"
                                       "Bad Tier,C3,Z,,\r\n"
                                       "No Phone,C4,,not a number,\r\n");
        const CommandRun run = import(file, url);
        QCOMPARE(run.exitCode, 1); // lines were refused
        QVERIFY2(run.out.contains(
                     QStringLiteral("2 customers added, 0 updated, 0 unchanged, 2 lines refused")),
                 qPrintable(run.describe()));
        QVERIFY2(run.err.contains(file + u":5: error: tier 'Z' is not A, B or C"),
                 qPrintable(run.describe()));
        QVERIFY2(run.err.contains(file + u":6: error: phone 'not a number'"),
                 qPrintable(run.describe()));

        const CustomerRow wang = stored(url, QStringLiteral("C1"));
        QCOMPARE(wang.name, QStringLiteral("Wang, Li"));
        QCOMPARE(wang.tier, QStringLiteral("A"));
        QCOMPARE(wang.email, QStringLiteral("wang@example.cn"));
        QCOMPARE(stored(url, QStringLiteral("C2")).name, QStringLiteral("张伟\nBranch 2"));
        QVERIFY(stored(url, QStringLiteral("C3")).id.isEmpty());

        // Found however the phone is written (the import stores its normalised form).
        auto database = Database::open(url);
        QVERIFY(database);
        auto db = (*database)->connection();
        QVERIFY(db);
        const auto found = CustomerRows::find(*db, QStringLiteral("0086 13800138000"), 5);
        QVERIFY(found);
        QCOMPARE(found->size(), 1);
        QCOMPARE(found->first().id, QStringLiteral("C1"));
    }

    void importingAgainChangesNothing()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        const QString file = writeFile(QStringLiteral("again.csv"),
                                       "id,name,phone,email,tier\n"
                                       "K1,Li Na,13900001111,,C\n"
                                       "K2,Zhou,,,\n");
        QCOMPARE(import(file, url).exitCode, 0);
        const qint64 firstWrite = stored(url, QStringLiteral("K1")).updatedAt;
        QVERIFY(firstWrite > 0);

        const CommandRun again = import(file, url);
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.out.contains(
                     QStringLiteral("0 customers added, 0 updated, 2 unchanged, 0 lines refused")),
                 qPrintable(again.describe()));
        QCOMPARE(stored(url, QStringLiteral("K1")).updatedAt, firstWrite);

        const QString changed = writeFile(QStringLiteral("changed.csv"),
                                          "id,name,phone,email,tier\n"
                                          "K1,Li Na,13900001111,li@example.cn,B\n"
                                          "K2,Zhou,,,\n");
        const CommandRun update = import(changed, url);
        QVERIFY2(update.out.contains(
                     QStringLiteral("0 customers added, 1 updated, 1 unchanged, 0 lines refused")),
                 qPrintable(update.describe()));
        const CustomerRow k1 = stored(url, QStringLiteral("K1"));
        QCOMPARE(k1.tier, QStringLiteral("B"));
        QCOMPARE(k1.email, QStringLiteral("li@example.cn"));
    }

    void gbkExportNeedsItsEncoding()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        // "王丽" in GBK: read as UTF-8 it would be garbage, so the whole file is refused.
        const QString file = writeFile(QStringLiteral("gbk.csv"), "id,name\nG1,\xcd\xf5\xc0\xf6\n");
        const CommandRun refused = import(file, url);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(file + u": error: the file is not valid UTF-8"),
                 qPrintable(refused.describe()));
        QVERIFY(stored(url, QStringLiteral("G1")).id.isEmpty());

        const CommandRun decoded
            = import(file, url, {QStringLiteral("--encoding"), QStringLiteral("GB18030")});
        QCOMPARE(decoded.exitCode, 0);
        QCOMPARE(stored(url, QStringLiteral("G1")).name, QStringLiteral("王丽"));

        const CommandRun unknown
            = import(file, url, {QStringLiteral("--encoding"), QStringLiteral("no-such-encoding")});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QStringLiteral("unknown encoding 'no-such-encoding'")),
                 qPrintable(unknown.describe()));
    }

    void unknownColumnStopsBeforeWriting()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        const QString file
            = writeFile(QStringLiteral("colour.csv"), "id,name,colour\nX1,Someone,red\n");
        const CommandRun run = import(file, url);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(file + u":1: error: header: unknown or repeated column"),
                 qPrintable(run.describe()));
        QVERIFY(stored(url, QStringLiteral("X1")).id.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCustomersImport)
#include "tst_customersimport.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// `baton user add` as an operator runs it: the real binary, the password on standard input, a
// real SQLite file and a real PostgreSQL database read back through the store. A user's own
// time zone is checked as the API checks it (an IANA name QTimeZone knows), so that what the
// command line lets in the weekly summary and the quiet hours can use.
#include "opsprocess.h"
#include "pgharness.h"
#include "store/database.h"
#include "store/userrows.h"

#include <QTest>

using namespace Baton;
using namespace Baton::Test;

class TestUserAdd : public QObject
{
    Q_OBJECT

private:
    TestDatabase m_databases;

    /// `baton user add USERNAME` with the shipped workflows, `password` on standard input.
    static CommandRun addUser(const QString &url, const QString &username, const QStringList &more,
                              const QByteArray &password = "secret-pw")
    {
        QProcess process;
        process.start(QStringLiteral(BATON_BINARY),
                      QStringList {QStringLiteral("user"), QStringLiteral("add"), username,
                                   QStringLiteral("--name"), QStringLiteral("Wong Ka Yan"),
                                   QStringLiteral("--department"),
                                   QStringLiteral("customer-service"), QStringLiteral("--role"),
                                   QStringLiteral("agent"), QStringLiteral("--password-stdin"),
                                   QStringLiteral("--db"), url, QStringLiteral("--workflows"),
                                   QStringLiteral(BATON_SOURCE_DIR "/workflows")}
                          + more);
        CommandRun run;
        if (!process.waitForStarted(10000)) {
            run.err = process.errorString();
            return run;
        }
        process.write(password + "\n");
        process.closeWriteChannel();
        if (!process.waitForFinished(120000)) {
            process.kill();
            process.waitForFinished();
            run.err = QStringLiteral("did not finish");
            return run;
        }
        run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        run.out = QString::fromUtf8(process.readAllStandardOutput());
        run.err = QString::fromUtf8(process.readAllStandardError());
        return run;
    }

    /// The stored user, if there is one.
    static std::optional<UserRow> stored(const QString &url, const QString &username)
    {
        auto database = Database::open(url);
        if (!database)
            return std::nullopt;
        auto db = (*database)->connection();
        if (!db)
            return std::nullopt;
        auto row = UserRows::find(*db, username);
        return row ? *row : std::nullopt;
    }

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }

    void aUserIsAddedInTheirOwnTimeZone()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        const CommandRun run
            = addUser(url, QStringLiteral("kayan"),
                      {QStringLiteral("--time-zone"), QStringLiteral("Asia/Hong_Kong")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const auto user = stored(url, QStringLiteral("kayan"));
        QVERIFY(user);
        QCOMPARE(user->timeZone, QStringLiteral("Asia/Hong_Kong"));
        QCOMPARE(user->roles, QStringList {QStringLiteral("agent")});
        QVERIFY(run.out.contains(QStringLiteral("Asia/Hong_Kong")));
    }

    void anOffsetIsNotATimeZone()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        // What people write for Hong Kong's clock, but not a zone: no summer time rules, and
        // QTimeZone does not know it by that name. The command says why and creates no one.
        const CommandRun run
            = addUser(url, QStringLiteral("kayan"),
                      {QStringLiteral("--time-zone"), QStringLiteral("UTC+08:00")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("time_zone"))
                     && run.err.contains(QStringLiteral("Asia/Hong_Kong")),
                 qPrintable(run.describe()));
        QVERIFY(!stored(url, QStringLiteral("kayan")));
    }

    void withoutAZoneTheOrganisationsClockApplies()
    {
        BATON_FRESH_DATABASE(m_databases, url);
        const CommandRun run = addUser(url, QStringLiteral("kayan"), {});
        QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
        const auto user = stored(url, QStringLiteral("kayan"));
        QVERIFY(user);
        QVERIFY(user->timeZone.isEmpty());
    }

    void theHelpNamesTheZoneFlag()
    {
        if (TestDatabase::currentDriver() != u"sqlite")
            QSKIP("no database involved");
        const CommandRun run = runBaton({QStringLiteral("user"), QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("--time-zone")), qPrintable(run.describe()));
    }
};

QTEST_GUILESS_MAIN(TestUserAdd)
#include "tst_useradd.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Upgrades: every earlier release's database (tests/fixtures/upgrade, written by that release's
// own binary; generate.sh there) migrates with today's `baton migrate` and today's `baton
// serve` serves its tickets as that release did. `baton migrate --dry-run` changes nothing.
#include "opsprocess.h"
#include "pgharness.h"

#include "store/database.h"
#include "store/schema.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;

namespace {

const QString fixtureDir = QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures/upgrade");

// The keys the fixture's .json keeps (generate.sh, the jq filter): what the database stores,
// not what a request computes (the caller's actions, SLA flags at "now").
QJsonObject stableTicket(const QJsonObject &ticket)
{
    QJsonObject stable;
    for (const char *key :
         {"id", "key", "workflow", "workflow_version", "title", "state", "status", "queue",
          "assignee", "originator", "priority", "handoffs", "flagged", "fields", "customer",
          "version", "created_at", "updated_at", "closed_at"}) {
        const QJsonValue value = ticket.value(QLatin1String(key));
        stable.insert(QLatin1String(key), value.isUndefined() ? QJsonValue() : value);
    }
    QJsonArray branches;
    for (const QJsonValue &b : ticket.value(QLatin1String("branches")).toArray()) {
        QJsonObject branch;
        for (const char *key : {"name", "queue", "assignee", "status"}) {
            const QJsonValue value = b.toObject().value(QLatin1String(key));
            branch.insert(QLatin1String(key), value.isUndefined() ? QJsonValue() : value);
        }
        branches.append(branch);
    }
    stable.insert(QStringLiteral("branches"), branches);
    return stable;
}

// psql -f FILE into the test cluster's database of `url`.
QString loadSqlDump(const QString &url, const QString &file)
{
    PgHarness *pg = PgHarness::shared();
    QProcess psql;
    psql.start(QStringLiteral("psql"),
               {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-v"),
                QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), pg->socketDir(),
                QStringLiteral("-p"), QString::number(pg->port()), QStringLiteral("-U"),
                QStringLiteral("postgres"), QStringLiteral("-d"),
                url.section(u'/', 3).section(u'?', 0, 0), QStringLiteral("-f"), file});
    if (!psql.waitForFinished(120000) || psql.exitCode() != 0)
        return QStringLiteral("psql -f %1 failed: %2")
            .arg(file, QString::fromLocal8Bit(psql.readAllStandardError()));
    return {};
}

// The schema version `baton migrate` says it left the database at ("schema migrated from
// version A to B" or "schema is up to date (version B)"): B, or -1 when it says neither.
int reachedVersion(const QString &migrateOutput)
{
    static const QRegularExpression reached(QStringLiteral(
        "schema (?:migrated from version (\\d+) to (\\d+)|is up to date \\(version (\\d+)\\))"));
    const QRegularExpressionMatch match = reached.match(migrateOutput);
    if (!match.hasMatch())
        return -1;
    if (match.hasCaptured(2)) {
        // A migration goes forward only.
        return match.captured(1).toInt() < match.captured(2).toInt() ? match.captured(2).toInt()
                                                                     : -1;
    }
    return match.captured(3).toInt();
}

// Deletes schema_migrations rows above `version` (the database then looks older, as tst_schema
// does it). The 0.1.0 fixtures are at version 9, and migrations 8 and 9 are written to run again
// over their own result; later migrations run over a schema that never had them.
// Forgets the migrations recorded that `condition` (on `version`, with one ? for `number`) picks.
bool forgetMigrations(const QString &path, const char *condition, int number)
{
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("b"));
        db.setDatabaseName(path);
        QSqlQuery query(db);
        ok = db.open()
            && query.prepare(QStringLiteral("DELETE FROM schema_migrations WHERE version ")
                             + QLatin1String(condition));
        query.addBindValue(number);
        ok = ok && query.exec();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("b"));
    return ok;
}

bool setBack(const QString &path, int version)
{
    return forgetMigrations(path, "> ?", version);
}

} // namespace

class TestUpgrade : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fixturesMigrateAndServe_data();
    void fixturesMigrateAndServe();
    void dryRunChangesNothing();
    void dryRunOnPostgreSqlChangesNothing();

private:
    QTemporaryDir m_dir {QDir::tempPath() + u"/baton-upgrade-XXXXXX"};
    TestDatabase m_databases;
};

void TestUpgrade::fixturesMigrateAndServe_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("driver");
    const QDir dir(fixtureDir);
    const QStringList sqlite = dir.entryList({QStringLiteral("baton-*.sqlite")}, QDir::Files);
    const QStringList postgresql
        = dir.entryList({QStringLiteral("baton-*.postgresql.sql")}, QDir::Files);
    QVERIFY2(!sqlite.isEmpty() && !postgresql.isEmpty(), "no upgrade fixtures");
    for (const QString &name : sqlite)
        QTest::newRow(qPrintable(name)) << dir.filePath(name) << QStringLiteral("sqlite");
    for (const QString &name : postgresql)
        QTest::newRow(qPrintable(name)) << dir.filePath(name) << QStringLiteral("postgresql");
}

// Migration 25: the tables written per action lost AUTOINCREMENT in place; the file is whole,
// and a notification's id (which the API shows) continues above the release's.
static void checkNoAutoincrement(const QSqlDatabase &db)
{
    const auto single = [&db](const QString &sql) {
        auto query = runQuery(db, sql);
        return query && query->next() ? query->value(0) : QVariant();
    };
    QCOMPARE(single(u"SELECT COUNT(*) FROM sqlite_master WHERE name IN ('timers', 'comments', "
                    "'notifications') AND sql LIKE '%AUTOINCREMENT%'"_qs)
                 .toInt(),
             0);
    QCOMPARE(single(u"PRAGMA integrity_check"_qs).toString(), u"ok"_qs);
    const qint64 highest = single(u"SELECT MAX(id) FROM notifications"_qs).toLongLong();
    QVERIFY(runQuery(db,
                     u"INSERT INTO notifications (username, kind, message, at) VALUES "
                     "('amy', 'test', 'after the upgrade', 0)"_qs)
                .ok());
    QCOMPARE(single(u"SELECT MAX(id) FROM notifications"_qs).toLongLong(), highest + 1);
    QVERIFY(runQuery(db, u"DELETE FROM notifications WHERE kind = 'test'"_qs).ok());
}

void TestUpgrade::fixturesMigrateAndServe()
{
    QFETCH(QString, fixture);
    QFETCH(QString, driver);
    const QString expectedPath = (driver == u"sqlite" ? fixture : fixture.chopped(4)) + u".json";
    QFile expectedFile(expectedPath);
    QVERIFY2(expectedFile.open(QIODevice::ReadOnly), qPrintable(expectedPath));
    const QJsonObject expected = QJsonDocument::fromJson(expectedFile.readAll()).object();
    const QJsonArray expectedTickets = expected.value(QLatin1String("tickets")).toArray();
    QVERIFY2(expectedTickets.size() >= 10, qPrintable(expectedPath));

    QString url;
    if (driver == u"sqlite") {
        const QString copy = m_dir.filePath(QFileInfo(fixture).fileName());
        QFile::remove(copy);
        QVERIFY(QFile::copy(fixture, copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        url = u"sqlite:" + copy;
    } else {
        url = m_databases.create(driver);
        if (url.isEmpty() && !m_databases.skipReason().isEmpty())
            QSKIP(qPrintable(m_databases.skipReason()));
        QVERIFY2(!url.isEmpty(), qPrintable(m_databases.error()));
        const QString loaded = loadSqlDump(url, fixture);
        QVERIFY2(loaded.isEmpty(), qPrintable(loaded));
    }

    const CommandRun migrated = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), url});
    QVERIFY2(migrated.exitCode == 0, qPrintable(migrated.describe()));
    // The release's schema is whatever it was (older than today's, or today's for the newest
    // fixture); the migration must end at this build's version, whichever number that is.
    QVERIFY2(reachedVersion(migrated.out) == Schema::latestVersion(),
             qPrintable(QStringLiteral("expected schema version %1 after the migration; %2")
                            .arg(Schema::latestVersion())
                            .arg(migrated.describe())));
    const CommandRun check = runBaton(
        {QStringLiteral("migrate"), QStringLiteral("--db"), url, QStringLiteral("--dry-run")});
    QVERIFY2(check.out.contains(QStringLiteral("up to date")), qPrintable(check.describe()));

    // The release's SLA timers fall due as real time passes, and the fake clock starts at the
    // real now: timers due since the fixture was written would fire at start-up (a breach raises
    // a priority) and the tickets would no longer be as the release served them. What is
    // checked here is the stored state after the migration, so the timers go first; with
    // --fake-clock nothing falls due while the test reads.
    {
        auto database = Database::open(url);
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error()));
        auto db = (*database)->connection();
        QVERIFY(db.ok());
        auto cleared = runQuery(*db, QStringLiteral("DELETE FROM timers"));
        QVERIFY2(cleared.ok(), qPrintable(cleared.ok() ? QString() : cleared.error()));
        if (driver == u"sqlite")
            checkNoAutoincrement(*db);
    }
    ServeProcess server;
    const QString started = server.start(url, {QStringLiteral("--fake-clock")});
    QVERIFY2(started.isEmpty(), qPrintable(started));
    ApiClient admin(server.port, QStringLiteral("admin"), QStringLiteral("baton-demo"));
    const RawResponse list
        = admin.call("GET", QStringLiteral("/api/v1/tickets?limit=200&sort=created"));
    QVERIFY2(list.status == 200, list.body.constData());
    QMap<qint64, QJsonObject> served;
    for (const QJsonValue &ticket : list.json().value(QLatin1String("items")).toArray())
        served.insert(ticket.toObject().value(QLatin1String("id")).toInteger(),
                      stableTicket(ticket.toObject()));
    QCOMPARE(served.size(), expectedTickets.size());
    for (const QJsonValue &value : expectedTickets) {
        const QJsonObject want = value.toObject();
        const qint64 id = want.value(QLatin1String("id")).toInteger();
        const QJsonObject got = served.value(id);
        for (auto it = want.constBegin(); it != want.constEnd(); ++it)
            QVERIFY2(got.value(it.key()) == it.value(),
                     qPrintable(
                         QStringLiteral("ticket %1, %2: served %3, the release served %4")
                             .arg(id)
                             .arg(it.key(),
                                  QString::fromUtf8(QJsonDocument(QJsonArray {got.value(it.key())})
                                                        .toJson(QJsonDocument::Compact)),
                                  QString::fromUtf8(QJsonDocument(QJsonArray {it.value()})
                                                        .toJson(QJsonDocument::Compact)))));
        // Each one opens on its own too, with its history.
        const RawResponse events
            = admin.call("GET", QStringLiteral("/api/v1/tickets/%1/events").arg(id));
        QCOMPARE(events.status, 200);
        QVERIFY(!events.json().value(QLatin1String("items")).toArray().isEmpty());
    }
    // And the upgraded database takes new work.
    ApiClient amy(server.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    const RawResponse claimed = amy.call("GET", QStringLiteral("/api/v1/me"));
    QCOMPARE(claimed.status, 200);
    QCOMPARE(server.stop(), 0);
}

// --dry-run lists what would run and leaves the file byte for byte as it was (and creates
// nothing beside it); the real run then does what it listed.
void TestUpgrade::dryRunChangesNothing()
{
    const QStringList fixtures
        = QDir(fixtureDir).entryList({QStringLiteral("baton-*.sqlite")}, QDir::Files);
    QVERIFY(!fixtures.isEmpty());
    const QString copy = m_dir.filePath(QStringLiteral("dry.sqlite"));
    QVERIFY(QFile::copy(QDir(fixtureDir).filePath(fixtures.first()), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(setBack(copy, 7));
    const QByteArray before = fileHash(copy);
    const QStringList filesBefore = QDir(m_dir.path()).entryList(QDir::Files);

    const int latest = Schema::latestVersion();
    CommandRun run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy,
                               QStringLiteral("--dry-run")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(
                 QStringLiteral("would migrate the schema from version 7 to %1").arg(latest)),
             qPrintable(run.describe()));
    // Numbers are handed out per branch, so there are gaps (see schema.cpp): the ones there are.
    const QList<int> expected {8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25,
                               26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 39, 40, 41, 43, 44};
    QCOMPARE(expected.last(), latest);
    for (int version : expected)
        QVERIFY2(run.out.contains(QStringLiteral("migration %1:").arg(version)),
                 qPrintable(run.describe()));
    QVERIFY2(!run.out.contains(QStringLiteral("migration 7:")), qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral(
                 "CREATE INDEX IF NOT EXISTS tickets_status_due ON tickets(status, due_at, id);")),
             qPrintable(run.describe()));
    QCOMPARE(fileHash(copy), before);
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), filesBefore);

    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("migrated from version 7 to %1").arg(latest)),
             qPrintable(run.describe()));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy,
                    QStringLiteral("--dry-run")});
    QVERIFY2(run.out.contains(QStringLiteral("up to date")), qPrintable(run.describe()));
    // A number handed out to a branch merged later sits below the version reached: a database
    // at the latest version without it is not up to date, and the dry run lists that one only.
    QVERIFY(forgetMigrations(copy, "= ?", 27));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy,
                    QStringLiteral("--dry-run")});
    QVERIFY2(run.out.contains(QStringLiteral("migration 27:")), qPrintable(run.describe()));
    for (int version : {26, 28, latest})
        QVERIFY2(!run.out.contains(QStringLiteral("migration %1:").arg(version)),
                 qPrintable(run.describe()));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + copy,
                    QStringLiteral("--dry-run")});
    QVERIFY2(run.out.contains(QStringLiteral("up to date")), qPrintable(run.describe()));

    // No database yet: it would be created; it is not.
    const QString absent = m_dir.filePath(QStringLiteral("absent/baton.db"));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + absent,
                    QStringLiteral("--dry-run")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("from version 0 to %1").arg(latest)),
             qPrintable(run.describe()));
    QVERIFY(!QFileInfo::exists(absent));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("absent"))));
}

void TestUpgrade::dryRunOnPostgreSqlChangesNothing()
{
    const QString url = m_databases.create(QStringLiteral("postgresql"));
    if (url.isEmpty() && !m_databases.skipReason().isEmpty())
        QSKIP(qPrintable(m_databases.skipReason()));
    QVERIFY2(!url.isEmpty(), qPrintable(m_databases.error()));
    CommandRun run = runBaton(
        {QStringLiteral("migrate"), QStringLiteral("--db"), url, QStringLiteral("--dry-run")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("from version 0 to %1").arg(Schema::latestVersion())),
             qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("BIGSERIAL PRIMARY KEY")), qPrintable(run.describe()));
    // Still empty: a second dry run finds version 0 again, and the real run starts from 0.
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), url});
    QVERIFY2(run.out.contains(
                 QStringLiteral("migrated from version 0 to %1").arg(Schema::latestVersion())),
             qPrintable(run.describe()));
}

QTEST_GUILESS_MAIN(TestUpgrade)
#include "tst_upgrade.moc"

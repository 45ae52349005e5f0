// SPDX-License-Identifier: GPL-3.0-or-later
// `baton backup` / `baton restore` as an operator runs them: the built binary against a real
// `baton serve` under write load over HTTP, real SQLite files, a real PostgreSQL with pg_dump.
#include "opsprocess.h"
#include "pgharness.h"
#include "storedticket.h"
#include "writeload.h"

#include "runtime/engine.h"
#include "runtime/ticketstate.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/ticketreader.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;

namespace {

// The error of a Result, empty when it holds a value (QVERIFY2 evaluates its message always).
template<typename T> QString errorOf(const Result<T> &result)
{
    return result.ok() ? QString() : result.error();
}

/// A megabyte of binary (every byte value, no pattern a copy could get right by luck).
QByteArray binaryMegabyte()
{
    return pseudoRandomBytes(1024 * 1024, 1601);
}

/// Attaches binaryMegabyte() to `ticket` as `user`; the attachment's id, 0 when refused.
qint64 attachMegabyte(ApiClient &user, qint64 ticket)
{
    const RawResponse attached
        = user.attach(ticket, QStringLiteral("扫描 scan.bin"), binaryMegabyte());
    if (attached.status != 201)
        qWarning("attach: %d %s", attached.status, attached.body.constData());
    return attached.json().value(QLatin1String("id")).toInteger();
}

/// The file of attachment `id` on `ticket` as the server gives it.
QByteArray downloaded(ApiClient &user, qint64 ticket, qint64 id)
{
    const RawResponse file
        = user.call("GET", QStringLiteral("/api/v1/tickets/%1/attachments/%2").arg(ticket).arg(id));
    if (file.status != 200)
        qWarning("download: %d %s", file.status, file.body.left(200).constData());
    return file.body;
}

} // namespace

class TestBackup : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void backupUnderWriteLoadRestoresConsistently();
    void anAttachmentSurvivesBackupAndRestore();
    void restoreRefusesADatabaseInUse();
    void restoreRefusesWhatIsNotABatonDatabase();
    void backupWaitsForALockedDatabase();
    void restoreMigratesAnOlderBackup();
    void backupOfPostgreSqlNamesPgDump();
    void pgDumpAndPgRestoreRoundTrip();

private:
    QTemporaryDir m_dir {QDir::tempPath() + u"/baton-ops-XXXXXX"};
};

// A backup taken while `baton serve` answers writes is the database as of one instant: every
// ticket acknowledged before the backup began is in it, every ticket row equals the replay of
// its events, and a server starts on the restored copy.
void TestBackup::backupUnderWriteLoadRestoresConsistently()
{
    const QString live = m_dir.filePath(QStringLiteral("live.db"));
    const QString backup = m_dir.filePath(QStringLiteral("live.backup"));
    const QString restored = m_dir.filePath(QStringLiteral("restored.db"));
    ServeProcess server;
    const QString started = server.start(u"sqlite:" + live, {QStringLiteral("--demo")});
    QVERIFY2(started.isEmpty(), qPrintable(started));

    WriteLoad load(server.port, 4, 2);
    QVERIFY(load.signedIn());
    QTRY_VERIFY_WITH_TIMEOUT(load.writes() >= 150, 120000);
    const QList<qint64> before = load.acknowledged().tickets.keys();
    const int writesBefore = load.writes();

    // Small steps with a pause: the copy spans many of the server's commits.
    QProcess backupProcess;
    backupProcess.start(QStringLiteral(BATON_BINARY),
                        {QStringLiteral("backup"), QStringLiteral("--db"), u"sqlite:" + live,
                         QStringLiteral("--to"), backup, QStringLiteral("--step-pages"),
                         QStringLiteral("4"), QStringLiteral("--pause"), QStringLiteral("10")});
    QVERIFY(backupProcess.waitForStarted());
    // The writes answered while the copy ran (from its first progress line to its end).
    QString progress;
    int writesAtFirstStep = -1;
    while (backupProcess.state() == QProcess::Running || backupProcess.bytesAvailable() > 0) {
        backupProcess.waitForReadyRead(100);
        progress += QString::fromUtf8(backupProcess.readAllStandardError());
        if (writesAtFirstStep < 0 && progress.contains(u'%'))
            writesAtFirstStep = load.writes();
        if (backupProcess.state() != QProcess::Running)
            break;
    }
    backupProcess.waitForFinished();
    progress += QString::fromUtf8(backupProcess.readAllStandardError());
    const int writesAtEnd = load.writes();
    const QString summary = QString::fromUtf8(backupProcess.readAllStandardOutput());
    QVERIFY2(backupProcess.exitCode() == 0, qPrintable(progress + summary));
    QVERIFY2(summary.contains(u"backup of sqlite:" + live + u" written"), qPrintable(summary));
    QVERIFY2(progress.contains(QStringLiteral("100%")), qPrintable(progress));
    QVERIFY2(writesAtFirstStep >= 0 && writesAtEnd > writesAtFirstStep,
             qPrintable(QStringLiteral("no write was answered during the copy (%1 → %2):\n%3")
                            .arg(writesAtFirstStep)
                            .arg(writesAtEnd)
                            .arg(progress)));
    QVERIFY(!QFileInfo::exists(backup + u".partial"));
    QTRY_VERIFY_WITH_TIMEOUT(load.writes() >= writesAtEnd + 20, 60000); // still serving
    load.stop();
    QVERIFY2(load.failures() == 0,
             qPrintable(QStringLiteral("%1 writes refused, the last: %2")
                            .arg(load.failures())
                            .arg(load.lastFailure())));
    QCOMPARE(load.unanswered(), 0);
    QCOMPARE(server.stop(), 0);
    qInfo("%d writes before the backup, %d during it", writesBefore, writesAtEnd - writesBefore);

    const CommandRun restore = runBaton({QStringLiteral("restore"), QStringLiteral("--from"),
                                         backup, QStringLiteral("--db"), u"sqlite:" + restored});
    QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));
    QVERIFY2(restore.out.contains(QStringLiteral("restored from")), qPrintable(restore.describe()));

    {
        auto database = Database::open(u"sqlite:" + restored);
        QVERIFY2(database.ok(), qPrintable(errorOf(database)));
        auto db = (*database)->connection();
        QVERIFY2(db.ok(), qPrintable(errorOf(db)));
        auto ids = TicketReader::ticketIds(*db);
        QVERIFY2(ids.ok(), qPrintable(errorOf(ids)));
        const QSet<qint64> present(ids->cbegin(), ids->cend());
        for (qint64 id : before)
            QVERIFY2(present.contains(id),
                     qPrintable(QStringLiteral("ticket %1, acknowledged before the backup, is "
                                               "missing")
                                    .arg(id)));
        // Not the final database: the copy is of one instant during the load.
        auto liveDatabase = Database::open(u"sqlite:" + live);
        QVERIFY(liveDatabase.ok());
        auto liveDb = (*liveDatabase)->connection();
        QVERIFY2(liveDb.ok(), qPrintable(errorOf(liveDb)));
        auto liveIds = TicketReader::ticketIds(*liveDb);
        QVERIFY2(liveIds.ok(), qPrintable(errorOf(liveIds)));
        QVERIFY2(present.size() < liveIds->size(),
                 qPrintable(QStringLiteral("%1 tickets in the copy, %2 at the end")
                                .arg(present.size())
                                .arg(liveIds->size())));
        for (qint64 id : std::as_const(*ids)) {
            const QList<Event> events = storedEvents(**database, id);
            QVERIFY2(!events.isEmpty(), qPrintable(QString::number(id)));
            QCOMPARE(replay(id, events), storedTicket(**database, id));
        }
    }

    ServeProcess again;
    const QString restarted = again.start(u"sqlite:" + restored);
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    ApiClient amy(again.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    const qint64 someTicket = before.first();
    const RawResponse ticket
        = amy.call("GET", QStringLiteral("/api/v1/tickets/%1").arg(someTicket));
    QCOMPARE(ticket.status, 200);
    QCOMPARE(ticket.json().value(QLatin1String("id")).toInteger(), someTicket);
    QCOMPARE(amy.call("POST", QStringLiteral("/api/v1/tickets"),
                      jumpQueueTicket(QStringLiteral("After the restore")))
                 .status,
             201);
}

// Attachments live in the database (attachment_chunks), so `baton backup` takes them along: a
// ticket's 1 MB binary file comes back from the restored copy byte for byte, listed on its
// ticket with the same size and SHA-256.
void TestBackup::anAttachmentSurvivesBackupAndRestore()
{
    const QString live = m_dir.filePath(QStringLiteral("attached.db"));
    const QString backup = m_dir.filePath(QStringLiteral("attached.backup"));
    const QString restored = m_dir.filePath(QStringLiteral("attached-restored.db"));
    qint64 ticket = 0, attachment = 0;
    {
        ServeProcess server;
        const QString started = server.start(u"sqlite:" + live, {QStringLiteral("--demo")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        ApiClient amy(server.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
        const RawResponse opened = amy.call("POST", QStringLiteral("/api/v1/tickets"),
                                            jumpQueueTicket(QStringLiteral("Bill scan")));
        QCOMPARE(opened.status, 201);
        ticket = opened.json().value(QLatin1String("id")).toInteger();
        attachment = attachMegabyte(amy, ticket);
        QVERIFY(attachment > 0);
        // Taken while the server runs, as an operator would.
        const CommandRun backedUp = runBaton({QStringLiteral("backup"), QStringLiteral("--db"),
                                              u"sqlite:" + live, QStringLiteral("--to"), backup});
        QVERIFY2(backedUp.exitCode == 0, qPrintable(backedUp.describe()));
        QCOMPARE(server.stop(), 0);
    }
    const CommandRun restore = runBaton({QStringLiteral("restore"), QStringLiteral("--from"),
                                         backup, QStringLiteral("--db"), u"sqlite:" + restored});
    QVERIFY2(restore.exitCode == 0, qPrintable(restore.describe()));

    ServeProcess again;
    const QString restarted = again.start(u"sqlite:" + restored);
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    ApiClient amy(again.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    const QJsonArray listed = amy.call("GET", QStringLiteral("/api/v1/tickets/%1").arg(ticket))
                                  .json()
                                  .value(QLatin1String("attachments"))
                                  .toArray();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed[0].toObject().value(QLatin1String("size")).toInteger(), 1024 * 1024);
    QCOMPARE(listed[0].toObject().value(QLatin1String("sha256")).toString().toUtf8(),
             QCryptographicHash::hash(binaryMegabyte(), QCryptographicHash::Sha256).toHex());
    QVERIFY(downloaded(amy, ticket, attachment) == binaryMegabyte());
}

// A restore never replaces a database a server has open, even with --force, nor an existing
// one without --force; neither refusal changes the file.
void TestBackup::restoreRefusesADatabaseInUse()
{
    const QString live = m_dir.filePath(QStringLiteral("inuse.db"));
    const QString backup = m_dir.filePath(QStringLiteral("inuse.backup"));
    ServeProcess server;
    const QString started = server.start(u"sqlite:" + live, {QStringLiteral("--demo")});
    QVERIFY2(started.isEmpty(), qPrintable(started));
    CommandRun run = runBaton({QStringLiteral("backup"), QStringLiteral("--db"), u"sqlite:" + live,
                               QStringLiteral("--to"), backup});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));

    // A second backup to the same file: refused unless --force.
    run = runBaton({QStringLiteral("backup"), QStringLiteral("--db"), u"sqlite:" + live,
                    QStringLiteral("--to"), backup});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("--force")), qPrintable(run.describe()));

    const QByteArray hashBefore = fileHash(live);
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), backup,
                    QStringLiteral("--db"), u"sqlite:" + live});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("--force")), qPrintable(run.describe()));
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), backup,
                    QStringLiteral("--db"), u"sqlite:" + live, QStringLiteral("--force")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("in use")), qPrintable(run.describe()));
    QCOMPARE(fileHash(live), hashBefore);

    // The server is unharmed, and once it has stopped the restore goes through.
    ApiClient amy(server.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    QCOMPARE(amy.call("POST", QStringLiteral("/api/v1/tickets"),
                      jumpQueueTicket(QStringLiteral("Refused restore")))
                 .status,
             201);
    QCOMPARE(server.stop(), 0);
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), backup,
                    QStringLiteral("--db"), u"sqlite:" + live, QStringLiteral("--force")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
}

// A file that is not a Baton database, or of a schema newer than this build, is refused
// before anything is written.
void TestBackup::restoreRefusesWhatIsNotABatonDatabase()
{
    const QString target = m_dir.filePath(QStringLiteral("never.db"));
    const QString text = m_dir.filePath(QStringLiteral("notes.txt"));
    {
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("these are not the pages you are looking for\n").repeated(200));
    }
    CommandRun run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), text,
                               QStringLiteral("--db"), u"sqlite:" + target});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("not a database")), qPrintable(run.describe()));
    QVERIFY(!QFileInfo::exists(target));

    // A SQLite database, but another program's.
    const QString other = m_dir.filePath(QStringLiteral("other.db"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("o"));
        db.setDatabaseName(other);
        QVERIFY(db.open());
        QSqlQuery(db).exec(QStringLiteral("CREATE TABLE things (x INTEGER)"));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("o"));
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), other,
                    QStringLiteral("--db"), u"sqlite:" + target});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("is not a Baton database")),
             qPrintable(run.describe()));
    QVERIFY(!QFileInfo::exists(target));

    // A Baton database from a newer release.
    const QString newer = m_dir.filePath(QStringLiteral("newer.db"));
    run = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), u"sqlite:" + newer});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("n"));
        db.setDatabaseName(newer);
        QVERIFY(db.open());
        QVERIFY(
            QSqlQuery(db).exec(QStringLiteral("INSERT INTO schema_migrations VALUES (9999, 0)")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("n"));
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), newer,
                    QStringLiteral("--db"), u"sqlite:" + target});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("newer than this build")), qPrintable(run.describe()));
    QVERIFY(!QFileInfo::exists(target));
}

// A writable copy of the release-0.1.0 upgrade fixture (rollback journal, as generate.sh leaves
// it; schema version 9), an older release's database.
QString olderDatabase(const QString &path)
{
    const QString fixture
        = QStringLiteral(BATON_SOURCE_DIR "/tests/fixtures/upgrade/baton-0.1.0.sqlite");
    QFile::remove(path);
    if (!QFile::copy(fixture, path))
        return {};
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return path;
}

// A writer holding the database's exclusive lock (rollback-journal mode, where it keeps
// readers out) makes the backup wait, not fail; it goes on once the lock is released.
void TestBackup::backupWaitsForALockedDatabase()
{
    const QString source = olderDatabase(m_dir.filePath(QStringLiteral("locked.db")));
    QVERIFY(!source.isEmpty());
    const QString backup = m_dir.filePath(QStringLiteral("locked.backup"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("l"));
        db.setDatabaseName(source);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        QVERIFY(query.exec(QStringLiteral("UPDATE tickets SET title = title || '!' WHERE id = 1")));

        QProcess process;
        process.start(QStringLiteral(BATON_BINARY),
                      {QStringLiteral("backup"), QStringLiteral("--db"), u"sqlite:" + source,
                       QStringLiteral("--to"), backup});
        QVERIFY(process.waitForStarted());
        QVERIFY2(!process.waitForFinished(2000),
                 qPrintable(QString::fromUtf8(process.readAllStandardError())));
        QVERIFY(!QFileInfo::exists(backup));
        QVERIFY(query.exec(QStringLiteral("COMMIT")));
        QVERIFY(process.waitForFinished(60000));
        QVERIFY2(process.exitCode() == 0,
                 qPrintable(QString::fromUtf8(process.readAllStandardError())));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("l"));
    // The copy has the committed change: it was taken after the writer finished.
    QSqlDatabase copy = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("c"));
    copy.setDatabaseName(backup);
    QVERIFY(copy.open());
    QSqlQuery title(copy);
    QVERIFY(title.exec(QStringLiteral("SELECT title FROM tickets WHERE id = 1")) && title.next());
    QVERIFY2(title.value(0).toString().endsWith(u'!'), qPrintable(title.value(0).toString()));
    title = QSqlQuery();
    copy.close();
    copy = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("c"));
}

// A backup of an older schema is restored and then migrated to this build's schema.
void TestBackup::restoreMigratesAnOlderBackup()
{
    const QString older = olderDatabase(m_dir.filePath(QStringLiteral("older.backup")));
    QVERIFY(!older.isEmpty());
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("s"));
        db.setDatabaseName(older);
        QVERIFY(db.open());
        QVERIFY(
            QSqlQuery(db).exec(QStringLiteral("DELETE FROM schema_migrations WHERE version > 7")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("s"));
    const QString target = m_dir.filePath(QStringLiteral("fromolder.db"));
    const CommandRun run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"), older,
                                     QStringLiteral("--db"), u"sqlite:" + target});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("23 tickets, schema version %1 (migrated from 7)")
                                  .arg(Schema::latestVersion())),
             qPrintable(run.describe()));
    const CommandRun dry = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"),
                                     u"sqlite:" + target, QStringLiteral("--dry-run")});
    QVERIFY2(dry.out.contains(QStringLiteral("up to date")), qPrintable(dry.describe()));
}

void TestBackup::backupOfPostgreSqlNamesPgDump()
{
    CommandRun run = runBaton({QStringLiteral("backup"), QStringLiteral("--db"),
                               QStringLiteral("postgresql://baton:secret@db.example:5433/tickets"),
                               QStringLiteral("--to"), QStringLiteral("/tmp/x.dump")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(QStringLiteral(
                 "pg_dump -Fc -h db.example -p 5433 -U baton -d tickets -f /tmp/x.dump")),
             qPrintable(run.describe()));
    QVERIFY2(run.err.contains(QStringLiteral("pg_restore")), qPrintable(run.describe()));
    QVERIFY2(!run.err.contains(QStringLiteral("secret")), qPrintable(run.describe()));
    run = runBaton({QStringLiteral("restore"), QStringLiteral("--from"),
                    QStringLiteral("/tmp/x.dump"), QStringLiteral("--db"),
                    QStringLiteral("postgresql://baton@db.example/tickets")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(QStringLiteral(
                 "pg_restore --clean --if-exists --no-owner -h db.example -U baton -d tickets")),
             qPrintable(run.describe()));
}

// What the README tells PostgreSQL operators to do, done: pg_dump -Fc of a served database,
// pg_restore into an empty one, baton migrate, and the server serves the same tickets, a 1 MB
// attachment byte for byte among them.
void TestBackup::pgDumpAndPgRestoreRoundTrip()
{
    TestDatabase databases;
    const QString source = databases.create(QStringLiteral("postgresql"));
    if (source.isEmpty() && !databases.skipReason().isEmpty())
        QSKIP(qPrintable(databases.skipReason()));
    QVERIFY2(!source.isEmpty(), qPrintable(databases.error()));
    const QString target = databases.create(QStringLiteral("postgresql"));
    QVERIFY2(!target.isEmpty(), qPrintable(databases.error()));
    PgHarness *pg = PgHarness::shared();
    const QString dump = m_dir.filePath(QStringLiteral("baton.dump"));

    QJsonArray servedBefore;
    qint64 attachedTo = 0, attachment = 0;
    {
        ServeProcess server;
        const QString started = server.start(source, {QStringLiteral("--demo")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        ApiClient admin(server.port, QStringLiteral("admin"), QStringLiteral("baton-demo"));
        const RawResponse list = admin.call("GET", QStringLiteral("/api/v1/tickets?limit=200"));
        QCOMPARE(list.status, 200);
        servedBefore = list.json().value(QLatin1String("items")).toArray();
        QVERIFY(servedBefore.size() >= 20);
        // A ticket with a 1 MB binary file (bytea chunks): pg_dump takes it along.
        attachedTo = servedBefore[0].toObject().value(QLatin1String("id")).toInteger();
        attachment = attachMegabyte(admin, attachedTo);
        QVERIFY(attachment > 0);
        servedBefore = admin.call("GET", QStringLiteral("/api/v1/tickets?limit=200"))
                           .json()
                           .value(QLatin1String("items"))
                           .toArray();
        // pg_dump while the server runs: PostgreSQL's dump is a consistent snapshot.
        const auto connection = [&](const QString &url) {
            return QStringList {QStringLiteral("-h"), pg->socketDir(),
                                QStringLiteral("-p"), QString::number(pg->port()),
                                QStringLiteral("-U"), QStringLiteral("postgres"),
                                QStringLiteral("-d"), url.section(u'/', 3).section(u'?', 0, 0)};
        };
        QProcess pgDump;
        pgDump.start(QStringLiteral("pg_dump"),
                     QStringList {QStringLiteral("-Fc")} + connection(source)
                         + QStringList {QStringLiteral("-f"), dump});
        QVERIFY(pgDump.waitForFinished(120000));
        QVERIFY2(pgDump.exitCode() == 0, pgDump.readAllStandardError().constData());
        QCOMPARE(server.stop(), 0);

        QProcess pgRestore;
        pgRestore.start(QStringLiteral("pg_restore"),
                        QStringList {QStringLiteral("--clean"), QStringLiteral("--if-exists"),
                                     QStringLiteral("--no-owner")}
                            + connection(target) + QStringList {dump});
        QVERIFY(pgRestore.waitForFinished(120000));
        QVERIFY2(pgRestore.exitCode() == 0, pgRestore.readAllStandardError().constData());
    }
    const CommandRun migrated
        = runBaton({QStringLiteral("migrate"), QStringLiteral("--db"), target});
    QVERIFY2(migrated.exitCode == 0, qPrintable(migrated.describe()));
    QVERIFY2(migrated.out.contains(QStringLiteral("up to date")), qPrintable(migrated.describe()));

    ServeProcess server;
    const QString started = server.start(target);
    QVERIFY2(started.isEmpty(), qPrintable(started));
    ApiClient admin(server.port, QStringLiteral("admin"), QStringLiteral("baton-demo"));
    const RawResponse list = admin.call("GET", QStringLiteral("/api/v1/tickets?limit=200"));
    QCOMPARE(list.status, 200);
    const QJsonArray servedAfter = list.json().value(QLatin1String("items")).toArray();
    QCOMPARE(servedAfter.size(), servedBefore.size());
    for (qsizetype i = 0; i < servedBefore.size(); ++i) {
        const QJsonObject a = servedBefore[i].toObject(), b = servedAfter[i].toObject();
        for (const char *key : {"id", "key", "state", "queue", "assignee", "version", "fields"})
            QCOMPARE(b.value(QLatin1String(key)), a.value(QLatin1String(key)));
    }
    QVERIFY(downloaded(admin, attachedTo, attachment) == binaryMegabyte());
    // New tickets get fresh ids: the restored sequence continues after the restored tickets.
    ApiClient amy(server.port, QStringLiteral("amy"), QStringLiteral("baton-demo"));
    const RawResponse opened = amy.call("POST", QStringLiteral("/api/v1/tickets"),
                                        jumpQueueTicket(QStringLiteral("On PostgreSQL")));
    QCOMPARE(opened.status, 201);
}

QTEST_GUILESS_MAIN(TestBackup)
#include "tst_backup.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitefile.h"

#include "store/schema.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace Baton::SqliteFile {

namespace {

struct CloseConnection
{
    void operator()(sqlite3 *db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseConnection>;

QString messageOf(sqlite3 *db)
{
    return QString::fromUtf8(sqlite3_errmsg(db));
}

Result<Connection> openFile(const QString &path, int flags)
{
    sqlite3 *raw = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &raw, flags, nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK)
        return makeError(
            QStringLiteral("cannot open %1: %2")
                .arg(path, raw ? messageOf(raw) : QString::fromUtf8(sqlite3_errstr(rc))));
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Result<void> exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        return makeError(messageOf(db));
    return {};
}

// The first column of the first row of `sql`, or an error.
Result<qint64> queryNumber(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
        return makeError(messageOf(db));
    const int rc = sqlite3_step(statement);
    const qint64 value = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
    sqlite3_finalize(statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return makeError(messageOf(db));
    return value;
}

Result<QString> queryText(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
        return makeError(messageOf(db));
    QString text;
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        text = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0)));
    sqlite3_finalize(statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return makeError(messageOf(db));
    return text;
}

// The first column of every row `sql` answers, as numbers.
Result<QList<int>> queryNumbers(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
        return makeError(messageOf(db));
    QList<int> numbers;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
        numbers.append(sqlite3_column_int(statement, 0));
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE)
        return makeError(messageOf(db));
    return numbers;
}

// Reads what `db` holds, in the caller's transaction if one is open; `path` names it in errors.
Result<Contents> contentsOf(sqlite3 *db, const QString &path)
{
    // The first read tells a file that is not SQLite at all ("file is not a database").
    auto tables = queryNumber(db,
                              "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                              "name IN ('schema_migrations', 'tickets', 'events')");
    if (!tables)
        return makeError(QStringLiteral("%1: %2").arg(path, tables.error()));
    if (tables.value() != 3)
        return makeError(QStringLiteral("%1 is not a Baton database (it has no schema_migrations, "
                                        "tickets and events tables)")
                             .arg(path));
    Contents contents;
    auto version = queryNumber(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    auto tickets = queryNumber(db, "SELECT COUNT(*) FROM tickets");
    auto pages = queryNumber(db, "PRAGMA page_count");
    auto pageSize = queryNumber(db, "PRAGMA page_size");
    for (const Result<qint64> *read : {&version, &tickets, &pages, &pageSize})
        if (!read->ok())
            return makeError(QStringLiteral("%1: %2").arg(path, read->error()));
    contents.schemaVersion = int(version.value());
    auto applied = queryNumbers(db, "SELECT version FROM schema_migrations ORDER BY version");
    if (!applied)
        return makeError(QStringLiteral("%1: %2").arg(path, applied.error()));
    contents.appliedVersions = applied.value();
    contents.tickets = tickets.value();
    contents.pages = pages.value();
    contents.bytes = pages.value() * pageSize.value();
    if (contents.schemaVersion < 1)
        return makeError(
            QStringLiteral("%1 is not a Baton database (no schema version recorded)").arg(path));
    if (contents.schemaVersion > Schema::latestVersion())
        return makeError(QStringLiteral("%1 is at schema version %2, newer than this build knows "
                                        "(%3); use a newer baton")
                             .arg(path)
                             .arg(contents.schemaVersion)
                             .arg(Schema::latestVersion()));
    return contents;
}

bool isBusy(int rc)
{
    const int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Runs the backup `from` → `to` step by step. Busy and locked steps are retried (a writer's
// checkpoint, another process opening the file) until busyTimeoutMs passes without progress.
Result<void> copyPages(sqlite3 *from, sqlite3 *to, const CopyOptions &options)
{
    sqlite3_backup *backup = sqlite3_backup_init(to, "main", from, "main");
    if (!backup)
        return makeError(messageOf(to));
    const int pagesPerStep = options.pagesPerStep > 0 ? options.pagesPerStep : -1;
    QDeadlineTimer stalled(options.busyTimeoutMs);
    int rc = SQLITE_OK;
    for (;;) {
        rc = sqlite3_backup_step(backup, pagesPerStep);
        if (rc == SQLITE_DONE) {
            if (options.progress) {
                const int total = sqlite3_backup_pagecount(backup);
                options.progress(total, total);
            }
            break;
        }
        if (isBusy(rc)) {
            if (stalled.hasExpired())
                break;
            QThread::msleep(20);
            continue;
        }
        if (rc != SQLITE_OK)
            break;
        stalled.setRemainingTime(options.busyTimeoutMs);
        if (options.progress) {
            const int total = sqlite3_backup_pagecount(backup);
            options.progress(total - sqlite3_backup_remaining(backup), total);
        }
        if (options.pauseMs > 0)
            QThread::msleep(options.pauseMs);
    }
    sqlite3_backup_finish(backup);
    if (rc == SQLITE_DONE)
        return {};
    if (isBusy(rc))
        return makeError(QStringLiteral("the database stayed locked for %1 s (%2)")
                             .arg(options.busyTimeoutMs / 1000)
                             .arg(QString::fromUtf8(sqlite3_errstr(rc))));
    const QString message = QString::fromUtf8(sqlite3_errstr(rc));
    return makeError(message.isEmpty() ? messageOf(to) : message);
}

// fsync of a file or folder: the renamed copy must be on disk before we say it is.
bool syncPath(const QString &path, bool directory)
{
    const int fd = ::open(QFile::encodeName(path).constData(),
                          (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

void removeWithJournals(const QString &path)
{
    for (const char *suffix : {"", "-journal", "-wal", "-shm"})
        QFile::remove(path + QLatin1String(suffix));
}

} // namespace

Result<Contents> inspect(const QString &path)
{
    if (!QFileInfo(path).isFile())
        return makeError(QStringLiteral("%1: no such file").arg(path));
    auto db = openFile(path, SQLITE_OPEN_READONLY);
    if (!db)
        return db.failure();
    // A writer may hold the file a moment (a rollback-journal commit, a WAL recovery).
    sqlite3_busy_timeout(db->get(), CopyOptions().busyTimeoutMs);
    return contentsOf(db->get(), path);
}

Result<Contents> backup(const QString &source, const QString &target, const CopyOptions &options)
{
    if (!QFileInfo(source).isFile())
        return makeError(QStringLiteral("%1: no such file").arg(source));
    if (QFileInfo(source).canonicalFilePath() == QFileInfo(target).canonicalFilePath())
        return makeError(
            QStringLiteral("%1 is the database itself; back it up to another file").arg(target));
    auto from = openFile(source, SQLITE_OPEN_READONLY);
    if (!from)
        return from.failure();
    sqlite3_busy_timeout(from->get(), options.busyTimeoutMs);
    // One read transaction for the whole copy. In WAL mode it does not block the server's
    // writes, and every step copies the same snapshot; without it, each step would begin a
    // new read and a write by the server between two steps would restart the copy from the
    // first page, for ever under steady load.
    if (auto begun = exec(from->get(), "BEGIN"); !begun)
        return makeError(QStringLiteral("%1: %2").arg(source, begun.error()));
    auto contents = contentsOf(from->get(), source); // the first read fixes the snapshot
    if (!contents)
        return contents;

    const QString partial = target + QStringLiteral(".partial");
    removeWithJournals(partial);
    auto to = openFile(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!to)
        return to.failure();
    auto failed = [&](const QString &why) -> Result<Contents> {
        to.value().reset();
        removeWithJournals(partial);
        return makeError(why);
    };
    if (auto copied = copyPages(from->get(), to->get(), options); !copied)
        return failed(QStringLiteral("backup of %1 failed: %2").arg(source, copied.error()));
    (void)exec(from->get(), "COMMIT");
    from.value().reset();

    // The copy keeps the source's WAL flag; a backup is better one self-contained file.
    if (auto mode = queryText(to->get(), "PRAGMA journal_mode=DELETE"); !mode)
        return failed(QStringLiteral("%1: %2").arg(partial, mode.error()));
    auto check = queryText(to->get(), "PRAGMA quick_check");
    if (!check || check.value() != u"ok")
        return failed(QStringLiteral("the copy of %1 fails its check: %2")
                          .arg(source, check ? check.value() : check.error()));
    auto copy = contentsOf(to->get(), partial);
    if (!copy)
        return failed(copy.error());
    to.value().reset();
    if (!syncPath(partial, false))
        return failed(QStringLiteral("cannot flush %1 to disk").arg(partial));
    if (::rename(QFile::encodeName(partial).constData(), QFile::encodeName(target).constData())
        != 0)
        return failed(QStringLiteral("cannot rename %1 to %2: %3")
                          .arg(partial, target, QString::fromLocal8Bit(std::strerror(errno))));
    syncPath(QFileInfo(target).absolutePath(), true);
    return copy;
}

Result<Contents> restore(const QString &source, const QString &target, const CopyOptions &options)
{
    auto contents = inspect(source);
    if (!contents)
        return contents;
    if (QFileInfo::exists(target)
        && QFileInfo(source).canonicalFilePath() == QFileInfo(target).canonicalFilePath())
        return makeError(QStringLiteral("%1 is the backup itself").arg(target));
    if (const QFileInfo folder(QFileInfo(target).absolutePath()); !folder.isDir())
        QDir().mkpath(folder.absoluteFilePath());

    auto to = openFile(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!to)
        return to.failure();
    // Exclusive locking mode keeps the lock from the first transaction until the connection
    // closes. A server's connections hold a shared lock on the file as long as they are open
    // (WAL mode), so the lock is refused (at once: no busy timeout) while one runs, and no
    // server can open the file while the pages are replaced.
    sqlite3_busy_timeout(to->get(), 0);
    if (auto mode = exec(to->get(), "PRAGMA locking_mode=EXCLUSIVE"); !mode)
        return makeError(QStringLiteral("%1: %2").arg(target, mode.error()));
    if (auto locked = exec(to->get(), "BEGIN EXCLUSIVE"); !locked) {
        if (isBusy(sqlite3_extended_errcode(to->get())))
            return makeError(QStringLiteral("%1 is in use by another process (a running baton "
                                            "serve?); stop it before restoring")
                                 .arg(target));
        return makeError(QStringLiteral("%1: %2").arg(target, locked.error()));
    }
    if (auto committed = exec(to->get(), "COMMIT"); !committed)
        return makeError(QStringLiteral("%1: %2").arg(target, committed.error()));
    // Out of WAL while we hold the file alone: the old WAL is folded in and removed (it must
    // not be replayed over the restored pages), and the page size may then change.
    if (auto mode = queryText(to->get(), "PRAGMA journal_mode=DELETE"); !mode)
        return makeError(QStringLiteral("%1: %2").arg(target, mode.error()));

    auto from = openFile(source, SQLITE_OPEN_READONLY);
    if (!from)
        return from.failure();
    sqlite3_busy_timeout(from->get(), options.busyTimeoutMs);
    if (auto copied = copyPages(from->get(), to->get(), options); !copied)
        return makeError(QStringLiteral("restore into %1 failed: %2").arg(target, copied.error()));
    return contentsOf(to->get(), target);
}

} // namespace Baton::SqliteFile

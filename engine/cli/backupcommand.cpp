// SPDX-License-Identifier: GPL-3.0-or-later
// baton backup --db URL --to FILE: a consistent copy of a (running) SQLite database.
// baton restore --from FILE --db URL: a backup back into place, migrated to this build's schema.
#include "commands.h"

#include "store/database.h"
#include "store/databaseurl.h"
#include "store/schema.h"
#include "store/sqlitefile.h"

#include <QElapsedTimer>
#include <QFileInfo>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace Baton::Cli {

namespace {

const char backupUsage[]
    = "Usage: baton backup [--db URL] --to FILE [--force] [--step-pages N] [--pause MS]\n"
      "  --db          sqlite:PATH (default sqlite:var/baton.db); the server may be running\n"
      "  --to          the backup file (written as FILE.partial, renamed when complete)\n"
      "  --force       replace FILE if it exists\n"
      "  --step-pages  pages copied per step (default 1024, 4 MiB)\n"
      "  --pause       milliseconds to wait between steps, to spare a busy disk (default 0)\n"
      "PostgreSQL: use pg_dump (baton backup prints the command line).\n";

const char restoreUsage[]
    = "Usage: baton restore --from FILE [--db URL] [--force]\n"
      "  --from   a backup written by baton backup\n"
      "  --db     sqlite:PATH (default sqlite:var/baton.db); the server must be stopped\n"
      "  --force  replace the database if it exists\n"
      "The restored database is migrated to this build's schema.\n"
      "PostgreSQL: use pg_restore (baton restore prints the command line).\n";

QString shellQuoted(const QString &word)
{
    static const QString plain = QStringLiteral(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,");
    for (const QChar c : word)
        if (!plain.contains(c))
            return u'\'' + QString(word).replace(u'\'', QStringLiteral("'\\''")) + u'\'';
    return word.isEmpty() ? QStringLiteral("''") : word;
}

// The connection options of pg_dump / pg_restore for `url`; the password is left to
// PGPASSWORD or ~/.pgpass, never put on a command line.
QString pgConnectionOptions(const DatabaseUrl &url)
{
    QStringList words {QStringLiteral("-h"), shellQuoted(url.host)};
    if (url.port != 5432)
        words << QStringLiteral("-p") << QString::number(url.port);
    if (!url.user.isEmpty())
        words << QStringLiteral("-U") << shellQuoted(url.user);
    words << QStringLiteral("-d") << shellQuoted(url.databaseName);
    return words.join(u' ');
}

// For a postgresql:// URL: what to run instead, on stderr; exit status 2 (a usage matter).
int usePgTools(const char *command, const DatabaseUrl &url, const QString &file)
{
    const QString options = pgConnectionOptions(url);
    const QString fileText = shellQuoted(file.isEmpty() ? QStringLiteral("baton.dump") : file);
    std::fprintf(stderr,
                 "baton %s: %s is a PostgreSQL database; use PostgreSQL's own tools:\n"
                 "  backup:  pg_dump -Fc %s -f %s\n"
                 "  restore: pg_restore --clean --if-exists --no-owner %s %s\n"
                 "           baton migrate --db URL   # then bring the schema up to date\n"
                 "%s",
                 command, qPrintable(url.toDisplayString()), qPrintable(options),
                 qPrintable(fileText), qPrintable(options), qPrintable(fileText),
                 url.password.isEmpty() ? ""
                                        : "  (give the password in PGPASSWORD or ~/.pgpass)\n");
    return 2;
}

QString megabytes(qint64 bytes)
{
    if (bytes < 1024 * 1024)
        return QString::number((bytes + 1023) / 1024) + QStringLiteral(" KB");
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MB");
}

// A progress line on stderr every 5 % and at the end, for a copy of more than one step (a
// database larger than --step-pages); a one-step copy only gets the summary.
std::function<void(qint64, qint64)> progressPrinter(const char *command, qint64 pageSize)
{
    auto lastPercent = std::make_shared<int>(-5);
    return [command, pageSize, lastPercent](qint64 done, qint64 total) {
        const int percent = total > 0 ? int(done * 100 / total) : 100;
        const bool oneStep = *lastPercent < 0 && done == total;
        if (oneStep || (percent < *lastPercent + 5 && done != total))
            return;
        *lastPercent = percent;
        std::fprintf(stderr, "baton %s: %3d%%  %s of %s\n", command, percent,
                     qPrintable(megabytes(done * pageSize)),
                     qPrintable(megabytes(total * pageSize)));
        std::fflush(stderr);
    };
}

struct CommonOptions
{
    QString url = QStringLiteral("sqlite:var/baton.db");
    QString file;
    bool force = false;
    SqliteFile::CopyOptions copy;
};

// Parses the options of backup (fileOption "--to") or restore ("--from"); an exit status
// when the command should stop here.
std::optional<int> parse(const QStringList &arguments, const char *command, const char *usage,
                         QStringView fileOption, bool tuning, CommonOptions &options)
{
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        const bool hasValue = i + 1 < arguments.size();
        bool numberOk = true;
        if (a == u"--db" && hasValue) {
            options.url = arguments.at(++i);
        } else if (a == fileOption && hasValue) {
            options.file = arguments.at(++i);
        } else if (a == u"--force") {
            options.force = true;
        } else if (tuning && a == u"--step-pages" && hasValue) {
            options.copy.pagesPerStep = arguments.at(++i).toInt(&numberOk);
            numberOk = numberOk && options.copy.pagesPerStep > 0;
        } else if (tuning && a == u"--pause" && hasValue) {
            options.copy.pauseMs = arguments.at(++i).toInt(&numberOk);
            numberOk = numberOk && options.copy.pauseMs >= 0;
        } else if (a == u"--help" || a == u"-h") {
            std::fputs(usage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "baton %s: unexpected argument '%s'\n%s", command, qPrintable(a),
                         usage);
            return 2;
        }
        if (!numberOk) {
            std::fprintf(stderr, "baton %s: %s wants a positive number, not '%s'\n", command,
                         qPrintable(a), qPrintable(arguments.at(i)));
            return 2;
        }
    }
    if (options.file.isEmpty()) {
        std::fprintf(stderr, "baton %s: %s FILE is required\n%s", command,
                     qPrintable(fileOption.toString()), usage);
        return 2;
    }
    return std::nullopt;
}

} // namespace

int runBackup(const QStringList &arguments)
{
    CommonOptions options;
    if (auto stop = parse(arguments, "backup", backupUsage, u"--to", true, options))
        return *stop;
    auto url = DatabaseUrl::parse(options.url);
    if (!url) {
        std::fprintf(stderr, "baton backup: %s\n", qPrintable(url.error()));
        return 2;
    }
    if (url->isPostgreSql())
        return usePgTools("backup", *url, options.file);
    if (QFileInfo::exists(options.file) && !options.force) {
        std::fprintf(stderr, "baton backup: %s exists; pass --force to replace it\n",
                     qPrintable(options.file));
        return 1;
    }
    auto before = SqliteFile::inspect(url->path);
    if (!before) {
        std::fprintf(stderr, "baton backup: %s\n", qPrintable(before.error()));
        return 1;
    }
    const qint64 pageSize = before->pages > 0 ? before->bytes / before->pages : 4096;
    std::fprintf(stderr, "baton backup: copying %s (%s) to %s\n",
                 qPrintable(url->toDisplayString()), qPrintable(megabytes(before->bytes)),
                 qPrintable(options.file));
    options.copy.progress = progressPrinter("backup", pageSize);
    QElapsedTimer timer;
    timer.start();
    auto copy = SqliteFile::backup(url->path, options.file, options.copy);
    if (!copy) {
        std::fprintf(stderr, "baton backup: %s\n", qPrintable(copy.error()));
        return 1;
    }
    std::printf("%s: backup of %s written: schema version %d, %lld tickets, %s in %.1f s\n",
                qPrintable(options.file), qPrintable(url->toDisplayString()), copy->schemaVersion,
                copy->tickets, qPrintable(megabytes(copy->bytes)),
                double(timer.elapsed()) / 1000.0);
    return 0;
}

int runRestore(const QStringList &arguments)
{
    CommonOptions options;
    if (auto stop = parse(arguments, "restore", restoreUsage, u"--from", false, options))
        return *stop;
    auto url = DatabaseUrl::parse(options.url);
    if (!url) {
        std::fprintf(stderr, "baton restore: %s\n", qPrintable(url.error()));
        return 2;
    }
    if (url->isPostgreSql())
        return usePgTools("restore", *url, options.file);
    // Checked before the target is touched: a bad backup leaves the database as it was.
    auto backup = SqliteFile::inspect(options.file);
    if (!backup) {
        std::fprintf(stderr, "baton restore: %s\n", qPrintable(backup.error()));
        return 1;
    }
    if (QFileInfo(url->path).size() > 0 && !options.force) {
        std::fprintf(stderr,
                     "baton restore: %s exists; a restore replaces the whole database: stop the "
                     "server and pass --force to replace it\n",
                     qPrintable(url->path));
        return 1;
    }
    const qint64 pageSize = backup->pages > 0 ? backup->bytes / backup->pages : 4096;
    std::fprintf(stderr, "baton restore: copying %s (schema version %d, %lld tickets, %s) to %s\n",
                 qPrintable(options.file), backup->schemaVersion, backup->tickets,
                 qPrintable(megabytes(backup->bytes)), qPrintable(url->toDisplayString()));
    options.copy.progress = progressPrinter("restore", pageSize);
    auto restored = SqliteFile::restore(options.file, url->path, options.copy);
    if (!restored) {
        std::fprintf(stderr, "baton restore: %s\n", qPrintable(restored.error()));
        return 1;
    }

    auto database = Database::open(options.url);
    if (!database) {
        std::fprintf(stderr, "baton restore: %s\n", qPrintable(database.error()));
        return 1;
    }
    auto reached = Schema::migrate(**database);
    if (!reached) {
        std::fprintf(stderr, "baton restore: restored, but the migration failed: %s\n",
                     qPrintable(reached.error()));
        return 1;
    }
    std::printf(
        "%s: restored from %s: %lld tickets, schema version %d%s\n",
        qPrintable(url->toDisplayString()), qPrintable(options.file), restored->tickets,
        reached.value(),
        reached.value() == restored->schemaVersion
            ? ""
            : qPrintable(QStringLiteral(" (migrated from %1)").arg(restored->schemaVersion)));
    return 0;
}

} // namespace Baton::Cli

// SPDX-License-Identifier: GPL-3.0-or-later
// baton migrate [--db URL] [--dry-run]: create or upgrade the schema, then exit; or only say
// which migrations that would run.
#include "commands.h"

#include "store/database.h"
#include "store/databaseurl.h"
#include "store/schema.h"
#include "store/sqlitefile.h"

#include <QFileInfo>

#include <cstdio>

namespace Baton::Cli {

namespace {

const char migrateUsage[] = "Usage: baton migrate [--db URL] [--dry-run]\n"
                            "  URL: sqlite:PATH (default sqlite:var/baton.db) or\n"
                            "       postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME\n"
                            "  --dry-run  list the migrations that would run; change nothing\n";

// The migrations recorded in the database at `url`, read without changing anything: a SQLite
// file is opened read-only (Database::open would create a missing file and switch it to WAL).
Result<QList<int>> appliedWithoutChanges(const DatabaseUrl &url, const QString &text)
{
    if (url.isSqlite()) {
        if (!QFileInfo::exists(url.path) || QFileInfo(url.path).size() == 0)
            return QList<int>();
        auto contents = SqliteFile::inspect(url.path);
        if (!contents)
            return contents.failure();
        return contents->appliedVersions;
    }
    auto database = Database::open(text);
    if (!database)
        return database.failure();
    return Schema::appliedVersions(**database);
}

int dryRun(const QString &text)
{
    auto url = DatabaseUrl::parse(text);
    if (!url) {
        std::fprintf(stderr, "baton migrate: %s\n", qPrintable(url.error()));
        return 2;
    }
    auto applied = appliedWithoutChanges(*url, text);
    if (!applied) {
        std::fprintf(stderr, "baton migrate: %s\n", qPrintable(applied.error()));
        return 1;
    }
    const int version = applied->isEmpty() ? 0 : applied->last();
    const QString where = url->toDisplayString();
    const int latest = Schema::latestVersion();
    if (version > latest) {
        std::fprintf(stderr,
                     "baton migrate: %s is at schema version %d, newer than this build knows "
                     "(%d); use a newer baton\n",
                     qPrintable(where), version, latest);
        return 1;
    }
    const QList<Schema::Pending> pending = Schema::pending(applied.value(), url->isSqlite());
    if (pending.isEmpty()) {
        std::printf("%s: schema is up to date (version %d); nothing to do\n", qPrintable(where),
                    latest);
        return 0;
    }
    std::printf("%s: would migrate the schema from version %d to %d (dry run: nothing changed)\n",
                qPrintable(where), version, latest);
    for (const Schema::Pending &migration : pending) {
        std::printf("  migration %d:%s\n", migration.version,
                    migration.statements.isEmpty() ? " (nothing to run on this database)" : "");
        for (const QString &statement : migration.statements)
            std::printf("    %s;\n", qPrintable(statement.simplified()));
    }
    return 0;
}

} // namespace

int runMigrate(const QStringList &arguments)
{
    QString url = QStringLiteral("sqlite:var/baton.db");
    bool dryRunOnly = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == u"--db" && i + 1 < arguments.size()) {
            url = arguments.at(++i);
        } else if (argument.startsWith(u"--db=")) {
            url = argument.mid(5);
        } else if (argument == u"--dry-run") {
            dryRunOnly = true;
        } else if (argument == u"--help" || argument == u"-h") {
            std::fputs(migrateUsage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "baton migrate: unexpected argument '%s'\n%s",
                         qPrintable(argument), migrateUsage);
            return 2;
        }
    }
    if (dryRunOnly)
        return dryRun(url);
    auto database = Database::open(url);
    if (!database) {
        std::fprintf(stderr, "baton migrate: %s\n", qPrintable(database.error()));
        return 1;
    }
    auto before = Schema::currentVersion(**database);
    if (!before) {
        std::fprintf(stderr, "baton migrate: %s\n", qPrintable(before.error()));
        return 1;
    }
    if (before.value() > Schema::latestVersion()) {
        std::fprintf(stderr,
                     "baton migrate: %s is at schema version %d, newer than this build knows "
                     "(%d); use a newer baton\n",
                     qPrintable((*database)->url().toDisplayString()), before.value(),
                     Schema::latestVersion());
        return 1;
    }
    auto reached = Schema::migrate(**database);
    if (!reached) {
        std::fprintf(stderr, "baton migrate: %s\n", qPrintable(reached.error()));
        return 1;
    }
    const QString where = (*database)->url().toDisplayString();
    if (reached.value() == before.value())
        std::printf("%s: schema is up to date (version %d)\n", qPrintable(where), reached.value());
    else
        std::printf("%s: schema migrated from version %d to %d\n", qPrintable(where),
                    before.value(), reached.value());
    return 0;
}

} // namespace Baton::Cli

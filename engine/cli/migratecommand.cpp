// SPDX-License-Identifier: GPL-3.0-or-later
// baton migrate [--db URL]: create or upgrade the schema, then exit.
#include "commands.h"

#include "store/database.h"
#include "store/schema.h"

#include <cstdio>

namespace Baton::Cli {

int runMigrate(const QStringList &arguments)
{
    QString url = QStringLiteral("sqlite:var/baton.db");
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == u"--db" && i + 1 < arguments.size()) {
            url = arguments.at(++i);
        } else if (argument.startsWith(u"--db=")) {
            url = argument.mid(5);
        } else if (argument == u"--help" || argument == u"-h") {
            std::printf("Usage: baton migrate [--db URL]\n"
                        "  URL: sqlite:PATH (default sqlite:var/baton.db) or\n"
                        "       postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME\n");
            return 0;
        } else {
            std::fprintf(stderr,
                         "baton migrate: unexpected argument '%s'\n"
                         "Usage: baton migrate [--db URL]\n",
                         qPrintable(argument));
            return 2;
        }
    }
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

// SPDX-License-Identifier: GPL-3.0-or-later
// baton user add USERNAME --name N --department D --role R --password-stdin [--time-zone ZONE]
//                [--db URL]
#include "commands.h"

#include "auth/authservice.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "store/database.h"
#include "store/schema.h"

#include <QDir>
#include <QFileInfo>
#include <QTextStream>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace Baton::Cli {

namespace {

const char userUsage[]
    = "Usage: baton user add USERNAME --name \"Display Name\" --department D [--department D2]\n"
      "                      --role R [--role R2] --password-stdin [--time-zone ZONE]\n"
      "                      [--db URL] [--workflows DIR]\n"
      "  The password is read from the first line of standard input.\n"
      "  --time-zone  the user's own time zone, an IANA name such as Asia/Hong_Kong (not an\n"
      "               offset such as UTC+08:00: it would not follow summer time); it sets the\n"
      "               week of their weekly summary and the clock of their quiet hours\n"
      "               (default: the organisation's)\n";

/// What `baton user add` was told.
struct UserArguments
{
    QString username;
    UserInput input;
    QString url = QStringLiteral("sqlite:var/baton.db");
    QString workflowsDir = QStringLiteral("workflows");
};

/// Reads `arguments` into `read`; the exit code when the command ends here (--help, a mistake).
std::optional<int> readUserArguments(const QStringList &arguments, UserArguments &read)
{
    if (arguments.isEmpty() || arguments.first() != u"add" || arguments.size() < 2) {
        std::fputs(userUsage, arguments.contains(QStringLiteral("--help")) ? stdout : stderr);
        return arguments.contains(QStringLiteral("--help")) ? 0 : 2;
    }
    read.username = arguments.at(1);
    UserInput &input = read.input;
    input.departments = QStringList();
    input.roles = QStringList();
    bool passwordStdin = false;
    for (qsizetype i = 2; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        const bool hasValue = i + 1 < arguments.size();
        if (a == u"--name" && hasValue)
            input.name = arguments.at(++i);
        else if (a == u"--department" && hasValue)
            input.departments->append(arguments.at(++i));
        else if (a == u"--role" && hasValue)
            input.roles->append(arguments.at(++i));
        else if (a == u"--time-zone" && hasValue)
            input.timeZone = arguments.at(++i); // checked by UserDirectory, as the API's
        else if (a == u"--db" && hasValue)
            read.url = arguments.at(++i);
        else if (a == u"--workflows" && hasValue)
            read.workflowsDir = arguments.at(++i);
        else if (a == u"--password-stdin")
            passwordStdin = true;
        else {
            std::fprintf(stderr, "baton user add: unexpected argument '%s'\n%s", qPrintable(a),
                         userUsage);
            return 2;
        }
    }
    if (!input.name || !passwordStdin) {
        std::fprintf(stderr, "baton user add: --name and --password-stdin are required\n%s",
                     userUsage);
        return 2;
    }
    return std::nullopt;
}

} // namespace

int runUser(const QStringList &arguments)
{
    UserArguments read;
    if (const auto exitCode = readUserArguments(arguments, read))
        return *exitCode;
    const QString &username = read.username;
    UserInput &input = read.input;
    const QString &url = read.url;
    const QString &workflowsDir = read.workflowsDir;
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    input.password = QString::fromStdString(line);

    const WorkflowSet set = loadWorkflowDirectory(workflowsDir);
    if (!set.ok()) {
        std::fprintf(stderr, "baton user add: %s has errors (run baton validate)\n",
                     qPrintable(workflowsDir));
        return 1;
    }
    if (url.startsWith(QStringLiteral("sqlite:")))
        QDir().mkpath(QFileInfo(url.mid(7)).absolutePath());
    auto database = Database::open(url);
    if (!database) {
        std::fprintf(stderr, "baton user add: %s\n", qPrintable(database.error()));
        return 1;
    }
    if (auto migrated = Schema::migrate(**database); !migrated) {
        std::fprintf(stderr, "baton user add: %s\n", qPrintable(migrated.error()));
        return 1;
    }
    SystemClock clock;
    UserDirectory users(**database, clock);
    const auto result = users.create(username, input, set.organisation);
    if (!result) {
        const Error *problem = &result.failure();
        std::fprintf(stderr, "baton user add: %s\n", qPrintable(problem->message));
        for (auto it = problem->fields.cbegin(); it != problem->fields.cend(); ++it)
            std::fprintf(stderr, "  %s: %s\n", qPrintable(it.key()), qPrintable(it.value()));
        return problem->kind == ErrorKind::Conflict || problem->kind == ErrorKind::Validation ? 1
                                                                                              : 3;
    }
    std::printf("created user %s (%s; roles: %s; departments: %s; time zone: %s)\n",
                qPrintable(username), qPrintable(*input.name), qPrintable(input.roles->join(u',')),
                qPrintable(input.departments->join(u',')),
                input.timeZone && !input.timeZone->isEmpty() ? qPrintable(*input.timeZone)
                                                             : "the organisation's");
    return 0;
}

} // namespace Baton::Cli

// SPDX-License-Identifier: GPL-3.0-or-later
#include "batonversion.h"
#include "commands.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

#include <cstdio>
#include <cstdlib>

namespace {

const char usage[] = R"(Baton — cross-department service-ticket workflow engine

Usage:
  baton serve    [--listen HOST:PORT] [--db URL] [--workflows DIR] [--demo] [--fake-clock]
  baton validate FILE...                       check workflow and organisation files
  baton diagram  FILE [--format mermaid|dot]   print a workflow's state diagram
  baton user add USERNAME --name "Display Name" --department D --role R --password-stdin
                 [--time-zone ZONE]            ZONE: an IANA name such as Asia/Hong_Kong
  baton migrate  [--db URL] [--dry-run]        create or upgrade the schema, then exit
  baton backup   [--db URL] --to FILE [--force]  consistent copy of a SQLite database, while serving
  baton restore  --from FILE [--db URL] [--force]  put a backup back (server stopped), then migrate
  baton customers import FILE [--db URL]      customers from CSV (id, name, phone, email, tier)
)";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("baton"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATON_VERSION));

    // Per-batch timings and other debug output of Baton's modules are for developers: off unless
    // QT_LOGGING_RULES asks for them (e.g. QT_LOGGING_RULES="baton.*.debug=true").
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("baton.*.debug=false"));

    QStringList arguments = QCoreApplication::arguments().mid(1);
    if (arguments.isEmpty() || arguments.first() == u"--help" || arguments.first() == u"-h"
        || arguments.first() == u"help") {
        std::fputs(usage, arguments.isEmpty() ? stderr : stdout);
        return arguments.isEmpty() ? 2 : 0;
    }
    if (arguments.first() == u"--version") {
        std::printf("baton %s\n", qPrintable(QCoreApplication::applicationVersion()));
        return 0;
    }

    const QString command = arguments.takeFirst();
    if (command == u"validate") {
        // A one-shot check, timed by editors and CI: exit without destructors (the application
        // object, statics, what the command kept); the kernel frees the memory at once.
        const int status = Baton::Cli::runValidate(arguments);
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(status);
    }
    if (command == u"diagram")
        return Baton::Cli::runDiagram(arguments);
    if (command == u"serve")
        return Baton::Cli::runServe(arguments);
    if (command == u"migrate")
        return Baton::Cli::runMigrate(arguments);
    if (command == u"user")
        return Baton::Cli::runUser(arguments);
    if (command == u"backup")
        return Baton::Cli::runBackup(arguments);
    if (command == u"restore")
        return Baton::Cli::runRestore(arguments);
    if (command == u"customers")
        return Baton::Cli::runCustomers(arguments);

    std::fprintf(stderr, "baton: unknown command '%s'\n\n%s", qPrintable(command), usage);
    return 2;
}

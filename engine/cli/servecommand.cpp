// SPDX-License-Identifier: GPL-3.0-or-later
// baton serve: load and publish the workflows, then serve the HTTP API and the web UI.
#include "commands.h"
#include "demodata.h"

#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "pluginhost/pluginhost.h"
#include "runtime/engine.h"
#include "services/demoaccounts.h"
#include "services/logging.h"
#include "services/services.h"
#include "sla/slaservice.h"
#include "store/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QScopeGuard>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <optional>
#include <unistd.h>

namespace Baton::Cli {

namespace {

const char serveUsage[]
    = "Usage: baton serve [--listen HOST:PORT] [--db URL] [--workflows DIR] [--demo] "
      "[--fake-clock]\n"
      "                   [--max-body BYTES] [--max-upload BYTES] [--threads N] [--trust-proxy]\n"
      "                   [--log-format F] [--plugins DIR]\n"
      "  --listen     address to listen on (default 127.0.0.1:8080)\n"
      "  --db         sqlite:PATH (default sqlite:var/baton.db) or postgresql://USER@HOST/DB\n"
      "  --workflows  folder with org.yaml and the workflows (default workflows/)\n"
      "  --demo       create demo users for the organisation's queues (password printed)\n"
      "  --fake-clock the clock stands still unless moved with POST /api/v1/admin/clock\n"
      "  --max-body   largest request body in bytes (default 1048576)\n"
      "  --max-upload largest attached file in bytes (default 20971520, 20 MiB)\n"
      "  --trust-proxy  believe X-Forwarded-Proto and -For from the reverse proxy in front (the\n"
      "               session cookie gets Secure for https; sign-in throttling counts the\n"
      "               forwarded client address); without it X-Forwarded-* are ignored\n"
      "  --log-format text (default: readable lines) or json (one JSON object per line);\n"
      "               one access line per request, with its X-Request-Id\n"
      "  --plugins    folder of plugins to load (default plugins/ next to the baton binary)\n"
      "Environment: BATON_ADMIN_PASSWORD creates the user admin if absent.\n";

const QString demoPassword = QStringLiteral("baton-demo");

/// The command line of `baton serve`, checked.
struct ServeFlags
{
    QHostAddress address;
    quint16 port = 0;
    QString databaseUrl;
    QString workflowsDir;
    QString pluginsDir; ///< empty: next to the binary
    bool demo = false;
    bool fakeClock = false;
    bool trustProxy = false;
    LogFormat logFormat = LogFormat::Text;
    qint64 maxBody = 0;
    qint64 maxUpload = 0;
    int threads = 0;
};

int usageError(const QString &message)
{
    std::fprintf(stderr, "baton serve: %s\n%s", qPrintable(message), serveUsage);
    return 2;
}

/// Reads the flags into `flags`; returns the exit code when the command ends here (--help, a
/// bad flag).
std::optional<int> readFlags(const QStringList &arguments, ServeFlags *flags)
{
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QString());
    const QCommandLineOption listen(QStringLiteral("listen"), QString(),
                                    QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:8080"));
    const QCommandLineOption db(QStringLiteral("db"), QString(), QStringLiteral("URL"),
                                QStringLiteral("sqlite:var/baton.db"));
    const QCommandLineOption workflows(QStringLiteral("workflows"), QString(),
                                       QStringLiteral("DIR"), QStringLiteral("workflows"));
    const QCommandLineOption plugins(QStringLiteral("plugins"), QString(), QStringLiteral("DIR"));
    const QCommandLineOption demo(QStringLiteral("demo"));
    const QCommandLineOption fakeClock(QStringLiteral("fake-clock"));
    const QCommandLineOption trustProxy(QStringLiteral("trust-proxy"));
    const QCommandLineOption maxBody(QStringLiteral("max-body"), QString(), QStringLiteral("BYTES"),
                                     QStringLiteral("1048576"));
    const QCommandLineOption maxUpload(QStringLiteral("max-upload"), QString(),
                                       QStringLiteral("BYTES"), QStringLiteral("20971520"));
    const QCommandLineOption threads(QStringLiteral("threads"), QString(), QStringLiteral("N"),
                                     QStringLiteral("2"));
    const QCommandLineOption logFormat(QStringLiteral("log-format"), QString(),
                                       QStringLiteral("FORMAT"), QStringLiteral("text"));
    QCommandLineParser parser;
    parser.addOptions({help, listen, db, workflows, plugins, demo, fakeClock, trustProxy, maxBody,
                       maxUpload, threads, logFormat});
    if (!parser.parse(QStringList {QStringLiteral("baton serve")} + arguments)) {
        const QStringList unknown = parser.unknownOptionNames();
        if (unknown.isEmpty())
            return usageError(parser.errorText());
        const QString dashes
            = unknown.first().size() == 1 ? QStringLiteral("-") : QStringLiteral("--");
        return usageError(QStringLiteral("unexpected argument '%1'").arg(dashes + unknown.first()));
    }
    if (parser.isSet(help)) {
        std::fputs(serveUsage, stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    bool bodyOk = false, uploadOk = false, threadsOk = false;
    flags->maxBody = parser.value(maxBody).toLongLong(&bodyOk);
    flags->maxUpload = parser.value(maxUpload).toLongLong(&uploadOk);
    flags->threads = parser.value(threads).toInt(&threadsOk);
    if (!bodyOk || flags->maxBody <= 0)
        return usageError(QStringLiteral("--max-body wants a positive number of bytes"));
    if (!uploadOk || flags->maxUpload <= 0)
        return usageError(QStringLiteral("--max-upload wants a positive number of bytes"));
    if (!threadsOk || flags->threads <= 0)
        return usageError(QStringLiteral("--threads wants a positive number"));
    if (parser.value(logFormat) == u"json")
        flags->logFormat = LogFormat::Json;
    else if (parser.value(logFormat) != u"text")
        return usageError(QStringLiteral("--log-format wants text or json"));

    const QString hostPort = parser.value(listen);
    const qsizetype colon = hostPort.lastIndexOf(u':');
    bool portOk = false;
    const int port = colon > 0 ? hostPort.mid(colon + 1).toInt(&portOk) : 0;
    flags->address
        = QHostAddress(colon > 0 ? hostPort.left(colon).remove(u'[').remove(u']') : QString());
    if (hostPort.left(colon) == u"localhost")
        flags->address = QHostAddress::LocalHost;
    if (!portOk || port < 0 || port > 65535 || flags->address.isNull()) {
        std::fprintf(stderr, "baton serve: --listen wants HOST:PORT, e.g. 127.0.0.1:8080\n");
        return 2;
    }
    flags->port = quint16(port);
    flags->databaseUrl = parser.value(db);
    flags->workflowsDir = parser.value(workflows);
    flags->pluginsDir = parser.value(plugins);
    flags->demo = parser.isSet(demo);
    flags->fakeClock = parser.isSet(fakeClock);
    flags->trustProxy = parser.isSet(trustProxy);
    return std::nullopt;
}

int failure(const QString &message)
{
    Log::problem(message);
    return 1;
}

/// How the organisation's files are named in its versions: org.yaml, or the org/ folder.
QString organisationPath(const QString &folder, const QList<OrganisationFile> &files)
{
    const bool single = files.size() == 1 && files.first().path.endsWith(u"org.yaml");
    return QDir(folder).filePath(single ? QStringLiteral("org.yaml") : QStringLiteral("org/"));
}

/// A calendar changed in org.yaml or org/ since the last start: re-measures the clocks on it.
Result<void> remeasureChangedCalendars(Services &services, const WorkflowSet &set,
                                       const QString &workflowsDir)
{
    const auto changed = services.sla().recomputeClocksSinceLastStart(
        services.engine(), *services.database(), organisationSource(set.organisationFiles),
        organisationPath(workflowsDir, set.organisationFiles));
    if (!changed)
        return changed.failure();
    if (!changed->calendars.isEmpty())
        Log::startUp(QStringLiteral("  calendars changed (%1): %2 open tickets re-measured")
                         .arg(changed->calendars.join(QStringLiteral(", ")))
                         .arg(changed->recomputed));
    return {};
}

/// The users the start-up makes if absent: `admin` from BATON_ADMIN_PASSWORD, then with
/// --demo the demo accounts. Returns those created.
Result<QStringList> createStartUpUsers(AuthService &auth, const Organisation &organisation,
                                       const QMap<QString, DemoAccount> &demoUsers)
{
    QList<std::pair<QString, UserInput>> wanted;
    if (const QString password = qEnvironmentVariable("BATON_ADMIN_PASSWORD"); !password.isEmpty())
        wanted.append({QStringLiteral("admin"),
                       UserInput {QStringLiteral("Administrator"), password, std::nullopt,
                                  QStringList {QStringLiteral("admin")}, std::nullopt, std::nullopt,
                                  std::nullopt, std::nullopt, std::nullopt, std::nullopt}});
    for (auto it = demoUsers.cbegin(); it != demoUsers.cend(); ++it) {
        QString name = it.key();
        name[0] = name[0].toUpper();
        wanted.append(
            {it.key(),
             UserInput {name, demoPassword, it->departments, it->roles, std::nullopt, std::nullopt,
                        std::nullopt, std::nullopt, std::nullopt, std::nullopt}});
    }
    QStringList created;
    QByteArray demoHash; // the demo accounts share one password: hashed once, when first needed
    for (const auto &[username, input] : std::as_const(wanted)) {
        const auto existing = auth.users().find(username);
        if (!existing)
            return existing.failure();
        if (existing->has_value())
            continue;
        // By the password, not the name: `admin` is also a demo account, but with
        // BATON_ADMIN_PASSWORD set it is made first, with that password.
        const bool demoAccount = input.password == demoPassword;
        if (demoAccount && demoHash.isEmpty()) {
            auto hashed = PasswordHasher::hash(demoPassword);
            if (!hashed)
                return hashed.failure();
            demoHash = *hashed;
        }
        const auto result = demoAccount
            ? auth.users().createWithPasswordHash(username, input, demoHash, organisation)
            : auth.users().create(username, input, organisation);
        if (!result) {
            const Error *problem = &result.failure();
            QStringList details;
            for (auto it = problem->fields.cbegin(); it != problem->fields.cend(); ++it)
                details.append(it.key() + QStringLiteral(": ") + it.value());
            return makeError(
                QStringLiteral("cannot create user %1: %2 %3")
                    .arg(username, problem->message, details.join(QStringLiteral("; "))));
        }
        created.append(username);
    }
    return created;
}

/// The channels configured (name, plugin, the events they take; never a setting: a setting may
/// hold a secret).
QStringList channelLines(const Services &services)
{
    const QList<ChannelDefinition> &channels = services.channels();
    if (channels.isEmpty())
        return {QStringLiteral("  channels:  none")};
    QStringList lines {QStringLiteral("  channels:  %1").arg(channels.size())};
    for (const ChannelDefinition &channel : channels)
        lines << QStringLiteral("    %1 plugin %2, events: %3")
                     .arg(channel.name, -28)
                     .arg(channel.plugin,
                          channel.events.isEmpty() ? QStringLiteral("all")
                                                   : channel.events.join(QStringLiteral(", ")));
    return lines;
}

/// How people sign in: local users only, or the company directory too (plugin, server and how
/// the person is found; settings as written, so a secret stays a ${NAME} reference).
QStringList signInLines(Services &services, const std::optional<DirectoryDefinition> &directory)
{
    if (!directory || !services.auth().directory())
        return {QStringLiteral("  sign-in:   local users")};
    const QVariantMap &settings = directory->settings;
    QString how = settings.value(QStringLiteral("bind_dn")).toString();
    how = how.isEmpty()
        ? QStringLiteral("search under ") + settings.value(QStringLiteral("search_base")).toString()
        : QStringLiteral("bind as ") + how;
    return {QStringLiteral("  sign-in:   local users first, then the company directory"),
            QStringLiteral("    authenticator %1 at %2%3, %4")
                .arg(directory->plugin, settings.value(QStringLiteral("url")).toString(),
                     settings.value(QStringLiteral("starttls")).toString() == u"true"
                         ? QStringLiteral(" (StartTLS)")
                         : QString(),
                     how)};
}

/// The plugins loaded (name, version, file) and those that failed (name, why).
QStringList pluginLines(const Services &services)
{
    const PluginHost &plugins = services.plugins();
    QStringList lines;
    lines << QStringLiteral("  plugins:   %1 loaded%2")
                 .arg(plugins.loaded().size())
                 .arg(plugins.failures().isEmpty() ? QString() : QStringLiteral(", some failed"));
    for (const LoadedPlugin &plugin : plugins.loaded())
        lines << QStringLiteral("    %1 version %2  (%3)")
                     .arg(plugin.info.name, -28)
                     .arg(plugin.info.version, plugin.file);
    for (const PluginFailure &failure : plugins.failures())
        lines << QStringLiteral("    not loaded: ") + failure.toString();
    return lines;
}

/// What start-up says last: the database, the workflows with their versions, plugins and
/// channels, the clock, the accounts, where it listens. Plain lines on stdout with
/// --log-format text (the last one, "Serving on http://…", is what scripts wait for), one
/// JSON log line each with json.
void printStartUp(const ServeFlags &flags, Services &services, const WorkflowSet &set,
                  const PublishOutcome &published, const Clock &clock,
                  const QMap<QString, DemoAccount> &demoUsers, const QStringList &created,
                  quint16 port)
{
    QStringList lines;
    lines << QStringLiteral("Baton %1").arg(QCoreApplication::applicationVersion());
    lines << QStringLiteral("  database:  ") + services.database()->url().toDisplayString();
    lines << QStringLiteral("  workflows: ") + QDir(flags.workflowsDir).absolutePath();
    for (auto it = published.current.cbegin(); it != published.current.cend(); ++it)
        lines << QStringLiteral("    %1 version %2%3")
                     .arg(it.key(), -28)
                     .arg(it.value())
                     .arg(published.published.contains(it.key()) ? QStringLiteral("  (new)")
                                                                 : QString());
    for (const PublishConflict &conflict : published.conflicts)
        lines << QStringLiteral("  not published: ") + conflict.message();
    lines << pluginLines(services) << channelLines(services)
          << signInLines(services, set.directory);
    if (flags.fakeClock)
        lines << QStringLiteral("  clock:     fake, standing at %1 (move it with POST "
                                "/api/v1/admin/clock)")
                     .arg(clock.now().toString(Qt::ISODate));
    if (flags.demo) {
        lines << QStringLiteral("  demo users (password \"%1\"):").arg(demoPassword);
        for (auto it = demoUsers.cbegin(); it != demoUsers.cend(); ++it)
            lines << QStringLiteral("    %1 %2 %3%4")
                         .arg(it.key(), -10)
                         .arg(it->roles.join(u','), -12)
                         .arg(it->departments.join(u','))
                         .arg(created.contains(it.key())
                                  ? QString()
                                  : QStringLiteral("  (existed; password unchanged)"));
    }
    if (!qEnvironmentVariableIsEmpty("BATON_ADMIN_PASSWORD"))
        lines << QStringLiteral("  admin:     user \"admin\" %1")
                     .arg(created.contains(QStringLiteral("admin"))
                              ? QStringLiteral("created from BATON_ADMIN_PASSWORD")
                              : QStringLiteral("exists"));
    const QHostAddress &address = flags.address;
    lines << QStringLiteral("Serving on http://%1:%2/  (%3 HTTP threads, body limit %4 bytes, "
                            "file limit %5 bytes)")
                 .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                          ? u'[' + address.toString() + u']'
                          : address.toString())
                 .arg(port)
                 .arg(flags.threads)
                 .arg(flags.maxBody)
                 .arg(flags.maxUpload);
    for (const QString &line : std::as_const(lines))
        Log::startUp(line);
}

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

/// Runs the event loop until SIGINT or SIGTERM; its exit code.
int serveUntilSignalled()
{
    if (::pipe(signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, qApp,
                     [] { QCoreApplication::quit(); });
    return QCoreApplication::exec();
}

// Plugins before the engine: a channel whose plugin is missing or refuses its settings stops
// start-up like a workflow error (a broken plugin itself does not).
bool loadPlugins(Services &services)
{
    const QStringList errors = services.loadPlugins();
    for (const QString &error : errors)
        Log::problem(error);
    return errors.isEmpty();
}

/// The HTTP server as the flags ask for it.
Api::ApiServerOptions apiOptionsOf(const ServeFlags &flags)
{
    Api::ApiServerOptions apiOptions;
    apiOptions.http.address = flags.address;
    apiOptions.http.port = flags.port;
    apiOptions.http.threads = flags.threads;
    apiOptions.http.maxBodyBytes = flags.maxBody;
    apiOptions.http.maxUploadBytes = flags.maxUpload;
    apiOptions.trustProxy = flags.trustProxy;
    apiOptions.http.accessLog = &Log::access;
    return apiOptions;
}

} // namespace

int runServe(const QStringList &arguments)
{
    ServeFlags flags;
    if (const auto exitCode = readFlags(arguments, &flags))
        return *exitCode;
    Log::start(flags.logFormat);
    // Whatever path leaves runServe, what is buffered is written out.
    const auto logStopper = qScopeGuard([] { Log::stop(); });

    // The workflows first: a folder with errors stops start-up, as `baton validate` reports.
    const WorkflowSet set = loadWorkflowDirectory(flags.workflowsDir);
    for (const Diagnostic &d : std::as_const(set.diagnostics))
        d.isError() ? Log::problem(d.toString()) : Log::startUp(d.toString());
    if (!set.ok())
        return failure(flags.workflowsDir + QStringLiteral(" has errors; not starting"));
    const auto database = openMigratedDatabase(flags.databaseUrl);
    if (!database)
        return failure(database.error());

    SystemClock systemClock;
    FakeClock testClock;
    ServicesOptions options;
    options.database = *database;
    options.organisation = std::make_shared<const Organisation>(set.organisation);
    options.organisationSource = organisationSource(set.organisationFiles);
    options.clock = flags.fakeClock ? static_cast<const Clock *>(&testClock) : &systemClock;
    options.fakeClock = flags.fakeClock ? &testClock : nullptr;
    options.timerRoundFailed = [](const QString &error) { failure(error); };
    const QMap<QString, DemoAccount> demoUsers
        = flags.demo ? demoAccounts(set) : QMap<QString, DemoAccount>();
    if (flags.demo) // before the engine starts: it numbers new tickets from the database
        seedDemoTickets(*database, options.organisation, set, flags.workflowsDir,
                        options.clock->now());

    options.channels = set.channels;
    options.directory = set.directory;
    options.pluginFolder = flags.pluginsDir;

    Services services(options);
    if (!loadPlugins(services))
        return failure(flags.workflowsDir + u"/channels.yaml or directory.yaml: not starting");
    if (auto started = services.startEngine(); !started)
        return failure(started.error());
    // A file is published only when it changed since it was last published from it: a restart
    // never undoes a version an admin published in the editor (conflicts are logged).
    const auto published = services.engine().publishFiles(set.workflows, flags.workflowsDir);
    if (!published)
        return failure(u"publishing workflows: " + published.error());
    // SLA timers: fired by their own thread (at once for those missed while down); with
    // --fake-clock only when the clock is moved, before the admin clock call answers.
    if (auto remeasured = remeasureChangedCalendars(services, set, flags.workflowsDir); !remeasured)
        return failure(remeasured.error());
    if (auto started = services.startTimers(); !started)
        return failure(started.error());
    services.startDelivery(); // rows left by a previous run go out now
    const auto created = createStartUpUsers(services.auth(), services.organisation(), demoUsers);
    if (!created)
        return failure(created.error());

    const auto bound = services.startHttp(apiOptionsOf(flags));
    if (!bound)
        return failure(bound.error());
    printStartUp(flags, services, set, *published, *options.clock, demoUsers, *created, *bound);

    const int code = serveUntilSignalled();
    Log::info("baton.start", QStringLiteral("Stopping: answering the requests in flight"));
    const bool clean = services.stop();
    Log::info("baton.start",
              clean ? QStringLiteral("Stopped.")
                    : QStringLiteral("Stopped; requests still unanswered at the "
                                     "deadline were cut off."));
    return code;
}

} // namespace Baton::Cli

// SPDX-License-Identifier: GPL-3.0-or-later
// baton serve: load and publish the workflows, then serve the HTTP API and the web UI.
#include "commands.h"
#include "demodata.h"

#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/clock.h"
#include "definition/workflowset.h"

#include "report/stepfactbackfill.h"
#include "report/stepfactderiver.h"
#include "runtime/engine.h"
#include "runtime/slaservice.h"
#include "runtime/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"
#include <QSet>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace Baton::Cli {

namespace {

const char serveUsage[]
    = "Usage: baton serve [--listen HOST:PORT] [--db URL] [--workflows DIR] [--demo] "
      "[--fake-clock]\n"
      "                   [--max-body BYTES] [--threads N] [--trust-proxy]\n"
      "  --listen     address to listen on (default 127.0.0.1:8080)\n"
      "  --db         sqlite:PATH (default sqlite:var/baton.db) or postgresql://USER@HOST/DB\n"
      "  --workflows  folder with org.yaml and the workflows (default workflows/)\n"
      "  --demo       create demo users for the organisation's queues (password printed)\n"
      "  --fake-clock the clock stands still unless moved with POST /api/v1/admin/clock\n"
      "  --max-body   largest request body in bytes (default 1048576)\n"
      "  --trust-proxy  believe X-Forwarded-Proto and -For from the reverse proxy in front (the\n"
      "               session cookie gets Secure for https; sign-in throttling counts the\n"
      "               forwarded client address); without it X-Forwarded-* are ignored\n"
      "Environment: BATON_ADMIN_PASSWORD creates the user admin if absent.\n";

const QString demoPassword = QStringLiteral("baton-demo");

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

/// Demo users from org.yaml: every queue's primary and backup contacts become agents of the
/// queue's department, its manager a supervisor there; plus an admin.
/// Demo accounts from the queue contacts of org.yaml. A contact of a back-office queue (one that
/// a workflow routes tickets to, or that work escalates to) is `staff`; a contact of any other
/// queue works the front line and is an `agent` (plus `sales` in the sales department, when
/// org.yaml declares that role); managers are supervisors.
QMap<QString, UserInput> demoUsers(const WorkflowSet &set)
{
    const Organisation &org = set.organisation;
    QSet<QString> backOffice;
    for (const QueueDef &queue : org.queues)
        if (!queue.escalateTo.isEmpty())
            backOffice.insert(queue.escalateTo);
    for (const auto &workflow : set.workflows) {
        for (const State &state : workflow->states) {
            if (!state.queue.isEmpty())
                backOffice.insert(state.queue);
            for (const Branch &branch : state.branches)
                backOffice.insert(branch.queue);
        }
        if (workflow->handoffs)
            backOffice.insert(workflow->handoffs->moveTo);
        for (const EscalationStep &step : workflow->escalation)
            if (!step.moveTo.isEmpty() && org.queues.contains(step.moveTo))
                backOffice.insert(step.moveTo);
    }
    QMap<QString, UserInput> users;
    auto add = [&](const QString &username, const QString &department, const QString &role) {
        if (username.isEmpty())
            return;
        UserInput &input = users[username];
        if (!input.name) {
            QString name = username;
            name[0] = name[0].toUpper();
            input.name = name;
            input.password = demoPassword;
            input.departments = QStringList();
            input.roles = QStringList();
        }
        if (!department.isEmpty() && !input.departments->contains(department))
            input.departments->append(department);
        if (!input.roles->contains(role))
            input.roles->append(role);
    };
    for (const QueueDef &queue : org.queues) {
        const bool frontLine = !backOffice.contains(queue.name);
        const QString role = frontLine ? QStringLiteral("agent") : QStringLiteral("staff");
        const bool sales = frontLine && queue.department == u"sales" && org.hasRole(u"sales"_qs);
        for (const QStringList *contacts : {&queue.primary, &queue.backup}) {
            for (const QString &u : *contacts) {
                add(u, queue.department, role);
                if (sales)
                    add(u, queue.department, QStringLiteral("sales"));
            }
        }
        add(queue.manager, queue.department, QStringLiteral("supervisor"));
    }
    add(QStringLiteral("admin"), QString(), QStringLiteral("admin"));
    return users;
}

/// How the organisation's files are named in its versions: org.yaml, or the org/ folder.
QString organisationPath(const QString &folder, const QList<OrganisationFile> &files)
{
    const bool single = files.size() == 1 && files.first().path.endsWith(u"org.yaml");
    return QDir(folder).filePath(single ? QStringLiteral("org.yaml") : QStringLiteral("org/"));
}

} // namespace

int runServe(const QStringList &arguments)
{
    QString listen = QStringLiteral("127.0.0.1:8080");
    QString url = QStringLiteral("sqlite:var/baton.db");
    QString workflowsDir = QStringLiteral("workflows");
    bool demo = false;
    bool fakeClock = false;
    qint64 maxBody = 1024 * 1024;
    int threads = 2;
    bool trustProxy = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        auto value = [&](QString *out) {
            if (i + 1 >= arguments.size())
                return false;
            *out = arguments.at(++i);
            return true;
        };
        QString text;
        if (a == u"--listen" && value(&listen)) {
        } else if (a == u"--db" && value(&url)) {
        } else if (a == u"--workflows" && value(&workflowsDir)) {
        } else if (a == u"--demo") {
            demo = true;
        } else if (a == u"--fake-clock") {
            fakeClock = true;
        } else if (a == u"--trust-proxy") {
            trustProxy = true;
        } else if (a == u"--max-body" && value(&text) && text.toLongLong() > 0) {
            maxBody = text.toLongLong();
        } else if (a == u"--threads" && value(&text) && text.toInt() > 0) {
            threads = text.toInt();
        } else if (a == u"--help" || a == u"-h") {
            std::fputs(serveUsage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "baton serve: unexpected argument '%s'\n%s", qPrintable(a),
                         serveUsage);
            return 2;
        }
    }
    const qsizetype colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : 0;
    QHostAddress address(colon > 0 ? listen.left(colon).remove(u'[').remove(u']') : QString());
    if (listen.left(colon) == u"localhost")
        address = QHostAddress::LocalHost;
    if (!portOk || port < 0 || port > 65535 || address.isNull()) {
        std::fprintf(stderr, "baton serve: --listen wants HOST:PORT, e.g. 127.0.0.1:8080\n");
        return 2;
    }

    // The workflows first: a folder with errors stops start-up, as `baton validate` reports.
    WorkflowSet set = loadWorkflowDirectory(workflowsDir);
    for (const Diagnostic &d : std::as_const(set.diagnostics))
        std::fprintf(d.isError() ? stderr : stdout, "%s\n", qPrintable(d.toString()));
    if (!set.ok()) {
        std::fprintf(stderr, "baton serve: %s has errors; not starting\n",
                     qPrintable(workflowsDir));
        return 1;
    }

    if (url.startsWith(QStringLiteral("sqlite:"))) {
        const QString path = url.mid(7);
        if (!path.isEmpty() && path != u":memory:")
            QDir().mkpath(QFileInfo(path).absolutePath());
    }
    auto database = Database::open(url);
    if (!database) {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(database.error()));
        return 1;
    }
    if (auto migrated = Schema::migrate(**database); !migrated) {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(migrated.error()));
        return 1;
    }

    SystemClock systemClock;
    FakeClock testClock;
    const Clock *clock = fakeClock ? static_cast<const Clock *>(&testClock) : &systemClock;
    auto organisation = std::make_shared<const Organisation>(set.organisation);
    if (demo) // before the engine starts: it numbers new tickets from the database
        seedDemoTickets(*database, organisation, set.workflows, workflowsDir, clock->now());

    // SLA clocks: the engine writes each ticket's due dates and timer with every change.
    SlaService sla(organisation, *database, clock);
    EngineOptions engineOptions;
    engineOptions.database = *database;
    engineOptions.organisation = organisation;
    engineOptions.clock = clock;
    engineOptions.slaPlanner = sla.planner();
    const StepFactDeriver stepFacts = stepFactDeriverOf(sla); // reports: a fact per step ended
    engineOptions.stepFacts = stepFacts.recorder();
    auto engine = Engine::start(engineOptions);
    if (!engine) {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(engine.error()));
        return 1;
    }
    // A file is published only when it changed since it was last published from it: a restart
    // never undoes a version an admin published in the editor (conflicts are logged).
    const auto published = (*engine)->publishFiles(set.workflows, workflowsDir);
    if (!published) {
        std::fprintf(stderr, "baton serve: publishing workflows: %s\n",
                     qPrintable(published.error()));
        return 1;
    }
    // Reports: the step facts of the tickets written before the engine kept them, derived from
    // their events before any request or timer writes (report/stepfactbackfill.h).
    const auto backfilled
        = backfillStepFacts(**database, stepFacts, [&engine](const QString &name, int version) {
              return (*engine)->workflow(name, version);
          });
    if (!backfilled) {
        std::fprintf(stderr, "baton serve: reports back-fill: %s\n",
                     qPrintable(backfilled.error()));
        return 1;
    }

    // SLA timers: fired by their own thread (at once for those missed while down); with
    // --fake-clock only when the clock is moved, before the admin clock call answers.
    TimerScheduler::Options timerOptions;
    timerOptions.database = *database;
    timerOptions.engine = engine->get();
    timerOptions.sla = &sla;
    timerOptions.clock = clock;
    timerOptions.wallClock = !fakeClock;
    TimerScheduler timers(timerOptions);
    sla.setTimerListener([&timers](qint64 dueAtMs) { timers.timersWritten(dueAtMs); });
    {
        // A calendar changed in org.yaml or org/ since the last start: re-measure the clocks on
        // it.
        const auto changed = sla.recomputeClocksSinceLastStart(
            **engine, **database, organisationSource(set.organisationFiles),
            organisationPath(workflowsDir, set.organisationFiles));
        if (!changed) {
            std::fprintf(stderr, "baton serve: %s\n", qPrintable(changed.error()));
            return 1;
        }
        if (!changed->calendars.isEmpty())
            std::printf("  calendars changed (%s): %d open tickets re-measured\n",
                        qPrintable(changed->calendars.join(QStringLiteral(", "))),
                        changed->recomputed);
    }
    if (auto started = timers.start(); !started) {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(started.error()));
        return 1;
    }

    AuthService auth(**database, *clock);
    QStringList created;
    auto ensureUser = [&](const QString &username, const UserInput &input) -> bool {
        const auto existing = auth.users().find(username);
        if (!existing) {
            std::fprintf(stderr, "baton serve: %s\n", qPrintable(existing.error()));
            return false;
        }
        if (existing->has_value())
            return true;
        const auto result = auth.users().create(username, input, *organisation);
        if (const auto *problem = std::get_if<UserProblem>(&result)) {
            QStringList details;
            for (auto it = problem->fields.cbegin(); it != problem->fields.cend(); ++it)
                details.append(it.key() + QStringLiteral(": ") + it.value());
            std::fprintf(stderr, "baton serve: cannot create user %s: %s %s\n",
                         qPrintable(username), qPrintable(problem->message),
                         qPrintable(details.join(QStringLiteral("; "))));
            return false;
        }
        created.append(username);
        return true;
    };
    const QString adminPassword = qEnvironmentVariable("BATON_ADMIN_PASSWORD");
    if (!adminPassword.isEmpty()) {
        UserInput admin;
        admin.name = QStringLiteral("Administrator");
        admin.password = adminPassword;
        admin.roles = QStringList {QStringLiteral("admin")};
        if (!ensureUser(QStringLiteral("admin"), admin))
            return 1;
    }
    QMap<QString, UserInput> demoAccounts;
    if (demo) {
        demoAccounts = demoUsers(set);
        for (auto it = demoAccounts.cbegin(); it != demoAccounts.cend(); ++it)
            if (!ensureUser(it.key(), it.value()))
                return 1;
    }

    Api::ApiServerOptions apiOptions;
    apiOptions.http.address = address;
    apiOptions.http.port = quint16(port);
    apiOptions.http.threads = threads;
    apiOptions.http.maxBodyBytes = maxBody;
    apiOptions.database = *database;
    apiOptions.engine = engine->get();
    apiOptions.auth = &auth;
    apiOptions.clock = clock;
    apiOptions.fakeClock = fakeClock ? &testClock : nullptr;
    apiOptions.trustProxy = trustProxy;
    apiOptions.sla = &sla;
    apiOptions.clockMoved = [&timers] {
        if (auto fired = timers.fireDueTimers(); !fired)
            std::fprintf(stderr, "baton serve: %s\n", qPrintable(fired.error()));
    };
    Api::ApiServer api(apiOptions);
    const auto bound = api.start();
    if (!bound) {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(bound.error()));
        return 1;
    }

    std::printf("Baton %s\n", qPrintable(QCoreApplication::applicationVersion()));
    std::printf("  database:  %s\n", qPrintable((*database)->url().toDisplayString()));
    std::printf("  workflows: %s\n", qPrintable(QDir(workflowsDir).absolutePath()));
    for (auto it = published->current.cbegin(); it != published->current.cend(); ++it)
        std::printf("    %-28s version %d%s\n", qPrintable(it.key()), it.value(),
                    published->published.contains(it.key()) ? "  (new)" : "");
    for (const PublishConflict &conflict : std::as_const(published->conflicts))
        std::printf("  not published: %s\n", qPrintable(conflict.message()));
    if (fakeClock)
        std::printf("  clock:     fake, standing at %s (move it with POST /api/v1/admin/clock)\n",
                    qPrintable(testClock.now().toString(Qt::ISODate)));
    if (demo) {
        std::printf("  demo users (password \"%s\"):\n", qPrintable(demoPassword));
        for (auto it = demoAccounts.cbegin(); it != demoAccounts.cend(); ++it)
            std::printf("    %-10s %-12s %s%s\n", qPrintable(it.key()),
                        qPrintable(it.value().roles->join(u',')),
                        qPrintable(it.value().departments->join(u',')),
                        created.contains(it.key()) ? "" : "  (existed; password unchanged)");
    }
    if (!adminPassword.isEmpty())
        std::printf("  admin:     user \"admin\" %s\n",
                    created.contains(QStringLiteral("admin")) ? "created from BATON_ADMIN_PASSWORD"
                                                              : "exists");
    std::printf("Serving on http://%s:%u/  (%d HTTP threads, body limit %lld bytes)\n",
                qPrintable(address.protocol() == QAbstractSocket::IPv6Protocol
                               ? u'[' + address.toString() + u']'
                               : address.toString()),
                unsigned(*bound), threads, maxBody);
    std::fflush(stdout);

    if (::pipe(signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, qApp,
                     [] { QCoreApplication::quit(); });
    const int code = QCoreApplication::exec();
    std::printf("Stopping.\n");
    // The engine first: it completes queued writes, whose answers go out through the still
    // running HTTP threads; then the HTTP server.
    engine->reset();
    api.stop();
    return code;
}

} // namespace Baton::Cli

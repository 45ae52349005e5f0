// SPDX-License-Identifier: GPL-3.0-or-later
// A queue's `assign:` (org.yaml) through the shipped strategy plugins, as the server loads them,
// on a real SQLite file and a real PostgreSQL server: each strategy's exact choice, members who
// are away skipped, the choice recorded as an `assigned` event of the write that put the
// ticket in the queue (no actor, data.strategy), and round robin's order kept over a restart.

#include "pgharness.h"

#include "core/clock.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "plugin/assignmentstrategy.h"
#include "pluginhost/pluginhost.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/userrows.h"

#include <QDir>
#include <QFileInfo>
#include <QTest>

#include <algorithm>

using namespace Baton;
using namespace Baton::Test;

namespace {

const char org[] = R"(
calendars:
  always:
    timezone: UTC
    week: {mon-sun: ["00:00-24:00"]}
departments:
  desk: {title: Desk, calendar: always}
  back: {title: Back office, calendar: always}
queues:
  front: {department: desk, title: Front desk, assign: round_robin, backup: [bo]}
  backoffice: {department: back, title: Back office, assign: least_loaded}
  experts: {department: back, title: Experts, assign: skills, match: [device]}
  counter: {department: desk, title: Counter, backup: [bo]}
)";

// One workflow per queue: a ticket opens in QUEUE and `done` closes it.
QByteArray workflowIn(const QString &queue)
{
    return QStringLiteral(R"(
workflow: %1-work
title: Work
start:
  roles: [agent]
fields:
  device: {type: string}
initial: work
states:
  work:
    title: Work
    queue: %1
    on:
      done: {to: closed, title: Done}
      ping: {to: work, title: Ping, notify: [originator]}
  closed: {final: true}
)")
        .arg(queue)
        .toUtf8();
}

// A parallel step whose branches wait in three queues: least_loaded, round_robin and manual.
const char splitWorkflow[] = R"(
workflow: split-work
title: Split
start:
  roles: [agent]
initial: triage
states:
  triage:
    title: Triage
    queue: counter
    on:
      split: {to: both, title: Split}
  both:
    title: Both
    parallel:
      office:
        title: Office
        queue: backoffice
        on:
          done: {title: Done, to: "@done"}
      desk:
        title: Desk
        queue: front
        on:
          done: {title: Done, to: "@done"}
      counter:
        title: Counter
        queue: counter
        on:
          done: {title: Done, to: "@done"}
    then: closed
    else: closed
  closed: {final: true}
)";

// A parallel step of four branches, two in each of two queues that assign by themselves.
QByteArray pairWorkflow()
{
    QByteArray yaml = "workflow: pair-work\ntitle: Pairs\nstart:\n  roles: [agent]\n"
                      "initial: pairs\nstates:\n  pairs:\n    title: Pairs\n    parallel:\n";
    for (const auto &[branch, queue] :
         {std::pair {"office1", "backoffice"}, std::pair {"office2", "backoffice"},
          std::pair {"desk1", "front"}, std::pair {"desk2", "front"}})
        yaml += QByteArray("      ") + branch + ":\n        title: " + branch + "\n        queue: "
            + queue + "\n        on:\n          done: {title: Done, to: \"@done\"}\n";
    return yaml + "    then: closed\n    else: closed\n  closed: {final: true}\n";
}

template<typename T> QString errorOf(const Result<T> &result)
{
    return result.ok() ? QString() : result.error();
}

struct Harness
{
    std::shared_ptr<Database> database;
    std::shared_ptr<const Organisation> organisation;
    FakeClock clock {QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC)};
    PluginHost plugins;
    std::unique_ptr<Engine> engine;

    QString open(const QString &url)
    {
        auto db = Database::open(url);
        if (!db)
            return db.error();
        database = db.value();
        if (auto migrated = Schema::migrate(*database); !migrated)
            return migrated.error();
        auto read = readOrganisation(QByteArray(org), QStringLiteral("org.yaml"));
        if (!read.ok())
            return QStringLiteral("org.yaml does not load");
        organisation = std::make_shared<const Organisation>(read.organisation);
        plugins.loadFolder(
            QFileInfo(QStringLiteral(BATON_BINARY)).dir().filePath(QStringLiteral("plugins")));
        for (const char *name : {"round_robin", "least_loaded", "skills"})
            if (!plugins.strategy(QString::fromLatin1(name)))
                return QStringLiteral("strategy plugin %1 did not load").arg(QLatin1String(name));
        return start();
    }

    QString start()
    {
        EngineOptions options;
        options.database = database;
        options.organisation = organisation;
        options.clock = &clock;
        options.assignmentStrategies = [this](const QString &name) {
            return static_cast<const AssignmentStrategy *>(plugins.strategy(name));
        };
        auto started = Engine::start(options);
        if (!started)
            return started.error();
        engine = std::move(started.value());
        QList<std::shared_ptr<const Workflow>> workflows;
        for (const QString &queue : organisation->queues.keys()) {
            auto wf = readWorkflow(workflowIn(queue), queue + QStringLiteral("-work.yaml"),
                                   organisation.get());
            if (!wf.ok())
                return QStringLiteral("workflow of %1 does not load").arg(queue);
            workflows.append(wf.workflow);
        }
        auto split = readWorkflow(QByteArray(splitWorkflow), QStringLiteral("split-work.yaml"),
                                  organisation.get());
        if (!split.ok())
            return QStringLiteral("split-work.yaml does not load");
        workflows.append(split.workflow);
        auto pairs
            = readWorkflow(pairWorkflow(), QStringLiteral("pair-work.yaml"), organisation.get());
        if (!pairs.ok())
            return QStringLiteral("pair-work.yaml does not load");
        workflows.append(pairs.workflow);
        if (auto published = engine->publish(workflows, QStringLiteral("admin")); !published)
            return published.error();
        return {};
    }

    QString addUser(const QString &name, const QString &department, QStringList skills = {})
    {
        auto db = database->connection();
        if (!db)
            return db.error();
        UserRow row;
        row.username = name;
        row.name = name;
        row.roles = {QStringLiteral("staff")};
        row.departments = {department};
        row.skills = std::move(skills);
        row.passwordHash = "not-a-hash"; // nobody signs in here
        if (auto inserted = UserRows::insert(*db, row); !inserted)
            return inserted.error();
        return {};
    }

    QString setAway(const QString &name, qint64 fromMs, qint64 untilMs)
    {
        auto db = database->connection();
        if (!db)
            return db.error();
        if (auto set = UserRows::setAway(*db, name, fromMs, untilMs, {}, 0); !set)
            return set.error();
        return {};
    }

    Actor opener() const
    {
        return resolveActor(*organisation, QStringLiteral("olga"), {QStringLiteral("agent")},
                            {QStringLiteral("desk")});
    }

    /// Opens a ticket in `queue`'s workflow; its assignee ("" when none), or "error: ...".
    QString openIn(const QString &queue, const QString &device = {}, qint64 *id = nullptr)
    {
        OpenRequest request;
        request.title = QStringLiteral("Help");
        if (!device.isEmpty())
            request.fields.insert(QStringLiteral("device"), device);
        CommandResult opened = engine->open(opener(), queue + QStringLiteral("-work"), request);
        if (!opened)
            return QStringLiteral("error: ") + opened.error();
        if (id)
            *id = opened->ticket.id;
        return opened->ticket.assignee;
    }
};

#define START(h, url)                                                                              \
    Harness h;                                                                                     \
    {                                                                                              \
        const QString failed = h.open(url);                                                        \
        QVERIFY2(failed.isEmpty(), qPrintable(failed));                                            \
    }

#define ADD_USER(h, ...)                                                                           \
    {                                                                                              \
        const QString failed = h.addUser(__VA_ARGS__);                                             \
        QVERIFY2(failed.isEmpty(), qPrintable(failed));                                            \
    }

} // namespace

class TestAssignment : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void roundRobinTakesTurnsOverARestart();
    void leastLoadedBreaksTiesByName();
    void skillsMatchTheTicketsField();
    void membersAwaySkippedAndNobodyPresentLeavesTheQueue();
    void manualQueueAssignsNobody();
    void workAndNoticesOfSomeoneAwayGoToWhoStandsIn();
    void parallelBranchesAreAssignedInTheirQueues();
    void branchesInOneQueueAreSpreadOverItsMembers();

private:
    TestDatabase m_databases;
};

void TestAssignment::roundRobinTakesTurnsOverARestart()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"cai", "amy", "bo"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("desk"));
    ADD_USER(h, QStringLiteral("zed"), QStringLiteral("back"));

    QStringList order;
    qint64 first = 0;
    order << h.openIn(QStringLiteral("front"), {}, &first);
    for (int n = 0; n < 3; ++n)
        order << h.openIn(QStringLiteral("front"));
    QCOMPARE(order,
             (QStringList {QStringLiteral("amy"), QStringLiteral("bo"), QStringLiteral("cai"),
                           QStringLiteral("amy")}));

    // The choice is an event of the opening's write, without an actor, naming the strategy.
    auto events = h.engine->events(first, h.opener());
    QVERIFY2(events.ok(), qPrintable(errorOf(events)));
    QCOMPARE(events->size(), 2);
    const Event &assigned = events->at(1);
    QCOMPARE(assigned.type, QStringLiteral("assigned"));
    QVERIFY(assigned.actor.isEmpty());
    QCOMPARE(assigned.data.value(QLatin1String("assignee")).toString(), QStringLiteral("amy"));
    QCOMPARE(assigned.data.value(QLatin1String("strategy")).toString(),
             QStringLiteral("round_robin"));
    auto notices = h.engine->notifications(QStringLiteral("amy"), false);
    QVERIFY2(notices.ok(), qPrintable(errorOf(notices)));
    QCOMPARE(notices->size(), 2);
    QCOMPARE(notices->first().kind, QStringLiteral("assigned"));

    // A restart carries on where the turns stood: bo, then cai.
    h.engine.reset();
    const QString restarted = h.start();
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    QCOMPARE(h.openIn(QStringLiteral("front")), QStringLiteral("bo"));
    QCOMPARE(h.openIn(QStringLiteral("front")), QStringLiteral("cai"));
}

void TestAssignment::leastLoadedBreaksTiesByName()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"bob", "ben", "bea"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("back"));

    // Everyone at 0: by name. Then each at 1: by name again.
    QStringList order;
    for (int n = 0; n < 4; ++n)
        order << h.openIn(QStringLiteral("backoffice"));
    QCOMPARE(order,
             (QStringList {QStringLiteral("bea"), QStringLiteral("ben"), QStringLiteral("bob"),
                           QStringLiteral("bea")}));
    // bea 2, ben 1, bob 1: ben (before bob by name).
    qint64 benFirst = 0;
    QCOMPARE(h.openIn(QStringLiteral("backoffice"), {}, &benFirst), QStringLiteral("ben"));
    // bea 2, ben 2, bob 1: bob.
    QCOMPARE(h.openIn(QStringLiteral("backoffice")), QStringLiteral("bob"));
    // Everyone at 2; closing one of ben's leaves him the least loaded, then bea by name.
    const Actor ben = resolveActor(*h.organisation, QStringLiteral("ben"),
                                   {QStringLiteral("staff")}, {QStringLiteral("back")});
    ActionRequest done;
    done.name = QStringLiteral("done");
    CommandResult closed = h.engine->takeAction(ben, benFirst, done);
    QVERIFY2(closed.ok(), qPrintable(errorOf(closed)));
    QCOMPARE(h.openIn(QStringLiteral("backoffice")), QStringLiteral("ben"));
    QCOMPARE(h.openIn(QStringLiteral("backoffice")), QStringLiteral("bea"));
}

void TestAssignment::skillsMatchTheTicketsField()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    ADD_USER(h, QStringLiteral("bea"), QStringLiteral("back"), {QStringLiteral("printer")});
    ADD_USER(h, QStringLiteral("ben"), QStringLiteral("back"),
             {QStringLiteral("Phone"), QStringLiteral("printer")});
    ADD_USER(h, QStringLiteral("bob"), QStringLiteral("back"));

    QCOMPARE(h.openIn(QStringLiteral("experts"), QStringLiteral("phone")), QStringLiteral("ben"));
    // Both fit a printer; bea has less open work.
    QCOMPARE(h.openIn(QStringLiteral("experts"), QStringLiteral("printer")), QStringLiteral("bea"));
    // bea and ben at 1 each: by name; then ben has less.
    QCOMPARE(h.openIn(QStringLiteral("experts"), QStringLiteral("printer")), QStringLiteral("bea"));
    QCOMPARE(h.openIn(QStringLiteral("experts"), QStringLiteral("printer")), QStringLiteral("ben"));
    // Nobody knows faxes: the ticket waits in the queue.
    QCOMPARE(h.openIn(QStringLiteral("experts"), QStringLiteral("fax")), QString());
    // No field to match: everyone fits, least loaded first (bob has none).
    QCOMPARE(h.openIn(QStringLiteral("experts")), QStringLiteral("bob"));
}

void TestAssignment::membersAwaySkippedAndNobodyPresentLeavesTheQueue()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"amy", "bo"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("desk"));
    const qint64 now = h.clock.now().toMSecsSinceEpoch();
    const qint64 hour = 3600 * 1000;
    // amy is away now; bo's absence starts in an hour.
    QVERIFY(h.setAway(QStringLiteral("amy"), now - hour, now + 2 * hour).isEmpty());
    QVERIFY(h.setAway(QStringLiteral("bo"), now + hour, now + 2 * hour).isEmpty());
    QCOMPARE(h.openIn(QStringLiteral("front")), QStringLiteral("bo"));
    QCOMPARE(h.openIn(QStringLiteral("front")), QStringLiteral("bo"));

    // Both away: nobody fits, the ticket waits in the queue.
    h.clock.advanceSeconds(3600);
    QCOMPARE(h.openIn(QStringLiteral("front")), QString());
    // Both back: amy's turn (she never had one).
    h.clock.advanceSeconds(3600);
    QCOMPARE(h.openIn(QStringLiteral("front")), QStringLiteral("amy"));
}

void TestAssignment::manualQueueAssignsNobody()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    ADD_USER(h, QStringLiteral("amy"), QStringLiteral("desk"));
    QCOMPARE(h.openIn(QStringLiteral("counter")), QString());
}

void TestAssignment::workAndNoticesOfSomeoneAwayGoToWhoStandsIn()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"amy", "bo", "cai", "sam", "olga"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("desk"));
    const qint64 now = h.clock.now().toMSecsSinceEpoch();
    const qint64 day = 24 * 3600 * 1000;
    {
        auto db = h.database->connection();
        QVERIFY(db.ok());
        // amy names sam; cai names nobody (the queue's backup, bo, stands in); olga, who
        // opens the tickets, names sam.
        QVERIFY(
            UserRows::setAway(*db, QStringLiteral("amy"), {}, now + day, QStringLiteral("sam"), 0)
                .ok());
        QVERIFY(UserRows::setAway(*db, QStringLiteral("cai"), now - day, now + day, {}, 0).ok());
        QVERIFY(
            UserRows::setAway(*db, QStringLiteral("olga"), {}, now + day, QStringLiteral("sam"), 0)
                .ok());
    }
    const Actor admin
        = resolveActor(*h.organisation, QStringLiteral("root"), {QStringLiteral("admin")}, {});
    const auto member = [&](const char *name) {
        return resolveActor(*h.organisation, QString::fromLatin1(name), {QStringLiteral("staff")},
                            {QStringLiteral("desk")});
    };

    qint64 id = 0;
    QCOMPARE(h.openIn(QStringLiteral("counter"), {}, &id), QString());
    CommandResult assigned = h.engine->assign(admin, id, member("amy"));
    QVERIFY2(assigned.ok(), qPrintable(errorOf(assigned)));
    QCOMPARE(assigned->ticket.assignee, QStringLiteral("sam"));
    QCOMPARE(assigned->events.size(), 2);
    const Event &handed = assigned->events.last();
    QVERIFY(handed.actor.isEmpty());
    QCOMPARE(handed.data.value(QLatin1String("strategy")).toString(), QStringLiteral("substitute"));
    QCOMPARE(handed.data.value(QLatin1String("for")).toString(), QStringLiteral("amy"));
    QCOMPARE(handed.data.value(QLatin1String("previous")).toString(), QStringLiteral("amy"));
    auto samNotices = h.engine->notifications(QStringLiteral("sam"), false);
    QVERIFY(samNotices.ok());
    QCOMPARE(samNotices->size(), 1);
    QCOMPARE(samNotices->first().kind, QStringLiteral("assigned"));
    auto amyNotices = h.engine->notifications(QStringLiteral("amy"), false);
    QVERIFY(amyNotices.ok());
    QCOMPARE(amyNotices->size(), 0);

    // No substitute named: the queue's backup.
    qint64 other = 0;
    QCOMPARE(h.openIn(QStringLiteral("counter"), {}, &other), QString());
    assigned = h.engine->assign(admin, other, member("cai"));
    QVERIFY2(assigned.ok(), qPrintable(errorOf(assigned)));
    QCOMPARE(assigned->ticket.assignee, QStringLiteral("bo"));

    // A notice to the originator, away, reaches her substitute, saying for whom.
    ActionRequest ping;
    ping.name = QStringLiteral("ping");
    CommandResult pinged = h.engine->takeAction(admin, id, ping);
    QVERIFY2(pinged.ok(), qPrintable(errorOf(pinged)));
    samNotices = h.engine->notifications(QStringLiteral("sam"), false);
    QVERIFY(samNotices.ok());
    QCOMPARE(samNotices->size(), 2);
    QVERIFY2(samNotices->first().message.contains(QLatin1String("for olga")),
             qPrintable(samNotices->first().message));
    auto olgaNotices = h.engine->notifications(QStringLiteral("olga"), false);
    QVERIFY(olgaNotices.ok());
    QCOMPARE(olgaNotices->size(), 0);

    // Back: the next assignment to amy stays with her.
    h.clock.advanceSeconds(2 * 24 * 3600);
    qint64 third = 0;
    QCOMPARE(h.openIn(QStringLiteral("counter"), {}, &third), QString());
    assigned = h.engine->assign(admin, third, member("amy"));
    QVERIFY2(assigned.ok(), qPrintable(errorOf(assigned)));
    QCOMPARE(assigned->ticket.assignee, QStringLiteral("amy"));
}

// A step that splits into branches: each branch waiting in a queue with `assign:` is given to
// the member its strategy chooses, in the same write, as an `assigned` event naming the branch;
// a branch in a manual queue waits; someone away is skipped.
void TestAssignment::parallelBranchesAreAssignedInTheirQueues()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"amy", "bo"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("desk"));
    for (const char *name : {"bea", "ben"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("back"));
    const qint64 now = h.clock.now().toMSecsSinceEpoch();
    QVERIFY(h.setAway(QStringLiteral("bea"), now - 1000, now + 3600 * 1000).isEmpty());

    OpenRequest request;
    request.title = QStringLiteral("Two desks");
    CommandResult opened = h.engine->open(h.opener(), QStringLiteral("split-work"), request);
    QVERIFY2(opened.ok(), qPrintable(errorOf(opened)));
    QVERIFY(opened->ticket.assignee.isEmpty()); // counter assigns by hand
    ActionRequest split;
    split.name = QStringLiteral("split");
    CommandResult splitUp = h.engine->takeAction(h.opener(), opened->ticket.id, split);
    QVERIFY2(splitUp.ok(), qPrintable(errorOf(splitUp)));

    QMap<QString, QString> assignees;
    for (const BranchState &b : splitUp->ticket.branches)
        assignees.insert(b.name, b.assignee);
    QCOMPARE(assignees,
             (QMap<QString, QString> {{QStringLiteral("office"), QStringLiteral("ben")},
                                      {QStringLiteral("desk"), QStringLiteral("amy")},
                                      {QStringLiteral("counter"), QString()}}));
    QMap<QString, QString> strategies;
    for (const Event &e : splitUp->events)
        if (e.type == u"assigned") {
            QVERIFY(e.actor.isEmpty());
            strategies.insert(e.data.value(u"branch").toString(),
                              e.data.value(u"strategy").toString());
        }
    QCOMPARE(strategies,
             (QMap<QString, QString> {{QStringLiteral("office"), QStringLiteral("least_loaded")},
                                      {QStringLiteral("desk"), QStringLiteral("round_robin")}}));
    // As stored: a restart's replay reads the same assignees.
    h.engine.reset();
    const QString restarted = h.start();
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    auto events = h.engine->events(opened->ticket.id, h.opener());
    QVERIFY2(events.ok(), qPrintable(errorOf(events)));
    QCOMPARE(std::count_if(events->cbegin(), events->cend(),
                           [](const Event &e) { return e.type == u"assigned"; }),
             2);
}

// Branches of one ticket in one queue count each other's choice: two in a least_loaded queue
// and two in a round_robin one go to two people each. And a branch assigned is open work of its
// assignee's, like a ticket, for the next choice in its queue.
void TestAssignment::branchesInOneQueueAreSpreadOverItsMembers()
{
    BATON_FRESH_DATABASE(m_databases, url);
    START(h, url);
    for (const char *name : {"amy", "bo"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("desk"));
    for (const char *name : {"bea", "ben", "bob"})
        ADD_USER(h, QString::fromLatin1(name), QStringLiteral("back"));
    OpenRequest request;
    request.title = QStringLiteral("Pairs");
    const CommandResult opened = h.engine->open(h.opener(), QStringLiteral("pair-work"), request);
    QVERIFY2(opened.ok(), qPrintable(errorOf(opened)));
    QMap<QString, QString> assignees;
    for (const BranchState &b : opened->ticket.branches)
        assignees.insert(b.name, b.assignee);
    QCOMPARE(assignees,
             (QMap<QString, QString> {{QStringLiteral("office1"), QStringLiteral("bea")},
                                      {QStringLiteral("office2"), QStringLiteral("ben")},
                                      {QStringLiteral("desk1"), QStringLiteral("amy")},
                                      {QStringLiteral("desk2"), QStringLiteral("bo")}}));
    // bea and ben have a branch each: bob has the least open work.
    QCOMPARE(h.openIn(QStringLiteral("backoffice")), QStringLiteral("bob"));
    QCOMPARE(h.openIn(QStringLiteral("backoffice")), QStringLiteral("bea"));
}

QTEST_GUILESS_MAIN(TestAssignment)
#include "tst_assignment.moc"

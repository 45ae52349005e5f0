// SPDX-License-Identifier: GPL-3.0-or-later
// The authorisation matrix of the HTTP API (issue #5): every route × every role × the
// caller's relation to the object, each cell asserting the exact status and error code that
// interfaces.md and workflow-language.md prescribe. A real server (engine, store, auth) in this
// process on a port the OS picks, driven over real sockets, on SQLite and on PostgreSQL.
#include "api/apiserver.h"
#include "auth/authservice.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "runtime/engine.h"
#include "sessionclient.h"
#include "sla/slaservice.h"
#include "sla/timerscheduler.h"
#include "store/database.h"
#include "store/schema.h"
#include "testserver.h"

#include <QFile>
#include <QJsonArray>
#include <QTest>

using namespace Baton;

namespace {

const QString password = QStringLiteral("password-1");

/// The caller's relation to the object of the call. For a ticket (opened in jump-queue and
/// waiting in `review`, queue cs-supervisors of customer-service, unless the route needs it
/// further on: in the parallel step, back with its originator, or closed):
enum Relation {
    Originator, ///< the caller opened it (from the sales department: not a queue member)
    OwnDepartment, ///< the caller works the ticket's current queue (customer-service)
    /// works customer-experience, the parent of customer-service: a supervisor there oversees
    /// customer-service, other roles do not
    ParentDepartment,
    VisitedDepartment, ///< own department, but the ticket has since moved on to billing
    BranchQueue, ///< works billing, the queue of one branch of the parallel step the ticket is in
    /// holds the ticket (assigned while in customer-service) but has since moved to customs:
    /// the current assignee who is no member of the queue
    Assignee,
    /// likewise for the billing branch of the parallel step: assigned there, then moved away
    BranchAssignee,
    OtherDepartment, ///< same role, customs: a department the ticket never visited
    Missing, ///< no such ticket (or notification, user, workflow version)
    NoSession, ///< no credentials at all
    RelationCount
};

const char *const relationNames[]
    = {"originator",     "own department",      "parent department",          "visited department",
       "branch queue",   "assignee moved away", "branch assignee moved away", "other department",
       "no such object", "no session"};

/// What a route's path and body need prepared before the call.
enum class Target {
    None,
    Ticket, ///< a fresh open ticket in review ({id}, {key}, {assignee})
    ClosedTicket, ///< a fresh ticket taken all the way to `closed`
    ParallelTicket, ///< a fresh ticket approved into the parallel step (billing and ground-ops)
    AnswerTicket, ///< a fresh ticket back with its originator (`assignee: originator`)
    OwnNotification, ///< a fresh notification addressed to the caller ({notification})
    OthersNotification, ///< a fresh notification addressed to someone else ({notification})
};

struct Endpoint
{
    const char *name;
    QByteArray method;
    QByteArray path;
    QByteArray body;
    Target target = Target::None;
    /// The path for the Missing column when it differs from path with 999999999 for the id.
    QByteArray missingPath = {};
    int withoutSession = 401;
    bool yaml = false;
    bool freshSession = false; ///< logout: spend a session of its own, not the shared one
};

constexpr qint64 missingId = 999999999;

// Paths and bodies are valid for the roles allowed to call them, so that a 403 or 404 in the
// table comes from the permission rules and never from validation (a 400/422 would mask them).
const QList<Endpoint> &endpoints()
{
    static const QList<Endpoint> list {
        // ---- tickets -----------------------------------------------------------------------
        {"GET ticket", "GET", "/api/v1/tickets/{id}", {}, Target::Ticket},
        {"GET tickets (list)", "GET", "/api/v1/tickets?q={key}", {}, Target::Ticket},
        {"GET events", "GET", "/api/v1/tickets/{id}/events", {}, Target::Ticket},
        {"POST comments", "POST", "/api/v1/tickets/{id}/comments",
         R"({"body":"Checked with the hub","internal":false})", Target::Ticket},
        {"POST comments (internal)", "POST", "/api/v1/tickets/{id}/comments",
         R"({"body":"Customer on the watch list","internal":true})", Target::Ticket},
        // A transition limited to supervisors, and one open to every working role (`any:`).
        {"POST actions/approve", "POST", "/api/v1/tickets/{id}/actions/approve", "{}",
         Target::Ticket},
        {"POST actions/ask_customer", "POST", "/api/v1/tickets/{id}/actions/ask_customer",
         R"({"comment":"Which address?"})", Target::Ticket},
        {"POST claim", "POST", "/api/v1/tickets/{id}/claim", "{}", Target::Ticket},
        {"POST assign", "POST", "/api/v1/tickets/{id}/assign", R"({"username":"{assignee}"})",
         Target::Ticket},
        {"POST transfer", "POST", "/api/v1/tickets/{id}/transfer",
         R"({"queue":"{transfer_to}","reason":"The desk knows the customer"})", Target::Ticket},
        // A branch's own transition, and one of the originator's step.
        {"POST actions/done (branch)", "POST", "/api/v1/tickets/{id}/actions/done",
         R"({"branch":"billing","fields":{"billing_note":"Re-billed"}})", Target::ParallelTicket},
        {"POST actions/confirm", "POST", "/api/v1/tickets/{id}/actions/confirm",
         R"({"fields":{"reply":"On its way"}})", Target::AnswerTicket},
        {"POST reopen", "POST", "/api/v1/tickets/{id}/reopen",
         R"({"reason":"The customer called back"})", Target::ClosedTicket},
        {"POST tickets (open)", "POST", "/api/v1/tickets",
         R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"},"channel":"phone"})"},
        // ---- sessions, organisation --------------------------------------------------------
        {"GET me", "GET", "/api/v1/me", {}},
        {"POST logout", "POST", "/api/v1/logout", {}, Target::None, {}, 401, false, true},
        {"GET queues", "GET", "/api/v1/queues", {}},
        {"GET departments", "GET", "/api/v1/departments", {}},
        {"GET calendars", "GET", "/api/v1/calendars", {}},
        // ---- workflows ---------------------------------------------------------------------
        {"GET workflows", "GET", "/api/v1/workflows", {}},
        {"GET workflow",
         "GET",
         "/api/v1/workflows/jump-queue",
         {},
         Target::None,
         "/api/v1/workflows/no-such-flow"},
        {"GET workflow version",
         "GET",
         "/api/v1/workflows/jump-queue/versions/1",
         {},
         Target::None,
         "/api/v1/workflows/jump-queue/versions/99"},
        {"POST workflows/validate",
         "POST",
         "/api/v1/workflows/validate",
         "{jump-queue.yaml}",
         Target::None,
         {},
         401,
         true},
        // The unchanged source: the admin's call is a no-op publish (200), not a new version.
        {"PUT workflow (publish)",
         "PUT",
         "/api/v1/workflows/jump-queue",
         "{jump-queue.yaml}",
         Target::None,
         {},
         401,
         true},
        // ---- users -------------------------------------------------------------------------
        {"GET users", "GET", "/api/v1/users", {}},
        {"POST users", "POST", "/api/v1/users",
         R"({"username":"new-{n}","name":"New Hire","password":"password-9","departments":["customs"],"roles":["agent"]})"},
        {"PATCH user", "PATCH", "/api/v1/users/bill", R"({"name":"Bill Bates"})", Target::None,
         "/api/v1/users/nobody-here"},
        // ---- notifications, stream, clock, operations --------------------------------------
        {"GET notifications", "GET", "/api/v1/notifications?unread=true", {}},
        {"POST notification read (own)",
         "POST",
         "/api/v1/notifications/{notification}/read",
         {},
         Target::OwnNotification},
        {"POST notification read (another user's)",
         "POST",
         "/api/v1/notifications/{notification}/read",
         {},
         Target::OthersNotification},
        // Without the WebSocket upgrade; the stream's own authorisation (who receives which
        // change) is covered by tst_api's WebSocket tests.
        {"GET stream (no upgrade)", "GET", "/api/v1/stream", {}},
        {"GET admin/clock", "GET", "/api/v1/admin/clock", {}},
        {"POST admin/clock", "POST", "/api/v1/admin/clock", R"({"advance_seconds":0})"},
        {"GET healthz", "GET", "/healthz", {}, Target::None, {}, 200},
        {"GET metrics", "GET", "/metrics", {}, Target::None, {}, 200},
    };
    return list;
}

constexpr int na = 0; ///< the role has no caller in this relation

struct Expectation
{
    const char *endpoint;
    const char *role;
    /// Originator, own, parent, visited, branch queue, assignee, branch assignee, other
    /// department, missing.
    QList<int> cells; ///< checked to have one per relation but NoSession
};

const QStringList roles {QStringLiteral("agent"), QStringLiteral("staff"),
                         QStringLiteral("supervisor"), QStringLiteral("sales"),
                         QStringLiteral("admin")};

// The matrix, written down from the contracts:
//  - visibility (interfaces.md: "404 ... one the caller may not see"; workflow-language.md): the
//    originator, members of any queue the ticket is or was in, supervisors of those queues'
//    departments (and of departments above them), admins;
//  - transitions: the roles listed AND a member of the current queue, the current assignee or,
//    in an originator state, the originator; admins always. approve is [supervisor] only;
//    ask_customer is [agent, sales, staff, supervisor];
//  - the current assignee sees the ticket, takes its transitions and may transfer it even when
//    no longer a member of its queue (moved to another department), but claim and assign stay
//    with the queue's members;
//  - claim: "member of the queue only" (so not even an admin who works no queue: an admin
//    assigns instead);
//  - assign: members of the queue, supervisors of its department, admins (interfaces.md names
//    no rule; this is what a ticketing product does: the people who run the queue);
//  - transfer: "a member of the current queue, the assignee, a supervisor of the queue's
//    department, or an admin";
//  - reopen (not in interfaces.md; the route exists): the originator, a supervisor of a
//    department the ticket went through, an admin; on a closed ticket;
//  - staff may not open a jump-queue ticket (start roles agent, sales, supervisor);
//  - publish, user changes and moving the clock: admin only. Listing users and reading the
//    clock: every signed-in user (the assign picker needs the list; contract ambiguous, see
//    the report);
//  - notifications: "the caller's own"; another user's is 404 like a missing one, also for an
//    admin.
const QList<Expectation> &expectations()
{
    // Columns: originator, own department, parent department, visited department, branch
    // queue, assignee moved away, branch assignee moved away, other department, missing (na: no
    // caller of that role in that relation).
    // clang-format off
    static const QList<Expectation> table {
        //                                            orig own  par  vis  brn  asg  bas  oth  miss
        {"GET ticket",                 "agent",      {200, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET ticket",                 "staff",      { na, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET ticket",                 "supervisor", {200, 200, 200, 200, 200, 200, 200, 404, 404}},
        {"GET ticket",                 "sales",      {200, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET ticket",                 "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        // 200 for all; whether the ticket is listed follows the GET ticket row's cell.
        {"GET tickets (list)",         "agent",      {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET tickets (list)",         "staff",      { na, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET tickets (list)",         "supervisor", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET tickets (list)",         "sales",      {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET tickets (list)",         "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 200}},

        {"GET events",                 "agent",      {200, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET events",                 "staff",      { na, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET events",                 "supervisor", {200, 200, 200, 200, 200, 200, 200, 404, 404}},
        {"GET events",                 "sales",      {200, 200, 404, 200, 200, 200, 200, 404, 404}},
        {"GET events",                 "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        {"POST comments",              "agent",      {201, 201, 404, 201, 201, 201, 201, 404, 404}},
        {"POST comments",              "staff",      { na, 201, 404, 201, 201, 201, 201, 404, 404}},
        {"POST comments",              "supervisor", {201, 201, 201, 201, 201, 201, 201, 404, 404}},
        {"POST comments",              "sales",      {201, 201, 404, 201, 201, 201, 201, 404, 404}},
        {"POST comments",              "admin",      {201,  na,  na, 201,  na,  na,  na, 201, 404}},

        // Internal notes are the back office's (README "Internal notes"): staff and supervisors
        // of the departments the ticket went through, admins; never the originator or the front
        // line (agent, sales), who face the customer.
        {"POST comments (internal)",   "agent",      {403, 403, 404, 403, 403, 403, 403, 404, 404}},
        {"POST comments (internal)",   "staff",      { na, 201, 404, 201, 201, 201, 201, 404, 404}},
        {"POST comments (internal)",   "supervisor", {403, 201, 201, 201, 201, 201, 201, 404, 404}},
        {"POST comments (internal)",   "sales",      {403, 403, 404, 403, 403, 403, 403, 404, 404}},
        {"POST comments (internal)",   "admin",      {201,  na,  na, 201,  na,  na,  na, 201, 404}},

        {"POST actions/approve",       "agent",      {403, 403, 404, 403,  na, 403,  na, 404, 404}},
        {"POST actions/approve",       "staff",      { na, 403, 404, 403,  na, 403,  na, 404, 404}},
        {"POST actions/approve",       "supervisor", {403, 200, 403, 403,  na, 200,  na, 404, 404}},
        {"POST actions/approve",       "sales",      {403, 403, 404, 403,  na, 403,  na, 404, 404}},
        {"POST actions/approve",       "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        {"POST actions/ask_customer",  "agent",      {403, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST actions/ask_customer",  "staff",      { na, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST actions/ask_customer",  "supervisor", {403, 200, 403, 403, 200, 200, 200, 404, 404}},
        {"POST actions/ask_customer",  "sales",      {403, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST actions/ask_customer",  "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        {"POST claim",                 "agent",      {403, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST claim",                 "staff",      { na, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST claim",                 "supervisor", {403, 200, 403, 403, 200, 403, 403, 404, 404}},
        {"POST claim",                 "sales",      {403, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST claim",                 "admin",      {403,  na,  na, 403,  na,  na,  na, 403, 404}},

        {"POST assign",                "agent",      {403, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST assign",                "staff",      { na, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST assign",                "supervisor", {403, 200, 200, 403, 200, 403, 403, 404, 404}},
        {"POST assign",                "sales",      {403, 200, 404, 403, 200, 403, 403, 404, 404}},
        {"POST assign",                "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        {"POST transfer",              "agent",      {403, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST transfer",              "staff",      { na, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST transfer",              "supervisor", {403, 200, 200, 403, 200, 200, 200, 404, 404}},
        {"POST transfer",              "sales",      {403, 200, 404, 403, 200, 200, 200, 404, 404}},
        {"POST transfer",              "admin",      {200,  na,  na, 200,  na,  na,  na, 200, 404}},

        // Only those who work the branch's queue (billing), and admins.
        {"POST actions/done (branch)", "agent",      {403, 403, 404,  na, 200,  na, 200, 404, 404}},
        {"POST actions/done (branch)", "staff",      { na, 403, 404,  na, 200,  na, 200, 404, 404}},
        {"POST actions/done (branch)", "supervisor", {403, 403, 403,  na, 200,  na, 200, 404, 404}},
        {"POST actions/done (branch)", "sales",      {403, 403, 404,  na, 200,  na, 200, 404, 404}},
        {"POST actions/done (branch)", "admin",      {200,  na,  na,  na,  na,  na,  na, 200, 404}},

        // In an `assignee: originator` state only the originator (any role: confirm lists
        // none) and admins; the departments it went through still see it.
        {"POST actions/confirm",       "agent",      {200, 403, 404,  na, 403,  na,  na, 404, 404}},
        {"POST actions/confirm",       "staff",      { na, 403, 404,  na, 403,  na,  na, 404, 404}},
        {"POST actions/confirm",       "supervisor", {200, 403, 403,  na, 403,  na,  na, 404, 404}},
        {"POST actions/confirm",       "sales",      {200, 403, 404,  na, 403,  na,  na, 404, 404}},
        {"POST actions/confirm",       "admin",      {200,  na,  na,  na,  na,  na,  na, 200, 404}},

        // On a closed ticket that went through customer-service, billing, ground-ops and
        // cx-coordination: "own department" is a member of customer-service, "branch queue" one
        // of billing (a supervisor of billing may reopen: the ticket went through billing).
        {"POST reopen",                "agent",      {200, 403, 403,  na, 403,  na,  na, 404, 404}},
        {"POST reopen",                "staff",      { na, 403, 403,  na, 403,  na,  na, 404, 404}},
        {"POST reopen",                "supervisor", {200, 200, 200,  na, 200,  na,  na, 404, 404}},
        {"POST reopen",                "sales",      {200, 403, 403,  na, 403,  na,  na, 404, 404}},
        {"POST reopen",                "admin",      {200,  na,  na,  na,  na,  na,  na, 200, 404}},

        {"POST tickets (open)",        "agent",      { na, 201,  na,  na,  na,  na,  na, 201,  na}},
        {"POST tickets (open)",        "staff",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST tickets (open)",        "supervisor", { na, 201,  na,  na,  na,  na,  na, 201,  na}},
        {"POST tickets (open)",        "sales",      { na, 201,  na,  na,  na,  na,  na, 201,  na}},
        {"POST tickets (open)",        "admin",      { na,  na,  na,  na,  na,  na,  na, 201,  na}},

        {"PUT workflow (publish)",     "agent",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"PUT workflow (publish)",     "staff",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"PUT workflow (publish)",     "supervisor", { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"PUT workflow (publish)",     "sales",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"PUT workflow (publish)",     "admin",      { na,  na,  na,  na,  na,  na,  na, 200,  na}},

        {"POST users",                 "agent",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST users",                 "staff",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST users",                 "supervisor", { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST users",                 "sales",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST users",                 "admin",      { na,  na,  na,  na,  na,  na,  na, 201,  na}},

        // A non-admin learns nothing about which usernames exist: 403 before the lookup.
        {"PATCH user",                 "agent",      { na, 403,  na,  na,  na,  na,  na, 403, 403}},
        {"PATCH user",                 "staff",      { na, 403,  na,  na,  na,  na,  na, 403, 403}},
        {"PATCH user",                 "supervisor", { na, 403,  na,  na,  na,  na,  na, 403, 403}},
        {"PATCH user",                 "sales",      { na, 403,  na,  na,  na,  na,  na, 403, 403}},
        {"PATCH user",                 "admin",      { na,  na,  na,  na,  na,  na,  na, 200, 404}},

        {"POST admin/clock",           "agent",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST admin/clock",           "staff",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST admin/clock",           "supervisor", { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST admin/clock",           "sales",      { na, 403,  na,  na,  na,  na,  na, 403,  na}},
        {"POST admin/clock",           "admin",      { na,  na,  na,  na,  na,  na,  na, 200,  na}},
    };
    // clang-format on
    // Routes every signed-in user may call alike, whatever their role and department.
    static const QList<Expectation> all = [] {
        QList<Expectation> out = table;
        const struct
        {
            const char *endpoint;
            int status;
            int missing;
        } uniform[] = {
            {"GET me", 200, na},
            {"POST logout", 204, na},
            {"GET queues", 200, na},
            {"GET departments", 200, na},
            {"GET calendars", 200, na},
            {"GET workflows", 200, na},
            {"GET workflow", 200, 404},
            {"GET workflow version", 200, 404},
            {"POST workflows/validate", 200, na},
            {"GET users", 200, na},
            {"GET notifications", 200, na},
            {"POST notification read (own)", 204, 404},
            {"POST notification read (another user's)", 404, na},
            {"GET stream (no upgrade)", 400, na},
            {"GET admin/clock", 200, na},
            {"GET healthz", 200, na},
            {"GET metrics", 200, na},
        };
        for (const auto &u : uniform)
            for (const char *role : {"agent", "staff", "supervisor", "sales"})
                out.append(
                    {u.endpoint, role, {na, u.status, na, na, na, na, na, u.status, u.missing}});
        for (const auto &u : uniform)
            out.append({u.endpoint, "admin", {na, na, na, na, na, na, na, u.status, u.missing}});
        return out;
    }();
    return all;
}

int expected(const QString &endpoint, const QString &role, int relation)
{
    for (const Expectation &e : expectations())
        if (endpoint == QLatin1String(e.endpoint) && role == QLatin1String(e.role))
            return e.cells.value(relation, na);
    return na;
}

QString codeFor(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("bad_request");
    case 401:
        return QStringLiteral("unauthenticated");
    case 403:
        return QStringLiteral("forbidden");
    case 404:
        return QStringLiteral("not_found");
    case 409:
        return QStringLiteral("conflict");
    case 422:
        return QStringLiteral("validation_failed");
    }
    return {};
}

using Person = Test::TestServer::User;

// The ticket's current queue is cs-supervisors (customer-service). Nobody in customs, the
// "other department", ever sees it; sales is where the originators and the opener sit, so that
// opening a ticket makes nobody a member of its queue.
const QList<Person> &people()
{
    const auto p = [](const char *name, const char *role, const QString &department) {
        return Person {QLatin1String(name), QLatin1String(role), department};
    };
    const QString cs = QStringLiteral("customer-service"), customs = QStringLiteral("customs"),
                  sales = QStringLiteral("sales"), billing = QStringLiteral("billing"),
                  cx = QStringLiteral("customer-experience");
    static const QList<Person> list {
        p("agent-own", "agent", cs),
        p("agent-other", "agent", customs),
        p("agent-orig", "agent", sales),
        p("staff-own", "staff", cs),
        p("staff-other", "staff", customs),
        p("supervisor-own", "supervisor", cs),
        p("supervisor-other", "supervisor", customs),
        p("supervisor-orig", "supervisor", sales),
        p("supervisor-parent", "supervisor", cx),
        p("agent-parent", "agent", cx),
        p("staff-parent", "staff", cx),
        p("sales-parent", "sales", cx),
        p("sales-own", "sales", cs),
        p("sales-other", "sales", customs),
        p("sales-orig", "sales", sales),
        p("agent-branch", "agent", billing),
        p("staff-branch", "staff", billing),
        p("supervisor-branch", "supervisor", billing),
        p("sales-branch", "sales", billing),
        p("admin", "admin", QString()),
        p("olly", "agent", sales), // opens the tickets of every other relation
        p("bill", "staff", billing), // works the queue tickets move on to
    };
    return list;
}

/// The queue where a notification for `username` can be made (by assigning them a ticket).
QString queueOf(const QString &username)
{
    for (const Person &person : people())
        if (person.name == username) {
            const QString department = person.department;
            if (department == u"customer-service")
                return QStringLiteral("cs-supervisors");
            if (department == u"customer-experience")
                return QStringLiteral("cx-coordination");
            return department; // customs, sales and billing each have a queue of that name
        }
    return {};
}

QString callerFor(const QString &role, int relation)
{
    if (role == u"admin")
        return role;
    switch (relation) {
    case Originator:
        return role + QStringLiteral("-orig");
    case ParentDepartment:
        return role + QStringLiteral("-parent");
    case OtherDepartment:
        return role + QStringLiteral("-other");
    case BranchQueue:
        return role + QStringLiteral("-branch");
    default:
        return role + QStringLiteral("-own");
    }
}

} // namespace

class tst_Authz : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanupTestCase() { tearDown(); }

    void matrixCoversEveryRoute();
    void matrix_data();
    void matrix();
    void internalNotesStayWithTheBackOffice();

private:
    void setUp();
    void tearDown();
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &user = {}, QList<QPair<QByteArray, QByteArray>> headers = {});
    /// The new ticket's id and key, or 0 after a warning.
    std::pair<qint64, QByteArray> openTicket(const QString &user);
    bool ok(const RawResponse &response, int status, const char *what);
    bool advance(qint64 id, int steps);
    qint64 notificationFor(const QString &user);

    Test::TestDatabase *m_holder = nullptr;
    QString m_driver;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC)};
    Test::TestServer m_server;
    quint16 m_port = 0;
    /// A 401 is a cell of the matrix: answered, not signed in again.
    Test::SessionClient m_client {password, Test::SessionClient::On401::Answer};
    int m_counter = 0;
};

// Unlike tst_api, one server per driver rather than per row: twenty-two users hashed with
// Argon2id and signed in would cost seconds per row. Rows do not interfere: each works on
// tickets and notifications of its own, and the state-changing admin calls (publishing an
// unchanged workflow, renaming bill to the same name, moving the clock by 0 s, creating a user
// of a new name) leave the fixture as it was.
void tst_Authz::init()
{
    if (m_server.running() && m_driver == Test::TestDatabase::currentDriver())
        return;
    tearDown();
    setUp();
}

void tst_Authz::setUp()
{
    m_driver = Test::TestDatabase::currentDriver();
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(9, 0), Qt::UTC));
    auto db = Test::TestServer::openDatabase(url);
    if (!db)
        QFAIL(qPrintable(db.error()));
    m_db = *db;
    Test::TestServerOptions options;
    options.database = m_db;
    options.clock = &m_clock;
    QVERIFY(options.useWorkflowFolder());
    options.workflowsFolder.clear(); // published as from the editor
    const QString error = m_server.start(options);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString created = m_server.createUsers(people(), password);
    QVERIFY2(created.isEmpty(), qPrintable(created));
    m_port = m_server.port();
    m_client.setPort(m_port);
}

void tst_Authz::tearDown()
{
    m_server.stop();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
    m_driver.clear();
}

RawResponse tst_Authz::call(const QByteArray &method, const QByteArray &path,
                            const QByteArray &body, const QString &user,
                            QList<QPair<QByteArray, QByteArray>> headers)
{
    return m_client.call(method, path, body, user, 0, {}, headers);
}

// Issue 13, item 16: a note labelled "Internal (staff only)" reached the originating agent.
// Internal notes are the back office's: the originator and the front line do not receive them
// in GET events, nor anything of them in GET ticket; staff and supervisors of the departments
// the ticket went through, and admins, do.
void tst_Authz::internalNotesStayWithTheBackOffice()
{
    const auto [id, key] = openTicket(QStringLiteral("olly"));
    QVERIFY(id > 0);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    QVERIFY(ok(call("POST", path + "/comments",
                    R"({"body":"Watch list: refund abuse","internal":true})",
                    QStringLiteral("supervisor-own")),
               201, "internal note"));
    QVERIFY(ok(call("POST", path + "/comments", R"({"body":"We are on it","internal":false})",
                    QStringLiteral("supervisor-own")),
               201, "public comment"));
    QVERIFY(ok(call("POST", path + "/transfer", R"({"queue":"billing","reason":"For billing"})",
                    QStringLiteral("admin")),
               200, "transfer to billing"));

    const QByteArray note = "Watch list: refund abuse";
    for (const char *user : {"olly", "agent-own", "sales-own"}) {
        const RawResponse events = call("GET", path + "/events", {}, QLatin1String(user));
        QCOMPARE(events.status, 200);
        QVERIFY2(!events.body.contains(note), user);
        QVERIFY2(events.body.contains("We are on it"), user);
        const RawResponse ticket = call("GET", path, {}, QLatin1String(user));
        QCOMPARE(ticket.status, 200);
        QVERIFY2(!ticket.body.contains(note), user);
        QCOMPARE(ticket.json().value(QLatin1String("internal_notes")).toBool(), false);
    }
    for (const char *user : {"supervisor-own", "staff-own", "bill", "supervisor-parent", "admin"}) {
        const RawResponse events = call("GET", path + "/events", {}, QLatin1String(user));
        QCOMPARE(events.status, 200);
        QVERIFY2(events.body.contains(note), user);
        QCOMPARE(call("GET", path, {}, QLatin1String(user))
                     .json()
                     .value(QLatin1String("internal_notes"))
                     .toBool(),
                 true);
    }
    // The originator may not write one either: a note they could not read back.
    QCOMPARE(
        call("POST", path + "/comments", R"({"body":"x","internal":true})", QStringLiteral("olly"))
            .status,
        403);
}

bool tst_Authz::ok(const RawResponse &response, int status, const char *what)
{
    if (response.status == status)
        return true;
    qWarning("%s: %d %s", what, response.status, response.body.constData());
    return false;
}

std::pair<qint64, QByteArray> tst_Authz::openTicket(const QString &user)
{
    const RawResponse response = call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"},"customer":{"id":"C-7","tier":"A"},"channel":"phone"})",
        user);
    if (!ok(response, 201, "open"))
        return {0, {}};
    return {response.json().value(QLatin1String("id")).toInteger(),
            response.json().value(QLatin1String("key")).toString().toLatin1()};
}

/// Takes the ticket the first `steps` steps of its way from review to `closed`, as the admin
/// (who may always act): 1 into the parallel step, 3 back to the originator, 5 closed.
bool tst_Authz::advance(qint64 id, int steps)
{
    const QList<QPair<QByteArray, QByteArray>> way {
        {"approve", "{}"},
        {"done", R"({"branch":"billing","fields":{"billing_note":"Re-billed"}})"},
        {"done", R"({"branch":"ground","fields":{"ops_note":"Pulled forward"}})"},
        {"confirm", R"({"fields":{"reply":"On its way"}})"},
        {"satisfied", "{}"},
    };
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id) + "/actions/";
    for (int i = 0; i < steps; ++i)
        if (!ok(call("POST", path + way[i].first, way[i].second, QStringLiteral("admin")), 200,
                way[i].first.constData()))
            return false;
    return true;
}

/// A fresh unread notification for `user`: a ticket moved to their queue and assigned to them.
qint64 tst_Authz::notificationFor(const QString &user)
{
    const qint64 id = openTicket(QStringLiteral("olly")).first;
    if (id == 0)
        return 0;
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(id);
    const QString queue = queueOf(user);
    if (!queue.isEmpty() && queue != u"cs-supervisors"
        && !ok(call("POST", path + "/transfer",
                    R"({"queue":")" + queue.toLatin1() + R"(","reason":"For a notification"})",
                    QStringLiteral("admin")),
               200, "transfer for a notification"))
        return 0;
    // Nobody is notified of their own assignment: the admin is assigned by a supervisor.
    const QString by
        = user == u"admin" ? QStringLiteral("supervisor-own") : QStringLiteral("admin");
    if (!ok(call("POST", path + "/assign", R"({"username":")" + user.toLatin1() + "\"}", by), 200,
            "assign for a notification"))
        return 0;
    const RawResponse list = call("GET", "/api/v1/notifications?unread=true", {}, user);
    const QJsonArray items = list.json().value(QLatin1String("items")).toArray();
    for (const QJsonValue &item : items)
        if (item.toObject().value(QLatin1String("ticket")).toInteger() == id)
            return item.toObject().value(QLatin1String("id")).toInteger();
    qWarning("no notification for %s: %s", qPrintable(user), list.body.constData());
    return 0;
}

void tst_Authz::matrixCoversEveryRoute()
{
    // Every endpoint has a row for every role, and the table names no endpoint that is not
    // declared: a route added to the list without its expectations fails here.
    for (const Endpoint &e : endpoints())
        for (const QString &role : roles) {
            bool found = false;
            for (const Expectation &x : expectations())
                found = found
                    || (QLatin1String(x.endpoint) == QLatin1String(e.name)
                        && role == QLatin1String(x.role));
            QVERIFY2(found, qPrintable(QStringLiteral("%1 | %2").arg(QLatin1String(e.name), role)));
        }
    for (const Expectation &x : expectations()) {
        QVERIFY2(x.cells.size() == NoSession, x.endpoint);
        bool declared = false;
        for (const Endpoint &e : endpoints())
            declared = declared || QLatin1String(x.endpoint) == QLatin1String(e.name);
        QVERIFY2(declared, x.endpoint);
    }
}

void tst_Authz::matrix_data()
{
    QTest::addColumn<int>("endpoint");
    QTest::addColumn<QString>("role");
    QTest::addColumn<int>("relation");
    QTest::addColumn<int>("status");
    const QList<Endpoint> &list = endpoints();
    for (int i = 0; i < list.size(); ++i) {
        const Endpoint &e = list[i];
        for (const QString &role : roles)
            for (int relation = 0; relation < NoSession; ++relation) {
                const int status = expected(QLatin1String(e.name), role, relation);
                if (status == na)
                    continue;
                QTest::addRow("%s | %s | %s -> %d", e.name, qPrintable(role),
                              relationNames[relation], status)
                    << i << role << relation << status;
            }
        QTest::addRow("%s | nobody | %s -> %d", e.name, relationNames[NoSession], e.withoutSession)
            << i << QString() << int(NoSession) << e.withoutSession;
    }
}

void tst_Authz::matrix()
{
    QFETCH(int, endpoint);
    QFETCH(QString, role);
    QFETCH(int, relation);
    QFETCH(int, status);
    const Endpoint &e = endpoints().at(endpoint);
    QString caller = relation == NoSession ? QString() : callerFor(role, relation);
    if (relation == Assignee || relation == BranchAssignee) {
        caller = QStringLiteral("moved-%1-%2").arg(role).arg(++m_counter);
        const QJsonObject user {
            {QStringLiteral("username"), caller},
            {QStringLiteral("name"), QStringLiteral("Moved")},
            {QStringLiteral("password"), password},
            {QStringLiteral("departments"),
             QJsonArray {relation == Assignee ? QStringLiteral("customer-service")
                                              : QStringLiteral("billing")}},
            {QStringLiteral("roles"), QJsonArray {role}}};
        QVERIFY(ok(call("POST", "/api/v1/users", QJsonDocument(user).toJson(QJsonDocument::Compact),
                        QStringLiteral("admin")),
                   201, "add user"));
    }

    QByteArray path = relation == Missing && !e.missingPath.isEmpty() ? e.missingPath : e.path;
    QByteArray body = e.body;
    qint64 id = 0;
    QByteArray key;
    const bool onTicket = e.target == Target::Ticket || e.target == Target::ClosedTicket
        || e.target == Target::ParallelTicket || e.target == Target::AnswerTicket;
    if (onTicket) {
        if (relation == Missing) {
            id = missingId;
            key = "JQ-" + QByteArray::number(missingId);
        } else {
            const auto opened
                = openTicket(relation == Originator ? caller : QStringLiteral("olly"));
            id = opened.first;
            key = opened.second;
            QVERIFY(id > 0);
        }
        if (relation == VisitedDepartment)
            QVERIFY(
                ok(call("POST", "/api/v1/tickets/" + QByteArray::number(id) + "/transfer",
                        R"({"queue":"billing","reason":"For billing"})", QStringLiteral("admin")),
                   200, "transfer to billing"));
        if (relation != Missing) {
            // How far the admin takes the ticket before the call.
            int steps = 0;
            if (e.target == Target::ClosedTicket)
                steps = 5;
            else if (e.target == Target::AnswerTicket)
                steps = 3;
            else if (e.target == Target::ParallelTicket
                     || (e.target == Target::Ticket
                         && (relation == BranchQueue || relation == BranchAssignee)))
                steps = 1;
            QVERIFY(advance(id, steps));
        }
        if (relation == Assignee || relation == BranchAssignee) {
            const QByteArray ticket = "/api/v1/tickets/" + QByteArray::number(id);
            QVERIFY(ok(call("POST", ticket + "/assign",
                            R"({"username":")" + caller.toLatin1()
                                + (relation == BranchAssignee ? R"(","branch":"billing"})" : "\"}"),
                            QStringLiteral("admin")),
                       200, "assign"));
            QVERIFY(ok(call("PATCH", "/api/v1/users/" + caller.toLatin1(),
                            R"({"departments":["customs"]})", QStringLiteral("admin")),
                       200, "move to customs"));
        }
        // A queue the step's work may go to (workflow-language.md "Where work may be
        // transferred"), so that only the caller's rights decide: the review's department, or
        // the billing task's `transfer_to:`.
        body.replace("{transfer_to}",
                     relation == BranchQueue || relation == BranchAssignee ? "finance-managers"
                                                                           : "cs-agents");
        // The assignee must work the ticket's queue, so that only the caller's rights decide.
        body.replace("{assignee}",
                     relation == VisitedDepartment || relation == BranchQueue
                             || relation == BranchAssignee
                         ? "bill"
                         : "agent-own");
    } else if (e.target == Target::OwnNotification) {
        id = relation == Missing    ? missingId
            : relation == NoSession ? notificationFor(QStringLiteral("olly"))
                                    : notificationFor(caller);
        QVERIFY(id > 0);
    } else if (e.target == Target::OthersNotification) {
        id = notificationFor(QStringLiteral("bill"));
        QVERIFY(id > 0);
    }
    path.replace("{id}", QByteArray::number(id));
    path.replace("{notification}", QByteArray::number(id));
    path.replace("{key}", key);
    body.replace("{n}", QByteArray::number(++m_counter));
    if (body == "{jump-queue.yaml}") {
        QFile file(QStringLiteral(BATON_SOURCE_DIR "/workflows/jump-queue.yaml"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        body = file.readAll();
    }

    QList<QPair<QByteArray, QByteArray>> headers;
    if (e.yaml)
        headers.append({QByteArray("Content-Type"), QByteArray("application/yaml")});
    if (!caller.isEmpty()) {
        const QByteArray token = e.freshSession ? m_client.signIn(caller) : m_client.token(caller);
        QVERIFY(!token.isEmpty());
        headers.append({"Authorization", "Bearer " + token});
    }
    const RawResponse response = call(e.method, path, body, {}, headers);
    QVERIFY2(response.status == status,
             qPrintable(QStringLiteral("%1 %2 as %3: %4 %5")
                            .arg(QString::fromLatin1(e.method), QString::fromLatin1(path),
                                 caller.isEmpty() ? QStringLiteral("nobody") : caller)
                            .arg(response.status)
                            .arg(QString::fromUtf8(response.body))));
    if (status >= 400)
        QCOMPARE(response.errorCode(), codeFor(status));

    if (QLatin1String(e.name) == u"GET tickets (list)") {
        // Listed exactly when the caller may open the ticket (the GET ticket row of the table).
        const bool visible
            = relation != Missing && expected(QStringLiteral("GET ticket"), role, relation) == 200;
        bool listed = false;
        for (const QJsonValue &item : response.json().value(QLatin1String("items")).toArray())
            listed = listed || item.toObject().value(QLatin1String("id")).toInteger() == id;
        // Branch assignees included: one who has left the branch's department still opens the
        // ticket, and so still finds it in a list.
        QCOMPARE(listed, visible);
    }
    if (relation != Missing && status == 404 && onTicket) {
        // A ticket the caller may not see is indistinguishable from one that does not exist.
        QByteArray missing = e.path;
        missing.replace("{id}", QByteArray::number(missingId));
        const RawResponse none = call(e.method, missing, body, caller, {});
        QCOMPARE(response.json().value(QLatin1String("error")),
                 none.json().value(QLatin1String("error")));
    }
}

QTEST_GUILESS_MAIN(tst_Authz)
#include "tst_authz.moc"

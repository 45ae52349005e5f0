// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/slaservice.h"

#include "core/clock.h"
#include "definition/orgreader.h"
#include "definition/workflowset.h"
#include "runtime/eventtypes.h"
#include "store/database.h"
#include "store/openticketscan.h"
#include "store/orgversions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSemaphore>

namespace Baton {

Q_LOGGING_CATEGORY(lcOrgVersions, "baton.org", QtInfoMsg)

SlaService::SlaService(std::shared_ptr<const Organisation> org, std::shared_ptr<Database> database,
                       const Clock *clock, DepartmentsLookup departmentsOf)
    : SlaService(std::make_shared<LiveOrganisation>(std::move(org)), std::move(database), clock,
                 std::move(departmentsOf))
{
}

SlaService::SlaService(std::shared_ptr<LiveOrganisation> org, std::shared_ptr<Database> database,
                       const Clock *clock, DepartmentsLookup departmentsOf)
    : m_database(std::move(database))
    , m_clock(clock)
    , m_clocks(org)
    , m_escalation(m_clocks)
    , m_timed(m_clocks)
    , m_departmentsOf(std::move(departmentsOf))
{
}

QStringList SlaService::departmentsOf(const QString &username) const
{
    return m_departmentsOf ? m_departmentsOf(username) : QStringList();
}

SlaPlanner SlaService::planner()
{
    return [this](const TicketState &ticket, const Workflow &workflow, const QDateTime &now) {
        return plan(ticket, workflow, now);
    };
}

SlaPlan SlaService::plan(const TicketState &ticket, const Workflow &workflow,
                         const QDateTime &now) const
{
    SlaPlan plan;
    const QStringList departments = departmentsOf(ticket.originator);
    if (ticket.isOpen())
        planDues(plan, ticket, workflow, departments, now);
    // One timer row per ticket: the earliest of the ladder's steps and the timed steps (a
    // closed ticket may still have a linked ticket to open).
    std::optional<SlaTimer> timer;
    if (ticket.isOpen())
        timer = m_escalation.nextTimer(workflow, ticket, departments, now);
    if (auto timed = m_timed.nextTimer(workflow, ticket, departments);
        timed && (!timer || timed->dueAt < timer->dueAt))
        timer = timed;
    if (timer) {
        TimerRow row;
        row.ticketId = ticket.id;
        row.kind = timer->kind;
        row.dueAt = timer->dueAt.toMSecsSinceEpoch();
        // {"clock", "step", "percent"} written by hand: the planner runs for every write.
        row.data = QByteArrayLiteral("{\"clock\":\"")
            + timer->data.value(u"clock").toString().toUtf8() + QByteArrayLiteral("\",\"step\":")
            + QByteArray::number(timer->data.value(u"step").toInt())
            + QByteArrayLiteral(",\"percent\":")
            + QByteArray::number(timer->data.value(u"percent").toInt()) + '}';
        if (m_timerListener)
            m_timerListener(row.dueAt);
        plan.timers.append(row);
    }
    return plan;
}

void SlaService::planDues(SlaPlan &plan, const TicketState &ticket, const Workflow &workflow,
                          const QStringList &departments, const QDateTime &now) const
{
    const QList<SlaClock> clocks = m_clocks.clocks(workflow, ticket, departments, now);
    // The queue page sorts by the nearest open target of the step (of any branch).
    const auto earliest = [](std::optional<QDateTime> &slot, const QDateTime &due) {
        if (due.isValid() && (!slot || due < *slot))
            slot = due;
    };
    for (const SlaClock &clock : clocks) {
        if (!clock.isOpen())
            continue;
        if (clock.scope == SlaClock::Scope::Ticket) {
            if (clock.paused)
                continue;
            earliest(plan.ticketDue, clock.due);
        } else {
            earliest(clock.kind == SlaClock::Kind::Respond ? plan.respondDue : plan.resolveDue,
                     clock.due);
        }
        earliest(plan.atRiskAt, clock.riskAt);
        if (clock.scope == SlaClock::Scope::Branch) {
            SlaPlan::BranchDue &branch = plan.branchDues[clock.branch];
            earliest(branch.due, clock.due);
            earliest(branch.atRiskAt, clock.riskAt);
        }
    }
}

Engine::Mutation SlaService::fireMutation()
{
    return [this](const TicketState &ticket, const TicketMachine &machine, const QDateTime &now) {
        const QStringList departments = departmentsOf(ticket.originator);
        TicketOutcome outcome = m_escalation.fire(machine.workflow(), ticket, departments, now);
        m_timed.fire(machine, departments, now, outcome);
        outcome.rewritePlan = true;
        return outcome;
    };
}

void SlaService::setTimerListener(std::function<void(qint64)> listener)
{
    m_timerListener = std::move(listener);
}

namespace {

/// The due instants of `ticket` that differ between two measurements, by clock.
QJsonArray movedDues(const QList<SlaClock> &before, const QList<SlaClock> &after)
{
    QJsonArray moved;
    for (const SlaClock &now : after) {
        if (!now.isOpen())
            continue;
        for (const SlaClock &was : before)
            if (was.key() == now.key() && was.due != now.due)
                moved.append(QJsonObject {{QStringLiteral("clock"), now.key()},
                                          {QStringLiteral("from"),
                                           was.due.isValid() ? QJsonValue(formatUtcInstant(was.due))
                                                             : QJsonValue(QJsonValue::Null)},
                                          {QStringLiteral("to"),
                                           now.due.isValid() ? QJsonValue(formatUtcInstant(now.due))
                                                             : QJsonValue(QJsonValue::Null)}});
    }
    return moved;
}

} // namespace

Engine::Mutation SlaService::recomputeMutation(const QStringList &calendars,
                                               const SlaClocks *before)
{
    const QJsonArray names = QJsonArray::fromStringList(calendars);
    return [this, names, before](const TicketState &ticket, const TicketMachine &machine,
                                 const QDateTime &now) {
        const QStringList departments = departmentsOf(ticket.originator);
        TicketOutcome outcome = m_escalation.fire(machine.workflow(), ticket, departments, now);
        // An event even when nothing fired: the audit trail says why the due dates moved, and
        // the engine rewrites the ticket's due dates and timer with it.
        Event event;
        event.seq = outcome.ticket.version + 1;
        event.type = QStringLiteral("sla_recomputed");
        event.at = now;
        event.data = QJsonObject {{QStringLiteral("calendars"), names}};
        if (before)
            event.data.insert(
                QStringLiteral("moved"),
                movedDues(before->clocks(machine.workflow(), ticket, departments, now),
                          m_clocks.clocks(machine.workflow(), ticket, departments, now)));
        applyEvent(outcome.ticket, event);
        outcome.events.append(event);
        return outcome;
    };
}

Result<int> SlaService::recomputeClocks(Engine &engine, const QStringList &calendars,
                                        const SlaClocks *before)
{
    if (calendars.isEmpty() || !m_database)
        return 0;
    auto db = m_database->connection();
    if (!db)
        return db.failure();
    QList<qint64> affected;
    auto scanned = OpenTicketScan::each(*db, [&](const QByteArray &stateData) {
        const TicketState ticket
            = TicketState::fromJson(QJsonDocument::fromJson(stateData).object());
        auto workflow = engine.workflow(ticket.workflow, ticket.workflowVersion);
        if (workflow && usesCalendar(ticket, **workflow, calendars))
            affected.append(ticket.id);
    });
    if (!scanned)
        return scanned.failure();
    const Engine::Mutation recompute = recomputeMutation(calendars, before);
    QSemaphore done;
    QString failure;
    QMutex failureMutex;
    for (qint64 id : std::as_const(affected))
        engine.mutate(id, recompute, [&](CommandResult result) {
            if (!result.ok()) {
                QMutexLocker lock(&failureMutex);
                failure = result.error();
            }
            for (const Event &event : std::as_const(result->events))
                if (event.type == EventTypes::slaBreached)
                    ++m_breachesRecomputed;
            done.release();
        });
    done.acquire(int(affected.size()));
    if (!failure.isEmpty())
        return makeError(QStringLiteral("recomputing SLA clocks failed: %1").arg(failure));
    return int(affected.size());
}

TicketSla SlaService::figures(const TicketState &ticket, const Workflow &workflow,
                              const QDateTime &now) const
{
    const QList<SlaClock> clocks
        = m_clocks.clocks(workflow, ticket, departmentsOf(ticket.originator), now);
    TicketSla sla;
    sla.step = SlaClocks::status(workflow, clocks, SlaClock::Scope::Step);
    sla.ticket = SlaClocks::status(workflow, clocks, SlaClock::Scope::Ticket);
    for (const BranchState &b : ticket.branches)
        sla.branches.insert(b.name,
                            SlaClocks::status(workflow, clocks, SlaClock::Scope::Branch, b.name));
    return sla;
}

SlaReader SlaService::reader() const
{
    return [this](const TicketState &ticket, const Workflow &workflow, const QDateTime &now) {
        return figures(ticket, workflow, now);
    };
}

QStringList SlaService::changedCalendars(const Organisation &before, const Organisation &after)
{
    QStringList changed;
    for (auto it = before.calendars.cbegin(); it != before.calendars.cend(); ++it)
        if (!after.calendars.contains(it.key()) || !(after.calendars.value(it.key()) == *it))
            changed.append(it.key());
    // Clocks on a removed calendar fall back to 24/7 UTC, which SlaClock names "".
    for (auto it = before.calendars.cbegin(); it != before.calendars.cend(); ++it)
        if (!after.calendars.contains(it.key()) && !changed.contains(QString()))
            changed.append(QString());
    for (auto it = after.calendars.cbegin(); it != after.calendars.cend(); ++it)
        if (!before.calendars.contains(it.key()))
            changed.append(it.key());
    // A department that moved to another calendar changes the clocks of its queues too; they
    // are named by the calendars on both sides.
    for (auto it = after.departments.cbegin(); it != after.departments.cend(); ++it) {
        const QString was = before.calendarOfDepartment(it.key());
        const QString now = after.calendarOfDepartment(it.key());
        if (was != now) {
            for (const QString &name : {was, now})
                if (!changed.contains(name))
                    changed.append(name);
        }
    }
    // So does a queue that moved to a department on another calendar (or went away: its steps
    // then run on the 24/7 fallback).
    for (auto it = before.queues.cbegin(); it != before.queues.cend(); ++it) {
        const QString was = before.calendarOfDepartment(it->department);
        const auto moved = after.queues.constFind(it.key());
        const QString now = moved == after.queues.cend()
            ? QString()
            : after.calendarOfDepartment(moved->department);
        if (was != now) {
            for (const QString &name : {was, now})
                if (!changed.contains(name))
                    changed.append(name);
        }
    }
    return changed;
}

Result<SlaService::OrganisationChange>
SlaService::organisationChangeSinceLastStart(Database &database, const QByteArray &source,
                                             const Organisation &org, const QDateTime &now,
                                             const QString &path)
{
    auto stored = OrgVersions::current(database);
    if (!stored)
        return stored.failure();
    auto published = OrgVersions::publishFile(database, source, path, now);
    if (!published)
        return published.failure();
    OrganisationChange change;
    change.conflict = published->conflict;
    if (published->published && stored->has_value() && (*stored)->source != source) {
        const QList<OrganisationFile> files = organisationFilesFromSource((*stored)->source);
        const OrganisationReadResult before = readOrganisation(files);
        if (!files.isEmpty() && before.ok())
            change.calendars = changedCalendars(before.organisation, org);
    }
    return change;
}

Result<QStringList> SlaService::calendarsChangedSinceLastStart(Database &database,
                                                               const QByteArray &source,
                                                               const Organisation &org,
                                                               const QDateTime &now)
{
    auto change = organisationChangeSinceLastStart(database, source, org, now);
    if (!change)
        return change.failure();
    return change->calendars;
}

Result<SlaService::OrganisationChange>
SlaService::recomputeClocksSinceLastStart(Engine &engine, Database &database,
                                          const QByteArray &source, const QString &path)
{
    liveOrganisation()->setVersion(0, source); // the files' organisation runs until adopted
    auto change
        = organisationChangeSinceLastStart(database, source, organisation(), m_clock->now(), path);
    if (!change)
        return change;
    if (change->conflict)
        qCWarning(lcOrgVersions).noquote() << change->conflict->message();
    // The newest version runs: the files' when they were published or are unchanged, an
    // admin's when one was published since (a restart never undoes it).
    // One that cannot be read any more (stored before a checker change) must not keep the
    // server from starting: the files' organisation runs, and the log says why.
    if (auto adopted = adoptPublished(); !adopted)
        qCWarning(lcOrgVersions).noquote()
            << adopted.error() << "; running the organisation's files";
    else if (*adopted)
        qCInfo(lcOrgVersions).noquote()
            << QStringLiteral("running the organisation version %1 published in the editor")
                   .arg(liveOrganisation()->version());
    if (change->calendars.isEmpty())
        return change;
    auto recomputed = recomputeClocks(engine, change->calendars);
    if (!recomputed)
        return recomputed.failure();
    change->recomputed = *recomputed;
    return change;
}

bool SlaService::usesCalendar(const TicketState &ticket, const Workflow &workflow,
                              const QStringList &calendars) const
{
    const QList<SlaClock> clocks
        = m_clocks.clocks(workflow, ticket, departmentsOf(ticket.originator), m_clock->now());
    for (const SlaClock &clock : clocks)
        if (clock.isOpen() && calendars.contains(clock.calendar))
            return true;
    return false;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SLA clocks and escalation ladder wired to the engine service: the planner the engine
// calls for every ticket it writes (due dates for the queue page, the ticket's timer row, in
// the same transaction), the mutation that fires due escalation steps, and the SLA figures of
// the ticket views the engine returns.

#include "runtime/engine.h"
#include "sla/escalation.h"
#include "sla/slaclock.h"
#include "sla/timedsteps.h"

#include <QMutex>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

namespace Baton {

class Clock;
class Database;

/// SLA clocks and escalation for one organisation and database. Thread-safe.
class SlaService
{
public:
    /// A user's departments (an originator's steps are measured on the calendar of their first
    /// department). The planner asks it on the engine's writer thread for every ticket it
    /// writes: it must answer from memory, without waiting (UserDirectory::departmentsOf).
    using DepartmentsLookup = std::function<QStringList(const QString &username)>;

    /// database: where recomputeClocks() reads open tickets (may be null: nothing to
    /// recompute). departmentsOf: the one source of users' departments.
    SlaService(std::shared_ptr<const Organisation> org, std::shared_ptr<Database> database,
               const Clock *clock, DepartmentsLookup departmentsOf);
    /// On the server's live organisation (the engine's too): publishOrganisation() replaces it.
    SlaService(std::shared_ptr<LiveOrganisation> org, std::shared_ptr<Database> database,
               const Clock *clock, DepartmentsLookup departmentsOf);

    QStringList departmentsOf(const QString &username) const;

    const SlaClocks &clocks() const { return m_clocks; }
    const Escalation &escalation() const { return m_escalation; }
    const Organisation &organisation() const { return m_clocks.organisation(); }
    const std::shared_ptr<LiveOrganisation> &liveOrganisation() const
    {
        return m_clocks.liveOrganisation();
    }

    /// For EngineOptions::slaPlanner: due dates and the ticket's one timer row, at the time of
    /// the engine's batch (the events it writes carry the same instant).
    SlaPlanner planner();
    SlaPlan plan(const TicketState &ticket, const Workflow &workflow, const QDateTime &now) const;

    /// For Engine::mutate: fires every escalation step, timeout step and pending link due at
    /// the mutation's now. With nothing
    /// due (a stale timer) the ticket is written all the same, so that the engine replaces its
    /// timer by the current plan (TicketOutcome::rewritePlan).
    Engine::Mutation fireMutation();

    /// Called with each timer's due instant (ms since the epoch) as the planner writes it, so
    /// that the scheduler can wake earlier (TimerScheduler::timersWritten). Set it before the
    /// engine writes any ticket (the planner reads it on the writer thread without a lock).
    void setTimerListener(std::function<void(qint64 dueAtMs)> listener);

    /// After an org.yaml change (server start): every open ticket with a clock on one of
    /// `calendars` is re-measured through the engine (event `sla_recomputed`, its due dates
    /// and timer rewritten; a step the new calendar makes due fires at once). Returns the
    /// number of tickets recomputed. Reads open tickets on the calling thread's connection.
    /// `before`: the clocks as measured until now; each event then lists the due instants that
    /// moved (`"moved": [{"clock", "from", "to"}]`).
    Result<int> recomputeClocks(Engine &engine, const QStringList &calendars,
                                const SlaClocks *before = nullptr);
    /// sla_breached events committed by recomputeClocks() (TimerScheduler::Stats adds them).
    quint64 breachesRecomputed() const { return m_breachesRecomputed.load(); }

    /// Every `Sla` of the ticket at `now`: the current step's, the ticket-wide one and each
    /// branch's (TicketSla).
    TicketSla figures(const TicketState &ticket, const Workflow &workflow,
                      const QDateTime &now) const;
    /// For EngineOptions::slaReader: figures() for the views the engine returns.
    SlaReader reader() const;

    /// The names of calendars `before` and `after` define differently (changed, added or
    /// removed): tickets with clocks on them need their timers recomputed.
    static QStringList changedCalendars(const Organisation &before, const Organisation &after);
    struct OrganisationChange
    {
        QStringList calendars; ///< defined differently than in the version published before
        int recomputed = 0; ///< open tickets re-measured
        /// org.yaml changed since it was last published from the file while a user published
        /// a newer version: nothing was published (the rule of OrgVersions::publishFile).
        std::optional<PublishConflict> conflict;
    };
    /// At server start: publishes the organisation's files by the start-up rule
    /// (OrgVersions::publishFile; `path` names them in the versions and messages) and, when
    /// that made a new version, reports the calendars that changed since the version before.
    /// `source` is organisationSource() of the org.yaml and org/ files, so moving definitions
    /// between those files changes nothing. No calendars on the first start, or when the
    /// stored text cannot be read.
    static Result<OrganisationChange>
    organisationChangeSinceLastStart(Database &database, const QByteArray &source,
                                     const Organisation &org, const QDateTime &now,
                                     const QString &path = QStringLiteral("org.yaml"));
    /// The calendars of organisationChangeSinceLastStart().
    static Result<QStringList> calendarsChangedSinceLastStart(Database &database,
                                                              const QByteArray &source,
                                                              const Organisation &org,
                                                              const QDateTime &now);
    /// What `baton serve` does at start: organisationChangeSinceLastStart() for this service's
    /// organisation (a conflict is logged), then recomputeClocks().
    Result<OrganisationChange>
    recomputeClocksSinceLastStart(Engine &engine, Database &database, const QByteArray &source,
                                  const QString &path = QStringLiteral("org.yaml"));
    /// What publishOrganisation() did.
    struct OrganisationPublish
    {
        int version = 0; ///< the current version after it
        bool published = false; ///< false: the text equals the newest version
        QStringList calendars; ///< changed against the organisation it replaced
        int recomputed = 0; ///< open tickets re-measured
    };
    /// PUT /api/v1/org: stores `source` (checked already; `org` is what it reads as) as a new
    /// version by `username` unless it equals the newest, makes it the running organisation at
    /// once (the engine's and the clocks'), and re-measures every open ticket with a clock on a
    /// calendar that changed (recomputeClocks(), with the moved instants). On PostgreSQL the
    /// other servers hear of it (setAnnounceAs) and adoptPublished().
    Result<OrganisationPublish> publishOrganisation(Engine &engine, const QByteArray &source,
                                                    std::shared_ptr<const Organisation> org,
                                                    const QString &username);
    /// Makes the newest published organisation the running one unless it already is: at
    /// start once the files were published (a version an admin published since is kept), and
    /// when another server published one. Its due instants were re-measured by the server
    /// that published it. Returns whether the running organisation changed.
    Result<bool> adoptPublished();
    /// This server's id in the change feed (PostgreSQL): publishOrganisation() announces.
    void setAnnounceAs(const QString &serverId) { m_announceAs = serverId; }

    /// Whether any clock of the ticket runs on one of `calendars` (by name, as
    /// SlaClock::calendar reports it; "" stands for the 24/7 fallback).
    bool usesCalendar(const TicketState &ticket, const Workflow &workflow,
                      const QStringList &calendars) const;

private:
    /// recomputeClocks()'s write of one ticket: the ladder fired as due and `sla_recomputed`.
    Engine::Mutation recomputeMutation(const QStringList &calendars, const SlaClocks *before);
    /// The due dates of a ticket's open clocks (for the queue page) onto plan.
    void planDues(SlaPlan &plan, const TicketState &ticket, const Workflow &workflow,
                  const QStringList &departments, const QDateTime &now) const;

    std::shared_ptr<Database> m_database;
    QString m_announceAs;
    QMutex m_publishMutex; ///< one organisation publish at a time
    const Clock *m_clock;
    SlaClocks m_clocks;
    Escalation m_escalation;
    TimedSteps m_timed;
    DepartmentsLookup m_departmentsOf;
    std::function<void(qint64)> m_timerListener;
    std::atomic<quint64> m_breachesRecomputed {0};
};

} // namespace Baton

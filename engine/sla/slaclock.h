// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// SLA clocks (workflow-language.md "SLA"), computed, never ticking: a clock is a start
// instant, a target in business seconds and a calendar, so "when is it due" and "how much is
// left" are pure functions of the ticket state and now. Nothing here reads a clock or a
// database.

#include "definition/liveorganisation.h"
#include "definition/model.h"
#include "runtime/ticketsla.h"
#include "runtime/ticketstate.h"
#include "sla/calendarcache.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Baton {

/// One running (or met, or paused) SLA clock of a ticket.
struct SlaClock
{
    enum class Scope { Step, Branch, Ticket };
    enum class Kind { Respond, Resolve };

    Scope scope = Scope::Step;
    Kind kind = Kind::Resolve;
    QString branch; ///< Branch scope: the branch's name
    QString queue; ///< the queue whose work it measures; empty for an originator step
    QString calendar; ///< the calendar's name as written ("" when the 24/7 fallback is used)
    qint64 targetSeconds = 0;
    QDateTime startedAt;
    /// Ticket clock: business seconds spent paused, including the current pause up to now.
    qint64 pausedSeconds = 0;
    bool paused = false;
    QDateTime metAt; ///< respond clock: when the queue responded; null while running
    /// The instant the target is reached (ticket clock while paused: if it resumed now).
    QDateTime due;
    /// The instant it becomes at risk: the first warning step's share of the target is used
    /// (SlaStatus::atRisk), stored on the ticket row so that the sla filter is an index range.
    QDateTime riskAt;
    /// Business seconds used at now (at metAt for a met clock), pauses excluded.
    qint64 elapsedSeconds = 0;
    bool breached = false; ///< target reached before (or without) being met

    /// "step:resolve", "branch:billing:respond", "ticket:resolve": names the clock in timers,
    /// events and TicketState::slaFired.
    QString key() const;
    bool isRunning() const { return !metAt.isValid() && !paused; }
    bool isOpen() const { return !metAt.isValid(); } ///< running or paused
    qint64 remainingSeconds() const { return targetSeconds - elapsedSeconds; }
};

QString toString(SlaClock::Kind kind); ///< "respond" | "resolve"

/// RFC 3339 in UTC ("2026-11-23T08:30:00Z", milliseconds only when non-zero), as
/// QDateTime::toString(Qt::ISODate) writes it but without its time-zone machinery: SLA events
/// format several instants each, thousands at a time when timers come due together.
QString formatUtcInstant(const QDateTime &instant);

/// Computes a ticket's SLA clocks from its workflow, the organisation's calendars and now.
/// Thread-safe; cheap apart from the first use of each calendar (cached, see CalendarCache).
class SlaClocks
{
public:
    explicit SlaClocks(std::shared_ptr<const Organisation> org);
    /// On the server's live organisation: an organisation published while it runs is measured
    /// from then on.
    explicit SlaClocks(std::shared_ptr<LiveOrganisation> org);

    const Organisation &organisation() const { return m_org->current(); }
    const std::shared_ptr<LiveOrganisation> &liveOrganisation() const { return m_org; }
    BusinessCalendar calendar(const QString &name) const;

    /// Every clock of the ticket: the current step's respond and resolve (or each open
    /// branch's in a parallel state) and the ticket-wide one. Empty for a closed ticket.
    ///
    /// Calendars: the step's (branch's) own `sla.calendar`; else the department calendar of
    /// the queue the step is in now (through parent departments; after a transfer or an
    /// escalation move, the new queue's); in an `assignee: originator` step, the calendar of
    /// the originator's first department (originatorDepartments). The ticket-wide clock uses
    /// the workflow's `sla.calendar`, else the originator's first department's. A name that
    /// resolves to nothing is measured 24/7 in UTC (CalendarCache).
    ///
    /// Targets: the customer's tier ("A", "B", ...) or `default`; no target for the tier and
    /// no default means no clock. Respond ends at the first claim or assignment by a queue
    /// member (stepRespondedAt / respondedAt); resolve ends when the step is left. The
    /// ticket-wide clock runs from opening and stands still in `sla: pause` states and while
    /// the ticket is closed (a reopened ticket resumes it); its due instant moves later by
    /// the business time spent paused, re-measured from the recorded pause instants.
    QList<SlaClock> clocks(const Workflow &workflow, const TicketState &ticket,
                           const QStringList &originatorDepartments, const QDateTime &now) const;

    /// The Sla of one scope: Step (the ticket's "sla"), Branch (one branch's), Ticket.
    static SlaStatus status(const Workflow &workflow, const QList<SlaClock> &clocks,
                            SlaClock::Scope scope, const QString &branch = {});

    /// The percentage of a clock's target at which it counts as at risk (see SlaStatus).
    static int riskPercent(const Workflow &workflow);

    /// The calendar name a step with this sla, queue and assignee rule is measured on
    /// (before the 24/7 fallback); exposed for calendar-change recomputation.
    QString calendarNameFor(const SlaSpec &sla, const QString &queue, bool originatorStep,
                            const QStringList &originatorDepartments) const;

private:
    std::shared_ptr<LiveOrganisation> m_org;
    CalendarCache m_calendars;
};

} // namespace Baton

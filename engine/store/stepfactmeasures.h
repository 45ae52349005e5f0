// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports, second slice (issue 17): the measures over tickets and over time read from the step
// facts (store/stepfactrows.h) — closures (reopen rate, first-contact resolution, handoffs,
// bounces, the handoff limit, escalations), escalations and to whom, the backlog at the end of
// each day — and the tickets behind any number (drill-down). README "Reports" defines each.

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace Baton {

/// One closure: a step whose end closed its ticket, in the period, with what the ticket went
/// through up to it.
struct ClosureFacts
{
    qint64 ticketId = 0;
    QString key; ///< the closing step's group
    bool reopened = false; ///< the ticket had been closed before (reopened, then closed again)
    bool firstContact = false; ///< not reopened, and every step in the originator's department
    bool bounced = false; ///< the work went back to a department it had left
    bool handoffLimit = false; ///< a transfer reached the workflow's handoff limit
    bool escalated = false; ///< an escalation fired on one of its steps
    qint64 handoffs = 0; ///< steps ended by a transfer (or the handoff limit)
    /// The closing step's fields (its group under any grouping) and end.
    QString workflow, state, queue, department, assignee, tier, origin;
    qint64 leftAt = 0;
};

/// A group's closures and what their tickets went through (README "Reports": outcomes).
struct OutcomeCounts
{
    QString key;
    qint64 closed = 0, reopened = 0, firstContact = 0, bounced = 0, handoffLimit = 0, escalated = 0,
           handoffs = 0;
    friend bool operator==(const OutcomeCounts &, const OutcomeCounts &) = default;
};

/// An escalation of a step that ended in the period: the step's group and the queue the
/// escalation moved the work to ("" when it only notified or raised the priority).
struct EscalationRow
{
    QString key, to;
    qint64 count = 0;
    friend bool operator==(const EscalationRow &, const EscalationRow &) = default;
};

/// What the backlog counts: open steps per queue at each instant of `instants` (ascending),
/// only in `queues` unless allQueues.
struct BacklogQuery
{
    QList<qint64> instants;
    bool allQueues = false;
    QStringList queues;
};

/// A ticket behind a number.
struct TicketSummary
{
    qint64 id = 0;
    QString key, title, workflow, state, status;
};

/// A group's volume of finished steps and closures (README "Reports": volume).
struct VolumeCounts
{
    QString key;
    qint64 steps = 0, closed = 0;
    friend bool operator==(const VolumeCounts &, const VolumeCounts &) = default;
};

/// A ticket opened in a period, with what its first step's group is made of: the first own step's
/// fact when that step has ended, else the ticket's current columns (it is still in its first
/// step; department and origin are then for the caller to work out, from the organisation and
/// `originatorDepartments`, the users table's JSON list).
struct OpeningRow
{
    qint64 ticketId = 0;
    bool firstStepEnded = false;
    QString workflow, state, queue, department, assignee, origin, tier;
    QString originatorDepartments;
};

/// The steps measures a drill-down may ask for (GET /reports/tickets?report=steps&measure=).
enum class StepMeasure {
    Steps,
    Breached,
    Escalated,
    Transfers,
    RespondDue,
    RespondMissed,
    ResolveDue,
    ResolveMissed,
    Paused
};
std::optional<StepMeasure> stepMeasureFromString(const QString &text);

class StepFactMeasures
{
public:
    /// Closures whose step ended in [query.from, query.to), grouped by query.by, in scope.
    static Result<QList<ClosureFacts>> closures(const QSqlDatabase &db,
                                                const StepReportQuery &query);
    /// The closures' outcomes per group (ascending): from the counts (store/reportcounts.h)
    /// where they hold the period, from the closures' facts elsewhere.
    static Result<QList<OutcomeCounts>> outcomes(const QSqlDatabase &db,
                                                 const StepReportQuery &query);
    /// Escalated steps that ended in the range, by group and target, ascending (counts and
    /// facts, as outcomes()).
    static Result<QList<EscalationRow>> escalations(const QSqlDatabase &db,
                                                    const StepReportQuery &query);
    /// Finished steps (the steps report's) and closures (counts and facts) per group,
    /// ascending.
    static Result<QList<VolumeCounts>> volume(const QSqlDatabase &db, const StepReportQuery &query);
    /// The tickets opened in [query.from, query.to) (of query.workflow when given), by id; the
    /// department scope is the caller's, once the first step's department is known.
    static Result<QList<OpeningRow>> openings(const QSqlDatabase &db, const StepReportQuery &query);
    /// Open steps per queue at each instant (index i counts at query.instants[i]).
    static Result<QMap<QString, QList<qint64>>> backlog(const QSqlDatabase &db,
                                                        const BacklogQuery &query);
    /// The tickets with a step in the group `key` (of query.by) that ended in the range and
    /// counts in `measure`.
    static Result<QList<qint64>> stepTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                             const QString &key, StepMeasure measure);
    /// The tickets with an escalated step in the group `key` (of query.by) that ended in the
    /// range; with `target`, only those the escalation moved to that queue ("" : those it did
    /// not move), as escalations() tells them apart.
    static Result<QList<qint64>> escalationTickets(const QSqlDatabase &db,
                                                   const StepReportQuery &query, const QString &key,
                                                   const std::optional<QString> &target);
    /// The tickets open in `queue` at `instant` (the backlog's drill-down).
    static Result<QList<qint64>> backlogTickets(const QSqlDatabase &db, const QString &queue,
                                                qint64 instant);
    /// Key, title, state and status of `ids` (at most `limit`), by id.
    static Result<QList<TicketSummary>> summaries(const QSqlDatabase &db, QList<qint64> ids,
                                                  int limit);
};

} // namespace Baton

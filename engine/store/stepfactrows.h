// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports (issue 17): one fact row per finished step, written by the engine's writer in the
// same transaction as the event that ended the step (table step_facts, migration 11), and the
// named queries the reports endpoints run over them. The runtime derives the rows
// (report/stepfactderiver.h); the store only knows columns. Instants are ms since the epoch.

#include "core/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

namespace Baton {

/// One finished step: the stay of a ticket (or of one branch of a parallel state) in one
/// state and queue, from entering it to the event that ended it.
struct StepFactRow
{
    qint64 ticketId = 0;
    qint64 seq = 0; ///< the event that ended the step
    QString branch; ///< empty for the ticket's own step
    QString workflow;
    int workflowVersion = 0;
    QString state, queue;
    QString department; ///< responsible: the queue's, or the originator's first (originator step)
    QString assignee; ///< at the end of the step; empty when unassigned
    QString origin; ///< the originator's first department
    QString tier; ///< the customer's
    qint64 enteredAt = 0, leftAt = 0;
    QString endedBy; ///< the ending event's type: transitioned, transferred, escalated, closed, ...
    QString action; ///< transitioned: the action taken
    QString nextState; ///< transitioned: the state entered
    qint64 businessSeconds = 0; ///< on the step's calendar, as its SLA clocks count
    qint64 clockSeconds = 0;
    bool paused = false; ///< an `sla: pause` state: waiting, not working
    std::optional<qint64> respondTarget, respondSeconds;
    std::optional<bool> respondMet; ///< null when the step had no respond target
    std::optional<qint64> resolveTarget, resolveSeconds;
    std::optional<bool> resolveMet;
    bool breached = false; ///< a target of the step was reached before being met
    bool escalated = false; ///< an escalation (priority or move) fired on the step's clocks
    int transfers = 0; ///< 1 when a transfer (or the handoff limit) ended the step
    bool closes = false; ///< the step's end closed the ticket (migration 17)
    QString movedTo; ///< the queue a transfer, handoff limit or escalation moved the work to
    /// Clock seconds spent waiting in an `sla: pause` state: clockSeconds when paused, else 0
    /// (migration 30).
    qint64 pausedSeconds = 0;
    friend bool operator==(const StepFactRow &, const StepFactRow &) = default;
};

/// The table's columns, in the order of stepFactValues().
extern const char *const stepFactColumns;
constexpr int stepFactColumnCount = 31;
/// Appends the row's bound values, in stepFactColumns' order.
void appendStepFactValues(QList<QVariant> &values, const StepFactRow &row);

/// What a steps report groups by (interfaces.md: by=...).
enum class ReportGrouping { Department, Queue, Workflow, State, Assignee, Tier, Origin };
std::optional<ReportGrouping> reportGroupingFromString(const QString &text);
/// A row's key for a grouping, for any row with the seven grouping fields (a roll-up row, a
/// ticket's opening): a state's key joins workflow and state, as the SQL key expression does.
template<typename Row> QString groupKeyOf(ReportGrouping by, const Row &row)
{
    switch (by) {
    case ReportGrouping::Department:
        return row.department;
    case ReportGrouping::Queue:
        return row.queue;
    case ReportGrouping::Workflow:
        return row.workflow;
    case ReportGrouping::State:
        return row.workflow + u'/' + row.state;
    case ReportGrouping::Assignee:
        return row.assignee;
    case ReportGrouping::Tier:
        return row.tier;
    case ReportGrouping::Origin:
        return row.origin;
    }
    return row.department;
}
QString toString(ReportGrouping grouping);

/// One group of a steps report (interfaces.md GET /reports/steps rows, without "title").
struct StepReportRow
{
    QString key;
    qint64 steps = 0;
    qint64 respondMet = 0, respondDue = 0, resolveMet = 0, resolveDue = 0;
    qint64 breached = 0, escalated = 0, transfers = 0;
    qint64 pausedSteps = 0; ///< steps in `sla: pause` states (left out of the times)
    qint64 pausedSeconds = 0; ///< the clock seconds those steps waited, summed
    /// Nearest-rank percentiles over the group's steps outside pause states; null when none.
    std::optional<qint64> medianBusinessSeconds, p90BusinessSeconds, medianSeconds, p90Seconds;
    friend bool operator==(const StepReportRow &, const StepReportRow &) = default;
};

/// Which facts a report counts: those whose step ended in [from, to).
struct StepReportQuery
{
    qint64 from = 0, to = 0;
    ReportGrouping by = ReportGrouping::Department;
    QString workflow; ///< empty: every workflow
    /// Unless allDepartments, only steps whose responsible department is one of these.
    bool allDepartments = false;
    QStringList departments;
    /// Read the facts alone, not the roll-up (tests compare the two; store/steprollup.h).
    bool factsOnly = false;
    /// Only the tickets' own steps, not those of a parallel state's branches (the flow report's
    /// states): facts with branch '', roll-up rows with branch 0.
    bool ownSteps = false;
};

/// One state of a workflow's flow report (interfaces.md GET /reports/flow).
struct FlowStateRow
{
    QString state;
    qint64 left = 0; ///< steps that ended in the range
    qint64 entered = 0; ///< steps whose ending transition entered this state in the range
    qint64 breached = 0;
    std::optional<qint64> medianBusinessSeconds, p90BusinessSeconds;
    friend bool operator==(const FlowStateRow &, const FlowStateRow &) = default;
};
struct FlowTransitionRow
{
    QString from, to, action;
    qint64 count = 0;
    friend bool operator==(const FlowTransitionRow &, const FlowTransitionRow &) = default;
};
struct FlowReport
{
    QList<FlowStateRow> states; ///< by state name
    QList<FlowTransitionRow> transitions; ///< by from, to, action
};

/// The nearest-rank percentile (1..100) of ascending `sorted`; null when empty.
std::optional<qint64> nearestRankPercentile(const QList<qint64> &sorted, int percent);

class StepFactStore
{
public:
    /// The steps report, groups by key (ascending).
    static Result<QList<StepReportRow>> stepsReport(const QSqlDatabase &db,
                                                    const StepReportQuery &query);
    /// The flow of one workflow (query.workflow; query.by is ignored).
    static Result<FlowReport> flowReport(const QSqlDatabase &db, const StepReportQuery &query);
    /// Every fact row, by ticket, seq and branch (tests; the back-fill's comparison).
    static Result<QList<StepFactRow>> allFacts(const QSqlDatabase &db);
    /// Replaces the facts of `ticketIds` by `rows` (the back-fill), in the caller's transaction.
    static Result<void> replaceFacts(const QSqlDatabase &db, const QList<qint64> &ticketIds,
                                     const QList<StepFactRow> &rows);
};

} // namespace Baton

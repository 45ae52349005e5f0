// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports on big data, the measures the step roll-up does not hold (issue 17): closures with
// what their tickets went through (outcomes, volume's closed) and escalations with the queue
// they moved the work to, counted per quarter hour and per UTC day and key (table
// report_counts, migration 36). Unlike the roll-up they cost the writer nothing: a quarter hour
// is counted in the background a few minutes after it has ended (buildReportCounts, from the
// services' report counter), a UTC day summed from its quarter hours once its last is counted,
// and a report reads what is counted so far from here and the rest — the current quarter hour,
// and the partial quarter hours of a custom instant — from the facts by the left_at index, which
// gives the same numbers (tst_reports countsAnswerAsTheFactsDo). Counts only: a closure's outcome
// depends on its ticket's earlier steps alone, and those facts do not change once written; the
// facts' back-fill (which does replace facts) must therefore be done before a day is counted,
// and reports read the facts while it is pending.

#include "core/result.h"
#include "store/stepfactrows.h"
#include "store/steprollup.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <optional>
#include <utility>

namespace Baton {

class Database;

/// One bucket (of a RollupLevel) and key of report_counts.
struct ReportCountRow
{
    qint64 bucket = 0;
    QString workflow, state, queue, department, assignee, tier, origin;
    QString target; ///< escalations: the queue the escalation moved the work to ("": it did not)
    qint64 closed = 0; ///< own steps whose end closed the ticket (volume)
    /// Closures (outcomes; StepFactMeasures::closures): how many, and how many of them were
    /// reopened, first contact, bounced, hit the handoff limit, escalated, and their handoffs.
    qint64 closures = 0, reopened = 0, firstContact = 0, bounced = 0, handoffLimit = 0,
           closureEscalated = 0, handoffs = 0;
    qint64 escalations = 0; ///< escalated steps (escalations report)
    friend bool operator==(const ReportCountRow &, const ReportCountRow &) = default;
};

/// The flow report's share (StepFactStore::flowReport): per bucket, workflow, state and
/// department, the own steps that transitioned to `nextState` by `action`, and (nextState and
/// action empty) how many steps of parallel branches ended — while a period has any, the flow's
/// times are read from the facts (the step roll-up's lists hold branches' steps too).
struct TransitionCountRow
{
    qint64 bucket = 0;
    QString workflow, state, department, nextState, action;
    qint64 transitions = 0, branchSteps = 0;
    friend bool operator==(const TransitionCountRow &, const TransitionCountRow &) = default;
};

/// A period's rows of both tables at one level.
struct PeriodCounts
{
    QList<ReportCountRow> rows;
    QList<TransitionCountRow> transitions;
};

/// How a period is read: its parts from the facts ([from, to) instants) and from the counts
/// (a level's buckets [first, end)), in time order.
struct PeriodParts
{
    QList<std::pair<qint64, qint64>> facts;
    struct Buckets
    {
        RollupLevel level;
        qint64 first, end;
    };
    QList<Buckets> counted;
};
/// [from, to) split at `countedEnd` (what the counts hold ends there, the end of a quarter hour;
/// nullopt: nothing): whole UTC days from the daily level, whole quarter hours around them, the
/// rest (partial quarter hours, and everything from countedEnd on) from the facts.
PeriodParts splitPeriod(qint64 from, qint64 to, std::optional<qint64> countedEnd);

class ReportCountsStore
{
public:
    /// Where the counts end (ms, the end of the last quarter hour counted), or nullopt when a
    /// report must read the facts alone (the facts' back-fill is pending, or nothing counted).
    static Result<std::optional<qint64>> countedEnd(const QSqlDatabase &db);
    /// The sums of `columns` (report_counts' count columns) over `level`'s buckets
    /// [firstBucket, endBucket) in the query's workflow and departments, per group of query.by
    /// (and target, when `byTarget`), over the rows where columns[0] is not 0: `group` is called
    /// with the key, the target ("" unless byTarget) and the sums in `columns` order. Summed in
    /// SQL: a month's rows are hundreds of thousands, its groups a few dozen.
    static Result<void>
    sums(const QSqlDatabase &db, const StepReportQuery &query, RollupLevel level,
         qint64 firstBucket, qint64 endBucket, const QStringList &columns, bool byTarget,
         const std::function<void(const QString &, const QString &, const QList<qint64> &)> &group);
    /// The rows of the facts that left in [from, to) at `level`, counted (in key order).
    static Result<PeriodCounts> countPeriod(const QSqlDatabase &db, qint64 from, qint64 to,
                                            RollupLevel level);
    /// The flow of one workflow (query.workflow) from the counts, the step roll-up (its states'
    /// steps, breaches and times) and the facts of the rest; nullopt when the facts must be
    /// read alone (nothing counted in the period, or steps of parallel branches in it).
    static Result<std::optional<FlowReport>> flow(const QSqlDatabase &db,
                                                  const StepReportQuery &query);
    /// Forgets every count, to count every day again (after the facts' back-fill replaced
    /// facts); in the caller's transaction.
    static Result<void> recountAll(const QSqlDatabase &db);
};

/// Counts every quarter hour that ended before `now` (less five minutes: commits in flight, the
/// clocks of other servers) and is not counted yet (report_backfills 'report_quarters': next_ticket
/// is the first quarter hour not counted, migration 41), a quarter hour per transaction — a
/// whole UTC day while it is days behind — its facts read before it; a UTC day's daily rows are
/// the sums of its quarter hours, written when its last is counted. A `now` before the end of
/// what is counted (the clock was set back, or this server's clock is behind the one that
/// counted by more than the margin) forgets the counts from `now` less the margin on, so that
/// the facts stamped by this clock are counted once their quarter hour ends. Does nothing while the
/// facts' back-fill is pending. Returns the number of transactions that counted facts; stops
/// between them once `stopRequested` says so.
Result<qint64> buildReportCounts(Database &database, qint64 now,
                                 const std::function<bool()> &stopRequested = {});

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/reportcounts.h"

#include "store/database.h"
#include "store/stepfactmeasures.h"
#include "store/stepfactsql_p.h"
#include "store/storelog.h"
#include "store/ticketcolumns.h"

#include <QMap>
#include <QSqlQuery>

#include <algorithm>
#include <array>
#include <limits>
#include <tuple>

namespace Baton {

namespace {

const char *const countColumns
    = "level, bucket, workflow, state, queue, department, assignee, tier, origin, target, "
      "closed, closures, reopened, first_contact, bounced, handoff_limit, closure_escalated, "
      "handoffs, escalations";
constexpr int countColumnCount = 19;
// How long after a quarter hour has ended it is counted: a commit group stamps its facts a
// moment before it commits, and other servers' clocks may be a little behind this one's (a
// clock further behind is caught when its own counter runs: buildReportCounts).
constexpr qint64 commitMarginMs = 5 * 60 * 1000;

qint64 floorDiv(qint64 a, qint64 b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

qint64 ceilDiv(qint64 a, qint64 b)
{
    return -floorDiv(-a, b);
}

int levelNumber(RollupLevel level)
{
    return level == RollupLevel::Day ? 1 : 0;
}

QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

using CountKey
    = std::tuple<qint64, QString, QString, QString, QString, QString, QString, QString, QString>;

// The row of `key` in `rows`, made when missing.
ReportCountRow &rowOf(QMap<CountKey, ReportCountRow> &rows, const CountKey &key)
{
    auto it = rows.find(key);
    if (it == rows.end()) {
        ReportCountRow row;
        std::tie(row.bucket, row.workflow, row.state, row.queue, row.department, row.assignee,
                 row.tier, row.origin, row.target)
            = key;
        it = rows.insert(key, row);
    }
    return it.value();
}

using TransitionKey = std::tuple<qint64, QString, QString, QString, QString, QString>;

TransitionCountRow &transitionOf(QMap<TransitionKey, TransitionCountRow> &rows,
                                 const TransitionKey &key)
{
    auto it = rows.find(key);
    if (it == rows.end()) {
        TransitionCountRow row;
        std::tie(row.bucket, row.workflow, row.state, row.department, row.nextState, row.action)
            = key;
        it = rows.insert(key, row);
    }
    return it.value();
}

} // namespace

PeriodParts splitPeriod(qint64 from, qint64 to, std::optional<qint64> countedEnd)
{
    PeriodParts parts;
    if (from >= to)
        return parts;
    const qint64 quarter = stepRollupQuarterMs, perDay = stepRollupDayMs / quarter;
    const qint64 first = ceilDiv(from, quarter);
    const qint64 end = countedEnd ? floorDiv(std::min(to, *countedEnd), quarter) : first;
    if (first >= end) {
        parts.facts.append({from, to});
        return parts;
    }
    if (from < first * quarter)
        parts.facts.append({from, first * quarter});
    const qint64 firstDay = ceilDiv(first, perDay), endDay = floorDiv(end, perDay);
    if (firstDay < endDay) {
        if (first < firstDay * perDay)
            parts.counted.append({RollupLevel::QuarterHour, first, firstDay * perDay});
        parts.counted.append({RollupLevel::Day, firstDay, endDay});
        if (endDay * perDay < end)
            parts.counted.append({RollupLevel::QuarterHour, endDay * perDay, end});
    } else {
        parts.counted.append({RollupLevel::QuarterHour, first, end});
    }
    if (end * quarter < to)
        parts.facts.append({end * quarter, to});
    return parts;
}

Result<std::optional<qint64>> ReportCountsStore::countedEnd(const QSqlDatabase &db)
{
    // A facts' record whose last ticket is 0 has nothing to do (StepRollupStore::ready).
    auto rows = runQuery(db,
                         QStringLiteral("SELECT name, next_ticket FROM report_backfills "
                                        "WHERE name = 'report_quarters' OR (name = "
                                        "'step_facts' AND last_ticket > 0)"));
    if (!rows)
        return rows.failure();
    std::optional<qint64> end;
    while (rows->next()) {
        if (rows->value(0).toString() == u"step_facts")
            return std::optional<qint64>();
        end = rows->value(1).toLongLong() * stepRollupQuarterMs;
    }
    return end;
}

Result<void> ReportCountsStore::sums(
    const QSqlDatabase &db, const StepReportQuery &query, RollupLevel level, qint64 firstBucket,
    qint64 endBucket, const QStringList &columns, bool byTarget,
    const std::function<void(const QString &, const QString &, const QList<qint64> &)> &group)
{
    // report_counts has step_facts' names for the key columns.
    const QString key = StepFactSql::keyExpression(query.by);
    const QString groups = byTarget ? key + u", target" : key;
    QString sql = u"SELECT " + groups;
    for (const QString &column : columns)
        sql += u", CAST(SUM(" + column + u") AS BIGINT)";
    sql += u" FROM report_counts WHERE level = ? AND bucket >= ? AND bucket < ? AND " + columns[0]
        + u" > 0";
    QVariantList values {levelNumber(level), firstBucket, endBucket};
    if (!StepFactSql::appendScope(sql, values, query))
        return {};
    auto rows = runQuery(db, sql + u" GROUP BY " + groups, values);
    if (!rows)
        return rows.failure();
    const int first = byTarget ? 2 : 1;
    QList<qint64> counts(columns.size());
    while (rows->next()) {
        for (qsizetype i = 0; i < columns.size(); ++i)
            counts[i] = rows->value(first + int(i)).toLongLong();
        group(rows->value(0).toString(), byTarget ? rows->value(1).toString() : QString(), counts);
    }
    return {};
}

Result<PeriodCounts> ReportCountsStore::countPeriod(const QSqlDatabase &db, qint64 from, qint64 to,
                                                    RollupLevel level)
{
    const qint64 span = rollupSpanMs(level);
    StepReportQuery query;
    query.from = from;
    query.to = to;
    query.allDepartments = true;
    QMap<CountKey, ReportCountRow> rows;
    QMap<TransitionKey, TransitionCountRow> transitions;
    // Closed and escalated steps (as StepFactMeasures::volume and ::escalations count them),
    // the flow's transitions (as StepFactStore::flowReport) and branch steps.
    auto facts = runQuery(
        db,
        QStringLiteral(
            "SELECT left_at, workflow, state, queue, department, assignee, tier, origin, CASE "
            "WHEN ended_by = 'escalated' THEN moved_to ELSE '' END, closes = 1 AND branch = '', "
            "escalated, branch <> '', ended_by = 'transitioned' AND next_state <> '' AND branch "
            "= '', next_state, action FROM step_facts WHERE left_at >= ? AND left_at < ? AND "
            "(escalated = 1 OR closes = 1 OR branch <> '' OR (ended_by = 'transitioned' AND "
            "next_state <> ''))"),
        {query.from, query.to});
    if (!facts)
        return facts.failure();
    while (facts->next()) {
        const auto field = [&](int i) { return facts->value(i).toString(); };
        const auto flag = [&](int i) { return facts->value(i).toInt() != 0; };
        const qint64 bucket = floorDiv(facts->value(0).toLongLong(), span);
        const auto key = [&](const QString &target) -> CountKey {
            return {bucket,   field(1), field(2), field(3), field(4),
                    field(5), field(6), field(7), target};
        };
        if (flag(9))
            ++rowOf(rows, key(QString())).closed;
        if (flag(10))
            ++rowOf(rows, key(field(8))).escalations;
        if (flag(11))
            ++transitionOf(transitions,
                           {bucket, field(1), field(2), field(4), QString(), QString()})
                  .branchSteps;
        if (flag(12))
            ++transitionOf(transitions,
                           {bucket, field(1), field(2), field(4), field(13), field(14)})
                  .transitions;
    }
    auto closures = StepFactMeasures::closures(db, query);
    if (!closures)
        return closures.failure();
    for (const ClosureFacts &c : std::as_const(*closures)) {
        ReportCountRow &r = rowOf(rows,
                                  {floorDiv(c.leftAt, span), c.workflow, c.state, c.queue,
                                   c.department, c.assignee, c.tier, c.origin, QString()});
        ++r.closures;
        r.reopened += c.reopened;
        r.firstContact += c.firstContact;
        r.bounced += c.bounced;
        r.handoffLimit += c.handoffLimit;
        r.closureEscalated += c.escalated;
        r.handoffs += c.handoffs;
    }
    return PeriodCounts {rows.values(), transitions.values()};
}

namespace {

// The flow's transitions and branch steps of the period's parts the counts do not hold.
Result<void> transitionsOfFacts(const QSqlDatabase &db, const StepReportQuery &part,
                                QMap<std::tuple<QString, QString, QString>, qint64> &transitions,
                                qint64 &branchSteps)
{
    QVariantList values;
    auto rows = runQuery(db,
                         u"SELECT state, next_state, action, CASE WHEN branch <> '' THEN 1 ELSE 0 "
                         u"END, COUNT(*) FROM step_facts"
                             + StepFactSql::whereOf(part, values)
                             + u" AND (branch <> '' OR (ended_by = 'transitioned' AND next_state "
                               u"<> '')) GROUP BY state, next_state, action, CASE WHEN branch <> "
                               u"'' THEN 1 ELSE 0 END",
                         values);
    if (!rows)
        return rows.failure();
    while (rows->next()) {
        if (rows->value(3).toInt() != 0)
            branchSteps += rows->value(4).toLongLong();
        else
            transitions[{rows->value(0).toString(), rows->value(1).toString(),
                         rows->value(2).toString()}]
                += rows->value(4).toLongLong();
    }
    return {};
}

// The counted transitions and branch steps of a level's buckets [first, end).
Result<void> transitionsOfCounts(const QSqlDatabase &db, const StepReportQuery &query,
                                 const PeriodParts::Buckets &buckets,
                                 QMap<std::tuple<QString, QString, QString>, qint64> &transitions,
                                 qint64 &branchSteps)
{
    QString sql = QStringLiteral("SELECT state, next_state, action, transitions, branch_steps FROM "
                                 "report_transitions WHERE level = ? AND bucket >= ? AND bucket < "
                                 "? AND workflow = ?");
    QVariantList values {levelNumber(buckets.level), buckets.first, buckets.end, query.workflow};
    if (!StepFactSql::appendScope(sql, values, query, false)) // the workflow is named above
        return {};
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    while (rows->next()) {
        branchSteps += rows->value(4).toLongLong();
        if (const qint64 n = rows->value(3).toLongLong(); n > 0)
            transitions[{rows->value(0).toString(), rows->value(1).toString(),
                         rows->value(2).toString()}]
                += n;
    }
    return {};
}

} // namespace

Result<std::optional<FlowReport>> ReportCountsStore::flow(const QSqlDatabase &db,
                                                          const StepReportQuery &query)
{
    if (query.workflow.isEmpty())
        return std::optional<FlowReport>();
    auto end = countedEnd(db);
    if (!end)
        return end.failure();
    const PeriodParts parts = splitPeriod(query.from, query.to, *end);
    if (parts.counted.isEmpty())
        return std::optional<FlowReport>();
    QMap<std::tuple<QString, QString, QString>, qint64> transitions;
    qint64 branchSteps = 0;
    for (const auto &[from, to] : parts.facts) {
        StepReportQuery part = query;
        part.from = from;
        part.to = to;
        if (auto read = transitionsOfFacts(db, part, transitions, branchSteps); !read)
            return read.failure();
    }
    for (const PeriodParts::Buckets &buckets : parts.counted)
        if (auto read = transitionsOfCounts(db, query, buckets, transitions, branchSteps); !read)
            return read.failure();
    // The states: the steps report by state over the tickets' own steps (the roll-up keeps a
    // parallel state's branch steps apart, migration 40), as StepFactStore::flowReport counts.
    StepReportQuery byState = query;
    byState.by = ReportGrouping::State;
    byState.ownSteps = true;
    auto steps = StepFactStore::stepsReport(db, byState);
    if (!steps)
        return steps.failure();
    QMap<QString, FlowStateRow> states;
    for (const StepReportRow &row : std::as_const(*steps)) {
        const QString state = row.key.mid(query.workflow.size() + 1);
        states[state] = {
            state, row.steps, 0, row.breached, row.medianBusinessSeconds, row.p90BusinessSeconds};
    }
    FlowReport report;
    for (auto it = transitions.cbegin(); it != transitions.cend(); ++it) {
        const auto &[from, next, action] = it.key();
        FlowStateRow &entered = states[next];
        entered.state = next;
        entered.entered += it.value();
        report.transitions.append({from, next, action, it.value()});
    }
    report.states = states.values();
    return std::optional(report);
}

Result<void> ReportCountsStore::recountAll(const QSqlDatabase &db)
{
    for (const char *sql : {"DELETE FROM report_counts", "DELETE FROM report_transitions",
                            "DELETE FROM report_backfills WHERE name = 'report_quarters'",
                            "INSERT INTO report_backfills (name, next_ticket, last_ticket) VALUES "
                            "('report_quarters', 0, 0)"})
        if (auto done = runQuery(db, QString::fromUtf8(sql)); !done)
            return done.failure();
    return {};
}

namespace {

constexpr qint64 quartersPerDay = stepRollupDayMs / stepRollupQuarterMs;

Result<void> insertTransitions(const QSqlDatabase &db, int level,
                               const QList<TransitionCountRow> &rows)
{
    const QString insert = QStringLiteral(
        "INSERT INTO report_transitions (level, bucket, workflow, state, department, next_state, "
        "action, transitions, branch_steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const TransitionCountRow &r : rows)
        if (auto inserted
            = runQuery(db, insert,
                       {level, r.bucket, text(r.workflow), text(r.state), text(r.department),
                        text(r.nextState), text(r.action), r.transitions, r.branchSteps});
            !inserted)
            return inserted.failure();
    return {};
}

// Deletes both tables' rows of `level` in buckets [first, end).
Result<void> deleteBuckets(const QSqlDatabase &db, int level, qint64 first, qint64 end)
{
    for (const char *table : {"report_counts", "report_transitions"})
        if (auto deleted = runQuery(db,
                                    u"DELETE FROM " + QLatin1String(table)
                                        + u" WHERE level = ? AND bucket >= ? AND bucket < ?",
                                    {level, first, end});
            !deleted)
            return deleted.failure();
    return {};
}

// Replaces the quarter hours [first, end)'s rows by `counts`.
Result<void> replaceQuarters(const QSqlDatabase &db, qint64 first, qint64 end,
                             const PeriodCounts &counts)
{
    if (auto deleted = deleteBuckets(db, 0, first, end); !deleted)
        return deleted.failure();
    if (auto written = insertTransitions(db, 0, counts.transitions); !written)
        return written.failure();
    const QString insert = u"INSERT INTO report_counts (" + QLatin1String(countColumns)
        + u") VALUES (" + TicketColumns::placeholders(countColumnCount) + u')';
    for (const ReportCountRow &r : counts.rows) {
        QVariantList values {0, r.bucket};
        for (const QString *field : {&r.workflow, &r.state, &r.queue, &r.department, &r.assignee,
                                     &r.tier, &r.origin, &r.target})
            values << text(*field);
        for (qint64 count : {r.closed, r.closures, r.reopened, r.firstContact, r.bounced,
                             r.handoffLimit, r.closureEscalated, r.handoffs, r.escalations})
            values << count;
        if (auto inserted = runQuery(db, insert, values); !inserted)
            return inserted.failure();
    }
    return {};
}

// The counting went from quarter hour `from` to `to`: the UTC days that ended in between get
// their daily rows, the sums of their quarter hours' (a closure, an escalation, a transition
// is in one quarter hour; exact, and no fact is read again).
Result<void> finishDays(const QSqlDatabase &db, qint64 from, qint64 to)
{
    const qint64 firstDay = floorDiv(from, quartersPerDay), endDay = floorDiv(to, quartersPerDay);
    if (firstDay >= endDay)
        return {};
    if (auto deleted = deleteBuckets(db, 1, firstDay, endDay); !deleted)
        return deleted.failure();
    const QString day = QStringLiteral("bucket / %1").arg(quartersPerDay);
    const QString keys
        = QStringLiteral("workflow, state, queue, department, assignee, tier, origin, target");
    QString sums;
    for (const char *column : {"closed", "closures", "reopened", "first_contact", "bounced",
                               "handoff_limit", "closure_escalated", "handoffs", "escalations"})
        sums += u", SUM(" + QLatin1String(column) + u')';
    const QVariantList range {firstDay * quartersPerDay, endDay * quartersPerDay};
    if (auto summed = runQuery(db,
                               u"INSERT INTO report_counts (" + QLatin1String(countColumns)
                                   + u") SELECT 1, " + day + u", " + keys + sums
                                   + u" FROM report_counts WHERE level = 0 AND bucket >= ? AND "
                                     u"bucket < ? GROUP BY "
                                   + day + u", " + keys,
                               range);
        !summed)
        return summed.failure();
    if (auto summed = runQuery(
            db,
            u"INSERT INTO report_transitions (level, bucket, workflow, state, department, "
            u"next_state, action, transitions, branch_steps) SELECT 1, "
                + day
                + u", workflow, state, department, next_state, action, SUM(transitions), "
                  u"SUM(branch_steps) FROM report_transitions WHERE level = 0 AND bucket >= ? "
                  u"AND bucket < ? GROUP BY "
                + day + u", workflow, state, department, next_state, action",
            range);
        !summed)
        return summed.failure();
    return {};
}

// The first quarter hour not counted, the record's row locked on PostgreSQL; nullopt: no
// record.
Result<std::optional<qint64>> recordedQuarter(const QSqlDatabase &db, bool postgresql)
{
    auto row = runQuery(db,
                        u"SELECT next_ticket FROM report_backfills WHERE name = "
                        u"'report_quarters'"
                            + QLatin1String(postgresql ? " FOR UPDATE" : ""));
    if (!row)
        return row.failure();
    if (!row->next())
        return std::optional<qint64>();
    return std::optional(row->value(0).toLongLong());
}

Result<void> moveRecord(const QSqlDatabase &db, qint64 from, qint64 to)
{
    auto moved = runQuery(db,
                          QStringLiteral("UPDATE report_backfills SET next_ticket = ? WHERE name = "
                                         "'report_quarters' AND next_ticket = ?"),
                          {to, from});
    if (!moved)
        return moved.failure();
    return {};
}

// The first quarter hour from `next` on (up to `end`) that has facts.
Result<qint64> firstQuarterWithFacts(const QSqlDatabase &db, qint64 next, qint64 end)
{
    auto first = runQuery(db,
                          QStringLiteral("SELECT MIN(left_at) FROM step_facts WHERE left_at "
                                         ">= ?"),
                          {next * stepRollupQuarterMs});
    if (!first)
        return first.failure();
    if (!first->next() || first->value(0).isNull())
        return end;
    return std::min(end, floorDiv(first->value(0).toLongLong(), stepRollupQuarterMs));
}

// The first quarter hour not counted; nullopt: nothing to count (no record, or the facts'
// back-fill is pending: the facts may still be replaced). A facts' record whose last ticket is
// 0 has nothing to do (StepRollupStore::ready): a generated database's, such as bench_bigdb's.
Result<std::optional<qint64>> countPosition(const QSqlDatabase &db)
{
    auto position = runQuery(db,
                             QStringLiteral("SELECT name, next_ticket FROM report_backfills WHERE "
                                            "name = 'report_quarters' OR (name = 'step_facts' "
                                            "AND last_ticket > 0)"));
    if (!position)
        return position.failure();
    std::optional<qint64> next;
    while (position->next()) {
        if (position->value(0).toString() == u"step_facts")
            return std::optional<qint64>();
        next = position->value(1).toLongLong();
    }
    return next;
}

// Moves the record from quarter hour `from` to `to`, under its lock: forward, with the counts
// of [from, to) (none: no facts there) and the days that ended; back (to < from), forgetting
// what was counted from `to` on.
Result<void> writeStep(const QSqlDatabase &db, qint64 from, qint64 to,
                       const std::optional<PeriodCounts> &counts)
{
    if (to < from) {
        for (const auto &[level, first] :
             {std::pair {0, to}, std::pair {1, floorDiv(to, quartersPerDay)}})
            if (auto forgotten
                = deleteBuckets(db, level, first, std::numeric_limits<qint64>::max());
                !forgotten)
                return forgotten.failure();
    } else {
        if (counts)
            if (auto replaced = replaceQuarters(db, from, to, *counts); !replaced)
                return replaced.failure();
        if (auto finished = finishDays(db, from, to); !finished)
            return finished.failure();
    }
    return moveRecord(db, from, to);
}

} // namespace

Result<qint64> buildReportCounts(Database &database, qint64 now,
                                 const std::function<bool()> &stopRequested)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    // Only quarter hours whose facts are all committed: the writer stamps a fact a moment
    // before its group commits.
    const qint64 endQuarter = floorDiv(now - commitMarginMs, stepRollupQuarterMs);
    const bool postgresql = db->driverName() == u"QPSQL";
    qint64 counted = 0;
    while (!(stopRequested && stopRequested())) {
        auto position = countPosition(*db);
        if (!position)
            return position.failure();
        const std::optional<qint64> next = *position;
        // Counted up to at most `now`: quarter hours between now less the margin and now were
        // counted by a server whose clock is a little ahead — no fact stamped by this clock
        // falls into them.
        if (!next || *next == endQuarter
            || (*next > endQuarter && *next * stepRollupQuarterMs <= now))
            return counted;
        // What to count in one transaction: a whole UTC day while the counting is days behind
        // (a new or upgraded database: a year is 365 transactions, not 35,000), else one
        // quarter hour; quarters without facts are passed at once.
        qint64 from = *next, to = *next;
        std::optional<PeriodCounts> counts;
        if (*next > endQuarter) {
            // Counted past `now`: the clock went back (a fake clock, or this server's clock
            // behind another's by more than the margin), and facts stamped from now on — and
            // those stamped since it went back, the margin before — fall into quarter hours
            // counted already. Those are forgotten, and counted again once they end by this
            // clock; until then reports read their facts.
            to = endQuarter;
        } else {
            auto firstWithFacts = firstQuarterWithFacts(*db, *next, endQuarter);
            if (!firstWithFacts)
                return firstWithFacts.failure();
            if (*firstWithFacts > *next) {
                to = *firstWithFacts;
            } else {
                to = *next % quartersPerDay == 0 && *next + quartersPerDay <= endQuarter
                    ? *next + quartersPerDay
                    : *next + 1;
                // Read before the write lock (thousands of random reads on a big database);
                // the facts of an ended quarter hour do not change any more.
                auto read = ReportCountsStore::countPeriod(*db, from * stepRollupQuarterMs,
                                                           to * stepRollupQuarterMs,
                                                           RollupLevel::QuarterHour);
                if (!read)
                    return read.failure();
                counts = std::move(*read);
            }
        }
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        // Another server (or thread) may have counted it meanwhile: the record decides, locked.
        auto still = recordedQuarter(*db, postgresql);
        if (!still)
            return still.failure();
        if (*still != next) {
            transaction.rollback();
            continue;
        }
        if (auto written = writeStep(*db, from, to, counts); !written)
            return written.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        if (counts)
            ++counted;
    }
    return counted;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/stepfactrows.h"

#include "store/database.h"
#include "store/reportcounts.h"
#include "store/stepfactsql_p.h"
#include "store/steprollup.h"
#include "store/ticketcolumns.h"

#include <QHash>
#include <QMap>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>

namespace Baton {

const char *const stepFactColumns
    = "ticket_id, seq, branch, workflow, workflow_version, state, queue, department, assignee, "
      "origin, tier, entered_at, left_at, ended_by, action, next_state, business_seconds, "
      "clock_seconds, paused, respond_target, respond_seconds, respond_met, resolve_target, "
      "resolve_seconds, resolve_met, breached, escalated, transfers, closes, moved_to, "
      "paused_seconds";

namespace {

QVariant optionalValue(const std::optional<qint64> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::LongLong));
}

QVariant optionalFlag(const std::optional<bool> &value)
{
    return value ? QVariant(*value ? 1 : 0) : QVariant(QMetaType(QMetaType::Int));
}

// Text columns are NOT NULL: a null QString binds as NULL through Qt's drivers.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

std::optional<qint64> optionalOf(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

} // namespace

namespace StepFactSql {

// The column a grouping reads; by=state keys are "workflow/state", as state names repeat
// across workflows.
QString keyExpression(ReportGrouping by)
{
    switch (by) {
    case ReportGrouping::Department:
        return QStringLiteral("department");
    case ReportGrouping::Queue:
        return QStringLiteral("queue");
    case ReportGrouping::Workflow:
        return QStringLiteral("workflow");
    case ReportGrouping::State:
        return QStringLiteral("workflow || '/' || state");
    case ReportGrouping::Assignee:
        return QStringLiteral("assignee");
    case ReportGrouping::Tier:
        return QStringLiteral("tier");
    case ReportGrouping::Origin:
        return QStringLiteral("origin");
    }
    return QStringLiteral("department");
}

// " WHERE left_at >= ? AND left_at < ? ..." with its values.
QString whereOf(const StepReportQuery &query, QVariantList &values)
{
    QString where = QStringLiteral(" WHERE left_at >= ? AND left_at < ?");
    values << query.from << query.to;
    if (!appendScope(where, values, query))
        return where + QStringLiteral(" AND 1 = 0");
    if (query.ownSteps)
        where += QStringLiteral(" AND branch = ''");
    return where;
}

bool appendScope(QString &sql, QVariantList &values, const StepReportQuery &query,
                 bool withWorkflow)
{
    if (withWorkflow && !query.workflow.isEmpty()) {
        sql += QStringLiteral(" AND workflow = ?");
        values << query.workflow;
    }
    if (query.allDepartments)
        return true;
    if (query.departments.isEmpty())
        return false;
    sql += QStringLiteral(" AND department IN (")
        + TicketColumns::placeholders(int(query.departments.size())) + u')';
    for (const QString &department : query.departments)
        values << department;
    return true;
}

} // namespace StepFactSql

using StepFactSql::keyExpression;
using StepFactSql::whereOf;

void appendStepFactValues(QList<QVariant> &values, const StepFactRow &row)
{
    values << row.ticketId << row.seq << text(row.branch) << text(row.workflow)
           << row.workflowVersion << text(row.state) << text(row.queue) << text(row.department)
           << text(row.assignee) << text(row.origin) << text(row.tier) << row.enteredAt
           << row.leftAt << text(row.endedBy) << text(row.action) << text(row.nextState)
           << row.businessSeconds << row.clockSeconds << (row.paused ? 1 : 0)
           << optionalValue(row.respondTarget) << optionalValue(row.respondSeconds)
           << optionalFlag(row.respondMet) << optionalValue(row.resolveTarget)
           << optionalValue(row.resolveSeconds) << optionalFlag(row.resolveMet)
           << (row.breached ? 1 : 0) << (row.escalated ? 1 : 0) << row.transfers
           << (row.closes ? 1 : 0) << text(row.movedTo) << row.pausedSeconds;
}

std::optional<ReportGrouping> reportGroupingFromString(const QString &text)
{
    static const QHash<QString, ReportGrouping> names {
        {QStringLiteral("department"), ReportGrouping::Department},
        {QStringLiteral("queue"), ReportGrouping::Queue},
        {QStringLiteral("workflow"), ReportGrouping::Workflow},
        {QStringLiteral("state"), ReportGrouping::State},
        {QStringLiteral("assignee"), ReportGrouping::Assignee},
        {QStringLiteral("tier"), ReportGrouping::Tier},
        {QStringLiteral("origin"), ReportGrouping::Origin},
    };
    const auto it = names.constFind(text);
    return it == names.cend() ? std::nullopt : std::optional(it.value());
}

QString toString(ReportGrouping grouping)
{
    switch (grouping) {
    case ReportGrouping::Department:
        return QStringLiteral("department");
    case ReportGrouping::Queue:
        return QStringLiteral("queue");
    case ReportGrouping::Workflow:
        return QStringLiteral("workflow");
    case ReportGrouping::State:
        return QStringLiteral("state");
    case ReportGrouping::Assignee:
        return QStringLiteral("assignee");
    case ReportGrouping::Tier:
        return QStringLiteral("tier");
    case ReportGrouping::Origin:
        return QStringLiteral("origin");
    }
    return QStringLiteral("department");
}

std::optional<qint64> nearestRankPercentile(const QList<qint64> &sorted, int percent)
{
    if (sorted.isEmpty())
        return std::nullopt;
    // Rank ceil(p/100 × n), 1-based; integer arithmetic so that no rounding decides it.
    const qint64 n = sorted.size();
    const qint64 rank = std::max<qint64>(1, (qint64(percent) * n + 99) / 100);
    return sorted[qsizetype(std::min(rank, n) - 1)];
}

namespace {

struct StepGroup
{
    StepReportRow row;
    QList<qint64> business, clock;
};

// The facts' share of a steps report: those that left in [query.from, query.to).
Result<void> addFacts(const QSqlDatabase &db, const StepReportQuery &query,
                      QMap<QString, StepGroup> &groups)
{
    QVariantList values;
    const QString sql = u"SELECT " + keyExpression(query.by)
        + QStringLiteral(", business_seconds, clock_seconds, paused, respond_met, resolve_met, "
                         "breached, escalated, transfers, paused_seconds FROM step_facts")
        + whereOf(query, values);
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    while (rows->next()) {
        StepGroup &group = groups[rows->value(0).toString()];
        StepReportRow &r = group.row;
        ++r.steps;
        if (rows->value(3).toInt()) {
            ++r.pausedSteps;
            r.pausedSeconds += rows->value(9).toLongLong();
        } else {
            group.business.append(rows->value(1).toLongLong());
            group.clock.append(rows->value(2).toLongLong());
        }
        if (!rows->value(4).isNull()) {
            ++r.respondDue;
            r.respondMet += rows->value(4).toInt() ? 1 : 0;
        }
        if (!rows->value(5).isNull()) {
            ++r.resolveDue;
            r.resolveMet += rows->value(5).toInt() ? 1 : 0;
        }
        r.breached += rows->value(6).toInt() ? 1 : 0;
        r.escalated += rows->value(7).toInt() ? 1 : 0;
        r.transfers += rows->value(8).toLongLong();
    }
    return {};
}

// nearestRankPercentile without sorting: a year's steps are millions of values, and selecting
// the one at the rank is linear.
std::optional<qint64> selectedPercentile(QList<qint64> &values, int percent)
{
    if (values.isEmpty())
        return std::nullopt;
    const qint64 n = values.size();
    const qint64 rank = std::min(n, std::max<qint64>(1, (qint64(percent) * n + 99) / 100));
    const auto at = values.begin() + (rank - 1);
    std::nth_element(values.begin(), at, values.end());
    return *at;
}

qint64 floorDiv(qint64 a, qint64 b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

} // namespace

Result<QList<StepReportRow>> StepFactStore::stepsReport(const QSqlDatabase &db,
                                                        const StepReportQuery &query)
{
    QMap<QString, StepGroup> groups;
    // The whole UTC days of the period from the daily roll-up, the whole quarter hours around
    // them from the quarter hours', and the partial quarter hours at its ends (a custom instant
    // inside one) from the facts: the same numbers as the facts alone.
    const qint64 quarter = stepRollupQuarterMs, perDay = stepRollupDayMs / quarter;
    const qint64 first = -floorDiv(-query.from, quarter); // ceiling
    const qint64 end = floorDiv(query.to, quarter);
    bool rolledUp = false;
    if (!query.factsOnly && first < end) {
        auto ready = StepRollupStore::ready(db);
        if (!ready)
            return ready.failure();
        rolledUp = *ready;
    }
    const auto addRollup = [&](const StepRollupRow &row) {
        StepGroup &group = groups[groupKeyOf(query.by, row)];
        StepReportRow &r = group.row;
        r.steps += row.steps;
        r.pausedSteps += row.pausedSteps;
        r.pausedSeconds += row.pausedSeconds;
        r.respondDue += row.respondDue;
        r.respondMet += row.respondMet;
        r.resolveDue += row.resolveDue;
        r.resolveMet += row.resolveMet;
        r.breached += row.breached;
        r.escalated += row.escalated;
        r.transfers += row.transfers;
        appendRollupValues(group.business, row.businessValues);
        appendRollupValues(group.clock, row.clockValues);
    };
    const auto readQuarters = [&](qint64 from, qint64 to) -> Result<void> {
        if (from >= to)
            return {};
        return StepRollupStore::read(db, query, RollupLevel::QuarterHour, from, to, addRollup);
    };
    if (!rolledUp) {
        if (auto added = addFacts(db, query, groups); !added)
            return added.failure();
    } else {
        StepReportQuery head = query, tail = query;
        head.to = first * quarter;
        tail.from = end * quarter;
        if (head.from < head.to)
            if (auto added = addFacts(db, head, groups); !added)
                return added.failure();
        const qint64 firstDay = -floorDiv(-first, perDay), endDay = floorDiv(end, perDay);
        if (firstDay < endDay) {
            if (auto read = readQuarters(first, firstDay * perDay); !read)
                return read.failure();
            if (auto read
                = StepRollupStore::read(db, query, RollupLevel::Day, firstDay, endDay, addRollup);
                !read)
                return read.failure();
            if (auto read = readQuarters(endDay * perDay, end); !read)
                return read.failure();
        } else if (auto read = readQuarters(first, end); !read) {
            return read.failure();
        }
        if (tail.from < tail.to)
            if (auto added = addFacts(db, tail, groups); !added)
                return added.failure();
    }
    QList<StepReportRow> out;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        StepGroup &group = it.value();
        group.row.key = it.key();
        group.row.medianBusinessSeconds = selectedPercentile(group.business, 50);
        group.row.p90BusinessSeconds = selectedPercentile(group.business, 90);
        group.row.medianSeconds = selectedPercentile(group.clock, 50);
        group.row.p90Seconds = selectedPercentile(group.clock, 90);
        out.append(group.row);
    }
    return out;
}

Result<FlowReport> StepFactStore::flowReport(const QSqlDatabase &db, const StepReportQuery &query)
{
    // From the days counted in the background and the step roll-up where they hold the period
    // (store/reportcounts.h); the same numbers as the facts below.
    if (!query.factsOnly) {
        auto counted = ReportCountsStore::flow(db, query);
        if (!counted)
            return counted.failure();
        if (*counted)
            return std::move(**counted);
    }
    QVariantList values;
    const QString sql = QStringLiteral("SELECT state, next_state, action, ended_by, "
                                       "business_seconds, breached, paused FROM step_facts")
        + whereOf(query, values) + QStringLiteral(" AND branch = ''");
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    QMap<QString, FlowStateRow> states;
    QMap<QString, QList<qint64>> times;
    QMap<std::tuple<QString, QString, QString>, qint64> transitions;
    while (rows->next()) {
        const QString state = rows->value(0).toString();
        const QString next = rows->value(1).toString();
        FlowStateRow &row = states[state];
        row.state = state;
        ++row.left;
        row.breached += rows->value(5).toInt() ? 1 : 0;
        if (!rows->value(6).toInt())
            times[state].append(rows->value(4).toLongLong());
        if (rows->value(3).toString() == u"transitioned" && !next.isEmpty()) {
            FlowStateRow &entered = states[next];
            entered.state = next;
            ++entered.entered;
            ++transitions[{state, next, rows->value(2).toString()}];
        }
    }
    FlowReport report;
    for (auto it = states.begin(); it != states.end(); ++it) {
        QList<qint64> &sorted = times[it.key()];
        std::sort(sorted.begin(), sorted.end());
        it->medianBusinessSeconds = nearestRankPercentile(sorted, 50);
        it->p90BusinessSeconds = nearestRankPercentile(sorted, 90);
        report.states.append(it.value());
    }
    for (auto it = transitions.cbegin(); it != transitions.cend(); ++it)
        report.transitions.append(
            {std::get<0>(it.key()), std::get<1>(it.key()), std::get<2>(it.key()), it.value()});
    return report;
}

Result<QList<StepFactRow>> StepFactStore::allFacts(const QSqlDatabase &db)
{
    auto rows = runQuery(db,
                         u"SELECT " + QLatin1String(stepFactColumns)
                             + u" FROM step_facts ORDER BY ticket_id, seq, branch");
    if (!rows)
        return rows.failure();
    QList<StepFactRow> out;
    while (rows->next()) {
        StepFactRow r;
        int c = 0;
        auto next = [&] { return rows->value(c++); };
        r.ticketId = next().toLongLong();
        r.seq = next().toLongLong();
        r.branch = next().toString();
        r.workflow = next().toString();
        r.workflowVersion = next().toInt();
        r.state = next().toString();
        r.queue = next().toString();
        r.department = next().toString();
        r.assignee = next().toString();
        r.origin = next().toString();
        r.tier = next().toString();
        r.enteredAt = next().toLongLong();
        r.leftAt = next().toLongLong();
        r.endedBy = next().toString();
        r.action = next().toString();
        r.nextState = next().toString();
        r.businessSeconds = next().toLongLong();
        r.clockSeconds = next().toLongLong();
        r.paused = next().toInt() != 0;
        r.respondTarget = optionalOf(next());
        r.respondSeconds = optionalOf(next());
        const QVariant respondMet = next();
        if (!respondMet.isNull())
            r.respondMet = respondMet.toInt() != 0;
        r.resolveTarget = optionalOf(next());
        r.resolveSeconds = optionalOf(next());
        const QVariant resolveMet = next();
        if (!resolveMet.isNull())
            r.resolveMet = resolveMet.toInt() != 0;
        r.breached = next().toInt() != 0;
        r.escalated = next().toInt() != 0;
        r.transfers = next().toInt();
        r.closes = next().toInt() != 0;
        r.movedTo = next().toString();
        r.pausedSeconds = next().toLongLong();
        out.append(r);
    }
    return out;
}

Result<void> StepFactStore::replaceFacts(const QSqlDatabase &db, const QList<qint64> &ticketIds,
                                         const QList<StepFactRow> &rows)
{
    if (!ticketIds.isEmpty()) {
        QVariantList ids;
        for (qint64 id : ticketIds)
            ids << id;
        auto deleted = runQuery(db,
                                u"DELETE FROM step_facts WHERE ticket_id IN ("
                                    + TicketColumns::placeholders(int(ids.size())) + u')',
                                ids);
        if (!deleted)
            return deleted.failure();
    }
    const QString insert = u"INSERT INTO step_facts (" + QLatin1String(stepFactColumns)
        + u") VALUES (" + TicketColumns::placeholders(stepFactColumnCount)
        + u") ON CONFLICT DO NOTHING";
    for (const StepFactRow &row : rows) {
        QList<QVariant> values;
        appendStepFactValues(values, row);
        if (auto inserted = runQuery(db, insert, values); !inserted)
            return inserted.failure();
    }
    return {};
}

} // namespace Baton

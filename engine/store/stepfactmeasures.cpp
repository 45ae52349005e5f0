// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/stepfactmeasures.h"

#include "store/database.h"
#include "store/idquery_p.h"
#include "store/reportcounts.h"
#include "store/stepfactsql_p.h"
#include "store/ticketcolumns.h"

#include <QHash>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <functional>
#include <utility>

namespace Baton {

using StepFactSql::keyExpression;
using StepFactSql::whereOf;

namespace {

// One step of a closed ticket's history, as the closure measures read it.
struct HistoryStep
{
    qint64 seq = 0;
    QString branch, department, origin, endedBy;
    bool closes = false, escalated = false;
    int transfers = 0;
};

// What the ticket went through up to the step `closing` (an index into `history`, by seq).
ClosureFacts closureOf(const QList<HistoryStep> &history, qsizetype closing)
{
    ClosureFacts facts;
    bool allInOrigin = true;
    QStringList departments; // the own steps' departments, consecutive repeats collapsed
    for (qsizetype i = 0; i <= closing; ++i) {
        const HistoryStep &step = history[i];
        if (i < closing && step.closes)
            facts.reopened = true;
        if (!step.department.isEmpty() && step.department != step.origin)
            allInOrigin = false;
        facts.handoffLimit = facts.handoffLimit || step.endedBy == u"handoff_limit";
        facts.escalated = facts.escalated || step.escalated;
        facts.handoffs += step.transfers;
        if (step.branch.isEmpty() && !step.department.isEmpty()
            && (departments.isEmpty() || departments.last() != step.department)) {
            facts.bounced = facts.bounced || departments.contains(step.department);
            departments.append(step.department);
        }
    }
    facts.firstContact = allInOrigin && !facts.reopened;
    return facts;
}

/// The condition a step meets to count in a measure (every step counts in Steps).
QString conditionOf(StepMeasure measure)
{
    switch (measure) {
    case StepMeasure::Steps:
        return {};
    case StepMeasure::Breached:
        return QStringLiteral(" AND breached = 1");
    case StepMeasure::Escalated:
        return QStringLiteral(" AND escalated = 1");
    case StepMeasure::Transfers:
        return QStringLiteral(" AND transfers > 0");
    case StepMeasure::RespondDue:
        return QStringLiteral(" AND respond_met IS NOT NULL"); // NULL: the step had no target
    case StepMeasure::RespondMissed:
        return QStringLiteral(" AND respond_met = 0");
    case StepMeasure::ResolveDue:
        return QStringLiteral(" AND resolve_met IS NOT NULL");
    case StepMeasure::ResolveMissed:
        return QStringLiteral(" AND resolve_met = 0");
    case StepMeasure::Paused:
        return QStringLiteral(" AND paused = 1");
    }
    return {};
}

// The queue an escalated step's escalation moved the work to: moved_to only when the
// escalation itself moved it (a transfer after a notification is the transferrer's choice, not
// the escalation's); "" when it only notified or raised the priority.
QString escalationTarget()
{
    return QStringLiteral("CASE WHEN ended_by = 'escalated' THEN moved_to ELSE '' END");
}

QVariantList idValues(const QList<qint64> &ids)
{
    QVariantList values;
    for (qint64 id : ids)
        values << id;
    return values;
}

// The tickets with a step in the group `key` (of query.by) that ended in the range and meets
// `condition` (" AND ...", with its values): the drill-downs of the steps and escalations.
Result<QList<qint64>> groupTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                   const QString &key, const QString &condition,
                                   const QVariantList &conditionValues = {})
{
    QVariantList values;
    const QString sql = u"SELECT DISTINCT ticket_id FROM step_facts" + whereOf(query, values)
        + u" AND " + keyExpression(query.by) + u" = ?" + condition + u" ORDER BY ticket_id";
    values << key << conditionValues;
    return runIdQuery(db, sql, values);
}

using CountedGroup = std::function<void(const QString &, const QString &, const QList<qint64> &)>;

// Reads the period's parts (store/reportcounts.h): `facts` with the query narrowed to each
// part the counts do not hold, `counted` with the sums of `columns` per group (and target) of
// the others.
Result<void> readParts(const QSqlDatabase &db, const StepReportQuery &query,
                       const std::function<Result<void>(const StepReportQuery &)> &facts,
                       const QStringList &columns, bool byTarget, const CountedGroup &counted)
{
    std::optional<qint64> countedEnd;
    if (!query.factsOnly) {
        auto end = ReportCountsStore::countedEnd(db);
        if (!end)
            return end.failure();
        countedEnd = *end;
    }
    const PeriodParts parts = splitPeriod(query.from, query.to, countedEnd);
    for (const auto &[from, to] : parts.facts) {
        StepReportQuery part = query;
        part.from = from;
        part.to = to;
        if (auto read = facts(part); !read)
            return read.failure();
    }
    for (const PeriodParts::Buckets &b : parts.counted)
        if (auto read = ReportCountsStore::sums(db, query, b.level, b.first, b.end, columns,
                                                byTarget, counted);
            !read)
            return read.failure();
    return {};
}

} // namespace

std::optional<StepMeasure> stepMeasureFromString(const QString &text)
{
    static const QHash<QString, StepMeasure> names {
        {QStringLiteral("steps"), StepMeasure::Steps},
        {QStringLiteral("breached"), StepMeasure::Breached},
        {QStringLiteral("escalated"), StepMeasure::Escalated},
        {QStringLiteral("transfers"), StepMeasure::Transfers},
        {QStringLiteral("respond_due"), StepMeasure::RespondDue},
        {QStringLiteral("respond_missed"), StepMeasure::RespondMissed},
        {QStringLiteral("resolve_due"), StepMeasure::ResolveDue},
        {QStringLiteral("resolve_missed"), StepMeasure::ResolveMissed},
        {QStringLiteral("paused_steps"), StepMeasure::Paused},
    };
    const auto it = names.constFind(text);
    return it == names.cend() ? std::nullopt : std::optional(it.value());
}

Result<QList<ClosureFacts>> StepFactMeasures::closures(const QSqlDatabase &db,
                                                       const StepReportQuery &query)
{
    QVariantList values;
    const QString closing = u"SELECT ticket_id, seq, workflow, state, queue, department, "
                            u"assignee, tier, origin, left_at FROM step_facts"
        + whereOf(query, values) + u" AND closes = 1";
    auto closed = runQuery(db, closing, values);
    if (!closed)
        return closed.failure();
    QHash<qint64, QList<QPair<qint64, ClosureFacts>>> closings; // ticket -> (seq, its fields)
    while (closed->next()) {
        ClosureFacts fields;
        int c = 2;
        for (QString *field : {&fields.workflow, &fields.state, &fields.queue, &fields.department,
                               &fields.assignee, &fields.tier, &fields.origin})
            *field = closed->value(c++).toString();
        fields.leftAt = closed->value(c).toLongLong();
        fields.key = groupKeyOf(query.by, fields);
        closings[closed->value(0).toLongLong()].append({closed->value(1).toLongLong(), fields});
    }
    QList<qint64> ids = closings.keys();
    std::sort(ids.begin(), ids.end());
    QList<ClosureFacts> out;
    // The closed tickets' histories, a few hundred tickets a statement.
    for (qsizetype start = 0; start < ids.size(); start += 500) {
        const QList<qint64> chunk = ids.mid(start, 500);
        auto rows = runQuery(db,
                             u"SELECT ticket_id, seq, branch, department, origin, ended_by, "
                             u"closes, escalated, transfers FROM step_facts WHERE ticket_id IN ("
                                 + TicketColumns::placeholders(int(chunk.size()))
                                 + u") ORDER BY ticket_id, seq, branch",
                             idValues(chunk));
        if (!rows)
            return rows.failure();
        QHash<qint64, QList<HistoryStep>> histories;
        while (rows->next())
            histories[rows->value(0).toLongLong()].append(
                {rows->value(1).toLongLong(), rows->value(2).toString(), rows->value(3).toString(),
                 rows->value(4).toString(), rows->value(5).toString(), rows->value(6).toInt() != 0,
                 rows->value(7).toInt() != 0, rows->value(8).toInt()});
        for (qint64 id : chunk) {
            const QList<HistoryStep> &history = histories[id];
            for (const auto &[seq, fields] : closings[id]) {
                const auto at
                    = std::find_if(history.cbegin(), history.cend(), [&](const HistoryStep &s) {
                          return s.seq == seq && s.branch.isEmpty();
                      });
                if (at == history.cend())
                    continue;
                ClosureFacts facts = closureOf(history, at - history.cbegin());
                facts.ticketId = id;
                facts.key = fields.key;
                facts.workflow = fields.workflow;
                facts.state = fields.state;
                facts.queue = fields.queue;
                facts.department = fields.department;
                facts.assignee = fields.assignee;
                facts.tier = fields.tier;
                facts.origin = fields.origin;
                facts.leftAt = fields.leftAt;
                out.append(facts);
            }
        }
    }
    return out;
}

Result<QList<OutcomeCounts>> StepFactMeasures::outcomes(const QSqlDatabase &db,
                                                        const StepReportQuery &query)
{
    QMap<QString, OutcomeCounts> groups;
    const auto add = [&](const QString &key, const OutcomeCounts &c) {
        OutcomeCounts &g = groups[key];
        g.closed += c.closed;
        g.reopened += c.reopened;
        g.firstContact += c.firstContact;
        g.bounced += c.bounced;
        g.handoffLimit += c.handoffLimit;
        g.escalated += c.escalated;
        g.handoffs += c.handoffs;
    };
    const auto facts = [&](const StepReportQuery &part) -> Result<void> {
        auto closures = StepFactMeasures::closures(db, part);
        if (!closures)
            return closures.failure();
        for (const ClosureFacts &c : std::as_const(*closures))
            add(c.key,
                {{},
                 1,
                 c.reopened,
                 c.firstContact,
                 c.bounced,
                 c.handoffLimit,
                 c.escalated,
                 c.handoffs});
        return {};
    };
    const auto counted = [&](const QString &key, const QString &, const QList<qint64> &n) {
        add(key, {{}, n[0], n[1], n[2], n[3], n[4], n[5], n[6]});
    };
    static const QStringList columns {
        QStringLiteral("closures"),      QStringLiteral("reopened"),
        QStringLiteral("first_contact"), QStringLiteral("bounced"),
        QStringLiteral("handoff_limit"), QStringLiteral("closure_escalated"),
        QStringLiteral("handoffs")};
    if (auto read = readParts(db, query, facts, columns, false, counted); !read)
        return read.failure();
    QList<OutcomeCounts> out;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        it->key = it.key();
        out.append(it.value());
    }
    return out;
}

Result<QList<EscalationRow>> StepFactMeasures::escalations(const QSqlDatabase &db,
                                                           const StepReportQuery &query)
{
    QMap<std::pair<QString, QString>, qint64> groups; // (key, to) -> escalated steps
    const auto facts = [&](const StepReportQuery &part) -> Result<void> {
        QVariantList values;
        const QString key = keyExpression(part.by);
        const QString to = escalationTarget();
        auto rows = runQuery(db,
                             u"SELECT " + key + u", " + to + u", COUNT(*) FROM step_facts"
                                 + whereOf(part, values) + u" AND escalated = 1 GROUP BY " + key
                                 + u", " + to,
                             values);
        if (!rows)
            return rows.failure();
        while (rows->next())
            groups[{rows->value(0).toString(), rows->value(1).toString()}]
                += rows->value(2).toLongLong();
        return {};
    };
    const auto counted = [&](const QString &key, const QString &to, const QList<qint64> &n) {
        groups[{key, to}] += n[0];
    };
    if (auto read = readParts(db, query, facts, {QStringLiteral("escalations")}, true, counted);
        !read)
        return read.failure();
    QList<EscalationRow> out;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        out.append({it.key().first, it.key().second, it.value()});
    return out;
}

Result<QList<VolumeCounts>> StepFactMeasures::volume(const QSqlDatabase &db,
                                                     const StepReportQuery &query)
{
    // Finished steps: the steps report's (from its roll-up).
    QMap<QString, VolumeCounts> groups;
    auto steps = StepFactStore::stepsReport(db, query);
    if (!steps)
        return steps.failure();
    for (const StepReportRow &row : std::as_const(*steps))
        groups[row.key].steps = row.steps;
    // closed: an own step whose end closed the ticket, as the outcomes' closures count.
    const auto facts = [&](const StepReportQuery &part) -> Result<void> {
        QVariantList values;
        const QString key = keyExpression(part.by);
        auto rows
            = runQuery(db,
                       u"SELECT " + key + u", COUNT(*) FROM step_facts" + whereOf(part, values)
                           + u" AND closes = 1 AND branch = '' GROUP BY " + key,
                       values);
        if (!rows)
            return rows.failure();
        while (rows->next())
            groups[rows->value(0).toString()].closed += rows->value(1).toLongLong();
        return {};
    };
    const auto counted = [&](const QString &key, const QString &, const QList<qint64> &n) {
        groups[key].closed += n[0];
    };
    if (auto read = readParts(db, query, facts, {QStringLiteral("closed")}, false, counted); !read)
        return read.failure();
    QList<VolumeCounts> out;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        it->key = it.key();
        out.append(it.value());
    }
    return out;
}

Result<QList<OpeningRow>> StepFactMeasures::openings(const QSqlDatabase &db,
                                                     const StepReportQuery &query)
{
    // status IN (...): the range is read through tickets_status_created.
    QString sql = QStringLiteral(
        "SELECT t.id, f.ticket_id IS NOT NULL, t.workflow, COALESCE(f.state, t.state), "
        "COALESCE(f.queue, t.queue, ''), COALESCE(f.department, ''), COALESCE(f.assignee, "
        "t.assignee, ''), COALESCE(f.origin, ''), COALESCE(f.tier, t.customer_tier, ''), "
        "COALESCE(u.departments, '[]') FROM tickets t LEFT JOIN step_facts f ON f.ticket_id = "
        "t.id AND f.branch = '' AND f.seq = (SELECT MIN(g.seq) FROM step_facts g WHERE "
        "g.ticket_id = t.id AND g.branch = '') LEFT JOIN users u ON u.username = t.originator "
        "WHERE t.status IN ('open', 'closed') AND t.created_at >= ? AND t.created_at < ?");
    QVariantList values {query.from, query.to};
    if (!query.workflow.isEmpty()) {
        sql += QStringLiteral(" AND t.workflow = ?");
        values << query.workflow;
    }
    auto rows = runQuery(db, sql + QStringLiteral(" ORDER BY t.id"), values);
    if (!rows)
        return rows.failure();
    QList<OpeningRow> out;
    while (rows->next()) {
        OpeningRow r;
        r.ticketId = rows->value(0).toLongLong();
        r.firstStepEnded = rows->value(1).toInt() != 0;
        r.workflow = rows->value(2).toString();
        r.state = rows->value(3).toString();
        r.queue = rows->value(4).toString();
        r.department = rows->value(5).toString();
        r.assignee = rows->value(6).toString();
        r.origin = rows->value(7).toString();
        r.tier = rows->value(8).toString();
        r.originatorDepartments = rows->value(9).toString();
        out.append(r);
    }
    return out;
}

Result<QMap<QString, QList<qint64>>> StepFactMeasures::backlog(const QSqlDatabase &db,
                                                               const BacklogQuery &query)
{
    QMap<QString, QList<qint64>> counts;
    if (query.instants.isEmpty() || (!query.allQueues && query.queues.isEmpty()))
        return counts;
    const qint64 first = query.instants.first(), last = query.instants.last();
    QString scope;
    QVariantList scopeValues;
    if (!query.allQueues) {
        scope = u" AND queue IN (" + TicketColumns::placeholders(int(query.queues.size())) + u')';
        for (const QString &queue : query.queues)
            scopeValues << queue;
    }
    // Only queues with something open at one of the instants get a row.
    const auto count = [&](const QString &queue, qint64 entered, std::optional<qint64> left) {
        for (qsizetype i = 0; i < query.instants.size(); ++i) {
            if (entered <= query.instants[i] && (!left || query.instants[i] < *left)) {
                QList<qint64> &perInstant = counts[queue];
                perInstant.resize(query.instants.size());
                ++perInstant[i];
            }
        }
    };
    // Finished steps that were open at one of the instants: left after the first (the index on
    // left_at), entered before the last.
    auto finished = runQuery(db,
                             u"SELECT queue, entered_at, left_at FROM step_facts WHERE left_at > ? "
                             u"AND entered_at <= ? AND queue <> ''"
                                 + scope,
                             QVariantList {first, last} + scopeValues);
    if (!finished)
        return finished.failure();
    while (finished->next())
        count(finished->value(0).toString(), finished->value(1).toLongLong(),
              finished->value(2).toLongLong());
    // The open tickets' current steps, begun when their last own step ended (or at opening).
    auto open = runQuery(db,
                         u"SELECT queue, COALESCE((SELECT MAX(f.left_at) FROM step_facts f WHERE "
                         u"f.ticket_id = tickets.id AND f.branch = ''), created_at) FROM tickets "
                         u"WHERE status = 'open' AND queue IS NOT NULL"
                             + scope,
                         scopeValues);
    if (!open)
        return open.failure();
    while (open->next())
        count(open->value(0).toString(), open->value(1).toLongLong(), std::nullopt);
    return counts;
}

Result<QList<qint64>> StepFactMeasures::stepTickets(const QSqlDatabase &db,
                                                    const StepReportQuery &query,
                                                    const QString &key, StepMeasure measure)
{
    return groupTickets(db, query, key, conditionOf(measure));
}

Result<QList<qint64>> StepFactMeasures::escalationTickets(const QSqlDatabase &db,
                                                          const StepReportQuery &query,
                                                          const QString &key,
                                                          const std::optional<QString> &target)
{
    if (!target)
        return groupTickets(db, query, key, conditionOf(StepMeasure::Escalated));
    return groupTickets(
        db, query, key,
        conditionOf(StepMeasure::Escalated) + u" AND " + escalationTarget() + u" = ?", {*target});
}

Result<QList<qint64>> StepFactMeasures::backlogTickets(const QSqlDatabase &db, const QString &queue,
                                                       qint64 instant)
{
    return runIdQuery(
        db,
        QStringLiteral("SELECT ticket_id FROM step_facts WHERE left_at > ? AND entered_at <= ? "
                       "AND queue = ? UNION SELECT id FROM tickets WHERE status = 'open' AND "
                       "queue = ? AND COALESCE((SELECT MAX(f.left_at) FROM step_facts f WHERE "
                       "f.ticket_id = tickets.id AND f.branch = ''), created_at) <= ? ORDER BY 1"),
        {instant, instant, queue, queue, instant});
}

Result<QList<TicketSummary>> StepFactMeasures::summaries(const QSqlDatabase &db, QList<qint64> ids,
                                                         int limit)
{
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids = ids.mid(0, limit);
    QList<TicketSummary> out;
    if (ids.isEmpty())
        return out;
    auto rows
        = runQuery(db,
                   u"SELECT id, key, title, workflow, state, status FROM tickets WHERE id IN ("
                       + TicketColumns::placeholders(int(ids.size())) + u") ORDER BY id",
                   idValues(ids));
    if (!rows)
        return rows.failure();
    while (rows->next())
        out.append({rows->value(0).toLongLong(), rows->value(1).toString(),
                    rows->value(2).toString(), rows->value(3).toString(), rows->value(4).toString(),
                    rows->value(5).toString()});
    return out;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/stepfactmeasures.h"

#include "store/database.h"
#include "store/idquery_p.h"
#include "store/stepfactsql_p.h"
#include "store/ticketcolumns.h"

#include <QHash>
#include <QSet>

#include <algorithm>

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
    const QString closing = u"SELECT ticket_id, seq, " + keyExpression(query.by)
        + u" FROM step_facts" + whereOf(query, values) + u" AND closes = 1";
    auto closed = runQuery(db, closing, values);
    if (!closed)
        return closed.failure();
    QHash<qint64, QList<QPair<qint64, QString>>> closings; // ticket -> (seq, key)
    while (closed->next())
        closings[closed->value(0).toLongLong()].append(
            {closed->value(1).toLongLong(), closed->value(2).toString()});
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
            for (const auto &[seq, key] : closings[id]) {
                const auto at
                    = std::find_if(history.cbegin(), history.cend(), [&](const HistoryStep &s) {
                          return s.seq == seq && s.branch.isEmpty();
                      });
                if (at == history.cend())
                    continue;
                ClosureFacts facts = closureOf(history, at - history.cbegin());
                facts.ticketId = id;
                facts.key = key;
                out.append(facts);
            }
        }
    }
    return out;
}

Result<QList<EscalationRow>> StepFactMeasures::escalations(const QSqlDatabase &db,
                                                           const StepReportQuery &query)
{
    QVariantList values;
    const QString key = keyExpression(query.by);
    const QString to = escalationTarget();
    auto rows = runQuery(db,
                         u"SELECT " + key + u", " + to + u", COUNT(*) FROM step_facts"
                             + whereOf(query, values) + u" AND escalated = 1 GROUP BY " + key
                             + u", " + to + u" ORDER BY 1, 2",
                         values);
    if (!rows)
        return rows.failure();
    QList<EscalationRow> out;
    while (rows->next())
        out.append(
            {rows->value(0).toString(), rows->value(1).toString(), rows->value(2).toLongLong()});
    return out;
}

Result<QList<VolumeCounts>> StepFactMeasures::volume(const QSqlDatabase &db,
                                                     const StepReportQuery &query)
{
    // closed: an own step whose end closed the ticket, as the outcomes' closures count.
    QVariantList values;
    const QString key = keyExpression(query.by);
    auto rows = runQuery(db,
                         u"SELECT " + key
                             + u", COUNT(*), CAST(SUM(CASE WHEN closes = 1 AND branch = '' THEN 1 "
                               u"ELSE 0 END) AS BIGINT) FROM step_facts"
                             + whereOf(query, values) + u" GROUP BY " + key,
                         values);
    if (!rows)
        return rows.failure();
    QList<VolumeCounts> out;
    while (rows->next())
        out.append(
            {rows->value(0).toString(), rows->value(1).toLongLong(), rows->value(2).toLongLong()});
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
    QVariantList values;
    QString sql = u"SELECT DISTINCT ticket_id FROM step_facts" + whereOf(query, values) + u" AND "
        + keyExpression(query.by) + u" = ?";
    values << key;
    return runIdQuery(db, sql + conditionOf(measure) + u" ORDER BY ticket_id", values);
}

Result<QList<qint64>> StepFactMeasures::escalationTickets(const QSqlDatabase &db,
                                                          const StepReportQuery &query,
                                                          const QString &key,
                                                          const std::optional<QString> &target)
{
    QVariantList values;
    QString sql = u"SELECT DISTINCT ticket_id FROM step_facts" + whereOf(query, values) + u" AND "
        + keyExpression(query.by) + u" = ?" + conditionOf(StepMeasure::Escalated);
    values << key;
    if (target) {
        sql += u" AND " + escalationTarget() + u" = ?";
        values << *target;
    }
    return runIdQuery(db, sql + u" ORDER BY ticket_id", values);
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/satisfactionrows.h"

#include "store/database.h"
#include "store/stepfactsql_p.h"
#include "store/ticketcolumns.h"

#include <QSet>

namespace Baton {

namespace {

constexpr qsizetype chunkSize = 500;

QVariantList idValues(const QList<qint64> &ids)
{
    QVariantList values;
    for (qint64 id : ids)
        values << id;
    return values;
}

} // namespace

Result<QList<RecordedFields>> SatisfactionRows::recordedFields(const QSqlDatabase &db,
                                                               const QStringList &workflows,
                                                               qint64 from, qint64 to)
{
    QList<RecordedFields> out;
    if (workflows.isEmpty())
        return out;
    QVariantList values {from, to};
    for (const QString &workflow : workflows)
        values << workflow;
    // events_type_at bounds the range; the join keeps the follow-up workflows' events.
    auto rows = runQuery(
        db,
        u"SELECT e.ticket_id, e.seq, e.at, t.workflow, e.data FROM events e JOIN tickets t "
        u"ON t.id = e.ticket_id WHERE e.type = 'fields_changed' AND e.at >= ? "
        u"AND e.at < ? AND t.workflow IN ("
            + TicketColumns::placeholders(int(workflows.size())) + u") ORDER BY e.ticket_id, e.seq",
        values);
    if (!rows)
        return rows.failure();
    while (rows->next())
        out.append({rows->value(0).toLongLong(), rows->value(1).toLongLong(),
                    rows->value(2).toLongLong(), rows->value(3).toString(),
                    rows->value(4).toString()});
    return out;
}

Result<QList<FollowUpRow>> SatisfactionRows::followUps(const QSqlDatabase &db,
                                                       const QList<qint64> &ids)
{
    QList<FollowUpRow> out;
    for (qsizetype start = 0; start < ids.size(); start += chunkSize) {
        const QList<qint64> chunk = ids.mid(start, chunkSize);
        auto rows = runQuery(
            db,
            u"SELECT t.id, t.key, t.fields, COALESCE(s.id, 0), COALESCE(s.key, '') FROM tickets t "
            u"LEFT JOIN links l ON l.ticket_id = t.id AND l.relation = 'opened_from' "
            u"LEFT JOIN tickets s ON s.id = l.other_id WHERE t.id IN ("
                + TicketColumns::placeholders(int(chunk.size())) + u") ORDER BY t.id",
            idValues(chunk));
        if (!rows)
            return rows.failure();
        while (rows->next())
            out.append({rows->value(0).toLongLong(), rows->value(1).toString(),
                        rows->value(2).toString(), rows->value(3).toLongLong(),
                        rows->value(4).toString()});
    }
    return out;
}

Result<QHash<qint64, QStringList>> SatisfactionRows::workedBy(const QSqlDatabase &db,
                                                              const QList<qint64> &ids,
                                                              const StepReportQuery &query)
{
    QHash<qint64, QStringList> out;
    const QString key = StepFactSql::keyExpression(query.by);
    for (qsizetype start = 0; start < ids.size(); start += chunkSize) {
        const QList<qint64> chunk = ids.mid(start, chunkSize);
        QVariantList values = idValues(chunk);
        QString sql = u"SELECT DISTINCT ticket_id, " + key
            + u" FROM step_facts WHERE ticket_id IN ("
            + TicketColumns::placeholders(int(chunk.size())) + u')';
        if (!StepFactSql::appendScope(sql, values, query))
            return out;
        auto rows = runQuery(db, sql + u" ORDER BY 1, 2", values);
        if (!rows)
            return rows.failure();
        while (rows->next()) {
            const QString group = rows->value(1).toString();
            if (!group.isEmpty())
                out[rows->value(0).toLongLong()].append(group);
        }
    }
    return out;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/flowtickets.h"

#include "store/idquery_p.h"
#include "store/stepfactsql_p.h"

namespace Baton::FlowTickets {

namespace {

// The main flow's steps of the report (flowReport counts branch '' only).
QString flowSteps(const StepReportQuery &query, QVariantList &values)
{
    return u"SELECT DISTINCT ticket_id FROM step_facts" + StepFactSql::whereOf(query, values)
        + u" AND branch = ''";
}

} // namespace

Result<QList<qint64>> stateTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                   const QString &state, StateMeasure measure)
{
    QVariantList values;
    QString sql = flowSteps(query, values);
    switch (measure) {
    case StateMeasure::Entered:
        // Entered: the steps before it that ended by a transition into it.
        sql += u" AND ended_by = 'transitioned' AND next_state = ?";
        break;
    case StateMeasure::Left:
        sql += u" AND state = ?";
        break;
    case StateMeasure::Breached:
        sql += u" AND state = ? AND breached = 1";
        break;
    }
    values << state;
    return runIdQuery(db, sql + u" ORDER BY ticket_id", values);
}

Result<QList<qint64>> transitionTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                        const QString &from, const QString &to,
                                        const std::optional<QString> &action)
{
    QVariantList values;
    QString sql = flowSteps(query, values)
        + u" AND ended_by = 'transitioned' AND state = ? AND next_state = ?";
    values << from << to;
    if (action) {
        sql += u" AND action = ?";
        values << *action;
    }
    return runIdQuery(db, sql + u" ORDER BY ticket_id", values);
}

} // namespace Baton::FlowTickets

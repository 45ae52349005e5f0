// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketrows.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace Baton {

qint64 TicketRow::dueAt() const
{
    qint64 due = noDueDate;
    for (const auto &candidate : {respondDue, resolveDue, ticketDue})
        if (candidate)
            due = std::min(due, *candidate);
    return due;
}

QList<TicketQueueRow> TicketRow::currentQueues() const
{
    QList<TicketQueueRow> rows;
    auto add = [&rows](const TicketQueueRow &next) {
        if (next.queue.isEmpty())
            return;
        for (TicketQueueRow &row : rows)
            if (row.queue == next.queue) {
                row.dueAt = std::min(row.dueAt, next.dueAt);
                row.atRiskAt = std::min(row.atRiskAt, next.atRiskAt);
                return;
            }
        rows.append(next);
    };
    add({queue, dueAt(), atRiskAt.value_or(noDueDate)});
    for (const TicketQueueRow &row : branchQueues)
        add(row);
    std::sort(rows.begin(), rows.end(),
              [](const TicketQueueRow &a, const TicketQueueRow &b) { return a.queue < b.queue; });
    return rows;
}

QStringList TicketRow::branchAssignees() const
{
    if (branches.isEmpty() || branches == "[]") // outside a parallel state: nothing to parse
        return {};
    // The column's shape is the API's (interfaces.md, Ticket.branches): [{"assignee": ...}].
    QStringList names;
    const QJsonArray array = QJsonDocument::fromJson(branches).array();
    for (const QJsonValue &branch : array) {
        const QString name = branch.toObject().value(QLatin1String("assignee")).toString();
        if (!name.isEmpty() && !names.contains(name))
            names.append(name);
    }
    names.sort();
    return names;
}

} // namespace Baton

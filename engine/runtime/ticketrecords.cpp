// SPDX-License-Identifier: GPL-3.0-or-later
// The record mapping: ticket states and events onto the store's rows, and back.
#include "engine_p.h"

#include <QJsonDocument>

namespace Baton {

namespace {

qint64 ms(const QDateTime &instant)
{
    return instant.toMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

TicketRow rowOf(const TicketState &state, const TicketState *previousState,
                const TicketRow *previousRow)
{
    TicketRow row;
    row.id = state.id;
    row.key = state.key;
    row.workflow = state.workflow;
    row.workflowVersion = state.workflowVersion;
    row.title = state.title;
    row.state = state.state;
    row.status = toString(state.status);
    row.queue = state.queue;
    row.assignee = state.assignee;
    row.originator = state.originator;
    row.priority = state.priority;
    row.handoffs = state.handoffs;
    row.flagged = state.flagged;
    const bool reuse = previousState && previousRow && previousRow->id == state.id;
    if (reuse && previousState->fields == state.fields)
        row.fields = previousRow->fields;
    else
        row.fields = state.fieldsJson();
    row.customerId = state.customer.id;
    row.customerName = state.customer.name;
    row.customerTier = state.customer.tier;
    row.customerPhone = state.customer.phone;
    row.customerEmail = state.customer.email;
    row.channel = state.channel;
    if (reuse && previousState->branches == state.branches)
        row.branches = previousRow->branches;
    else
        row.branches = state.branchesJson();
    row.version = state.version;
    row.createdAt = ms(state.createdAt);
    row.updatedAt = ms(state.updatedAt);
    if (state.closedAt.isValid())
        row.closedAt = ms(state.closedAt);
    row.stateData = state.toCompactJson(row.fields, row.branches);
    return row;
}

QList<TicketQueueRow> branchQueuesOf(const TicketState &state, const TicketRow &row,
                                     const SlaPlan &plan)
{
    const qint64 due = row.dueAt();
    const qint64 risk = row.atRiskAt.value_or(noDueDate);
    QList<TicketQueueRow> queues;
    if (!state.isOpen())
        return queues;
    auto add = [&](const QString &queue, qint64 queueDue, qint64 queueRisk) {
        if (!queue.isEmpty())
            queues.append({queue, queueDue, queueRisk});
    };
    for (const BranchState &branch : state.branches) {
        if (branch.status != BranchStatus::Open)
            continue;
        const auto own = plan.branchDues.constFind(branch.name);
        if (own == plan.branchDues.cend() || !own->due)
            add(branch.queue, due, risk);
        else
            add(branch.queue, ms(*own->due), own->atRiskAt ? ms(*own->atRiskAt) : ms(*own->due));
    }
    return queues;
}

TicketRow ticketRowOf(const TicketState &state)
{
    return rowOf(state, nullptr, nullptr);
}

EventRow eventRowOf(qint64 ticketId, const Event &event)
{
    return EventRow {ticketId,    event.seq,  ms(event.at),
                     event.actor, event.type, compact(event.data)};
}

Event eventOf(const EventRow &row)
{
    Event event;
    event.seq = row.seq;
    event.type = row.type;
    event.actor = row.actor;
    event.at = QDateTime::fromMSecsSinceEpoch(row.at, Qt::UTC);
    event.data = QJsonDocument::fromJson(row.data).object();
    return event;
}

CommentRow commentRowOf(qint64 ticketId, const Event &event)
{
    return CommentRow {ticketId,
                       event.seq,
                       event.actor,
                       event.data.value(u"body").toString(),
                       event.data.value(u"internal").toBool(),
                       ms(event.at)};
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the store: how a TicketRow maps onto the tickets table's columns, shared by the
// writer and the reader so that the column list exists once.

#include "ticketrows.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

#include <array>

namespace Baton::TicketColumns {

inline QVariant text(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(value);
}
inline QVariant json(const QByteArray &value)
{
    return QString::fromUtf8(value); // TEXT, not bytea on PostgreSQL
}
inline QVariant optional(const std::optional<qint64> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::LongLong));
}
inline std::optional<qint64> optionalFrom(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

inline constexpr char ticketColumns[]
    = "id, key, workflow, workflow_version, title, state, status, queue, assignee, originator, "
      "priority, handoffs, flagged, fields, customer_id, customer_name, customer_tier, "
      "customer_phone, customer_email, channel, branches, version, created_at, updated_at, "
      "closed_at, respond_due, resolve_due, ticket_due, due_at, state_data, at_risk_at";
constexpr int ticketColumnCount = 31;

inline std::array<QVariant, ticketColumnCount> ticketValues(const TicketRow &row)
{
    return {row.id,
            row.key,
            row.workflow,
            row.workflowVersion,
            row.title,
            row.state,
            row.status,
            text(row.queue),
            text(row.assignee),
            row.originator,
            row.priority,
            row.handoffs,
            row.flagged ? 1 : 0,
            json(row.fields),
            text(row.customerId),
            text(row.customerName),
            text(row.customerTier),
            text(row.customerPhone),
            text(row.customerEmail),
            text(row.channel),
            json(row.branches),
            row.version,
            row.createdAt,
            row.updatedAt,
            optional(row.closedAt),
            optional(row.respondDue),
            optional(row.resolveDue),
            optional(row.ticketDue),
            row.dueAt(),
            json(row.stateData),
            row.atRiskAt.value_or(noDueDate)};
}

inline TicketRow ticketFrom(const QSqlQuery &query)
{
    TicketRow row;
    int i = 0;
    row.id = query.value(i++).toLongLong();
    row.key = query.value(i++).toString();
    row.workflow = query.value(i++).toString();
    row.workflowVersion = query.value(i++).toInt();
    row.title = query.value(i++).toString();
    row.state = query.value(i++).toString();
    row.status = query.value(i++).toString();
    row.queue = query.value(i++).toString();
    row.assignee = query.value(i++).toString();
    row.originator = query.value(i++).toString();
    row.priority = query.value(i++).toInt();
    row.handoffs = query.value(i++).toInt();
    row.flagged = query.value(i++).toInt() != 0;
    row.fields = query.value(i++).toString().toUtf8();
    row.customerId = query.value(i++).toString();
    row.customerName = query.value(i++).toString();
    row.customerTier = query.value(i++).toString();
    row.customerPhone = query.value(i++).toString();
    row.customerEmail = query.value(i++).toString();
    row.channel = query.value(i++).toString();
    row.branches = query.value(i++).toString().toUtf8();
    row.version = query.value(i++).toLongLong();
    row.createdAt = query.value(i++).toLongLong();
    row.updatedAt = query.value(i++).toLongLong();
    row.closedAt = optionalFrom(query.value(i++));
    row.respondDue = optionalFrom(query.value(i++));
    row.resolveDue = optionalFrom(query.value(i++));
    row.ticketDue = optionalFrom(query.value(i++));
    ++i; // due_at is derived
    row.stateData = query.value(i++).toString().toUtf8();
    if (const qint64 risk = query.value(i++).toLongLong(); risk != noDueDate)
        row.atRiskAt = risk;
    return row;
}

inline QString placeholders(int count)
{
    QString text;
    for (int i = 0; i < count; ++i)
        text += i ? QStringLiteral(", ?") : QStringLiteral("?");
    return text;
}

/// The columns a notification is read with, in this order, by notificationFrom().
inline constexpr char notificationColumns[]
    = "id, username, ticket_id, kind, message, at, read, params";

inline NotificationRow notificationFrom(const QSqlQuery &query)
{
    return {query.value(0).toLongLong(),
            query.value(1).toString(),
            query.value(2).toLongLong(),
            query.value(3).toString(),
            query.value(4).toString(),
            query.value(5).toLongLong(),
            query.value(6).toInt() != 0,
            QJsonDocument::fromJson(query.value(7).toString().toUtf8()).object()};
}

} // namespace Baton::TicketColumns

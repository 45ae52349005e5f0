// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/outboxrouter.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Baton {

namespace {

// The ticket as a receiver needs it to act: who, where, what (not the runtime's full state).
QJsonObject ticketJson(const TicketState &t)
{
    return QJsonObject {{QStringLiteral("id"), t.id},
                        {QStringLiteral("key"), t.key},
                        {QStringLiteral("workflow"), t.workflow},
                        {QStringLiteral("title"), t.title},
                        {QStringLiteral("state"), t.state},
                        {QStringLiteral("queue"), t.queue},
                        {QStringLiteral("assignee"), t.assignee},
                        {QStringLiteral("originator"), t.originator},
                        {QStringLiteral("priority"), t.priority},
                        {QStringLiteral("version"), t.version}};
}

} // namespace

OutboxRouter::OutboxRouter(QList<ChannelDefinition> channels)
{
    for (ChannelDefinition &channel : channels)
        if (channel.plugin != u"email")
            m_channels.append(std::move(channel));
}

OutboxPlanner OutboxRouter::planner() const
{
    if (m_channels.isEmpty())
        return {};
    return [channels = m_channels](const TicketState &ticket, const QList<Event> &events,
                                   const QDateTime &now) {
        QList<OutboxRow> rows;
        std::optional<QJsonObject> ticketObject; // built once, for the first event routed
        for (const ChannelDefinition &channel : channels) {
            if (!channel.workflows.isEmpty() && !channel.workflows.contains(ticket.workflow))
                continue;
            for (const Event &event : events) {
                if (!channel.events.isEmpty() && !channel.events.contains(event.type))
                    continue;
                if (!ticketObject)
                    ticketObject = ticketJson(ticket);
                OutboxRow row;
                row.deliveryId = QString::number(ticket.id) + u'.' + QString::number(event.seq)
                    + u'.' + channel.name;
                row.channel = channel.name;
                row.ticketId = ticket.id;
                row.kind = event.type;
                row.payload = QJsonDocument(QJsonObject {{QStringLiteral("event"), event.toJson()},
                                                         {QStringLiteral("ticket"), *ticketObject}})
                                  .toJson(QJsonDocument::Compact);
                row.createdAt = now.toMSecsSinceEpoch();
                rows.append(std::move(row));
            }
        }
        return rows;
    };
}

} // namespace Baton

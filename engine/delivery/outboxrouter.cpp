// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/outboxrouter.h"

#include "delivery/quiethours.h"

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

QStringList departmentsFilterOf(const ChannelDefinition &channel)
{
    const QVariant value = channel.settings.value(QStringLiteral("departments"));
    return value.typeId() == QMetaType::QStringList ? value.toStringList()
        : value.toString().isEmpty()                ? QStringList()
                                                    : QStringList {value.toString()};
}

struct Routing
{
    QList<ChannelDefinition> eventChannels;
    QList<ChannelDefinition> peopleChannels;
    std::shared_ptr<LiveOrganisation> organisation;
    ReachCheck reaches;

    bool departmentLets(const ChannelDefinition &channel, const TicketState &ticket) const
    {
        const QStringList departments = departmentsFilterOf(channel);
        if (departments.isEmpty())
            return true;
        if (!organisation)
            return false;
        const Organisation &org = organisation->current(); // as published now
        const auto queue = org.queues.constFind(ticket.queue);
        return queue != org.queues.cend() && departments.contains(queue->department);
    }

    void routeEvents(const TicketState &ticket, const QList<Event> &events, qint64 now,
                     QList<OutboxRow> &rows) const
    {
        std::optional<QJsonObject> ticketObject; // built once, for the first event routed
        for (const ChannelDefinition &channel : eventChannels) {
            if (!channel.workflows.isEmpty() && !channel.workflows.contains(ticket.workflow))
                continue;
            if (!departmentLets(channel, ticket))
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
                row.createdAt = now;
                rows.append(std::move(row));
            }
        }
    }

    void routeNotifications(const TicketState &ticket, qint64 seq,
                            const QList<NotificationRecord> &notifications, qint64 now,
                            QList<OutboxRow> &rows) const
    {
        const QJsonObject ticketObject = ticketJson(ticket);
        for (const ChannelDefinition &channel : peopleChannels) {
            if (!channel.workflows.isEmpty() && !channel.workflows.contains(ticket.workflow))
                continue;
            for (qsizetype i = 0; i < notifications.size(); ++i) {
                const NotificationRecord &n = notifications.at(i);
                if (!channel.events.isEmpty() && !channel.events.contains(n.kind))
                    continue;
                if (reaches && !reaches(n.recipient, contactFieldOf(channel.plugin), n.kind))
                    continue;
                OutboxRow row;
                row.deliveryId = QStringLiteral("%1.%2.%3.%4.%5")
                                     .arg(ticket.id)
                                     .arg(seq)
                                     .arg(channel.name, n.recipient)
                                     .arg(i);
                row.channel = channel.name;
                row.ticketId = ticket.id;
                row.kind = n.kind;
                QJsonObject notice {{QStringLiteral("recipient"), n.recipient},
                                    {QStringLiteral("kind"), n.kind},
                                    {QStringLiteral("message"), n.message},
                                    {QStringLiteral("params"), n.params}};
                // Quiet hours let it through (delivery/quiethours.h).
                if (urgentNotice(n.kind, ticket.customer.tier))
                    notice.insert(QStringLiteral("urgent"), true);
                row.payload = QJsonDocument(QJsonObject {{QStringLiteral("notification"), notice},
                                                         {QStringLiteral("ticket"), ticketObject}})
                                  .toJson(QJsonDocument::Compact);
                row.createdAt = now;
                rows.append(std::move(row));
            }
        }
    }
};

} // namespace

OutboxRouter::OutboxRouter(QList<ChannelDefinition> channels,
                           std::shared_ptr<const Organisation> organisation, ReachCheck reaches)
    : OutboxRouter(std::move(channels),
                   organisation ? std::make_shared<LiveOrganisation>(std::move(organisation))
                                : std::shared_ptr<LiveOrganisation>(),
                   std::move(reaches))
{
}

OutboxRouter::OutboxRouter(QList<ChannelDefinition> channels,
                           std::shared_ptr<LiveOrganisation> organisation, ReachCheck reaches)
    : m_organisation(std::move(organisation))
    , m_reaches(std::move(reaches))
{
    QStringList peoplePlugins;
    for (ChannelDefinition &channel : channels) {
        if (contactFieldOf(channel.plugin) == ContactField::None) {
            m_eventChannels.append(std::move(channel));
        } else if (!peoplePlugins.contains(channel.plugin)) {
            // The first channel of a plugin reaches people (interfaces.md: "through the first
            // email channel"); a second one would send each notice twice.
            peoplePlugins.append(channel.plugin);
            m_peopleChannels.append(std::move(channel));
        }
    }
}

OutboxPlanner OutboxRouter::planner() const
{
    if (m_eventChannels.isEmpty() && m_peopleChannels.isEmpty())
        return {};
    return [routing = Routing {m_eventChannels, m_peopleChannels, m_organisation, m_reaches}](
               const TicketState &ticket, const QList<Event> &events,
               const QList<NotificationRecord> &notifications, const QDateTime &when) {
        QList<OutboxRow> rows;
        const qint64 now = when.toMSecsSinceEpoch();
        routing.routeEvents(ticket, events, now, rows);
        if (!notifications.isEmpty() && !routing.peopleChannels.isEmpty() && !events.isEmpty())
            routing.routeNotifications(ticket, events.last().seq, notifications, now, rows);
        return rows;
    };
}

} // namespace Baton

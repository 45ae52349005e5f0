// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/channelsreader.h"
#include "runtime/outboxplanner.h"

namespace Baton {

/// Which channels an event goes to: each channel of channels.yaml whose `events:` and
/// `workflows:` filters let it through, one outbox row per (event, channel) with the delivery
/// id "TICKET.SEQ.CHANNEL" (stable: a ticket's event sequence numbers never repeat). Mail
/// channels (`plugin: email`) carry people's notifications, not events, and are not routed
/// here.
class OutboxRouter
{
public:
    explicit OutboxRouter(QList<ChannelDefinition> channels);
    /// Null when no channel takes events: the engine then skips the outbox altogether.
    OutboxPlanner planner() const;

private:
    QList<ChannelDefinition> m_channels;
};

} // namespace Baton

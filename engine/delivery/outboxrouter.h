// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/channelsreader.h"
#include "definition/liveorganisation.h"
#include "definition/model.h"
#include "delivery/contactfield.h"
#include "runtime/outboxplanner.h"

#include <functional>
#include <memory>

namespace Baton {

/// Whether a notice of `kind` reaches the user through a people channel delivering to `field`
/// (ContactField Email or Phone): they have that address and chose that channel for the kind.
/// Runs on the writer thread: answer from memory.
using ReachCheck
    = std::function<bool(const QString &username, ContactField field, const QString &kind)>;

/// Which channels a command's events and notifications go to, one outbox row each:
/// - event channels (webhook, chatrobot): each channel whose `events:` and `workflows:`
///   filters let the event through, and, when it has `departments:`, whose list holds the
///   department of the ticket's queue (a department's chat group); delivery id
///   "TICKET.SEQ.CHANNEL" (stable: a ticket's event sequence numbers never repeat);
/// - people channels (email, sms): each notification, through the first channel of that
///   plugin whose `events:` (notification kinds here) and `workflows:` let it through; delivery
///   id "TICKET.SEQ.CHANNEL.USER.N" (SEQ the command's last event, N the notice's place
///   among the command's). The row names the user; the delivery worker looks up their address
///   and language when it sends, so a changed address is used and the writer reads nothing.
///   A notice goes only through the channels its recipient chose for its kind (their
///   preferences `channels`, delivery/channelchoice.h).
class OutboxRouter
{
public:
    /// `reaches` (optional): a notice to someone without the channel's address, or who did not
    /// choose that channel for its kind, is not routed there (no row that could only be
    /// settled as "not sent").
    explicit OutboxRouter(QList<ChannelDefinition> channels,
                          std::shared_ptr<const Organisation> organisation = {},
                          ReachCheck reaches = {});
    /// On the server's running organisation: one published while it runs (PUT /api/v1/org)
    /// routes the next command's rows.
    OutboxRouter(QList<ChannelDefinition> channels, std::shared_ptr<LiveOrganisation> organisation,
                 ReachCheck reaches = {});
    /// Null when no channel is configured: the engine then skips the outbox altogether.
    OutboxPlanner planner() const;

private:
    QList<ChannelDefinition> m_eventChannels;
    QList<ChannelDefinition> m_peopleChannels;
    std::shared_ptr<LiveOrganisation> m_organisation; ///< null: no department is known
    ReachCheck m_reaches;
};

} // namespace Baton

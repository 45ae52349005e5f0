// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QObject>

// Posts an event of a ticket to a chat group through the group's custom robot, in the format
// of its platform's public documentation (`kind:`):
// - wecom (企业微信): {"msgtype": "markdown", "markdown": {"content"}}; the key is in `url`;
// - dingtalk (钉钉): {"msgtype": "markdown", "markdown": {"title", "text"}}; with `secret`,
//   `&timestamp=MS&sign=S` on the URL, S = url-encoded base64 HMAC-SHA256 of
//   "MS\nsecret" keyed with the secret;
// - feishu (飞书 / Lark): {"msg_type": "text", "content": {"text"}}; with `secret`,
//   "timestamp" (seconds) and "sign" (base64 HMAC-SHA256 of nothing keyed with
//   "SECONDS\nsecret") in the body.
// Delivered when the answer is 2xx and its errcode / code is 0 (the platforms answer 200 to
// refusals). Which group hears what: `events:`, `workflows:` and `departments:` (the
// department of the ticket's queue) in channels.yaml.
class ChatRobotChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "chatrobot.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override;
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override;
};

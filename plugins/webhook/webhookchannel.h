// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QObject>

// POSTs {"delivery", "event", "ticket"} to `url` with Baton-Delivery, Baton-Event and
// Baton-Signature: sha256=<hex HMAC-SHA256 of the body with `secret`> (interfaces.md,
// "Channels"); 2xx is delivered, anything else an error the outbox retries.
class WebhookChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "webhook.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override;
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override;
};

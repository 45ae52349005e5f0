// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QObject>

// A user's notification as a mail (interfaces.md, "Channels"): SMTP to `host`:`port` with
// `tls: none | starttls | implicit`, AUTH PLAIN or LOGIN when `username` is set, from `from`,
// text and HTML in the user's language (en/zh) with a link to the ticket under `base_url`.
// Message-ID is the delivery id, so a repeat is recognisable; In-Reply-To and References name
// one root id per ticket, so a ticket's mails thread together in the reader's mail client.
class EmailChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "email.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override;
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override;
};

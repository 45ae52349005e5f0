// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QObject>

// Delivers nothing; answers with what it was given, so a test can see the values pass through.
class ExampleChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "examplechannel.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override
    {
        if (!settings.values.contains(QStringLiteral("to")))
            return Baton::makeError(QStringLiteral("channel '%1' lacks 'to'").arg(settings.name));
        return {};
    }
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override
    {
        return QString(settings.name + u' ' + notification.deliveryId + u' '
                       + notification.ticketKey);
    }
};

// SPDX-License-Identifier: GPL-3.0-or-later
// Like hellochannel.cpp, with metadata that lacks "version".
#include <plugin/notificationchannel.h>

#include <QObject>

class UnversionedChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "unversioned.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override
    {
        if (!settings.values.contains(QStringLiteral("greeting")))
            return Baton::makeError(QStringLiteral("'greeting' is required"));
        return {};
    }
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override
    {
        return QString(settings.values.value(QStringLiteral("greeting")).toString() + u' '
                       + notification.deliveryId);
    }
};

#include "unversionedchannel.moc"

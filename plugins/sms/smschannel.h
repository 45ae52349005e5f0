// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QObject>

// A user's notification as an SMS through any HTTP gateway, described by settings rather than
// code: `url` and `body` are templates with {phone}, {text}, {ticket}, {title}, {kind},
// {link} and {delivery}, each value escaped for where it stands (percent-encoded in the URL,
// JSON-escaped in a JSON body, form-encoded in a form body); `method` (POST, PUT or GET),
// `content_type` (application/json by default) and `auth_header` ("Name: value", the value
// usually a ${SECRET}). 2xx is delivered; anything else is retried.
class SmsChannel : public QObject, public Baton::NotificationChannel
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonNotificationChannel_iid FILE "sms.json")
    Q_INTERFACES(Baton::NotificationChannel)

public:
    Baton::Result<void> checkSettings(const Baton::ChannelSettings &settings) const override;
    Baton::Result<QString> deliver(const Baton::ChannelSettings &settings,
                                   const Baton::Notification &notification) override;
};

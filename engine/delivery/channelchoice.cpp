// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/channelchoice.h"

#include "runtime/eventtypes.h"

#include <QJsonArray>

namespace Baton {

QStringList choosableNotificationKinds()
{
    return {NotificationKinds::slaBreached,  NotificationKinds::slaWarning,
            NotificationKinds::escalated,    NotificationKinds::returnedToOriginator,
            NotificationKinds::assigned,     NotificationKinds::transitioned,
            NotificationKinds::handoffLimit, NotificationKinds::timedOut,
            NotificationKinds::linkFailed};
}

QStringList choosableChannelPlugins()
{
    return {QStringLiteral("email"), QStringLiteral("sms")};
}

Result<void> checkChannelChoice(const QJsonObject &preferences)
{
    const QJsonValue value = preferences.value(QStringLiteral("channels"));
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isObject())
        return makeError(ErrorKind::Validation,
                         QStringLiteral("channels must be an object of notification kinds"));
    const QJsonObject choice = value.toObject();
    const QStringList kinds = choosableNotificationKinds();
    const QStringList plugins = choosableChannelPlugins();
    for (auto it = choice.begin(); it != choice.end(); ++it) {
        if (!kinds.contains(it.key()))
            return makeError(ErrorKind::Validation,
                             QStringLiteral("channels.%1 is not a notification kind (%2)")
                                 .arg(it.key(), kinds.join(QStringLiteral(", "))));
        if (!it.value().isArray())
            return makeError(
                ErrorKind::Validation,
                QStringLiteral("channels.%1 must be a list of channels").arg(it.key()));
        for (const QJsonValue &plugin : it.value().toArray())
            if (!plugins.contains(plugin.toString()))
                return makeError(ErrorKind::Validation,
                                 QStringLiteral("channels.%1: '%2' is not a channel (%3)")
                                     .arg(it.key(), plugin.toVariant().toString(),
                                          plugins.join(QStringLiteral(", "))));
    }
    return {};
}

bool channelChosen(const QJsonValue &channels, const QString &kind, ContactField field)
{
    const QJsonValue chosen = channels.toObject().value(kind);
    if (!chosen.isArray())
        return true; // not named: every channel the user has an address for
    const QString plugin
        = field == ContactField::Phone ? QStringLiteral("sms") : QStringLiteral("email");
    return chosen.toArray().contains(QJsonValue(plugin));
}

} // namespace Baton

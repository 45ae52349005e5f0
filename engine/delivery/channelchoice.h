// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A user's choice of channels per notification kind (preferences `channels`): which of the
// channels that reach people one by one (mail, SMS) carry each kind of notice to them. The bell
// in the browser always does. A kind the user did not name goes through every such channel
// they have an address for (interfaces.md: "by mail ... unless their preferences say
// otherwise"); an empty list keeps that kind to the bell.
//
//   {"channels": {"sla_breached": ["email", "sms"], "returned_to_originator": ["email"],
//                 "sla_warning": []}}

#include "core/result.h"
#include "delivery/contactfield.h"

#include <QJsonObject>
#include <QStringList>

namespace Baton {

/// The notification kinds a user chooses channels for (runtime/eventtypes.h), in the order a
/// form lists them.
QStringList choosableNotificationKinds();
/// The plugins whose channels a user chooses: "email", "sms".
QStringList choosableChannelPlugins();

/// Checks `channels` of a preferences object (null or absent: none chosen); the error names the
/// key at fault ("channels.sla_warning: 'fax' is not a channel (email, sms)").
Result<void> checkChannelChoice(const QJsonObject &preferences);

/// Whether a notice of `kind` may reach the user through a channel delivering to `field`, by
/// their `channels` preference (`preferences.value("channels")`, an object or nothing).
bool channelChosen(const QJsonValue &channels, const QString &kind, ContactField field);

} // namespace Baton

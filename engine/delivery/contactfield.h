// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Apart from outboxrouter.h on purpose: the worker needs it next to plugin/notificationchannel.h,
// whose Notification (what a channel carries) is not runtime's (a notice to a user).

#include <QString>

namespace Baton {

/// The contact detail a channel's plugin delivers to, for channels that reach people one by
/// one (their notifications); None for channels that carry events (webhook, chat robots).
enum class ContactField { None, Email, Phone };

inline ContactField contactFieldOf(const QString &plugin)
{
    if (plugin == u"email")
        return ContactField::Email;
    if (plugin == u"sms")
        return ContactField::Phone;
    return ContactField::None;
}

} // namespace Baton

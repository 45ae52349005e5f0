// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one rule for which language a reader gets from a language tag, shared by the engine
// (languageOf(), runtime/readerlanguage.h) and the channel plugins (Notification::readsChinese(),
// plugin/notificationchannel.h), which see only core and the plugin seam. Installed with them.

#include <QStringView>

namespace Baton {

/// Whether a user's language tag asks for Chinese ("zh", "zh-CN"); anything else, or none, is
/// English.
inline bool isChineseTag(QStringView tag)
{
    return tag.startsWith(u"zh");
}

} // namespace Baton

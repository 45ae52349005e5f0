// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reading and checking the settings every shipped channel plugin shares, so that they read a
// key, a time limit and the web UI's address the same way and say the same when one is wrong.

#include "plugin/notificationchannel.h"

#include <QString>
#include <QUrl>

namespace BatonPlugins {

inline QString setting(const Baton::ChannelSettings &settings, const char *key,
                       const QString &fallback = {})
{
    return settings.values.value(QString::fromLatin1(key), fallback).toString();
}

/// `timeout_seconds`, when given, is 1-300.
inline Baton::Result<void> checkTimeoutSetting(const Baton::ChannelSettings &settings)
{
    if (!settings.values.contains(QStringLiteral("timeout_seconds")))
        return {};
    bool ok = false;
    const int seconds = setting(settings, "timeout_seconds").toInt(&ok);
    if (!ok || seconds < 1 || seconds > 300)
        return Baton::makeError(QStringLiteral("'timeout_seconds' must be 1-300"));
    return {};
}

/// `base_url`, when given, is the web UI's http(s):// address (links to tickets start there).
inline Baton::Result<void> checkBaseUrlSetting(const Baton::ChannelSettings &settings)
{
    if (!settings.values.contains(QStringLiteral("base_url")))
        return {};
    const QUrl base(setting(settings, "base_url"));
    if (!base.isValid() || (base.scheme() != u"http" && base.scheme() != u"https"))
        return Baton::makeError(
            QStringLiteral("'base_url' must be the web UI's http(s):// address"));
    return {};
}

} // namespace BatonPlugins

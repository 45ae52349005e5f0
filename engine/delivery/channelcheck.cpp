// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/channelcheck.h"

#include "plugin/notificationchannel.h"
#include "pluginhost/pluginhost.h"

namespace Baton {

QStringList checkChannels(const PluginHost &plugins, const QList<ChannelDefinition> &channels,
                          const EnvironmentLookup &environment)
{
    QStringList errors;
    for (const ChannelDefinition &channel : channels) {
        const QString at = channel.file + u':' + QString::number(channel.mark.line) + u':'
            + QString::number(channel.mark.column) + QStringLiteral(": error: channel '")
            + channel.name + QStringLiteral("': ");
        NotificationChannel *plugin = plugins.channel(channel.plugin);
        if (!plugin) {
            errors.append(at
                          + QStringLiteral("no channel plugin '%1' is loaded (loaded: %2)")
                                .arg(channel.plugin, plugins.channelNames().join(u", ")));
            continue;
        }
        auto values = resolveChannelSecrets(channel, environment);
        if (!values) {
            errors.append(at + values.error());
            continue;
        }
        if (auto checked = plugin->checkSettings({channel.name, *values}); !checked)
            errors.append(at + checked.error());
    }
    return errors;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/channelsreader.h"

#include <QStringList>

namespace Baton {

class PluginHost;

/// Each channel against its plugin: an error, as FILE:LINE:COL: error: MESSAGE at the
/// channel's key, for a plugin that is not loaded, an unset secret, or settings the plugin
/// refuses (checked with the secrets in, reported without them).
QStringList checkChannels(const PluginHost &plugins, const QList<ChannelDefinition> &channels,
                          const EnvironmentLookup &environment);

} // namespace Baton

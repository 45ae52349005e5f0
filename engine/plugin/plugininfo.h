// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What a plugin says about itself. Every plugin carries a JSON file through
// Q_PLUGIN_METADATA(IID ... FILE "name.json") with at least
//   {"name": "email", "version": "1.0.0", "description": "Mail through SMTP"}
// so that the loader can name it, the admin page can list it and a failure can be reported
// by name, all before any of its code runs.

#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace Baton {

struct PluginInfo
{
    QString interfaceId; ///< the IID it implements, "org.baton.NotificationChannel/1.0"
    QString name; ///< what configuration names it (`plugin: email` in channels.yaml)
    QString version;
    QString description;
};

/// Reads a plugin's info from QPluginLoader::metaData() (or QStaticPlugin::metaData()):
/// the IID and the object of its JSON file. An error says what is missing.
Result<PluginInfo> pluginInfoFromMetaData(const QJsonObject &loaderMetaData);

} // namespace Baton

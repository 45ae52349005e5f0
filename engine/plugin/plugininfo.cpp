// SPDX-License-Identifier: GPL-3.0-or-later
#include "plugin/plugininfo.h"

#include <QJsonValue>

namespace Baton {

Result<PluginInfo> pluginInfoFromMetaData(const QJsonObject &loaderMetaData)
{
    const QString iid = loaderMetaData.value(QStringLiteral("IID")).toString();
    const QJsonObject own = loaderMetaData.value(QStringLiteral("MetaData")).toObject();
    PluginInfo info;
    info.interfaceId = iid;
    info.name = own.value(QStringLiteral("name")).toString();
    info.version = own.value(QStringLiteral("version")).toString();
    info.description = own.value(QStringLiteral("description")).toString();
    if (iid.isEmpty())
        return makeError(QStringLiteral("not a Qt plugin (no IID in its metadata)"));
    if (info.name.isEmpty())
        return makeError(QStringLiteral("its metadata has no \"name\""));
    if (info.version.isEmpty())
        return makeError(
            QStringLiteral("plugin '%1': its metadata has no \"version\"").arg(info.name));
    return info;
}

} // namespace Baton

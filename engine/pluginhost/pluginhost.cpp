// SPDX-License-Identifier: GPL-3.0-or-later
#include "pluginhost/pluginhost.h"

#include "plugin/assignmentstrategy.h"
#include "plugin/authenticator.h"
#include "plugin/eventsink.h"
#include "plugin/notificationchannel.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <QPluginLoader>

namespace Baton {

namespace {

// Whether the instance implements the interface its IID names; empty when it does, else
// the reason it is refused.
QString checkInterface(const PluginInfo &info, QObject *instance)
{
    const QString &iid = info.interfaceId;
    bool implements = false;
    if (iid == QLatin1String(BatonNotificationChannel_iid))
        implements = qobject_cast<NotificationChannel *>(instance) != nullptr;
    else if (iid == QLatin1String(BatonEventSink_iid))
        implements = qobject_cast<EventSink *>(instance) != nullptr;
    else if (iid == QLatin1String(BatonAssignmentStrategy_iid))
        implements = qobject_cast<AssignmentStrategy *>(instance) != nullptr;
    else if (iid == QLatin1String(BatonAuthenticator_iid))
        implements = qobject_cast<Authenticator *>(instance) != nullptr;
    else
        return QStringLiteral("unknown interface '%1' (this Baton knows %2)")
            .arg(iid,
                 QStringList {QLatin1String(BatonNotificationChannel_iid),
                              QLatin1String(BatonEventSink_iid),
                              QLatin1String(BatonAssignmentStrategy_iid),
                              QLatin1String(BatonAuthenticator_iid)}
                     .join(QStringLiteral(", ")));
    if (!implements)
        return QStringLiteral("its instance does not implement %1 as its metadata says").arg(iid);
    return {};
}

} // namespace

PluginHost::PluginHost() = default;

PluginHost::~PluginHost() = default;

QString PluginHost::defaultFolder()
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("plugins"));
}

void PluginHost::loadFolder(const QString &folder)
{
    // Absolute: QPluginLoader looks a relative file name up on the library path, not in the
    // working folder, so `--plugins build/plugins` found every file and loaded none.
    const QDir dir(QDir(folder).absolutePath());
    if (!dir.exists())
        return;
    const QStringList names = dir.entryList(QDir::Files, QDir::Name);
    for (const QString &name : names)
        if (QLibrary::isLibrary(name))
            loadFile(dir.filePath(name));
}

void PluginHost::loadFile(const QString &path)
{
    PluginFailure failure {QFileInfo(path).completeBaseName(), path, {}};
    auto loader = std::make_unique<QPluginLoader>(path);
    const QJsonObject metaData = loader->metaData();
    if (metaData.isEmpty()) {
        failure.reason = loader->errorString();
        if (failure.reason.isEmpty() || failure.reason == u"Unknown error")
            failure.reason = QStringLiteral("not a Qt plugin (no metadata)");
        m_failures.append(failure);
        return;
    }
    const Result<PluginInfo> info = pluginInfoFromMetaData(metaData);
    if (!info) {
        const QString named = metaData.value(QStringLiteral("MetaData"))
                                  .toObject()
                                  .value(QStringLiteral("name"))
                                  .toString();
        if (!named.isEmpty())
            failure.name = named;
        failure.reason = info.error();
        m_failures.append(failure);
        return;
    }
    failure.name = info->name;
    for (const LoadedPlugin &other : std::as_const(m_loaded)) {
        if (other.info.name == info->name && other.info.interfaceId == info->interfaceId) {
            failure.reason = QStringLiteral("another plugin of that name was loaded first (%1)")
                                 .arg(other.file);
            m_failures.append(failure);
            return;
        }
    }
    QObject *instance = loader->instance();
    if (!instance) {
        failure.reason = loader->errorString();
        m_failures.append(failure);
        return;
    }
    if (const QString refused = checkInterface(*info, instance); !refused.isEmpty()) {
        failure.reason = refused;
        m_failures.append(failure);
        return;
    }
    m_loaded.append(LoadedPlugin {*info, path, instance});
    m_loaders.push_back(std::move(loader));
}

NotificationChannel *PluginHost::channel(const QString &name) const
{
    for (const LoadedPlugin &plugin : m_loaded)
        if (plugin.info.name == name
            && plugin.info.interfaceId == QLatin1String(BatonNotificationChannel_iid))
            return qobject_cast<NotificationChannel *>(plugin.instance);
    return nullptr;
}

QStringList PluginHost::channelNames() const
{
    QStringList names;
    for (const LoadedPlugin &plugin : m_loaded)
        if (plugin.info.interfaceId == QLatin1String(BatonNotificationChannel_iid))
            names.append(plugin.info.name);
    return names;
}

Authenticator *PluginHost::authenticator(const QString &name) const
{
    for (const LoadedPlugin &plugin : m_loaded)
        if (plugin.info.name == name
            && plugin.info.interfaceId == QLatin1String(BatonAuthenticator_iid))
            return qobject_cast<Authenticator *>(plugin.instance);
    return nullptr;
}

AssignmentStrategy *PluginHost::strategy(const QString &name) const
{
    for (const LoadedPlugin &plugin : m_loaded)
        if (plugin.info.name == name
            && plugin.info.interfaceId == QLatin1String(BatonAssignmentStrategy_iid))
            return qobject_cast<AssignmentStrategy *>(plugin.instance);
    return nullptr;
}

QStringList PluginHost::authenticatorNames() const
{
    QStringList names;
    for (const LoadedPlugin &plugin : m_loaded)
        if (plugin.info.interfaceId == QLatin1String(BatonAuthenticator_iid))
            names.append(plugin.info.name);
    return names;
}

} // namespace Baton

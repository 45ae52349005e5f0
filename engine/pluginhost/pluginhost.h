// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Loads the plugins of one folder (next to the binary by default; `baton serve --plugins DIR`)
// with QPluginLoader. Each library's metadata is checked before any of its code runs; a
// library that cannot be loaded is recorded with its name and the reason, and the others load
// as if it were not there: a broken plugin never stops the server.

#include "plugin/plugininfo.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

class QPluginLoader;

namespace Baton {

class AssignmentStrategy;
class Authenticator;
class NotificationChannel;

/// A plugin that loaded: its metadata, its file and its instance (owned by Qt's loader; it
/// lives until the process ends, as plugins are never unloaded).
struct LoadedPlugin
{
    PluginInfo info;
    QString file;
    QObject *instance = nullptr;
};

/// A library of the folder that did not load: its name (from its metadata when it has one,
/// else its file name) and why.
struct PluginFailure
{
    QString name;
    QString file;
    QString reason;
    QString toString() const { return name + QStringLiteral(": ") + reason; }
};

class PluginHost
{
public:
    PluginHost();
    ~PluginHost();
    PluginHost(const PluginHost &) = delete;
    PluginHost &operator=(const PluginHost &) = delete;

    /// `plugins/` next to the running binary.
    static QString defaultFolder();

    /// Loads every shared library of `folder` (a missing folder loads nothing: plugins are
    /// optional). Two plugins of one interface with the same name: the second fails.
    void loadFolder(const QString &folder);

    const QList<LoadedPlugin> &loaded() const { return m_loaded; }
    const QList<PluginFailure> &failures() const { return m_failures; }

    /// The loaded notification channel plugin of that name (`plugin:` in channels.yaml).
    NotificationChannel *channel(const QString &name) const;
    /// The names of the loaded notification channel plugins.
    QStringList channelNames() const;
    /// The loaded authenticator plugin of that name (`plugin:` in directory.yaml).
    Authenticator *authenticator(const QString &name) const;
    /// The names of the loaded authenticator plugins.
    QStringList authenticatorNames() const;
    /// The loaded assignment strategy plugin of that name (`assign:` of a queue in org.yaml).
    AssignmentStrategy *strategy(const QString &name) const;

private:
    void loadFile(const QString &path);
    QList<LoadedPlugin> m_loaded;
    QList<PluginFailure> m_failures;
    std::vector<std::unique_ptr<QPluginLoader>> m_loaders;
};

} // namespace Baton

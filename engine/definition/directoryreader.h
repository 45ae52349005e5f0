// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// directory.yaml of the --workflows folder: sign-in with the company directory (README, "Sign-in
// with the company directory"). Names the authenticator plugin, maps the directory's groups
// (and the values of its department attribute) to Baton's roles and departments, and passes
// every other key to the plugin as its settings. Secrets are written `${NAME}` and stay
// references until resolveDirectorySecrets(), as in channels.yaml.

#include "definition/channelsreader.h"
#include "definition/diagnostic.h"
#include "definition/model.h"
#include "definition/yamltree.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <optional>

namespace Baton {

struct DirectoryDefinition
{
    QString plugin; ///< `plugin:`, an authenticator plugin's metadata name ("ldap")
    /// `roles:` a group's DN → the Baton roles its members get.
    QMap<QString, QStringList> roles;
    /// `departments:` a group's DN, or a value of the plugin's department attribute → the Baton
    /// departments it means.
    QMap<QString, QStringList> departments;
    QStringList defaultRoles; ///< `default_roles:` every directory user's, besides the mapped
    QVariantMap settings; ///< every other key, for the plugin; secrets stay `${NAME}`
    QStringList secretNames;
    YamlMark mark; ///< where `directory:` was written, for the plugin's errors
    QString file;
};

struct DirectoryReadResult
{
    std::optional<DirectoryDefinition> directory;
    Diagnostics diagnostics;
    bool ok() const { return !hasErrors(diagnostics); }
};

/// Reads and checks directory.yaml: roles and departments against `organisation` (when
/// given); with `environment`, an unset secret is an error.
DirectoryReadResult readDirectory(const QByteArray &text, const QString &path,
                                  const Organisation *organisation,
                                  const EnvironmentLookup &environment = {});

/// The settings with each `${NAME}` replaced from the environment (for the plugin only: never
/// store, log or return them). An error names the unset variable.
Result<QVariantMap> resolveDirectorySecrets(const DirectoryDefinition &directory,
                                            const EnvironmentLookup &environment);

} // namespace Baton

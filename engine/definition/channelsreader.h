// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// channels.yaml of the --workflows folder (interfaces.md, Second edition, "Channels"): the
// ways out of Baton, each a plugin with its settings. Secrets are written `${NAME}` and come
// from the environment: the reader keeps the reference, never the value, so that nothing it
// returns (to the API, the logs or the database) can hold a secret; resolveChannelSecrets()
// gives the plugin its settings with the values in, at the moment it needs them.

#include "core/result.h"
#include "definition/diagnostic.h"
#include "definition/yamltree.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <functional>
#include <optional>

namespace Baton {

/// One channel as written.
struct ChannelDefinition
{
    QString name; ///< its key under `channels:`
    QString plugin; ///< `plugin:`, the plugin's metadata name
    QStringList events; ///< `events:`; empty: every event
    QStringList workflows; ///< `workflows:`; empty: every workflow
    /// Every other key: a scalar as text, a list of scalars as a QStringList. Secrets stay
    /// `${NAME}`.
    QVariantMap settings;
    QStringList secretNames; ///< the environment variables its settings name
    YamlMark mark; ///< where its key was written, for errors found later (the plugin's)
    QString file;
};

struct ChannelsReadResult
{
    QList<ChannelDefinition> channels;
    Diagnostics diagnostics;
    bool ok() const { return !hasErrors(diagnostics); }
};

/// Looks an environment variable up; nullopt when unset.
using EnvironmentLookup = std::function<std::optional<QString>(const QString &name)>;

/// The process environment.
std::optional<QString> processEnvironment(const QString &name);

class YamlCheck;

/// Checks the ${NAME} secret references of a scalar setting (channels.yaml, directory.yaml),
/// each at its own column: a name of letters, digits and '_', and with `environment` one that is
/// set. Appends the valid names to `names` once each.
void checkSecretReferences(YamlCheck &check, const YamlNode &node, const QString &key,
                           const EnvironmentLookup &environment, QStringList &names);

/// Reads and checks channels.yaml. With `environment`, a secret whose variable is unset is an
/// error (the server would send without it); without, it is not checked (`baton validate` on a
/// machine without the secrets).
ChannelsReadResult readChannels(const QByteArray &text, const QString &path,
                                const EnvironmentLookup &environment = {});

/// The channel's settings with each `${NAME}` replaced from the environment (for the plugin
/// only: never store, log or return them). An error names the unset variable, not a value.
Result<QVariantMap> resolveChannelSecrets(const ChannelDefinition &channel,
                                          const EnvironmentLookup &environment);

} // namespace Baton

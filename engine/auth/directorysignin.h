// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Sign-in with the company directory: asks the authenticator plugin directory.yaml names, then
// maps what it says of the person (groups, department attribute) onto Baton's roles and
// departments. Group DNs are compared as the directory does: without regard to case or to
// spaces around ',' and '='.

#include "core/result.h"
#include "definition/directoryreader.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace Baton {

class Authenticator;

class DirectorySignIn
{
public:
    /// `settings`: the plugin's, with the secrets resolved.
    DirectorySignIn(Authenticator &authenticator, QVariantMap settings,
                    const DirectoryDefinition &definition);

    /// A person the directory vouched for, as Baton's user.
    struct Person
    {
        QString username;
        QString name;
        QStringList roles;
        QStringList departments;
    };

    /// Unauthorized: the directory refused the credentials (or gave a name Baton cannot use);
    /// Unavailable: the directory could not answer. Blocks on the network.
    Result<Person> check(const QString &username, const QString &password,
                         const QString &clientAddress) const;

    const QString &pluginName() const { return m_pluginName; }

    /// A DN as the mapping compares it.
    static QString normalisedDn(const QString &dn);

private:
    Authenticator &m_authenticator;
    QVariantMap m_settings;
    QString m_pluginName;
    QHash<QString, QStringList> m_roles; ///< by normalised group DN
    QHash<QString, QStringList> m_departments; ///< by normalised group DN or attribute value
    QStringList m_defaultRoles;
};

} // namespace Baton

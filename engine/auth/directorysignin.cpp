// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/directorysignin.h"

#include "auth/userdirectory.h"
#include "plugin/authenticator.h"

#include <QRegularExpression>

namespace Baton {

namespace {

QHash<QString, QStringList> byNormalisedKey(const QMap<QString, QStringList> &mapping)
{
    QHash<QString, QStringList> out;
    for (auto it = mapping.cbegin(); it != mapping.cend(); ++it)
        out[DirectorySignIn::normalisedDn(it.key())] += it.value();
    return out;
}

void appendNew(QStringList &to, const QStringList &names)
{
    for (const QString &name : names)
        if (!to.contains(name))
            to.append(name);
}

} // namespace

DirectorySignIn::DirectorySignIn(Authenticator &authenticator, QVariantMap settings,
                                 const DirectoryDefinition &definition)
    : m_authenticator(authenticator)
    , m_settings(std::move(settings))
    , m_pluginName(definition.plugin)
    , m_roles(byNormalisedKey(definition.roles))
    , m_departments(byNormalisedKey(definition.departments))
    , m_defaultRoles(definition.defaultRoles)
{
}

QString DirectorySignIn::normalisedDn(const QString &dn)
{
    static const QRegularExpression spaces(QStringLiteral("\\s*([,=])\\s*"));
    return dn.trimmed().toLower().replace(spaces, QStringLiteral("\\1"));
}

Result<DirectorySignIn::Person> DirectorySignIn::check(const QString &username,
                                                       const QString &password,
                                                       const QString &clientAddress) const
{
    const auto identity
        = m_authenticator.authenticate(m_settings, Credentials {username, password, clientAddress});
    if (!identity) {
        if (identity.failure().kind == ErrorKind::Unauthorized)
            return identity.failure();
        return makeError(ErrorKind::Unavailable, identity.error());
    }
    Person person;
    person.username = identity->username.toLower();
    if (!UserDirectory::isValidUsername(person.username))
        return makeError(ErrorKind::Unauthorized,
                         QStringLiteral("the directory's name '%1' is not a Baton username "
                                        "(lower-case letters, digits, '.', '_', '-')")
                             .arg(identity->username));
    person.name = identity->displayName;
    person.roles = m_defaultRoles;
    for (const QString &group : identity->groups) {
        const QString key = normalisedDn(group);
        appendNew(person.roles, m_roles.value(key));
        appendNew(person.departments, m_departments.value(key));
    }
    for (const QString &value : identity->departmentValues)
        appendNew(person.departments, m_departments.value(normalisedDn(value)));
    return person;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The settings of directory.yaml the LDAP plugin reads (README, "Sign-in with the company
// directory"), checked once into a plain value.

#include "core/result.h"

#include <QString>
#include <QVariantMap>

struct LdapSettings
{
    QString url; ///< ldap://HOST[:PORT] or ldaps://HOST[:PORT]
    bool startTls = false; ///< ldap:// upgraded with StartTLS before any password is sent
    QString caFile; ///< PEM file of the CA(s) to trust; empty: the system's
    int timeoutSeconds = 5; ///< connecting, and each operation
    /// Bind by template: the person's DN with `{username}` (escaped as a DN value).
    QString bindDn;
    /// Or search, then bind: where and how to find the person's entry, as whom.
    QString searchBase;
    QString searchFilter = QStringLiteral("(uid={username})"); ///< `{username}` escaped
    QString serviceDn; ///< empty: an anonymous search
    QString servicePassword;
    /// Groups: searched under groupBase with groupFilter (`{dn}` is the person's DN) when
    /// groupBase is set, else read from the person's groupAttribute (Active Directory).
    QString groupBase;
    QString groupFilter = QStringLiteral("(|(member={dn})(uniqueMember={dn}))");
    QString groupAttribute = QStringLiteral("memberOf");
    QString usernameAttribute; ///< empty: Baton's name is what was typed, in lower case
    QString nameAttribute = QStringLiteral("displayName"); ///< falls back to cn
    QString mailAttribute = QStringLiteral("mail");
    QString departmentAttribute; ///< empty: departments from groups only

    bool searchThenBind() const { return bindDn.isEmpty(); }
    bool implicitTls() const { return url.startsWith(QLatin1String("ldaps://")); }
};

/// Reads and checks the settings; the error names the key at fault.
Baton::Result<LdapSettings> readLdapSettings(const QVariantMap &values);

/// `value` escaped for a DN attribute value (RFC 4514).
QString escapeDnValue(const QString &value);
/// `value` escaped for a search filter (RFC 4515).
QString escapeFilterValue(const QString &value);

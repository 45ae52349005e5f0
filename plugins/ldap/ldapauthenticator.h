// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/authenticator.h"

#include <QObject>

// Checks a password against an LDAP directory or Active Directory with OpenLDAP's client
// library: either a bind as the DN a template makes of the username, or a search for the
// person's entry (as a service account or anonymously) and a bind as what was found; over
// ldaps:// or StartTLS when configured. Then it reads the person's name, mail, department
// attribute and groups. A new connection per sign-in: sign-ins are rare, and nothing of one
// person's bind can leak into the next.
class LdapAuthenticator : public QObject, public Baton::Authenticator
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAuthenticator_iid FILE "ldap.json")
    Q_INTERFACES(Baton::Authenticator)

public:
    Baton::Result<void> checkSettings(const QVariantMap &settings) const override;
    Baton::Result<Baton::AuthenticatedIdentity>
    authenticate(const QVariantMap &settings, const Baton::Credentials &credentials) override;
};

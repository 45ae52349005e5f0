// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Another place a user's password is checked (LDAP, a company's single sign-on), tried by the
// sign-in before or instead of Baton's own users table. Sessions, CSRF and roles stay
// Baton's: an authenticator only says who someone is.

#include "core/result.h"

#include <QString>
#include <QStringList>
#include <QtPlugin>

namespace Baton {

/// What a person typed at sign-in, with where it came from (for the authenticator's own
/// throttling or logs). The password is never stored or logged by Baton.
struct Credentials
{
    QString username;
    QString password;
    QString remoteAddress;
};

/// Who the credentials belong to, as the directory knows them; Baton maps this onto its user
/// (creating it on first sign-in when configured to).
struct AuthenticatedIdentity
{
    QString username; ///< Baton's user name for them (the directory's may differ in case)
    QString displayName;
    QString email;
    QStringList groups; ///< directory groups, mapped to departments and roles by configuration
};

class Authenticator
{
public:
    virtual ~Authenticator() = default;

    /// Checks the credentials. An error is a refusal; its message goes to the server log only
    /// (the person sees Baton's usual "wrong user name or password"). May block (network); runs
    /// on the password-hashing pool, not the HTTP thread.
    virtual Result<AuthenticatedIdentity> authenticate(const Credentials &credentials) = 0;
};

} // namespace Baton

#define BatonAuthenticator_iid "org.baton.Authenticator/1.0"
Q_DECLARE_INTERFACE(Baton::Authenticator, BatonAuthenticator_iid)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Another place a user's password is checked (LDAP, a company's single sign-on), tried by the
// sign-in before or instead of Baton's own users table. Sessions, CSRF and roles stay
// Baton's: an authenticator only says who someone is.

#include "core/result.h"

#include <QString>
#include <QStringList>
#include <QVariantMap>
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
    QStringList
        groups; ///< directory groups (DNs), mapped to departments and roles by configuration
    /// Values of the attribute the settings name as the department (`department_attribute`),
    /// mapped to departments like groups.
    QStringList departmentValues;
};

class Authenticator
{
public:
    virtual ~Authenticator() = default;

    /// Checks the settings of directory.yaml (every key but Baton's own, `${NAME}` secrets
    /// already replaced) at start-up; the message names the key at fault.
    virtual Result<void> checkSettings(const QVariantMap &settings) const = 0;

    /// Checks the credentials. ErrorKind::Unauthorized: wrong password or no such person (the
    /// person sees Baton's usual "wrong username or password", and it counts for throttling);
    /// any other kind: the directory could not answer (down, timeout, TLS), which refuses the
    /// sign-in with 503. Messages go to the server log only. May block (network, with the time
    /// limits of the settings); runs on the password-hashing pool, several calls at once.
    virtual Result<AuthenticatedIdentity> authenticate(const QVariantMap &settings,
                                                       const Credentials &credentials)
        = 0;
};

} // namespace Baton

#define BatonAuthenticator_iid "org.baton.Authenticator/1.0"
Q_DECLARE_INTERFACE(Baton::Authenticator, BatonAuthenticator_iid)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace Baton {

/// Password hashing with argon2id (libsodium's crypto_pwhash_str): t=2, m=19 MiB, the OWASP
/// baseline, which keeps a login near 50 ms and bounded in memory on a 2-core machine. The
/// encoded string carries its own parameters, so stronger settings later still verify old
/// hashes (needsRehash() says when to upgrade one at the next login).
class PasswordHasher
{
public:
    static Result<QByteArray> hash(const QString &password);
    static bool verify(const QByteArray &encoded, const QString &password);
    static bool needsRehash(const QByteArray &encoded);
    /// Spends the same time as a real verify; for unknown users, so that timing does not tell
    /// which usernames exist.
    static void verifyDummy(const QString &password);
};

/// Session tokens: 256 random bits, given to the client base64url-encoded; the database keeps
/// only their SHA-256, so a leaked sessions table opens no session.
class SessionToken
{
public:
    static QString generate();
    static QString hash(const QString &token); ///< lower-case hex SHA-256
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "auth/loginthrottle.h"
#include "auth/userdirectory.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace Baton {

class Clock;
class Database;

/// Sign-in and sessions. A login checks the throttle, then the password (argon2id), and
/// stores a new session under the SHA-256 of a 256-bit token. Sessions expire after
/// `sessionSeconds` of inactivity (sliding: the expiry moves forward at most once every
/// `refreshSeconds`, so ordinary requests do not write); logout deletes the row, so the token
/// stops working at once. Thread-safe; database work uses the calling thread's connection.
class AuthService
{
public:
    struct Options
    {
        qint64 sessionSeconds = 12 * 3600;
        qint64 refreshSeconds = 5 * 60;
        LoginThrottle::Options throttle;
    };

    struct Login
    {
        enum class Status { Ok, Invalid, Throttled, Failed };
        Status status = Status::Failed;
        QString token;
        User user;
        QDateTime expiresAt;
        qint64 retryAfterSeconds = 0;
        QString error; ///< for Failed (storage trouble)
    };

    AuthService(Database &database, const Clock &clock);
    AuthService(Database &database, const Clock &clock, Options options);

    Login login(const QString &username, const QString &password, const QString &clientAddress);
    /// The signed-in, active user for a token; nothing for an unknown, expired or revoked one.
    Result<std::optional<User>> authenticate(const QString &token);
    Result<void> logout(const QString &token);
    /// When a session ends unless used again; nothing for an unknown, expired or revoked one
    /// or an inactive user. Unlike authenticate(), it does not extend the session (a live
    /// stream asking must not keep its session alive).
    Result<std::optional<QDateTime>> sessionExpiry(const QString &token);
    /// Deletes expired sessions (housekeeping; returns how many).
    Result<int> purgeExpired();

    UserDirectory &users() { return m_users; }
    const Options &options() const { return m_options; }

private:
    Database &m_database;
    const Clock &m_clock;
    Options m_options;
    LoginThrottle m_throttle;
    UserDirectory m_users;
};

} // namespace Baton

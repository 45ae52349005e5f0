// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "auth/directorysignin.h"
#include "auth/hashingpool.h"
#include "auth/loginthrottle.h"
#include "auth/sessioncache.h"
#include "auth/userdirectory.h"
#include "core/result.h"

#include <QDateTime>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace Baton {

class Clock;
class Database;

/// Sign-in and sessions. A login checks the throttle, then the password (argon2id), and
/// stores a new session under the SHA-256 of a 256-bit token. Sessions expire after
/// `sessionSeconds` of inactivity (sliding: the expiry moves forward at most once every
/// `refreshSeconds`, so ordinary requests do not write); logout deletes the row, so the token
/// stops working at once. Thread-safe; database work uses the calling thread's connection.
/// authenticate() answers from a SessionCache for `sessionCacheSeconds` after it read a
/// session. A logout or a change of a user counts at once on every server sharing the
/// database: on this one it is forgotten directly; the others hear of it through the change
/// feed (PostgreSQL with live updates, setAnnounceAs()) or, elsewhere, because it raised the
/// sign-in epoch (SessionRows::authEpoch), which authenticate() reads before trusting the
/// cache — one single-row query instead of the session and user join.
/// loginAsync() does the password work on a HashingPool of its own, never on the caller's
/// thread.
class AuthService
{
public:
    struct Options
    {
        qint64 sessionSeconds = 12 * 3600;
        qint64 refreshSeconds = 5 * 60;
        /// How long a session read from the database is trusted without reading it again
        /// (0: read it on every request).
        qint64 sessionCacheSeconds = 30;
        LoginThrottle::Options throttle;
        HashingPool::Options hashing;
    };

    /// The answer to a sign-in attempt. A storage failure is no answer: login() returns it as
    /// the Result's error, so every status here is one the person at the sign-in form gets.
    struct Login
    {
        /// Busy: the hashing queue is full (retryAfterSeconds says when to try again).
        /// DirectoryUnavailable: the company directory could not answer (the log says why).
        enum class Status { Ok, Invalid, Throttled, Busy, DirectoryUnavailable };
        Status status = Status::Invalid;
        QString token;
        User user;
        QDateTime expiresAt;
        qint64 retryAfterSeconds = 0;
    };

    AuthService(Database &database, const Clock &clock);
    AuthService(Database &database, const Clock &clock, Options options);

    /// Sign-in with the company directory besides Baton's own users; set before the first
    /// sign-in. Local first: a name that is a local user's (one with a password of Baton's) is
    /// checked by Baton only, so the directory can never take over the admin; any other name
    /// is asked of the directory, and its users are created and updated from it.
    void setDirectory(std::unique_ptr<DirectorySignIn> directory);
    const DirectorySignIn *directory() const { return m_directory.get(); }

    /// Signs in on the calling thread (the password check takes tens of milliseconds).
    /// Fails only when the database does (an Internal error).
    Result<Login> login(const QString &username, const QString &password,
                        const QString &clientAddress);
    /// The same on the hashing pool: `done` gets the result on a pool thread, or at once on the
    /// calling thread when the attempt is throttled or the queue is full (Busy).
    void loginAsync(const QString &username, const QString &password, const QString &clientAddress,
                    std::function<void(const Result<Login> &)> done);
    /// Logins waiting for a hashing thread.
    int queuedLogins() const { return m_hashing.queued(); }
    /// The signed-in, active user for a token; nothing for an unknown, expired or revoked one.
    Result<std::optional<User>> authenticate(const QString &token);
    Result<void> logout(const QString &token);
    /// When a session ends unless used again; nothing for an unknown, expired or revoked one
    /// or an inactive user. Unlike authenticate(), it does not extend the session (a live
    /// stream asking must not keep its session alive).
    Result<std::optional<QDateTime>> sessionExpiry(const QString &token);
    /// PostgreSQL shared by several servers: each logout and change of a user through this
    /// service is also announced on the change feed (store/changefeed.h) as `serverId`, so
    /// that the others forget the sessions of that user they keep (forgetSessionsOf()) at once
    /// without reading the sign-in epoch on every request. Set before serving.
    void setAnnounceAs(const QString &serverId) { m_announceAs = serverId; }
    /// Another server announced changes of these users: their sessions are read again.
    void forgetSessionsOf(const QStringList &usernames);
    /// Announcements may have been missed (the change feed reconnected): every session is read
    /// again.
    void forgetAllSessions();
    /// Deletes expired sessions (housekeeping; returns how many).
    Result<int> purgeExpired();

    UserDirectory &users() { return m_users; }
    const Options &options() const { return m_options; }

private:
    /// The directory's answer for a name that is no local user's: the user, or nothing for a
    /// refusal; an Unavailable error when the directory could not answer, an Internal one when
    /// the database failed.
    Result<std::optional<User>> checkWithDirectory(const QString &username, const QString &password,
                                                   const QString &clientAddress);
    Result<Login> openSession(const User &user, const QDateTime &now);
    /// After a change of the user committed: forgets their cached sessions, and tells the
    /// other servers when announcing.
    void userChanged(const QString &username);
    /// Whether the session cache may answer: empties it first when the sign-in epoch rose
    /// since this server last read it; false when the epoch cannot be read.
    bool cacheUpToDate();
    /// Writes the sliding expiry when it moved far enough (`expiresAt`: the one known).
    void slideExpiry(const QString &tokenHash, qint64 expiresAt, qint64 now);

    Database &m_database;
    const Clock &m_clock;
    Options m_options;
    LoginThrottle m_throttle;
    UserDirectory m_users;
    SessionCache m_sessions;
    std::atomic<qint64> m_epochSeen {-1}; ///< the sign-in epoch the cache last agreed with
    QString m_announceAs;
    std::unique_ptr<DirectorySignIn> m_directory;
    HashingPool m_hashing; ///< last: destroyed first, while what its jobs use still lives
};

} // namespace Baton

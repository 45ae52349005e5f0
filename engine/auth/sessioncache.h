// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "auth/userdirectory.h"

#include <QHash>
#include <QReadWriteLock>
#include <QString>

#include <optional>

namespace Baton {

/// The signed-in user of recently used sessions, by their token's hash, so that a request does
/// not read the session and its user from the database every time.
///
/// What this server changes (a logout, a user's new password, roles, departments, away or
/// active flag) is forgotten at once by the caller (forgetSession(), forgetUser()); what another
/// server sharing the database changes is heard by the caller too (AuthService: the change feed
/// or the sign-in epoch), which then forgets; failing that, it counts here once an entry is
/// `lifetimeMs` old, when it is read again. An entry whose session expired is never answered.
///
/// A lookup that missed reads the database and then puts what it read; a change committed
/// meanwhile must not be overwritten by that older read, so put() takes the generation() read
/// before the database was, and keeps nothing when anything was forgotten since.
/// Thread-safe (HTTP threads read it at once).
class SessionCache
{
public:
    struct Entry
    {
        User user;
        qint64 expiresAt = 0; ///< the session's expiry (ms since the epoch) as last read or set
        qint64 cachedAt = 0; ///< when it was read from the database (ms since the epoch)
    };

    /// `lifetimeMs` 0: nothing is kept.
    explicit SessionCache(qint64 lifetimeMs, qsizetype capacity = 100000);

    /// The entry of a session read less than the lifetime ago and not expired at `now`.
    std::optional<Entry> find(const QString &tokenHash, qint64 now) const;
    /// Increases whenever something is forgotten.
    quint64 generation() const;
    /// Keeps `entry` unless something was forgotten since `generationBeforeRead`.
    void put(const QString &tokenHash, const Entry &entry, quint64 generationBeforeRead);
    /// The session's expiry moved forward (the sliding expiry was written).
    void setExpiry(const QString &tokenHash, qint64 expiresAt);
    void forgetSession(const QString &tokenHash);
    /// Every session of the user: their account changed.
    void forgetUser(const QString &username);
    void clear();
    qsizetype size() const;

private:
    /// Drops the entries past their lifetime; all of them when that is not enough.
    void prune(qint64 now);

    const qint64 m_lifetimeMs;
    const qsizetype m_capacity;
    mutable QReadWriteLock m_lock;
    QHash<QString, Entry> m_entries;
    quint64 m_generation = 0; ///< under m_lock
};

} // namespace Baton

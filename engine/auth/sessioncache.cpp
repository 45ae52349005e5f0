// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/sessioncache.h"

#include <algorithm>

namespace Baton {

SessionCache::SessionCache(qint64 lifetimeMs, qsizetype capacity)
    : m_lifetimeMs(lifetimeMs)
    , m_capacity(capacity)
{
}

std::optional<SessionCache::Entry> SessionCache::find(const QString &tokenHash, qint64 now) const
{
    if (m_lifetimeMs <= 0)
        return std::nullopt;
    QReadLocker lock(&m_lock);
    const auto it = m_entries.constFind(tokenHash);
    if (it == m_entries.cend())
        return std::nullopt;
    // A clock set back (now before cachedAt) counts as expired: read again.
    const qint64 age = now - it->cachedAt;
    if (age < 0 || age >= m_lifetimeMs || it->expiresAt <= now)
        return std::nullopt;
    return *it;
}

quint64 SessionCache::generation() const
{
    QReadLocker lock(&m_lock);
    return m_generation;
}

void SessionCache::put(const QString &tokenHash, const Entry &entry, quint64 generationBeforeRead)
{
    if (m_lifetimeMs <= 0)
        return;
    QWriteLocker lock(&m_lock);
    if (m_generation != generationBeforeRead)
        return; // a change committed while the database was read: that read may be older
    if (m_entries.size() >= m_capacity && !m_entries.contains(tokenHash))
        prune(entry.cachedAt);
    m_entries.insert(tokenHash, entry);
}

void SessionCache::setExpiry(const QString &tokenHash, qint64 expiresAt)
{
    QWriteLocker lock(&m_lock);
    if (const auto it = m_entries.find(tokenHash); it != m_entries.end())
        it->expiresAt = std::max(it->expiresAt, expiresAt);
}

void SessionCache::forgetSession(const QString &tokenHash)
{
    QWriteLocker lock(&m_lock);
    ++m_generation;
    m_entries.remove(tokenHash);
}

void SessionCache::forgetUser(const QString &username)
{
    QWriteLocker lock(&m_lock);
    ++m_generation;
    m_entries.removeIf([&username](QHash<QString, Entry>::iterator entry) {
        return entry.value().user.username == username;
    });
}

void SessionCache::clear()
{
    QWriteLocker lock(&m_lock);
    ++m_generation;
    m_entries.clear();
}

qsizetype SessionCache::size() const
{
    QReadLocker lock(&m_lock);
    return m_entries.size();
}

void SessionCache::prune(qint64 now)
{
    m_entries.removeIf([this, now](QHash<QString, Entry>::iterator entry) {
        const qint64 age = now - entry.value().cachedAt;
        return age < 0 || age >= m_lifetimeMs || entry.value().expiresAt <= now;
    });
    if (m_entries.size() >= m_capacity)
        m_entries.clear(); // all of them recent: read again as they come back
}

} // namespace Baton

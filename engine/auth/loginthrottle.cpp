// SPDX-License-Identifier: GPL-3.0-or-later
#include "loginthrottle.h"

namespace Baton {

qint64 LoginThrottle::retryAfter(const QString &username, const QString &address,
                                 const QDateTime &now)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.constFind(key(username, address));
    if (it == m_entries.cend())
        return 0;
    const qint64 remainingMs = it->blockedUntil - now.toMSecsSinceEpoch();
    return remainingMs > 0 ? (remainingMs + 999) / 1000 : 0;
}

void LoginThrottle::recordFailure(const QString &username, const QString &address,
                                  const QDateTime &now)
{
    QMutexLocker lock(&m_mutex);
    const qint64 nowMs = now.toMSecsSinceEpoch();
    if (m_entries.size() >= m_options.maxEntries)
        prune(nowMs);
    Entry &entry = m_entries[key(username, address)];
    entry.lastSeen = nowMs;
    const qint64 windowStart = nowMs - m_options.windowSeconds * 1000;
    while (!entry.failures.isEmpty() && entry.failures.first() < windowStart)
        entry.failures.removeFirst();
    entry.failures.append(nowMs);
    if (entry.failures.size() >= m_options.maxFailures) {
        entry.blockedUntil = nowMs + m_options.cooldownSeconds * 1000;
        entry.failures.clear();
    }
}

void LoginThrottle::recordSuccess(const QString &username, const QString &address)
{
    QMutexLocker lock(&m_mutex);
    m_entries.remove(key(username, address));
}

void LoginThrottle::prune(qint64 nowMs)
{
    const qint64 horizon = nowMs - qMax(m_options.windowSeconds, m_options.cooldownSeconds) * 1000;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->lastSeen < horizon && it->blockedUntil < nowMs)
            it = m_entries.erase(it);
        else
            ++it;
    }
    // Still full (an attack from many addresses): forget the stalest half.
    if (m_entries.size() >= m_options.maxEntries) {
        QList<qint64> seen;
        for (const Entry &e : std::as_const(m_entries))
            seen.append(e.lastSeen);
        std::nth_element(seen.begin(), seen.begin() + seen.size() / 2, seen.end());
        const qint64 median = seen[seen.size() / 2];
        for (auto it = m_entries.begin(); it != m_entries.end();) {
            if (it->lastSeen <= median)
                it = m_entries.erase(it);
            else
                ++it;
        }
    }
}

} // namespace Baton

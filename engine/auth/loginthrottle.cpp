// SPDX-License-Identifier: GPL-3.0-or-later
#include "loginthrottle.h"

#include <QHostAddress>

#include <algorithm>

namespace Baton {

namespace {

QString usernameKey(const QString &username)
{
    return username.toCaseFolded();
}

QString pairKey(const QString &username, const QString &addressKey)
{
    return usernameKey(username) + u'\n' + addressKey;
}

qint64 secondsFromMs(qint64 ms)
{
    return ms > 0 ? (ms + 999) / 1000 : 0;
}

/// Forgets the stalest half of `table` (by `seen`, the time an entry was last used).
template<typename Hash, typename Seen> void dropStalestHalf(Hash &table, Seen seen)
{
    QList<std::pair<qint64, typename Hash::key_type>> byAge;
    byAge.reserve(table.size());
    for (auto it = table.cbegin(); it != table.cend(); ++it)
        byAge.append({seen(it.value()), it.key()});
    const auto half = byAge.begin() + byAge.size() / 2;
    std::nth_element(byAge.begin(), half, byAge.end());
    for (auto it = byAge.begin(); it != half; ++it)
        table.remove(it->second);
}

} // namespace

LoginThrottle::LoginThrottle(Options options)
    : m_options(options)
    , m_pairs(options.perUsernameAndAddress, options.maxEntries)
    , m_usernames(options.perUsername, options.maxEntries)
    , m_addresses(options.perAddress, options.maxEntries)
{
}

QString LoginThrottle::addressKey(const QString &address)
{
    QHostAddress host;
    if (!host.setAddress(address))
        return address;
    bool mapped = false;
    const quint32 v4 = host.toIPv4Address(&mapped);
    if (mapped)
        return QHostAddress(v4).toString();
    if (host.protocol() != QAbstractSocket::IPv6Protocol)
        return host.toString();
    Q_IPV6ADDR bytes = host.toIPv6Address();
    std::fill(bytes.c + 8, bytes.c + 16, quint8(0));
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

qint64 LoginThrottle::retryAfter(const QString &username, const QString &address,
                                 const QDateTime &now)
{
    const qint64 nowMs = now.toMSecsSinceEpoch();
    const QString addr = addressKey(address);
    const QString pair = pairKey(username, addr);
    QMutexLocker lock(&m_mutex);
    qint64 waitMs = m_pairs.remainingMs(pair, nowMs);
    if (!trusted(pair, nowMs))
        waitMs = std::max({waitMs, m_usernames.remainingMs(usernameKey(username), nowMs),
                           m_addresses.remainingMs(addr, nowMs)});
    return secondsFromMs(waitMs);
}

void LoginThrottle::recordFailure(const QString &username, const QString &address,
                                  const QDateTime &now)
{
    const qint64 nowMs = now.toMSecsSinceEpoch();
    const QString addr = addressKey(address);
    QMutexLocker lock(&m_mutex);
    // A trusted address's failures count on the wide counters too: they are still guesses.
    m_pairs.fail(pairKey(username, addr), nowMs);
    m_usernames.fail(usernameKey(username), nowMs);
    m_addresses.fail(addr, nowMs);
}

void LoginThrottle::recordSuccess(const QString &username, const QString &address,
                                  const QDateTime &now)
{
    const qint64 nowMs = now.toMSecsSinceEpoch();
    const QString pair = pairKey(username, addressKey(address));
    QMutexLocker lock(&m_mutex);
    m_pairs.forget(pair);
    if (m_trusted.size() >= m_options.maxEntries && !m_trusted.contains(pair)) {
        const qint64 horizon = nowMs - m_options.trustSeconds * 1000;
        m_trusted.removeIf(
            [horizon](QHash<QString, qint64>::iterator it) { return *it < horizon; });
        if (m_trusted.size() >= m_options.maxEntries)
            dropStalestHalf(m_trusted, [](qint64 at) { return at; });
    }
    m_trusted.insert(pair, nowMs);
}

int LoginThrottle::entryCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_pairs.size() + m_usernames.size() + m_addresses.size() + int(m_trusted.size());
}

bool LoginThrottle::trusted(const QString &pairKey, qint64 nowMs) const
{
    const auto it = m_trusted.constFind(pairKey);
    return it != m_trusted.cend() && nowMs - *it <= m_options.trustSeconds * 1000;
}

qint64 LoginThrottle::Table::remainingMs(const QString &key, qint64 nowMs) const
{
    const auto it = m_counters.constFind(key);
    return it == m_counters.cend() ? 0 : std::max<qint64>(0, it->blockedUntil - nowMs);
}

void LoginThrottle::Table::fail(const QString &key, qint64 nowMs)
{
    if (m_counters.size() >= m_maxEntries && !m_counters.contains(key))
        prune(nowMs);
    Counter &counter = m_counters[key];
    counter.lastSeen = nowMs;
    if (counter.blockedUntil > nowMs)
        return; // attempts that were under way when the refusal began; it stands as it is
    const qint64 windowMs = m_limit.windowSeconds * 1000;
    if (counter.strikes > 0 && nowMs - counter.blockedUntil > windowMs)
        counter.strikes = 0; // quiet for a window after the last refusal: start afresh
    while (!counter.failures.isEmpty() && counter.failures.first() <= nowMs - windowMs)
        counter.failures.removeFirst();
    counter.failures.append(nowMs);
    if (counter.failures.size() < m_limit.maxFailures)
        return;
    counter.failures.clear();
    counter.strikes = std::min(counter.strikes + 1, 30);
    const qint64 cooldown
        = std::min(m_limit.cooldownSeconds << (counter.strikes - 1), m_limit.maxCooldownSeconds);
    counter.blockedUntil = nowMs + cooldown * 1000;
}

void LoginThrottle::Table::prune(qint64 nowMs)
{
    // Gone: no failure and no refusal within the last window (strikes would restart anyway).
    const qint64 horizon = nowMs - m_limit.windowSeconds * 1000;
    m_counters.removeIf([horizon](QHash<QString, Counter>::iterator it) {
        return it->lastSeen < horizon && it->blockedUntil < horizon;
    });
    if (m_counters.size() < m_maxEntries)
        return;
    // Still full (guesses from very many addresses or names): forget the stalest half of the
    // counters that refuse nothing now, and only if that is not enough, of all of them; an
    // attacker who floods the table thus frees only other stale entries, not their own block.
    QHash<QString, Counter> blocked;
    for (auto it = m_counters.begin(); it != m_counters.end();) {
        if (it->blockedUntil > nowMs) {
            blocked.insert(it.key(), it.value());
            it = m_counters.erase(it);
        } else {
            ++it;
        }
    }
    dropStalestHalf(m_counters, [](const Counter &c) { return c.lastSeen; });
    if (blocked.size() >= m_maxEntries / 2)
        dropStalestHalf(blocked, [](const Counter &c) { return c.lastSeen; });
    m_counters.insert(blocked);
}

} // namespace Baton

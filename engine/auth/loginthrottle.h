// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>

namespace Baton {

/// Slows password guessing with three counters of failed logins, each in a sliding window:
/// per username and client address, per username across all addresses (many addresses
/// guessing one password), and per address across all usernames (one address trying many
/// usernames, unknown ones included). A counter over its limit refuses further attempts (429)
/// for a cool-down that doubles with each further strike, right password or not.
///
/// Lock-out of a victim is the known risk of the two wide counters; it is limited so: an
/// address from which the username signed in successfully in the last `trustSeconds` is
/// judged by the per-username-and-address counter only, so an attacker elsewhere cannot keep a
/// user out of the desk they use; and every refusal ends after its cool-down (delay, not lock).
///
/// Addresses are parameters (the caller decides which to believe, e.g. behind a trusted
/// proxy); IPv6 addresses count per /64, the block one host usually has. In memory and
/// thread-safe; every table is bounded (expired entries go first, then the stalest).
class LoginThrottle
{
public:
    /// `maxFailures` within `windowSeconds` refuse attempts for `cooldownSeconds`; a strike
    /// that follows within a window of the last refusal's end doubles it, up to
    /// `maxCooldownSeconds`.
    struct Limit
    {
        int maxFailures = 5;
        qint64 windowSeconds = 15 * 60;
        qint64 cooldownSeconds = 15 * 60;
        qint64 maxCooldownSeconds = 4 * 3600;
    };
    struct Options
    {
        Limit perUsernameAndAddress {5, 15 * 60, 15 * 60, 4 * 3600};
        Limit perUsername {10, 15 * 60, 15 * 60, 4 * 3600};
        Limit perAddress {30, 15 * 60, 15 * 60, 4 * 3600};
        qint64 trustSeconds = 30 * 24 * 3600;
        int maxEntries = 100000; ///< per table
    };

    LoginThrottle()
        : LoginThrottle(Options {})
    {
    }
    explicit LoginThrottle(Options options);

    /// Seconds until attempts are allowed again; 0 if allowed now.
    qint64 retryAfter(const QString &username, const QString &address, const QDateTime &now);
    void recordFailure(const QString &username, const QString &address, const QDateTime &now);
    /// Clears the username's counter for this address only (the wide counters keep counting, or
    /// a guesser with one account of their own could reset their address's count), and trusts
    /// the address for the username.
    void recordSuccess(const QString &username, const QString &address, const QDateTime &now);

    /// Entries held over all tables (the memory bound is maxEntries per table).
    int entryCount() const;
    /// The address as counted: IPv4 as is (also when IPv4-mapped), IPv6 as its /64 prefix,
    /// anything unparsable as given.
    static QString addressKey(const QString &address);

private:
    struct Counter
    {
        QList<qint64> failures; ///< ms since epoch, newest last, within the window
        qint64 blockedUntil = 0;
        qint64 lastSeen = 0;
        int strikes = 0;
    };
    class Table
    {
    public:
        Table(Limit limit, int maxEntries)
            : m_limit(limit)
            , m_maxEntries(maxEntries)
        {
        }
        qint64 remainingMs(const QString &key, qint64 nowMs) const;
        void fail(const QString &key, qint64 nowMs);
        void forget(const QString &key) { m_counters.remove(key); }
        int size() const { return int(m_counters.size()); }

    private:
        void prune(qint64 nowMs);
        Limit m_limit;
        int m_maxEntries;
        QHash<QString, Counter> m_counters;
    };

    bool trusted(const QString &pairKey, qint64 nowMs) const;

    Options m_options;
    mutable QMutex m_mutex;
    Table m_pairs;
    Table m_usernames;
    Table m_addresses;
    QHash<QString, qint64> m_trusted; ///< username + address → last successful login (ms)
};

} // namespace Baton

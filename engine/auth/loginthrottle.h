// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QString>

namespace Baton {

/// Slows password guessing: after `maxFailures` failed logins for one username from one
/// client address within `window`, further attempts are refused for `cooldown` (429), right
/// password or not. In memory and thread-safe; bounded (oldest entries are dropped first).
class LoginThrottle
{
public:
    struct Options
    {
        int maxFailures = 5;
        qint64 windowSeconds = 15 * 60;
        qint64 cooldownSeconds = 15 * 60;
        int maxEntries = 100000;
    };

    LoginThrottle()
        : LoginThrottle(Options {})
    {
    }
    explicit LoginThrottle(Options options)
        : m_options(options)
    {
    }

    /// Seconds until attempts are allowed again; 0 if allowed now.
    qint64 retryAfter(const QString &username, const QString &address, const QDateTime &now);
    void recordFailure(const QString &username, const QString &address, const QDateTime &now);
    void recordSuccess(const QString &username, const QString &address);

private:
    struct Entry
    {
        QList<qint64> failures; ///< ms since epoch, newest last, within the window
        qint64 blockedUntil = 0;
        qint64 lastSeen = 0;
    };
    static QString key(const QString &username, const QString &address)
    {
        return username.toCaseFolded() + u'\n' + address;
    }
    void prune(qint64 nowMs);

    Options m_options;
    QMutex m_mutex;
    QHash<QString, Entry> m_entries;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QMutex>
#include <QMutexLocker>

namespace Baton {

/// The one source of "now" for everything that reads time (SLA clocks, timers, events), so
/// that tests and `baton serve --fake-clock` can control it. Implementations are thread-safe.
class Clock
{
public:
    virtual ~Clock() = default;
    /// The current instant, in UTC, millisecond precision.
    virtual QDateTime now() const = 0;
};

/// Wall-clock time.
class SystemClock final : public Clock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

/// A clock that stands still until moved; for tests and `--fake-clock`.
class FakeClock final : public Clock
{
public:
    explicit FakeClock(QDateTime start = QDateTime::currentDateTimeUtc())
        : m_now(start.toUTC())
    {
    }
    QDateTime now() const override
    {
        QMutexLocker lock(&m_mutex);
        return m_now;
    }
    void set(const QDateTime &instant)
    {
        QMutexLocker lock(&m_mutex);
        m_now = instant.toUTC();
    }
    void advanceSeconds(qint64 seconds)
    {
        QMutexLocker lock(&m_mutex);
        m_now = m_now.addSecs(seconds);
    }

private:
    mutable QMutex m_mutex;
    QDateTime m_now;
};

} // namespace Baton

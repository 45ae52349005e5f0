// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QTimeZone>

#include <cstdio>

namespace Baton {

// Instants as RFC 3339 UTC text, written from the milliseconds directly. Every ticket answer
// carries several (SLA dues, the urgent clock) and every access-log line one: QDateTime's
// pattern formatting parsed its pattern and went through the calendar each time, about 3% of
// the server's CPU per action (perf, issue 20). Same text as QDateTime's for years 1–9999.

namespace UtcTextDetail {

/// "yyyy-MM-ddTHH:mm:ss" (+ ".zzz" when `milliseconds`) + "Z" into `out` (>= 25 bytes); the
/// length written, or 0 for a year outside 1–9999 (the caller lets QDateTime write it).
inline int write(char *out, qint64 msecs, bool milliseconds)
{
    constexpr qint64 msPerDay = 86'400'000;
    qint64 days = msecs / msPerDay;
    qint64 ofDay = msecs % msPerDay;
    if (ofDay < 0) {
        ofDay += msPerDay;
        --days;
    }
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
    const qint64 z = days + 719'468;
    const qint64 era = (z >= 0 ? z : z - 146'096) / 146'097;
    const qint64 dayOfEra = z - era * 146'097;
    const qint64 yearOfEra
        = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36'524 - dayOfEra / 146'096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 monthIndex = (5 * dayOfYear + 2) / 153;
    const int day = int(dayOfYear - (153 * monthIndex + 2) / 5 + 1);
    const int month = int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
    const qint64 year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 1 || year > 9999)
        return 0;
    const int seconds = int(ofDay / 1000);
    const int hms[] = {seconds / 3600, seconds / 60 % 60, seconds % 60};
    return milliseconds ? std::snprintf(out, 25, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", int(year),
                                        month, day, hms[0], hms[1], hms[2], int(ofDay % 1000))
                        : std::snprintf(out, 25, "%04d-%02d-%02dT%02d:%02d:%02dZ", int(year), month,
                                        day, hms[0], hms[1], hms[2]);
}

} // namespace UtcTextDetail

/// "2026-12-07T09:22:30Z": whole seconds, the milliseconds dropped (rounded down).
inline QString utcSecondsText(qint64 msecs)
{
    char text[32];
    const int length = UtcTextDetail::write(text, msecs, false);
    if (length > 0)
        return QString::fromLatin1(text, length);
    return QDateTime::fromMSecsSinceEpoch(msecs, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss'Z'"));
}

/// "2026-12-07T09:22:30.123Z".
inline QByteArray utcMillisecondsText(qint64 msecs)
{
    char text[32];
    const int length = UtcTextDetail::write(text, msecs, true);
    if (length > 0)
        return QByteArray(text, length);
    return QDateTime::fromMSecsSinceEpoch(msecs)
        .toUTC() // Qt::UTC writes "Z", QTimeZone::utc() "+00:00"
        .toString(Qt::ISODateWithMs)
        .toLatin1();
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "duration.h"

namespace Baton {

namespace {

constexpr qint64 maxSeconds = 3650LL * 86400;

int unitRank(QChar unit)
{
    switch (unit.unicode()) {
    case 'd':
        return 0;
    case 'h':
        return 1;
    case 'm':
        return 2;
    case 's':
        return 3;
    default:
        return -1;
    }
}

constexpr qint64 unitSeconds[] = {86400, 3600, 60, 1};

Error durationError(const QString &why)
{
    return makeError(why + QStringLiteral(" (write durations like 30s, 15m, 2h, 1d or 1d4h)"));
}

} // namespace

Result<qint64> parseDuration(QStringView text)
{
    if (text.isEmpty())
        return durationError(QStringLiteral("empty duration"));
    if (text.startsWith(u'-'))
        return durationError(QStringLiteral("a duration must be positive, not '%1'").arg(text));
    qint64 total = 0;
    int lastRank = -1;
    int i = 0;
    const int size = int(text.size());
    while (i < size) {
        const int digitsStart = i;
        qint64 number = 0;
        while (i < size && text[i] >= u'0' && text[i] <= u'9') {
            number = number * 10 + (text[i].unicode() - '0');
            if (number > maxSeconds)
                return durationError(QStringLiteral("duration '%1' is too long").arg(text));
            ++i;
        }
        if (i == digitsStart) {
            if (text[i].isSpace())
                return durationError(QStringLiteral("no spaces inside a duration: '%1'").arg(text));
            return durationError(QStringLiteral("'%1' is not a duration").arg(text));
        }
        if (i == size)
            return durationError(QStringLiteral("'%1' lacks a unit").arg(text));
        const QChar unit = text[i];
        const int rank = unitRank(unit);
        if (rank < 0) {
            if (unit.isSpace())
                return durationError(QStringLiteral("no spaces inside a duration: '%1'").arg(text));
            if (unit == u'.' || unit == u',')
                return durationError(
                    QStringLiteral("'%1' is not a whole number of units").arg(text));
            return durationError(QStringLiteral("unknown unit '%1' in '%2'").arg(unit).arg(text));
        }
        if (rank <= lastRank)
            return durationError(
                QStringLiteral("units in '%1' must go from days to seconds, each once").arg(text));
        lastRank = rank;
        total += number * unitSeconds[rank];
        if (total > maxSeconds)
            return durationError(QStringLiteral("duration '%1' is too long").arg(text));
        ++i;
    }
    if (total <= 0)
        return durationError(QStringLiteral("a duration must be positive, not '%1'").arg(text));
    return total;
}

QString formatDuration(qint64 seconds)
{
    if (seconds <= 0)
        return QStringLiteral("0s");
    QString text;
    const char units[] = {'d', 'h', 'm', 's'};
    for (int rank = 0; rank < 4; ++rank) {
        const qint64 count = seconds / unitSeconds[rank];
        seconds %= unitSeconds[rank];
        if (count > 0)
            text += QString::number(count) + QLatin1Char(units[rank]);
    }
    return text;
}

} // namespace Baton

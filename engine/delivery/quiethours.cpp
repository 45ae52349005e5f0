// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/quiethours.h"

#include <QDateTime>

namespace Baton {

namespace {

std::optional<QTime> clockTime(const QJsonValue &value)
{
    const QTime t = QTime::fromString(value.toString(), QStringLiteral("HH:mm"));
    return value.isString() && t.isValid() ? std::optional(t) : std::nullopt;
}

} // namespace

std::optional<qint64> QuietHours::endOfQuietAt(qint64 atMs) const
{
    if (from == until)
        return std::nullopt;
    const QDateTime local = QDateTime::fromMSecsSinceEpoch(atMs, zone);
    const QTime now = local.time();
    const QDate today = local.date();
    QDate endDate;
    if (from < until) {
        if (now < from || now >= until)
            return std::nullopt;
        endDate = today;
    } else if (now >= from) {
        endDate = today.addDays(1);
    } else if (now < until) {
        endDate = today;
    } else {
        return std::nullopt;
    }
    return QDateTime(endDate, until, zone).toMSecsSinceEpoch();
}

std::optional<qint64> QuietHours::heldUntil(bool urgent, qint64 atMs) const
{
    if (breaches && urgent)
        return std::nullopt;
    return endOfQuietAt(atMs);
}

bool urgentNotice(const QString &kind, const QString &customerTier)
{
    return kind == u"sla_breached" && customerTier == u"A";
}

QTimeZone ownTimeZone(const QString &name)
{
    if (name.isEmpty())
        return QTimeZone::utc();
    const QTimeZone zone(name.toUtf8());
    return zone.isValid() ? zone : QTimeZone::utc();
}

Result<std::optional<QuietHours>> quietHoursOf(const QJsonObject &preferences,
                                               const QTimeZone &ownZone)
{
    const QJsonValue value = preferences.value(QStringLiteral("quiet_hours"));
    if (value.isUndefined() || value.isNull())
        return std::optional<QuietHours>();
    if (!value.isObject())
        return makeError(ErrorKind::Validation, QStringLiteral("quiet_hours must be an object"));
    const QJsonObject q = value.toObject();
    for (auto it = q.begin(); it != q.end(); ++it)
        if (!QStringList {QStringLiteral("from"), QStringLiteral("until"),
                          QStringLiteral("timezone"), QStringLiteral("breaches")}
                 .contains(it.key()))
            return makeError(ErrorKind::Validation,
                             QStringLiteral("quiet_hours has no key '%1'").arg(it.key()));
    QuietHours hours;
    const auto from = clockTime(q.value(QStringLiteral("from")));
    const auto until = clockTime(q.value(QStringLiteral("until")));
    if (!from || !until)
        return makeError(ErrorKind::Validation,
                         QStringLiteral("quiet_hours.from and quiet_hours.until must be HH:MM"));
    hours.from = *from;
    hours.until = *until;
    const QJsonValue zoneValue = q.value(QStringLiteral("timezone"));
    const QString zone = zoneValue.toString();
    hours.zone = zoneValue.isUndefined() || zoneValue.isNull() ? ownZone : QTimeZone(zone.toUtf8());
    if (!hours.zone.isValid())
        return makeError(ErrorKind::Validation,
                         QStringLiteral("quiet_hours.timezone '%1' is not a time zone").arg(zone));
    const QJsonValue breaches = q.value(QStringLiteral("breaches"));
    if (!breaches.isUndefined() && !breaches.isBool())
        return makeError(ErrorKind::Validation,
                         QStringLiteral("quiet_hours.breaches must be true or false"));
    hours.breaches = breaches.toBool(true);
    return std::optional(hours);
}

} // namespace Baton

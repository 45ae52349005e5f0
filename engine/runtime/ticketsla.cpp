// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketsla.h"

#include <QJsonValue>
#include <QTimeZone>

namespace Baton {

namespace {

/// Whole seconds (interfaces.md: "2026-11-23T08:30:00Z"), rounded down.
QJsonValue instantOrNull(const QDateTime &instant)
{
    if (!instant.isValid())
        return QJsonValue(QJsonValue::Null);
    const qint64 ms = instant.toMSecsSinceEpoch();
    return QDateTime::fromMSecsSinceEpoch(ms - ((ms % 1000) + 1000) % 1000, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss'Z'"));
}

} // namespace

QJsonObject SlaStatus::toJson() const
{
    return QJsonObject {
        {QStringLiteral("respond_due"), instantOrNull(respondDue)},
        {QStringLiteral("resolve_due"), instantOrNull(resolveDue)},
        {QStringLiteral("remaining"),
         remaining ? QJsonValue(*remaining) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("paused"), paused},
        {QStringLiteral("at_risk"), atRisk},
        {QStringLiteral("breached"), breached},
    };
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketsla.h"

#include "core/utctext.h"

#include <QJsonValue>

namespace Baton {

namespace {

/// Whole seconds (interfaces.md: "2026-11-23T08:30:00Z"), rounded down.
QJsonValue instantOrNull(const QDateTime &instant)
{
    if (!instant.isValid())
        return QJsonValue(QJsonValue::Null);
    return utcSecondsText(instant.toMSecsSinceEpoch());
}

/// Lower is more urgent: breached, at risk, running, paused.
int urgencyRank(const SlaStatus &status)
{
    if (status.breached)
        return 0;
    if (status.atRisk)
        return 1;
    return status.paused ? 3 : 2;
}

bool moreUrgent(const SlaStatus &a, const SlaStatus &b)
{
    if (urgencyRank(a) != urgencyRank(b))
        return urgencyRank(a) < urgencyRank(b);
    if (a.remaining.has_value() != b.remaining.has_value())
        return a.remaining.has_value();
    return a.remaining.value_or(0) < b.remaining.value_or(0);
}

} // namespace

UrgentSla mostUrgentSla(const TicketSla &sla, const QStringList &openBranches)
{
    UrgentSla best;
    const auto consider
        = [&best](const SlaStatus &status, const QString &clock, const QString &branch) {
              if (!status.hasClocks)
                  return;
              if (best.clock.isEmpty() || moreUrgent(status, best.status))
                  best = UrgentSla {clock, branch, status};
          };
    consider(sla.step, QStringLiteral("step"), QString());
    consider(sla.ticket, QStringLiteral("ticket"), QString());
    for (const QString &branch : openBranches)
        consider(sla.branches.value(branch), QStringLiteral("branch"), branch);
    return best;
}

QJsonValue UrgentSla::toJson() const
{
    if (clock.isEmpty())
        return QJsonValue(QJsonValue::Null);
    QJsonObject object = status.toJson();
    object.insert(QStringLiteral("clock"), clock);
    object.insert(QStringLiteral("branch"),
                  branch.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(branch));
    return object;
}

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

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The tickets behind the flow report's numbers (the heat map, issue 17): a state's entered,
// left and breached steps and a transition's count, read from the step facts of the main flow
// (branch ''), like StepFactStore::flowReport counts them. Kept apart from stepfactrows so that
// the drill-down does not depend on how the report's own numbers are stored.

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace Baton::FlowTickets {

enum class StateMeasure { Entered, Left, Breached };

/// The tickets of the steps, ended in the query's period and scope, that entered `state` (by a
/// transition out of an in-scope step), left it, or left it breached; in id order.
Result<QList<qint64>> stateTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                   const QString &state, StateMeasure measure);
/// The tickets of the steps that went from `from` to `to` by `action` (any action when none is
/// given); in id order.
Result<QList<qint64>> transitionTickets(const QSqlDatabase &db, const StepReportQuery &query,
                                        const QString &from, const QString &to,
                                        const std::optional<QString> &action);

} // namespace Baton::FlowTickets

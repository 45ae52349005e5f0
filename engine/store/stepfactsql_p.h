// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The SQL the step-fact queries share (stepfactrows.cpp, stepfactmeasures.cpp).

#include "store/stepfactrows.h"

#include <QString>
#include <QVariantList>

namespace Baton::StepFactSql {

/// The expression of a grouping's key over step_facts' columns.
QString keyExpression(ReportGrouping by);
/// " WHERE left_at >= ? AND left_at < ? ..." (range, workflow, departments), appending its
/// values.
QString whereOf(const StepReportQuery &query, QVariantList &values);
/// The part of a report's rows its query may see: " AND workflow = ?" when it names one (and
/// `withWorkflow`), " AND department IN (...)" unless it sees every department — appended to
/// `sql`, its values to `values`. False when it may see no department: there are no rows.
bool appendScope(QString &sql, QVariantList &values, const StepReportQuery &query,
                 bool withWorkflow = true);

} // namespace Baton::StepFactSql

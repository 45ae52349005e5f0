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

} // namespace Baton::StepFactSql

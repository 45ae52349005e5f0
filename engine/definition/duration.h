// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>
#include <QStringView>

namespace Baton {

/// Durations of the workflow language: "30s", "15m", "2h", "1d", "1d4h", "1h30m". Units go
/// from days down to seconds, each at most once; a day is 24 hours of business time (not a
/// working day). The total must be positive and at most 3650 days.
Result<qint64> parseDuration(QStringView text);

/// The shortest text parseDuration() reads back as seconds ("1d4h", "90s" -> "1m30s").
QString formatDuration(qint64 seconds);

} // namespace Baton

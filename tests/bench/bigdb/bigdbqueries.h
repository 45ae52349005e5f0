// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "services/demoaccounts.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>

namespace Baton {

class Database;
class Engine;

/// The search and reports phases of bench_bigdb (quality.md "Raised targets": full-text and
/// customer search p99 <= 50 ms, a report over 30 days p99 <= 100 ms and over a year <= 500 ms,
/// on the 1,000,000-ticket database), each called as its API route calls it:
/// - full-text search as GET /api/v1/tickets?q= (Engine::tickets with filter.text), as an
///   agent (visibility applies) and as an admin, for queries taken from the database itself;
/// - customer search as GET /api/v1/customers?q= (CustomerRows::find, limit 20);
/// - the reports as GET /api/v1/reports/... (the Api::report* functions the routes call),
///   as an admin and as a supervisor, for the 30 days and the year before `now`.
/// Prints a line per query and returns the figures (latencies in ms); `runs` calls each.
struct BigDbQueryOptions
{
    Engine *engine = nullptr;
    Database *database = nullptr;
    QMap<QString, DemoAccount> users;
    QDateTime now;
    int runs = 50; ///< per search; a year's report runs a fifth as often (at least 5)
    bool searchOnly = false; ///< ticket and customer search, no reports (--search-only)
    bool reportsOnly = false; ///< the reports, no search (--reports-only)
};

QJsonObject measureSearchAndReports(const BigDbQueryOptions &options);

} // namespace Baton

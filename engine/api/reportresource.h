// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The reports family of the API (interfaces.md, Second edition "Reports"; issue 17):
// GET /api/v1/reports/steps and /api/v1/reports/flow, as JSON or, with format=csv, as CSV.
// Supervisors see the steps of the departments they supervise, admins every step, anyone
// else nothing (403).

#include "definition/model.h"
#include "http/httprequest.h"
#include "http/httpresponse.h"

#include <QDateTime>
#include <QSqlDatabase>

namespace Baton {
class Engine;
struct Actor;
} // namespace Baton

namespace Baton::Api {

using Http::HttpRequest;
using Http::HttpResponse;

/// What a report reply needs besides the request: who asks, in which language, and where the
/// facts and the titles come from.
struct ReportContext
{
    const Actor &actor;
    Language language;
    Engine &engine; ///< organisation and workflow titles
    QSqlDatabase db; ///< the calling thread's connection
    QDateTime now; ///< the server's clock, for the preset periods
};

/// GET /api/v1/reports/steps?from=&to=&by=&workflow=&department=&format=
HttpResponse reportSteps(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/flow?workflow=&from=&to=&department=&format=
HttpResponse reportFlow(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/outcomes?by=&...: closures, reopen rate, first-contact resolution,
/// handoffs, bounces, the handoff limit (reportmeasures.cpp).
HttpResponse reportOutcomes(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/escalations?by=&...: escalated steps and the queues they went to.
HttpResponse reportEscalations(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/volume?by=&from=&to=&workflow=&department=&format=: opened, finished
/// steps and closures per group.
HttpResponse reportVolume(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/backlog?by=queue&...: open steps per queue at the end of each day.
HttpResponse reportBacklog(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/satisfaction?by=&...: ratings of follow-ups (`csat: true` fields)
/// attributed to who worked the ticket followed up; the "not solved" answers listed.
HttpResponse reportSatisfaction(const HttpRequest &request, const ReportContext &context);
/// GET /api/v1/reports/tickets?report=steps|outcomes|backlog|satisfaction&group=&measure=&...: the
/// tickets behind a number (drill-down), scoped like the report.
HttpResponse reportTickets(const HttpRequest &request, const ReportContext &context);

/// RFC 4180 CSV: a UTF-8 byte order mark (so that Excel reads Chinese titles right), then
/// `header` and `rows`, CRLF-terminated, fields quoted when they hold a comma, quote or line
/// break.
QByteArray csvText(const QStringList &header, const QList<QStringList> &rows);

} // namespace Baton::Api

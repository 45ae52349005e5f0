// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the report replies share (reportresource.cpp, reportmeasures.cpp): the request's scope,
// period and zone, the days of a period, titles and CSV.

#include "api/reportresource.h"
#include "store/stepfactbackfillrows.h"
#include "store/stepfactrows.h"

#include <QDate>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>

#include <variant>

namespace Baton::Api {

/// A report's request: whose steps, which period (README "Reports": period presets, tz).
struct ReportRequest
{
    StepReportQuery query;
    QTimeZone zone;
    QString tz; ///< as asked, "UTC" by default
    QString period; ///< the preset, or "custom"
    /// While older tickets' facts are still being derived (README "Reports": existing
    /// databases): how far; the reply says so.
    std::optional<BackfillPosition> backfill;
};

/// A day of the period in the viewer's zone, and the instant its end is measured at (the next
/// local midnight, or the period's end when that comes first).
struct ReportDay
{
    QDate date;
    qint64 end = 0;
};

std::variant<ReportRequest, Http::ApiError> reportRequest(const HttpRequest &request,
                                                          const ReportContext &context);
QList<ReportDay> reportDays(const ReportRequest &report);
/// {"from", "to", "period", "tz"}, and "backfill" while older tickets' facts are derived.
QJsonObject periodJson(const ReportRequest &report);
bool wantsCsv(const HttpRequest &request, std::optional<Http::ApiError> &error);
QJsonValue optionalJson(const std::optional<qint64> &value);
QString optionalText(const std::optional<qint64> &value);
QString titleOf(ReportGrouping by, const QString &key, const ReportContext &context);
/// by= (default department) into `query`; or the error (every grouped report's, the steps').
std::optional<Http::ApiError> groupingOf(const HttpRequest &request, StepReportQuery &query);

/// A grouped report's request (by=, format=) besides the period and scope.
struct GroupedRequest
{
    ReportRequest report;
    bool csv = false; ///< format=csv
};
/// The parsed request of a grouped report, or the reply to send instead.
std::variant<GroupedRequest, HttpResponse> groupedRequest(const HttpRequest &request,
                                                          const ReportContext &context);
/// A grouped report's reply: the table as CSV when asked for, else JSON with the period, the
/// grouping, the rows and `extra`'s members.
HttpResponse groupedReply(const GroupedRequest &grouped, const char *name,
                          const QStringList &header, const QList<QStringList> &table,
                          const QJsonArray &rows, const QJsonObject &extra = {});
/// The follow-up tickets behind a satisfaction number (measure ratings or not_solved) of the
/// group `key`, or the error to reply (reportsatisfaction.cpp).
std::variant<QList<qint64>, Http::ApiError> satisfactionTickets(const ReportContext &context,
                                                                const StepReportQuery &query,
                                                                const QString &key,
                                                                const QString &measure);
HttpResponse csvResponse(const QByteArray &name, const QStringList &header,
                         const QList<QStringList> &rows);

} // namespace Baton::Api

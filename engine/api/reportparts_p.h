// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the report replies share (reportresource.cpp, reportmeasures.cpp): the request's scope,
// period and zone, the days of a period, titles and CSV.

#include "api/reportresource.h"
#include "store/stepfactrows.h"

#include <QDate>
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
/// {"from", "to", "period", "tz"}.
QJsonObject periodJson(const ReportRequest &report);
bool wantsCsv(const HttpRequest &request, std::optional<Http::ApiError> &error);
QJsonValue optionalJson(const std::optional<qint64> &value);
QString optionalText(const std::optional<qint64> &value);
QString titleOf(ReportGrouping by, const QString &key, const ReportContext &context);
HttpResponse csvResponse(const QByteArray &name, const QStringList &header,
                         const QList<QStringList> &rows);

} // namespace Baton::Api

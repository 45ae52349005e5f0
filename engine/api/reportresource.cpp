// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/reportresource.h"

#include "api/apierror.h"
#include "api/reportparts_p.h"

#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/stepfactrows.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>

namespace Baton::Api {

using Http::ApiError;

namespace {

// An instant of a report's range: RFC 3339 / ISO 8601 with a zone ("Z" or an offset).
std::optional<qint64> parseInstant(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    const QDateTime instant = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!instant.isValid() || instant.timeSpec() == Qt::LocalTime)
        return std::nullopt;
    return instant.toMSecsSinceEpoch();
}

QString instantText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

std::optional<QDateTime> localMidnight(const QDate &date, const QTimeZone &zone)
{
    const QDateTime start(date, QTime(0, 0), zone);
    return start.isValid() ? std::optional(start) : std::nullopt;
}

// A preset period (README "Reports"), in the viewer's zone, around `now`.
std::optional<std::pair<qint64, qint64>> presetRange(const QString &period, const QDateTime &now,
                                                     const QTimeZone &zone)
{
    const QDate today = now.toTimeZone(zone).date();
    QDate first, next;
    if (period == u"today") {
        first = today;
        next = today.addDays(1);
    } else if (period == u"this_week") {
        first = today.addDays(1 - today.dayOfWeek());
        next = first.addDays(7);
    } else if (period == u"last_7_days") {
        first = today.addDays(-6);
        next = today.addDays(1);
    } else if (period == u"last_30_days") {
        first = today.addDays(-29);
        next = today.addDays(1);
    } else if (period == u"this_month") {
        first = QDate(today.year(), today.month(), 1);
        next = first.addMonths(1);
    } else if (period == u"last_month") {
        first = QDate(today.year(), today.month(), 1).addMonths(-1);
        next = first.addMonths(1);
    } else {
        return std::nullopt;
    }
    const auto from = localMidnight(first, zone), to = localMidnight(next, zone);
    if (!from || !to)
        return std::nullopt;
    return std::pair(from->toMSecsSinceEpoch(), to->toMSecsSinceEpoch());
}

// Whose steps the caller may see; or the error to reply.
std::optional<ApiError> scopeOf(const HttpRequest &request, const Actor &actor,
                                StepReportQuery &query)
{
    if (actor.isAdmin()) {
        query.allDepartments = true;
    } else if (actor.hasRole(QStringLiteral("supervisor"))) {
        query.departments = actor.supervisedDepartments;
    } else {
        return ApiError::forbidden(
            QStringLiteral("Reports are for supervisors (of their departments) and admins."));
    }
    const QString department = request.queryValue(QStringLiteral("department"));
    if (!department.isNull()) {
        if (!query.allDepartments && !query.departments.contains(department))
            return ApiError::forbidden(
                QStringLiteral("You do not supervise department %1.").arg(department));
        query.allDepartments = false;
        query.departments = {department};
    }
    return std::nullopt;
}

// The period: a preset (period=) or from/to, in the viewer's zone (tz=, default UTC).
std::optional<ApiError> periodOf(const HttpRequest &request, const QDateTime &now,
                                 ReportRequest &report)
{
    const QString tz = request.queryValue(QStringLiteral("tz"));
    report.zone = tz.isEmpty() ? QTimeZone::utc() : QTimeZone(tz.toUtf8());
    if (!report.zone.isValid())
        return ApiError::badRequest(
            QStringLiteral("tz must be an IANA time zone name, such as Asia/Shanghai."));
    report.tz = tz.isEmpty() ? QStringLiteral("UTC") : tz;
    const QString period = request.queryValue(QStringLiteral("period"));
    const QString fromText = request.queryValue(QStringLiteral("from"));
    const QString toText = request.queryValue(QStringLiteral("to"));
    report.period = period.isEmpty() ? QStringLiteral("custom") : period;
    if (report.period != u"custom") {
        if (!fromText.isNull() || !toText.isNull())
            return ApiError::badRequest(
                QStringLiteral("Give either period or from and to, not both."));
        const auto range = presetRange(period, now, report.zone);
        if (!range)
            return ApiError::badRequest(
                QStringLiteral("period must be today, this_week, last_7_days, last_30_days, "
                               "this_month, last_month or custom."));
        std::tie(report.query.from, report.query.to) = *range;
        return std::nullopt;
    }
    const auto from = parseInstant(fromText);
    const auto to = parseInstant(toText);
    if (!from || !to)
        return ApiError::badRequest(
            QStringLiteral("from and to must be ISO 8601 instants with a time zone, such as "
                           "2026-11-01T00:00:00Z (or give period=)."));
    if (*from >= *to)
        return ApiError::badRequest(QStringLiteral("from must be before to."));
    report.query.from = *from;
    report.query.to = *to;
    return std::nullopt;
}

// The period just before the report's (compare=previous): the calendar month before for the
// month presets, else as long as the report's and ending where it begins.
std::pair<qint64, qint64> previousRange(const ReportRequest &report)
{
    const qint64 from = report.query.from, to = report.query.to;
    if (report.period == u"this_month" || report.period == u"last_month") {
        const QDate first = QDateTime::fromMSecsSinceEpoch(from, report.zone).date();
        if (const auto start = localMidnight(first.addMonths(-1), report.zone))
            return {start->toMSecsSinceEpoch(), from};
    }
    return {from - (to - from), from};
}

} // namespace

// The request every report shares: the scope, the period and the workflow; or the error.
std::variant<ReportRequest, ApiError> reportRequest(const HttpRequest &request,
                                                    const ReportContext &context)
{
    ReportRequest report;
    if (auto refused = scopeOf(request, context.actor, report.query))
        return *refused;
    if (auto bad = periodOf(request, context.now, report))
        return *bad;
    report.query.workflow = request.queryValue(QStringLiteral("workflow"));
    auto backfill = StepFactBackfillStore::backfillPosition(context.db);
    if (!backfill)
        return apiError(backfill.failure());
    report.backfill = *backfill;
    return report;
}

QList<ReportDay> reportDays(const ReportRequest &report)
{
    QList<ReportDay> days;
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(report.query.from, report.zone);
    const QDateTime last = QDateTime::fromMSecsSinceEpoch(report.query.to - 1, report.zone);
    for (QDate date = from.date(); date <= last.date() && days.size() < 400;
         date = date.addDays(1)) {
        const auto next = localMidnight(date.addDays(1), report.zone);
        const qint64 end
            = next ? std::min(next->toMSecsSinceEpoch(), report.query.to) : report.query.to;
        days.append({date, end});
    }
    return days;
}

QJsonObject periodJson(const ReportRequest &report)
{
    QJsonObject json {{QStringLiteral("from"), instantText(report.query.from)},
                      {QStringLiteral("to"), instantText(report.query.to)},
                      {QStringLiteral("period"), report.period},
                      {QStringLiteral("tz"), report.tz}};
    // Tickets are derived in id order: the ids up to next_ticket are done.
    if (report.backfill)
        json.insert(u"backfill",
                    QJsonObject {{QStringLiteral("next_ticket"), report.backfill->nextTicket},
                                 {QStringLiteral("last_ticket"), report.backfill->lastTicket}});
    return json;
}

bool wantsCsv(const HttpRequest &request, std::optional<ApiError> &error)
{
    const QString format = request.queryValue(QStringLiteral("format"));
    if (format.isNull() || format == u"json")
        return false;
    if (format != u"csv")
        error = ApiError::badRequest(QStringLiteral("format must be json or csv."));
    return format == u"csv";
}

QJsonValue optionalJson(const std::optional<qint64> &value)
{
    return value ? QJsonValue(*value) : QJsonValue(QJsonValue::Null);
}

QString optionalText(const std::optional<qint64> &value)
{
    return value ? QString::number(*value) : QString();
}

// The title of a group's key in the caller's language; the key itself when it names nothing
// the organisation or a workflow titles (a user, a tier).
QString titleOf(ReportGrouping by, const QString &key, const ReportContext &context)
{
    const Organisation &org = context.engine.organisation();
    const auto workflowOf = [&](const QString &name) -> std::shared_ptr<const Workflow> {
        const int version = context.engine.currentVersions().value(name);
        if (version == 0)
            return nullptr;
        auto workflow = context.engine.workflow(name, version);
        return workflow ? *workflow : nullptr;
    };
    QString title;
    switch (by) {
    case ReportGrouping::Department:
    case ReportGrouping::Origin:
        title = org.departments.value(key).title.text(context.language);
        break;
    case ReportGrouping::Queue:
        title = org.queues.value(key).title.text(context.language);
        break;
    case ReportGrouping::Workflow:
        if (const auto workflow = workflowOf(key))
            title = workflow->title.text(context.language);
        break;
    case ReportGrouping::State: {
        const QString name = key.section(u'/', 0, 0);
        if (const auto workflow = workflowOf(name))
            if (const State *state = workflow->state(key.section(u'/', 1)))
                title = state->title.text(context.language);
        break;
    }
    case ReportGrouping::Assignee:
    case ReportGrouping::Tier:
        break;
    }
    return title.isEmpty() ? key : title;
}

// The title of the action `action` of `state` (or of the workflow's `any:` actions) in the
// caller's language; the action's name when it has none.
QString actionTitle(const QString &workflowName, const QString &state, const QString &action,
                    const ReportContext &context)
{
    const int version = context.engine.currentVersions().value(workflowName);
    if (version == 0)
        return action;
    const auto found = context.engine.workflow(workflowName, version);
    if (!found || !*found)
        return action;
    const Workflow &workflow = **found;
    const Transition *transition = nullptr;
    if (const State *s = workflow.state(state))
        transition = s->transition(action);
    for (const Transition &t : workflow.any)
        if (!transition && t.name == action)
            transition = &t;
    const QString title = transition ? transition->title.text(context.language) : QString();
    return title.isEmpty() ? action : title;
}

HttpResponse csvResponse(const QByteArray &name, const QStringList &header,
                         const QList<QStringList> &rows)
{
    HttpResponse response = HttpResponse::bytes(200, QByteArrayLiteral("text/csv; charset=utf-8"),
                                                csvText(header, rows));
    response.headers.append(
        {QByteArrayLiteral("Content-Disposition"), "attachment; filename=\"" + name + ".csv\""});
    return response;
}

QByteArray csvText(const QStringList &header, const QList<QStringList> &rows)
{
    QByteArray out = QByteArrayLiteral("\xEF\xBB\xBF");
    const auto line = [&out](const QStringList &fields) {
        for (qsizetype i = 0; i < fields.size(); ++i) {
            QString field = fields[i];
            if (field.contains(u',') || field.contains(u'"') || field.contains(u'\n')
                || field.contains(u'\r'))
                field = u'"' + field.replace(u'"', QStringLiteral("\"\"")) + u'"';
            out += (i ? QByteArrayLiteral(",") : QByteArray()) + field.toUtf8();
        }
        out += "\r\n";
    };
    line(header);
    for (const QStringList &row : rows)
        line(row);
    return out;
}

namespace {

// The steps report's columns (JSON members and CSV header).
const QStringList &stepsHeader()
{
    static const QStringList header {QStringLiteral("key"),
                                     QStringLiteral("title"),
                                     QStringLiteral("steps"),
                                     QStringLiteral("respond_met"),
                                     QStringLiteral("respond_due"),
                                     QStringLiteral("resolve_met"),
                                     QStringLiteral("resolve_due"),
                                     QStringLiteral("breached"),
                                     QStringLiteral("escalated"),
                                     QStringLiteral("transfers"),
                                     QStringLiteral("paused_steps"),
                                     QStringLiteral("paused_seconds"),
                                     QStringLiteral("median_business_seconds"),
                                     QStringLiteral("p90_business_seconds"),
                                     QStringLiteral("median_seconds"),
                                     QStringLiteral("p90_seconds")};
    return header;
}

// A steps row as JSON and as CSV cells (the measures' cells only, without key and title); its
// title.
QString stepRow(const StepReportRow &r, ReportGrouping by, const ReportContext &context,
                QJsonObject &object, QStringList &cells)
{
    const QStringList &header = stepsHeader();
    const QList<qint64> counts {r.steps,       r.respondMet,   r.respondDue, r.resolveMet,
                                r.resolveDue,  r.breached,     r.escalated,  r.transfers,
                                r.pausedSteps, r.pausedSeconds};
    const QList<std::optional<qint64>> times {r.medianBusinessSeconds, r.p90BusinessSeconds,
                                              r.medianSeconds, r.p90Seconds};
    const QString title = titleOf(by, r.key, context);
    object = QJsonObject {{header[0], r.key}, {header[1], title}};
    for (qsizetype i = 0; i < counts.size(); ++i) {
        object.insert(header[2 + i], counts[i]);
        cells.append(QString::number(counts[i]));
    }
    for (qsizetype i = 0; i < times.size(); ++i) {
        object.insert(header[2 + counts.size() + i], optionalJson(times[i]));
        cells.append(optionalText(times[i]));
    }
    return title;
}

} // namespace

HttpResponse reportSteps(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportRequest(request, context);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    const ReportRequest &report = std::get<ReportRequest>(parsed);
    StepReportQuery query = report.query;
    if (auto bad = groupingOf(request, query))
        return bad->toResponse();
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    const QString compare = request.queryValue(QStringLiteral("compare"));
    if (!compare.isNull() && compare != u"previous")
        return ApiError::badRequest(QStringLiteral("compare must be previous.")).toResponse();
    auto rows = StepFactStore::stepsReport(context.db, query);
    if (!rows)
        return apiError(rows.failure()).toResponse();
    // compare=previous: the same report over the period before (README "Reports").
    std::optional<StepReportQuery> before;
    QList<StepReportRow> previousRows;
    if (!compare.isNull()) {
        before = query;
        std::tie(before->from, before->to) = previousRange(report);
        auto earlier = StepFactStore::stepsReport(context.db, *before);
        if (!earlier)
            return apiError(earlier.failure()).toResponse();
        previousRows = *earlier;
    }

    const QStringList &header = stepsHeader();
    const qsizetype measures = header.size() - 2;
    QJsonArray json, previousJson;
    QList<QStringList> table;
    QHash<QString, QStringList> previousCells;
    QHash<QString, QString> previousTitles;
    for (const StepReportRow &r : std::as_const(previousRows)) {
        QJsonObject object;
        QStringList cells;
        previousTitles.insert(r.key, stepRow(r, query.by, context, object, cells));
        previousCells.insert(r.key, cells);
        previousJson.append(object);
    }
    for (const StepReportRow &r : std::as_const(*rows)) {
        QJsonObject object;
        QStringList cells;
        const QString title = stepRow(r, query.by, context, object, cells);
        if (before) {
            const QStringList earlier = previousCells.take(r.key);
            cells += earlier.isEmpty() ? QStringList(measures, QString()) : earlier;
        }
        json.append(object);
        table.append(QStringList {r.key, title} + cells);
    }
    if (csv) {
        QStringList csvHeader = header;
        for (qsizetype i = 2; before && i < header.size(); ++i)
            csvHeader.append(u"previous_" + header[i]);
        if (before) {
            // The groups of the previous period only: empty current cells.
            for (const StepReportRow &r : std::as_const(previousRows))
                if (previousCells.contains(r.key))
                    table.append(QStringList {r.key, previousTitles.value(r.key)}
                                 + QStringList(measures, QString()) + previousCells.value(r.key));
        }
        return csvResponse("steps-by-" + toString(query.by).toUtf8(), csvHeader, table);
    }
    QJsonObject reply = periodJson(report);
    reply.insert(u"by", toString(query.by));
    reply.insert(u"rows", json);
    if (before)
        reply.insert(u"previous",
                     QJsonObject {{QStringLiteral("from"), instantText(before->from)},
                                  {QStringLiteral("to"), instantText(before->to)},
                                  {QStringLiteral("rows"), previousJson}});
    return HttpResponse::json(200, reply);
}

HttpResponse reportFlow(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportRequest(request, context);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    const ReportRequest &report = std::get<ReportRequest>(parsed);
    const StepReportQuery &query = report.query;
    if (query.workflow.isEmpty())
        return ApiError::badRequest(QStringLiteral("workflow is required.")).toResponse();
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    auto flow = StepFactStore::flowReport(context.db, query);
    if (!flow)
        return apiError(flow.failure()).toResponse();
    const auto stateKey
        = [&](const QString &state) -> QString { return query.workflow + u'/' + state; };
    QJsonArray states, transitions;
    QList<QStringList> table;
    for (const FlowStateRow &s : std::as_const(flow->states)) {
        const double rate = s.left ? double(s.breached) / double(s.left) : 0.0;
        states.append(QJsonObject {
            {QStringLiteral("state"), s.state},
            {QStringLiteral("title"), titleOf(ReportGrouping::State, stateKey(s.state), context)},
            {QStringLiteral("entered"), s.entered},
            {QStringLiteral("left"), s.left},
            {QStringLiteral("breached"), s.breached},
            {QStringLiteral("breach_rate"), rate},
            {QStringLiteral("median_business_seconds"), optionalJson(s.medianBusinessSeconds)},
            {QStringLiteral("p90_business_seconds"), optionalJson(s.p90BusinessSeconds)}});
        table.append({QStringLiteral("state"), s.state, QString(), QString(),
                      QString::number(s.entered), QString::number(s.left),
                      QString::number(s.breached), optionalText(s.medianBusinessSeconds),
                      optionalText(s.p90BusinessSeconds)});
    }
    for (const FlowTransitionRow &t : std::as_const(flow->transitions)) {
        // Titles in the caller's language, so that the table reads like the heat map.
        transitions.append(QJsonObject {
            {QStringLiteral("from"), t.from},
            {QStringLiteral("to"), t.to},
            {QStringLiteral("action"), t.action},
            {QStringLiteral("count"), t.count},
            {QStringLiteral("from_title"),
             titleOf(ReportGrouping::State, stateKey(t.from), context)},
            {QStringLiteral("to_title"), titleOf(ReportGrouping::State, stateKey(t.to), context)},
            {QStringLiteral("action_title"),
             actionTitle(query.workflow, t.from, t.action, context)}});
        table.append({QStringLiteral("transition"), t.from, t.to, t.action,
                      QString::number(t.count), QString(), QString(), QString(), QString()});
    }
    if (csv)
        return csvResponse("flow",
                           {QStringLiteral("kind"), QStringLiteral("state_or_from"),
                            QStringLiteral("to"), QStringLiteral("action"),
                            QStringLiteral("entered_or_count"), QStringLiteral("left"),
                            QStringLiteral("breached"), QStringLiteral("median_business_seconds"),
                            QStringLiteral("p90_business_seconds")},
                           table);
    QJsonObject reply = periodJson(report);
    reply.insert(u"workflow", query.workflow);
    reply.insert(u"states", states);
    reply.insert(u"transitions", transitions);
    return HttpResponse::json(200, reply);
}

} // namespace Baton::Api

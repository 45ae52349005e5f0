// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/reportresource.h"

#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/stepfactrows.h"

#include <QJsonArray>
#include <QJsonObject>

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

// The query every report shares: the range, the workflow, and whose steps the caller may
// see; or the error to reply.
std::variant<StepReportQuery, ApiError> reportQuery(const HttpRequest &request, const Actor &actor)
{
    StepReportQuery query;
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
    const auto from = parseInstant(request.queryValue(QStringLiteral("from")));
    const auto to = parseInstant(request.queryValue(QStringLiteral("to")));
    if (!from || !to)
        return ApiError::badRequest(
            QStringLiteral("from and to must be ISO 8601 instants with a time zone, such as "
                           "2026-11-01T00:00:00Z."));
    if (*from >= *to)
        return ApiError::badRequest(QStringLiteral("from must be before to."));
    query.from = *from;
    query.to = *to;
    query.workflow = request.queryValue(QStringLiteral("workflow"));
    return query;
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

HttpResponse csvResponse(const QByteArray &name, const QStringList &header,
                         const QList<QStringList> &rows)
{
    HttpResponse response = HttpResponse::bytes(200, QByteArrayLiteral("text/csv; charset=utf-8"),
                                                csvText(header, rows));
    response.headers.append(
        {QByteArrayLiteral("Content-Disposition"), "attachment; filename=\"" + name + ".csv\""});
    return response;
}

} // namespace

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

HttpResponse reportSteps(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportQuery(request, context.actor);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    StepReportQuery query = std::get<StepReportQuery>(parsed);
    const QString byText = request.queryValue(QStringLiteral("by"));
    const auto by
        = reportGroupingFromString(byText.isNull() ? QStringLiteral("department") : byText);
    if (!by)
        return ApiError::badRequest(QStringLiteral("by must be one of department, queue, "
                                                   "workflow, state, assignee, tier, origin."))
            .toResponse();
    query.by = *by;
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    auto rows = StepFactStore::stepsReport(context.db, query);
    if (!rows)
        return ApiError::internal(QStringLiteral("The report could not be read.")).toResponse();

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
                                     QStringLiteral("median_business_seconds"),
                                     QStringLiteral("p90_business_seconds"),
                                     QStringLiteral("median_seconds"),
                                     QStringLiteral("p90_seconds")};
    QJsonArray json;
    QList<QStringList> table;
    for (const StepReportRow &r : std::as_const(*rows)) {
        const QString title = titleOf(query.by, r.key, context);
        const QList<qint64> counts {r.steps,      r.respondMet, r.respondDue,
                                    r.resolveMet, r.resolveDue, r.breached,
                                    r.escalated,  r.transfers,  r.pausedSteps};
        const QList<std::optional<qint64>> times {r.medianBusinessSeconds, r.p90BusinessSeconds,
                                                  r.medianSeconds, r.p90Seconds};
        QJsonObject object {{header[0], r.key}, {header[1], title}};
        QStringList cells {r.key, title};
        for (qsizetype i = 0; i < counts.size(); ++i) {
            object.insert(header[2 + i], counts[i]);
            cells.append(QString::number(counts[i]));
        }
        for (qsizetype i = 0; i < times.size(); ++i) {
            object.insert(header[2 + counts.size() + i], optionalJson(times[i]));
            cells.append(optionalText(times[i]));
        }
        json.append(object);
        table.append(cells);
    }
    if (csv)
        return csvResponse("steps-by-" + toString(query.by).toUtf8(), header, table);
    return HttpResponse::json(200,
                              QJsonObject {{QStringLiteral("from"), instantText(query.from)},
                                           {QStringLiteral("to"), instantText(query.to)},
                                           {QStringLiteral("by"), toString(query.by)},
                                           {QStringLiteral("rows"), json}});
}

HttpResponse reportFlow(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportQuery(request, context.actor);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    const StepReportQuery query = std::get<StepReportQuery>(parsed);
    if (query.workflow.isEmpty())
        return ApiError::badRequest(QStringLiteral("workflow is required.")).toResponse();
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    auto flow = StepFactStore::flowReport(context.db, query);
    if (!flow)
        return ApiError::internal(QStringLiteral("The report could not be read.")).toResponse();
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
        transitions.append(QJsonObject {{QStringLiteral("from"), t.from},
                                        {QStringLiteral("to"), t.to},
                                        {QStringLiteral("action"), t.action},
                                        {QStringLiteral("count"), t.count}});
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
    return HttpResponse::json(200,
                              QJsonObject {{QStringLiteral("from"), instantText(query.from)},
                                           {QStringLiteral("to"), instantText(query.to)},
                                           {QStringLiteral("workflow"), query.workflow},
                                           {QStringLiteral("states"), states},
                                           {QStringLiteral("transitions"), transitions}});
}

} // namespace Baton::Api

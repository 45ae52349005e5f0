// SPDX-License-Identifier: GPL-3.0-or-later
// The reports over tickets and time (issue 17, second slice): outcomes, escalations, backlog,
// and the drill-down to the tickets behind a number. README "Reports" defines each measure.
#include "api/reportparts_p.h"
#include "api/reportresource.h"

#include "api/apierror.h"

#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/flowtickets.h"
#include "store/stepfactmeasures.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>

#include <algorithm>
#include <array>

namespace Baton::Api {

using Http::ApiError;

std::optional<ApiError> groupingOf(const HttpRequest &request, StepReportQuery &query)
{
    const QString byText = request.queryValue(QStringLiteral("by"));
    const auto by
        = reportGroupingFromString(byText.isNull() ? QStringLiteral("department") : byText);
    if (!by)
        return ApiError::badRequest(QStringLiteral("by must be one of department, queue, "
                                                   "workflow, state, assignee, tier, origin."));
    query.by = *by;
    return std::nullopt;
}

namespace {

constexpr int drillDownLimit = 500;

// The queues a report may show: every queue for an admin, else those of the departments in
// scope.
QStringList queuesInScope(const StepReportQuery &query, const Organisation &org)
{
    QStringList queues;
    for (auto it = org.queues.cbegin(); it != org.queues.cend(); ++it)
        if (query.allDepartments || query.departments.contains(it->department))
            queues.append(it.key());
    return queues;
}

double rate(qint64 part, qint64 whole)
{
    return whole ? double(part) / double(whole) : 0.0;
}

// Whether a closure counts in an outcomes measure (drill-down); nullopt: no such measure.
std::optional<bool> closureCounts(const ClosureFacts &c, const QString &measure)
{
    if (measure == u"closed")
        return true;
    if (measure == u"reopened")
        return c.reopened;
    if (measure == u"first_contact")
        return c.firstContact;
    if (measure == u"bounced")
        return c.bounced;
    if (measure == u"handoff_limit")
        return c.handoffLimit;
    if (measure == u"escalated")
        return c.escalated;
    if (measure == u"handoffs")
        return c.handoffs > 0;
    return std::nullopt;
}

} // namespace

// The parsed request of a grouped report, or the reply to send instead.
std::variant<GroupedRequest, HttpResponse> groupedRequest(const HttpRequest &request,
                                                          const ReportContext &context)
{
    auto parsed = reportRequest(request, context);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    GroupedRequest grouped {std::get<ReportRequest>(parsed), false};
    if (auto bad = groupingOf(request, grouped.report.query))
        return bad->toResponse();
    std::optional<ApiError> formatError;
    grouped.csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    return grouped;
}

// A grouped report's reply: the table as CSV when asked for, else JSON with the period, the
// grouping and the rows.
HttpResponse groupedReply(const GroupedRequest &grouped, const char *name,
                          const QStringList &header, const QList<QStringList> &table,
                          const QJsonArray &rows, const QJsonObject &extra)
{
    const ReportRequest &report = grouped.report;
    if (grouped.csv)
        return csvResponse(name + QByteArrayLiteral("-by-") + toString(report.query.by).toUtf8(),
                           header, table);
    QJsonObject reply = periodJson(report);
    reply.insert(u"by", toString(report.query.by));
    reply.insert(u"rows", rows);
    for (auto it = extra.begin(); it != extra.end(); ++it)
        reply.insert(it.key(), it.value());
    return HttpResponse::json(200, reply);
}

HttpResponse reportOutcomes(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = groupedRequest(request, context);
    if (auto *reply = std::get_if<HttpResponse>(&parsed))
        return std::move(*reply);
    const GroupedRequest &grouped = std::get<GroupedRequest>(parsed);
    const ReportRequest &report = grouped.report;
    auto groups = StepFactMeasures::outcomes(context.db, report.query);
    if (!groups)
        return apiError(groups.failure()).toResponse();
    static const QStringList header {QStringLiteral("key"),
                                     QStringLiteral("title"),
                                     QStringLiteral("closed"),
                                     QStringLiteral("reopened"),
                                     QStringLiteral("reopen_rate"),
                                     QStringLiteral("first_contact"),
                                     QStringLiteral("first_contact_rate"),
                                     QStringLiteral("handoffs"),
                                     QStringLiteral("bounced"),
                                     QStringLiteral("handoff_limit"),
                                     QStringLiteral("escalated")};
    QJsonArray json;
    QList<QStringList> table;
    for (const OutcomeCounts &r : std::as_const(*groups)) {
        const QString title = titleOf(report.query.by, r.key, context);
        const double reopenRate = rate(r.reopened, r.closed);
        const double fcrRate = rate(r.firstContact, r.closed);
        json.append(QJsonObject {{header[0], r.key},
                                 {header[1], title},
                                 {header[2], r.closed},
                                 {header[3], r.reopened},
                                 {header[4], reopenRate},
                                 {header[5], r.firstContact},
                                 {header[6], fcrRate},
                                 {header[7], r.handoffs},
                                 {header[8], r.bounced},
                                 {header[9], r.handoffLimit},
                                 {header[10], r.escalated}});
        table.append({r.key, title, QString::number(r.closed), QString::number(r.reopened),
                      QString::number(reopenRate), QString::number(r.firstContact),
                      QString::number(fcrRate), QString::number(r.handoffs),
                      QString::number(r.bounced), QString::number(r.handoffLimit),
                      QString::number(r.escalated)});
    }
    return groupedReply(grouped, "outcomes", header, table, json);
}

namespace {

struct VolumeRow
{
    qint64 opened = 0, steps = 0, closed = 0;
};

// The group of an opening's first step; department and origin of a ticket still in it from the
// organisation (its queue's department, else the originator's) and the originator's first
// department.
QString openingKey(ReportGrouping by, OpeningRow row, const Organisation &org)
{
    if (!row.firstStepEnded) {
        const QJsonArray departments
            = QJsonDocument::fromJson(row.originatorDepartments.toUtf8()).array();
        row.origin = departments.isEmpty() ? QString() : departments.first().toString();
        row.department = row.queue.isEmpty() ? row.origin : org.queues.value(row.queue).department;
    }
    return groupKeyOf(by, row);
}

// The tickets opened in the period per group (README "Reports": volume), by id; or the error.
Result<QMap<QString, QList<qint64>>> openedByGroup(const ReportContext &context,
                                                   const StepReportQuery &query)
{
    auto openings = StepFactMeasures::openings(context.db, query);
    if (!openings)
        return openings.failure();
    const Organisation &org = context.engine.organisation();
    QMap<QString, QList<qint64>> groups;
    for (const OpeningRow &row : std::as_const(*openings)) {
        // In scope like a step: by the first step's department.
        const QString department = openingKey(ReportGrouping::Department, row, org);
        if (query.allDepartments || query.departments.contains(department))
            groups[openingKey(query.by, row, org)].append(row.ticketId);
    }
    return groups;
}

// Opened, finished and closed per group; or the error.
Result<QMap<QString, VolumeRow>> volumeOf(const ReportContext &context,
                                          const StepReportQuery &query)
{
    QMap<QString, VolumeRow> groups;
    auto counts = StepFactMeasures::volume(context.db, query);
    if (!counts)
        return counts.failure();
    for (const VolumeCounts &c : std::as_const(*counts)) {
        groups[c.key].steps = c.steps;
        groups[c.key].closed = c.closed;
    }
    auto opened = openedByGroup(context, query);
    if (!opened)
        return opened.failure();
    for (auto it = opened->cbegin(); it != opened->cend(); ++it)
        groups[it.key()].opened = it.value().size();
    return groups;
}

} // namespace

HttpResponse reportVolume(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = groupedRequest(request, context);
    if (auto *reply = std::get_if<HttpResponse>(&parsed))
        return std::move(*reply);
    const GroupedRequest &grouped = std::get<GroupedRequest>(parsed);
    const StepReportQuery &query = grouped.report.query;
    auto groups = volumeOf(context, query);
    if (!groups)
        return apiError(groups.failure()).toResponse();
    QJsonArray json;
    QList<QStringList> table;
    for (auto it = groups->cbegin(); it != groups->cend(); ++it) {
        const VolumeRow &r = it.value();
        const QString title = titleOf(query.by, it.key(), context);
        json.append(QJsonObject {{QStringLiteral("key"), it.key()},
                                 {QStringLiteral("title"), title},
                                 {QStringLiteral("opened"), r.opened},
                                 {QStringLiteral("steps"), r.steps},
                                 {QStringLiteral("closed"), r.closed}});
        table.append({it.key(), title, QString::number(r.opened), QString::number(r.steps),
                      QString::number(r.closed)});
    }
    return groupedReply(grouped, "volume",
                        {QStringLiteral("key"), QStringLiteral("title"), QStringLiteral("opened"),
                         QStringLiteral("steps"), QStringLiteral("closed")},
                        table, json);
}

HttpResponse reportEscalations(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = groupedRequest(request, context);
    if (auto *reply = std::get_if<HttpResponse>(&parsed))
        return std::move(*reply);
    const GroupedRequest &grouped = std::get<GroupedRequest>(parsed);
    const ReportRequest &report = grouped.report;
    auto rows = StepFactMeasures::escalations(context.db, report.query);
    if (!rows)
        return apiError(rows.failure()).toResponse();
    QJsonArray json;
    QList<QStringList> table;
    for (const EscalationRow &r : std::as_const(*rows)) {
        const QString title = titleOf(report.query.by, r.key, context);
        const QString toTitle
            = r.to.isEmpty() ? QString() : titleOf(ReportGrouping::Queue, r.to, context);
        json.append(QJsonObject {{QStringLiteral("key"), r.key},
                                 {QStringLiteral("title"), title},
                                 {QStringLiteral("to"), r.to},
                                 {QStringLiteral("to_title"), toTitle},
                                 {QStringLiteral("count"), r.count}});
        table.append({r.key, title, r.to, toTitle, QString::number(r.count)});
    }
    return groupedReply(grouped, "escalations",
                        {QStringLiteral("key"), QStringLiteral("title"), QStringLiteral("to"),
                         QStringLiteral("to_title"), QStringLiteral("count")},
                        table, json);
}

HttpResponse reportBacklog(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportRequest(request, context);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    const ReportRequest &report = std::get<ReportRequest>(parsed);
    const QString by = request.queryValue(QStringLiteral("by"));
    if (!by.isNull() && by != u"queue")
        return ApiError::badRequest(QStringLiteral("the backlog is by=queue.")).toResponse();
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    const QList<ReportDay> days = reportDays(report);
    BacklogQuery query;
    for (const ReportDay &day : days)
        query.instants.append(day.end);
    query.allQueues = report.query.allDepartments;
    query.queues = queuesInScope(report.query, context.engine.organisation());
    auto counts = StepFactMeasures::backlog(context.db, query);
    if (!counts)
        return apiError(counts.failure()).toResponse();
    QJsonArray dayList, rows;
    QStringList header {QStringLiteral("key"), QStringLiteral("title")};
    for (const ReportDay &day : days) {
        const QString date = day.date.toString(Qt::ISODate);
        dayList.append(
            QJsonObject {{QStringLiteral("date"), date},
                         {QStringLiteral("at"),
                          QDateTime::fromMSecsSinceEpoch(day.end, Qt::UTC).toString(Qt::ISODate)}});
        header.append(date);
    }
    QList<QStringList> table;
    for (auto it = counts->cbegin(); it != counts->cend(); ++it) {
        const QString title = titleOf(ReportGrouping::Queue, it.key(), context);
        QJsonArray open;
        QStringList cells {it.key(), title};
        for (qint64 n : it.value()) {
            open.append(n);
            cells.append(QString::number(n));
        }
        rows.append(QJsonObject {{QStringLiteral("key"), it.key()},
                                 {QStringLiteral("title"), title},
                                 {QStringLiteral("open"), open}});
        table.append(cells);
    }
    if (csv)
        return csvResponse("backlog-by-queue", header, table);
    QJsonObject reply = periodJson(report);
    reply.insert(u"by", QStringLiteral("queue"));
    reply.insert(u"days", dayList);
    reply.insert(u"rows", rows);
    return HttpResponse::json(200, reply);
}

namespace {

using DrillIds = std::variant<QList<qint64>, ApiError>;

// One number's drill-down request: the report's query (grouping included), the row's key and
// the column.
struct DrillRequest
{
    const HttpRequest &request;
    const ReportContext &context;
    const ReportRequest &report;
    StepReportQuery query;
    QString group, measure;
};

DrillIds idsOr(const Result<QList<qint64>> &ids)
{
    if (!ids)
        return apiError(ids.failure());
    return *ids;
}

DrillIds backlogIds(const DrillRequest &drill)
{
    const QString date = drill.request.queryValue(QStringLiteral("date"));
    if (!queuesInScope(drill.report.query, drill.context.engine.organisation())
             .contains(drill.group))
        return ApiError::forbidden(
            QStringLiteral("Queue %1 is not in your report.").arg(drill.group));
    for (const ReportDay &day : reportDays(drill.report))
        if (day.date.toString(Qt::ISODate) == date)
            return idsOr(StepFactMeasures::backlogTickets(drill.context.db, drill.group, day.end));
    return ApiError::badRequest(QStringLiteral("date must be a day of the period (YYYY-MM-DD)."));
}

DrillIds stepIds(const DrillRequest &drill)
{
    const auto measure
        = stepMeasureFromString(drill.measure.isNull() ? QStringLiteral("steps") : drill.measure);
    if (!measure)
        return ApiError::badRequest(
            QStringLiteral("measure must be steps, breached, escalated, transfers, respond_due, "
                           "respond_missed, resolve_due, resolve_missed or paused_steps."));
    return idsOr(
        StepFactMeasures::stepTickets(drill.context.db, drill.query, drill.group, *measure));
}

DrillIds outcomeIds(const DrillRequest &drill)
{
    auto closures = StepFactMeasures::closures(drill.context.db, drill.query);
    if (!closures)
        return apiError(closures.failure());
    QList<qint64> ids;
    for (const ClosureFacts &c : std::as_const(*closures)) {
        const auto counts = closureCounts(c, drill.measure);
        if (!counts)
            return ApiError::badRequest(
                QStringLiteral("measure must be closed, reopened, first_contact, handoffs, "
                               "bounced, handoff_limit or escalated."));
        if (c.key == drill.group && *counts)
            ids.append(c.ticketId);
    }
    return ids;
}

// The volume's openings by their first step's group; its steps and closures are the steps and
// outcomes reports' own.
DrillIds volumeIds(const DrillRequest &drill)
{
    if (drill.measure == u"steps")
        return stepIds(drill);
    if (drill.measure == u"closed")
        return outcomeIds(drill);
    if (!drill.measure.isNull() && drill.measure != u"opened")
        return ApiError::badRequest(QStringLiteral("measure must be opened, steps or closed."));
    auto opened = openedByGroup(drill.context, drill.query);
    if (!opened)
        return apiError(opened.failure());
    return opened->value(drill.group);
}

// An escalations row: its group, and with target= the queue the escalation moved the work to
// ("" for those that only notified).
DrillIds escalationIds(const DrillRequest &drill)
{
    if (!drill.measure.isNull() && drill.measure != u"count")
        return ApiError::badRequest(QStringLiteral("measure must be count."));
    const QString target = drill.request.queryValue(QStringLiteral("target"));
    return idsOr(StepFactMeasures::escalationTickets(drill.context.db, drill.query, drill.group,
                                                     target.isNull() ? std::nullopt
                                                                     : std::optional(target)));
}

// The heat map's numbers (the flow report, by state whatever by= says): a state's entered,
// left or breached steps (group = the state), or with measure=transition the steps that went
// from the group's state to `next` (by `action`, or by any; `to` is the period's end).
DrillIds flowIds(const DrillRequest &drill)
{
    if (drill.query.workflow.isEmpty())
        return ApiError::badRequest(QStringLiteral("workflow is required."));
    if (drill.measure == u"transition") {
        const QString next = drill.request.queryValue(QStringLiteral("next"));
        if (next.isEmpty())
            return ApiError::badRequest(QStringLiteral("next (the state entered) is required."));
        const QString action = drill.request.queryValue(QStringLiteral("action"));
        return idsOr(FlowTickets::transitionTickets(
            drill.context.db, drill.query, drill.group, next,
            action.isEmpty() ? std::nullopt : std::optional(action)));
    }
    static const QList<std::pair<QString, FlowTickets::StateMeasure>> measures {
        {QStringLiteral("entered"), FlowTickets::StateMeasure::Entered},
        {QStringLiteral("left"), FlowTickets::StateMeasure::Left},
        {QStringLiteral("breached"), FlowTickets::StateMeasure::Breached},
    };
    const QString measure = drill.measure.isNull() ? QStringLiteral("left") : drill.measure;
    for (const auto &[name, value] : measures)
        if (name == measure)
            return idsOr(
                FlowTickets::stateTickets(drill.context.db, drill.query, drill.group, value));
    return ApiError::badRequest(
        QStringLiteral("measure must be entered, left, breached or transition."));
}

DrillIds satisfactionIds(const DrillRequest &drill)
{
    return satisfactionTickets(drill.context, drill.query, drill.group,
                               drill.measure.isNull() ? QStringLiteral("ratings") : drill.measure);
}

// The ticket ids behind one number of a report, or the error to reply.
DrillIds drillDownIds(const HttpRequest &request, const ReportContext &context,
                      const ReportRequest &report)
{
    static const QList<std::pair<QString, DrillIds (*)(const DrillRequest &)>> kinds {
        {QStringLiteral("steps"), &stepIds},
        {QStringLiteral("volume"), &volumeIds},
        {QStringLiteral("outcomes"), &outcomeIds},
        {QStringLiteral("escalations"), &escalationIds},
        {QStringLiteral("backlog"), &backlogIds},
        {QStringLiteral("satisfaction"), &satisfactionIds},
        {QStringLiteral("flow"), &flowIds},
    };
    DrillRequest drill {request,
                        context,
                        report,
                        report.query,
                        request.queryValue(QStringLiteral("group")),
                        request.queryValue(QStringLiteral("measure"))};
    if (drill.group.isNull())
        return ApiError::badRequest(QStringLiteral("group (the row's key) is required."));
    const QString kind = request.queryValue(QStringLiteral("report"));
    const auto found = std::find_if(kinds.cbegin(), kinds.cend(),
                                    [&](const auto &entry) { return entry.first == kind; });
    if (found == kinds.cend())
        return ApiError::badRequest(QStringLiteral(
            "report must be steps, volume, outcomes, escalations, backlog, satisfaction or flow."));
    // The backlog is by queue and the flow by state whatever by= says.
    if (kind != u"backlog" && kind != u"flow")
        if (auto bad = groupingOf(request, drill.query))
            return *bad;
    return found->second(drill);
}

} // namespace

HttpResponse reportTickets(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = reportRequest(request, context);
    if (auto *error = std::get_if<ApiError>(&parsed))
        return error->toResponse();
    const ReportRequest &report = std::get<ReportRequest>(parsed);
    std::optional<ApiError> formatError;
    const bool csv = wantsCsv(request, formatError);
    if (formatError)
        return formatError->toResponse();
    auto ids = drillDownIds(request, context, report);
    if (auto *error = std::get_if<ApiError>(&ids))
        return error->toResponse();
    const QList<qint64> &all = std::get<QList<qint64>>(ids);
    auto tickets = StepFactMeasures::summaries(context.db, all, drillDownLimit);
    if (!tickets)
        return apiError(tickets.failure()).toResponse();
    static const QStringList header {QStringLiteral("id"),    QStringLiteral("key"),
                                     QStringLiteral("title"), QStringLiteral("workflow"),
                                     QStringLiteral("state"), QStringLiteral("state_title"),
                                     QStringLiteral("status")};
    QJsonArray items;
    QList<QStringList> table;
    for (const TicketSummary &t : std::as_const(*tickets)) {
        const QString stateTitle
            = titleOf(ReportGrouping::State, t.workflow + u'/' + t.state, context);
        const QStringList cells {
            QString::number(t.id), t.key, t.title, t.workflow, t.state, stateTitle, t.status};
        QJsonObject item {{header[0], t.id}};
        for (qsizetype i = 1; i < header.size(); ++i)
            item.insert(header[i], cells[i]);
        items.append(item);
        table.append(cells);
    }
    if (csv)
        return csvResponse("tickets", header, table);
    QJsonObject reply = periodJson(report);
    reply.insert(u"tickets", items);
    reply.insert(u"truncated", tickets->size() < QSet<qint64>(all.cbegin(), all.cend()).size());
    return HttpResponse::json(200, reply);
}

} // namespace Baton::Api

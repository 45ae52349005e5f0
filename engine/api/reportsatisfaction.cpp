// SPDX-License-Identifier: GPL-3.0-or-later
// The satisfaction report (issue 17): ratings recorded on follow-up tickets (fields marked
// `csat: true`), attributed to the groups of the steps of the ticket each follows up, and the
// follow-ups whose `csat: solved` answer is false. README "Reports" defines each number.
#include "api/reportparts_p.h"
#include "api/reportresource.h"

#include "api/apierror.h"

#include "runtime/engine.h"
#include "store/satisfactionrows.h"

#include <QJsonDocument>
#include <QMap>

namespace Baton::Api {

using Http::ApiError;

namespace {

// What makes a workflow a follow-up: its rating field (the first marked `csat: true`) and the
// field that answers whether the problem was solved (`csat: solved`, may be empty).
struct FollowUpWorkflow
{
    QString rating, solved;
    QStringList options; ///< a choice rating's options, best first; empty for an int
};

// One rating recorded in the period: the follow-up, its value and the groups it counts in.
struct Rating
{
    qint64 followUp = 0, source = 0, at = 0;
    QString key, sourceKey;
    QJsonValue value;
    double score = 0;
    bool notSolved = false;
    QStringList groups;
};

QHash<QString, FollowUpWorkflow> followUpWorkflows(Engine &engine)
{
    QHash<QString, FollowUpWorkflow> out;
    const QMap<QString, int> versions = engine.currentVersions();
    for (auto it = versions.cbegin(); it != versions.cend(); ++it) {
        auto workflow = engine.workflow(it.key(), it.value());
        if (!workflow || !*workflow)
            continue;
        FollowUpWorkflow followUp;
        for (const FieldDef &field : (*workflow)->fields) {
            if (field.csat && followUp.rating.isEmpty()) {
                followUp.rating = field.name;
                if (field.type == FieldType::Choice)
                    followUp.options = field.options;
            }
            if (field.csatSolved)
                followUp.solved = field.name;
        }
        if (!followUp.rating.isEmpty())
            out.insert(it.key(), followUp);
    }
    return out;
}

// The score a rating averages as: an int's value; a choice's options scored n (the first,
// best) down to 1 (the last).
std::optional<double> scoreOf(const FollowUpWorkflow &workflow, const QJsonValue &value)
{
    if (workflow.options.isEmpty())
        return value.isDouble() ? std::optional(value.toDouble()) : std::nullopt;
    const qsizetype index = workflow.options.indexOf(value.toString());
    if (index < 0)
        return std::nullopt;
    return double(workflow.options.size() - index);
}

// A rating as the period's last fields_changed event of its follow-up recorded it.
struct Recorded
{
    qint64 at = 0;
    QString workflow;
    QJsonValue value;
};

// The last rating each follow-up recorded in the period, by follow-up ticket.
Result<QMap<qint64, Recorded>> recordedRatings(const ReportContext &context,
                                               const StepReportQuery &query,
                                               const QHash<QString, FollowUpWorkflow> &workflows)
{
    auto events
        = SatisfactionRows::recordedFields(context.db, workflows.keys(), query.from, query.to);
    if (!events)
        return events.failure();
    QMap<qint64, Recorded> out;
    for (const RecordedFields &event : std::as_const(*events)) {
        const QJsonObject fields
            = QJsonDocument::fromJson(event.data.toUtf8()).object().value(u"fields").toObject();
        const QJsonValue value = fields.value(workflows.value(event.workflow).rating);
        if (value.isNull() || value.isUndefined())
            continue;
        out.insert(event.ticketId, {event.at, event.workflow, value});
    }
    return out;
}

// The period's ratings with the groups (in scope) that worked the tickets they follow up;
// ratings of tickets nobody in scope worked (or opened by hand, following nothing up) are left
// out.
Result<QList<Rating>> ratingsOf(const ReportContext &context, const StepReportQuery &query)
{
    const QHash<QString, FollowUpWorkflow> workflows = followUpWorkflows(context.engine);
    auto recorded = recordedRatings(context, query, workflows);
    if (!recorded)
        return recorded.failure();
    auto followUps = SatisfactionRows::followUps(context.db, recorded->keys());
    if (!followUps)
        return followUps.failure();
    QList<qint64> sources;
    for (const FollowUpRow &row : std::as_const(*followUps))
        if (row.source)
            sources.append(row.source);
    auto groups = SatisfactionRows::workedBy(context.db, sources, query);
    if (!groups)
        return groups.failure();
    QList<Rating> out;
    for (const FollowUpRow &row : std::as_const(*followUps)) {
        const Recorded &r = (*recorded)[row.id];
        const FollowUpWorkflow workflow = workflows.value(r.workflow);
        const auto score = scoreOf(workflow, r.value);
        const QStringList worked = groups->value(row.source);
        if (!score || worked.isEmpty())
            continue;
        const QJsonObject fields = QJsonDocument::fromJson(row.fields.toUtf8()).object();
        const QJsonValue solved = fields.value(workflow.solved);
        out.append({row.id, row.source, r.at, row.key, row.sourceKey, r.value, *score,
                    !workflow.solved.isEmpty() && solved.isBool() && !solved.toBool(), worked});
    }
    return out;
}

struct SatisfactionGroup
{
    qint64 ratings = 0, notSolved = 0;
    double scoreSum = 0;
    QMap<QString, qint64> counts; ///< by rating value
};

QString valueText(const QJsonValue &value)
{
    return value.isDouble() ? QString::number(value.toInteger()) : value.toString();
}

QJsonObject notSolvedJson(const Rating &r)
{
    return {
        {QStringLiteral("id"), r.followUp},
        {QStringLiteral("key"), r.key},
        {QStringLiteral("source"), r.source},
        {QStringLiteral("source_key"), r.sourceKey},
        {QStringLiteral("rating"), r.value},
        {QStringLiteral("at"), QDateTime::fromMSecsSinceEpoch(r.at, Qt::UTC).toString(Qt::ISODate)},
        {QStringLiteral("groups"), QJsonArray::fromStringList(r.groups)}};
}

QStringList notSolvedCells(const Rating &r)
{
    return {QString::number(r.followUp),
            r.key,
            QString::number(r.source),
            r.sourceKey,
            valueText(r.value),
            QDateTime::fromMSecsSinceEpoch(r.at, Qt::UTC).toString(Qt::ISODate),
            r.groups.join(u' ')};
}

// Which table a CSV download holds (table=rows, the default, or not_solved); or the error.
std::variant<bool, ApiError> wantsNotSolvedTable(const HttpRequest &request)
{
    const QString table = request.queryValue(QStringLiteral("table"));
    if (table.isNull() || table == u"rows")
        return false;
    if (table != u"not_solved")
        return ApiError::badRequest(QStringLiteral("table must be rows or not_solved."));
    return true;
}

} // namespace

HttpResponse reportSatisfaction(const HttpRequest &request, const ReportContext &context)
{
    auto parsed = groupedRequest(request, context);
    if (auto *reply = std::get_if<HttpResponse>(&parsed))
        return std::move(*reply);
    const GroupedRequest &grouped = std::get<GroupedRequest>(parsed);
    const StepReportQuery &query = grouped.report.query;
    const auto notSolvedTable = wantsNotSolvedTable(request);
    if (const auto *bad = std::get_if<ApiError>(&notSolvedTable))
        return bad->toResponse();
    auto ratings = ratingsOf(context, query);
    if (!ratings)
        return apiError(ratings.failure()).toResponse();
    if (grouped.csv && std::get<bool>(notSolvedTable)) {
        QList<QStringList> table;
        for (const Rating &r : std::as_const(*ratings))
            if (r.notSolved)
                table.append(notSolvedCells(r));
        return csvResponse("satisfaction-not-solved-by-" + toString(query.by).toUtf8(),
                           {QStringLiteral("id"), QStringLiteral("key"), QStringLiteral("source"),
                            QStringLiteral("source_key"), QStringLiteral("rating"),
                            QStringLiteral("at"), QStringLiteral("groups")},
                           table);
    }
    QMap<QString, SatisfactionGroup> groups;
    QJsonArray notSolved;
    for (const Rating &r : std::as_const(*ratings)) {
        for (const QString &key : r.groups) {
            SatisfactionGroup &group = groups[key];
            ++group.ratings;
            group.notSolved += r.notSolved;
            group.scoreSum += r.score;
            ++group.counts[valueText(r.value)];
        }
        if (r.notSolved)
            notSolved.append(notSolvedJson(r));
    }
    QJsonArray json;
    QList<QStringList> table;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        const SatisfactionGroup &g = it.value();
        const QString title = titleOf(query.by, it.key(), context);
        const double average = g.scoreSum / double(g.ratings);
        QJsonObject counts;
        for (auto c = g.counts.cbegin(); c != g.counts.cend(); ++c)
            counts.insert(c.key(), c.value());
        json.append(QJsonObject {{QStringLiteral("key"), it.key()},
                                 {QStringLiteral("title"), title},
                                 {QStringLiteral("ratings"), g.ratings},
                                 {QStringLiteral("average"), average},
                                 {QStringLiteral("not_solved"), g.notSolved},
                                 {QStringLiteral("counts"), counts}});
        table.append({it.key(), title, QString::number(g.ratings), QString::number(average),
                      QString::number(g.notSolved)});
    }
    return groupedReply(grouped, "satisfaction",
                        {QStringLiteral("key"), QStringLiteral("title"), QStringLiteral("ratings"),
                         QStringLiteral("average"), QStringLiteral("not_solved")},
                        table, json, {{QStringLiteral("not_solved"), notSolved}});
}

std::variant<QList<qint64>, ApiError> satisfactionTickets(const ReportContext &context,
                                                          const StepReportQuery &query,
                                                          const QString &key,
                                                          const QString &measure)
{
    if (measure != u"ratings" && measure != u"not_solved")
        return ApiError::badRequest(QStringLiteral("measure must be ratings or not_solved."));
    auto ratings = ratingsOf(context, query);
    if (!ratings)
        return apiError(ratings.failure());
    QList<qint64> ids;
    for (const Rating &r : std::as_const(*ratings))
        if (r.groups.contains(key) && (measure == u"ratings" || r.notSolved))
            ids.append(r.followUp);
    return ids;
}

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// The admin's view of the ways out (issue 15): the plugins loaded, each channel with its
// health, the delivery log, retry of dead letters and a test message. Admin only. No channel
// setting is ever answered: settings may hold secrets (or name them), and the health's last
// failure comes from the worker with secret values already taken out.
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "api/weeklysummary.h"
#include "core/clock.h"
#include "delivery/deliveryworker.h"
#include "http/jsonbody.h"
#include "pluginhost/pluginhost.h"
#include "store/database.h"
#include "store/outboxqueue.h"

#include <QJsonArray>

#include <algorithm>
#include <variant>

namespace Baton::Api {

namespace {

QJsonValue msOrNull(std::optional<qint64> ms)
{
    return ms ? timeOrNull(QDateTime::fromMSecsSinceEpoch(*ms, Qt::UTC))
              : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonObject deliveryJson(const OutboxEntry &entry)
{
    return QJsonObject {
        {QStringLiteral("id"), entry.row.deliveryId},
        {QStringLiteral("channel"), entry.row.channel},
        {QStringLiteral("ticket_id"),
         entry.row.ticketId ? QJsonValue(entry.row.ticketId) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("ticket_key"), textOrNull(entry.ticketKey)},
        {QStringLiteral("event"), entry.row.kind},
        {QStringLiteral("status"), entry.status},
        {QStringLiteral("attempts"), entry.attempts},
        {QStringLiteral("created_at"), msOrNull(entry.row.createdAt)},
        {QStringLiteral("last_attempt_at"), msOrNull(entry.lastAttemptAt)},
        {QStringLiteral("next_attempt_at"),
         entry.status == u"pending" ? msOrNull(entry.nextAttemptAt) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("last_error"), textOrNull(entry.lastError)},
        {QStringLiteral("failure_kind"), textOrNull(entry.failureKind)},
        {QStringLiteral("receipt"), textOrNull(entry.receipt)}};
}

const QStringList deliveryStatuses {QStringLiteral("pending"), QStringLiteral("delivered"),
                                    QStringLiteral("dead")};

/// The delivery log's query, checked; the error to answer otherwise.
std::variant<DeliverySearch, ApiError> readDeliverySearch(const HttpRequest &r)
{
    static const QStringList known {QStringLiteral("ticket"), QStringLiteral("channel"),
                                    QStringLiteral("status"), QStringLiteral("limit")};
    for (const auto &item : r.query.queryItems())
        if (!known.contains(item.first))
            return ApiError::badRequest(QStringLiteral("Unknown parameter: %1").arg(item.first));
    DeliverySearch search;
    // A ticket by its id (42) or its key as people read it (IT-42).
    const QString ticket = r.queryValue(QStringLiteral("ticket")).trimmed();
    bool numeric = false;
    const qint64 ticketId = ticket.toLongLong(&numeric);
    if (numeric)
        search.ticketId = ticketId;
    else
        search.ticketKey = ticket.toUpper();
    search.channel = r.queryValue(QStringLiteral("channel"));
    search.status = r.queryValue(QStringLiteral("status"));
    if (!search.status.isEmpty() && !deliveryStatuses.contains(search.status))
        return ApiError::badRequest(QStringLiteral("status must be pending, delivered or dead."));
    if (const QString limit = r.queryValue(QStringLiteral("limit")); !limit.isNull()) {
        bool ok = false;
        search.limit = limit.toInt(&ok);
        if (!ok || search.limit < 1 || search.limit > 500)
            return ApiError::badRequest(QStringLiteral("limit must be 1 to 500."));
    }
    return search;
}

} // namespace

void ApiServer::Private::adminPlugins(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    QJsonArray loaded, failed;
    if (o.plugins) {
        for (const LoadedPlugin &plugin : o.plugins->loaded())
            loaded.append(QJsonObject {{QStringLiteral("name"), plugin.info.name},
                                       {QStringLiteral("version"), plugin.info.version},
                                       {QStringLiteral("description"), plugin.info.description},
                                       {QStringLiteral("interface"), plugin.info.interfaceId},
                                       {QStringLiteral("file"), plugin.file}});
        for (const PluginFailure &failure : o.plugins->failures())
            failed.append(QJsonObject {{QStringLiteral("name"), failure.name},
                                       {QStringLiteral("file"), failure.file},
                                       {QStringLiteral("reason"), failure.reason}});
    }
    ctx.ok(QJsonObject {{QStringLiteral("loaded"), loaded}, {QStringLiteral("failed"), failed}});
}

void ApiServer::Private::adminChannels(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto health = valueOrError(ctx, OutboxQueue::health(*db));
    if (!health)
        return;
    QJsonArray out;
    for (const ChannelDefinition &channel : std::as_const(o.channels)) {
        const ChannelHealth h = health->value(channel.name);
        out.append(QJsonObject {
            {QStringLiteral("name"), channel.name},
            {QStringLiteral("plugin"), channel.plugin},
            {QStringLiteral("plugin_loaded"),
             o.plugins != nullptr && o.plugins->channel(channel.plugin) != nullptr},
            {QStringLiteral("events"), QJsonArray::fromStringList(channel.events)},
            {QStringLiteral("workflows"), QJsonArray::fromStringList(channel.workflows)},
            {QStringLiteral("last_success_at"), msOrNull(h.lastSuccessAt)},
            {QStringLiteral("last_failure_at"), msOrNull(h.lastFailureAt)},
            {QStringLiteral("last_failure"), textOrNull(h.lastFailure)},
            {QStringLiteral("pending"), h.pending},
            {QStringLiteral("dead"), h.dead}});
    }
    ctx.send(HttpResponse::json(200, out));
}

void ApiServer::Private::adminDeliveries(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    auto search = readDeliverySearch(ctx.request);
    if (auto *error = std::get_if<ApiError>(&search))
        return ctx.fail(*error);
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto found
        = valueOrError(ctx, OutboxQueue::search(*db, std::get<DeliverySearch>(search)));
    if (!found)
        return;
    QJsonArray out;
    for (const OutboxEntry &entry : *found)
        out.append(deliveryJson(entry));
    ctx.send(HttpResponse::json(200, out));
}

void ApiServer::Private::retryDelivery(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    const QString id = ctx.params.value(QStringLiteral("id"));
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto retried
        = valueOrError(ctx, OutboxQueue::retryDead(*db, id, o.clock->now().toMSecsSinceEpoch()));
    if (!retried)
        return;
    const auto entry
        = rowOr404(ctx, OutboxQueue::find(*db, id), QStringLiteral("No such delivery."));
    if (!entry)
        return;
    if (!*retried)
        return ctx.fail(ApiError::conflict(
            QStringLiteral("Only a dead letter can be retried; this delivery is %1.")
                .arg(entry->status)));
    if (o.delivery)
        o.delivery->wake();
    ctx.ok(deliveryJson(*entry));
}

// The weekly summary of the last whole week, queued now for every supervisor with an address
// (it is also queued by itself each week: Services); a summary already queued is not again.
void ApiServer::Private::queueWeeklySummary(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    const auto channel = summaryChannel(o.channels);
    if (!channel)
        return ctx.fail(ApiError::conflict(
            QStringLiteral("No email channel takes weekly_summary (channels.yaml).")));
    const QDateTime now = o.clock->now();
    const auto added = queueWeeklySummaries(*o.engine, *o.database, *channel, now);
    if (!added)
        return ctx.fail(apiError(added.failure()));
    if (o.delivery && added->queued > 0)
        o.delivery->wake();
    ctx.ok(QJsonObject {{QStringLiteral("queued"), added->queued},
                        {QStringLiteral("channel"), *channel},
                        {QStringLiteral("week"), lastWholeWeek(now).monday.toString(Qt::ISODate)}});
}

void ApiServer::Private::testChannel(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    const QString name = ctx.params.value(QStringLiteral("name"));
    const bool known = std::any_of(o.channels.cbegin(), o.channels.cend(),
                                   [&](const ChannelDefinition &c) { return c.name == name; });
    if (!known || !o.delivery)
        return ctx.fail(ApiError::notFound(QStringLiteral("No such channel.")));
    // The plugin is called on the delivery worker's thread; its answer hops back here.
    QObject *worker = HttpServer::currentWorker();
    auto responder = ctx.responder;
    o.delivery->sendTest(
        name, ctx.actor.username, [worker, responder, name](Result<QString> result) {
            QMetaObject::invokeMethod(
                worker,
                [responder, name, result = std::move(result)] {
                    responder->send(
                        HttpResponse::json(200,
                                           QJsonObject {{QStringLiteral("channel"), name},
                                                        {QStringLiteral("ok"), bool(result)},
                                                        {QStringLiteral("result"),
                                                         result ? *result : result.error()}}));
                },
                Qt::QueuedConnection);
        });
}

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// Tickets: open, list, read, the write commands (action, claim, assign, transfer, comment,
// reopen) and the event history.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/jsonbody.h"

namespace Baton::Api {

QJsonObject ApiServer::Private::ticketObject(const TicketState &ticket, const Actor &actor,
                                             Language language, const QSet<QString> *away)
{
    QJsonObject object = ticketJson(o.engine->view(ticket, actor), org(), language);
    markAssigneesAway(object, away ? *away : awayNow());
    return object;
}

QSet<QString> ApiServer::Private::awayNow()
{
    const auto away = o.auth->users().awayAt(o.clock->now());
    if (!away) {
        qCWarning(lcApi) << "who is away cannot be read:" << away.error();
        return {};
    }
    return *away;
}

/// The engine callback for a write: hops back to this HTTP thread, then answers.
Engine::Callback ApiServer::Private::answerWithTicket(const Context &ctx, int status,
                                                      const char *kind)
{
    QObject *worker = HttpServer::currentWorker();
    auto responder = ctx.responder;
    const Actor actor = ctx.actor;
    const Language language = ctx.language;
    const QByteArray metricKind(kind);
    return [this, worker, responder, actor, language, status, metricKind](CommandResult result) {
        QMetaObject::invokeMethod(
            worker,
            [this, responder, actor, language, status, metricKind, result = std::move(result)] {
                if (!result)
                    return responder->send(apiError(result.failure()).toResponse());
                if (!result->events.isEmpty()) {
                    Metrics::global().countAction(metricKind);
                } // live updates go out from the engine's commit observer
                JsonText json(2048);
                writeTicketJson(json, o.engine->view(result->ticket, actor), org(), language,
                                awayNow());
                responder->send(HttpResponse::jsonText(status, json.take()));
            },
            Qt::QueuedConnection);
    };
}

std::optional<Customer> ApiServer::Private::readCustomer(JsonReader &reader, const Context &ctx)
{
    const auto object = reader.object(QStringLiteral("customer"));
    if (!object)
        return Customer {};
    JsonReader inner(*object);
    Customer customer;
    customer.id = inner.string(QStringLiteral("id")).value_or(QString());
    customer.name = inner.string(QStringLiteral("name")).value_or(QString());
    customer.tier = inner.string(QStringLiteral("tier")).value_or(QString());
    customer.phone = inner.string(QStringLiteral("phone")).value_or(QString());
    customer.email = inner.string(QStringLiteral("email")).value_or(QString());
    if (auto error = inner.finish()) {
        QJsonObject details = error->details;
        ctx.fail(
            ApiError::badRequest(QStringLiteral("Invalid customer: ") + error->message, details));
        return std::nullopt;
    }
    return customer;
}

void ApiServer::Private::openTicket(Context &ctx)
{
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    const auto workflow = reader.string(QStringLiteral("workflow"), JsonReader::Required);
    const auto title = reader.string(QStringLiteral("title"), JsonReader::Required);
    const auto fields = reader.object(QStringLiteral("fields"));
    const auto channel = reader.string(QStringLiteral("channel"));
    static const QStringList channels {QStringLiteral("phone"), QStringLiteral("counter"),
                                       QStringLiteral("email"), QStringLiteral("web"),
                                       QStringLiteral("chat"),  QStringLiteral("sms")};
    if (channel && !channels.contains(*channel))
        reader.invalid(QStringLiteral("channel"),
                       QStringLiteral("must be one of ") + channels.join(u'|'));
    const auto customer = readCustomer(reader, ctx);
    if (!customer)
        return;
    if (auto error = reader.finish())
        return ctx.fail(*error);
    OpenRequest request;
    request.title = *title;
    request.fields = fields.value_or(QJsonObject()).toVariantMap();
    request.customer = *customer;
    request.channel = channel.value_or(QString());
    const QString key = QString::fromUtf8(ctx.request.header("idempotency-key"));
    if (key.size() > 200)
        return ctx.fail(ApiError::badRequest(QStringLiteral("Idempotency-Key is too long.")));
    o.engine->open(ctx.actor, *workflow, request, key, answerWithTicket(ctx, 201, "open"));
}

void ApiServer::Private::getTicket(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    const auto view = o.engine->ticket(*id, ctx.actor);
    if (!view)
        return ctx.fail(apiError(view.failure()));
    const auto attachments = attachmentList(ctx, *id);
    if (!attachments)
        return;
    ctx.send(HttpResponse::jsonText(
        200, ticketJsonText(*view, org(), ctx.language, awayNow(), &*attachments)));
}

void ApiServer::Private::listTickets(Context &ctx)
{
    const HttpRequest &r = ctx.request;
    static const QStringList known {
        QStringLiteral("queue"),      QStringLiteral("state"),    QStringLiteral("assignee"),
        QStringLiteral("originator"), QStringLiteral("customer"), QStringLiteral("status"),
        QStringLiteral("sla"),        QStringLiteral("q"),        QStringLiteral("sort"),
        QStringLiteral("limit"),      QStringLiteral("cursor")};
    for (const auto &item : r.query.queryItems())
        if (!known.contains(item.first))
            return ctx.fail(
                ApiError::badRequest(QStringLiteral("Unknown parameter: %1").arg(item.first)));
    TicketFilter filter;
    auto meOr = [&](const QString &value) { return value == u"me" ? ctx.user.username : value; };
    filter.queue = r.queryValue(QStringLiteral("queue"));
    filter.state = r.queryValue(QStringLiteral("state"));
    filter.assignee = meOr(r.queryValue(QStringLiteral("assignee")));
    filter.originator = meOr(r.queryValue(QStringLiteral("originator")));
    filter.customer = r.queryValue(QStringLiteral("customer"));
    filter.status = r.queryValue(QStringLiteral("status"));
    filter.text = r.queryValue(QStringLiteral("q"));
    if (!filter.status.isEmpty() && filter.status != u"open" && filter.status != u"closed")
        return ctx.fail(ApiError::badRequest(QStringLiteral("status must be open or closed.")));
    filter.sla = r.queryValue(QStringLiteral("sla"));
    if (!filter.sla.isEmpty() && filter.sla != u"at_risk" && filter.sla != u"breached")
        return ctx.fail(ApiError::badRequest(QStringLiteral("sla must be at_risk or breached.")));
    filter.now = o.clock->now().toMSecsSinceEpoch();
    if (const QString sort = r.queryValue(QStringLiteral("sort")); !sort.isNull()) {
        const auto parsed = TicketFilter::parseSort(sort);
        if (!parsed)
            return ctx.fail(ApiError::badRequest(QStringLiteral("Unknown sort: %1").arg(sort)));
        filter.sort = *parsed;
    }
    if (const QString limit = r.queryValue(QStringLiteral("limit")); !limit.isNull()) {
        bool ok = false;
        filter.limit = limit.toInt(&ok);
        if (!ok || filter.limit < 1 || filter.limit > 200)
            return ctx.fail(ApiError::badRequest(QStringLiteral("limit must be 1 to 200.")));
    }
    filter.cursor = r.queryValue(QStringLiteral("cursor"));
    const auto page = o.engine->tickets(filter, ctx.actor);
    if (!page) {
        if (!filter.cursor.isEmpty())
            return ctx.fail(ApiError::badRequest(QStringLiteral("Invalid cursor.")));
        return ctx.fail(apiError(page.failure()));
    }
    const QSet<QString> away = awayNow();
    JsonText json(512 + page->items.size() * 2048);
    json.beginObject().key("items").beginArray();
    for (const TicketState &t : page->items)
        writeTicketJson(json, o.engine->view(t, ctx.actor), org(), ctx.language, away);
    json.endArray().key("next_cursor").stringOrNull(page->nextCursor).endObject();
    ctx.send(HttpResponse::jsonText(200, json.take()));
}

void ApiServer::Private::takeAction(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body, true);
    if (!id)
        return;
    JsonReader reader(body);
    ActionRequest request;
    request.name = ctx.params.value(QStringLiteral("action"));
    request.fields = reader.object(QStringLiteral("fields")).value_or(QJsonObject()).toVariantMap();
    request.comment = reader.string(QStringLiteral("comment")).value_or(QString());
    request.branch = reader.string(QStringLiteral("branch")).value_or(QString());
    request.expectedVersion = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    o.engine->takeAction(ctx.actor, *id, request, answerWithTicket(ctx, 200, "action"));
}

void ApiServer::Private::claim(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body, true);
    if (!id)
        return;
    JsonReader reader(body);
    const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
    const auto version = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    o.engine->claim(ctx.actor, *id, branch, version, answerWithTicket(ctx, 200, "claim"));
}

void ApiServer::Private::assign(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body);
    if (!id)
        return;
    JsonReader reader(body);
    const auto username = reader.string(QStringLiteral("username"), JsonReader::Required);
    const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
    const auto version = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    const auto assignee = o.auth->users().find(*username);
    if (!assignee)
        return ctx.fail(apiError(assignee.failure()));
    if (!assignee->has_value() || !(*assignee)->active)
        return ctx.fail(ApiError::validation(
            QStringLiteral("No active user %1.").arg(*username),
            {{QStringLiteral("fields"),
              QJsonObject {{QStringLiteral("username"), QStringLiteral("unknown user")}}}}));
    const Actor target
        = resolveActor(org(), (*assignee)->username, (*assignee)->roles, (*assignee)->departments);
    o.engine->assign(ctx.actor, *id, target, branch, version, answerWithTicket(ctx, 200, "assign"));
}

void ApiServer::Private::transfer(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body);
    if (!id)
        return;
    JsonReader reader(body);
    const auto queue = reader.string(QStringLiteral("queue"), JsonReader::Required);
    const QString reason = reader.string(QStringLiteral("reason")).value_or(QString());
    const QString branch = reader.string(QStringLiteral("branch")).value_or(QString());
    const auto version = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    o.engine->transfer(ctx.actor, *id, *queue, reason, branch, version,
                       answerWithTicket(ctx, 200, "transfer"));
}

void ApiServer::Private::comment(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body);
    if (!id)
        return;
    JsonReader reader(body);
    const auto text = reader.string(QStringLiteral("body"), JsonReader::Required);
    const bool internal = reader.boolean(QStringLiteral("internal")).value_or(false);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    o.engine->comment(ctx.actor, *id, *text, internal, answerWithTicket(ctx, 201, "comment"));
}

void ApiServer::Private::reopen(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body, true);
    if (!id)
        return;
    JsonReader reader(body);
    const QString reason = reader.string(QStringLiteral("reason")).value_or(QString());
    const auto version = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    o.engine->reopen(ctx.actor, *id, reason, version, answerWithTicket(ctx, 200, "reopen"));
}

void ApiServer::Private::events(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    const auto events = o.engine->events(*id, ctx.actor);
    if (!events)
        return ctx.fail(apiError(events.failure()));
    QJsonArray items;
    for (const Event &e : *events)
        items.append(eventJson(e));
    ctx.ok({{QStringLiteral("items"), items}});
}

} // namespace Baton::Api

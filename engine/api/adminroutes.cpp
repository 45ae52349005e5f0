// SPDX-License-Identifier: GPL-3.0-or-later
// Health, metrics, the organisation (queues with their counts, departments, calendars), the
// test clock and the OpenAPI document.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "http/jsonbody.h"
#include "sla/timerscheduler.h"
#include "store/ticketcounts.h"

namespace Baton::Api {

HttpResponse ApiServer::Private::healthz()
{
    if (const auto pong = pingDatabase(*o.database); !pong) {
        qCWarning(lcApi) << "health check:" << pong.error();
        return HttpResponse::json(503,
                                  QJsonObject {{QStringLiteral("status"), QStringLiteral("error")},
                                               {QStringLiteral("db"), QStringLiteral("error")}});
    }
    return HttpResponse::json(200,
                              QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")},
                                           {QStringLiteral("db"), QStringLiteral("ok")}});
}

HttpResponse ApiServer::Private::metrics()
{
    Metrics &m = Metrics::global();
    const Engine::Stats stats = o.engine->stats();
    m.describe("baton_engine_batches_total", "counter", "Group commits by the engine's writer");
    m.describe("baton_engine_commands_total", "counter", "Commands written by the engine");
    m.setGauge("baton_engine_batches_total", double(stats.batches));
    m.setGauge("baton_engine_commands_total", double(stats.commands));
    if (o.timers) {
        const TimerScheduler::Stats timers = o.timers->stats();
        m.describe("baton_timers_fired_total", "counter", "SLA timers fired");
        m.describe("baton_sla_breaches_total", "counter",
                   "SLA targets breached (sla_breached events)");
        m.setGauge("baton_timers_fired_total", double(timers.timersFired));
        m.setGauge("baton_sla_breaches_total", double(timers.slaBreaches));
    }
    if (const auto open = TicketCounts::open(*o.database)) {
        m.describe("baton_open_tickets", "gauge", "Open tickets");
        m.setGauge("baton_open_tickets", double(*open));
    }
    return HttpResponse::bytes(200, QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                               m.render());
}

namespace {

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

} // namespace

void ApiServer::Private::queues(Context &ctx)
{
    const auto counts = TicketCounts::byQueue(*o.database, o.clock->now().toMSecsSinceEpoch());
    if (!counts)
        return ctx.fail(apiError(counts.failure()));
    QJsonArray out;
    const QSet<QString> away = awayNow();
    for (const QueueDef &queue : org().queues) {
        const TicketCounts::Queue c = counts->value(queue.name);
        // Its contacts away now: the UI marks them (and does not offer them first).
        QStringList contactsAway;
        for (const QString &user : queue.primary + queue.backup + QStringList {queue.manager})
            if (away.contains(user) && !contactsAway.contains(user))
                contactsAway.append(user);
        out.append(
            QJsonObject {{QStringLiteral("name"), queue.name},
                         {QStringLiteral("title"), queue.title.text(ctx.language)},
                         {QStringLiteral("department"), queue.department},
                         {QStringLiteral("open"), c.open},
                         {QStringLiteral("at_risk"), c.atRisk},
                         {QStringLiteral("breached"), c.breached},
                         {QStringLiteral("member"), ctx.actor.isMemberOf(queue.name)},
                         // Its contacts (interfaces.md, second edition): usernames.
                         {QStringLiteral("primary"), QJsonArray::fromStringList(queue.primary)},
                         {QStringLiteral("backup"), QJsonArray::fromStringList(queue.backup)},
                         {QStringLiteral("manager"), orNull(queue.manager)},
                         {QStringLiteral("escalate_to"), orNull(queue.escalateTo)},
                         {QStringLiteral("away"), QJsonArray::fromStringList(contactsAway)}});
    }
    ctx.send(HttpResponse::json(200, out));
}

void ApiServer::Private::departments(Context &ctx)
{
    QJsonArray out;
    for (const Department &d : org().departments)
        out.append(
            QJsonObject {{QStringLiteral("name"), d.name},
                         {QStringLiteral("title"), d.title.text(ctx.language)},
                         {QStringLiteral("parent"),
                          d.parent.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(d.parent)},
                         {QStringLiteral("calendar"), org().calendarOfDepartment(d.name)}});
    ctx.send(HttpResponse::json(200, out));
}

void ApiServer::Private::calendars(Context &ctx)
{
    QJsonArray out;
    for (const CalendarSpec &c : org().calendars)
        out.append(QJsonObject {{QStringLiteral("name"), c.name},
                                {QStringLiteral("timezone"), QString::fromLatin1(c.timezone)},
                                {QStringLiteral("holidays"), qint64(c.holidays.size())}});
    ctx.send(HttpResponse::json(200, out));
}

bool ApiServer::Private::clockAvailable(const Context &ctx) const
{
    if (o.fakeClock)
        return true;
    ctx.fail(
        ApiError::notFound(QStringLiteral("The test clock is off (start with --fake-clock).")));
    return false;
}

void ApiServer::Private::clock(Context &ctx)
{
    if (!clockAvailable(ctx))
        return;
    ctx.ok({{QStringLiteral("now"), rfc3339(o.fakeClock->now())}});
}

void ApiServer::Private::moveClock(Context &ctx)
{
    if (!clockAvailable(ctx) || !requireAdmin(ctx))
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    const auto advance = reader.integer(QStringLiteral("advance_seconds"));
    const auto set = reader.string(QStringLiteral("set"));
    QDateTime target;
    if (set) {
        target = QDateTime::fromString(*set, Qt::ISODateWithMs);
        if (!target.isValid())
            reader.invalid(QStringLiteral("set"), QStringLiteral("must be an RFC 3339 time"));
    }
    if (advance && *advance < 0)
        reader.invalid(QStringLiteral("advance_seconds"), QStringLiteral("must not be negative"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    if (advance.has_value() == set.has_value())
        return ctx.fail(
            ApiError::badRequest(QStringLiteral("Give either advance_seconds or set.")));
    if (advance)
        o.fakeClock->advanceSeconds(*advance);
    else
        o.fakeClock->set(target);
    if (o.clockMoved)
        o.clockMoved();
    ctx.ok({{QStringLiteral("now"), rfc3339(o.fakeClock->now())}});
}

void ApiServer::Private::openApi(Context &ctx)
{
    HttpResponse response = HttpResponse::bytes(200, QByteArrayLiteral("application/json"),
                                                ApiServer::openApiDocument());
    ctx.send(response);
}

} // namespace Baton::Api

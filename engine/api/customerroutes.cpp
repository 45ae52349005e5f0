// SPDX-License-Identifier: GPL-3.0-or-later
// Customers (issue 16): find by phone, name or id; one customer with their tickets; create and
// change. Reads and writes run on this thread's connection (the engine's writer upserts a
// ticket's customer when it is opened; these rows are the front line's own edits).
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"

#include "api/apierror.h"
#include "core/clock.h"
#include "http/jsonbody.h"
#include "store/customerrows.h"
#include "store/database.h"
#include "store/searchtext.h"

namespace Baton::Api {

namespace {

QString noCustomer(const QString &id)
{
    return QStringLiteral("No customer %1.").arg(id);
}

/// As a ticket's customer: keys without a value are left out.
QJsonObject customerJson(const CustomerRow &row)
{
    QJsonObject object {{QStringLiteral("id"), row.id}};
    for (const auto &[key, value] : {std::pair {"name", &row.name},
                                     {"tier", &row.tier},
                                     {"phone", &row.phone},
                                     {"email", &row.email}})
        if (!value->isEmpty())
            object.insert(QLatin1String(key), *value);
    return object;
}

/// The members of a POST or PATCH body; problems go to `problems` (field → message, 422).
CustomerChange readCustomerChange(JsonReader &reader, QJsonObject &problems)
{
    CustomerChange change;
    CustomerRow &row = change.row;
    for (const auto &[key, member, flag] : {std::tuple {"name", &row.name, &change.name},
                                            {"tier", &row.tier, &change.tier},
                                            {"phone", &row.phone, &change.phone},
                                            {"email", &row.email, &change.email}}) {
        const QString name = QString::fromLatin1(key);
        if (const auto value = reader.string(name)) {
            *member = value->trimmed();
            *flag = true;
            if (member->size() > 200)
                problems.insert(name, QStringLiteral("must be at most 200 characters"));
        }
    }
    if (change.tier && !row.tier.isEmpty() && row.tier != u"A" && row.tier != u"B"
        && row.tier != u"C")
        problems.insert(QStringLiteral("tier"), QStringLiteral("must be A, B or C"));
    if (change.phone && !row.phone.isEmpty() && !SearchText::looksLikePhone(row.phone))
        problems.insert(QStringLiteral("phone"),
                        QStringLiteral("must be a phone number (digits, spaces, dashes, +)"));
    if (change.email && !row.email.isEmpty() && !row.email.contains(u'@'))
        problems.insert(QStringLiteral("email"), QStringLiteral("must be an e-mail address"));
    return change;
}

} // namespace

bool ApiServer::Private::requireCustomerEditor(const Context &ctx) const
{
    // The front line keeps its customers' details: agents, salespeople, supervisors, admins.
    static const QStringList editors {QStringLiteral("agent"), QStringLiteral("sales"),
                                      QStringLiteral("supervisor"), QStringLiteral("admin")};
    if (ctx.actor.hasAnyRole(editors))
        return true;
    ctx.fail(ApiError::forbidden(
        QStringLiteral("Only agents, salespeople, supervisors and admins may change customers.")));
    return false;
}

void ApiServer::Private::findCustomers(Context &ctx)
{
    const HttpRequest &r = ctx.request;
    for (const auto &item : r.query.queryItems())
        if (item.first != u"q" && item.first != u"limit")
            return ctx.fail(
                ApiError::badRequest(QStringLiteral("Unknown parameter: %1").arg(item.first)));
    const QString text = r.queryValue(QStringLiteral("q")).trimmed();
    if (text.isEmpty())
        return ctx.fail(ApiError::badRequest(QStringLiteral("q is required.")));
    int limit = 20;
    if (const QString given = r.queryValue(QStringLiteral("limit")); !given.isNull()) {
        bool ok = false;
        limit = given.toInt(&ok);
        if (!ok || limit < 1 || limit > 100)
            return ctx.fail(ApiError::badRequest(QStringLiteral("limit must be 1 to 100.")));
    }
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto found = valueOrError(ctx, CustomerRows::find(*db, text, limit));
    if (!found)
        return;
    QJsonArray items;
    for (const CustomerRow &row : *found)
        items.append(customerJson(row));
    ctx.ok({{QStringLiteral("items"), items}});
}

void ApiServer::Private::getCustomer(Context &ctx)
{
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const QString id = ctx.params.value(QStringLiteral("id"));
    const auto row = rowOr404(ctx, CustomerRows::get(*db, id), noCustomer(id));
    if (!row)
        return;
    // Their tickets as the caller may see them (the list's visibility), newest first.
    TicketFilter filter;
    filter.customer = id;
    filter.sort = TicketFilter::Sort::CreatedDesc;
    filter.limit = 200;
    filter.now = o.clock->now().toMSecsSinceEpoch();
    const auto page = o.engine->tickets(filter, ctx.actor);
    if (!page)
        return ctx.fail(apiError(page.failure()));
    QJsonArray tickets;
    const QSet<QString> away = awayNow();
    for (const TicketState &t : page->items)
        tickets.append(ticketObject(t, ctx.actor, ctx.language, &away));
    QJsonObject object = customerJson(*row);
    object.insert(QStringLiteral("tickets"), tickets);
    ctx.ok(object);
}

void ApiServer::Private::createCustomer(Context &ctx)
{
    if (!requireCustomerEditor(ctx))
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    const auto id = reader.string(QStringLiteral("id"), JsonReader::Required);
    QJsonObject problems;
    CustomerChange change = readCustomerChange(reader, problems);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    change.row.id = id->trimmed();
    if (change.row.id.isEmpty() || change.row.id.size() > 100)
        problems.insert(QStringLiteral("id"), QStringLiteral("must be 1 to 100 characters"));
    if (!problems.isEmpty())
        return ctx.fail(ApiError::validation(QStringLiteral("The customer is not valid."),
                                             {{QStringLiteral("fields"), problems}}));
    change.row.updatedAt = o.clock->now().toMSecsSinceEpoch();
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto inserted = valueOrError(ctx, CustomerRows::insert(*db, change.row));
    if (!inserted)
        return;
    if (!*inserted)
        return ctx.fail(
            ApiError::conflict(QStringLiteral("Customer %1 exists already.").arg(change.row.id)));
    ctx.ok(customerJson(change.row), 201);
}

void ApiServer::Private::patchCustomer(Context &ctx)
{
    if (!requireCustomerEditor(ctx))
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    QJsonObject problems;
    CustomerChange change = readCustomerChange(reader, problems);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    if (!problems.isEmpty())
        return ctx.fail(ApiError::validation(QStringLiteral("The customer is not valid."),
                                             {{QStringLiteral("fields"), problems}}));
    change.row.id = ctx.params.value(QStringLiteral("id"));
    change.row.updatedAt = o.clock->now().toMSecsSinceEpoch();
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto updated = valueOrError(ctx, CustomerRows::update(*db, change));
    if (!updated)
        return;
    if (!*updated)
        return ctx.fail(ApiError::notFound(noCustomer(change.row.id)));
    const auto row
        = rowOr404(ctx, CustomerRows::get(*db, change.row.id), noCustomer(change.row.id));
    if (!row)
        return;
    ctx.ok(customerJson(*row));
}

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// A user's notifications: the list and marking one read.
#include "api/apiserver_p.h"

#include "api/ticketjson.h"

namespace Baton::Api {

void ApiServer::Private::notifications(Context &ctx)
{
    const QString unread = ctx.request.queryValue(QStringLiteral("unread"));
    if (!unread.isNull() && unread != u"true" && unread != u"false")
        return ctx.fail(ApiError::badRequest(QStringLiteral("unread must be true or false.")));
    const auto rows = o.engine->notifications(ctx.user.username, unread == u"true");
    if (!rows)
        return ctx.fail(storageError(rows.error()));
    QJsonArray items;
    for (const NotificationRow &row : *rows)
        items.append(notificationJson(row));
    ctx.ok({{QStringLiteral("items"), items}});
}

void ApiServer::Private::readNotification(Context &ctx)
{
    bool ok = false;
    const qint64 id = ctx.params.value(QStringLiteral("id")).toLongLong(&ok);
    if (!ok)
        return ctx.fail(ApiError::notFound(QStringLiteral("No such notification.")));
    const auto marked = o.engine->markNotificationRead(id, ctx.user.username);
    if (!marked)
        return ctx.fail(storageError(marked.error()));
    if (!*marked)
        return ctx.fail(ApiError::notFound(QStringLiteral("No such notification.")));
    ctx.send(HttpResponse::noContent());
}

} // namespace Baton::Api

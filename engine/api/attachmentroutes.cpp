// SPDX-License-Identifier: GPL-3.0-or-later
// Attachments: files on a ticket (photos of a damaged parcel, a bill scan). The HTTP layer
// shows an upload's head to checkUpload() before reading its body (a stranger is refused with
// nothing written), then spools the body to a temporary file as it arrives
// (HttpServerOptions::isUpload), and the store copies it into the database in chunks; a
// download streams the chunks back. Neither ever holds a whole file in memory.
#include "api/apierror.h"
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"
#include "http/requestguard.h"
#include "store/attachmentrows.h"
#include "store/database.h"

#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QUrl>

namespace Baton::Api {

namespace {

const QRegularExpression &uploadPath()
{
    static const QRegularExpression path(QStringLiteral("^/api/v1/tickets/[0-9]+/attachments$"));
    return path;
}

/// The file name as given, less any folder a browser or script put before it; empty when
/// nothing usable is left.
QString cleanFileName(const QString &given)
{
    QString name = given.trimmed();
    name = name.mid(qMax(name.lastIndexOf(u'/'), name.lastIndexOf(u'\\')) + 1).trimmed();
    for (const QChar c : std::as_const(name))
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return {};
    if (name == u"." || name == u"..")
        return {};
    return name;
}

/// `type/subtype` in lower case, or application/octet-stream for anything else (a download
/// never names a type the client made up beyond that form).
QString cleanContentType(const QByteArray &header)
{
    static const QRegularExpression form(
        QStringLiteral("^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$"));
    const qsizetype semicolon = header.indexOf(';');
    const QString type
        = QString::fromLatin1(semicolon < 0 ? header : header.left(semicolon)).trimmed().toLower();
    return form.match(type).hasMatch() ? type : QStringLiteral("application/octet-stream");
}

/// RFC 6266: `attachment`, an ASCII fallback name for old clients and the exact UTF-8 name
/// (RFC 8187) that current browsers use.
QByteArray contentDisposition(const QString &name)
{
    QByteArray fallback;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        fallback += (u >= 0x20 && u < 0x7f && u != '"' && u != '\\') ? char(u) : '_';
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''"
        + QUrl::toPercentEncoding(name);
}

ApiError nameRefusal()
{
    return ApiError::badRequest(
        QStringLiteral("An attachment needs ?name= with a file name of 1 to 255 characters."));
}

QJsonObject attachmentJson(const AttachmentRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("name"), row.name},
            {QStringLiteral("size"), row.size},
            {QStringLiteral("content_type"), row.contentType},
            {QStringLiteral("sha256"), QString::fromLatin1(row.sha256)},
            {QStringLiteral("uploaded_by"), row.uploadedBy},
            {QStringLiteral("created_at"),
             QDateTime::fromMSecsSinceEpoch(row.createdAt, Qt::UTC).toString(Qt::ISODate)}};
}

} // namespace

bool ApiServer::Private::isUploadRoute(QByteArrayView method, QByteArrayView path)
{
    return method == "POST" && uploadPath().match(QString::fromLatin1(path)).hasMatch();
}

std::optional<HttpResponse> ApiServer::Private::checkUpload(const HttpRequest &head)
{
    Context ctx;
    ctx.request = head;
    const std::optional<ApiError> refused = uploadRefusal(ctx);
    if (!refused)
        return std::nullopt;
    return refused->toResponse(); // carries Cache-Control: no-store like every API error
}

/// What handle() and uploadAttachment() would refuse an upload for, judged before its body is
/// read: a forged origin, no session (401), a ticket the caller may not see (404: whoever sees
/// a ticket may attach to it, TicketMachine::attach), a missing name. The handler checks again
/// once the body is in (a session may end meanwhile).
std::optional<ApiError> ApiServer::Private::uploadRefusal(Context &ctx)
{
    if (auto refused = refuseNulInTarget(ctx.request))
        return refused;
    const Router::Match match = router.match(ctx.request.method, ctx.request.path);
    if (match.route < 0)
        return std::nullopt; // not an upload after all: handle() answers it like any request
    if (auto forged = checkForgery(ctx.request, match.pattern, true))
        return forged;
    if (auto stranger = signIn(ctx))
        return stranger;
    bool ok = false;
    const qint64 id = match.params.value(QStringLiteral("id")).toLongLong(&ok);
    if (!ok || id <= 0)
        return ApiError::notFound(QStringLiteral("No such ticket."));
    if (const auto visible = o.engine->visibleTicket(id, ctx.actor); !visible)
        return apiError(visible.failure());
    const QString name = cleanFileName(ctx.request.queryValue(QStringLiteral("name")));
    if (name.isEmpty() || name.size() > 255)
        return nameRefusal();
    return std::nullopt;
}

std::optional<QJsonArray> ApiServer::Private::attachmentList(const Context &ctx, qint64 ticket)
{
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return std::nullopt;
    const auto rows = valueOrError(ctx, AttachmentRows::ofTicket(*db, ticket));
    if (!rows)
        return std::nullopt;
    QJsonArray list;
    for (const AttachmentRow &row : *rows)
        list.append(attachmentJson(row));
    return list;
}

void ApiServer::Private::uploadAttachment(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    const std::shared_ptr<QFile> body = ctx.request.bodyFile;
    AttachmentRow row;
    row.ticketId = *id;
    row.name = cleanFileName(ctx.request.queryValue(QStringLiteral("name")));
    row.contentType = cleanContentType(ctx.request.header("content-type"));
    row.uploadedBy = ctx.actor.username;
    if (row.name.isEmpty() || row.name.size() > 255)
        return ctx.fail(nameRefusal());
    if (!body || body->size() == 0)
        return ctx.fail(ApiError::badRequest(QStringLiteral("The file is empty.")));
    if (const auto visible = o.engine->visibleTicket(*id, ctx.actor); !visible)
        return ctx.fail(apiError(visible.failure()));
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto stored = valueOrError(ctx, AttachmentRows::store(*db, row, *body));
    if (!stored)
        return;
    // The file is committed; the ticket's log records it (and so its readers hear of it).
    QJsonObject attachment = attachmentJson(*stored);
    const QJsonObject eventData {{QStringLiteral("attachment"), stored->id},
                                 {QStringLiteral("name"), stored->name},
                                 {QStringLiteral("size"), stored->size},
                                 {QStringLiteral("content_type"), stored->contentType},
                                 {QStringLiteral("sha256"), attachment.value(u"sha256")}};
    const Actor actor = ctx.actor;
    auto responder = ctx.responder;
    o.engine->mutate(
        *id,
        [actor, eventData](const TicketState &ticket, const TicketMachine &machine,
                           const QDateTime &now) {
            return machine.attach(ticket, actor, eventData, now);
        },
        [responder, attachment](CommandResult result) {
            if (!result)
                return responder->send(apiError(result.failure()).toResponse());
            responder->send(HttpResponse::json(201, attachment));
        });
}

void ApiServer::Private::downloadAttachment(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    bool ok = false;
    const qint64 attachment = ctx.params.value(QStringLiteral("attachment")).toLongLong(&ok);
    if (const auto visible = o.engine->visibleTicket(*id, ctx.actor); !visible)
        return ctx.fail(apiError(visible.failure()));
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto row = rowOr404(ctx,
                              ok ? AttachmentRows::get(*db, *id, attachment)
                                 : Result<std::optional<AttachmentRow>>(std::nullopt),
                              QStringLiteral("No such attachment."));
    if (!row)
        return;
    const AttachmentRow &found = *row;
    HttpResponse response;
    response.status = 200;
    response.headers.append({QByteArrayLiteral("Content-Type"), found.contentType.toLatin1()});
    response.headers.append(
        {QByteArrayLiteral("Content-Disposition"), contentDisposition(found.name)});
    // Cache-Control stays no-store like every API answer (interfaces.md): the content is as
    // personal as the ticket.
    response.stream = AttachmentRows::content(o.database, found);
    response.streamSize = found.size;
    ctx.send(std::move(response));
}

} // namespace Baton::Api

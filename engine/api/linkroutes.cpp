// SPDX-License-Identifier: GPL-3.0-or-later
// Links between tickets that people make (issue 16): "relates to" and "duplicate of", each side
// recording its own relation, and merging a duplicate into another ticket (the duplicate is
// closed, its events stay readable through the link). Both sides are one engine write
// (Engine::mutateBoth): a failure of either leaves neither changed.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "http/jsonbody.h"
#include "runtime/eventtypes.h"

#include <QRegularExpression>

namespace Baton::Api {

namespace {

/// The relation the other ticket records for `relation`.
QString reverseRelation(const QString &relation)
{
    if (relation == LinkRelations::duplicateOf)
        return LinkRelations::duplicatedBy;
    if (relation == LinkRelations::mergedInto)
        return LinkRelations::mergedFrom;
    return LinkRelations::relatesTo;
}

TicketLink linkTo(const TicketState &ticket, const QString &relation)
{
    return TicketLink {ticket.id, ticket.key, ticket.workflow, relation};
}

} // namespace

std::optional<TicketState> ApiServer::Private::namedTicket(const Context &ctx, const QString &name,
                                                           const QString &field)
{
    // "JQ-12", "jq-12" or "12": a key is its workflow's prefix and the id.
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*(?:([A-Za-z][\w]*)-)?(\d{1,18})\s*$)"));
    const QRegularExpressionMatch match = pattern.match(name);
    const auto refuse = [&] {
        ctx.fail(ApiError::validation(
            QStringLiteral("No ticket %1 that you may see.").arg(name),
            {{QStringLiteral("fields"),
              QJsonObject {{field, QStringLiteral("no ticket %1 that you may see").arg(name)}}}}));
        return std::nullopt;
    };
    if (!match.hasMatch())
        return refuse();
    auto visible = o.engine->visibleTicket(match.captured(2).toLongLong(), ctx.actor);
    if (!visible) {
        if (visible.failure().kind != ErrorKind::NotFound) {
            ctx.fail(apiError(visible.failure()));
            return std::nullopt;
        }
        return refuse();
    }
    if (!match.captured(1).isEmpty()
        && visible->key.compare(match.captured(0).trimmed(), Qt::CaseInsensitive) != 0)
        return refuse();
    return std::move(*visible);
}

/// Writes `first` on ticket `firstId` and `second` on `secondId` in one engine write (one
/// transaction: both or neither); answers with the first ticket as the write left it, or the
/// failure.
void ApiServer::Private::writeBothSides(const Context &ctx, qint64 firstId, Engine::Mutation first,
                                        qint64 secondId, Engine::Mutation second, int status,
                                        const char *kind)
{
    o.engine->mutateBoth(firstId, std::move(first), secondId, std::move(second),
                         answerWithTicket(ctx, status, kind));
}

void ApiServer::Private::linkTickets(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body);
    if (!id)
        return;
    JsonReader reader(body);
    const auto other = reader.string(QStringLiteral("ticket"), JsonReader::Required);
    const QString relation
        = reader.string(QStringLiteral("relation")).value_or(LinkRelations::relatesTo);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    if (relation != LinkRelations::relatesTo && relation != LinkRelations::duplicateOf)
        return ctx.fail(ApiError::validation(
            QStringLiteral("relation must be relates_to or duplicate_of."),
            {{QStringLiteral("fields"),
              QJsonObject {{QStringLiteral("relation"),
                            QStringLiteral("must be relates_to or duplicate_of")}}}}));
    const auto self = o.engine->visibleTicket(*id, ctx.actor);
    if (!self)
        return ctx.fail(apiError(self.failure()));
    const auto target = namedTicket(ctx, *other, QStringLiteral("ticket"));
    if (!target)
        return;
    const Actor actor = ctx.actor;
    const TicketLink forward = linkTo(*target, relation);
    const TicketLink backward = linkTo(*self, reverseRelation(relation));
    writeBothSides(
        ctx, *id,
        [actor, forward](const TicketState &t, const TicketMachine &m, const QDateTime &now) {
            return m.linkBy(t, actor, forward, now);
        },
        target->id,
        [actor, backward](const TicketState &t, const TicketMachine &m, const QDateTime &now) {
            return m.linkBy(t, actor, backward, now);
        },
        201, "link");
}

void ApiServer::Private::mergeTicket(Context &ctx)
{
    QJsonObject body;
    const auto id = ticketIdAndBody(ctx, &body);
    if (!id)
        return;
    JsonReader reader(body);
    const auto into = reader.string(QStringLiteral("into"), JsonReader::Required);
    const QString reason = reader.string(QStringLiteral("reason")).value_or(QString()).trimmed();
    if (auto error = reader.finish())
        return ctx.fail(*error);
    const auto self = o.engine->visibleTicket(*id, ctx.actor);
    if (!self)
        return ctx.fail(apiError(self.failure()));
    const auto target = namedTicket(ctx, *into, QStringLiteral("into"));
    if (!target)
        return;
    if (target->status == TicketStatus::Closed)
        return ctx.fail(ApiError::validation(
            QStringLiteral("%1 is closed: merge into an open ticket.").arg(target->key),
            {{QStringLiteral("fields"),
              QJsonObject {{QStringLiteral("into"), QStringLiteral("is closed")}}}}));
    const Actor actor = ctx.actor;
    const TicketLink forward = linkTo(*target, LinkRelations::mergedInto);
    const TicketLink backward = linkTo(*self, LinkRelations::mergedFrom);
    writeBothSides(
        ctx, *id,
        [actor, forward, reason](const TicketState &t, const TicketMachine &m,
                                 const QDateTime &now) {
            return m.mergeInto(t, actor, forward, reason, now);
        },
        target->id,
        [actor, backward](const TicketState &t, const TicketMachine &m, const QDateTime &now) {
            return m.linkBy(t, actor, backward, now);
        },
        200, "merge");
}

} // namespace Baton::Api

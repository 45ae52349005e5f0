// SPDX-License-Identifier: GPL-3.0-or-later
// Users (admins): list, create, change.
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "delivery/channelchoice.h"
#include "delivery/quiethours.h"
#include "http/jsonbody.h"

#include <algorithm>

namespace Baton::Api {

void ApiServer::Private::users(Context &ctx)
{
    const auto list = o.auth->users().list();
    if (!list)
        return ctx.fail(apiError(list.failure()));
    QJsonArray out;
    for (const User &u : *list)
        out.append(userJson(u, org()));
    ctx.send(HttpResponse::json(200, out));
}

std::optional<UserInput> ApiServer::Private::readUserInput(JsonReader &reader)
{
    UserInput input;
    input.name = reader.string(QStringLiteral("name"));
    input.password = reader.string(QStringLiteral("password"));
    input.departments = reader.stringList(QStringLiteral("departments"));
    input.roles = reader.stringList(QStringLiteral("roles"));
    input.active = reader.boolean(QStringLiteral("active"));
    input.email = reader.string(QStringLiteral("email"));
    input.phone = reader.string(QStringLiteral("phone"));
    input.language = reader.string(QStringLiteral("language"));
    input.skills = reader.stringList(QStringLiteral("skills"));
    input.timeZone = reader.string(QStringLiteral("time_zone"));
    return input;
}

void ApiServer::Private::createUser(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    const auto username = reader.string(QStringLiteral("username"), JsonReader::Required);
    reader.string(QStringLiteral("name"), JsonReader::Required);
    reader.string(QStringLiteral("password"), JsonReader::Required);
    const auto input = readUserInput(reader);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    const auto created = o.auth->users().create(*username, *input, org());
    if (!created)
        return ctx.fail(apiError(created.failure()));
    ctx.ok(userJson(*created, org()), 201);
}

void ApiServer::Private::patchUser(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    const auto input = readUserInput(reader);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    const auto updated
        = o.auth->users().update(ctx.params.value(QStringLiteral("username")), *input, org());
    if (!updated)
        return ctx.fail(apiError(updated.failure()));
    // Requests read the user afresh; the live stream keeps what it saw at connection (a
    // reconnecting stream sees with the new departments and roles). The SLA clocks see the
    // new departments from the next ticket written (UserDirectory::departmentsOf).
    const QString username = ctx.params.value(QStringLiteral("username"));
    if (input->active == false || input->password)
        hub.disconnectUser(username, StreamHub::Reason::SignedOut);
    else if (input->departments || input->roles)
        hub.disconnectUser(username, StreamHub::Reason::AccessChanged);
    ctx.ok(userJson(*updated, org()));
}

namespace {

QJsonValue objectOrNull(const QJsonValue &value)
{
    return value.isObject() ? value : QJsonValue(QJsonValue::Null);
}

// The plugins of the channels that reach people that channels.yaml configures ("email", "sms"):
// the choices a Preferences form offers.
QJsonArray availableChannelPlugins(const QList<ChannelDefinition> &channels)
{
    QJsonArray available;
    for (const QString &plugin : choosableChannelPlugins())
        if (std::any_of(channels.cbegin(), channels.cend(),
                        [&](const ChannelDefinition &c) { return c.plugin == plugin; }))
            available.append(plugin);
    return available;
}

// An instant of an absence: RFC 3339 (a date alone is not enough: people leave at noon).
std::optional<QDateTime> instantOf(const QJsonValue &value, const QString &key, JsonReader &errors)
{
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const QDateTime instant = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!value.isString() || !instant.isValid() || instant.timeSpec() == Qt::LocalTime)
        errors.invalid(key, QStringLiteral("must be an RFC 3339 time with an offset"));
    return instant.isValid() ? std::optional(instant.toUTC()) : std::nullopt;
}

} // namespace

// `{"away": {"from", "until", "substitute"} | null}` of `body` recorded for `username`; the
// user afterwards, or nullopt once the failure was sent.
std::optional<User> ApiServer::Private::applyAway(Context &ctx, const QString &username,
                                                  const QJsonObject &body, JsonReader &reader)
{
    const bool clear = body.value(QStringLiteral("away")).isNull();
    const auto away = reader.object(QStringLiteral("away"));
    std::optional<QDateTime> from, until;
    QString substitute;
    if (away) {
        JsonReader inner(*away);
        from = instantOf(away->value(QStringLiteral("from")), QStringLiteral("away.from"), reader);
        until
            = instantOf(away->value(QStringLiteral("until")), QStringLiteral("away.until"), reader);
        inner.string(QStringLiteral("from"));
        inner.string(QStringLiteral("until"), JsonReader::Required);
        substitute = inner.string(QStringLiteral("substitute")).value_or(QString());
        if (auto error = inner.finish()) {
            ctx.fail(*error);
            return std::nullopt;
        }
    }
    if (auto error = reader.finish()) {
        ctx.fail(*error);
        return std::nullopt;
    }
    if (!away && !clear) {
        ctx.fail(ApiError::validation(
            QStringLiteral("Say when you are away, or null."),
            {{QStringLiteral("fields"),
              QJsonObject {{QStringLiteral("away"), QStringLiteral("required")}}}}));
        return std::nullopt;
    }
    const auto set = o.auth->users().setAway(username, from, until, substitute);
    if (!set) {
        ctx.fail(apiError(set.failure()));
        return std::nullopt;
    }
    return *set;
}

QJsonObject ApiServer::Private::preferencesJson(const User &user) const
{
    return {
        {QStringLiteral("away"), awayJson(user)},
        {QStringLiteral("time_zone"), user.timeZone},
        {QStringLiteral("quiet_hours"),
         objectOrNull(user.preferences.value(QStringLiteral("quiet_hours")))},
        {QStringLiteral("channels"), user.preferences.value(QStringLiteral("channels")).toObject()},
        {QStringLiteral("available_channels"), availableChannelPlugins(o.channels)},
        {QStringLiteral("notification_kinds"),
         QJsonArray::fromStringList(choosableNotificationKinds())}};
}

void ApiServer::Private::preferences(Context &ctx)
{
    const auto found = o.auth->users().find(ctx.user.username);
    if (!found)
        return ctx.fail(apiError(found.failure()));
    ctx.ok(preferencesJson(found->value_or(ctx.user)));
}

namespace {

// What is wrong with `key` ("quiet_hours" or "channels") of a preferences body, if anything.
std::optional<QString> preferenceError(const QString &key, const QJsonObject &body)
{
    if (key == u"quiet_hours") {
        const auto quiet = quietHoursOf(body);
        return quiet ? std::nullopt : std::optional(quiet.error());
    }
    const auto choice = checkChannelChoice(body);
    return choice ? std::nullopt : std::optional(choice.error());
}

} // namespace

// `away`, `quiet_hours`, `channels` and `time_zone`, each optional; null ends quiet hours, the
// choice of channels (every channel again) or the absence; an empty time zone is the
// organisation's default.
void ApiServer::Private::patchPreferences(Context &ctx)
{
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    // Only the keys sent: merged into the stored preferences at the save, not into the
    // request's (possibly older) copy of the user, so that another tab's save stands.
    QJsonObject changes;
    for (const QString &key : {QStringLiteral("quiet_hours"), QStringLiteral("channels")}) {
        reader.object(key);
        if (!body.contains(key))
            continue;
        if (const auto error = preferenceError(key, body))
            return ctx.fail(ApiError::validation(
                *error, {{QStringLiteral("fields"), QJsonObject {{key, *error}}}}));
        changes.insert(key, body.value(key)); // null: removed
    }
    const auto timeZone = reader.string(QStringLiteral("time_zone"));
    const bool away = body.contains(QStringLiteral("away"));
    if (!changes.isEmpty() || timeZone) {
        if (!away) {
            if (auto error = reader.finish())
                return ctx.fail(*error);
        }
        const auto saved = o.auth->users().setPreferences(ctx.user.username, changes, timeZone);
        if (!saved)
            return ctx.fail(apiError(saved.failure()));
        if (!away)
            return ctx.ok(preferencesJson(*saved));
    }
    if (const auto user = applyAway(ctx, ctx.user.username, body, reader))
        ctx.ok(preferencesJson(*user));
}

// A supervisor marks a member of a department they supervise away (the user is off sick and
// cannot do it); an admin anyone; anybody themselves.
void ApiServer::Private::setUserAway(Context &ctx)
{
    const QString username = ctx.params.value(QStringLiteral("username"));
    const auto found = rowOr404(ctx, o.auth->users().find(username),
                                QStringLiteral("No user %1.").arg(username));
    if (!found)
        return;
    bool allowed = ctx.actor.isAdmin() || username == ctx.user.username;
    for (const QString &department : found->departments)
        allowed = allowed || ctx.actor.supervisesDepartment(department);
    if (!allowed)
        return ctx.fail(ApiError::forbidden(
            QStringLiteral("Only the user, a supervisor of their department or an admin may.")));
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    if (const auto user = applyAway(ctx, username, body, reader))
        ctx.ok(userJson(*user, org()));
}

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// Users (admins): list, create, change.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "http/jsonbody.h"

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

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
// Users (admins): list, create, change.
#include "api/apiserver_p.h"

#include "api/ticketjson.h"
#include "http/jsonbody.h"

namespace Baton::Api {

namespace {

ApiError fromUserProblem(const UserProblem &problem)
{
    QJsonObject fields;
    for (auto it = problem.fields.cbegin(); it != problem.fields.cend(); ++it)
        fields.insert(it.key(), it.value());
    const QJsonObject details {{QStringLiteral("fields"), fields}};
    switch (problem.kind) {
    case UserProblem::Kind::Invalid:
        return ApiError::validation(problem.message, details);
    case UserProblem::Kind::Taken:
        return ApiError::conflict(problem.message, details);
    case UserProblem::Kind::NotFound:
        return ApiError::notFound(problem.message);
    case UserProblem::Kind::Storage:
        break;
    }
    qCWarning(lcApi) << "user storage:" << problem.message;
    return ApiError::internal(QStringLiteral("The user could not be saved."));
}

} // namespace

void ApiServer::Private::users(Context &ctx)
{
    const auto list = o.auth->users().list();
    if (!list)
        return ctx.fail(storageError(list.error()));
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
    if (const auto *problem = std::get_if<UserProblem>(&created))
        return ctx.fail(fromUserProblem(*problem));
    ctx.ok(userJson(std::get<User>(created), org()), 201);
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
    if (const auto *problem = std::get_if<UserProblem>(&updated))
        return ctx.fail(fromUserProblem(*problem));
    // Requests read the user afresh; the live stream keeps what it saw at connection (a
    // reconnecting stream sees with the new departments and roles). The SLA clocks see the
    // new departments from the next ticket written (UserDirectory::departmentsOf).
    const QString username = ctx.params.value(QStringLiteral("username"));
    if (input->active == false || input->password)
        hub.disconnectUser(username, StreamHub::Reason::SignedOut);
    else if (input->departments || input->roles)
        hub.disconnectUser(username, StreamHub::Reason::AccessChanged);
    ctx.ok(userJson(std::get<User>(updated), org()));
}

} // namespace Baton::Api

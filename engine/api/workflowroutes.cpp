// SPDX-License-Identifier: GPL-3.0-or-later
// Workflows: the list, one workflow and its versions, validating and publishing a text.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "definition/diagram.h"
#include "definition/workflowset.h"
#include "http/jsonbody.h"
#include "store/workflowversions.h"

namespace Baton::Api {

namespace {

QString fieldTypeName(FieldType type)
{
    switch (type) {
    case FieldType::String:
        return QStringLiteral("string");
    case FieldType::Text:
        return QStringLiteral("text");
    case FieldType::Int:
        return QStringLiteral("int");
    case FieldType::Decimal:
        return QStringLiteral("decimal");
    case FieldType::Bool:
        return QStringLiteral("bool");
    case FieldType::Date:
        return QStringLiteral("date");
    case FieldType::DateTime:
        return QStringLiteral("datetime");
    case FieldType::Choice:
        return QStringLiteral("choice");
    case FieldType::User:
        return QStringLiteral("user");
    case FieldType::Queue:
        return QStringLiteral("queue");
    }
    return QStringLiteral("string");
}

bool canStart(const Workflow &workflow, const Actor &actor)
{
    return actor.isAdmin() || workflow.startRoles.isEmpty()
        || actor.hasAnyRole(workflow.startRoles);
}

QJsonArray diagnosticsJson(const Diagnostics &diagnostics, bool errors)
{
    QJsonArray out;
    for (const Diagnostic &d : diagnostics)
        if (d.isError() == errors)
            out.append(QJsonObject {{QStringLiteral("line"), d.line},
                                    {QStringLiteral("column"), d.column},
                                    {QStringLiteral("message"), d.message}});
    return out;
}

} // namespace

/// A workflow with its text (titles, labels) in language; "mermaid" stays in English.
QJsonObject ApiServer::Private::workflowObject(const Workflow &wf, int version, Language language)
{
    // `fields` stays an object keyed by name (compatibility); `order` and `field_order`
    // carry the YAML order, which an object loses.
    QJsonObject fields;
    QJsonArray fieldOrder;
    int order = 0;
    for (const FieldDef &f : wf.fields) {
        QJsonObject field {{QStringLiteral("type"), fieldTypeName(f.type)},
                           {QStringLiteral("label"), f.label.text(language)},
                           {QStringLiteral("required"), f.required},
                           {QStringLiteral("options"), QJsonArray::fromStringList(f.options)},
                           {QStringLiteral("order"), order++}};
        // Absent rather than null: the UI tells "no default" by a missing key.
        if (!f.pattern.isEmpty())
            field.insert(QStringLiteral("pattern"), f.pattern);
        if (f.defaultValue.isValid())
            field.insert(QStringLiteral("default"), QJsonValue::fromVariant(f.defaultValue));
        if (!f.optionLabels.isEmpty()) { // value → label in the caller's language
            QJsonObject labels;
            for (auto it = f.optionLabels.cbegin(); it != f.optionLabels.cend(); ++it)
                labels.insert(it.key(), it.value().text(language));
            field.insert(QStringLiteral("option_labels"), labels);
        }
        fields.insert(f.name, field);
        fieldOrder.append(f.name);
    }
    const auto transitionsJson = [language](const QList<Transition> &list) {
        QJsonArray transitions;
        for (const Transition &t : list)
            transitions.append(QJsonObject {
                {QStringLiteral("name"), t.name},
                {QStringLiteral("title"), t.title.text(language)},
                {QStringLiteral("to"), t.to},
                {QStringLiteral("requires"), QJsonArray::fromStringList(t.requiredFields)},
                {QStringLiteral("accepts"), QJsonArray::fromStringList(t.acceptedFields())}});
        return transitions;
    };
    QJsonArray states;
    for (const State &s : wf.states) {
        QJsonArray branches;
        for (const Branch &b : s.branches)
            branches.append(
                QJsonObject {{QStringLiteral("name"), b.name},
                             {QStringLiteral("title"), b.title.text(language)},
                             {QStringLiteral("queue"), b.queue},
                             {QStringLiteral("assignee"), b.assignee},
                             {QStringLiteral("transitions"), transitionsJson(b.transitions)}});
        states.append(
            QJsonObject {{QStringLiteral("name"), s.name},
                         {QStringLiteral("title"), s.title.text(language)},
                         {QStringLiteral("queue"), s.queue},
                         {QStringLiteral("assignee"), s.assignee},
                         {QStringLiteral("final"), s.final},
                         {QStringLiteral("parallel"), s.isParallel()},
                         {QStringLiteral("branches"), branches},
                         {QStringLiteral("transitions"), transitionsJson(s.transitions)}});
    }
    return {{QStringLiteral("name"), wf.id},
            {QStringLiteral("title"), wf.title.text(language)},
            {QStringLiteral("version"), version},
            {QStringLiteral("source"), QString::fromUtf8(wf.source)},
            {QStringLiteral("fields"), fields},
            {QStringLiteral("field_order"), fieldOrder},
            {QStringLiteral("opening_fields"), QJsonArray::fromStringList(wf.openingFields)},
            {QStringLiteral("initial"), wf.initial},
            {QStringLiteral("any"), transitionsJson(wf.any)},
            {QStringLiteral("states"), states},
            {QStringLiteral("mermaid"), toMermaid(wf, &org())}};
}

void ApiServer::Private::workflows(Context &ctx)
{
    const QList<PublishConflict> conflicts = o.engine->publishConflicts();
    QJsonArray out;
    const QMap<QString, int> current = o.engine->currentVersions();
    for (auto it = current.cbegin(); it != current.cend(); ++it) {
        const auto wf = o.engine->workflow(it.key(), it.value());
        if (!wf)
            continue;
        QJsonObject item {{QStringLiteral("name"), it.key()},
                          {QStringLiteral("title"), (*wf)->title.text(ctx.language)},
                          {QStringLiteral("version"), it.value()},
                          {QStringLiteral("startable"), canStart(**wf, ctx.actor)}};
        addConflict(item, it.key(), conflicts);
        out.append(item);
    }
    ctx.send(HttpResponse::json(200, out));
}

/// A workflow whose file and editor both changed since the file was last published (the
/// file was not published at start): "conflict" tells the editor, absent otherwise.
void ApiServer::Private::addConflict(QJsonObject &object, const QString &name,
                                     const QList<PublishConflict> &conflicts)
{
    for (const PublishConflict &c : conflicts) {
        if (c.name != name)
            continue;
        object.insert(QStringLiteral("conflict"),
                      QJsonObject {{QStringLiteral("file"), c.path},
                                   {QStringLiteral("file_version"),
                                    c.fileVersion > 0 ? QJsonValue(c.fileVersion)
                                                      : QJsonValue(QJsonValue::Null)},
                                   {QStringLiteral("editor_version"), c.userVersion},
                                   {QStringLiteral("published_by"), c.username},
                                   {QStringLiteral("published_at"), rfc3339(c.userPublishedAt)},
                                   {QStringLiteral("message"), c.message()}});
    }
}

/// Every version of a workflow, oldest first, with where it came from (a file at start or a
/// user in the editor) and when; sources are read per version (versions/{n}).
void ApiServer::Private::workflowVersions(Context &ctx)
{
    const QString name = ctx.params.value(QStringLiteral("name"));
    const auto history = WorkflowVersions::history(*o.database, name);
    if (!history)
        return ctx.fail(apiError(history.failure()));
    if (history->isEmpty())
        return ctx.fail(ApiError::notFound(QStringLiteral("No workflow %1.").arg(name)));
    const int current = o.engine->currentVersions().value(name);
    QJsonArray out;
    for (const WorkflowVersion &v : *history) {
        QJsonObject item {{QStringLiteral("version"), v.version},
                          {QStringLiteral("origin"), v.origin.kindName()},
                          {QStringLiteral("published_at"), rfc3339(v.publishedAt)},
                          {QStringLiteral("current"), v.version == current}};
        if (v.origin.isFile())
            item.insert(QStringLiteral("path"),
                        v.origin.path.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                : QJsonValue(v.origin.path));
        else
            item.insert(QStringLiteral("published_by"), v.origin.username);
        out.append(item);
    }
    ctx.send(HttpResponse::json(200, out));
}

void ApiServer::Private::workflow(Context &ctx)
{
    const QString name = ctx.params.value(QStringLiteral("name"));
    const int version = o.engine->currentVersions().value(name);
    const auto wf = version > 0 ? o.engine->workflow(name, version)
                                : Result<std::shared_ptr<const Workflow>>(makeError(
                                    ErrorKind::NotFound, QStringLiteral("not published")));
    if (!wf) // not published, or its version unreadable: either way there is none to show
        return ctx.fail(ApiError::notFound(QStringLiteral("No workflow %1.").arg(name)));
    QJsonObject object = workflowObject(**wf, version, ctx.language);
    addConflict(object, name, o.engine->publishConflicts());
    ctx.ok(object);
}

void ApiServer::Private::workflowVersion(Context &ctx)
{
    const QString name = ctx.params.value(QStringLiteral("name"));
    bool ok = false;
    const int version = ctx.params.value(QStringLiteral("n")).toInt(&ok);
    const auto wf = ok && version > 0 ? o.engine->workflow(name, version)
                                      : Result<std::shared_ptr<const Workflow>>(makeError(
                                          ErrorKind::NotFound, QStringLiteral("no such version")));
    if (!wf) // no such version, or one that cannot be read: either way there is none to show
        return ctx.fail(ApiError::notFound(
            QStringLiteral("No version %1 of workflow %2.").arg(version).arg(name)));
    ctx.ok(workflowObject(**wf, version, ctx.language));
}

/// The current version of every published workflow (what `open:` in a new text opens).
QList<std::shared_ptr<const Workflow>> ApiServer::Private::currentWorkflows() const
{
    QList<std::shared_ptr<const Workflow>> definitions;
    const QMap<QString, int> current = o.engine->currentVersions();
    for (auto it = current.cbegin(); it != current.cend(); ++it)
        if (auto wf = o.engine->workflow(it.key(), it.value()))
            definitions.append(*wf);
    return definitions;
}

void ApiServer::Private::validateWorkflow(Context &ctx)
{
    if (!isValidUtf8(ctx.request.body))
        return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
    const QStringList known = o.engine->currentVersions().keys();
    const auto definitions = currentWorkflows();
    const WorkflowReadResult result = checkWorkflowText(
        ctx.request.body, org(), QStringLiteral("workflow.yaml"), &known, {}, &definitions);
    ctx.ok({{QStringLiteral("valid"), result.ok()},
            {QStringLiteral("errors"), diagnosticsJson(result.diagnostics, true)},
            {QStringLiteral("warnings"), diagnosticsJson(result.diagnostics, false)},
            {QStringLiteral("mermaid"),
             result.ok() ? toMermaid(*result.workflow, &org()) : QString()}});
}

void ApiServer::Private::publishWorkflow(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    if (!isValidUtf8(ctx.request.body))
        return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
    const QString name = ctx.params.value(QStringLiteral("name"));
    const QStringList known = o.engine->currentVersions().keys() << name;
    const auto definitions = currentWorkflows();
    const WorkflowReadResult result = checkWorkflowText(
        ctx.request.body, org(), name + QStringLiteral(".yaml"), &known, name, &definitions);
    if (!result.ok())
        return ctx.fail(ApiError::validation(
            QStringLiteral("The workflow has errors."),
            {{QStringLiteral("errors"), diagnosticsJson(result.diagnostics, true)}}));
    const auto outcome = o.engine->publish({result.workflow}, ctx.user.username);
    if (!outcome)
        return ctx.fail(apiError(outcome.failure()));
    const int version = outcome->current.value(name);
    ctx.ok({{QStringLiteral("version"), version}}, outcome->published.contains(name) ? 201 : 200);
}

} // namespace Baton::Api

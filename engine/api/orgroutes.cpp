// SPDX-License-Identifier: GPL-3.0-or-later
// The organisation's text (org.yaml): reading, validating and publishing it, the same contract
// as a workflow's. A text is checked on its own and then against every published workflow, so
// that no workflow loses a queue, department, calendar or role it names.
#include "api/apiserver_p.h"

#include "api/apierror.h"
#include "definition/workflowset.h"
#include "http/jsonbody.h"
#include "sla/slaservice.h"

namespace Baton::Api {

namespace {

QJsonObject errorJson(const Diagnostic &d)
{
    return {{QStringLiteral("line"), d.line},
            {QStringLiteral("column"), d.column},
            {QStringLiteral("message"), d.message}};
}

/// An organisation text read and checked: `errors` for the reply (empty when it may be
/// published), `organisation` what it reads as.
struct OrganisationCheck
{
    Organisation organisation;
    QJsonArray errors;
    QJsonArray warnings;
};

/// The errors a published workflow would have against `organisation`: each names the workflow
/// and its own file's line and column ("file", "workflow"), as the workflow editor shows them.
void checkPublishedWorkflows(const Organisation &organisation,
                             const QList<std::shared_ptr<const Workflow>> &workflows,
                             QJsonArray &errors)
{
    QStringList known;
    for (const auto &wf : workflows)
        known.append(wf->id);
    for (const auto &wf : workflows) {
        const QString file = wf->id + QStringLiteral(".yaml");
        const WorkflowReadResult read
            = checkWorkflowText(wf->source, organisation, file, &known, wf->id, &workflows);
        for (const Diagnostic &d : read.diagnostics) {
            if (!d.isError())
                continue;
            QJsonObject error = errorJson(d);
            error.insert(QStringLiteral("message"),
                         QStringLiteral("the published workflow %1 would break (%2:%3:%4): %5")
                             .arg(wf->id, file)
                             .arg(d.line)
                             .arg(d.column)
                             .arg(d.message));
            error.insert(QStringLiteral("workflow"), wf->id);
            error.insert(QStringLiteral("file"), file);
            errors.append(error);
        }
    }
}

OrganisationCheck checkOrganisation(const QByteArray &source,
                                    const QList<std::shared_ptr<const Workflow>> &workflows)
{
    OrganisationCheck check;
    const OrganisationReadResult read = readOrganisation(organisationFilesFromSource(source));
    for (const Diagnostic &d : read.diagnostics)
        (d.isError() ? check.errors : check.warnings).append(errorJson(d));
    check.organisation = read.organisation;
    // The workflows are checked only against an organisation without errors of its own: a
    // broken entry would show up again as each workflow's unknown name.
    if (read.ok())
        checkPublishedWorkflows(read.organisation, workflows, check.errors);
    return check;
}

} // namespace

void ApiServer::Private::organisation(Context &ctx)
{
    if (o.sla) // another server may have published one whose notice this one missed
        if (auto adopted = o.sla->adoptPublished(); !adopted)
            return ctx.fail(apiError(adopted.failure()));
    const LiveOrganisation &live = o.engine->liveOrganisation();
    ctx.ok({{QStringLiteral("version"), live.version()},
            {QStringLiteral("source"), QString::fromUtf8(live.source())}});
}

void ApiServer::Private::validateOrganisation(Context &ctx)
{
    if (!isValidUtf8(ctx.request.body))
        return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
    const OrganisationCheck check = checkOrganisation(ctx.request.body, currentWorkflows());
    ctx.ok({{QStringLiteral("valid"), check.errors.isEmpty()},
            {QStringLiteral("errors"), check.errors},
            {QStringLiteral("warnings"), check.warnings}});
}

void ApiServer::Private::publishOrganisation(Context &ctx)
{
    if (!requireAdmin(ctx))
        return;
    if (!isValidUtf8(ctx.request.body))
        return ctx.fail(ApiError::badRequest(QStringLiteral("The body is not valid UTF-8.")));
    if (!o.sla)
        return ctx.fail(ApiError::notFound(QStringLiteral("This server cannot publish.")));
    const OrganisationCheck check = checkOrganisation(ctx.request.body, currentWorkflows());
    if (!check.errors.isEmpty())
        return ctx.fail(ApiError::validation(QStringLiteral("The organisation has errors."),
                                             {{QStringLiteral("errors"), check.errors}}));
    const auto outcome = o.sla->publishOrganisation(
        *o.engine, ctx.request.body, std::make_shared<const Organisation>(check.organisation),
        ctx.user.username);
    if (!outcome)
        return ctx.fail(apiError(outcome.failure()));
    ctx.ok({{QStringLiteral("version"), outcome->version},
            {QStringLiteral("calendars_changed"), QJsonArray::fromStringList(outcome->calendars)},
            {QStringLiteral("recomputed"), outcome->recomputed}},
           outcome->published ? 201 : 200);
}

} // namespace Baton::Api

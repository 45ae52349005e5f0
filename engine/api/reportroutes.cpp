// SPDX-License-Identifier: GPL-3.0-or-later
// The reports family (issue 17): the routes; the replies are built in reportresource.cpp.
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"

#include "api/apierror.h"

#include "core/clock.h"
#include "store/database.h"

namespace Baton::Api {

void ApiServer::Private::reportSteps(Context &ctx)
{
    report(ctx, &Api::reportSteps);
}

void ApiServer::Private::reportFlow(Context &ctx)
{
    report(ctx, &Api::reportFlow);
}

void ApiServer::Private::reportOutcomes(Context &ctx)
{
    report(ctx, &Api::reportOutcomes);
}

void ApiServer::Private::reportEscalations(Context &ctx)
{
    report(ctx, &Api::reportEscalations);
}

void ApiServer::Private::reportVolume(Context &ctx)
{
    report(ctx, &Api::reportVolume);
}

void ApiServer::Private::reportBacklog(Context &ctx)
{
    report(ctx, &Api::reportBacklog);
}

void ApiServer::Private::reportSatisfaction(Context &ctx)
{
    report(ctx, &Api::reportSatisfaction);
}

void ApiServer::Private::reportTickets(Context &ctx)
{
    report(ctx, &Api::reportTickets);
}

// On this thread's connection: reports read, they never go through the writer.
void ApiServer::Private::report(Context &ctx,
                                HttpResponse (*reply)(const HttpRequest &, const ReportContext &))
{
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    ctx.send(reply(ctx.request,
                   ReportContext {ctx.actor, ctx.language, *o.engine, *db, o.clock->now()}));
}

} // namespace Baton::Api

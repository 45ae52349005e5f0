// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketjson.h"

#include "core/utctext.h"
#include "runtime/ticketstatejson.h"

namespace Baton::Api {

QString rfc3339(const QDateTime &instant)
{
    if (!instant.isValid())
        return {};
    return utcSecondsText(instant.toMSecsSinceEpoch());
}

QJsonValue timeOrNull(const QDateTime &instant)
{
    if (!instant.isValid())
        return QJsonValue::Null;
    return rfc3339(instant);
}

Language preferredLanguage(QByteArrayView acceptLanguage)
{
    // "zh-CN,zh;q=0.9,en;q=0.8": comma-separated ranges, each with an optional quality.
    Language best = Language::En;
    double bestQuality = 0;
    for (const QByteArray &item : acceptLanguage.toByteArray().split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray range = parts.first().trimmed().toLower();
        double quality = 1;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray parameter = parts.at(i).trimmed();
            if (parameter.startsWith("q="))
                quality = parameter.mid(2).toDouble();
        }
        const bool zh = range == "zh" || range.startsWith("zh-") || range.startsWith("zh_");
        const bool en = range == "en" || range.startsWith("en-") || range.startsWith("en_");
        if ((zh || en) && quality > bestQuality) {
            best = zh ? Language::Zh : Language::En;
            bestQuality = quality;
        }
    }
    return best;
}

namespace {

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

// A view without SLA figures (an engine without the SLA module): the object has its
// documented shape with unknown values.
QJsonObject emptySla()
{
    return {{QStringLiteral("respond_due"), QJsonValue::Null},
            {QStringLiteral("resolve_due"), QJsonValue::Null},
            {QStringLiteral("remaining"), QJsonValue::Null},
            {QStringLiteral("paused"), false},
            {QStringLiteral("at_risk"), false},
            {QStringLiteral("breached"), false}};
}

/// The parallel state the ticket is in, or null.
const State *parallelState(const TicketView &view)
{
    const Workflow *workflow = view.workflow.get();
    const State *state = workflow ? workflow->state(view.ticket.state) : nullptr;
    return state && state->isParallel() ? state : nullptr;
}

/// The open branches taking `action` cancels, so that a client can ask first (issue 16: "Ask
/// the customer" silently threw Billing's finished work away): leaving the parallel state (an
/// `any:` transition) abandons every open branch; a branch's `@fail` the other open ones.
QStringList discardedBranches(const TicketView &view, const AvailableAction &action)
{
    const State *state = parallelState(view);
    if (!state)
        return {};
    if (!action.branch.isEmpty()) {
        const Branch *branch = state->branch(action.branch);
        const Transition *transition = branch ? branch->transition(action.name) : nullptr;
        if (!transition || transition->to != u"@fail")
            return {};
    }
    QStringList open;
    for (const BranchState &b : view.ticket.branches)
        if (b.status == BranchStatus::Open && b.name != action.branch)
            open.append(b.name);
    return open;
}

QJsonArray actionsJson(const TicketView &view, const QString &branch, Language language)
{
    QJsonArray out;
    for (const AvailableAction &a : view.actions) {
        if (a.branch != branch)
            continue;
        out.append(QJsonObject {
            {QStringLiteral("name"), a.name},
            {QStringLiteral("title"), a.title.text(language)},
            {QStringLiteral("requires"), QJsonArray::fromStringList(a.requires_)},
            {QStringLiteral("accepts"), QJsonArray::fromStringList(a.accepts)},
            {QStringLiteral("discards"), QJsonArray::fromStringList(discardedBranches(view, a))},
            {QStringLiteral("confirm"), a.confirm},
            {QStringLiteral("backwards"), a.backwards}});
    }
    return out;
}

/// A branch's title in `language`; its name when the workflow gives none.
QString branchTitle(const TicketView &view, const QString &name, Language language)
{
    const State *state = parallelState(view);
    const Branch *branch = state ? state->branch(name) : nullptr;
    return branch && !branch->title.isEmpty() ? branch->title.text(language) : name;
}

/// Where the view's user may transfer the ticket's (or a branch's) work now, titled for them.
QJsonArray transferTargetsJson(const TicketView &view, const Organisation &org,
                               const QString &branch, Language language)
{
    QJsonArray out;
    for (const QString &queue : view.transferTargets.value(branch)) {
        const QueueDef def = org.queues.value(queue);
        out.append(QJsonObject {
            {QStringLiteral("queue"), queue},
            {QStringLiteral("title"), def.title.isEmpty() ? queue : def.title.text(language)},
            {QStringLiteral("department"), def.department}});
    }
    return out;
}

QJsonValue slaOrNull(const SlaStatus &status)
{
    return status.hasClocks ? QJsonValue(status.toJson()) : QJsonValue(QJsonValue::Null);
}

/// The ticket's "sla" (the current step's clocks): null where no target applies.
QJsonValue stepSlaJson(const TicketView &view)
{
    return view.sla ? slaOrNull(view.sla->step) : QJsonValue(emptySla());
}

/// A branch's "sla": null where no target applies.
QJsonValue branchSlaJson(const TicketView &view, const QString &branch)
{
    return view.sla ? slaOrNull(view.sla->branches.value(branch)) : QJsonValue(emptySla());
}

/// "ticket_sla": null when the workflow declares no ticket-wide target.
QJsonValue ticketSlaJson(const TicketView &view)
{
    if (view.sla)
        return slaOrNull(view.sla->ticket);
    const Workflow *workflow = view.workflow.get();
    return workflow && (workflow->sla.respond || workflow->sla.resolve)
        ? QJsonValue(emptySla())
        : QJsonValue(QJsonValue::Null);
}

/// "sla_urgent": the most urgent running clock of the ticket (the one badge lists show); null
/// for a closed ticket, one without clocks, or a view without SLA figures.
QJsonValue urgentSlaJson(const TicketView &view)
{
    if (!view.sla || view.ticket.status == TicketStatus::Closed)
        return QJsonValue(QJsonValue::Null);
    QStringList openBranches;
    for (const BranchState &b : view.ticket.branches)
        if (b.status == BranchStatus::Open)
            openBranches.append(b.name);
    return mostUrgentSla(*view.sla, openBranches).toJson();
}

// ---- the same objects written as text (writeTicketJson) ----------------------------------
// Members in QJsonObject's order (sorted by key), one a line with its value.
// clang-format off

/// An `Sla` object (SlaStatus::toJson()); with the urgent clock's "clock" and "branch" when
/// `urgent` is given.
void writeSla(JsonText &json, const SlaStatus &status, const UrgentSla *urgent = nullptr)
{
    json.beginObject().key("at_risk").boolean(status.atRisk);
    if (urgent)
        json.key("branch").stringOrNull(urgent->branch);
    json.key("breached").boolean(status.breached);
    if (urgent)
        json.key("clock").string(urgent->clock);
    json.key("paused").boolean(status.paused)
        .key("remaining");
    if (status.remaining)
        json.number(*status.remaining);
    else
        json.null();
    json.key("resolve_due").instantSeconds(status.resolveDue)
        .key("respond_due").instantSeconds(status.respondDue)
        .endObject();
}

/// slaOrNull(), emptySla() when the view has no SLA figures.
void writeSlaOrNull(JsonText &json, const TicketView &view, const SlaStatus &status)
{
    if (!view.sla)
        writeSla(json, SlaStatus()); // emptySla()
    else if (status.hasClocks)
        writeSla(json, status);
    else
        json.null();
}

void writeTicketSla(JsonText &json, const TicketView &view)
{
    const Workflow *workflow = view.workflow.get();
    if (view.sla)
        writeSlaOrNull(json, view, view.sla->ticket);
    else if (workflow && (workflow->sla.respond || workflow->sla.resolve))
        writeSla(json, SlaStatus());
    else
        json.null();
}

void writeUrgentSla(JsonText &json, const TicketView &view)
{
    if (!view.sla || view.ticket.status == TicketStatus::Closed)
        return void(json.null());
    QStringList openBranches;
    for (const BranchState &b : view.ticket.branches)
        if (b.status == BranchStatus::Open)
            openBranches.append(b.name);
    const UrgentSla urgent = mostUrgentSla(*view.sla, openBranches);
    if (urgent.clock.isEmpty())
        return void(json.null());
    writeSla(json, urgent.status, &urgent);
}

void writeActions(JsonText &json, const TicketView &view, const QString &branch,
                  Language language)
{
    json.beginArray();
    for (const AvailableAction &a : view.actions) {
        if (a.branch != branch)
            continue;
        json.beginObject()
            .key("accepts").strings(a.accepts)
            .key("backwards").boolean(a.backwards)
            .key("confirm").boolean(a.confirm)
            .key("discards").strings(discardedBranches(view, a))
            .key("name").string(a.name)
            .key("requires").strings(a.requires_)
            .key("title").string(a.title.text(language))
            .endObject();
    }
    json.endArray();
}

void writeTransferTargets(JsonText &json, const TicketView &view, const Organisation &org,
                          const QString &branch, Language language)
{
    json.beginArray();
    for (const QString &queue : view.transferTargets.value(branch)) {
        const auto def = org.queues.constFind(queue);
        const bool titled = def != org.queues.cend() && !def->title.isEmpty();
        json.beginObject()
            .key("department").string(def != org.queues.cend() ? def->department : QString())
            .key("queue").string(queue)
            .key("title").string(titled ? def->title.text(language) : queue)
            .endObject();
    }
    json.endArray();
}

/// markAssigneesAway()'s "assignee_away": the assignee is a name (not null) of one away now.
bool awayNow(const QString &assignee, const QSet<QString> &away)
{
    return !assignee.isEmpty() && away.contains(assignee);
}

/// The "branches" of a parallel ticket, each marked as markAssigneesAway() does.
void writeBranches(JsonText &json, const TicketView &view, const Organisation &organisation,
                   Language language, const QSet<QString> &away)
{
    json.beginArray();
    for (const BranchState &b : view.ticket.branches) {
        json.beginObject()
            .key("actions");
        writeActions(json, view, b.name, language);
        json.key("assignee").stringOrNull(b.assignee)
            .key("assignee_away").boolean(awayNow(b.assignee, away))
            .key("name").string(b.name)
            .key("queue").stringOrNull(b.queue)
            .key("sla");
        writeSlaOrNull(json, view, view.sla ? view.sla->branches.value(b.name) : SlaStatus());
        json.key("status").string(toString(b.status))
            .key("title").string(branchTitle(view, b.name, language))
            .key("transfer_targets");
        writeTransferTargets(json, view, organisation, b.name, language);
        json.endObject();
    }
    json.endArray();
}

} // namespace

void writeTicketJson(JsonText &json, const TicketView &view, const Organisation &organisation,
                     Language language, const QSet<QString> &away, const QJsonArray *attachments)
{
    const TicketState &t = view.ticket;
    json.beginObject()
        .key("actions");
    writeActions(json, view, QString(), language);
    json.key("assignee").stringOrNull(t.assignee)
        .key("assignee_away").boolean(awayNow(t.assignee, away));
    if (attachments)
        json.key("attachments").array(*attachments);
    if (!t.branches.isEmpty()) {
        json.key("branches");
        writeBranches(json, view, organisation, language, away);
    }
    json.key("channel").stringOrNull(t.channel)
        .key("closed_at").instantSeconds(t.closedAt)
        .key("created_at").instantSeconds(t.createdAt)
        .key("customer");
    writeCustomerJson(json, t.customer);
    json.key("fields").variantMap(t.fields)
        .key("flagged").boolean(t.flagged)
        .key("handoffs").number(t.handoffs)
        .key("id").number(t.id)
        .key("internal_notes").boolean(view.internalNotes)
        .key("key").string(t.key)
        .key("links");
    writeLinksJson(json, t.links);
    json.key("originator").string(t.originator)
        .key("pending_links").array(t.pendingLinks,
               [&](const PendingLink &p) {
                   json.beginObject()
                       .key("action").string(p.action)
                       .key("due_at").instantSeconds(p.dueAt)
                       .key("workflow").string(p.workflow)
                       .endObject();
               })
        .key("priority").number(t.priority)
        .key("queue").stringOrNull(t.queue)
        .key("sla");
    writeSlaOrNull(json, view, view.sla ? view.sla->step : SlaStatus());
    json.key("sla_urgent");
    writeUrgentSla(json, view);
    json.key("state").string(t.state)
        .key("state_title").string(view.stateTitle.text(language))
        .key("status").string(toString(t.status))
        .key("ticket_sla");
    writeTicketSla(json, view);
    json.key("title").string(t.title)
        .key("transfer_targets");
    writeTransferTargets(json, view, organisation, QString(), language);
    json.key("updated_at").instantSeconds(t.updatedAt)
        .key("version").number(t.version)
        .key("workflow").string(t.workflow)
        .key("workflow_version").number(t.workflowVersion)
        .endObject();
}
// clang-format on

QByteArray ticketJsonText(const TicketView &view, const Organisation &organisation,
                          Language language, const QSet<QString> &away,
                          const QJsonArray *attachments)
{
    JsonText json(2048);
    writeTicketJson(json, view, organisation, language, away, attachments);
    return json.take();
}

QJsonObject ticketJson(const TicketView &view, const Organisation &organisation, Language language)
{
    const TicketState &t = view.ticket;
    QJsonObject fields;
    for (auto it = t.fields.cbegin(); it != t.fields.cend(); ++it)
        fields.insert(it.key(), QJsonValue::fromVariant(it.value()));
    QJsonArray branches;
    for (const BranchState &b : t.branches)
        branches.append(
            QJsonObject {{QStringLiteral("name"), b.name},
                         {QStringLiteral("title"), branchTitle(view, b.name, language)},
                         {QStringLiteral("queue"), stringOrNull(b.queue)},
                         {QStringLiteral("assignee"), stringOrNull(b.assignee)},
                         {QStringLiteral("status"), toString(b.status)},
                         {QStringLiteral("sla"), branchSlaJson(view, b.name)},
                         {QStringLiteral("actions"), actionsJson(view, b.name, language)},
                         {QStringLiteral("transfer_targets"),
                          transferTargetsJson(view, organisation, b.name, language)}});
    QJsonArray links;
    for (const TicketLink &l : t.links)
        links.append(QJsonObject {{QStringLiteral("id"), l.id},
                                  {QStringLiteral("key"), l.key},
                                  {QStringLiteral("workflow"), l.workflow},
                                  {QStringLiteral("relation"), l.relation}});
    // Linked tickets an `open: {after: ...}` will open (dropped if the ticket is reopened).
    QJsonArray pendingLinks;
    for (const PendingLink &p : t.pendingLinks)
        pendingLinks.append(QJsonObject {{QStringLiteral("workflow"), p.workflow},
                                         {QStringLiteral("action"), p.action},
                                         {QStringLiteral("due_at"), timeOrNull(p.dueAt)}});
    QJsonObject object {
        {QStringLiteral("id"), t.id},
        {QStringLiteral("key"), t.key},
        {QStringLiteral("workflow"), t.workflow},
        {QStringLiteral("workflow_version"), t.workflowVersion},
        {QStringLiteral("title"), t.title},
        {QStringLiteral("state"), t.state},
        {QStringLiteral("state_title"), view.stateTitle.text(language)},
        {QStringLiteral("status"), toString(t.status)},
        {QStringLiteral("queue"), stringOrNull(t.queue)},
        {QStringLiteral("assignee"), stringOrNull(t.assignee)},
        {QStringLiteral("originator"), t.originator},
        {QStringLiteral("priority"), t.priority},
        {QStringLiteral("handoffs"), t.handoffs},
        {QStringLiteral("flagged"), t.flagged},
        {QStringLiteral("fields"), fields},
        {QStringLiteral("customer"), t.customer.toJson()},
        {QStringLiteral("channel"), stringOrNull(t.channel)},
        {QStringLiteral("sla"), stepSlaJson(view)},
        {QStringLiteral("ticket_sla"), ticketSlaJson(view)},
        {QStringLiteral("sla_urgent"), urgentSlaJson(view)},
        {QStringLiteral("actions"), actionsJson(view, QString(), language)},
        {QStringLiteral("transfer_targets"),
         transferTargetsJson(view, organisation, QString(), language)},
        {QStringLiteral("internal_notes"), view.internalNotes},
        {QStringLiteral("links"), links},
        {QStringLiteral("pending_links"), pendingLinks},
        {QStringLiteral("version"), t.version},
        {QStringLiteral("created_at"), timeOrNull(t.createdAt)},
        {QStringLiteral("updated_at"), timeOrNull(t.updatedAt)},
        {QStringLiteral("closed_at"), timeOrNull(t.closedAt)},
    };
    if (!t.branches.isEmpty())
        object.insert(QStringLiteral("branches"), branches);
    return object;
}

void markAssigneesAway(QJsonObject &ticket, const QSet<QString> &away)
{
    const auto isAway = [&](const QJsonObject &o) {
        const QJsonValue assignee = o.value(QStringLiteral("assignee"));
        return assignee.isString() && away.contains(assignee.toString());
    };
    ticket.insert(QStringLiteral("assignee_away"), isAway(ticket));
    if (!ticket.contains(QStringLiteral("branches")))
        return;
    QJsonArray branches = ticket.value(QStringLiteral("branches")).toArray();
    for (qsizetype i = 0; i < branches.size(); ++i) {
        QJsonObject branch = branches.at(i).toObject();
        branch.insert(QStringLiteral("assignee_away"), isAway(branch));
        branches.replace(i, branch);
    }
    ticket.insert(QStringLiteral("branches"), branches);
}

QJsonValue awayJson(const User &user)
{
    if (!user.awayUntil)
        return QJsonValue::Null;
    return QJsonObject {
        {QStringLiteral("from"),
         user.awayFrom ? QJsonValue(rfc3339(*user.awayFrom)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("until"), rfc3339(*user.awayUntil)},
        {QStringLiteral("substitute"),
         user.substitute.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(user.substitute)}};
}

QJsonObject userJson(const User &user, const Organisation &organisation)
{
    const Actor actor = resolveActor(organisation, user.username, user.roles, user.departments);
    return {{QStringLiteral("username"), user.username},
            {QStringLiteral("name"), user.name},
            {QStringLiteral("roles"), QJsonArray::fromStringList(user.roles)},
            {QStringLiteral("departments"), QJsonArray::fromStringList(user.departments)},
            {QStringLiteral("queues"), QJsonArray::fromStringList(actor.queues)},
            {QStringLiteral("email"), user.email},
            {QStringLiteral("phone"), user.phone},
            {QStringLiteral("language"), user.language},
            {QStringLiteral("skills"), QJsonArray::fromStringList(user.skills)},
            {QStringLiteral("time_zone"), user.timeZone},
            {QStringLiteral("away"), awayJson(user)},
            {QStringLiteral("active"), user.active}};
}

QJsonObject notificationJson(const NotificationRow &row)
{
    return {{QStringLiteral("id"), row.id},
            {QStringLiteral("at"), rfc3339(QDateTime::fromMSecsSinceEpoch(row.at, Qt::UTC))},
            {QStringLiteral("ticket"), row.ticketId},
            {QStringLiteral("kind"), row.kind},
            {QStringLiteral("message"), row.message},
            {QStringLiteral("params"), row.params},
            {QStringLiteral("read"), row.read}};
}

QJsonObject eventJson(const Event &event)
{
    QJsonObject object = event.toJson();
    object.insert(QStringLiteral("at"), rfc3339(event.at));
    return object;
}

} // namespace Baton::Api

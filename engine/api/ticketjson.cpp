// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketjson.h"

#include "core/utctext.h"

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

} // namespace

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

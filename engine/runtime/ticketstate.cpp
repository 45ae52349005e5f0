// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketstate.h"
#include "runtime/ticketstatejson.h"

#include "runtime/eventtypes.h"

#include "core/jsontext.h"

#include <QJsonArray>
#include <QJsonValue>

#include <utility>

namespace Baton {

namespace {

QString formatInstant(const QDateTime &instant)
{
    if (!instant.isValid())
        return {};
    const QDateTime utc = instant.toUTC();
    return utc.time().msec() == 0 ? utc.toString(Qt::ISODate) : utc.toString(Qt::ISODateWithMs);
}

QJsonValue instantValue(const QDateTime &instant)
{
    return instant.isValid() ? QJsonValue(formatInstant(instant)) : QJsonValue(QJsonValue::Null);
}

QDateTime parseInstant(const QJsonValue &value)
{
    if (!value.isString())
        return {};
    QDateTime instant = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return instant.isValid() ? instant.toUTC() : QDateTime();
}

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

void visit(TicketState &state, const QString &queue)
{
    if (!queue.isEmpty() && !state.queuesVisited.contains(queue))
        state.queuesVisited.append(queue);
}

QVariantMap canonicalFields(const QVariantMap &fields)
{
    QVariantMap result;
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        const QVariant value = canonicalFieldValue(it.value());
        if (value.isValid())
            result.insert(it.key(), value);
    }
    return result;
}

/// A pending link from a link_scheduled event's data (seq, at from the event), or from the
/// stored state (seq in the object: pass -1).
PendingLink pendingLinkFromJson(const QJsonObject &data, qint64 seq, const QDateTime &)
{
    PendingLink link;
    link.seq = seq >= 0 ? seq : data.value(u"seq").toInteger();
    link.workflow = data.value(u"workflow").toString();
    link.action = data.value(u"action").toString();
    link.dueAt = parseInstant(data.value(u"due"));
    link.fields = canonicalFields(data.value(u"fields").toObject().toVariantMap());
    return link;
}

QJsonArray pendingLinksJson(const QList<PendingLink> &links)
{
    QJsonArray array;
    for (const PendingLink &l : links)
        array.append(
            QJsonObject {{QStringLiteral("seq"), l.seq},
                         {QStringLiteral("workflow"), l.workflow},
                         {QStringLiteral("action"), l.action},
                         {QStringLiteral("due"), instantValue(l.dueAt)},
                         {QStringLiteral("fields"), QJsonObject::fromVariantMap(l.fields)}});
    return array;
}

/// Entering a state (opened, transitioned, reopened): the data names the state and its
/// resulting queue, assignee and branches, so that replay needs no workflow.
void applyEntry(TicketState &state, const QJsonObject &data, const QDateTime &at)
{
    state.state = data.value(u"state").toString();
    state.queue = data.value(u"queue").toString();
    state.assignee = data.value(u"assignee").toString();
    state.branches.clear();
    const QJsonArray branches = data.value(u"branches").toArray();
    for (const QJsonValue &value : branches) {
        const QJsonObject object = value.toObject();
        BranchState branch;
        branch.name = object.value(u"name").toString();
        branch.queue = object.value(u"queue").toString();
        branch.assignee = object.value(u"assignee").toString();
        branch.startedAt = at;
        state.branches.append(branch);
        visit(state, branch.queue);
    }
    state.stepStartedAt = at;
    state.stepRespondedAt = {};
    // opened: the tier's; transitioned: a transition's `priority:`; reopened: unchanged.
    if (data.contains(u"priority"))
        state.priority = data.value(u"priority").toInt();
    visit(state, state.queue);
    // A new step: its clocks (and its branches') start afresh; the ticket-wide clock goes on,
    // stopping or resuming as the entered state says (`sla: pause`).
    state.slaFired.removeIf(
        [](const QString &key) { return !key.startsWith(QLatin1String("ticket:")); });
    const bool paused = data.value(u"sla_paused").toBool();
    if (paused && !state.slaPausedSince.isValid()) {
        state.slaPausedSince = at;
    } else if (!paused && state.slaPausedSince.isValid()) {
        state.slaPauses.append({state.slaPausedSince, at});
        state.slaPausedSince = {};
    }
}

/// Moves the ticket, or one branch of it, to another queue: a new step whose clocks start now.
void applyMove(TicketState &state, const QString &branchName, const QString &queue,
               const QDateTime &at)
{
    if (!branchName.isEmpty()) {
        if (BranchState *branch = state.branch(branchName)) {
            branch->queue = queue;
            branch->assignee.clear();
            branch->startedAt = at;
            branch->respondedAt = {};
        }
    } else {
        state.queue = queue;
        state.assignee.clear();
        state.stepStartedAt = at;
        state.stepRespondedAt = {};
    }
    visit(state, queue);
    const QString prefix = branchName.isEmpty() ? QStringLiteral("step:")
                                                : QStringLiteral("branch:") + branchName + u':';
    state.slaFired.removeIf([&prefix](const QString &key) { return key.startsWith(prefix); });
}

void applyAssignee(TicketState &state, const QJsonObject &data, const QDateTime &at)
{
    const QString branchName = data.value(u"branch").toString();
    const QString assignee = data.value(u"assignee").toString();
    const bool responded = data.value(u"responded").toBool();
    if (!branchName.isEmpty()) {
        if (BranchState *branch = state.branch(branchName)) {
            branch->assignee = assignee;
            if (responded && !branch->respondedAt.isValid())
                branch->respondedAt = at;
        }
        return;
    }
    state.assignee = assignee;
    if (responded && !state.stepRespondedAt.isValid())
        state.stepRespondedAt = at;
}

} // namespace

QString toString(TicketStatus status)
{
    return status == TicketStatus::Closed ? QStringLiteral("closed") : QStringLiteral("open");
}

QString toString(BranchStatus status)
{
    switch (status) {
    case BranchStatus::Open:
        return QStringLiteral("open");
    case BranchStatus::Done:
        return QStringLiteral("done");
    case BranchStatus::Failed:
        return QStringLiteral("failed");
    case BranchStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("open");
}

TicketStatus ticketStatusFromString(const QString &text)
{
    return text == u"closed" ? TicketStatus::Closed : TicketStatus::Open;
}

BranchStatus branchStatusFromString(const QString &text)
{
    if (text == u"done")
        return BranchStatus::Done;
    if (text == u"failed")
        return BranchStatus::Failed;
    if (text == u"cancelled")
        return BranchStatus::Cancelled;
    return BranchStatus::Open;
}

QJsonObject Customer::toJson() const
{
    QJsonObject object;
    const auto put = [&object](QLatin1String key, const QString &value) {
        if (!value.isEmpty())
            object.insert(key, value);
    };
    put(QLatin1String("id"), id);
    put(QLatin1String("name"), name);
    put(QLatin1String("tier"), tier);
    put(QLatin1String("phone"), phone);
    put(QLatin1String("email"), email);
    return object;
}

// Keys in the order Qt sorts them; toJson() leaves out what is not set.
void writeCustomerJson(JsonText &json, const Customer &customer)
{
    json.beginObject();
    for (const auto &[name, value] : {std::pair {"email", &customer.email},
                                      {"id", &customer.id},
                                      {"name", &customer.name},
                                      {"phone", &customer.phone},
                                      {"tier", &customer.tier}})
        if (!value->isEmpty())
            json.key(name).string(*value);
    json.endObject();
}

void writeLinksJson(JsonText &json, const QList<TicketLink> &links)
{
    json.array(links, [&](const TicketLink &l) {
        json.beginObject();
        json.key("id").number(l.id);
        json.key("key").string(l.key);
        json.key("relation").string(l.relation);
        json.key("workflow").string(l.workflow);
        json.endObject();
    });
}

Customer Customer::fromJson(const QJsonObject &object)
{
    Customer customer;
    customer.id = object.value(u"id").toString();
    customer.name = object.value(u"name").toString();
    customer.tier = object.value(u"tier").toString();
    customer.phone = object.value(u"phone").toString();
    customer.email = object.value(u"email").toString();
    return customer;
}

const BranchState *TicketState::branch(const QString &name) const
{
    for (const BranchState &b : branches)
        if (b.name == name)
            return &b;
    return nullptr;
}

BranchState *TicketState::branch(const QString &name)
{
    for (BranchState &b : branches)
        if (b.name == name)
            return &b;
    return nullptr;
}

void TicketState::assignId(qint64 newId)
{
    id = newId;
    key = ticketKey(workflow, newId);
}

QJsonObject TicketState::toJson() const
{
    QJsonObject object;
    object.insert(u"id", id);
    object.insert(u"key", key);
    object.insert(u"workflow", workflow);
    object.insert(u"workflow_version", workflowVersion);
    object.insert(u"title", title);
    object.insert(u"state", state);
    object.insert(u"status", toString(status));
    object.insert(u"queue", stringOrNull(queue));
    object.insert(u"assignee", stringOrNull(assignee));
    object.insert(u"originator", originator);
    object.insert(u"priority", priority);
    object.insert(u"handoffs", handoffs);
    object.insert(u"flagged", flagged);
    object.insert(u"fields", QJsonObject::fromVariantMap(fields));
    object.insert(u"customer", customer.toJson());
    object.insert(u"channel", stringOrNull(channel));
    QJsonArray branchArray;
    for (const BranchState &b : branches) {
        branchArray.append(
            QJsonObject {{QStringLiteral("name"), b.name},
                         {QStringLiteral("queue"), stringOrNull(b.queue)},
                         {QStringLiteral("assignee"), stringOrNull(b.assignee)},
                         {QStringLiteral("status"), toString(b.status)},
                         {QStringLiteral("started_at"), instantValue(b.startedAt)},
                         {QStringLiteral("responded_at"), instantValue(b.respondedAt)},
                         {QStringLiteral("ended_at"), instantValue(b.endedAt)}});
    }
    object.insert(u"branches", branchArray);
    object.insert(u"queues_visited", QJsonArray::fromStringList(queuesVisited));
    QJsonArray linkArray;
    for (const TicketLink &l : links)
        linkArray.append(QJsonObject {{QStringLiteral("id"), l.id},
                                      {QStringLiteral("key"), l.key},
                                      {QStringLiteral("workflow"), l.workflow},
                                      {QStringLiteral("relation"), l.relation}});
    object.insert(u"links", linkArray);
    object.insert(u"version", version);
    object.insert(u"created_at", instantValue(createdAt));
    object.insert(u"updated_at", instantValue(updatedAt));
    object.insert(u"closed_at", instantValue(closedAt));
    object.insert(u"step_started_at", instantValue(stepStartedAt));
    object.insert(u"step_responded_at", instantValue(stepRespondedAt));
    object.insert(u"sla_paused_since", instantValue(slaPausedSince));
    QJsonArray pauseArray;
    for (const auto &[from, to] : slaPauses)
        pauseArray.append(QJsonArray {instantValue(from), instantValue(to)});
    object.insert(u"sla_pauses", pauseArray);
    object.insert(u"sla_fired", QJsonArray::fromStringList(slaFired));
    if (!pendingLinks.isEmpty()) // absent when none, as every ticket stored before them
        object.insert(u"pending_links", pendingLinksJson(pendingLinks));
    return object;
}

QByteArray TicketState::fieldsJson() const
{
    // Field values are any JSON value.
    return JsonText(64 + fields.size() * 32).variantMap(fields).take();
}

// One member a line, key and value together, in the order Qt sorts them (clang-format would
// put each on a line of its own).
// clang-format off
QByteArray TicketState::branchesJson() const
{
    JsonText json(64 + branches.size() * 200);
    json.array(branches, [&](const BranchState &b) {
        json.beginObject()
            .key("assignee").stringOrNull(b.assignee)
            .key("ended_at").instant(b.endedAt)
            .key("name").string(b.name)
            .key("queue").stringOrNull(b.queue)
            .key("responded_at").instant(b.respondedAt)
            .key("started_at").instant(b.startedAt)
            .key("status").string(toString(b.status))
            .endObject();
    });
    return json.take();
}

QByteArray TicketState::toCompactJson() const
{
    return toCompactJson(fieldsJson(), branchesJson());
}

QByteArray TicketState::toCompactJson(const QByteArray &fieldsText,
                                      const QByteArray &branchesText) const
{
    JsonText json(768 + fieldsText.size() + branchesText.size());
    json.beginObject()
        .key("assignee").stringOrNull(assignee)
        .key("branches").json(branchesText)
        .key("channel").stringOrNull(channel)
        .key("closed_at").instant(closedAt)
        .key("created_at").instant(createdAt)
        .key("customer");
    writeCustomerJson(json, customer);
    json.key("fields").json(fieldsText)
        .key("flagged").boolean(flagged)
        .key("handoffs").number(handoffs)
        .key("id").number(id)
        .key("key").string(key)
        .key("links");
    writeLinksJson(json, links);
    json.key("originator").string(originator);
    if (!pendingLinks.isEmpty())
        json.key("pending_links")
            .array(pendingLinksJson(pendingLinks));
    json.key("priority").number(priority)
        .key("queue").stringOrNull(queue)
        .key("queues_visited").strings(queuesVisited)
        .key("sla_fired").strings(slaFired)
        .key("sla_paused_since").instant(slaPausedSince)
        .key("sla_pauses").array(slaPauses,
               [&](const QPair<QDateTime, QDateTime> &pause) {
                   json.beginArray().instant(pause.first).instant(pause.second).endArray();
               })
        .key("state").string(state)
        .key("status").string(toString(status))
        .key("step_responded_at").instant(stepRespondedAt)
        .key("step_started_at").instant(stepStartedAt)
        .key("title").string(title)
        .key("updated_at").instant(updatedAt)
        .key("version").number(version)
        .key("workflow").string(workflow)
        .key("workflow_version").number(workflowVersion)
        .endObject();
    return json.take();
}
// clang-format on

TicketState TicketState::fromJson(const QJsonObject &object)
{
    TicketState s;
    s.id = object.value(u"id").toInteger();
    s.key = object.value(u"key").toString();
    s.workflow = object.value(u"workflow").toString();
    s.workflowVersion = object.value(u"workflow_version").toInt();
    s.title = object.value(u"title").toString();
    s.state = object.value(u"state").toString();
    s.status = ticketStatusFromString(object.value(u"status").toString());
    s.queue = object.value(u"queue").toString();
    s.assignee = object.value(u"assignee").toString();
    s.originator = object.value(u"originator").toString();
    s.priority = object.value(u"priority").toInt();
    s.handoffs = object.value(u"handoffs").toInt();
    s.flagged = object.value(u"flagged").toBool();
    s.fields = canonicalFields(object.value(u"fields").toObject().toVariantMap());
    s.customer = Customer::fromJson(object.value(u"customer").toObject());
    s.channel = object.value(u"channel").toString();
    const QJsonArray branchArray = object.value(u"branches").toArray();
    for (const QJsonValue &value : branchArray) {
        const QJsonObject b = value.toObject();
        BranchState branch;
        branch.name = b.value(u"name").toString();
        branch.queue = b.value(u"queue").toString();
        branch.assignee = b.value(u"assignee").toString();
        branch.status = branchStatusFromString(b.value(u"status").toString());
        branch.startedAt = parseInstant(b.value(u"started_at"));
        branch.respondedAt = parseInstant(b.value(u"responded_at"));
        branch.endedAt = parseInstant(b.value(u"ended_at"));
        s.branches.append(branch);
    }
    const QJsonArray visited = object.value(u"queues_visited").toArray();
    for (const QJsonValue &value : visited)
        s.queuesVisited.append(value.toString());
    const QJsonArray linkArray = object.value(u"links").toArray();
    for (const QJsonValue &value : linkArray) {
        const QJsonObject l = value.toObject();
        s.links.append(TicketLink {l.value(u"id").toInteger(), l.value(u"key").toString(),
                                   l.value(u"workflow").toString(),
                                   l.value(u"relation").toString()});
    }
    s.version = object.value(u"version").toInteger();
    s.createdAt = parseInstant(object.value(u"created_at"));
    s.updatedAt = parseInstant(object.value(u"updated_at"));
    s.closedAt = parseInstant(object.value(u"closed_at"));
    s.stepStartedAt = parseInstant(object.value(u"step_started_at"));
    s.stepRespondedAt = parseInstant(object.value(u"step_responded_at"));
    s.slaPausedSince = parseInstant(object.value(u"sla_paused_since"));
    const QJsonArray pauses = object.value(u"sla_pauses").toArray();
    for (const QJsonValue &value : pauses) {
        const QJsonArray pair = value.toArray();
        s.slaPauses.append({parseInstant(pair.at(0)), parseInstant(pair.at(1))});
    }
    const QJsonArray fired = object.value(u"sla_fired").toArray();
    for (const QJsonValue &value : fired)
        s.slaFired.append(value.toString());
    const QJsonArray pending = object.value(u"pending_links").toArray();
    for (const QJsonValue &value : pending)
        s.pendingLinks.append(pendingLinkFromJson(value.toObject(), -1, {}));
    return s;
}

QString ticketKeyPrefix(const QString &workflowId)
{
    // Called for every ticket the store loads: a plain scan, no regular expression.
    QString initials;
    QString firstWord;
    int words = 0;
    bool atWordStart = true;
    for (const QChar c : workflowId) {
        if (c == u'-' || c == u'_') {
            atWordStart = true;
            continue;
        }
        if (atWordStart) {
            initials.append(c);
            ++words;
            atWordStart = false;
        }
        if (words == 1 && firstWord.size() < 2)
            firstWord.append(c);
    }
    const QString prefix = words == 1 ? firstWord : initials;
    return prefix.isEmpty() ? QStringLiteral("T") : prefix.toUpper();
}

QString ticketKey(const QString &workflowId, qint64 id)
{
    return ticketKeyPrefix(workflowId) + u'-' + QString::number(id);
}

QJsonObject Event::toJson() const
{
    return QJsonObject {{QStringLiteral("seq"), seq},
                        {QStringLiteral("at"), instantValue(at)},
                        {QStringLiteral("actor"), stringOrNull(actor)},
                        {QStringLiteral("type"), type},
                        {QStringLiteral("data"), data}};
}

Event Event::fromJson(const QJsonObject &object)
{
    Event event;
    event.seq = object.value(u"seq").toInteger();
    event.at = parseInstant(object.value(u"at"));
    event.actor = object.value(u"actor").toString();
    event.type = object.value(u"type").toString();
    event.data = object.value(u"data").toObject();
    return event;
}

namespace {

/// The events of links and timed steps: linked, link_scheduled, timed_out.
void applyTimedEvent(TicketState &state, const Event &event)
{
    const QJsonObject &data = event.data;
    if (event.type == EventTypes::linked) {
        state.links.append(TicketLink {data.value(u"id").toInteger(), data.value(u"key").toString(),
                                       data.value(u"workflow").toString(),
                                       data.value(u"relation").toString()});
        if (data.contains(u"scheduled")) { // a pending link come due, now opened
            const qint64 seq = data.value(u"scheduled").toInteger();
            state.pendingLinks.removeIf([seq](const PendingLink &l) { return l.seq == seq; });
        }
    } else if (event.type == EventTypes::linkFailed) { // given up: never retried
        const qint64 seq = data.value(u"scheduled").toInteger();
        state.pendingLinks.removeIf([seq](const PendingLink &l) { return l.seq == seq; });
    } else if (event.type == EventTypes::linkScheduled) {
        state.pendingLinks.append(pendingLinkFromJson(data, event.seq, event.at));
    } else if (event.type == EventTypes::timedOut) {
        state.slaFired.append(data.value(u"sla_step").toString());
    }
}

} // namespace

void applyEvent(TicketState &state, const Event &event)
{
    const QJsonObject &data = event.data;
    const QString &type = event.type;
    ++state.version;
    state.updatedAt = event.at;

    if (type == EventTypes::opened) {
        state.workflow = data.value(u"workflow").toString();
        state.workflowVersion = data.value(u"workflow_version").toInt();
        state.title = data.value(u"title").toString();
        state.originator = data.value(u"originator").toString();
        state.fields = canonicalFields(data.value(u"fields").toObject().toVariantMap());
        state.customer = Customer::fromJson(data.value(u"customer").toObject());
        state.channel = data.value(u"channel").toString();
        state.status = TicketStatus::Open;
        state.createdAt = event.at;
        applyEntry(state, data, event.at);
    } else if (type == EventTypes::transitioned) {
        applyEntry(state, data, event.at);

    } else if (type == EventTypes::reopened) {
        state.status = TicketStatus::Open;
        state.closedAt = {};
        state.pendingLinks.clear(); // reopened before they were due: not opened

        applyEntry(state, data, event.at);
    } else if (type == EventTypes::closed) {
        state.status = TicketStatus::Closed;
        state.closedAt = event.at;
        // A closed ticket's ticket-wide clock stands still; reopening resumes it.
        if (!state.slaPausedSince.isValid())
            state.slaPausedSince = event.at;
    } else if (type == EventTypes::fieldsChanged) {
        const QJsonObject changed = data.value(u"fields").toObject();
        for (auto it = changed.constBegin(); it != changed.constEnd(); ++it) {
            const QVariant value = canonicalFieldValue(it.value().toVariant());
            if (value.isValid())
                state.fields.insert(it.key(), value);
            else
                state.fields.remove(it.key());
        }
    } else if (type == EventTypes::claimed || type == EventTypes::assigned) {
        applyAssignee(state, data, event.at);
    } else if (type == EventTypes::transferred || type == EventTypes::handoffLimit) {
        applyMove(state, data.value(u"branch").toString(), data.value(u"to").toString(), event.at);
        state.handoffs = data.value(u"handoffs").toInt(state.handoffs);
        if (type == EventTypes::handoffLimit)
            state.flagged = true;
    } else if (type == EventTypes::slaWarning || type == EventTypes::slaBreached) {
        if (data.contains(u"sla_step"))
            state.slaFired.append(data.value(u"sla_step").toString());
    } else if (type == EventTypes::escalated) {
        // Written by the SLA clocks: an absolute new priority and/or a move to another queue.
        if (data.contains(u"sla_step"))
            state.slaFired.append(data.value(u"sla_step").toString());
        if (data.contains(u"priority"))
            state.priority = data.value(u"priority").toInt();
        if (data.contains(u"to"))
            applyMove(state, data.value(u"branch").toString(), data.value(u"to").toString(),
                      event.at);
    } else if (type == EventTypes::branchCompleted) {
        if (BranchState *branch = state.branch(data.value(u"branch").toString())) {
            branch->status = branchStatusFromString(data.value(u"status").toString());
            branch->endedAt = event.at;
        }
        const QJsonArray cancelled = data.value(u"cancelled").toArray();
        for (const QJsonValue &name : cancelled) {
            if (BranchState *branch = state.branch(name.toString())) {
                branch->status = BranchStatus::Cancelled;
                branch->endedAt = event.at;
            }
        }
    } else {
        applyTimedEvent(state, event);
    }
    // commented, returned_to_originator: recorded, no state change.
}

TicketState replay(qint64 id, const QList<Event> &events)
{
    TicketState state;
    for (const Event &event : events)
        applyEvent(state, event);
    if (id != 0)
        state.assignId(id);
    return state;
}

QVariant canonicalFieldValue(const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return {};
    switch (value.typeId()) {
    case QMetaType::QDate:
        return value.toDate().toString(Qt::ISODate);
    case QMetaType::QDateTime:
        return formatInstant(value.toDateTime());
    case QMetaType::QString:
        if (value.toString().isEmpty())
            return {};
        return value;
    default:
        break;
    }
    const QVariant canonical = QJsonValue::fromVariant(value).toVariant();
    return canonical.isNull() ? QVariant() : canonical;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketmachine.h"

#include "definition/condition.h"
#include "runtime/eventtypes.h"
#include "runtime/noticetext.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QRegularExpression>

#include <QTimeZone>

#include <cmath>
#include <functional>

namespace Baton {

namespace {

using Kind = ErrorKind;

const QString kOriginator = QStringLiteral("originator");
const QString kDone = QStringLiteral("@done");
const QString kFail = QStringLiteral("@fail");

TicketOutcome failure(Kind kind, QString message, QMap<QString, QString> fields = {})
{
    TicketOutcome outcome;
    outcome.error = makeError(kind, std::move(message), std::move(fields));
    return outcome;
}

TicketOutcome notFound()
{
    // The same answer whether the ticket does not exist or may not be seen (interfaces.md).
    return failure(Kind::NotFound, QStringLiteral("no such ticket"));
}

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

/// Collects the events of one command, applying each as it is recorded so that later steps
/// of the same command see its effect, exactly as replay will.
struct Draft
{
    TicketOutcome outcome;

    explicit Draft(const TicketState &start) { outcome.ticket = start; }
    TicketState &ticket() { return outcome.ticket; }
    void record(const QString &type, const QString &actor, const QDateTime &at, QJsonObject data)
    {
        Event event;
        event.seq = outcome.ticket.version + 1;
        event.type = type;
        event.actor = actor;
        event.at = at;
        event.data = std::move(data);
        applyEvent(outcome.ticket, event);
        outcome.events.append(std::move(event));
    }
    void notify(const QString &recipient, const QString &kind, const QJsonObject &params)
    {
        if (recipient.isEmpty())
            return;
        const NotificationRecord notification {recipient, kind,
                                               noticeText(kind, params, Language::En), params};
        if (!outcome.notifications.contains(notification))
            outcome.notifications.append(notification);
    }
};

bool isEmptyValue(const QVariant &value)
{
    return !canonicalFieldValue(value).isValid();
}

/// A request value as the converters below see it (a single value, not null or "").
struct InputValue
{
    const QVariant &value;
    int type; ///< QMetaType id
    bool isString, isNumber;
    QString text; ///< when isString
};

bool convertText(const FieldDef &field, const Organisation &org, const InputValue &in,
                 QVariant *output, QString *message)
{
    if (!in.isString) {
        *message = QStringLiteral("must be a string");
        return false;
    }
    const QString &text = in.text;
    if (field.type == FieldType::Choice && !field.options.contains(text)) {
        *message = QStringLiteral("must be one of: ") + field.options.join(QStringLiteral(", "));
        return false;
    }
    if (field.type == FieldType::Queue && !org.queues.contains(text)) {
        *message = QStringLiteral("no queue named \"") + text + u'"';
        return false;
    }
    if (!field.pattern.isEmpty()) {
        // Compiled once per pattern and thread: the machine runs on several threads.
        thread_local QHash<QString, QRegularExpression> cache;
        auto it = cache.find(field.pattern);
        if (it == cache.end())
            it = cache.insert(
                field.pattern,
                QRegularExpression(QRegularExpression::anchoredPattern(field.pattern)));
        if (!it->match(text).hasMatch()) {
            *message = QStringLiteral("does not match the pattern ") + field.pattern;
            return false;
        }
    }
    *output = text;
    return true;
}

bool convertInt(const InputValue &in, QVariant *output, QString *message)
{
    bool ok = false;
    qint64 value = 0;
    if (in.isString) {
        value = in.text.trimmed().toLongLong(&ok);
    } else if (in.type == QMetaType::Double) {
        const double d = in.value.toDouble();
        ok = std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15;
        value = ok ? qint64(d) : 0;
    } else if (in.isNumber) {
        value = in.value.toLongLong(&ok);
    }
    if (!ok) {
        *message = QStringLiteral("must be a whole number");
        return false;
    }
    *output = value;
    return true;
}

bool convertDecimal(const InputValue &in, QVariant *output, QString *message)
{
    bool ok = false;
    double value = 0;
    if (in.isString)
        value = in.text.trimmed().toDouble(&ok);
    else if (in.isNumber)
        value = in.value.toDouble(&ok);
    if (!ok || !std::isfinite(value)) {
        *message = QStringLiteral("must be a number");
        return false;
    }
    *output = canonicalFieldValue(value);
    return true;
}

bool convertBool(const InputValue &in, QVariant *output, QString *message)
{
    if (in.type == QMetaType::Bool) {
        *output = in.value.toBool();
        return true;
    }
    if (in.isString && (in.text == u"true" || in.text == u"false")) {
        *output = in.text == u"true";
        return true;
    }
    *message = QStringLiteral("must be true or false");
    return false;
}

bool convertDate(const InputValue &in, QVariant *output, QString *message)
{
    QDate date;
    if (in.type == QMetaType::QDate)
        date = in.value.toDate();
    else if (in.isString)
        date = QDate::fromString(in.text, QStringLiteral("yyyy-MM-dd"));
    if (!date.isValid()) {
        *message = QStringLiteral("must be a date (YYYY-MM-DD)");
        return false;
    }
    *output = date.toString(Qt::ISODate);
    return true;
}

bool convertDateTime(const InputValue &in, QVariant *output, QString *message)
{
    QDateTime instant;
    if (in.type == QMetaType::QDateTime)
        instant = in.value.toDateTime();
    else if (in.isString && in.text.size() >= 16 && in.text.at(10) == u'T')
        instant = QDateTime::fromString(in.text, Qt::ISODateWithMs);
    if (!instant.isValid()) {
        *message = QStringLiteral("must be a date and time (RFC 3339)");
        return false;
    }
    if (instant.timeSpec() == Qt::LocalTime) // no offset written: read as UTC
        instant.setTimeZone(QTimeZone::utc());
    *output = canonicalFieldValue(instant);
    return true;
}

/// Converts one request value to the field's canonical form. Returns false with a message
/// when the value does not fit; an empty or null value converts to an invalid QVariant
/// (the field is cleared).
bool convertField(const FieldDef &field, const Organisation &org, const QVariant &input,
                  QVariant *output, QString *message)
{
    *output = QVariant();
    if (!input.isValid() || input.isNull())
        return true;
    const int id = input.typeId();
    if (id == QMetaType::QVariantMap || id == QMetaType::QVariantList) {
        *message = QStringLiteral("must be a single value");
        return false;
    }
    const bool isString = id == QMetaType::QString;
    const InputValue in {input, id, isString,
                         id == QMetaType::Int || id == QMetaType::LongLong || id == QMetaType::UInt
                             || id == QMetaType::ULongLong || id == QMetaType::Double,
                         isString ? input.toString() : QString()};
    if (isString && in.text.isEmpty())
        return true;
    switch (field.type) {
    case FieldType::String:
    case FieldType::Text:
    case FieldType::User:
    case FieldType::Choice:
    case FieldType::Queue:
        return convertText(field, org, in, output, message);
    case FieldType::Int:
        return convertInt(in, output, message);
    case FieldType::Decimal:
        return convertDecimal(in, output, message);
    case FieldType::Bool:
        return convertBool(in, output, message);
    case FieldType::Date:
        return convertDate(in, output, message);
    case FieldType::DateTime:
        return convertDateTime(in, output, message);
    }
    return false;
}

/// Validates the fields of a request against the workflow: unknown names are a bad request
/// (400); declared fields this step does not write (not in `accepted`) are refused (422,
/// details.fields names each, saying `step`); values that do not fit their type are
/// validation failures (422), all reported.
std::optional<Error> convertFields(const Workflow &workflow, const Organisation &org,
                                   const QVariantMap &input, const QStringList &accepted,
                                   const QString &step, QVariantMap *converted)
{
    QStringList unknown;
    QMap<QString, QString> problems;
    for (auto it = input.cbegin(); it != input.cend(); ++it) {
        const FieldDef *field = workflow.field(it.key());
        if (!field) {
            unknown.append(it.key());
            continue;
        }
        QVariant value;
        QString message;
        if (!convertField(*field, org, it.value(), &value, &message))
            problems.insert(it.key(), message);
        else
            converted->insert(it.key(), value); // invalid = clear the field
    }
    if (!unknown.isEmpty()) {
        QMap<QString, QString> fields;
        for (const QString &name : std::as_const(unknown))
            fields.insert(name, QStringLiteral("unknown field"));
        return makeError(Kind::BadRequest,
                         QStringLiteral("unknown field(s): ") + unknown.join(QStringLiteral(", ")),
                         fields);
    }
    // A step writes only the fields it collects: an action cannot slip in another step's
    // answer (the outcome, a billing note) or rewrite what the opening form recorded.
    QMap<QString, QString> refused;
    for (auto it = input.cbegin(); it != input.cend(); ++it)
        if (!accepted.contains(it.key()))
            refused.insert(it.key(), QStringLiteral("not written by ") + step);
    if (!refused.isEmpty())
        return makeError(Kind::Validation,
                         QStringLiteral("%1 does not write field(s): %2")
                             .arg(step, refused.keys().join(QStringLiteral(", "))),
                         refused);
    if (!problems.isEmpty())
        return makeError(Kind::Validation, QStringLiteral("some fields are not valid"), problems);
    return std::nullopt;
}

/// Merges converted request values into fields: invalid values remove the field.
QVariantMap mergeFields(QVariantMap fields, const QVariantMap &changes)
{
    for (auto it = changes.cbegin(); it != changes.cend(); ++it) {
        if (it.value().isValid())
            fields.insert(it.key(), it.value());
        else
            fields.remove(it.key());
    }
    return fields;
}

/// The fields_changed payload from old to new: changed values, null for removed ones.
QJsonObject fieldDiff(const QVariantMap &before, const QVariantMap &after)
{
    QJsonObject diff;
    for (auto it = after.cbegin(); it != after.cend(); ++it) {
        const auto old = before.constFind(it.key());
        if (old == before.cend() || *old != it.value() || old->typeId() != it.value().typeId())
            diff.insert(it.key(), QJsonValue::fromVariant(it.value()));
    }
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        if (!after.contains(it.key()))
            diff.insert(it.key(), QJsonValue(QJsonValue::Null));
    return diff;
}

ConditionValues conditionValues(const QVariantMap &fields, const TicketState *ticket,
                                const Customer &customer, int priority, const Actor &actor)
{
    ConditionValues values;
    values.reserve(fields.size() + 8);
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        values.insert(it.key(), it.value());
    values.insert(QStringLiteral("ticket.priority"), priority);
    if (ticket) {
        values.insert(QStringLiteral("ticket.state"), ticket->state);
        values.insert(QStringLiteral("ticket.queue"), ticket->queue);
        values.insert(QStringLiteral("ticket.handoffs"), ticket->handoffs);
    } else {
        values.insert(QStringLiteral("ticket.handoffs"), 0);
    }
    values.insert(QStringLiteral("customer.tier"), customer.tier);
    values.insert(QStringLiteral("customer.id"), customer.id);
    values.insert(QStringLiteral("user.roles"), actor.roles);
    values.insert(QStringLiteral("user.departments"), actor.departments);
    return values;
}

QString utcText(const QDateTime &instant)
{
    return instant.toUTC().toString(Qt::ISODate);
}

bool holds(const ConditionRef &condition, const ConditionValues &values)
{
    return !condition.isSet() || condition.compiled->evaluate(values);
}

int priorityForTier(const QString &tier)
{
    if (tier == u"A")
        return 3;
    if (tier == u"C")
        return 1;
    return 2;
}

// Messages the engine stores (notes, notifications, errors) are written once, in English: they
// outlive the request and are read by people whose language is unknown when they are written.
// Titles the API shows are chosen per request (AvailableAction::title stays a LocalText).
QString englishTitle(const LocalText &title, const QString &name)
{
    return title.isEmpty() ? name : title.text(Language::En);
}

QString transitionTitle(const Transition &t)
{
    return englishTitle(t.title, t.name);
}

/// Where a transition is taken: the whole ticket, or one branch of a parallel state.
struct Place
{
    const State *state = nullptr;
    const Branch *branchDef = nullptr; ///< set for a branch transition
    const BranchState *branch = nullptr; ///< its live task
};

/// "A member of the current queue, the current assignee, or — in an originator state — the
/// originator" for one place (the ticket, or one open branch).
bool worksPlace(const TicketState &ticket, const Place &place, const Actor &actor)
{
    if (place.branch) {
        return actor.isMemberOf(place.branch->queue)
            || (!place.branch->assignee.isEmpty() && place.branch->assignee == actor.username)
            || (place.branchDef && place.branchDef->assignee == kOriginator
                && ticket.originator == actor.username);
    }
    if (place.state && place.state->isParallel()) {
        // `any:` inside a parallel state belongs to the ticket as a whole: whoever works one
        // of its open branches may take it.
        for (const BranchState &branch : ticket.branches) {
            if (branch.status != BranchStatus::Open)
                continue;
            const Place sub {place.state, place.state->branch(branch.name), &branch};
            if (worksPlace(ticket, sub, actor))
                return true;
        }
        return false;
    }
    return actor.isMemberOf(ticket.queue)
        || (!ticket.assignee.isEmpty() && ticket.assignee == actor.username)
        || (place.state && place.state->returnsToOriginator()
            && ticket.originator == actor.username);
}

bool mayTake(const TicketState &ticket, const Place &place, const Transition &t, const Actor &actor)
{
    if (actor.isAdmin())
        return true;
    if (!t.roles.isEmpty() && !actor.hasAnyRole(t.roles))
        return false;
    return worksPlace(ticket, place, actor);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// The machine's private steps, kept out of the header.

namespace {

struct Steps
{
    const Workflow &workflow;
    const Organisation &org;

    /// The data of entering state `name`: its resulting queue, assignee and branches.
    QJsonObject entryData(const QString &name, const TicketState &ticket) const
    {
        QJsonObject data;
        data.insert(u"state", name);
        const State *state = workflow.state(name);
        QString queue;
        QString assignee;
        QJsonArray branches;
        if (state && !state->final) {
            if (state->isParallel()) {
                for (const Branch &b : state->branches)
                    branches.append(QJsonObject {
                        {QStringLiteral("name"), b.name},
                        {QStringLiteral("queue"), stringOrNull(b.queue)},
                        {QStringLiteral("assignee"),
                         stringOrNull(b.assignee == kOriginator ? ticket.originator : QString())}});
            } else if (state->returnsToOriginator()) {
                assignee = ticket.originator;
            } else {
                queue = state->queue;
            }
        }
        data.insert(u"queue", stringOrNull(queue));
        data.insert(u"assignee", stringOrNull(assignee));
        if (!branches.isEmpty())
            data.insert(u"branches", branches);
        if (state && state->sla.pause)
            data.insert(u"sla_paused", true); // replay stops the ticket-wide clock here
        return data;
    }

    /// The follow-up events of having entered the ticket's current state: the originator's
    /// return (with a notice), and closing in a final state. A ticket opened into an
    /// originator's state has not returned anywhere (opening):
    void afterEntry(Draft &draft, const QString &actor, const QDateTime &now,
                    bool opening = false) const
    {
        const TicketState &ticket = draft.ticket();
        const State *state = workflow.state(ticket.state);
        if (!state)
            return;
        const QJsonObject params {
            {QStringLiteral("key"), ticket.key},
            {QStringLiteral("title"), ticket.title},
            {QStringLiteral("state"), noticeTitle(state->title, state->name)}};
        bool returned = state->returnsToOriginator();
        for (const Branch &b : state->branches)
            returned = returned || b.assignee == kOriginator;
        returned = returned && !opening;
        if (returned) {
            draft.record(EventTypes::returnedToOriginator, QString(), now,
                         QJsonObject {{QStringLiteral("originator"), ticket.originator},
                                      {QStringLiteral("state"), ticket.state}});
            if (ticket.originator != actor)
                draft.notify(ticket.originator, NotificationKinds::returnedToOriginator, params);
        }
        if (state->final)
            draft.record(EventTypes::closed, QString(), now,
                         QJsonObject {{QStringLiteral("state"), ticket.state}});
    }

    /// Moves the ticket into state `to` (event transitioned) and runs what entering it means.
    void enter(Draft &draft, const QString &to, const QString &actor, const QDateTime &now,
               QJsonObject extra) const
    {
        QJsonObject data = entryData(to, draft.ticket());
        data.insert(u"from", draft.ticket().state);
        QStringList cancelled;
        for (const BranchState &b : draft.ticket().branches)
            if (b.status == BranchStatus::Open)
                cancelled.append(b.name);
        if (!cancelled.isEmpty())
            data.insert(u"cancelled", QJsonArray::fromStringList(cancelled));
        for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
            data.insert(it.key(), it.value());
        draft.record(EventTypes::transitioned, actor, now, data);
        afterEntry(draft, actor, now);
    }

    /// The recipients a transition's `notify:` names, resolved on the ticket after it moved.
    QStringList resolveRecipients(const QStringList &notify, const TicketState &ticket) const
    {
        QStringList recipients;
        const auto add = [&recipients](const QString &user) {
            if (!user.isEmpty() && !recipients.contains(user))
                recipients.append(user);
        };
        const QueueDef *queue = nullptr;
        if (const auto it = org.queues.constFind(ticket.queue); it != org.queues.cend())
            queue = &*it;
        for (const QString &who : notify) {
            if (who == u"assignee")
                add(ticket.assignee);
            else if (who == u"originator")
                add(ticket.originator);
            else if (who == u"queue.primary" && queue)
                for (const QString &u : queue->primary)
                    add(u);
            else if (who == u"queue.backup" && queue)
                for (const QString &u : queue->backup)
                    add(u);
            else if (who == u"queue.manager" && queue)
                add(queue->manager);
            else if (!who.startsWith(QLatin1String("queue.")))
                add(who);
        }
        return recipients;
    }

    /// The link_scheduled data of an `open:` with `after:` (clock time from now): the new
    /// ticket's fields are mapped now, from the ticket as the transition leaves it.
    QJsonObject scheduledLink(const OpenLink &link, const QString &action,
                              const TicketState &ticket, const QDateTime &now) const
    {
        const LinkedOpenRequest request = linkedOpen(link, ticket);
        return QJsonObject {
            {QStringLiteral("workflow"), link.workflow},
            {QStringLiteral("action"), action},
            {QStringLiteral("due"), utcText(now.addSecs(link.afterSeconds.value_or(0)))},
            {QStringLiteral("fields"), QJsonObject::fromVariantMap(request.fields)}};
    }

    LinkedOpenRequest linkedOpen(const OpenLink &link, const TicketState &ticket) const
    {
        LinkedOpenRequest request;
        request.workflow = link.workflow;
        request.originator = ticket.originator;
        request.openedFrom = ticket.id;
        request.openedFromKey = ticket.key;
        request.title = ticket.title;
        request.customer = ticket.customer;
        request.channel = ticket.channel;
        for (const auto &[target, source] : link.fields) {
            QVariant value;
            if (source == u"customer.id")
                value = ticket.customer.id;
            else if (source == u"customer.name")
                value = ticket.customer.name;
            else if (source == u"customer.tier")
                value = ticket.customer.tier;
            else if (source == u"customer.phone")
                value = ticket.customer.phone;
            else if (source == u"customer.email")
                value = ticket.customer.email;
            else if (source == u"ticket.key")
                value = ticket.key;
            else if (source == u"ticket.title")
                value = ticket.title;
            else
                value = ticket.fields.value(source);
            if (!isEmptyValue(value))
                request.fields.insert(target, value);
        }
        return request;
    }

    /// The queues the work of the ticket's current step (or of `branch`) may be transferred
    /// to, by `transfer_to:` or by default the queues of the step's own department; the step's
    /// own queue is always among them (the work may come back to where the workflow put it).
    QStringList transferQueues(const TicketState &ticket, const QString &branch) const
    {
        const State *state = workflow.state(ticket.state);
        if (!state || state->final)
            return {};
        const TransferTargets *targets = &state->transferTo;
        QString own = state->queue;
        if (!branch.isEmpty()) {
            const Branch *def = state->branch(branch);
            if (!def)
                return {};
            targets = &def->transferTo;
            own = def->queue;
        }
        if (own.isEmpty())
            return {};
        QStringList queues;
        const auto addDepartment = [&](const QString &department) {
            for (const QueueDef &q : org.queues)
                if (q.department == department && !queues.contains(q.name))
                    queues.append(q.name);
        };
        if (!targets->given) {
            if (const auto it = org.queues.constFind(own); it != org.queues.cend())
                addDepartment(it->department);
            return queues;
        }
        static const QString prefix = QStringLiteral("department:");
        for (const QString &entry : targets->entries) {
            if (entry.startsWith(prefix))
                addDepartment(entry.mid(prefix.size()));
            else if (org.queues.contains(entry) && !queues.contains(entry))
                queues.append(entry);
        }
        if (!queues.contains(own))
            queues.append(own);
        return queues;
    }

    /// Picks the branch a claim/assign/transfer is about: the named one, or the only open
    /// branch with a queue that `fits` the actor.
    const BranchState *pickBranch(const TicketState &ticket, const QString &name,
                                  const std::function<bool(const BranchState &)> &fits,
                                  std::optional<Error> *error) const
    {
        if (!name.isEmpty()) {
            const BranchState *branch = ticket.branch(name);
            if (!branch) {
                *error = makeError(Kind::Validation,
                                   QStringLiteral("no branch named \"") + name + u'"',
                                   {{QStringLiteral("branch"), QStringLiteral("unknown branch")}});
                return nullptr;
            }
            if (branch->status != BranchStatus::Open) {
                *error
                    = makeError(Kind::Validation,
                                QStringLiteral("branch \"") + name
                                    + QStringLiteral("\" is already ") + toString(branch->status),
                                {{QStringLiteral("branch"), QStringLiteral("not open")}});
                return nullptr;
            }
            return branch;
        }
        const BranchState *found = nullptr;
        int count = 0;
        for (const BranchState &b : ticket.branches)
            if (b.status == BranchStatus::Open && !b.queue.isEmpty() && fits(b)) {
                found = &b;
                ++count;
            }
        if (count == 1)
            return found;
        if (count == 0) {
            *error = makeError(Kind::Forbidden,
                               QStringLiteral("you may not do this in any open branch"), {});
            return nullptr;
        }
        *error
            = makeError(Kind::Validation, QStringLiteral("name the branch of this parallel step"),
                        {{QStringLiteral("branch"), QStringLiteral("required")}});
        return nullptr;
    }
};

/// Common pre-checks of commands on an existing ticket: visibility, then the version.
std::optional<TicketOutcome> precheck(const Organisation &org, const TicketState &ticket,
                                      const Actor &actor, std::optional<qint64> expectedVersion)
{
    if (!canSee(org, actor, ticket))
        return notFound();
    if (expectedVersion && *expectedVersion != ticket.version)
        return failure(Kind::Conflict,
                       QStringLiteral("the ticket has changed (version %1, not %2)")
                           .arg(ticket.version)
                           .arg(*expectedVersion));
    return std::nullopt;
}

TicketOutcome closedTicket()
{
    return failure(Kind::Validation, QStringLiteral("the ticket is closed"));
}

/// Why a transfer may not go to `queue` (from `from`, of `branch` if any), if it may not.
std::optional<TicketOutcome> refuseTransferTarget(const Organisation &org, const Steps &steps,
                                                  const TicketState &ticket, const Actor &actor,
                                                  const QString &queue, const QString &from,
                                                  const QString &branch)
{
    if (!org.queues.contains(queue))
        return failure(Kind::Validation, QStringLiteral("no queue named \"%1\"").arg(queue),
                       {{QStringLiteral("queue"), QStringLiteral("unknown queue")}});
    if (queue == from)
        return failure(Kind::Validation, QStringLiteral("already in %1").arg(queue),
                       {{QStringLiteral("queue"), QStringLiteral("already there")}});
    // The step decides where its work may go (`transfer_to:`): a transfer must not carry a
    // ticket past a step nobody where it lands may take (an approval left behind for good).
    // Admins may take every step themselves, so their transfers bypass nothing: they go anywhere.
    const QStringList allowed = steps.transferQueues(ticket, branch);
    if (!actor.isAdmin() && !allowed.contains(queue))
        return failure(
            Kind::Validation,
            QStringLiteral("this step's work may not be transferred to %1; it may go "
                           "to: %2")
                .arg(queue,
                     allowed.isEmpty() ? QStringLiteral("nowhere")
                                       : allowed.join(QStringLiteral(", "))),
            {{QStringLiteral("queue"), QStringLiteral("not a transfer target of this step")}});
    return std::nullopt;
}

/// The transfer that trips the handoff limit: to the limit's queue, flagged, its manager and
/// primary contacts told.
void recordHandoffLimit(Draft &draft, const Organisation &org, const TicketState &ticket,
                        const QString &actor, const HandoffLimit &limit, const QString &queue,
                        QJsonObject data, const QDateTime &now)
{
    data.insert(u"requested", queue);
    data.insert(u"max", limit.max);
    draft.record(EventTypes::handoffLimit, actor, now, data);
    if (const auto it = org.queues.constFind(limit.moveTo); it != org.queues.cend()) {
        const QJsonObject note {{QStringLiteral("key"), ticket.key},
                                {QStringLiteral("title"), ticket.title},
                                {QStringLiteral("handoffs"), data.value(u"handoffs").toInt()},
                                {QStringLiteral("queue"), noticeTitle(it->title, limit.moveTo)}};
        draft.notify(it->manager, NotificationKinds::handoffLimit, note);
        for (const QString &user : it->primary)
            draft.notify(user, NotificationKinds::handoffLimit, note);
    }
}

/// An action's transition and where it is taken; or why it cannot be found.
struct ActionTarget
{
    const Transition *transition = nullptr;
    Place place;
    std::optional<TicketOutcome> refusal;
};

const Transition *anyTransition(const Workflow &wf, const State &state, const QString &name)
{
    if (state.final)
        return nullptr;
    for (const Transition &t : wf.any)
        if (t.name == name)
            return &t;
    return nullptr;
}

/// In a parallel state: the named branch's transition, else an `any:` one, else (without a
/// branch name) the only open branch offering the action.
ActionTarget findInParallel(const Workflow &wf, const State &state, const TicketState &ticket,
                            const ActionRequest &request)
{
    ActionTarget target;
    target.place = Place {&state, nullptr, nullptr};
    if (!request.branch.isEmpty()) {
        const Branch *def = state.branch(request.branch);
        const BranchState *live = ticket.branch(request.branch);
        if (!def || !live) {
            target.refusal = failure(
                Kind::Validation, QStringLiteral("no branch named \"%1\"").arg(request.branch),
                {{QStringLiteral("branch"), QStringLiteral("unknown branch")}});
            return target;
        }
        target.transition = def->transition(request.name);
        if (target.transition) {
            if (live->status != BranchStatus::Open)
                target.refusal = failure(Kind::Validation,
                                         QStringLiteral("branch \"%1\" is already %2")
                                             .arg(request.branch, toString(live->status)));
            target.place = Place {&state, def, live};
            return target;
        }
    }
    target.transition = anyTransition(wf, state, request.name);
    if (target.transition || !request.branch.isEmpty())
        return target;
    int count = 0;
    for (const BranchState &live : ticket.branches) {
        const Branch *def = state.branch(live.name);
        if (live.status != BranchStatus::Open || !def)
            continue;
        if (const Transition *t = def->transition(request.name)) {
            ++count;
            target.transition = t;
            target.place = Place {&state, def, &live};
        }
    }
    if (count > 1)
        target.refusal = failure(
            Kind::Validation,
            QStringLiteral("several branches offer \"%1\": name the branch").arg(request.name),
            {{QStringLiteral("branch"), QStringLiteral("required")}});
    return target;
}

ActionTarget findAction(const Workflow &wf, const State &state, const TicketState &ticket,
                        const ActionRequest &request)
{
    ActionTarget target;
    if (state.isParallel()) {
        target = findInParallel(wf, state, ticket, request);
    } else {
        target.place = Place {&state, nullptr, nullptr};
        target.transition = state.transition(request.name);
        if (!target.transition)
            target.transition = anyTransition(wf, state, request.name);
    }
    if (!target.refusal && !target.transition)
        target.refusal = failure(Kind::Validation,
                                 QStringLiteral("action \"%1\" is not available in state %2")
                                     .arg(request.name, ticket.state));
    return target;
}

/// The ticket's fields after the action's request (`when` and `requires` judged on them) and
/// its `set:`; a refusal when they do not hold.
std::optional<TicketOutcome> fieldsAfterAction(const Workflow &wf, const Organisation &org,
                                               const TicketState &ticket, const Actor &actor,
                                               const ActionRequest &request,
                                               const Transition &transition, QVariantMap *fields)
{
    QVariantMap changes;
    if (auto error = convertFields(wf, org, request.fields, transition.acceptedFields(),
                                   QStringLiteral("\"%1\"").arg(request.name), &changes))
        return failure(error->kind, error->message, error->fields);
    *fields = mergeFields(ticket.fields, changes);
    QMap<QString, QString> problems;
    for (auto it = changes.cbegin(); it != changes.cend(); ++it) {
        const FieldDef *def = wf.field(it.key());
        if (!it.value().isValid() && def && def->required)
            problems.insert(it.key(), QStringLiteral("required; it cannot be cleared"));
    }
    for (const QString &name : transition.requiredFields)
        if (!fields->contains(name))
            problems.insert(name,
                            QStringLiteral("required for %1").arg(transitionTitle(transition)));
    QString message;
    if (!holds(transition.when,
               conditionValues(*fields, &ticket, ticket.customer, ticket.priority, actor)))
        message = QStringLiteral("the condition of \"%1\" does not hold: %2")
                      .arg(request.name, transition.when.source);
    if (!problems.isEmpty() || !message.isEmpty())
        return failure(Kind::Validation,
                       message.isEmpty() ? QStringLiteral("some fields are missing or not valid")
                                         : message,
                       problems);
    for (const auto &[name, value] : transition.set)
        *fields = mergeFields(*fields, {{name, canonicalFieldValue(value)}});
    return std::nullopt;
}

/// A branch's transition to @done or @fail: the branch ends; when it failed, or was the last
/// to finish, the engine moves the ticket on by the state's then/else.
void completeBranch(Draft &draft, const Steps &steps, const State &state, const TicketState &ticket,
                    const Place &place, const Transition &transition, const QString &actor,
                    const QString &action, const QDateTime &now)
{
    const QString branchName = place.branch->name;
    const bool failed = transition.to == kFail;
    QJsonObject data {
        {QStringLiteral("branch"), branchName},
        {QStringLiteral("action"), action},
        {QStringLiteral("status"), failed ? QStringLiteral("failed") : QStringLiteral("done")}};
    if (failed) {
        QStringList cancelled;
        for (const BranchState &b : ticket.branches)
            if (b.status == BranchStatus::Open && b.name != branchName)
                cancelled.append(b.name);
        if (!cancelled.isEmpty())
            data.insert(u"cancelled", QJsonArray::fromStringList(cancelled));
    }
    draft.record(EventTypes::branchCompleted, actor, now, data);
    bool allDone = true;
    for (const BranchState &b : draft.ticket().branches)
        allDone = allDone && b.status == BranchStatus::Done;
    if (failed || allDone) {
        // The workflow's own routing, not the user's: the engine moves the ticket on.
        steps.enter(draft, failed ? state.elseState : state.thenState, QString(), now,
                    QJsonObject {{QStringLiteral("via"),
                                  failed ? QStringLiteral("else") : QStringLiteral("then")},
                                 {QStringLiteral("branch"), branchName}});
    }
}

/// Takes `transition` on the draft's ticket (fields already applied): the move, the linked
/// ticket (now or scheduled) and the transition's `notify:`. actor is empty for the engine.
void applyTransition(Draft &draft, const Steps &steps, const State &state, const Place &place,
                     const Transition &transition, const QString &actor, const QDateTime &now)
{
    const TicketState before = draft.ticket();
    if (place.branch && (transition.to == kDone || transition.to == kFail)) {
        completeBranch(draft, steps, state, before, place, transition, actor, transition.name, now);
    } else {
        QJsonObject extra {{QStringLiteral("action"), transition.name}};
        if (place.branch)
            extra.insert(u"branch", place.branch->name);
        if (transition.priority) // never below 1, the least urgent
            extra.insert(u"priority", std::max(1, transition.priority->applyTo(before.priority)));
        steps.enter(draft, transition.to, actor, now, extra);
    }
    if (transition.open && transition.open->afterSeconds)
        draft.record(EventTypes::linkScheduled, QString(), now,
                     steps.scheduledLink(*transition.open, transition.name, draft.ticket(), now));
    else if (transition.open)
        draft.outcome.linkedOpens.append(steps.linkedOpen(*transition.open, draft.ticket()));
    if (!transition.notify.isEmpty()) {
        QJsonObject note {
            {QStringLiteral("key"), before.key},
            {QStringLiteral("title"), before.title},
            {QStringLiteral("transition"), noticeTitle(transition.title, transition.name)}};
        if (!actor.isEmpty())
            note.insert(u"by", actor);
        for (const QString &user : steps.resolveRecipients(transition.notify, draft.ticket()))
            if (user != actor)
                draft.notify(user, NotificationKinds::transitioned, note);
    }
}

/// Why the engine cannot take a timeout's transition now (empty: it can): the checker makes
/// sure it needs no input, but a field may have been cleared or its `when` may not hold.
QString timedRefusal(const Transition &take, const TicketState &ticket)
{
    for (const QString &field : take.requiredFields)
        if (!ticket.fields.contains(field))
            return QStringLiteral("'%1' is required and empty").arg(field);
    if (take.when.isSet()
        && !holds(
            take.when,
            conditionValues(ticket.fields, &ticket, ticket.customer, ticket.priority, Actor {})))
        return QStringLiteral("the condition does not hold (%1)").arg(take.when.source);
    return {};
}

} // namespace

TicketMachine::TicketMachine(const Workflow &workflow, const Organisation &org)
    : m_workflow(&workflow)
    , m_org(&org)
{
}

bool TicketMachine::canSee(const TicketState &ticket, const Actor &actor) const
{
    return Baton::canSee(*m_org, actor, ticket);
}

TicketOutcome TicketMachine::open(const Actor &actor, const OpenRequest &request,
                                  int workflowVersion, const QDateTime &now) const
{
    const Workflow &wf = *m_workflow;
    const bool linked = request.openedFrom != 0;
    if (!linked && !actor.isAdmin() && !wf.startRoles.isEmpty() && !actor.hasAnyRole(wf.startRoles))
        return failure(Kind::Forbidden,
                       QStringLiteral("only %1 may open %2")
                           .arg(wf.startRoles.join(QStringLiteral(", ")), wf.id));

    QVariantMap converted;
    if (auto error = convertFields(wf, *m_org, request.fields, wf.openingFields,
                                   QStringLiteral("opening"), &converted))
        return failure(error->kind, error->message, error->fields);

    QMap<QString, QString> problems;
    const QString title = request.title.trimmed();
    if (title.isEmpty())
        problems.insert(QStringLiteral("title"), QStringLiteral("required"));
    else if (title.size() > 500)
        problems.insert(QStringLiteral("title"), QStringLiteral("at most 500 characters"));
    const QString &tier = request.customer.tier;
    if (!tier.isEmpty() && tier != u"A" && tier != u"B" && tier != u"C")
        problems.insert(QStringLiteral("customer.tier"), QStringLiteral("must be A, B or C"));
    static const QStringList channels {QStringLiteral("phone"), QStringLiteral("counter"),
                                       QStringLiteral("email"), QStringLiteral("web"),
                                       QStringLiteral("chat"),  QStringLiteral("sms")};
    if (!request.channel.isEmpty() && !channels.contains(request.channel))
        problems.insert(QStringLiteral("channel"),
                        QStringLiteral("must be one of: ") + channels.join(QStringLiteral(", ")));

    QVariantMap fields;
    for (auto it = converted.cbegin(); it != converted.cend(); ++it)
        if (it.value().isValid())
            fields.insert(it.key(), it.value());
    for (const FieldDef &field : wf.fields) {
        if (!converted.contains(field.name) && field.defaultValue.isValid()) {
            const QVariant value = canonicalFieldValue(field.defaultValue);
            if (value.isValid())
                fields.insert(field.name, value);
        }
        if (field.required && !fields.contains(field.name))
            problems.insert(field.name, QStringLiteral("required"));
    }
    if (!problems.isEmpty())
        return failure(Kind::Validation, QStringLiteral("some fields are missing or not valid"),
                       problems);

    const int priority = priorityForTier(tier);
    if (!linked && wf.startWhen.isSet()
        && !holds(wf.startWhen,
                  conditionValues(fields, nullptr, request.customer, priority, actor)))
        return failure(Kind::Validation,
                       QStringLiteral("%1 cannot be opened for this request (%2)")
                           .arg(wf.id, wf.startWhen.source));
    if (!wf.state(wf.initial))
        return failure(Kind::Validation,
                       QStringLiteral("workflow %1 has no initial state").arg(wf.id));

    TicketState blank;
    blank.originator = actor.username; // entryData reads it (originator states)
    const Steps steps {wf, *m_org};
    QJsonObject data = steps.entryData(wf.initial, blank);
    data.insert(u"workflow", wf.id);
    data.insert(u"workflow_version", workflowVersion);
    data.insert(u"title", title);
    data.insert(u"originator", actor.username);
    data.insert(u"priority", priority);
    data.insert(u"fields", QJsonObject::fromVariantMap(fields));
    data.insert(u"customer", request.customer.toJson());
    data.insert(u"channel", stringOrNull(request.channel));
    if (linked) {
        data.insert(u"opened_from", request.openedFrom);
        data.insert(u"opened_from_key", request.openedFromKey);
    }
    Draft draft {TicketState()};
    draft.record(EventTypes::opened, actor.username, now, data);
    steps.afterEntry(draft, actor.username, now, true);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::takeAction(const TicketState &ticket, const Actor &actor,
                                        const ActionRequest &request, const QDateTime &now) const
{
    const Workflow &wf = *m_workflow;
    if (auto refused = precheck(*m_org, ticket, actor, request.expectedVersion))
        return std::move(*refused);
    if (!ticket.isOpen())
        return closedTicket();
    const State *state = wf.state(ticket.state);
    if (!state)
        return failure(
            Kind::Validation,
            QStringLiteral("state %1 is not in this workflow version").arg(ticket.state));
    ActionTarget target = findAction(wf, *state, ticket, request);
    if (target.refusal)
        return std::move(*target.refusal);
    const Transition &transition = *target.transition;
    if (!mayTake(ticket, target.place, transition, actor))
        return failure(Kind::Forbidden,
                       QStringLiteral("you may not take \"%1\" here").arg(request.name));

    // The request's fields are applied first; `when` and `requires` are judged on the result,
    // and the whole action happens or nothing does.
    QVariantMap fields;
    if (auto refused = fieldsAfterAction(wf, *m_org, ticket, actor, request, transition, &fields))
        return std::move(*refused);

    Draft draft {ticket};
    if (!request.comment.trimmed().isEmpty())
        draft.record(EventTypes::commented, actor.username, now,
                     QJsonObject {{QStringLiteral("body"), request.comment},
                                  {QStringLiteral("internal"), false}});
    const QJsonObject diff = fieldDiff(ticket.fields, fields);
    if (!diff.isEmpty())
        draft.record(EventTypes::fieldsChanged, actor.username, now,
                     QJsonObject {{QStringLiteral("fields"), diff},
                                  {QStringLiteral("action"), request.name}});
    applyTransition(draft, Steps {wf, *m_org}, *state, target.place, transition, actor.username,
                    now);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::takeTimed(const TicketState &ticket, int step,
                                       const QDateTime &stepDue, const QDateTime &now) const
{
    Draft draft {ticket};
    const State *state = m_workflow->state(ticket.state);
    if (!ticket.isOpen() || !state || step < 0 || step >= state->timeouts.size())
        return std::move(draft.outcome);
    const TimeoutStep &timeout = state->timeouts[step];
    const Steps steps {*m_workflow, *m_org};
    QJsonObject data {{QStringLiteral("sla_step"), timedStepKey(step)},
                      {QStringLiteral("step"), step},
                      {QStringLiteral("after"), timeout.afterSeconds},
                      {QStringLiteral("step_due"), utcText(stepDue)}};
    const QStringList recipients = steps.resolveRecipients(timeout.notify, ticket);
    if (!recipients.isEmpty())
        data.insert(u"notified", QJsonArray::fromStringList(recipients));
    const Transition *take = timeout.take.isEmpty() ? nullptr : state->transition(timeout.take);
    if (!take && !timeout.take.isEmpty())
        take = anyTransition(*m_workflow, *state, timeout.take);
    QString refused;
    if (take)
        refused = timedRefusal(*take, ticket);
    if (take)
        data.insert(u"take", take->name);
    if (!refused.isEmpty())
        data.insert(u"refused", refused);
    draft.record(EventTypes::timedOut, QString(), now, data);
    const QJsonObject note {{QStringLiteral("key"), ticket.key},
                            {QStringLiteral("title"), ticket.title},
                            {QStringLiteral("state"), noticeTitle(state->title, state->name)}};
    for (const QString &user : recipients)
        draft.notify(user, NotificationKinds::timedOut, note);
    if (take && refused.isEmpty())
        applyTransition(draft, steps, *state, Place {state, nullptr, nullptr}, *take, QString(),
                        now);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::openDueLinks(const TicketState &ticket, const QDateTime &now) const
{
    TicketOutcome outcome;
    outcome.ticket = ticket;
    const Steps steps {*m_workflow, *m_org};
    for (const PendingLink &pending : ticket.pendingLinks) {
        if (pending.dueAt > now)
            continue;
        LinkedOpenRequest request = steps.linkedOpen(OpenLink {}, ticket);
        request.workflow = pending.workflow;
        request.fields = pending.fields;
        request.scheduledSeq = pending.seq;
        outcome.linkedOpens.append(request);
    }
    return outcome;
}

QString timedStepKey(int step)
{
    return QStringLiteral("step:timeout:") + QString::number(step);
}

TicketOutcome TicketMachine::claim(const TicketState &ticket, const Actor &actor,
                                   const QString &branchName, std::optional<qint64> expectedVersion,
                                   const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, expectedVersion))
        return std::move(*refused);
    if (!ticket.isOpen())
        return closedTicket();
    const Steps steps {*m_workflow, *m_org};
    QString queue = ticket.queue;
    QString assignee = ticket.assignee;
    QString branch;
    if (ticket.isParallel()) {
        std::optional<Error> error;
        const BranchState *b = steps.pickBranch(
            ticket, branchName, [&](const BranchState &s) { return actor.isMemberOf(s.queue); },
            &error);
        if (!b)
            return failure(error->kind, error->message, error->fields);
        queue = b->queue;
        assignee = b->assignee;
        branch = b->name;
    }
    if (queue.isEmpty())
        return failure(Kind::Validation, QStringLiteral("this step is not in a queue"));
    if (!actor.isMemberOf(queue))
        return failure(Kind::Forbidden, QStringLiteral("only members of %1 may claim").arg(queue));
    Draft draft {ticket};
    if (assignee == actor.username)
        return std::move(draft.outcome); // already theirs: nothing changes
    if (!assignee.isEmpty())
        return failure(Kind::Validation, QStringLiteral("already claimed by %1").arg(assignee),
                       {{QStringLiteral("assignee"), assignee}});
    QJsonObject data {{QStringLiteral("assignee"), actor.username},
                      {QStringLiteral("queue"), queue},
                      {QStringLiteral("responded"), true}};
    if (!branch.isEmpty())
        data.insert(u"branch", branch);
    draft.record(EventTypes::claimed, actor.username, now, data);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::assign(const TicketState &ticket, const Actor &actor,
                                    const Actor &assignee, const QString &branchName,
                                    std::optional<qint64> expectedVersion,
                                    const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, expectedVersion))
        return std::move(*refused);
    if (!ticket.isOpen())
        return closedTicket();
    const Steps steps {*m_workflow, *m_org};
    const auto mayAssignIn = [&](const QString &queue) {
        return actor.isAdmin() || actor.isMemberOf(queue) || supervisesQueue(*m_org, actor, queue);
    };
    QString queue = ticket.queue;
    QString current = ticket.assignee;
    QString branch;
    if (ticket.isParallel()) {
        std::optional<Error> error;
        const BranchState *b = steps.pickBranch(
            ticket, branchName, [&](const BranchState &s) { return mayAssignIn(s.queue); }, &error);
        if (!b)
            return failure(error->kind, error->message, error->fields);
        queue = b->queue;
        current = b->assignee;
        branch = b->name;
    }
    if (queue.isEmpty())
        return failure(Kind::Validation,
                       QStringLiteral("this step is not in a queue: its assignee is fixed"));
    if (!mayAssignIn(queue))
        return failure(
            Kind::Forbidden,
            QStringLiteral("only members of %1, its supervisors and admins may assign").arg(queue));
    if (!assignee.isMemberOf(queue) && !assignee.isAdmin())
        return failure(Kind::Validation,
                       QStringLiteral("%1 does not work queue %2").arg(assignee.username, queue),
                       {{QStringLiteral("username"), QStringLiteral("not a member of ") + queue}});
    Draft draft {ticket};
    if (current == assignee.username)
        return std::move(draft.outcome);
    QJsonObject data {{QStringLiteral("assignee"), assignee.username},
                      {QStringLiteral("previous"), stringOrNull(current)},
                      {QStringLiteral("queue"), queue},
                      {QStringLiteral("responded"), actor.isMemberOf(queue)}};
    if (!branch.isEmpty())
        data.insert(u"branch", branch);
    draft.record(EventTypes::assigned, actor.username, now, data);
    if (assignee.username != actor.username)
        draft.notify(assignee.username, NotificationKinds::assigned,
                     QJsonObject {{QStringLiteral("key"), ticket.key},
                                  {QStringLiteral("title"), ticket.title},
                                  {QStringLiteral("by"), actor.username}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::autoAssign(const TicketState &ticket, const QString &assignee,
                                        const QString &strategy, const QDateTime &now,
                                        const QString &branch) const
{
    Draft draft {ticket};
    const BranchState *b = branch.isEmpty() ? nullptr : ticket.branch(branch);
    QJsonObject data {{QStringLiteral("assignee"), assignee},
                      {QStringLiteral("previous"), stringOrNull(b ? b->assignee : ticket.assignee)},
                      {QStringLiteral("queue"), b ? b->queue : ticket.queue},
                      {QStringLiteral("responded"), false},
                      {QStringLiteral("strategy"), strategy}};
    if (b)
        data.insert(u"branch", branch);
    draft.record(EventTypes::assigned, QString(), now, data);
    draft.notify(assignee, NotificationKinds::assigned,
                 QJsonObject {{QStringLiteral("key"), ticket.key},
                              {QStringLiteral("title"), ticket.title},
                              {QStringLiteral("strategy"), strategy}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::transfer(const TicketState &ticket, const Actor &actor,
                                      const QString &queue, const QString &reason,
                                      const QString &branchName,
                                      std::optional<qint64> expectedVersion,
                                      const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, expectedVersion))
        return std::move(*refused);
    if (!ticket.isOpen())
        return closedTicket();
    const Steps steps {*m_workflow, *m_org};
    const auto mayTransferFrom = [&](const QString &from, const QString &holder) {
        return actor.isAdmin() || actor.isMemberOf(from)
            || (!holder.isEmpty() && holder == actor.username)
            || supervisesQueue(*m_org, actor, from);
    };
    QString from = ticket.queue;
    QString holder = ticket.assignee;
    QString branch;
    if (ticket.isParallel()) {
        std::optional<Error> error;
        const BranchState *b = steps.pickBranch(
            ticket, branchName,
            [&](const BranchState &s) { return mayTransferFrom(s.queue, s.assignee); }, &error);
        if (!b)
            return failure(error->kind, error->message, error->fields);
        from = b->queue;
        holder = b->assignee;
        branch = b->name;
    }
    if (from.isEmpty())
        return failure(Kind::Validation, QStringLiteral("this step is not in a queue"));
    if (!mayTransferFrom(from, holder))
        return failure(Kind::Forbidden,
                       QStringLiteral("only members of %1, the assignee, its supervisors and "
                                      "admins may transfer")
                           .arg(from));
    if (reason.trimmed().isEmpty())
        return failure(Kind::Validation, QStringLiteral("a transfer needs a reason"),
                       {{QStringLiteral("reason"), QStringLiteral("required")}});
    if (auto refused = refuseTransferTarget(*m_org, steps, ticket, actor, queue, from, branch))
        return std::move(*refused);

    const int handoffs = ticket.handoffs + 1;
    const std::optional<HandoffLimit> &limit = m_workflow->handoffs;
    // The limit trips once: a flagged ticket is with the coordinators, who must be able to
    // pass it on to where it belongs.
    const bool tripped = limit && !ticket.flagged && handoffs > limit->max;
    QJsonObject data {{QStringLiteral("from"), from},
                      {QStringLiteral("to"), tripped ? limit->moveTo : queue},
                      {QStringLiteral("handoffs"), handoffs}};
    if (!reason.isEmpty())
        data.insert(u"reason", reason);
    if (!branch.isEmpty())
        data.insert(u"branch", branch);
    Draft draft {ticket};
    if (!tripped) {
        draft.record(EventTypes::transferred, actor.username, now, data);
        return std::move(draft.outcome);
    }
    recordHandoffLimit(draft, *m_org, ticket, actor.username, *limit, queue, data, now);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::comment(const TicketState &ticket, const Actor &actor,
                                     const QString &body, bool internal, const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, std::nullopt))
        return std::move(*refused);
    if (body.trimmed().isEmpty())
        return failure(Kind::Validation, QStringLiteral("a comment needs a body"),
                       {{QStringLiteral("body"), QStringLiteral("required")}});
    // Only those who read internal notes may write one: a note its author could not read back
    // would be a note the front line meant for the customer.
    if (internal && !canSeeInternalNotes(*m_org, actor, ticket))
        return failure(Kind::Forbidden,
                       QStringLiteral("internal notes are for the back office: staff and "
                                      "supervisors of the departments the ticket went through"));
    Draft draft {ticket};
    draft.record(
        EventTypes::commented, actor.username, now,
        QJsonObject {{QStringLiteral("body"), body}, {QStringLiteral("internal"), internal}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::attach(const TicketState &ticket, const Actor &actor,
                                    const QJsonObject &attachment, const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, std::nullopt))
        return std::move(*refused);
    Draft draft {ticket};
    draft.record(EventTypes::attached, actor.username, now, attachment);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::reopen(const TicketState &ticket, const Actor &actor,
                                    const QString &reason, std::optional<qint64> expectedVersion,
                                    const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, expectedVersion))
        return std::move(*refused);
    if (ticket.isOpen())
        return failure(Kind::Validation, QStringLiteral("the ticket is open"));
    bool allowed = actor.isAdmin() || actor.username == ticket.originator;
    for (const QString &queue : ticket.queuesVisited)
        allowed = allowed || supervisesQueue(*m_org, actor, queue);
    if (!allowed)
        return failure(Kind::Forbidden,
                       QStringLiteral("only the originator, a supervisor or an admin may reopen"));
    const Workflow &wf = *m_workflow;
    if (!wf.state(wf.initial))
        return failure(Kind::Validation,
                       QStringLiteral("workflow %1 has no initial state").arg(wf.id));
    const Steps steps {wf, *m_org};
    QJsonObject data = steps.entryData(wf.initial, ticket);
    data.insert(u"from", ticket.state);
    if (!reason.isEmpty())
        data.insert(u"reason", reason);
    if (!ticket.pendingLinks.isEmpty()) { // replay drops them; the data says which for people
        QJsonArray cancelled;
        for (const PendingLink &link : ticket.pendingLinks)
            cancelled.append(QJsonObject {{QStringLiteral("workflow"), link.workflow},
                                          {QStringLiteral("due"), utcText(link.dueAt)}});
        data.insert(u"cancelled_links", cancelled);
    }
    Draft draft {ticket};
    draft.record(EventTypes::reopened, actor.username, now, data);
    steps.afterEntry(draft, actor.username, now);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::link(const TicketState &ticket, const TicketLink &link,
                                  const QDateTime &now) const
{
    Draft draft {ticket};
    draft.record(EventTypes::linked, QString(), now,
                 QJsonObject {{QStringLiteral("id"), link.id},
                              {QStringLiteral("key"), link.key},
                              {QStringLiteral("workflow"), link.workflow},
                              {QStringLiteral("relation"), link.relation}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::linkBy(const TicketState &ticket, const Actor &actor,
                                    const TicketLink &link, const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, std::nullopt))
        return std::move(*refused);
    if (link.id == ticket.id)
        return failure(Kind::Validation, QStringLiteral("a ticket is not linked to itself"),
                       {{QStringLiteral("ticket"), QStringLiteral("another ticket")}});
    for (const TicketLink &existing : ticket.links)
        if (existing.id == link.id && existing.relation == link.relation)
            return failure(Kind::Validation,
                           QStringLiteral("%1 is linked to %2 already").arg(ticket.key, link.key));
    Draft draft {ticket};
    draft.record(EventTypes::linked, actor.username, now,
                 QJsonObject {{QStringLiteral("id"), link.id},
                              {QStringLiteral("key"), link.key},
                              {QStringLiteral("workflow"), link.workflow},
                              {QStringLiteral("relation"), link.relation}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::mergeInto(const TicketState &ticket, const Actor &actor,
                                       const TicketLink &into, const QString &reason,
                                       const QDateTime &now) const
{
    if (auto refused = precheck(*m_org, ticket, actor, std::nullopt))
        return std::move(*refused);
    if (!ticket.isOpen())
        return closedTicket();
    const bool allowed = actor.isAdmin() || actor.username == ticket.originator
        || (!ticket.assignee.isEmpty() && actor.username == ticket.assignee)
        || actor.isMemberOf(ticket.queue) || supervisesQueue(*m_org, actor, ticket.queue);
    if (!allowed)
        return failure(Kind::Forbidden,
                       QStringLiteral("only its originator, assignee, queue, a supervisor or an "
                                      "admin may merge a ticket"));
    TicketLink link = into;
    link.relation = LinkRelations::mergedInto;
    TicketOutcome linked = linkBy(ticket, actor, link, now);
    if (!linked.ok())
        return linked;
    Draft draft {linked.ticket};
    draft.outcome.events = linked.events;
    QJsonObject data {{QStringLiteral("state"), ticket.state},
                      {QStringLiteral("merged_into"), into.id},
                      {QStringLiteral("merged_into_key"), into.key}};
    if (!reason.isEmpty())
        data.insert(u"reason", reason);
    draft.record(EventTypes::closed, actor.username, now, data);
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::linkScheduled(const TicketState &ticket, const TicketLink &link,
                                           qint64 scheduledSeq, const QDateTime &now) const
{
    Draft draft {ticket};
    draft.record(EventTypes::linked, QString(), now,
                 QJsonObject {{QStringLiteral("id"), link.id},
                              {QStringLiteral("key"), link.key},
                              {QStringLiteral("workflow"), link.workflow},
                              {QStringLiteral("relation"), link.relation},
                              {QStringLiteral("scheduled"), scheduledSeq}});
    return std::move(draft.outcome);
}

TicketOutcome TicketMachine::linkFailed(const TicketState &ticket, qint64 scheduledSeq,
                                        const QString &workflow, const QString &reason,
                                        const QDateTime &now) const
{
    Draft draft {ticket};
    draft.record(EventTypes::linkFailed, QString(), now,
                 QJsonObject {{QStringLiteral("scheduled"), scheduledSeq},
                              {QStringLiteral("workflow"), workflow},
                              {QStringLiteral("reason"), reason}});
    draft.notify(ticket.originator, NotificationKinds::linkFailed,
                 QJsonObject {{QStringLiteral("key"), ticket.key},
                              {QStringLiteral("title"), ticket.title},
                              {QStringLiteral("workflow"), workflow},
                              {QStringLiteral("reason"), reason}});
    return std::move(draft.outcome);
}

QStringList TicketMachine::transferTargets(const TicketState &ticket, const Actor &actor,
                                           const QString &branchName) const
{
    if (!ticket.isOpen() || !Baton::canSee(*m_org, actor, ticket))
        return {};
    QString from = ticket.queue;
    QString holder = ticket.assignee;
    if (!branchName.isEmpty()) {
        const BranchState *branch = ticket.branch(branchName);
        if (!branch || branch->status != BranchStatus::Open)
            return {};
        from = branch->queue;
        holder = branch->assignee;
    } else if (ticket.isParallel()) {
        return {};
    }
    if (from.isEmpty())
        return {};
    const bool mayTransfer = actor.isAdmin() || actor.isMemberOf(from)
        || (!holder.isEmpty() && holder == actor.username) || supervisesQueue(*m_org, actor, from);
    if (!mayTransfer)
        return {};
    QStringList queues = actor.isAdmin()
        ? m_org->queues.keys()
        : Steps {*m_workflow, *m_org}.transferQueues(ticket, branchName);
    queues.removeAll(from);
    return queues;
}

QList<AvailableAction> TicketMachine::availableActions(const TicketState &ticket,
                                                       const Actor &actor) const
{
    QList<AvailableAction> actions;
    const State *state = m_workflow->state(ticket.state);
    if (!ticket.isOpen() || !state || state->final)
        return actions;
    const ConditionValues values
        = conditionValues(ticket.fields, &ticket, ticket.customer, ticket.priority, actor);
    const auto offer = [&](const Transition &t, const Place &place, const QString &branch) {
        if (mayTake(ticket, place, t, actor) && holds(t.when, values))
            actions.append(AvailableAction {t.name, t.title.isEmpty() ? LocalText(t.name) : t.title,
                                            t.requiredFields, branch, t.acceptedFields(),
                                            t.confirm.value_or(t.backwards), t.backwards});
    };
    if (state->isParallel()) {
        for (const BranchState &live : ticket.branches) {
            const Branch *def = state->branch(live.name);
            if (live.status != BranchStatus::Open || !def)
                continue;
            for (const Transition &t : def->transitions)
                offer(t, Place {state, def, &live}, live.name);
        }
    } else {
        for (const Transition &t : state->transitions)
            offer(t, Place {state, nullptr, nullptr}, QString());
    }
    for (const Transition &t : m_workflow->any)
        if (!state->transition(t.name))
            offer(t, Place {state, nullptr, nullptr}, QString());
    return actions;
}

} // namespace Baton

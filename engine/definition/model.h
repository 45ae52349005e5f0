// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The workflow language's model, as workflow-language.md describes it. Plain data: the YAML
// reader and checker (workflowreader.h) fill it in; the runtime and the diagrams read it.

#include "calendar/calendarspec.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <optional>

namespace Baton {

class Condition; // condition.h

/// The languages workflow and organisation text may be written in (the web UI's languages).
enum class Language : quint8 { En, Zh };

/// Text a workflow or the organisation shows to people (`title:`, `label:`): one string meaning
/// the same in every language, or one string per language (`{en: ..., zh: ...}`). A language not
/// given falls back to English, then to whichever is given, so every language always has some
/// text.
class LocalText
{
public:
    LocalText() = default;
    /// The same text in every language (a plain string in the YAML). Implicit: names and
    /// plain strings are valid titles.
    LocalText(QString text)
        : m_en(std::move(text))
    {
    }
    LocalText(QString en, QString zh)
        : m_en(std::move(en))
        , m_zh(std::move(zh))
    {
    }

    QString text(Language language) const
    {
        if (language == Language::Zh && !m_zh.isEmpty())
            return m_zh;
        return m_en.isEmpty() ? m_zh : m_en;
    }
    bool isEmpty() const { return m_en.isEmpty() && m_zh.isEmpty(); }
    /// Whether the text differs by language (a map with different strings).
    bool isTranslated() const { return !m_zh.isEmpty() && m_zh != m_en; }
    friend bool operator==(const LocalText &, const LocalText &) = default;

private:
    QString m_en; ///< also the text of a plain string
    QString m_zh;
};

/// A `when:` condition: the text as written plus its compiled, type-checked form.
struct ConditionRef
{
    QString source;
    std::shared_ptr<const Condition> compiled; ///< null when no condition was written
    bool isSet() const { return compiled != nullptr; }
};

// ---------------------------------------------------------------------------------------------
// Organisation (org.yaml)

inline const QStringList &builtinRoles()
{
    static const QStringList roles {QStringLiteral("agent"), QStringLiteral("staff"),
                                    QStringLiteral("supervisor"), QStringLiteral("admin")};
    return roles;
}

struct Department
{
    QString name;
    LocalText title; ///< in every language: the API picks the caller's
    QString calendar; ///< as written; empty means "inherited from parent"
    QString parent;
};

struct QueueDef
{
    QString name;
    QString department;
    LocalText title; ///< in every language: the API picks the caller's
    QStringList primary; ///< "A role": first contacts (usernames)
    QStringList backup; ///< "B role"
    QString manager; ///< username, may be empty
    QString escalateTo; ///< next queue up the organisation, may be empty
    /// `assign:` who takes a ticket arriving here: empty or "manual" (someone claims it), else
    /// an assignment strategy's name (round_robin, least_loaded, skills).
    QString assign;
    QStringList match; ///< `match:` the ticket fields a `skills` strategy matches users' skills to

    bool assignsAutomatically() const { return !assign.isEmpty() && assign != u"manual"; }
};

struct Organisation
{
    QMap<QString, CalendarSpec> calendars;
    QMap<QString, Department> departments;
    QMap<QString, QueueDef> queues;
    QMap<QString, QString> roles; ///< declared extra roles → description

    bool hasRole(const QString &role) const
    {
        return builtinRoles().contains(role) || roles.contains(role);
    }
    /// The calendar a department works on: its own, or the nearest ancestor's. Empty if none.
    QString calendarOfDepartment(const QString &department) const
    {
        QString current = department;
        for (int depth = 0; depth < 64 && !current.isEmpty(); ++depth) {
            const auto it = departments.constFind(current);
            if (it == departments.cend())
                return {};
            if (!it->calendar.isEmpty())
                return it->calendar;
            current = it->parent;
        }
        return {};
    }
};

// ---------------------------------------------------------------------------------------------
// Workflows (<id>.yaml)

enum class FieldType { String, Text, Int, Decimal, Bool, Date, DateTime, Choice, User, Queue };

struct FieldDef
{
    QString name;
    FieldType type = FieldType::String;
    LocalText label;
    bool required = false;
    QString pattern; ///< a regular expression the whole value must match; empty if none
    QVariant defaultValue; ///< invalid QVariant when there is no default
    QStringList options; ///< for choice
    /// Labels of choice options written `{value: customs, label: {en: Customs, zh: 海关}}`;
    /// an option without one is shown as its value.
    QMap<QString, LocalText> optionLabels;
    /// `csat: true`: a customer-satisfaction rating (a choice or an int), which the reports
    /// attribute to the ticket this one follows up (issue 17).
    bool csat = false;
    /// `csat: solved`: the customer's answer whether the problem was solved (a bool; at most
    /// one a workflow); the satisfaction report lists the follow-ups where it is false.
    bool csatSolved = false;
};

/// A duration target, possibly depending on the customer tier ({A: 30m, B: 1h, default: 2h}).
struct TierDuration
{
    std::optional<qint64> defaultSeconds;
    QMap<QString, qint64> byTier; ///< "A", "B", "C" → seconds

    /// The target for a customer of this tier (empty tier = unknown customer), if any.
    std::optional<qint64> forTier(const QString &tier) const
    {
        const auto it = byTier.constFind(tier);
        if (it != byTier.cend())
            return *it;
        return defaultSeconds;
    }
};

/// `sla:` of a state, a branch, or the workflow (ticket-wide clock).
struct SlaSpec
{
    std::optional<TierDuration> respond;
    std::optional<TierDuration> resolve;
    QString calendar; ///< overrides the department's calendar when set
    bool pause = false; ///< `sla: pause` — the ticket-wide clock stops in this state
};

/// `open:` on a transition: open a linked ticket of another workflow.
struct OpenLink
{
    QString workflow;
    /// new ticket's field → source, where source is a field of this ticket or
    /// `customer.id|name|tier|phone|email` / `ticket.key|title`.
    QList<QPair<QString, QString>> fields;
    /// `after:` — open it this long (clock time) after the transition instead of at once; the
    /// pending opening is kept on the ticket and dropped if the ticket is reopened first.
    std::optional<qint64> afterSeconds;
};

/// `priority:` on a transition: `+N`/`-N` moves the ticket's priority, `N` sets it.
struct PriorityChange
{
    bool relative = false;
    int value = 0;
    int applyTo(int priority) const { return relative ? priority + value : value; }
};

/// One entry of a state's `timeout:` list: when the step has lasted `after` (business time on
/// the step's calendar, or clock time with `calendar: always`), notify people and/or take a
/// transition of the state that needs no input.
struct TimeoutStep
{
    qint64 afterSeconds = 0;
    bool clockTime = false; ///< `calendar: always`
    QStringList notify;
    QString take; ///< a transition of the state, or empty
};

struct Transition
{
    QString name;
    LocalText title;
    QString to; ///< a state name, or "@done" / "@fail" inside a parallel branch
    QStringList roles;
    ConditionRef when;
    QStringList requiredFields; ///< `requires:` (a C++20 keyword, hence the name)
    QStringList optionalFields; ///< `fields:`: written if given, not insisted on
    QList<QPair<QString, QVariant>> set; ///< field → value (already converted to the field type)
    QStringList notify;
    std::optional<OpenLink> open;
    std::optional<PriorityChange> priority;
    /// `confirm:` as written: true, the UI asks before taking it; false, it never asks, even
    /// going back. Unset: it asks when the transition goes back (`backwards`).
    std::optional<bool> confirm;
    /// Goes to a state nearer the start of the main flow (set by the reader): work done since
    /// may have to be done again.
    bool backwards = false;

    /// The fields a request taking this transition may write: `requires` plus `fields`.
    QStringList acceptedFields() const
    {
        QStringList accepted = requiredFields;
        for (const QString &name : optionalFields)
            if (!accepted.contains(name))
                accepted.append(name);
        return accepted;
    }
};

/// `transfer_to:` of a step: where a person may hand its work (POST .../transfer). Each entry
/// is a queue name or `department:NAME` (every queue of that department). Unset: the queues of
/// the step's own queue's department.
struct TransferTargets
{
    bool given = false;
    QStringList entries; ///< as written
};

struct Branch
{
    QString name;
    LocalText title;
    QString queue;
    QString assignee; ///< "originator" or empty
    TransferTargets transferTo;
    SlaSpec sla;
    QList<Transition> transitions;

    const Transition *transition(const QString &name) const
    {
        for (const Transition &t : transitions)
            if (t.name == name)
                return &t;
        return nullptr;
    }
};

struct State
{
    QString name;
    LocalText title;
    QString queue;
    QString assignee; ///< "originator" or empty
    bool final = false;
    QList<Branch> branches; ///< non-empty for a parallel state
    QString thenState; ///< parallel: where to go when every branch is @done
    QString elseState; ///< parallel: where to go when a branch ends in @fail
    TransferTargets transferTo; ///< plain queue states; a parallel state's branches have theirs
    SlaSpec sla;
    QList<Transition> transitions;
    QList<TimeoutStep> timeouts; ///< `timeout:`, by increasing `after`

    bool isParallel() const { return !branches.isEmpty(); }
    bool returnsToOriginator() const { return assignee == u"originator"; }
    const Transition *transition(const QString &name) const
    {
        for (const Transition &t : transitions)
            if (t.name == name)
                return &t;
        return nullptr;
    }
    const Branch *branch(const QString &name) const
    {
        for (const Branch &b : branches)
            if (b.name == name)
                return &b;
        return nullptr;
    }
};

struct EscalationStep
{
    int percent = 0; ///< of the SLA target, in business time
    QStringList notify; ///< assignee, originator, queue.primary, queue.backup, queue.manager, USER
    int priorityDelta = 0;
    QString moveTo; ///< a queue name, "queue.escalate_to", or empty
};

struct HandoffLimit
{
    int max = 0;
    QString moveTo;
};

struct Workflow
{
    QString id;
    LocalText title;
    QString description;
    QStringList startRoles;
    ConditionRef startWhen;
    /// The fields a request opening a ticket may write: `start: fields:` as written, or by
    /// default every field required at opening plus every field no transition requires, lists
    /// or sets (those belong to the later steps). Filled in by the reader.
    QStringList openingFields;
    QList<FieldDef> fields;
    SlaSpec sla; ///< ticket-wide clock
    QString initial;
    QList<State> states;
    QList<Transition> any; ///< offered in every non-final state
    QList<EscalationStep> escalation;
    std::optional<HandoffLimit> handoffs;
    QByteArray source; ///< the YAML text as loaded

    const State *state(const QString &name) const
    {
        for (const State &s : states)
            if (s.name == name)
                return &s;
        return nullptr;
    }
    const FieldDef *field(const QString &name) const
    {
        for (const FieldDef &f : fields)
            if (f.name == name)
                return &f;
        return nullptr;
    }
};

} // namespace Baton

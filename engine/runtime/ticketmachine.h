// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The rules of workflow-language.md ("Meaning") applied to one ticket: pure functions from
// (workflow, organisation, ticket state, actor, request, now) to a new state plus the events
// to append, or a typed error. No storage, no clocks, no threads: the store runs one call
// inside one transaction and writes what it returns.
//
// Decisions where workflow-language.md leaves room (the admin guide and API docs repeat them):
// - Order of checks for every command on an existing ticket: not visible → 404; stale
//   `version` → 409; closed ticket → 422; unknown field names → 400 (details.fields names
//   them); action not offered in the current state → 422; caller not allowed → 403; field
//   values of the wrong type or failing pattern/options → 422; then `requires` and `when`
//   → 422 (details.fields for missing fields, the condition in the message).
// - An action's request fields are applied first; `when` and `requires` are judged on the
//   result; `set:` is applied after; all or nothing. A null or "" value clears a field; a
//   field `required` at opening cannot be cleared.
// - Field values: int accepts a JSON integer or digits as text, decimal a number or numeric
//   text, bool true/false (or "true"/"false"), date "YYYY-MM-DD", datetime RFC 3339 (no
//   offset = UTC; kept in UTC). user values are not checked against the user table here.
// - Priority from the customer tier: A 3, B 2, C 1, no tier 2 (higher is more urgent, so
//   that escalation's `priority: +1` raises it).
// - Inside a parallel state, `branch` names the task; it may be left out when exactly one
//   open branch offers the action. `any:` transitions belong to the ticket as a whole: whoever
//   works one of its open branches may take them, and leaving cancels the open branches.
//   then/else moves are the engine's (event actor null).
// - claim: members of the (branch's) queue only, not admins or supervisors; a ticket held by
//   someone else is not claimed (422: use assign); claiming one's own ticket is a no-op.
// - assign: by a member of the queue, a supervisor of its department (or a parent
//   department), or an admin; the assignee must work the queue (or be an admin). Only in a
//   queue step: an originator step's assignee is fixed.
// - transfer: the handoff counter is ticket-wide (branches included). The limit trips once:
//   the transfer that makes handoffs exceed `max` goes to `move_to` and flags the ticket;
//   a flagged ticket's later transfers go where asked (the coordinators must pass it on).
//   Notified: the `move_to` queue's manager and primary contacts.
// - respond clock: ended by a claim, or an assign made by a queue member, or leaving the step.
// - Reopen (explicit, for a closed ticket): by its originator, a supervisor of a queue it was
//   in, or an admin; the ticket re-enters the workflow's initial state with its fields,
//   handoffs and flag kept. Workflows may also declare their own reopen-like transitions.
// - Comments: anyone who sees the ticket, also on closed tickets. `internal` marks a note for
//   the back office (access.h canSeeInternalNotes): only those who may read internal notes may
//   write one (403 otherwise); the event log hides them from everyone else.
// - Fields: a request writes only the fields of its step — opening `Workflow::openingFields`,
//   an action its transition's `requires` plus `fields` — others are 422 (details.fields).
// - transfer: needs a non-empty reason (422); goes only to the step's transfer targets
//   (`transfer_to:`, default the queues of the step's department; always the step's own
//   queue), else 422 naming them. Admins, who may take every step themselves, go anywhere.
// - version counts the ticket's events (see ticketstate.h), so one command may raise it by
//   more than one.

#include "core/result.h"
#include "definition/model.h"
#include "runtime/access.h"
#include "runtime/ticketstate.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QVariantMap>

#include <optional>

namespace Baton {

/// A notice for one user's inbox (interfaces.md "Notifications"), as the rules record it; the
/// engine writes it as a NotificationRow. kind: returned_to_originator, assigned,
/// handoff_limit, or transitioned (a transition's `notify:`). Not the plugin seam's
/// Notification (plugin/notificationchannel.h), the rendered message a channel carries out.
struct NotificationRecord
{
    QString recipient; ///< username
    QString kind;
    QString message; ///< in English, from params (noticetext.h): the text of older readers
    QJsonObject params; ///< what the sentence is made of, for each reader's language
    friend bool operator==(const NotificationRecord &, const NotificationRecord &) = default;
};

/// What `open:` on a transition asks for: the store opens it with TicketMachine::open() of
/// that workflow (with OpenRequest::openedFrom set, the actor being the originator) in the
/// same transaction, then links both tickets with TicketMachine::link().
struct LinkedOpenRequest
{
    QString workflow;
    QString originator; ///< the source ticket's originator
    qint64 openedFrom = 0;
    QString openedFromKey;
    QString title;
    QVariantMap fields; ///< mapped from the source ticket, not yet validated
    Customer customer;
    QString channel;
    /// Non-zero for a pending link come due (`open: {after: ...}`): the seq of its
    /// link_scheduled event, which the source ticket's `linked` event names to drop it.
    qint64 scheduledSeq = 0;
};

/// A command's outcome: on success the new state, the events to append (seq filled in,
/// continuing the ticket's log), notifications and linked tickets to open. ok() with no
/// events means nothing changed (e.g. claiming a ticket one already holds).
///
/// Refused: `error` says why, as the Error every module uses — kind BadRequest, Forbidden,
/// NotFound, Conflict or Validation, `fields` naming the fields at fault (the API maps the kind
/// to its status). The refusal is a member, not a Result around the outcome, because the
/// outcome is the pure rules' value: escalation and replay build and merge outcomes, and the
/// engine turns a refused one into its Result<CommandOutcome> failure.
struct TicketOutcome
{
    std::optional<Error> error;
    TicketState ticket;
    QList<Event> events;
    QList<NotificationRecord> notifications;
    QList<LinkedOpenRequest> linkedOpens;
    /// Write the ticket even when no event was appended, so that the SLA planner's due dates
    /// and timers are written afresh (a timer that came due with nothing to fire).
    bool rewritePlan = false;

    bool ok() const { return !error.has_value(); }
};

struct OpenRequest
{
    QString title;
    QVariantMap fields; ///< as from JSON (QJsonValue::toVariant)
    Customer customer;
    QString channel;
    /// Non-zero when the ticket is opened by another ticket's `open:`: start.roles and
    /// start.when are then not checked (the workflow author asked for it), fields are.
    qint64 openedFrom = 0;
    QString openedFromKey;
};

struct ActionRequest
{
    QString name;
    QVariantMap fields;
    QString comment; ///< optional; recorded as a public comment before the transition
    QString branch; ///< inside a parallel state; may be omitted when unambiguous
    std::optional<qint64> expectedVersion;
};

/// One action the caller may take now (interfaces.md Action); branch is set for a
/// transition of a parallel state's branch.
struct AvailableAction
{
    QString name;
    LocalText title; ///< in every language: the API picks the caller's
    QStringList requires_; ///< `requires:` (a C++20 keyword)
    QString branch;
    QStringList accepts; ///< every field the action writes: `requires:` plus `fields:`
    bool confirm = false; ///< the UI asks first: `confirm: true`, or going back unless `false`
    bool backwards = false; ///< to a state nearer the start (Transition::backwards)
    friend bool operator==(const AvailableAction &, const AvailableAction &) = default;
};

/// The TicketState::slaFired key of timeout step `step` of the current state ("step:timeout:1"):
/// a step's keys go when it restarts, so a state entered again times out again.
QString timedStepKey(int step);

/// Applies one workflow version's rules to its tickets. Holds references: the workflow and
/// organisation must outlive it. Cheap to construct; const and thread-safe to use.
class TicketMachine
{
public:
    TicketMachine(const Workflow &workflow, const Organisation &org);

    /// Opens a ticket (id 0: the store assigns it with TicketState::assignId()).
    TicketOutcome open(const Actor &actor, const OpenRequest &request, int workflowVersion,
                       const QDateTime &now) const;
    /// POST .../actions/{name}.
    TicketOutcome takeAction(const TicketState &ticket, const Actor &actor,
                             const ActionRequest &request, const QDateTime &now) const;
    /// POST .../claim: a member of the (branch's) queue becomes the assignee.
    TicketOutcome claim(const TicketState &ticket, const Actor &actor, const QString &branch,
                        std::optional<qint64> expectedVersion, const QDateTime &now) const;
    /// POST .../assign: assignee must be resolved by the caller (unknown user → 422 there).
    TicketOutcome assign(const TicketState &ticket, const Actor &actor, const Actor &assignee,
                         const QString &branch, std::optional<qint64> expectedVersion,
                         const QDateTime &now) const;
    /// A queue's `assign:` chose `assignee` (a present member) for the step, or for `branch` of
    /// a parallel step: event `assigned` with no actor and data.strategy (and data.branch); the
    /// assignee is notified. It does not end the respond clock.
    TicketOutcome autoAssign(const TicketState &ticket, const QString &assignee,
                             const QString &strategy, const QDateTime &now,
                             const QString &branch = {}) const;
    /// POST .../transfer: a handoff to another queue.
    TicketOutcome transfer(const TicketState &ticket, const Actor &actor, const QString &queue,
                           const QString &reason, const QString &branch,
                           std::optional<qint64> expectedVersion, const QDateTime &now) const;
    /// POST .../comments.
    TicketOutcome comment(const TicketState &ticket, const Actor &actor, const QString &body,
                          bool internal, const QDateTime &now) const;
    /// Records a file attached by `actor` (event `attached`; `attachment` is its description,
    /// the file itself is stored apart): whoever sees the ticket may attach, as they may
    /// comment, also on a closed ticket (a late receipt).
    TicketOutcome attach(const TicketState &ticket, const Actor &actor,
                         const QJsonObject &attachment, const QDateTime &now) const;
    /// Reopens a closed ticket: it re-enters the workflow's initial state.
    TicketOutcome reopen(const TicketState &ticket, const Actor &actor, const QString &reason,
                         std::optional<qint64> expectedVersion, const QDateTime &now) const;
    /// Records a link to another ticket (engine event `linked`; no permission check).
    TicketOutcome link(const TicketState &ticket, const TicketLink &link,
                       const QDateTime &now) const;
    /// A link a person makes (LinkRelations::relatesTo and the others people make), recorded
    /// as `linked` by the actor, who must see the ticket. Validation when it is there already.
    TicketOutcome linkBy(const TicketState &ticket, const Actor &actor, const TicketLink &link,
                         const QDateTime &now) const;
    /// Closes this open ticket as a duplicate merged into `into` (`linked` merged_into, then
    /// `closed` naming the target and the reason): by an admin, its originator or assignee, a
    /// member of its queue or a supervisor of that queue's department.
    TicketOutcome mergeInto(const TicketState &ticket, const Actor &actor, const TicketLink &into,
                            const QString &reason, const QDateTime &now) const;
    /// The same for the ticket a pending link (seq scheduledSeq) opened: the `linked` event
    /// also drops the pending opening.
    TicketOutcome linkScheduled(const TicketState &ticket, const TicketLink &link,
                                qint64 scheduledSeq, const QDateTime &now) const;
    /// A pending link (seq scheduledSeq) come due that cannot be opened (its workflow is no
    /// longer published, or refuses the opening): event `link_failed` (no actor; data
    /// `scheduled`, `workflow`, `reason`) drops it, and the originator is told.
    TicketOutcome linkFailed(const TicketState &ticket, qint64 scheduledSeq,
                             const QString &workflow, const QString &reason,
                             const QDateTime &now) const;

    /// Timeout `step` of the ticket's current state has come due (at stepDue; the SLA module
    /// measures it): event `timed_out` (no actor) with the step's `notify:` notified, then its
    /// `take:` transition taken with no actor. The transition is not taken (the event says
    /// why) when a required field is empty or its `when` does not hold. Nothing for a closed
    /// ticket or an unknown step.
    TicketOutcome takeTimed(const TicketState &ticket, int step, const QDateTime &stepDue,
                            const QDateTime &now) const;
    /// The pending links due at `now`, as linked-open requests for the engine (no events: the
    /// `linked` events the engine records drop them).
    TicketOutcome openDueLinks(const TicketState &ticket, const QDateTime &now) const;

    /// The transitions this actor may take now (roles, queue membership or assignment, the
    /// originator rule, and `when` on the current fields). Empty for a closed ticket.
    QList<AvailableAction> availableActions(const TicketState &ticket, const Actor &actor) const;
    /// The queues this actor may transfer the current step's work (or open `branch`'s) to now:
    /// the step's `transfer_to:` (default: its department's queues) less where it is. Empty
    /// when the actor may not transfer it.
    QStringList transferTargets(const TicketState &ticket, const Actor &actor,
                                const QString &branch = {}) const;
    bool canSee(const TicketState &ticket, const Actor &actor) const;

    const Workflow &workflow() const { return *m_workflow; }
    const Organisation &organisation() const { return *m_org; }

private:
    const Workflow *m_workflow;
    const Organisation *m_org;
};

} // namespace Baton

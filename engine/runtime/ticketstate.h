// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A ticket's current state and the events that change it. Event sourcing in miniature: every
// change the ticket machine makes is an Event, and applyEvent() is the only code that turns
// events into state, so replay(events) equals the state the machine returned — the property
// the store's crash test checks ("every ticket row equals the replay of its events").
//
// Events are self-describing: their data carries the resulting queue, assignee, branches and
// field values, so applyEvent() needs no Workflow and old events replay the same after a new
// workflow version is published.

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace Baton {

enum class TicketStatus { Open, Closed };
enum class BranchStatus { Open, Done, Failed, Cancelled };

QString toString(TicketStatus status); ///< "open" | "closed"
QString toString(BranchStatus status); ///< "open" | "done" | "failed" | "cancelled"
TicketStatus ticketStatusFromString(const QString &text); ///< unknown → Open
BranchStatus branchStatusFromString(const QString &text); ///< unknown → Open

/// The customer a ticket is about; every member optional. tier is "A", "B", "C" or empty.
struct Customer
{
    QString id;
    QString name;
    QString tier;
    QString phone;
    QString email;

    bool isEmpty() const
    {
        return id.isEmpty() && name.isEmpty() && tier.isEmpty() && phone.isEmpty()
            && email.isEmpty();
    }
    QJsonObject toJson() const; ///< only the members that are set
    static Customer fromJson(const QJsonObject &object);
    friend bool operator==(const Customer &, const Customer &) = default;
};

/// One task of a parallel state: its own queue (or the originator), assignee and clocks.
struct BranchState
{
    QString name;
    QString queue; ///< empty for an `assignee: originator` branch
    QString assignee; ///< empty when unassigned
    BranchStatus status = BranchStatus::Open;
    QDateTime startedAt; ///< when the task started in its current queue (SLA clocks start here)
    QDateTime respondedAt; ///< first claim/assign by a queue member in this queue; null before
    QDateTime endedAt; ///< when it became done/failed/cancelled; null while open
    friend bool operator==(const BranchState &, const BranchState &) = default;
};

/// A link between two tickets (`open:` on a transition). relation: "opened" (this ticket
/// opened the other) or "opened_from" (this ticket was opened by the other).
struct TicketLink
{
    qint64 id = 0;
    QString key;
    QString workflow;
    QString relation;
    friend bool operator==(const TicketLink &, const TicketLink &) = default;
};

/// A linked ticket an `open: {after: ...}` asked for, not opened yet (event link_scheduled):
/// the timer opens it at dueAt; reopening the ticket first drops it.
struct PendingLink
{
    qint64 seq = 0; ///< the link_scheduled event's seq: names the pending opening
    QString workflow;
    QString action; ///< the transition that asked for it
    QDateTime dueAt;
    QVariantMap fields; ///< the new ticket's fields, mapped when it was asked for
    friend bool operator==(const PendingLink &, const PendingLink &) = default;
};

/// The current state of one ticket: what the `tickets` row holds.
///
/// Field values are kept in their JSON-canonical form so that they survive a round trip
/// through the store unchanged: strings (string, text, choice, user, queue; date as
/// "yyyy-MM-dd", datetime as "yyyy-MM-ddTHH:mm:ss[.zzz]Z" in UTC), qint64 (int), double
/// (decimal), bool. An empty or null field is absent from the map.
struct TicketState
{
    qint64 id = 0; ///< assigned by the store; 0 until then
    QString key; ///< e.g. "JQ-42"; set together with id by assignId()
    QString workflow;
    int workflowVersion = 0;
    QString title;
    QString state;
    TicketStatus status = TicketStatus::Open;
    QString queue; ///< empty in an originator state, a parallel state or a final state
    QString assignee; ///< empty when unassigned
    QString originator;
    int priority = 2; ///< higher is more urgent; from the customer tier (A 3, B 2, C 1, none 2)
    int handoffs = 0;
    bool flagged = false;
    QVariantMap fields;
    Customer customer;
    QString channel; ///< phone | counter | email | web | chat | sms, or empty
    QList<BranchState> branches; ///< only in a parallel state
    QStringList queuesVisited; ///< every queue the ticket or a branch was ever in (visibility)
    QList<TicketLink> links;
    /// The number of events applied: it increases with every change, and equals the seq of
    /// the ticket's newest event (events are numbered 1, 2, ... per ticket).
    qint64 version = 0;
    QDateTime createdAt;
    QDateTime updatedAt;
    QDateTime closedAt; ///< null while open
    /// When the current step (state, or queue after a transfer or escalation) began; the
    /// step's SLA clocks start here.
    QDateTime stepStartedAt;
    /// First claim/assign by a member of the current queue in this step; null before. Ends
    /// the step's `respond` clock (so does leaving the step).
    QDateTime stepRespondedAt;
    /// The ticket-wide SLA clock (sla/slaclock.h): since when it stands still (in an
    /// `sla: pause` state, or closed); null while it runs.
    QDateTime slaPausedSince;
    /// Finished pauses of the ticket-wide clock as [from, to) instants. Kept as instants, not
    /// business seconds, so that a changed calendar re-measures them.
    QList<QPair<QDateTime, QDateTime>> slaPauses;
    /// Escalation steps already fired on the running clocks ("step:resolve:0",
    /// "branch:billing:respond:1", "ticket:resolve:2"): each step fires once per clock. A step's
    /// entries are dropped when its clocks restart (new state, transfer, escalation move).
    QStringList slaFired;
    /// Linked tickets to open later (`open: {after: ...}`), by due instant as scheduled.
    QList<PendingLink> pendingLinks;

    bool isOpen() const { return status == TicketStatus::Open; }
    bool isParallel() const { return !branches.isEmpty(); }
    const BranchState *branch(const QString &name) const;
    BranchState *branch(const QString &name);
    /// Sets id and key (workflow initials + "-" + id); the store calls it once it has the id.
    void assignId(qint64 newId);

    QJsonObject toJson() const; ///< the full state, for storage and tests (not the API shape)
    static TicketState fromJson(const QJsonObject &object);
    /// toJson() as compact JSON text, written directly (the writer stores one per change;
    /// going through QJsonObject costs ten times as much). The pieces the tickets table also
    /// keeps in columns of their own may be passed in when already at hand.
    QByteArray toCompactJson() const;
    QByteArray toCompactJson(const QByteArray &fieldsJson, const QByteArray &branchesJson) const;
    QByteArray fieldsJson() const; ///< the "fields" member as compact JSON
    QByteArray branchesJson() const; ///< the "branches" member as compact JSON
    friend bool operator==(const TicketState &, const TicketState &) = default;
};

/// "JQ" for "jump-queue": the upper-cased initials of the id's words (split at '-' and '_');
/// a one-word id gives its first two letters ("refund" → "RE").
QString ticketKeyPrefix(const QString &workflowId);
QString ticketKey(const QString &workflowId, qint64 id);

/// Something that happened to a ticket. type is one of interfaces.md's event types:
/// opened, transitioned, claimed, assigned, transferred, commented, fields_changed,
/// branch_completed, returned_to_originator, handoff_limit, reopened, closed, linked (and
/// sla_warning, sla_breached, escalated from the SLA clocks).
struct Event
{
    qint64 seq = 0; ///< position in the ticket's log (1-based); the machine fills it in
    QString type;
    QString actor; ///< username; empty for the engine (JSON null)
    QDateTime at;
    QJsonObject data;

    QJsonObject toJson() const; ///< {"seq", "at", "actor", "type", "data"} as in interfaces.md
    static Event fromJson(const QJsonObject &object);
    friend bool operator==(const Event &, const Event &) = default;
};

/// Applies one event to a state (version + 1, updated_at = event.at, plus the event's
/// effect). Events of unknown types only bump the version.
void applyEvent(TicketState &state, const Event &event);

/// The state rebuilt from a ticket's full event log, oldest first (the first is `opened`).
/// id is the ticket id the store assigned (events do not repeat it).
TicketState replay(qint64 id, const QList<Event> &events);

/// The canonical (JSON round-trip safe) form of a field value; see TicketState::fields.
QVariant canonicalFieldValue(const QVariant &value);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ticket tables as plain rows. The runtime maps its TicketState and events onto them;
// the store only knows columns, so that it stays below the runtime (architecture.md).
// Instants are milliseconds since the epoch (UTC); JSON columns are UTF-8 text.

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Baton {

/// Sorts last on "sorted by due": tickets without a due date store this instead of NULL, so
/// both databases order them alike and the queue-page index needs no expression.
constexpr qint64 noDueDate = 253402300799000; // 9999-12-31T23:59:59Z

/// One queue whose page shows a ticket now: its own queue, or an open branch's (in a parallel
/// state), with the due and at-risk instants to sort and count it by there (noDueDate: none).
struct TicketQueueRow
{
    QString queue;
    qint64 dueAt = noDueDate;
    qint64 atRiskAt = noDueDate;
    friend bool operator==(const TicketQueueRow &, const TicketQueueRow &) = default;
};

struct TicketRow
{
    qint64 id = 0;
    QString key, workflow;
    int workflowVersion = 0;
    QString title, state, status, queue, assignee, originator;
    int priority = 0;
    int handoffs = 0;
    bool flagged = false;
    QByteArray fields = "{}";
    QString customerId, customerName, customerTier, customerPhone, customerEmail, channel;
    QByteArray branches = "[]";
    qint64 version = 0;
    qint64 createdAt = 0, updatedAt = 0;
    std::optional<qint64> closedAt, respondDue, resolveDue, ticketDue;
    /// The earliest instant an open clock becomes at risk (column at_risk_at, noDueDate when
    /// none): the sla filter is `at_risk_at <= now`, the breached one `due_at <= now`.
    std::optional<qint64> atRiskAt;
    QByteArray stateData = "{}"; ///< the runtime's full state
    /// Open branches' queues (parallel state). The writer adds the ticket's own queue (by its
    /// due) and rewrites table ticket_queues_current when the set differs from the previous
    /// row's. TicketReader::ticket fills it in (as the rows beyond the own queue's); list
    /// does not.
    QList<TicketQueueRow> branchQueues;
    /// The ticket's own queue and branchQueues, one row per queue (earliest due), by queue.
    QList<TicketQueueRow> currentQueues() const;
    friend bool operator==(const TicketRow &, const TicketRow &) = default;

    /// The nearest of the due dates, or noDueDate.
    qint64 dueAt() const;
    /// The assignees named in `branches` (any branch status), each once, sorted: the writer
    /// keeps table ticket_branch_assignees to them, which the list's visibility and assignee
    /// filter read.
    QStringList branchAssignees() const;
};

struct EventRow
{
    qint64 ticketId = 0;
    qint64 seq = 0;
    qint64 at = 0;
    QString actor; ///< empty → NULL (the engine)
    QString type;
    QByteArray data = "{}";
};

struct TimerRow
{
    qint64 ticketId = 0;
    QString kind;
    qint64 dueAt = 0;
    QByteArray data = "{}";
    friend bool operator==(const TimerRow &, const TimerRow &) = default;
};

struct CommentRow
{
    qint64 ticketId = 0;
    qint64 seq = 0;
    QString author;
    QString body;
    bool internal = false;
    qint64 at = 0;
};

struct LinkRow
{
    qint64 ticketId = 0;
    qint64 otherId = 0;
    QString relation;
    qint64 at = 0;
};

struct NotificationRow
{
    qint64 id = 0; ///< assigned by the database
    QString username;
    qint64 ticketId = 0;
    QString kind, message;
    qint64 at = 0;
    bool read = false;
    /// What the message is made of (runtime/noticetext.h); empty for a notice stored before
    /// migration 27, whose message is its only text.
    QJsonObject params;
};

struct IdempotencyRow
{
    QString username, key, requestHash;
    qint64 ticketId = 0;
    QByteArray response;
    qint64 createdAt = 0;
};

struct CustomerRow
{
    QString id, name, tier, phone, email;
    qint64 updatedAt = 0;
};

/// A message to the outside waiting in the outbox (table outbox), written with the event
/// that causes it.
struct OutboxRow
{
    QString deliveryId; ///< stable across retries
    QString channel; ///< the channels.yaml name
    qint64 ticketId = 0; ///< 0 → NULL
    QString kind; ///< the event type or notification kind
    QByteArray payload = "{}"; ///< JSON, as the channel is given it
    qint64 createdAt = 0;
};

/// A queue's automatic assignment (table assignment_turns): `username` got the queue's turn
/// number `turn`, which round robin orders by.
struct AssignmentTurnRow
{
    QString queue;
    QString username;
    qint64 turn = 0;
};

/// Everything one group commit writes.
struct WriteBatch
{
    QList<TicketRow> newTickets;
    QList<TicketRow> changedTickets;
    /// Per changed ticket, the row as last written (id 0 when unknown): only the columns that
    /// differ are updated, so an index is rewritten only when its columns change.
    QList<TicketRow> previousTickets;
    QList<QPair<qint64, QString>> queuesVisited; ///< (ticket, queue) pairs, new or not
    QList<EventRow> events;
    QList<qint64> replaceTimersOf; ///< tickets whose timers are replaced by `timers`
    QList<TimerRow> timers;
    QList<CommentRow> comments;
    QList<LinkRow> links;
    QList<NotificationRow> notifications;
    QList<IdempotencyRow> idempotency;
    QList<CustomerRow> customers;
    QList<StepFactRow> stepFacts; ///< reports: the steps this batch's events ended
    QList<OutboxRow> outbox;
    QList<AssignmentTurnRow> assignmentTurns;
    bool isEmpty() const
    {
        return newTickets.isEmpty() && changedTickets.isEmpty() && events.isEmpty()
            && notifications.isEmpty() && idempotency.isEmpty() && timers.isEmpty()
            && replaceTimersOf.isEmpty() && outbox.isEmpty();
    }
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A queue's `assign:` (org.yaml) on the engine's writer thread: a ticket a command leaves
// unassigned in such a queue is given, in the same write, to the member its strategy chooses
// among those present. The choice is an `assigned` event (no actor, data.strategy naming the
// strategy), so replaying the ticket's events never asks the strategy again.

#include "core/result.h"
#include "definition/model.h"
#include "runtime/ticketmachine.h"
#include "store/assignmentrows.h"
#include "store/ticketrows.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>

#include <functional>

namespace Baton {

class AssignmentStrategy;

/// The strategy of an `assign:` name (a loaded plugin's), or null when none is loaded.
using AssignmentStrategyLookup = std::function<const AssignmentStrategy *(const QString &name)>;

/// One batch's automatic assignments. The first ticket of a queue in the batch reads that
/// queue's candidates (after `beforeFirstRead`, which waits for the previous batch's commit so
/// that its assignments are counted); later ones in the batch build on that reading.
class AutoAssigner
{
public:
    AutoAssigner(const Organisation &organisation, AssignmentStrategyLookup strategies,
                 std::function<void()> beforeFirstRead);

    /// Adds the assignments to `outcome` when its ticket needs them (its step, or each open
    /// branch of a parallel step, unassigned in a queue that assigns) and somebody fits; the
    /// queues' new turns go to `turns`. Fails only when the candidates cannot be read.
    Result<void> apply(const QSqlDatabase &db, TicketOutcome &outcome, const TicketMachine &machine,
                       const QDateTime &now, QList<AssignmentTurnRow> &turns);

private:
    /// One place: the step (`branch` empty) or a branch, waiting in `queue`.
    Result<void> assignIn(const QSqlDatabase &db, TicketOutcome &outcome,
                          const TicketMachine &machine, const QDateTime &now,
                          QList<AssignmentTurnRow> &turns, const QString &queue,
                          const QString &branch);
    Result<QueueAssignmentFacts *> factsOf(const QSqlDatabase &db, const QueueDef &queue,
                                           const QDateTime &now);

    const Organisation &m_organisation;
    AssignmentStrategyLookup m_strategies;
    std::function<void()> m_beforeFirstRead;
    bool m_read = false;
    QHash<QString, QueueAssignmentFacts> m_facts; ///< by queue, as this batch has them
};

/// Who is away while a batch is built: a notice to them goes to their substitute, else to the
/// first backup of the ticket's queue who is present (interfaces.md: "what would reach them
/// reaches the substitute or the queue's backup at once"). Read once per batch, on its first
/// notice.
class AbsenceBook
{
public:
    /// Redirects `notices` of a ticket in `queue` (null: none) whose recipient is away.
    Result<void> redirect(const QSqlDatabase &db, const QDateTime &now, const QueueDef *queue,
                          QList<NotificationRecord> &notices);
    /// A ticket a command has just assigned to someone away goes on to who stands in for them,
    /// in the same write: event `assigned` (no actor, data.strategy "substitute", data.for the
    /// user away); the notice to the user away is dropped (the stand-in gets their own).
    Result<void> handOver(const QSqlDatabase &db, const QDateTime &now, const Organisation &org,
                          const TicketMachine &machine, TicketOutcome &outcome);

private:
    Result<void> read(const QSqlDatabase &db, const QDateTime &now);
    QString standIn(const QString &user, const QueueDef *queue) const;
    bool m_read = false;
    QHash<QString, QString> m_away; ///< user → substitute (may be empty)
};

} // namespace Baton

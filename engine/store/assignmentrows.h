// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace Baton {

/// A user who works a queue and is present, with what the assignment strategies weigh.
struct AssignmentCandidateRow
{
    QString username;
    QStringList skills;
    /// Open tickets assigned to them and open branches of parallel steps they hold.
    int openTickets = 0;
    qint64 lastTurn = 0; ///< the queue's counter at their last automatic assignment; 0: never
};

/// Who may take a ticket of one queue now, for the engine's writer (runtime's automatic
/// assignment), in username order.
struct QueueAssignmentFacts
{
    QList<AssignmentCandidateRow> candidates;
    qint64 lastTurn = 0; ///< the queue's counter: the highest turn given so far
};

/// A user away now (UserRow::awayFrom/awayUntil) and who takes their work meanwhile.
struct AbsenceRow
{
    QString username;
    QString substitute; ///< empty: the queue's backup
    qint64 fromMs = 0; ///< when it begins (ms since the epoch); 0: it has
    qint64 untilMs = 0; ///< when it ends (ms since the epoch)
};

class AssignmentRows
{
public:
    /// The users away at `nowMs`.
    static Result<QList<AbsenceRow>> absences(const QSqlDatabase &db, qint64 nowMs);
    /// The absences not over at `nowMs`, begun or not (for a snapshot that answers later
    /// instants too).
    static Result<QList<AbsenceRow>> absencesNotOver(const QSqlDatabase &db, qint64 nowMs);
    /// Active users of `department` who are not away at `nowMs` (away_from <= now < away_until;
    /// an absence without a start has begun), with their open work (tickets and branches) and
    /// their last turns in `queue`.
    static Result<QueueAssignmentFacts> facts(const QSqlDatabase &db, const QString &queue,
                                              const QString &department, qint64 nowMs);
};

} // namespace Baton

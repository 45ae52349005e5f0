// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Who in a queue takes a ticket that arrives there (`assign:` of a queue in org.yaml:
// round_robin, least_loaded, skills, or a plugin's name).
//
// The choice becomes an event like any other, so replaying a ticket never asks the strategy
// again: a strategy may depend on anything it is given, but only on what it is given.

#include "core/result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <QtPlugin>

#include <vector>

namespace Baton {

/// A member of the queue who could take the ticket. Members who are away are not offered.
struct AssignmentCandidate
{
    QString user;
    /// Tickets assigned to them and not closed, and open branches of parallel steps they hold
    /// (the choices made earlier in the same write counted too).
    int openTickets = 0;
    QDateTime lastAssignedAt; ///< when they were last given a ticket of this queue; null if never
    /// The queue's assignment counter when they were last given one of its tickets (0: never):
    /// orders turns even when two assignments share an instant (a test clock standing still).
    qint64 lastTurn = 0;
    QStringList skills; ///< `skills:` of the user in org.yaml
};

/// A ticket arriving in a queue, with the queue's candidates.
struct AssignmentRequest
{
    QString queue;
    qint64 ticketId = 0;
    QString workflow;
    QString state;
    QVariantMap fields; ///< the ticket's field values, for skills matching
    QVariantMap queueSettings; ///< the queue's strategy settings (`match:` ...)
    std::vector<AssignmentCandidate> candidates; ///< in the queue's member order
};

class AssignmentStrategy
{
public:
    virtual ~AssignmentStrategy() = default;

    /// The strategy's name as `assign:` writes it.
    virtual QString name() const = 0;

    /// The chosen candidate's user name, or an empty string when nobody fits (the ticket then
    /// waits in the queue). An error is logged and treated as "nobody fits". Runs on the
    /// engine's writer thread: quick, no input/output.
    virtual Result<QString> choose(const AssignmentRequest &request) const = 0;
};

} // namespace Baton

#define BatonAssignmentStrategy_iid "org.baton.AssignmentStrategy/1.0"
Q_DECLARE_INTERFACE(Baton::AssignmentStrategy, BatonAssignmentStrategy_iid)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Who a user is to the ticket engine, and who may see a ticket. Pure: the caller resolves
// the user (auth/store) and the organisation (definition) and passes them in.

#include "definition/model.h"

#include <QString>
#include <QStringList>

namespace Baton {

struct TicketState;

/// A user as the ticket engine sees them. Build it with resolveActor() so that queues and
/// supervisedDepartments are derived from the organisation.
struct Actor
{
    QString username;
    QStringList roles;
    QStringList departments;
    /// Queues the user works: every queue whose department is one of the user's departments
    /// (exactly; a parent department's members do not work a child's queues).
    QStringList queues;
    /// For a user with role `supervisor`: their departments and all departments below them
    /// (a supervisor of customer-experience supervises customer-service). Empty otherwise.
    QStringList supervisedDepartments;

    bool isAdmin() const { return roles.contains(QLatin1String("admin")); }
    bool hasRole(const QString &role) const { return roles.contains(role); }
    bool hasAnyRole(const QStringList &wanted) const;
    bool isMemberOf(const QString &queue) const
    {
        return !queue.isEmpty() && queues.contains(queue);
    }
    bool supervisesDepartment(const QString &department) const
    {
        return !department.isEmpty() && supervisedDepartments.contains(department);
    }
};

/// Fills in queues and supervisedDepartments from the organisation.
Actor resolveActor(const Organisation &org, const QString &username, const QStringList &roles,
                   const QStringList &departments);

/// True when actor supervises the department that owns queue.
bool supervisesQueue(const Organisation &org, const Actor &actor, const QString &queue);

/// The queues whose tickets (current or past) the actor sees: the queues they work plus the
/// queues of the departments they supervise. For the store's list filter: a non-admin sees
/// a ticket when they are its originator or queuesVisited meets this list.
QStringList visibleQueues(const Organisation &org, const Actor &actor);

/// Visibility (interfaces.md: a ticket the caller may not see is 404): the originator,
/// members of any queue the ticket is or was in, supervisors of those queues' departments,
/// the current assignee (of the ticket or a branch), and admins.
bool canSee(const Organisation &org, const Actor &actor, const TicketState &ticket);

/// Internal notes (comments with `internal: true`) are for the back office, never for the front
/// line that faces the customer: admins; supervisors of a department the ticket has been in
/// (a queue of it, or one below); and users with role `staff` or `supervisor` who work a queue
/// the ticket has been in or hold it (or one of its branches) now. Never the originator (unless
/// an admin), whatever their other roles: they speak to the customer.
bool canSeeInternalNotes(const Organisation &org, const Actor &actor, const TicketState &ticket);

} // namespace Baton

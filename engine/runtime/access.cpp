// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/access.h"

#include "runtime/ticketstate.h"

namespace Baton {

bool Actor::hasAnyRole(const QStringList &wanted) const
{
    for (const QString &role : wanted)
        if (roles.contains(role))
            return true;
    return false;
}

Actor resolveActor(const Organisation &org, const QString &username, const QStringList &roles,
                   const QStringList &departments)
{
    Actor actor;
    actor.username = username;
    actor.roles = roles;
    actor.departments = departments;
    for (const QueueDef &queue : org.queues)
        if (departments.contains(queue.department))
            actor.queues.append(queue.name);
    if (roles.contains(QLatin1String("supervisor"))) {
        // A supervisor oversees their departments and everything below them: the organisation
        // chart is a tree, and a head of customer-experience answers for customer-service too.
        for (const Department &department : org.departments) {
            QString current = department.name;
            for (int depth = 0; depth < 64 && !current.isEmpty(); ++depth) {
                if (departments.contains(current)) {
                    actor.supervisedDepartments.append(department.name);
                    break;
                }
                const auto it = org.departments.constFind(current);
                if (it == org.departments.cend())
                    break;
                current = it->parent;
            }
        }
    }
    return actor;
}

bool supervisesQueue(const Organisation &org, const Actor &actor, const QString &queue)
{
    if (actor.supervisedDepartments.isEmpty())
        return false;
    const auto it = org.queues.constFind(queue);
    return it != org.queues.cend() && actor.supervisesDepartment(it->department);
}

QStringList visibleQueues(const Organisation &org, const Actor &actor)
{
    QStringList result = actor.queues;
    for (const QueueDef &queue : org.queues)
        if (actor.supervisesDepartment(queue.department) && !result.contains(queue.name))
            result.append(queue.name);
    return result;
}

namespace {

/// Whether the ticket or one of its branches is assigned to the actor.
bool isAssignedTo(const Actor &actor, const TicketState &ticket)
{
    if (!ticket.assignee.isEmpty() && actor.username == ticket.assignee)
        return true;
    for (const BranchState &branch : ticket.branches)
        if (!branch.assignee.isEmpty() && actor.username == branch.assignee)
            return true;
    return false;
}

} // namespace

bool canSee(const Organisation &org, const Actor &actor, const TicketState &ticket)
{
    if (actor.isAdmin() || actor.username == ticket.originator)
        return true;
    if (isAssignedTo(actor, ticket))
        return true;
    for (const QString &queue : ticket.queuesVisited)
        if (actor.isMemberOf(queue) || supervisesQueue(org, actor, queue))
            return true;
    return false;
}

bool canSeeInternalNotes(const Organisation &org, const Actor &actor, const TicketState &ticket)
{
    if (actor.isAdmin())
        return true;
    if (actor.username == ticket.originator || !canSee(org, actor, ticket))
        return false;
    for (const QString &queue : ticket.queuesVisited)
        if (supervisesQueue(org, actor, queue))
            return true;
    if (!actor.hasRole(QStringLiteral("staff")) && !actor.hasRole(QStringLiteral("supervisor")))
        return false;
    if (isAssignedTo(actor, ticket))
        return true;
    for (const QString &queue : ticket.queuesVisited)
        if (actor.isMemberOf(queue))
            return true;
    return false;
}

} // namespace Baton

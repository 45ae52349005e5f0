// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/demoaccounts.h"

#include "definition/workflowset.h"

#include <QSet>

namespace Baton {

namespace {

/// The queues a workflow routes tickets to or work escalates to.
QSet<QString> backOfficeQueues(const WorkflowSet &set)
{
    const Organisation &org = set.organisation;
    QSet<QString> backOffice;
    for (const QueueDef &queue : org.queues)
        if (!queue.escalateTo.isEmpty())
            backOffice.insert(queue.escalateTo);
    for (const auto &workflow : set.workflows) {
        for (const State &state : workflow->states) {
            if (!state.queue.isEmpty())
                backOffice.insert(state.queue);
            for (const Branch &branch : state.branches)
                backOffice.insert(branch.queue);
        }
        if (workflow->handoffs)
            backOffice.insert(workflow->handoffs->moveTo);
        for (const EscalationStep &step : workflow->escalation)
            if (!step.moveTo.isEmpty() && org.queues.contains(step.moveTo))
                backOffice.insert(step.moveTo);
    }
    return backOffice;
}

} // namespace

QMap<QString, DemoAccount> demoAccounts(const WorkflowSet &set)
{
    const Organisation &org = set.organisation;
    const QSet<QString> backOffice = backOfficeQueues(set);
    QMap<QString, DemoAccount> accounts;
    auto add = [&](const QString &username, const QString &department, const QString &role) {
        if (username.isEmpty())
            return;
        DemoAccount &account = accounts[username];
        if (!department.isEmpty() && !account.departments.contains(department))
            account.departments.append(department);
        if (!account.roles.contains(role))
            account.roles.append(role);
    };
    for (const QueueDef &queue : org.queues) {
        const bool frontLine = !backOffice.contains(queue.name);
        const QString role = frontLine ? QStringLiteral("agent") : QStringLiteral("staff");
        const bool sales = frontLine && queue.department == u"sales" && org.hasRole(u"sales"_qs);
        for (const QStringList *contacts : {&queue.primary, &queue.backup}) {
            for (const QString &username : *contacts) {
                add(username, queue.department, role);
                if (sales)
                    add(username, queue.department, QStringLiteral("sales"));
            }
        }
        add(queue.manager, queue.department, QStringLiteral("supervisor"));
    }
    add(QStringLiteral("admin"), QString(), QStringLiteral("admin"));
    return accounts;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMap>
#include <QStringList>

namespace Baton {

struct WorkflowSet;

/// The departments and roles of one account of `baton serve --demo`.
struct DemoAccount
{
    QStringList departments;
    QStringList roles;
};

/// The demo accounts of a workflow folder, by username: the queue contacts of the organisation
/// plus `admin`. A contact of a back-office queue (one that a workflow routes tickets to, or
/// that work escalates to) is `staff`; a contact of any other queue works the front line and is
/// an `agent` (plus `sales` in the sales department, when the organisation declares that role);
/// managers are supervisors. Departments are in the organisation's queue order, so that an
/// originator's calendar is the same wherever the accounts are made (server, demo tickets,
/// benchmarks).
QMap<QString, DemoAccount> demoAccounts(const WorkflowSet &set);

} // namespace Baton

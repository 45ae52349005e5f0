// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/model.h"
#include "definition/workflowset.h"

#include <QDateTime>
#include <QList>

#include <memory>

namespace Baton {
class Database;
}

namespace Baton::Cli {

/// `baton serve --demo`: when the database holds no tickets yet, opens sample tickets of every
/// shipped workflow as the demo users, in varied states (just opened, claimed, parallel with a
/// branch done, back with the originator, closed), for customers of tiers A, B and C, opened
/// at instants before `now` so that some clocks are at risk and some breached when the server's
/// timers first run. Runs its own short-lived engine on a clock set back in time, so call it
/// BEFORE the server's engine starts (that engine numbers new tickets from the database).
/// Publishes the workflows of `set`, the files of `workflowsFolder` (the server's own publish then
/// finds them unchanged). Never fails the start-up: a problem is printed and the remaining tickets
/// are still opened. Returns how many tickets it opened (0 when there were tickets already).
int seedDemoTickets(const std::shared_ptr<Database> &database,
                    const std::shared_ptr<const Organisation> &organisation, const WorkflowSet &set,
                    const QString &workflowsFolder, const QDateTime &now);

} // namespace Baton::Cli

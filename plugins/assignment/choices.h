// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The shipped strategies' choices, as pure functions of the request (the plugins of this folder
// only name them): each returns the chosen candidate's user name, or "" when nobody fits.
// Candidates come in the queue's member order (by user name), which breaks every tie.

#include "plugin/assignmentstrategy.h"

namespace Baton::Assignment {

/// The candidate whose last turn in this queue is the oldest (never before everyone).
QString roundRobin(const AssignmentRequest &request);
/// The candidate with the fewest open tickets.
QString leastLoaded(const AssignmentRequest &request);
/// Among candidates whose skills hold the value of every `match:` field the ticket has filled
/// (case-insensitive; a list field: each of its values), the least loaded. No `match:` field
/// filled: every candidate fits.
QString skills(const AssignmentRequest &request);

} // namespace Baton::Assignment

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/condition.h"
#include "definition/model.h"

namespace Baton {

/// The names a workflow's `when:` conditions may use: its declared fields (string, text, user,
/// queue and choice are String, choice with its options as allowed values; int and decimal
/// are Number; bool is Bool; date and datetime are Date) plus the built-ins ticket.priority,
/// ticket.state (one of the workflow's states), ticket.queue, ticket.handoffs, customer.tier
/// (A, B or C), customer.id, user.roles and user.departments.
ConditionScope conditionScopeFor(const Workflow &workflow);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// State diagrams of a workflow, for `baton diagram`, the API (`"mermaid"` in workflow replies)
// and the admin page. Both renderings are deterministic: the same workflow gives byte-identical
// text, so they can be compared with golden files.

#include "definition/model.h"

#include <QString>

namespace Baton {

/// A Mermaid `stateDiagram-v2` (valid for mermaid 10 and 11). Parallel states are composite
/// states with one concurrent region per branch; `any:` transitions leave one dashed
/// "any non-final state" node. With an organisation, states are coloured by department.
QString toMermaid(const Workflow &workflow, const Organisation *organisation = nullptr);

/// A Graphviz `digraph`: clusters for parallel states (a sub-cluster per branch, UML fork and
/// join bars), double borders for final states, dashed edges for `any:` transitions.
QString toDot(const Workflow &workflow, const Organisation *organisation = nullptr);

} // namespace Baton

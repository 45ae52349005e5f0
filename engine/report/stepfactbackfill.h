// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports (issue 17): the step facts of tickets written before the engine kept them, derived
// from their events by the same StepFactDeriver the engine runs on every write, so that a
// back-filled database reports what live maintenance would have.

#include "core/result.h"
#include "definition/model.h"

#include <functional>
#include <memory>

namespace Baton {

class Database;
class StepFactDeriver;

using WorkflowLookup
    = std::function<Result<std::shared_ptr<const Workflow>>(const QString &name, int version)>;

/// Works through the tickets migration 11 (or 17) recorded in report_backfills (those that
/// existed when it ran), `chunk` tickets per transaction: each ticket's facts are replaced by
/// the ones its whole event log gives, and the position is saved with them, so an interrupted
/// back-fill resumes where it stopped. When every ticket is done the record is removed: later
/// calls do nothing. Returns the number of tickets derived. `baton serve` runs it in the
/// background while it serves (Services); the engine writes meanwhile: a chunk is read and
/// derived without a lock, then written in a short transaction that locks its tickets (SQLite:
/// the write lock; PostgreSQL: their rows, FOR NO KEY UPDATE) and derives again, under the
/// lock, any ticket whose version moved since it was read. Stops between chunks once
/// `stopRequested` says so; logs its progress every 10 s. A ticket whose workflow version
/// cannot be read is skipped (logged).
Result<int> backfillStepFacts(Database &database, const StepFactDeriver &deriver,
                              const WorkflowLookup &workflowOf, int chunk = 500,
                              const std::function<bool()> &stopRequested = {});

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QHash>
#include <QString>

namespace Baton {

class Database;

/// Counts of tickets for the overview pages and /metrics, read on the calling thread's
/// connection (committed data only, like every read).
class TicketCounts
{
public:
    struct Queue
    {
        qint64 open = 0;
        qint64 atRisk = 0;
        qint64 breached = 0;
    };
    /// Per queue name: the open tickets waiting there and the open branches there, each counted
    /// by its own SLA clocks at `nowMs` (at risk: past its risk instant but not yet due;
    /// breached: due). Queues with nothing open are absent.
    static Result<QHash<QString, Queue>> byQueue(Database &database, qint64 nowMs);
    /// Open tickets in the whole database.
    static Result<qint64> open(Database &database);
};

/// Whether the database answers a trivial query on the calling thread's connection (/healthz);
/// the error says what failed.
Result<void> pingDatabase(Database &database);

} // namespace Baton

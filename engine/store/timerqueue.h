// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>

#include <optional>

class QSqlDatabase;

namespace Baton {

/// A due row of the `timers` table as the SLA timer scheduler found it.
struct DueTimer
{
    qint64 id = 0;
    qint64 ticketId = 0;
    qint64 dueAt = 0; ///< as found (the original due instant)
    qint64 heldAt = 0; ///< due_at as the row now holds it (the lease, on PostgreSQL)
};

/// The `timers` table as the SLA timer scheduler reads it. The rows are written by the engine's
/// TicketWriter alone (a ticket's timers are replaced whenever the ticket is written); the
/// scheduler only finds the due ones and, when several servers share a PostgreSQL database,
/// leases them so that each fires on one server.
class TimerQueue
{
public:
    /// PostgreSQL: up to `limit` rows due at `nowMs` that no other server holds (FOR UPDATE SKIP
    /// LOCKED), leased by moving their due_at to `leaseUntilMs`: no other server takes them
    /// until then, and a server that dies holding them leaves them due again afterwards.
    static Result<QList<DueTimer>> lease(const QSqlDatabase &db, qint64 nowMs, int limit,
                                         qint64 leaseUntilMs);
    /// Up to `limit` rows due at `nowMs` that come after `after` in (due_at, id) order
    /// (SQLite: the server is alone, and rows stay until the engine's commit replaces them, so
    /// a round pages through them rather than reading them again).
    static Result<QList<DueTimer>> dueAfter(const QSqlDatabase &db, qint64 nowMs,
                                            const DueTimer &after, int limit);
    /// The earliest due_at of the table (ms since the epoch), if any: one indexed MIN query.
    static Result<std::optional<qint64>> earliestDue(const QSqlDatabase &db);
};

} // namespace Baton

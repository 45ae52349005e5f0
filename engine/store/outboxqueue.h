// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketrows.h"

#include <QList>

#include <optional>

class QSqlDatabase;

namespace Baton {

/// An outbox row as the delivery worker and the admin API see it.
struct OutboxEntry
{
    OutboxRow row;
    QString status; ///< "pending", "delivered" or "dead"
    int attempts = 0;
    qint64 nextAttemptAt = 0;
    QString lastError;
    std::optional<qint64> lastAttemptAt;
    QString receipt;
};

/// The `outbox` table after the engine's writer has put rows in it (TicketWriter, in the
/// transaction of their event): the delivery worker claims and settles them, the admin API
/// lists and retries dead letters.
class OutboxQueue
{
public:
    /// Up to `limit` pending rows due at `nowMs`, leased until `leaseUntilMs` (their
    /// next_attempt_at moves there): another server, or this one after a crash, takes them again
    /// only when the lease has run out. PostgreSQL: FOR UPDATE SKIP LOCKED, so that each row is
    /// claimed by one server.
    static Result<QList<OutboxEntry>> claim(const QSqlDatabase &db, qint64 nowMs, int limit,
                                            qint64 leaseUntilMs);
    static Result<void> markDelivered(const QSqlDatabase &db, const QString &deliveryId,
                                      qint64 atMs, const QString &receipt);
    /// A failed attempt: pending again at `retryAtMs`, or dead when `dead`.
    static Result<void> markFailed(const QSqlDatabase &db, const QString &deliveryId, qint64 atMs,
                                   const QString &error, qint64 retryAtMs, bool dead);
    /// Rows of one status, newest first, up to `limit`.
    static Result<QList<OutboxEntry>> list(const QSqlDatabase &db, const QString &status,
                                           int limit);
    /// A dead letter made pending again, due at `nowMs`, with its tries counted from 0; false
    /// when there is no dead letter of that id.
    static Result<bool> retryDead(const QSqlDatabase &db, const QString &deliveryId, qint64 nowMs);
    /// The earliest next_attempt_at of a pending row, if any.
    static Result<std::optional<qint64>> earliestDue(const QSqlDatabase &db);
};

} // namespace Baton

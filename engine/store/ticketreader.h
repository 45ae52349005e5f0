// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketfilter.h"
#include "store/ticketrows.h"

#include <QHash>
#include <QSqlDatabase>

#include <optional>

namespace Baton {

/// Reads, on the calling thread's connection; they never wait for the writer.
class TicketReader
{
public:
    static Result<std::optional<TicketRow>> ticket(const QSqlDatabase &db, qint64 id);
    static Result<TicketPage> list(const QSqlDatabase &db, const TicketFilter &filter);
    static Result<QList<EventRow>> events(const QSqlDatabase &db, qint64 ticketId);
    static Result<QList<TimerRow>> timers(const QSqlDatabase &db, qint64 ticketId);
    static Result<QList<NotificationRow>> notifications(const QSqlDatabase &db,
                                                        const QString &username, bool unreadOnly,
                                                        int limit = 200);
    /// Marks one of the user's notifications read; false when it is not theirs or absent.
    static Result<bool> markNotificationRead(const QSqlDatabase &db, qint64 id,
                                             const QString &username);
    static Result<std::optional<IdempotencyRow>>
    idempotency(const QSqlDatabase &db, const QString &username, const QString &key);
    static Result<QList<qint64>> ticketIds(const QSqlDatabase &db);
    /// The stored version of each of `ids` that exists (id → version): the engine's check
    /// that the tickets it caches were not changed by another server.
    static Result<QHash<qint64, qint64>> versions(const QSqlDatabase &db, const QList<qint64> &ids);
};

} // namespace Baton

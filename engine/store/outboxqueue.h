// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketrows.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>

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
    QString ticketKey; ///< "IT-42"; filled by search() only (the delivery log shows it)
    /// Whose the last failure was: "channel" (waits for the channel), "row" (this message's
    /// own refusal), empty when it has not failed (DeliveryWorker).
    QString failureKind;
};

/// A channel as the admin page shows its health: the last success and the last failure (with
/// why) the delivery worker recorded, and how many of its rows wait or are dead letters.
struct ChannelHealth
{
    std::optional<qint64> lastSuccessAt;
    std::optional<qint64> lastFailureAt;
    QString lastFailure;
    int pending = 0;
    int dead = 0;
};

/// The delivery log's filters (GET /api/v1/admin/deliveries); an empty one does not filter.
struct DeliverySearch
{
    std::optional<qint64> ticketId;
    QString ticketKey; ///< "IT-42", compared with the ticket's key
    QString channel;
    QString status;
    int limit = 50;
};

/// The `outbox` table after the engine's writer has put rows in it (TicketWriter, in the
/// transaction of their event): the delivery worker claims and settles them, the admin API
/// lists and retries dead letters.
class OutboxQueue
{
public:
    /// Rows written outside a ticket's event (the weekly summary mails), due at once; a row
    /// whose delivery id is there already is left as it is (so a summary is queued once however
    /// often it is asked for). Returns how many were added. In the caller's transaction.
    static Result<int> enqueue(const QSqlDatabase &db, const QList<OutboxRow> &rows);
    /// Which of `deliveryIds` have a row, whatever its status (a summary queued is not composed
    /// again).
    static Result<QSet<QString>> existing(const QSqlDatabase &db, const QStringList &deliveryIds);
    /// Up to `limit` pending rows due at `nowMs`, leased until `leaseUntilMs` (their
    /// next_attempt_at moves there): another server, or this one after a crash, takes them again
    /// only when the lease has run out. PostgreSQL: FOR UPDATE SKIP LOCKED, so that each row is
    /// claimed by one server.
    static Result<QList<OutboxEntry>> claim(const QSqlDatabase &db, qint64 nowMs, int limit,
                                            qint64 leaseUntilMs);
    /// Up to `limit` pending rows due at `nowMs` but those of `except`, oldest first, read
    /// without a write: a SQLite file has one server, whose delivery worker keeps the rows it
    /// has in hand in memory (`except`) instead of leasing them (a lease is a write, queued
    /// behind the engine's group commits for SQLite's one writer lock). After a crash they
    /// are due as they were.
    static Result<QList<OutboxEntry>> due(const QSqlDatabase &db, qint64 nowMs, int limit,
                                          const QSet<QString> &except);
    /// Makes rows claimed by a server that is gone due at `nowMs` instead of when their lease
    /// would run out (5 minutes): at start (SQLite: every lease; PostgreSQL: those of database
    /// sessions that no longer exist). The number released.
    static Result<int> releaseAbandonedLeases(const QSqlDatabase &db, qint64 nowMs);
    /// A row delivered at `atMs` with the receiver's `receipt` (DeliveryWorker's settling).
    struct Delivered
    {
        QString deliveryId;
        qint64 atMs = 0;
        QString receipt;
    };
    /// Rows delivered: one statement for a round's deliveries (a statement per row cost the
    /// worker more than its HTTP request on SQLite, where each is prepared anew).
    static Result<void> markDelivered(const QSqlDatabase &db, const QList<Delivered> &rows);
    /// A failed attempt: pending again at `retryAtMs`, or dead when `dead`; `failureKind` is
    /// "channel" or "row" (OutboxEntry::failureKind).
    static Result<void> markFailed(const QSqlDatabase &db, const QString &deliveryId, qint64 atMs,
                                   const QString &error, qint64 retryAtMs, bool dead,
                                   const QString &failureKind);
    /// A claimed row not tried because its channel is failing: pending again at `untilMs` (the
    /// channel's next probe) without counting a try; it waits for the channel unless its own
    /// last failure was its own ("row").
    static Result<void> deferForChannel(const QSqlDatabase &db, const QString &deliveryId,
                                        qint64 untilMs);
    /// A delivery on `channel` got through: its rows that wait only for the channel (failure
    /// kind "channel", not leased) are due at `nowMs`. The number made due.
    static Result<int> releaseChannel(const QSqlDatabase &db, const QString &channel, qint64 nowMs);
    /// Rows of one status, newest first, up to `limit`.
    /// Holds a pending row until `untilMs` without counting a try (the recipient's quiet
    /// hours); `why` goes to last_error for the delivery log.
    static Result<void> postpone(const QSqlDatabase &db, const QString &deliveryId, qint64 untilMs,
                                 const QString &why);
    static Result<QList<OutboxEntry>> list(const QSqlDatabase &db, const QString &status,
                                           int limit);
    /// A dead letter made pending again, due at `nowMs`, with its tries counted from 0; false
    /// when there is no dead letter of that id.
    static Result<bool> retryDead(const QSqlDatabase &db, const QString &deliveryId, qint64 nowMs);
    /// The delivery log: rows matching `search`, newest first.
    static Result<QList<OutboxEntry>> search(const QSqlDatabase &db, const DeliverySearch &search);
    /// The row of that id, if any.
    static Result<std::optional<OutboxEntry>> find(const QSqlDatabase &db,
                                                   const QString &deliveryId);
    /// Records what a round of the worker saw on a channel: its latest success and its latest
    /// failure (with why); an absent one keeps what was recorded before.
    static Result<void> recordHealth(const QSqlDatabase &db, const QString &channel,
                                     std::optional<qint64> successAt,
                                     std::optional<qint64> failureAt, const QString &failure);
    /// Every channel's health that has one (a channel never used has no row), by channel.
    static Result<QHash<QString, ChannelHealth>> health(const QSqlDatabase &db);
    /// The earliest next_attempt_at of a pending row, if any.
    static Result<std::optional<qint64>> earliestDue(const QSqlDatabase &db);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Several servers on one PostgreSQL: what a commit changed, announced to the others with
// NOTIFY, and read back by them (changelistener.h listens). PostgreSQL only.

#include "core/result.h"
#include "store/ticketrows.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

namespace Baton {

/// What one group commit changed: the tickets whose version it moved and the notifications it
/// wrote, by id (a payload of NOTIFY holds at most 8000 bytes: never whole tickets), and the
/// server that wrote them, so that it skips its own.
struct ChangeNotice
{
    QString serverId;
    QList<qint64> tickets;
    QList<qint64> notifications;
    /// A new organisation version was published (OrgVersions::publish): the others load it.
    int organisation = 0;
    /// Users whose account, sessions, absence or preferences changed (a logout, a new password,
    /// roles, away): the others forget what they keep of them in memory — their sessions
    /// (auth/sessioncache.h) and UserDirectory's snapshot (the outbox router, the SLA planner).
    QStringList users;
    bool isEmpty() const
    {
        return tickets.isEmpty() && notifications.isEmpty() && organisation == 0 && users.isEmpty();
    }
    friend bool operator==(const ChangeNotice &, const ChangeNotice &) = default;
};

namespace ChangeFeed {

/// The NOTIFY channel every server listens on.
inline constexpr char channel[] = "baton_changes";
/// Payloads stay below PostgreSQL's 8000 bytes.
inline constexpr qsizetype payloadLimit = 7800;

/// `{"server": ID, "tickets": [...], "notifications": [...]}`, in as many payloads as it takes
/// (each of them well under the limit), the first with `"organisation": N` when that is set;
/// `"users": [...]` in payloads of their own.
/// None when the notice is empty.
QList<QByteArray> encode(const ChangeNotice &notice);
/// nullopt when `payload` is not one encode() wrote.
std::optional<ChangeNotice> decode(const QByteArray &payload);

/// Queues the notice with pg_notify in the transaction open on `db`: PostgreSQL delivers it
/// when, and only if, the transaction commits — a rolled-back batch announces nothing, and a
/// committed one cannot fail to be announced (a crash after COMMIT and before a separate
/// NOTIFY would). One statement whatever the number of payloads.
Result<void> announce(const QSqlDatabase &db, const ChangeNotice &notice);

/// The stored state (column state_data, the runtime's full state as JSON) of each of `ids`
/// that exists, by id.
Result<QList<QByteArray>> ticketStates(const QSqlDatabase &db, const QList<qint64> &ids);
/// The notifications of `ids` that exist, by id.
Result<QList<NotificationRow>> notifications(const QSqlDatabase &db, const QList<qint64> &ids);

} // namespace ChangeFeed

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>

namespace Baton {

/// The SQL of the `sessions` table: sessions by their token's hash (never the token). Times are
/// ms since the epoch. Reading a session with its user is UserRows::findBySession.
class SessionRows
{
public:
    static Result<void> insert(const QSqlDatabase &db, const QString &tokenHash,
                               const QString &username, qint64 createdAt, qint64 expiresAt);
    static Result<void> setExpiry(const QSqlDatabase &db, const QString &tokenHash,
                                  qint64 expiresAt);
    /// A logout: the session ends and the sign-in epoch rises, in one transaction.
    static Result<void> remove(const QSqlDatabase &db, const QString &tokenHash);
    /// Every session of the user (a new password, a disabled account).
    static Result<void> removeAllOf(const QSqlDatabase &db, const QString &username);
    /// Sessions expired at `now`; how many there were.
    static Result<int> removeExpired(const QSqlDatabase &db, qint64 now);

    /// The sign-in epoch (migration 28): raised by every logout and change of a user, so that
    /// each server sharing the database learns that what it cached of sessions may be stale.
    static Result<qint64> authEpoch(const QSqlDatabase &db);
    static Result<void> raiseAuthEpoch(const QSqlDatabase &db);
};

} // namespace Baton

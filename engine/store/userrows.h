// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QStringList>

#include <optional>
#include <utility>

namespace Baton {

/// One row of the `users` table (auth's UserDirectory gives it meaning). Times are ms since the
/// epoch; passwordHash is the encoded hash (PasswordHasher), empty when not read.
struct UserRow
{
    QString username;
    QString name;
    QStringList roles;
    QStringList departments;
    QString email; ///< empty: none
    QString phone; ///< empty: none
    QString language; ///< "en", "zh", or empty (the channel's default)
    bool active = true;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    QByteArray passwordHash;
};

/// The SQL of the `users` table. Absence is a normal answer here (nullopt, false), not a
/// failure: the caller decides what a missing user means (a refusal, no departments, a wrong
/// sign-in).
class UserRows
{
public:
    static Result<bool> exists(const QSqlDatabase &db, const QString &username);
    static Result<std::optional<UserRow>> find(const QSqlDatabase &db, const QString &username);
    /// The user of a session (by its token's hash) and the session's expiry (ms since the
    /// epoch), in one query: every request asks it.
    static Result<std::optional<std::pair<UserRow, qint64>>>
    findBySession(const QSqlDatabase &db, const QString &tokenHash);
    /// Ordered by username; without password hashes.
    static Result<QList<UserRow>> all(const QSqlDatabase &db);
    static Result<void> insert(const QSqlDatabase &db, const UserRow &row);
    /// Writes name, roles, departments, active, email, phone, language and updated_at; the password
    /// hash too when `withPassword`.
    static Result<void> update(const QSqlDatabase &db, const UserRow &row, bool withPassword);
    static Result<void> setPasswordHash(const QSqlDatabase &db, const QString &username,
                                        const QByteArray &hash);
};

} // namespace Baton

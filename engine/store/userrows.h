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
    QStringList skills; ///< matched by a queue's `assign: skills`
    /// Away from awayFrom (none: already) until awayUntil (none: not away); meanwhile their
    /// work goes to `substitute` (empty: the queue's backup) and auto-assignment skips them.
    std::optional<qint64> awayFrom;
    std::optional<qint64> awayUntil;
    QString substitute;
    QByteArray preferences = "{}"; ///< JSON: quiet hours (delivery/quiethours.h)
    QString timeZone; ///< an IANA name, or empty (the organisation's default)
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
    /// As find(), in a transaction that is to change the row from what it reads: the row stays
    /// locked until the transaction ends (PostgreSQL: FOR NO KEY UPDATE; SQLite: BEGIN
    /// IMMEDIATE already holds the write lock), so that no other change lands in between.
    static Result<std::optional<UserRow>> findToChange(const QSqlDatabase &db,
                                                       const QString &username);
    /// The user of a session (by its token's hash) and the session's expiry (ms since the
    /// epoch), in one query: every request asks it.
    static Result<std::optional<std::pair<UserRow, qint64>>>
    findBySession(const QSqlDatabase &db, const QString &tokenHash);
    /// Ordered by username; without password hashes.
    static Result<QList<UserRow>> all(const QSqlDatabase &db);
    static Result<void> insert(const QSqlDatabase &db, const UserRow &row);
    /// Writes name, roles, departments, active, email, phone, language, skills, time_zone and
    /// updated_at; the password hash too when `withPassword`.
    static Result<void> update(const QSqlDatabase &db, const UserRow &row, bool withPassword);
    /// Marks the user away (until set) or back (until empty); not touched by update().
    static Result<void> setAway(const QSqlDatabase &db, const QString &username,
                                std::optional<qint64> from, std::optional<qint64> until,
                                const QString &substitute, qint64 updatedAt);
    /// Replaces the user's preferences (JSON object text) and time zone.
    static Result<void> setPreferences(const QSqlDatabase &db, const QString &username,
                                       const QByteArray &preferences, const QString &timeZone,
                                       qint64 updatedAt);
    static Result<void> setPasswordHash(const QSqlDatabase &db, const QString &username,
                                        const QByteArray &hash);
};

} // namespace Baton

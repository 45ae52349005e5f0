// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/model.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QReadWriteLock>
#include <QStringList>
#include <QVariant>

#include <optional>
#include <variant>

namespace Baton {

class Clock;
class Database;

/// A user account as the API shows it (never the password hash).
struct User
{
    QString username;
    QString name;
    QStringList roles;
    QStringList departments;
    bool active = true;
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// The changeable parts of a user; unset members stay as they are (on create: name, password
/// are required, departments and roles default to none).
struct UserInput
{
    std::optional<QString> name;
    std::optional<QString> password;
    std::optional<QStringList> departments;
    std::optional<QStringList> roles;
    std::optional<bool> active;
};

/// Why a user change was refused: Invalid (422, `fields` says which), Taken (409), NotFound
/// (404), Storage (500).
struct UserProblem
{
    enum class Kind { Invalid, Taken, NotFound, Storage };
    Kind kind = Kind::Invalid;
    QString message;
    QMap<QString, QString> fields;
};

/// Users in the store's `users` table. Departments and roles are checked against the
/// organisation; a changed password or a disabled account ends the user's sessions at once.
/// Methods use the calling thread's connection and are safe to call from any thread.
class UserDirectory
{
public:
    UserDirectory(Database &database, const Clock &clock);

    std::variant<User, UserProblem> create(const QString &username, const UserInput &input,
                                           const Organisation &organisation);
    std::variant<User, UserProblem> update(const QString &username, const UserInput &input,
                                           const Organisation &organisation);
    Result<std::optional<User>> find(const QString &username);
    /// The user and their encoded password hash, for sign-in.
    Result<std::optional<std::pair<User, QByteArray>>> findWithHash(const QString &username);
    /// The user of a session (by its token's hash) and the session's expiry (ms since the
    /// epoch), in one query: every request asks it.
    Result<std::optional<std::pair<User, qint64>>> findBySession(const QString &tokenHash);
    Result<QList<User>> list();
    /// A user's departments, for the SLA planner (steps for the originator run on the calendar
    /// of their first department). The planner asks on the engine's writer thread for every
    /// ticket it writes, so this answers from a snapshot of departments that create() and
    /// update() keep current (a PATCH of departments counts from the next ticket written). A
    /// user missing from it (new, or created by another server sharing the database) is read
    /// once; an unknown user has no departments.
    QStringList departmentsOf(const QString &username);
    Result<void> setPasswordHash(const QString &username, const QByteArray &hash);

    /// Lower-case letters, digits, '.', '_', '-'; 1–64 characters, starting with a letter or
    /// digit.
    static bool isValidUsername(const QString &username);
    static constexpr int minimumPasswordLength = 8;

private:
    QMap<QString, QString> check(const UserInput &input, const Organisation &organisation) const;
    /// The one row of `sql` for `key`: a user (columns 0-6, as userColumns) and column 7.
    Result<std::optional<std::pair<User, QVariant>>> userRow(const QString &sql,
                                                             const QString &key);

    void rememberDepartments(const User &user);

    Database &m_database;
    const Clock &m_clock;
    QReadWriteLock m_departmentsLock; ///< read-mostly: written when a user is created or changed
    QHash<QString, QStringList> m_departments;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "userdirectory.h"

#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlError>

namespace Baton {

namespace {

QString toJsonText(const QStringList &list)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QStringList fromJsonText(const QString &text)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(text.toUtf8()).array())
        list.append(v.toString());
    return list;
}

User userFromQuery(const QSqlQuery &q)
{
    User user;
    user.username = q.value(0).toString();
    user.name = q.value(1).toString();
    user.roles = fromJsonText(q.value(2).toString());
    user.departments = fromJsonText(q.value(3).toString());
    user.active = q.value(4).toLongLong() != 0;
    user.createdAt = QDateTime::fromMSecsSinceEpoch(q.value(5).toLongLong(), Qt::UTC);
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(q.value(6).toLongLong(), Qt::UTC);
    return user;
}

const QString userColumns = QStringLiteral(
    "username, name, roles, departments, active, created_at, updated_at, password_hash");

UserProblem storage(const QString &message)
{
    return {UserProblem::Kind::Storage, message, {}};
}

QStringList deduplicated(QStringList list)
{
    list.removeDuplicates();
    return list;
}

} // namespace

UserDirectory::UserDirectory(Database &database, const Clock &clock)
    : m_database(database)
    , m_clock(clock)
{
}

bool UserDirectory::isValidUsername(const QString &username)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}\\z"));
    return pattern.match(username).hasMatch();
}

QMap<QString, QString> UserDirectory::check(const UserInput &input,
                                            const Organisation &organisation) const
{
    QMap<QString, QString> fields;
    if (input.name && (input.name->trimmed().isEmpty() || input.name->size() > 200))
        fields.insert(QStringLiteral("name"), QStringLiteral("must be 1 to 200 characters"));
    if (input.password && input.password->size() < minimumPasswordLength)
        fields.insert(QStringLiteral("password"),
                      QStringLiteral("must be at least %1 characters").arg(minimumPasswordLength));
    if (input.password && input.password->size() > 1024)
        fields.insert(QStringLiteral("password"),
                      QStringLiteral("must be at most 1024 characters"));
    if (input.departments) {
        QStringList unknown;
        for (const QString &d : *input.departments)
            if (!organisation.departments.contains(d))
                unknown.append(d);
        if (!unknown.isEmpty())
            fields.insert(
                QStringLiteral("departments"),
                QStringLiteral("unknown department: %1").arg(unknown.join(QStringLiteral(", "))));
    }
    if (input.roles) {
        QStringList unknown;
        for (const QString &r : *input.roles)
            if (!organisation.hasRole(r))
                unknown.append(r);
        if (!unknown.isEmpty())
            fields.insert(
                QStringLiteral("roles"),
                QStringLiteral("unknown role: %1").arg(unknown.join(QStringLiteral(", "))));
    }
    return fields;
}

std::variant<User, UserProblem> UserDirectory::create(const QString &username,
                                                      const UserInput &input,
                                                      const Organisation &organisation)
{
    QMap<QString, QString> fields = check(input, organisation);
    if (!isValidUsername(username))
        fields.insert(QStringLiteral("username"),
                      QStringLiteral("use 1 to 64 lower-case letters, digits, '.', '_' or '-'"));
    if (!input.name)
        fields.insert(QStringLiteral("name"), QStringLiteral("required"));
    if (!input.password)
        fields.insert(QStringLiteral("password"), QStringLiteral("required"));
    if (!fields.isEmpty())
        return UserProblem {UserProblem::Kind::Invalid, QStringLiteral("The user is not valid."),
                            fields};

    const auto hash = PasswordHasher::hash(*input.password);
    if (!hash)
        return storage(hash.error());
    auto db = m_database.connection();
    if (!db)
        return storage(db.error());
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    User user;
    user.username = username;
    user.name = input.name->trimmed();
    user.roles = deduplicated(input.roles.value_or(QStringList()));
    user.departments = deduplicated(input.departments.value_or(QStringList()));
    user.active = input.active.value_or(true);
    user.createdAt = user.updatedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);

    Transaction transaction(*db);
    if (!transaction.isActive())
        return storage(transaction.error());
    auto existing
        = runQuery(*db, QStringLiteral("SELECT 1 FROM users WHERE username = ?"), {username});
    if (!existing)
        return storage(existing.error());
    if (existing->next())
        return UserProblem {UserProblem::Kind::Taken,
                            QStringLiteral("The username %1 is taken.").arg(username),
                            {{QStringLiteral("username"), QStringLiteral("taken")}}};
    auto inserted = runQuery(
        *db,
        QStringLiteral("INSERT INTO users (username, name, password_hash, roles, departments, "
                       "active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        {username, user.name, QString::fromLatin1(*hash), toJsonText(user.roles),
         toJsonText(user.departments), user.active ? 1 : 0, now, now});
    if (!inserted)
        return storage(inserted.error());
    if (auto committed = transaction.commit(); !committed)
        return storage(committed.error());
    rememberDepartments(user);
    return user;
}

std::variant<User, UserProblem> UserDirectory::update(const QString &username,
                                                      const UserInput &input,
                                                      const Organisation &organisation)
{
    const QMap<QString, QString> fields = check(input, organisation);
    if (!fields.isEmpty())
        return UserProblem {UserProblem::Kind::Invalid, QStringLiteral("The change is not valid."),
                            fields};
    QByteArray hash;
    if (input.password) {
        auto hashed = PasswordHasher::hash(*input.password);
        if (!hashed)
            return storage(hashed.error());
        hash = *hashed;
    }
    auto db = m_database.connection();
    if (!db)
        return storage(db.error());
    Transaction transaction(*db);
    if (!transaction.isActive())
        return storage(transaction.error());
    auto found = runQuery(*db,
                          QStringLiteral("SELECT ") + userColumns
                              + QStringLiteral(" FROM users WHERE username = ?"),
                          {username});
    if (!found)
        return storage(found.error());
    if (!found->next())
        return UserProblem {
            UserProblem::Kind::NotFound, QStringLiteral("No user %1.").arg(username), {}};
    User user = userFromQuery(*found);
    found->finish();
    if (input.name)
        user.name = input.name->trimmed();
    if (input.roles)
        user.roles = deduplicated(*input.roles);
    if (input.departments)
        user.departments = deduplicated(*input.departments);
    if (input.active)
        user.active = *input.active;
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    QString sql = QStringLiteral(
        "UPDATE users SET name = ?, roles = ?, departments = ?, active = ?, updated_at = ?");
    QVariantList values {user.name, toJsonText(user.roles), toJsonText(user.departments),
                         user.active ? 1 : 0, now};
    if (input.password) {
        sql += QStringLiteral(", password_hash = ?");
        values.append(QString::fromLatin1(hash));
    }
    sql += QStringLiteral(" WHERE username = ?");
    values.append(username);
    if (auto updated = runQuery(*db, sql, values); !updated)
        return storage(updated.error());
    // A new password or a disabled account ends every session of the user at once.
    if (input.password || !user.active) {
        if (auto revoked
            = runQuery(*db, QStringLiteral("DELETE FROM sessions WHERE username = ?"), {username});
            !revoked)
            return storage(revoked.error());
    }
    if (auto committed = transaction.commit(); !committed)
        return storage(committed.error());
    rememberDepartments(user);
    return user;
}

void UserDirectory::rememberDepartments(const User &user)
{
    QWriteLocker lock(&m_departmentsLock);
    m_departments.insert(user.username, user.departments);
}

QStringList UserDirectory::departmentsOf(const QString &username)
{
    {
        QReadLocker lock(&m_departmentsLock);
        if (const auto it = m_departments.constFind(username); it != m_departments.cend())
            return it.value();
    }
    auto found = find(username);
    if (!found)
        return {}; // asked again next time
    const QStringList departments = found->has_value() ? (*found)->departments : QStringList();
    // Only if still missing: a create() or update() that committed meanwhile knows better than
    // what was read before it.
    QWriteLocker lock(&m_departmentsLock);
    if (!m_departments.contains(username))
        m_departments.insert(username, departments);
    return m_departments.value(username);
}

Result<std::optional<User>> UserDirectory::find(const QString &username)
{
    auto found = findWithHash(username);
    if (!found)
        return makeError(found.error());
    if (!found->has_value())
        return std::optional<User>();
    return std::optional<User>(found->value().first);
}

Result<std::optional<std::pair<User, QVariant>>> UserDirectory::userRow(const QString &sql,
                                                                        const QString &key)
{
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    auto q = runQuery(*db, sql, {key});
    if (!q)
        return makeError(q.error());
    if (!q->next())
        return std::optional<std::pair<User, QVariant>>();
    return std::optional(std::pair {userFromQuery(*q), q->value(7)});
}

Result<std::optional<std::pair<User, QByteArray>>>
UserDirectory::findWithHash(const QString &username)
{
    auto row = userRow(QStringLiteral("SELECT ") + userColumns
                           + QStringLiteral(" FROM users WHERE username = ?"),
                       username);
    if (!row)
        return makeError(row.error());
    if (!row->has_value())
        return std::optional<std::pair<User, QByteArray>>();
    return std::optional(std::pair {(*row)->first, (*row)->second.toString().toLatin1()});
}

Result<std::optional<std::pair<User, qint64>>>
UserDirectory::findBySession(const QString &tokenHash)
{
    auto row = userRow(QStringLiteral("SELECT u.username, u.name, u.roles, u.departments, "
                                      "u.active, u.created_at, u.updated_at, s.expires_at FROM "
                                      "sessions s JOIN users u ON u.username = s.username WHERE "
                                      "s.token_hash = ?"),
                       tokenHash);
    if (!row)
        return makeError(row.error());
    if (!row->has_value())
        return std::optional<std::pair<User, qint64>>();
    return std::optional(std::pair {(*row)->first, (*row)->second.toLongLong()});
}

Result<QList<User>> UserDirectory::list()
{
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    auto q = runQuery(*db,
                      QStringLiteral("SELECT ") + userColumns
                          + QStringLiteral(" FROM users ORDER BY username"));
    if (!q)
        return makeError(q.error());
    QList<User> users;
    while (q->next())
        users.append(userFromQuery(*q));
    return users;
}

Result<void> UserDirectory::setPasswordHash(const QString &username, const QByteArray &hash)
{
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    auto q = runQuery(*db, QStringLiteral("UPDATE users SET password_hash = ? WHERE username = ?"),
                      {QString::fromLatin1(hash), username});
    if (!q)
        return makeError(q.error());
    return {};
}

} // namespace Baton

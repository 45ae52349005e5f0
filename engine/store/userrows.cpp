// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/userrows.h"

#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

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

// The contact columns are NOT NULL DEFAULT '': an unset value is written empty (Qt binds a
// null QString as NULL).
QString textOrEmpty(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

std::optional<qint64> optionalMs(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}

QVariant msOrNull(const std::optional<qint64> &ms)
{
    return ms ? QVariant(*ms) : QVariant(QMetaType(QMetaType::LongLong));
}

/// Columns 0-15 as userColumns; column 16 is the caller's.
UserRow rowFromQuery(const QSqlQuery &q)
{
    UserRow row;
    row.username = q.value(0).toString();
    row.name = q.value(1).toString();
    row.roles = fromJsonText(q.value(2).toString());
    row.departments = fromJsonText(q.value(3).toString());
    row.active = q.value(4).toLongLong() != 0;
    row.createdAt = q.value(5).toLongLong();
    row.updatedAt = q.value(6).toLongLong();
    row.email = q.value(7).toString();
    row.phone = q.value(8).toString();
    row.language = q.value(9).toString();
    row.skills = fromJsonText(q.value(10).toString());
    row.awayFrom = optionalMs(q.value(11));
    row.awayUntil = optionalMs(q.value(12));
    row.substitute = q.value(13).toString();
    row.preferences = q.value(14).toString().toUtf8();
    row.timeZone = q.value(15).toString();
    return row;
}

const QString userColumns = QStringLiteral(
    "username, name, roles, departments, active, created_at, updated_at, email, phone, "
    "language, skills, away_from, away_until, substitute, preferences, time_zone, password_hash");

} // namespace

Result<bool> UserRows::exists(const QSqlDatabase &db, const QString &username)
{
    auto q = runQuery(db, QStringLiteral("SELECT 1 FROM users WHERE username = ?"), {username});
    if (!q)
        return q.failure();
    return q->next();
}

namespace {

Result<std::optional<UserRow>> findUser(const QSqlDatabase &db, const QString &username,
                                        const QString &lock)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT ") + userColumns
                          + QStringLiteral(" FROM users WHERE username = ?") + lock,
                      {username});
    if (!q)
        return q.failure();
    if (!q->next())
        return std::optional<UserRow>();
    UserRow row = rowFromQuery(*q);
    row.passwordHash = q->value(16).toString().toLatin1();
    return std::optional<UserRow>(std::move(row));
}

} // namespace

Result<std::optional<UserRow>> UserRows::find(const QSqlDatabase &db, const QString &username)
{
    return findUser(db, username, QString());
}

Result<std::optional<UserRow>> UserRows::findToChange(const QSqlDatabase &db,
                                                      const QString &username)
{
    // NO KEY: a session's insert (its foreign key takes KEY SHARE) need not wait for it.
    return findUser(db, username,
                    db.driverName() == u"QPSQL" ? QStringLiteral(" FOR NO KEY UPDATE") : QString());
}

Result<std::optional<std::pair<UserRow, qint64>>> UserRows::findBySession(const QSqlDatabase &db,
                                                                          const QString &tokenHash)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT u.username, u.name, u.roles, u.departments, "
                                     "u.active, u.created_at, u.updated_at, u.email, u.phone, "
                                     "u.language, u.skills, u.away_from, u.away_until, "
                                     "u.substitute, u.preferences, u.time_zone, s.expires_at FROM "
                                     "sessions s JOIN users u ON u.username = s.username WHERE "
                                     "s.token_hash = ?"),
                      {tokenHash});
    if (!q)
        return q.failure();
    if (!q->next())
        return std::optional<std::pair<UserRow, qint64>>();
    return std::optional(std::pair {rowFromQuery(*q), q->value(16).toLongLong()});
}

Result<QList<UserRow>> UserRows::all(const QSqlDatabase &db)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT ") + userColumns
                          + QStringLiteral(" FROM users ORDER BY username"));
    if (!q)
        return q.failure();
    QList<UserRow> rows;
    while (q->next())
        rows.append(rowFromQuery(*q));
    return rows;
}

Result<void> UserRows::insert(const QSqlDatabase &db, const UserRow &row)
{
    auto q = runQuery(
        db,
        QStringLiteral("INSERT INTO users (username, name, password_hash, roles, departments, "
                       "active, created_at, updated_at, email, phone, language, skills, time_zone) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {row.username, row.name, QString::fromLatin1(row.passwordHash), toJsonText(row.roles),
         toJsonText(row.departments), row.active ? 1 : 0, row.createdAt, row.updatedAt,
         textOrEmpty(row.email), textOrEmpty(row.phone), textOrEmpty(row.language),
         toJsonText(row.skills), textOrEmpty(row.timeZone)});
    if (!q)
        return q.failure();
    return {};
}

Result<void> UserRows::update(const QSqlDatabase &db, const UserRow &row, bool withPassword)
{
    QString sql = QStringLiteral(
        "UPDATE users SET name = ?, roles = ?, departments = ?, active = ?, updated_at = ?, "
        "email = ?, phone = ?, language = ?, skills = ?, time_zone = ?");
    QVariantList values {row.name,
                         toJsonText(row.roles),
                         toJsonText(row.departments),
                         row.active ? 1 : 0,
                         row.updatedAt,
                         textOrEmpty(row.email),
                         textOrEmpty(row.phone),
                         textOrEmpty(row.language),
                         toJsonText(row.skills),
                         textOrEmpty(row.timeZone)};
    if (withPassword) {
        sql += QStringLiteral(", password_hash = ?");
        values.append(QString::fromLatin1(row.passwordHash));
    }
    sql += QStringLiteral(" WHERE username = ?");
    values.append(row.username);
    if (auto q = runQuery(db, sql, values); !q)
        return q.failure();
    return {};
}

Result<void> UserRows::setAway(const QSqlDatabase &db, const QString &username,
                               std::optional<qint64> from, std::optional<qint64> until,
                               const QString &substitute, qint64 updatedAt)
{
    auto q
        = runQuery(db,
                   QStringLiteral("UPDATE users SET away_from = ?, away_until = ?, substitute "
                                  "= ?, updated_at = ? WHERE username = ?"),
                   {msOrNull(from), msOrNull(until), textOrEmpty(substitute), updatedAt, username});
    if (!q)
        return q.failure();
    return {};
}

Result<void> UserRows::setPreferences(const QSqlDatabase &db, const QString &username,
                                      const QByteArray &preferences, const QString &timeZone,
                                      qint64 updatedAt)
{
    auto q = runQuery(db,
                      QStringLiteral("UPDATE users SET preferences = ?, time_zone = ?, updated_at "
                                     "= ? WHERE username = ?"),
                      {QString::fromUtf8(preferences), textOrEmpty(timeZone), updatedAt, username});
    if (!q)
        return q.failure();
    return {};
}

Result<void> UserRows::setPasswordHash(const QSqlDatabase &db, const QString &username,
                                       const QByteArray &hash)
{
    auto q = runQuery(db, QStringLiteral("UPDATE users SET password_hash = ? WHERE username = ?"),
                      {QString::fromLatin1(hash), username});
    if (!q)
        return q.failure();
    return {};
}

} // namespace Baton

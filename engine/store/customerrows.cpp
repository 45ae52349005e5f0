// SPDX-License-Identifier: GPL-3.0-or-later
#include "customerrows.h"

#include "store/database.h"
#include "store/likepattern_p.h"
#include "store/searchtext.h"

#include <QSet>
#include <QSqlQuery>
#include <QVariant>

namespace Baton {

namespace {

const QString columns = QStringLiteral("id, name, tier, phone, email, updated_at");

QVariant textOrNull(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(text);
}

QVariant phoneKey(const QString &phone)
{
    return textOrNull(SearchText::normalisedPhone(phone));
}

CustomerRow rowFrom(const QSqlQuery &query)
{
    return {query.value(0).toString(), query.value(1).toString(), query.value(2).toString(),
            query.value(3).toString(), query.value(4).toString(), query.value(5).toLongLong()};
}

} // namespace

Result<QList<CustomerRow>> CustomerRows::find(const QSqlDatabase &db, const QString &text,
                                              int limit)
{
    const QString trimmed = text.trimmed();
    QList<CustomerRow> found;
    if (trimmed.isEmpty())
        return found;
    // Each way on its own (an index each, where one OR would scan), exact ids first.
    QString sql = u"SELECT " + columns + u", 0 AS rank FROM customers WHERE id IN (?, ?, ?)";
    QVariantList values {trimmed, trimmed.toUpper(), trimmed.toLower()};
    if (SearchText::looksLikePhone(trimmed)) {
        sql += u" UNION SELECT " + columns
            + u", 1 AS rank FROM customers WHERE phone_norm LIKE ? ESCAPE '\\'";
        values << likeAnywhere(SearchText::normalisedPhone(trimmed));
    } else {
        sql += u" UNION SELECT " + columns
            + u", 2 AS rank FROM customers WHERE LOWER(name) LIKE ? ESCAPE '\\'";
        values << likeAnywhere(trimmed.toLower());
    }
    auto query = runQuery(
        db, u"SELECT " + columns + u" FROM (" + sql + u") found ORDER BY rank, name, id LIMIT ?",
        values << limit);
    if (!query)
        return query.failure();
    QSet<QString> seen; // an exact id may also match by name
    while (query->next()) {
        CustomerRow row = rowFrom(*query);
        if (!seen.contains(row.id)) {
            seen.insert(row.id);
            found.append(std::move(row));
        }
    }
    return found;
}

Result<std::optional<CustomerRow>> CustomerRows::get(const QSqlDatabase &db, const QString &id)
{
    auto query = runQuery(db, u"SELECT " + columns + u" FROM customers WHERE id = ?", {id});
    if (!query)
        return query.failure();
    if (!query->next())
        return std::optional<CustomerRow>();
    return std::optional<CustomerRow>(rowFrom(*query));
}

Result<bool> CustomerRows::insert(const QSqlDatabase &db, const CustomerRow &row)
{
    auto query
        = runQuery(db,
                   QStringLiteral("INSERT INTO customers (id, name, tier, phone, email, "
                                  "phone_norm, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                  "ON CONFLICT (id) DO NOTHING"),
                   {row.id, textOrNull(row.name), textOrNull(row.tier), textOrNull(row.phone),
                    textOrNull(row.email), phoneKey(row.phone), row.updatedAt});
    if (!query)
        return query.failure();
    return query->numRowsAffected() > 0;
}

Result<bool> CustomerRows::update(const QSqlDatabase &db, const CustomerChange &change)
{
    QString sets = QStringLiteral("updated_at = ?");
    QVariantList values {change.row.updatedAt};
    const CustomerRow &row = change.row;
    for (const auto &[wanted, column, value] : {std::tuple {change.name, "name", &row.name},
                                                {change.tier, "tier", &row.tier},
                                                {change.email, "email", &row.email}})
        if (wanted) {
            sets += u", " + QLatin1String(column) + u" = ?";
            values << textOrNull(*value);
        }
    if (change.phone) {
        sets += QStringLiteral(", phone = ?, phone_norm = ?");
        values << textOrNull(row.phone) << phoneKey(row.phone);
    }
    auto query = runQuery(db, u"UPDATE customers SET " + sets + u" WHERE id = ?", values << row.id);
    if (!query)
        return query.failure();
    return query->numRowsAffected() > 0;
}

Result<CustomerRows::PutOutcome> CustomerRows::put(const QSqlDatabase &db, const CustomerRow &row)
{
    auto stored = get(db, row.id);
    if (!stored)
        return stored.failure();
    if (!*stored) {
        auto inserted = insert(db, row);
        if (!inserted)
            return inserted.failure();
        return PutOutcome::Added;
    }
    const CustomerRow &before = **stored;
    if (before.name == row.name && before.tier == row.tier && before.phone == row.phone
        && before.email == row.email)
        return PutOutcome::Unchanged;
    auto updated = update(db, {row, true, true, true, true});
    if (!updated)
        return updated.failure();
    return PutOutcome::Updated;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "customerrows.h"

#include "store/database.h"
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

QString likeContaining(const QString &text)
{
    QString pattern = text;
    pattern.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'%', QStringLiteral("\\%"))
        .replace(u'_', QStringLiteral("\\_"));
    return u'%' + pattern + u'%';
}

} // namespace

namespace {

/// Appends the query's customers not seen yet, up to `limit` in all.
Result<void> collect(Result<QSqlQuery> query, QList<CustomerRow> &found, QSet<QString> &seen,
                     int limit)
{
    if (!query)
        return query.failure();
    while (found.size() < limit && query->next()) {
        CustomerRow row = rowFrom(*query);
        if (!seen.contains(row.id)) {
            seen.insert(row.id);
            found.append(std::move(row));
        }
    }
    return {};
}

/// Customers whose normalised phone (`phone`) or lower-case name contains `part`, by name. Three
/// characters or more are a trigram index look-up (SQLite: customer_search, migration 25;
/// PostgreSQL: pg_trgm's GIN indexes of migration 13, which serve LIKE); fewer scan.
Result<QSqlQuery> containing(const QSqlDatabase &db, bool phone, const QString &part, int rows)
{
    const bool postgresql = db.driverName() == u"QPSQL";
    if (!postgresql && part.size() >= SearchText::trigram) {
        // An FTS5 phrase in one column, its double quotes doubled (the tokenizer folds case).
        const QString match
            = (phone ? QStringLiteral("{phone} : \"") : QStringLiteral("{name} : \""))
            + QString(part).replace(u'"', QStringLiteral("\"\"")) + u'"';
        QString qualified = columns;
        qualified.replace(QStringLiteral(", "), QStringLiteral(", c.")).prepend(u"c.");
        return runQuery(db,
                        u"SELECT " + qualified
                            + u" FROM customer_search s JOIN customer_keys k ON k.key = s.rowid "
                              u"JOIN customers c ON c.id = k.id WHERE customer_search MATCH ? "
                              u"ORDER BY c.name, c.id LIMIT ?",
                        {match, rows});
    }
    const QString column = phone ? QStringLiteral("phone_norm") : QStringLiteral("LOWER(name)");
    return runQuery(db,
                    u"SELECT " + columns + u" FROM customers WHERE " + column
                        + u" LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ?",
                    {likeContaining(part), rows});
}

} // namespace

Result<QList<CustomerRow>> CustomerRows::find(const QSqlDatabase &db, const QString &text,
                                              int limit)
{
    const QString trimmed = text.trimmed();
    QList<CustomerRow> found;
    QSet<QString> seen; // an exact id may also match by name
    if (trimmed.isEmpty() || limit <= 0)
        return found;
    // The exact id and the exact number first, each along its B-tree index: a customer read
    // off a card or the caller's number is found without reading any other customer.
    auto exact = collect(
        runQuery(db,
                 u"SELECT " + columns + u" FROM customers WHERE id IN (?, ?, ?) ORDER BY name, id",
                 {trimmed, trimmed.toUpper(), trimmed.toLower()}),
        found, seen, limit);
    if (!exact)
        return exact.failure();
    const bool phone = SearchText::looksLikePhone(trimmed);
    const QString number = phone ? SearchText::normalisedPhone(trimmed) : QString();
    if (phone) {
        exact = collect(runQuery(db,
                                 u"SELECT " + columns
                                     + u" FROM customers WHERE phone_norm = ? ORDER BY name, id",
                                 {number}),
                        found, seen, limit);
        if (!exact)
            return exact.failure();
    }
    if (found.size() >= limit)
        return found;
    // Then any part of the number or the name; the exact ones may come again.
    const int rows = limit + int(found.size());
    auto part = collect(containing(db, phone, phone ? number : trimmed.toLower(), rows), found,
                        seen, limit);
    if (!part)
        return part.failure();
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "answerrows.h"

#include "store/database.h"
#include "store/intransaction_p.h"

#include <QSqlQuery>
#include <QVariant>

namespace Baton {

namespace {

const QString columns = QStringLiteral("id, department, title_en, title_zh, body_en, body_zh, "
                                       "active, version, created_at, created_by, updated_at, "
                                       "updated_by");

AnswerRow rowFrom(const QSqlQuery &query)
{
    AnswerRow row;
    row.id = query.value(0).toLongLong();
    row.department = query.value(1).toString();
    row.titleEn = query.value(2).toString();
    row.titleZh = query.value(3).toString();
    row.bodyEn = query.value(4).toString();
    row.bodyZh = query.value(5).toString();
    row.active = query.value(6).toInt() != 0;
    row.version = query.value(7).toInt();
    row.createdAt = query.value(8).toLongLong();
    row.createdBy = query.value(9).toString();
    row.updatedAt = query.value(10).toLongLong();
    row.updatedBy = query.value(11).toString();
    return row;
}

Result<QList<AnswerRow>> rowsOf(Result<QSqlQuery> query)
{
    if (!query)
        return query.failure();
    QList<AnswerRow> rows;
    while (query->next())
        rows.append(rowFrom(*query));
    return rows;
}

/// The history row of `row` as it now is.
Result<void> recordVersion(const QSqlDatabase &db, const AnswerRow &row)
{
    auto query = runQuery(
        db,
        QStringLiteral("INSERT INTO answer_versions (answer_id, version, department, title_en, "
                       "title_zh, body_en, body_zh, active, changed_at, changed_by) VALUES (?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, ?)"),
        {row.id, row.version, row.department, row.titleEn, row.titleZh, row.bodyEn, row.bodyZh,
         row.active ? 1 : 0, row.updatedAt, row.updatedBy});
    if (!query)
        return query.failure();
    return {};
}

} // namespace

Result<QList<AnswerRow>> AnswerRows::all(const QSqlDatabase &db, bool withWithdrawn)
{
    return rowsOf(runQuery(db,
                           u"SELECT " + columns + u" FROM answers"
                               + (withWithdrawn ? QString() : QStringLiteral(" WHERE active = 1"))
                               + u" ORDER BY department, title_en, id"));
}

Result<std::optional<AnswerRow>> AnswerRows::get(const QSqlDatabase &db, qint64 id)
{
    auto rows = rowsOf(runQuery(db, u"SELECT " + columns + u" FROM answers WHERE id = ?", {id}));
    if (!rows)
        return rows.failure();
    if (rows->isEmpty())
        return std::optional<AnswerRow>();
    return std::optional<AnswerRow>(rows->first());
}

Result<qint64> AnswerRows::insert(const QSqlDatabase &db, const AnswerRow &given)
{
    return inTransaction(db, [&](const QSqlDatabase &) -> Result<qint64> {
        AnswerRow row = given;
        row.version = 1;
        row.updatedAt = row.createdAt;
        row.updatedBy = row.createdBy;
        auto query = runQuery(
            db,
            QStringLiteral("INSERT INTO answers (department, title_en, title_zh, body_en, "
                           "body_zh, active, version, created_at, created_by, updated_at, "
                           "updated_by) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id"),
            {row.department, row.titleEn, row.titleZh, row.bodyEn, row.bodyZh, row.active ? 1 : 0,
             row.createdAt, row.createdBy, row.updatedAt, row.updatedBy});
        if (!query)
            return query.failure();
        if (!query->next())
            return makeError(QStringLiteral("database error: the new answer has no id"));
        row.id = query->value(0).toLongLong();
        query->finish();
        if (auto recorded = recordVersion(db, row); !recorded)
            return recorded.failure();
        return row.id;
    });
}

Result<bool> AnswerRows::update(const QSqlDatabase &db, const AnswerRow &row)
{
    return inTransaction(db, [&](const QSqlDatabase &) -> Result<bool> {
        auto query = runQuery(
            db,
            QStringLiteral("UPDATE answers SET department = ?, title_en = ?, title_zh = ?, "
                           "body_en = ?, body_zh = ?, active = ?, version = ?, updated_at = ?, "
                           "updated_by = ? WHERE id = ? AND version = ?"),
            {row.department, row.titleEn, row.titleZh, row.bodyEn, row.bodyZh, row.active ? 1 : 0,
             row.version, row.updatedAt, row.updatedBy, row.id, row.version - 1});
        if (!query)
            return query.failure();
        if (query->numRowsAffected() < 1)
            return false; // changed meanwhile: nothing written
        if (auto recorded = recordVersion(db, row); !recorded)
            return recorded.failure();
        return true;
    });
}

Result<QList<AnswerRow>> AnswerRows::versions(const QSqlDatabase &db, qint64 id)
{
    return rowsOf(runQuery(db,
                           QStringLiteral("SELECT answer_id, department, title_en, title_zh, "
                                          "body_en, body_zh, active, version, 0, '', changed_at, "
                                          "changed_by FROM answer_versions WHERE answer_id = ? "
                                          "ORDER BY version DESC"),
                           {id}));
}

} // namespace Baton

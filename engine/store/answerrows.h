// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace Baton {

/// One standard answer as a department publishes it (issue 16, "one company, one voice"):
/// a title and a body in English and Chinese, the body with placeholders such as
/// `{customer.name}` that the agent's reply fills in. `version` counts its changes from 1.
struct AnswerRow
{
    qint64 id = 0;
    QString department;
    QString titleEn, titleZh, bodyEn, bodyZh;
    bool active = true; ///< false: withdrawn (kept, with its history, but not offered)
    int version = 0;
    qint64 createdAt = 0;
    QString createdBy;
    qint64 updatedAt = 0; ///< for a version row: when that version was written
    QString updatedBy; ///< for a version row: who wrote it
};

/// The SQL of the `answers` table and of its history, `answer_versions` (migration 22): every
/// write stores the whole new version as a history row in the same transaction, so that the
/// history is complete and each row says who wrote it and when.
class AnswerRows
{
public:
    /// Every answer, by department then English title; withdrawn ones only with
    /// `withWithdrawn`. (A company's standard answers are hundreds, not millions: the caller
    /// filters a search in memory, in both languages at once.)
    static Result<QList<AnswerRow>> all(const QSqlDatabase &db, bool withWithdrawn);
    static Result<std::optional<AnswerRow>> get(const QSqlDatabase &db, qint64 id);
    /// Inserts `row` as version 1 (its id, version, updated* are set from created*); the new id.
    static Result<qint64> insert(const QSqlDatabase &db, const AnswerRow &row);
    /// Writes `row` as version `row.version` when the stored one is `row.version - 1`; false
    /// (nothing written) when another change came first or the answer does not exist.
    static Result<bool> update(const QSqlDatabase &db, const AnswerRow &row);
    /// Every version of an answer, newest first (updatedAt/updatedBy: when and by whom).
    static Result<QList<AnswerRow>> versions(const QSqlDatabase &db, qint64 id);
};

} // namespace Baton

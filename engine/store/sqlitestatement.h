// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>

#include <optional>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace Baton {

/// A statement prepared on a Qt SQLite connection's own sqlite3 handle, for the group-commit
/// writer. Binding through Qt costs more than running the statement: QSqlResult::bindValue
/// formats and hashes a placeholder name for every value, and text goes through UTF-16.
/// Values bind as Qt's SQLite driver binds them (integers, reals, UTF-8 text, blobs, NULL),
/// so rows read back the same either way. Use it on the connection's own thread only.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    /// Prepares `sql` (positional `?` placeholders) on `db`, a QSQLITE connection.
    static Result<SqliteStatement> prepare(const QSqlDatabase &db, const QString &sql);

    struct Outcome
    {
        qint64 rowsChanged = 0;
        std::optional<qint64> firstValue; ///< the first column of the first row, if any
    };
    /// Binds values[0..count) to the placeholders in order, runs the statement to its end
    /// and resets it for the next run. A failure is logged under baton.store; errorCode
    /// (optional) receives a SQLSTATE for the failures that refuse a value or row (22021 for
    /// text holding U+0000, which is refused as PostgreSQL refuses it; 23000 for a constraint;
    /// 54000 for a value too big; 22000 for a type mismatch), else "sqlite N" (SQLite's
    /// extended result code).
    Result<Outcome> run(const QVariant *values, qsizetype count, QString *errorCode = nullptr);

private:
    /// The count of values matches the placeholders, and no text holds U+0000.
    Result<void> checkValues(const QVariant *values, qsizetype count, QString *errorCode) const;
    /// Binds one value (position from 1); SQLite's result code.
    int bind(int position, const QVariant &value);

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    std::vector<QByteArray> m_texts; ///< UTF-8 of the bound strings, alive until the run ends
};

} // namespace Baton

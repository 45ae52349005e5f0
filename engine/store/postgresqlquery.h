// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the store: statements with values on PostgreSQL, bound through libpq on the Qt
// PostgreSQL connection's own handle (runQuery uses it).

#include "core/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace Baton {

/// Runs `sql` (positional `?` placeholders outside string literals) with values[0..count)
/// bound as parameters of the extended protocol: PQexecParams sends Parse, Bind, Describe,
/// Execute and Sync in one flight, so a statement costs one round trip — QPSQL's prepared
/// statements cost three (PREPARE, EXECUTE, DEALLOCATE) and still write the values into the
/// EXECUTE's text. Values never enter the statement's text. Integers go as int8, reals as
/// float8, booleans as bool, byte arrays as bytea (binary), instants as timestamptz, and text
/// untyped, as a quoted literal would (the server infers its type from where it stands). A
/// text value holding U+0000 is refused before anything is sent (libpq would cut it there).
/// The rows come back in a QSqlQuery read as QPSQL's are (same value types). On failure,
/// errorCode (optional) receives the SQLSTATE; failures are logged under baton.store with the
/// statement, never its values.
/// An empty query on `db` (a PostgreSQL connection) whose prepare() and exec() run through
/// libpq: prepare() numbers the `?` placeholders; the first exec() with given value types
/// prepares a named statement on the server (PQprepare) and every exec() runs it with the
/// bound values as parameters (PQexecPrepared: one round trip, no parse or plan), bound as
/// runPostgreSqlQuery binds them. QPSQL's own prepare() would run `EXECUTE name (values)`,
/// the values written into the text. Rows read as QPSQL's; on failure lastError() has the
/// SQLSTATE as nativeErrorCode(). The statements are dropped with the query (DEALLOCATE) while
/// its connection is open.
QSqlQuery postgreSqlStatement(const QSqlDatabase &db);

Result<QSqlQuery> runPostgreSqlQuery(const QSqlDatabase &db, const QString &sql,
                                     const QVariant *values, qsizetype count,
                                     QString *errorCode = nullptr);

} // namespace Baton

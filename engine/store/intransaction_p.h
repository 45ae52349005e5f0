// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to engine/store: a write that must land whole, written once — connection, BEGIN, the
// work, COMMIT, rollback on any failure — instead of in every function that writes.

#include "store/database.h"

#include <type_traits>

namespace Baton {

/// Runs `work(db)` — which returns a Result — in a Transaction on `db` and commits when it
/// succeeds. A failure of BEGIN, of `work` or of COMMIT is returned, the transaction rolled back.
/// (`work` may succeed without writing: the empty transaction commits, as a rollback would.)
template<typename Work>
auto inTransaction(const QSqlDatabase &db, Work &&work)
    -> std::invoke_result_t<Work &, const QSqlDatabase &>
{
    Transaction transaction(db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    auto result = work(db);
    if (!result)
        return result;
    if (auto committed = transaction.commit(); !committed)
        return committed.failure();
    return result;
}

/// The same on the calling thread's connection of `database`.
template<typename Work>
auto inTransaction(Database &database, Work &&work)
    -> std::invoke_result_t<Work &, const QSqlDatabase &>
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    return inTransaction(*db, work);
}

} // namespace Baton

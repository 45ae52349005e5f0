// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>

namespace Baton {

/// Where the engine's writer takes new ticket ids from. SQLite has one writer, which counts on
/// from the highest id written. On PostgreSQL several servers may share the database: each
/// draws blocks of `blockSize` ids from sequence ticket_ids (one round trip per block).
class TicketIds
{
public:
    static constexpr int blockSize = 32;
    /// PostgreSQL: the first id of the next block of the sequence (the block is reserved).
    static Result<qint64> drawBlock(const QSqlDatabase &db);
    /// SQLite: the highest ticket id written, 0 when there is none.
    static Result<qint64> highestId(const QSqlDatabase &db);
};

} // namespace Baton

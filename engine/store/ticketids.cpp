// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketids.h"

#include "store/database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Baton {

Result<qint64> TicketIds::drawBlock(const QSqlDatabase &db)
{
    // The sequence's INCREMENT BY is blockSize (schema.cpp).
    auto block = runQuery(db, QStringLiteral("SELECT nextval('ticket_ids')"));
    if (!block)
        return Error {block.error()};
    if (!block->next())
        return makeError(QStringLiteral("sequence ticket_ids gave no value"));
    return block->value(0).toLongLong();
}

Result<qint64> TicketIds::highestId(const QSqlDatabase &db)
{
    auto max = runQuery(db, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM tickets"));
    if (!max)
        return Error {max.error()};
    return max->next() ? max->value(0).toLongLong() : 0;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/ticketcount.h"

#include "store/database.h"

#include <QSqlQuery>
#include <QVariant>

namespace Baton {

Result<qint64> countTickets(Database &database)
{
    auto db = database.connection();
    if (!db)
        return Error {db.error()};
    auto count = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM tickets"));
    if (!count)
        return Error {count.error()};
    if (!count->next())
        return makeError(QStringLiteral("cannot count tickets"));
    return count->value(0).toLongLong();
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/openticketscan.h"

#include "store/database.h"

#include <QSqlQuery>

namespace Baton {

Result<void> OpenTicketScan::each(const QSqlDatabase &db,
                                  const std::function<void(const QByteArray &)> &visit)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT state_data FROM tickets WHERE status = ? "
                                         "ORDER BY id"),
                          {QStringLiteral("open")});
    if (!query)
        return Error {query.error()};
    while (query->next())
        visit(query->value(0).toByteArray());
    return {};
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Within the store: a query whose answer is a list of ids (defined in database.cpp).

#include "core/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QVariantList>

namespace Baton {

/// Runs `sql` like runQuery() and reads its first column as ids, in the rows' order.
Result<QList<qint64>> runIdQuery(const QSqlDatabase &db, const QString &sql,
                                 const QVariantList &values = {});

} // namespace Baton

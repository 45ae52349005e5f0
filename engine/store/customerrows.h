// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketrows.h"

#include <QSqlDatabase>

#include <optional>

namespace Baton {

/// Which members of a CustomerRow a write sets (the others keep their stored value).
struct CustomerChange
{
    CustomerRow row;
    bool name = false, tier = false, phone = false, email = false;
};

/// The SQL of the `customers` table (the engine's writer also upserts the customer of each
/// ticket opened). Phones are stored with their normalised form (column phone_norm,
/// SearchText::normalisedPhone) so that a number is found however it was written.
class CustomerRows
{
public:
    /// Customers whose id is `text` (any case), whose normalised phone contains the query's
    /// normalised digits, or whose name contains `text` (any part, any case); exact ids
    /// first, then by name. At most `limit`.
    static Result<QList<CustomerRow>> find(const QSqlDatabase &db, const QString &text, int limit);
    static Result<std::optional<CustomerRow>> get(const QSqlDatabase &db, const QString &id);
    /// Inserts a new customer; false (nothing written) when the id is taken.
    static Result<bool> insert(const QSqlDatabase &db, const CustomerRow &row);
    /// Writes the members `change` names; false when there is no such customer.
    static Result<bool> update(const QSqlDatabase &db, const CustomerChange &change);
    enum class PutOutcome { Added, Updated, Unchanged };
    /// Inserts or overwrites every member (the import): the same row twice leaves one row,
    /// and a row equal to the stored one is not written (its updated_at stays).
    static Result<PutOutcome> put(const QSqlDatabase &db, const CustomerRow &row);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to engine/api: how a handler opens — the path's id, this thread's connection, the row
// or 404 — without writing out the failure answers each time. Each helper answers the failure
// itself (through apiError, the one mapping of failures to statuses) and hands back nullopt, so
// the handler only returns.

#include "api/apierror.h"
#include "api/apiserver_p.h"
#include "store/database.h"

#include <optional>

namespace Baton::Api {

/// The value of `result`; nullopt once its failure was answered.
template<typename T> std::optional<T> valueOrError(const Context &ctx, Result<T> result)
{
    if (!result) {
        ctx.fail(apiError(result.failure()));
        return std::nullopt;
    }
    return std::move(result).value();
}

/// The row `found` holds; nullopt once its failure, or 404 with `notFound` when there is no such
/// row, was answered.
template<typename T>
std::optional<T> rowOr404(const Context &ctx, Result<std::optional<T>> found,
                          const QString &notFound)
{
    auto row = valueOrError(ctx, std::move(found));
    if (!row)
        return std::nullopt;
    if (!*row) {
        ctx.fail(ApiError::notFound(notFound));
        return std::nullopt;
    }
    return std::move(*row);
}

/// This thread's connection to `database`; nullopt once its failure was answered.
inline std::optional<QSqlDatabase> threadConnection(const Context &ctx, Database &database)
{
    return valueOrError(ctx, database.connection());
}

} // namespace Baton::Api

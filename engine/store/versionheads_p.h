// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the workflow and organisation versions: the rows the start-up rule looks at.
#pragma once

#include "store/workflowversions.h"

#include <QSqlDatabase>
#include <QVariant>

namespace Baton {

struct VersionHeads
{
    std::optional<VersionHead> newest;
    std::optional<VersionHead> newestFromFile;
};

/// The heads of one workflow's versions (`name`) or of the organisation's (null `name`, table
/// org_versions).
Result<VersionHeads> readVersionHeads(const QSqlDatabase &db, const QString &table,
                                      const QVariant &name);

/// The origin columns of a row: origin, origin_path, published_by.
VersionOrigin originFrom(const QVariant &kind, const QVariant &path, const QVariant &publishedBy);

/// The values of (origin, origin_path, published_by) to store for `origin`.
QVariantList originColumns(const VersionOrigin &origin);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Within the store: text to find anywhere in a column with LIKE ... ESCAPE '\' (customers and
// ticket search on PostgreSQL, where pg_trgm's GIN index serves such a pattern).

#include <QString>

namespace Baton {

/// `text` as a LIKE pattern matching it anywhere: its \, % and _ escaped, % on both sides.
inline QString likeAnywhere(const QString &text)
{
    QString pattern = text;
    pattern.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'%', QStringLiteral("\\%"))
        .replace(u'_', QStringLiteral("\\_"));
    return u'%' + pattern + u'%';
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the store: rules every way of binding values shares (Qt's drivers, SQLite's own
// handle, libpq), so that both databases refuse the same values with the same error.

#include <QString>
#include <QVariant>

#include <optional>

namespace Baton {

/// The SQLSTATE of a text value holding U+0000 (PostgreSQL's character_not_in_repertoire,
/// which it reports for a NUL byte in UTF-8 text). SQLite reports it too: neither database
/// stores it (PostgreSQL cannot; SQLite would cut the text at it in most functions).
inline const QString nulInTextSqlState = QStringLiteral("22021");

/// A text value holding U+0000: which of the values (from 0) and where in it (from 0).
struct NulInText
{
    qsizetype value = 0;
    qsizetype at = 0;
};
/// The first text value in values[0..count) that holds U+0000, if any. libpq would cut such a
/// value at the NUL without a word.
std::optional<NulInText> findNulInText(const QVariant *values, qsizetype count);
/// The error for it, naming the value (its position and the statement's start) but not its
/// text, which may be private.
QString nulInTextError(const NulInText &found, const QString &sql);

/// Whether a statement's failure `code` (a SQLSTATE; SqliteStatement reports the same classes)
/// is the database refusing a value or row of the statement — a data exception (class 22), an
/// integrity constraint (23) or a limit such as an index row too large (54) — rather than the
/// database failing (connection, disk, locks): the group commit then retries without the
/// command that brought the row.
bool isRowRefusal(const QString &code);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QIODevice;
QT_END_NAMESPACE

namespace Baton {

class Database;

/// One attached file's description (the `attachments` table); its content is in
/// `attachment_chunks`.
struct AttachmentRow
{
    qint64 id = 0;
    qint64 ticketId = 0;
    QString name;
    QString contentType;
    qint64 size = 0;
    QByteArray sha256; ///< lower-case hex
    QString uploadedBy;
    qint64 createdAt = 0; ///< ms since the epoch
};

/// The SQL of attachments. Content goes in and out in chunks of chunkBytes, so neither side
/// ever holds a whole file: SQLite BLOB rows, PostgreSQL bytea rows (not large objects, which
/// pg_dump leaves out unless asked and which outlive a deleted row).
class AttachmentRows
{
public:
    static constexpr qint64 chunkBytes = 256 * 1024;

    /// Stores the content read from `content` (from where it stands to its end) with `row`'s
    /// description, in one transaction: the file is there completely or not at all, and on disk
    /// when this returns (the databases' commit). Fills in id, size and sha256.
    static Result<AttachmentRow> store(const QSqlDatabase &db, AttachmentRow row,
                                       QIODevice &content);
    /// A ticket's attachments, oldest first.
    static Result<QList<AttachmentRow>> ofTicket(const QSqlDatabase &db, qint64 ticketId);
    /// The attachment `id` if it belongs to `ticketId`.
    static Result<std::optional<AttachmentRow>> get(const QSqlDatabase &db, qint64 ticketId,
                                                    qint64 id);
    /// The content as a sequential device, open for reading, that fetches one chunk at a time
    /// on the connection of the thread that reads it.
    static std::unique_ptr<QIODevice> content(std::shared_ptr<Database> database,
                                              const AttachmentRow &row);
};

} // namespace Baton

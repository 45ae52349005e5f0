// SPDX-License-Identifier: GPL-3.0-or-later
#include "attachmentrows.h"

#include "store/database.h"
#include "store/intransaction_p.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QIODevice>
#include <QSqlQuery>
#include <QVariant>

#include <cstring>

namespace Baton {

namespace {

const QString columns
    = QStringLiteral("id, ticket_id, name, content_type, size, sha256, uploaded_by, created_at");

AttachmentRow rowFrom(const QSqlQuery &query)
{
    AttachmentRow row;
    row.id = query.value(0).toLongLong();
    row.ticketId = query.value(1).toLongLong();
    row.name = query.value(2).toString();
    row.contentType = query.value(3).toString();
    row.size = query.value(4).toLongLong();
    row.sha256 = query.value(5).toString().toLatin1();
    row.uploadedBy = query.value(6).toString();
    row.createdAt = query.value(7).toLongLong();
    return row;
}

/// Reads the chunks in order, one query per chunk, each on the reading thread's own
/// connection: an attachment never changes once stored, so the chunks need no common snapshot.
class ChunkReader : public QIODevice
{
public:
    ChunkReader(std::shared_ptr<Database> database, qint64 attachment, qint64 size)
        : m_database(std::move(database))
        , m_attachment(attachment)
        , m_size(size)
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override
    {
        return m_size - m_delivered + QIODevice::bytesAvailable();
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (m_offset >= m_chunk.size()) {
            if (m_delivered >= m_size)
                return -1;
            if (!fetch(m_nextSeq++))
                return -1;
        }
        const qint64 n = qMin<qint64>(maxSize, m_chunk.size() - m_offset);
        std::memcpy(data, m_chunk.constData() + m_offset, size_t(n));
        m_offset += n;
        m_delivered += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    bool fetch(qint64 seq)
    {
        auto db = m_database->connection();
        if (!db)
            return false;
        auto query = runQuery(
            *db,
            QStringLiteral(
                "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?"),
            {m_attachment, seq});
        if (!query || !query->next())
            return false;
        m_chunk = query->value(0).toByteArray();
        m_offset = 0;
        return !m_chunk.isEmpty();
    }

    std::shared_ptr<Database> m_database;
    qint64 m_attachment;
    qint64 m_size;
    qint64 m_delivered = 0;
    qint64 m_nextSeq = 0;
    QByteArray m_chunk;
    qint64 m_offset = 0;
};

Result<void> storeChunks(const QSqlDatabase &db, AttachmentRow &row, QIODevice &content)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const QString insert = QStringLiteral(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)");
    qint64 seq = 0;
    row.size = 0;
    for (;;) {
        const QByteArray chunk = content.read(AttachmentRows::chunkBytes);
        if (chunk.isEmpty())
            break;
        hash.addData(chunk);
        row.size += chunk.size();
        if (auto written = runQuery(db, insert, {row.id, seq++, chunk}); !written)
            return written.failure();
    }
    if (content.bytesAvailable() > 0 || (!content.isSequential() && !content.atEnd()))
        return makeError(QStringLiteral("the upload could not be read to its end"));
    row.sha256 = hash.result().toHex();
    auto described = runQuery(db,
                              QStringLiteral("UPDATE attachments SET size = ?, sha256 = ? "
                                             "WHERE id = ?"),
                              {row.size, QString::fromLatin1(row.sha256), row.id});
    if (!described)
        return described.failure();
    return {};
}

} // namespace

Result<AttachmentRow> AttachmentRows::store(const QSqlDatabase &db, AttachmentRow row,
                                            QIODevice &content)
{
    return inTransaction(db, [&](const QSqlDatabase &) -> Result<AttachmentRow> {
        if (row.createdAt == 0)
            row.createdAt = QDateTime::currentMSecsSinceEpoch();
        auto inserted = runQuery(
            db,
            QStringLiteral("INSERT INTO attachments (ticket_id, name, content_type, size, sha256, "
                           "uploaded_by, created_at) VALUES (?, ?, ?, 0, '', ?, ?) RETURNING id"),
            {row.ticketId, row.name, row.contentType, row.uploadedBy, row.createdAt});
        if (!inserted)
            return inserted.failure();
        if (!inserted->next())
            return makeError(QStringLiteral("the attachment got no id"));
        row.id = inserted->value(0).toLongLong();
        inserted->finish();
        if (auto stored = storeChunks(db, row, content); !stored)
            return stored.failure();
        return row;
    });
}

Result<QList<AttachmentRow>> AttachmentRows::ofTicket(const QSqlDatabase &db, qint64 ticketId)
{
    auto query
        = runQuery(db, u"SELECT " + columns + u" FROM attachments WHERE ticket_id = ? ORDER BY id",
                   {ticketId});
    if (!query)
        return query.failure();
    QList<AttachmentRow> rows;
    while (query->next())
        rows.append(rowFrom(*query));
    return rows;
}

Result<std::optional<AttachmentRow>> AttachmentRows::get(const QSqlDatabase &db, qint64 ticketId,
                                                         qint64 id)
{
    auto query
        = runQuery(db, u"SELECT " + columns + u" FROM attachments WHERE id = ? AND ticket_id = ?",
                   {id, ticketId});
    if (!query)
        return query.failure();
    if (!query->next())
        return std::optional<AttachmentRow>();
    return std::optional<AttachmentRow>(rowFrom(*query));
}

std::unique_ptr<QIODevice> AttachmentRows::content(std::shared_ptr<Database> database,
                                                   const AttachmentRow &row)
{
    return std::make_unique<ChunkReader>(std::move(database), row.id, row.size);
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketrows.h"

#include <memory>

namespace Baton {

class Database;

/// Writes batches on one connection (the engine's writer thread), reusing prepared
/// statements: all rows of a batch in one transaction, hence one commit and one fsync.
class TicketWriter
{
public:
    explicit TicketWriter(std::shared_ptr<Database> database);
    ~TicketWriter();
    /// What a write tells besides success.
    struct WriteReport
    {
        QList<qint64> notificationIds; ///< of batch.notifications, in order
        /// Changed tickets whose row no longer held the previous version (another server
        /// wrote them): the batch was rolled back and must be built again from the database.
        QList<qint64> staleTickets;
        /// The database refused a value or row of the batch (a data exception, a constraint,
        /// a limit, text holding U+0000): the failure belongs to the command that brought it,
        /// not to the database, and the batch may succeed without that command.
        bool rowsRefused = false;
        /// The database broke off the batch for another writer's sake: a deadlock or a
        /// serialisation failure (SQLSTATE 40P01, 40001), in whichever statement it met. Like
        /// staleTickets, the batch may succeed when built again.
        bool conflicted = false;
    };
    /// Writes the batch in one transaction. A changed ticket with its previous row is updated
    /// only if the database still holds that row's version.
    Result<void> write(const WriteBatch &batch, WriteReport *report = nullptr);

private:
    struct Statements;
    Result<void> prepare();
    Result<void> writeRows(const WriteBatch &batch, WriteReport *report);
    std::shared_ptr<Database> m_database;
    std::unique_ptr<Statements> m_statements;
};

} // namespace Baton

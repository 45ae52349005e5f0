// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/ticketrows.h"

#include <QSqlDatabase>
#include <QSqlQuery>

#include <optional>

namespace Baton {

/// Reads tickets one by one through statements prepared once on one connection: the engine's
/// writer reads every ticket it does not hold this way, and preparing the two statements anew
/// cost more than running them. Use it on the thread whose connection it was made with.
class TicketLoader
{
public:
    explicit TicketLoader(QSqlDatabase db);
    ~TicketLoader();
    TicketLoader(const TicketLoader &) = delete;
    TicketLoader &operator=(const TicketLoader &) = delete;
    /// As TicketReader::ticket.
    Result<std::optional<TicketRow>> ticket(qint64 id);
    const QSqlDatabase &database() const { return m_db; }

private:
    QSqlDatabase m_db;
    std::optional<QSqlQuery> m_ticket, m_queues;
};

} // namespace Baton

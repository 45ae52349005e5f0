// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/ticketrows.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace Baton {

/// Filters of the ticket list (interfaces.md GET /tickets). Empty members do not filter.
struct TicketFilter
{
    /// queue: tickets in that queue, or with an open branch there (sorted by that branch's due).
    /// assignee: tickets whose assignee, or one of whose branches' assignee, it is.
    QString queue, state, assignee, originator, customer, status, text;
    QString sla; ///< "at_risk" or "breached" as of `now`
    qint64 now = 0; ///< ms since the epoch, for sla
    enum class Sort { DueAsc, DueDesc, CreatedAsc, CreatedDesc, UpdatedAsc, UpdatedDesc };
    Sort sort = Sort::DueAsc;
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
    /// Visibility, the rule of access.cpp's canSee: unless seeAll, only tickets whose
    /// originator, assignee or a branch's assignee is `viewer`, or that have been in one of
    /// `viewerQueues`.
    bool seeAll = false;
    QString viewer;
    QStringList viewerQueues;

    static std::optional<Sort> parseSort(const QString &text); ///< due, -due, created, ...
};

struct TicketPage
{
    QList<TicketRow> items;
    QString nextCursor; ///< empty on the last page
};

} // namespace Baton

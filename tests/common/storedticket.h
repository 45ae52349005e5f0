// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the database holds of one ticket, read back the way a restarted server would: its row's
// state and its events. Tests compare the two through replay() (a row must equal the replay of
// its events), so every suite that checks durability reads them the same way.

#include "runtime/engine.h"
#include "runtime/ticketstate.h"
#include "store/database.h"
#include "store/ticketreader.h"

#include <QJsonDocument>
#include <QList>

namespace Baton {

inline QList<Event> storedEvents(Database &database, qint64 id)
{
    QList<Event> events;
    auto db = database.connection();
    auto rows = TicketReader::events(*db, id);
    if (rows)
        for (const EventRow &row : std::as_const(*rows))
            events.append(eventOf(row));
    return events;
}

/// The ticket's row as state; a default TicketState (id 0) when there is no such row.
inline TicketState storedTicket(Database &database, qint64 id)
{
    auto db = database.connection();
    auto row = TicketReader::ticket(*db, id);
    if (!row || !row->has_value())
        return {};
    return TicketState::fromJson(QJsonDocument::fromJson((*row)->stateData).object());
}

} // namespace Baton

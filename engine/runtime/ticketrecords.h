// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The runtime's ticket state and events mapped onto the store's rows, and back.

#include "runtime/ticketstate.h"
#include "store/ticketrows.h"

namespace Baton {

/// The JSON of a ticket state, mapped onto the tickets table's columns.
TicketRow ticketRowOf(const TicketState &state);
/// Events as stored, and back.
EventRow eventRowOf(qint64 ticketId, const Event &event);
Event eventOf(const EventRow &row);

} // namespace Baton

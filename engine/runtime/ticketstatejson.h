// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Parts of a ticket written as compact JSON text that the stored state
// (TicketState::toCompactJson) and the API's ticket reply (writeTicketJson) share, so that the
// two stay byte for byte what QJsonDocument writes for the same objects.

#include "core/jsontext.h"
#include "runtime/ticketstate.h"

namespace Baton {

/// Customer::toJson() as text: only the members that are set, in the order Qt sorts them.
void writeCustomerJson(JsonText &json, const Customer &customer);
/// The "links" array: each link's id, key, relation and workflow.
void writeLinksJson(JsonText &json, const QList<TicketLink> &links);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "runtime/ticketmachine.h"
#include "runtime/ticketstate.h"
#include "store/ticketrows.h"

#include <QDateTime>
#include <QList>

#include <functional>

namespace Baton {

/// The messages to the outside that a command's events cause (the outbox; delivery/), staged
/// with the command's rows so that they commit with its events or not at all. Runs on the
/// engine's writer thread for every command that appends events: quick, no input/output. The
/// engine calls it only when one is set (no channels configured: none, and no cost).
/// `notifications` are the command's notices to people (mail and SMS carry them).
using OutboxPlanner = std::function<QList<OutboxRow>(
    const TicketState &ticket, const QList<Event> &events,
    const QList<NotificationRecord> &notifications, const QDateTime &now)>;

} // namespace Baton

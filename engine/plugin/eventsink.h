// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Somewhere events go as they are committed: an audit archive, a message bus, a data
// warehouse. Sinks see the ticket's event log as the engine wrote it, in commit order per
// ticket, at least once (through the outbox, like notifications): a sink that needs exactly
// once drops records whose (ticketId, sequence) it has already stored.

#include "core/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QtPlugin>

namespace Baton {

/// One committed event of one ticket.
struct EventRecord
{
    QString deliveryId; ///< stable across retries
    qint64 ticketId = 0;
    int sequence = 0; ///< the event's place in its ticket's log, from 1
    QString type; ///< "opened", "transitioned", "sla_breached", ...
    QString workflow;
    QString actor; ///< user name, or empty for the system (timers)
    QDateTime at; ///< UTC
    QJsonObject data; ///< the event's own fields, as stored
};

class EventSink
{
public:
    virtual ~EventSink() = default;

    /// Event types this sink wants; empty means every type. Read once at load.
    virtual QStringList eventTypes() const = 0;

    /// Takes one record; an error makes the outbox retry it later. Runs on the delivery worker.
    virtual Result<void> consume(const EventRecord &record) = 0;
};

} // namespace Baton

#define BatonEventSink_iid "org.baton.EventSink/1.0"
Q_DECLARE_INTERFACE(Baton::EventSink, BatonEventSink_iid)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// JSON shapes of interfaces.md for tickets, users, notifications and workflows.

#include "auth/userdirectory.h"
#include "core/jsontext.h"
#include "runtime/access.h"
#include "runtime/ticketview.h"
#include "store/ticketrows.h"

#include <QJsonArray>
#include <QJsonObject>

namespace Baton::Api {

QString rfc3339(const QDateTime &instant); ///< "2026-11-23T08:30:00Z"; null QDateTime → ""
QJsonValue timeOrNull(const QDateTime &instant);

/// The language an `Accept-Language` header asks for: the supported language (zh*, en*) of the
/// highest quality, first given on a tie; English when none is supported or the header is absent.
Language preferredLanguage(QByteArrayView acceptLanguage);

/// The Ticket object of a view (the engine's: Engine::ticket(), Engine::view()); its actions
/// and transfer targets are what the view's user may do now. Workflow text (state, action and
/// queue titles) is in `language`. With the view's SLA figures (TicketView::sla), "sla",
/// "ticket_sla" and each branch's "sla" carry them (null where no target applies); without
/// them, the documented shape with unknown values.
QJsonObject ticketJson(const TicketView &view, const Organisation &organisation, Language language);
/// The compact JSON text of ticketJson() with markAssigneesAway(`away`) and, when given,
/// `"attachments"` — byte for byte what QJsonDocument writes for that object — written straight
/// into `json` without building it: the reply of every ticket write and read (issue 20: building
/// and serialising the object was 13% of the server's CPU per action).
void writeTicketJson(JsonText &json, const TicketView &view, const Organisation &organisation,
                     Language language, const QSet<QString> &away,
                     const QJsonArray *attachments = nullptr);
QByteArray ticketJsonText(const TicketView &view, const Organisation &organisation,
                          Language language, const QSet<QString> &away,
                          const QJsonArray *attachments = nullptr);
/// Adds `"assignee_away"` (true while the assignee is away now) to a ticketJson() object and to
/// each of its branches.
void markAssigneesAway(QJsonObject &ticket, const QSet<QString> &away);
/// `{"from", "until", "substitute"}` while the user has an absence recorded, else null.
QJsonValue awayJson(const User &user);
/// User: {"username", "name", "roles", "departments", "queues", "skills", "away", "active"}.
QJsonObject userJson(const User &user, const Organisation &organisation);
QJsonObject notificationJson(const NotificationRow &row);
QJsonObject eventJson(const Event &event);

} // namespace Baton::Api

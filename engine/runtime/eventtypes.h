// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The names of the events a ticket's log holds (Event::type, events.type) and of the
// notifications the rules send (NotificationRecord::kind): stored, sent over the API
// (interfaces.md) and replayed, so they never change. Not constexpr: QString is no literal
// type; each is initialised from a QStringLiteral, whose text is static, so that copying one
// into an Event costs neither an allocation nor a reference count.

#include <QString>

namespace Baton {

namespace EventTypes {
inline const QString opened = QStringLiteral("opened");
inline const QString transitioned = QStringLiteral("transitioned");
inline const QString returnedToOriginator = QStringLiteral("returned_to_originator");
inline const QString closed = QStringLiteral("closed");
inline const QString reopened = QStringLiteral("reopened");
inline const QString commented = QStringLiteral("commented");
/// A file was attached: data {"attachment": id, "name", "size", "content_type", "sha256"}.
inline const QString attached = QStringLiteral("attached");
inline const QString fieldsChanged = QStringLiteral("fields_changed");
inline const QString branchCompleted = QStringLiteral("branch_completed");
inline const QString claimed = QStringLiteral("claimed");
inline const QString assigned = QStringLiteral("assigned");
inline const QString transferred = QStringLiteral("transferred");
inline const QString handoffLimit = QStringLiteral("handoff_limit");
inline const QString linked = QStringLiteral("linked");
inline const QString slaWarning = QStringLiteral("sla_warning");
inline const QString slaBreached = QStringLiteral("sla_breached");
inline const QString escalated = QStringLiteral("escalated");
inline const QString timedOut = QStringLiteral("timed_out");
inline const QString linkScheduled = QStringLiteral("link_scheduled");
/// A pending link that could not be opened when it came due, dropped: data {"scheduled",
/// "workflow", "reason"}.
inline const QString linkFailed = QStringLiteral("link_failed");
} // namespace EventTypes

namespace NotificationKinds {
inline const QString returnedToOriginator = QStringLiteral("returned_to_originator");
inline const QString transitioned = QStringLiteral("transitioned");
inline const QString assigned = QStringLiteral("assigned");
inline const QString handoffLimit = QStringLiteral("handoff_limit");
inline const QString slaWarning = QStringLiteral("sla_warning");
inline const QString slaBreached = QStringLiteral("sla_breached");
inline const QString escalated = QStringLiteral("escalated");
inline const QString timedOut = QStringLiteral("timed_out");
inline const QString linkFailed = QStringLiteral("link_failed");
} // namespace NotificationKinds

/// TicketLink::relation, in the `linked` event's data and the links table.
namespace LinkRelations {
inline const QString opened = QStringLiteral("opened"); ///< this ticket opened the other
inline const QString openedFrom = QStringLiteral("opened_from"); ///< the other opened this one
// Made by people (POST .../links and .../merge); each side records its own relation.
inline const QString relatesTo = QStringLiteral("relates_to"); ///< both sides
inline const QString duplicateOf = QStringLiteral("duplicate_of"); ///< this one repeats the other
inline const QString duplicatedBy = QStringLiteral("duplicated_by"); ///< the other repeats this
inline const QString mergedInto = QStringLiteral("merged_into"); ///< closed into the other
inline const QString mergedFrom = QStringLiteral("merged_from"); ///< the other was merged here
} // namespace LinkRelations

} // namespace Baton

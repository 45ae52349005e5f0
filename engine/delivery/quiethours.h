// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A user's quiet hours (preferences `quiet_hours`): notices by mail or SMS that come due in
// them are held by the delivery worker until they end (the bell is never held). An urgent
// notice — the breach of an A-tier customer's ticket — still goes out unless the user turned
// `breaches` off; any other breach waits like every notice.
//
//   {"quiet_hours": {"from": "22:00", "until": "07:00", "timezone": "Asia/Hong_Kong",
//                    "breaches": true}}
//
// Without `timezone` the hours are on the user's own time zone's clock (users.time_zone), and
// on UTC's for a user without one.

#include "core/result.h"

#include <QJsonObject>
#include <QTime>
#include <QTimeZone>

#include <optional>

namespace Baton {

struct QuietHours
{
    QTime from;
    QTime until; ///< before `from`: the period runs over midnight
    QTimeZone zone;
    bool breaches = true; ///< urgent notices are delivered during quiet hours

    /// The end of the quiet period `atMs` falls in (ms since the epoch), or nullopt when it
    /// does not fall in one.
    std::optional<qint64> endOfQuietAt(qint64 atMs) const;
    /// Until when a notice is held at `atMs`: the end of the quiet period, unless the notice
    /// is urgent (urgentNotice) and the user lets urgent ones through.
    std::optional<qint64> heldUntil(bool urgent, qint64 atMs) const;
};

/// Whether a notice of `kind` about a ticket of a customer of `customerTier` is urgent: the
/// breach of an A-tier customer's ticket. Decided when the notice is routed (the tier as the
/// breach found it) and carried on its outbox row.
bool urgentNotice(const QString &kind, const QString &customerTier);

/// Reads `quiet_hours` of a preferences object: nullopt when there is none; an error naming
/// the key at fault for a bad one ("quiet_hours.from must be HH:MM"). Hours without a
/// `timezone` of their own are on `ownZone`'s clock: the user's own time zone (ownTimeZone()).
Result<std::optional<QuietHours>> quietHoursOf(const QJsonObject &preferences,
                                               const QTimeZone &ownZone = QTimeZone::utc());

/// A user's own time zone (users.time_zone) as quiet hours read it: UTC when they have none
/// (the organisation's default for quiet hours) or it is not known here.
QTimeZone ownTimeZone(const QString &name);

} // namespace Baton

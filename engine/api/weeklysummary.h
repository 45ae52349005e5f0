// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The weekly summary mail to each supervisor (issue 17; README "Reports"): the steps of their
// departments that breached most, satisfaction and the backlog, over the last whole week — read
// through the same report functions the API answers with (so a supervisor's mail shows what
// their Reports page shows) and queued in the outbox like every other mail: durable, retried,
// sent by the delivery worker through the email channel.

#include "core/result.h"
#include "definition/channelsreader.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QTimeZone>

#include <optional>

namespace Baton {

class Database;
class Engine;

namespace Api {

/// The week a summary covers: the last whole week before `now` in a zone, Monday 00:00 to the
/// next Monday 00:00 there (ms since the epoch), and when its Sunday began (the backlog's day).
struct SummaryWeek
{
    QDate monday;
    qint64 from = 0, to = 0;
    qint64 sunday = 0;
    QTimeZone zone;
};
SummaryWeek lastWholeWeek(const QDateTime &now, const QTimeZone &zone = QTimeZone::utc());

/// The channel summaries go through: the first `email` channel whose `events:` is empty or
/// names `weekly_summary`; none when there is no such channel.
std::optional<QString> summaryChannel(const QList<ChannelDefinition> &channels);

/// What one round of queueWeeklySummaries did.
struct WeeklySummaryRun
{
    int composed = 0; ///< summaries composed (those not queued yet)
    int queued = 0; ///< of those, added to the outbox (another server may have been first)
};

/// Queues the summary of the last whole week before `now` for every active supervisor with an
/// email address, one outbox row each with delivery id "weekly.MONDAY.CHANNEL.USER": a summary
/// already queued is not queued again (restarts, several servers, an admin asking twice), and
/// not composed again either — which are due is one look at the outbox. Each supervisor's week
/// is theirs: in the zone of their quiet hours, else of their first department's calendar, else
/// UTC; MONDAY is its first day there.
Result<WeeklySummaryRun> queueWeeklySummaries(Engine &engine, Database &database,
                                              const QString &channel, const QDateTime &now);

} // namespace Api
} // namespace Baton

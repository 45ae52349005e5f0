// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/workflowset.h"
#include "services/demoaccounts.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>

namespace Baton {

/// Builds a large SQLite database through the real schema: a few hundred template tickets are
/// made by the engine itself (the demo tickets of every shipped workflow, then transferred to
/// and claimed in every queue of org.yaml), and their rows (ticket, events, timers, queues)
/// are cloned with new ids, keys, customers and instants by the store's own TicketWriter in
/// large transactions. Every instant is relative to `reference`, a fixed instant, so that a
/// cached file stays valid: the benchmark runs its engine on a clock that starts there.
///
/// The newest ids are the open tickets (created in the last two weeks); the older ones are
/// closed and spread over two years. Finally the engine's own TimerScheduler fires every
/// timer due before `reference` on a clock moved hour by hour, as a running server would have.
class BigDbGenerator
{
public:
    struct Options
    {
        QString path; ///< the SQLite file to write (replaced)
        QString workflowsDir;
        qint64 tickets = 1000000;
        qint64 open = 200000;
        int customers = 100000;
        QDateTime reference;
    };
    struct Report
    {
        int templates = 0;
        int openTemplates = 0;
        qint64 tickets = 0, events = 0, timers = 0;
        qint64 timersFired = 0; ///< by the catch-up to the reference instant
        double seconds = 0;
    };
    /// Bumped whenever the output changes: the benchmark's cache file is named after it.
    static constexpr int version = 6;

    static Result<Report> generate(const Options &options);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Reports on big data (issue 17, "fast on big data"): the step facts rolled up per quarter of an
// hour and key (step_rollup, migration 31), and per UTC day and key (step_rollup_daily) for the
// days compacted (step_rollup_days, migration 35), so that a report over a month reads some
// thousand rows laid out in time order instead of a million facts scattered over the facts table
// (its key is the ticket). The quarter hours are kept by the engine's writer in the transaction of
// the facts it sums (TicketWriter: one upsert per bucket and key of a commit group, no trigger),
// with `column = column + excluded.column`, so that several servers on one PostgreSQL add up. The
// daily level is built from the quarter hours OFF the write path, a UTC day once it has ended
// (compactStepRollup, `baton serve`'s report upkeep thread): writing it in every commit group cost
// a page per group, and its value lists grew all day. A day is in the daily level exactly when it
// is recorded in step_rollup_days; a fact of a recorded day (a late one) is added to both levels
// by the writer, which looks the day up after its quarter-hour upsert (see compactDay for why that
// order is enough on PostgreSQL). A period reads its whole UTC days from the daily level where
// they are compacted and from the quarter hours where not, the rest from quarter hours: every
// real zone offset is a multiple of 15 minutes, so a period of whole local days (the presets) in
// any zone is whole quarter hours; only a custom instant inside one reads the facts of that
// partial quarter hour. The times are kept as lists of exact values, so percentiles from the
// roll-up are exact.
//
// A bucket and key may hold many steps: a busy queue's unclaimed steps at national volume gather
// thousands in a quarter hour (in bench_http_load nearly every action falls into about six keys,
// ~150 values a second each). Were the key one row, every commit group would rewrite its whole
// list with its overflow pages: the bytes written per request grew with what the quarter hour
// already held (78 KB → 126 KB per request at 1,000 actions/s after a minute's load; migration
// 40). So a key's quarter hour is kept in chunks (`chunk` in the key): the writer appends to one
// until it holds about half a kilobyte of values (StepRollupChunks, in memory), then starts the
// next, and a commit group rewrites a row that fits in its page whatever the quarter hour holds.
// The chunk is no part of the meaning: a report sums a key's rows whatever their chunks, the
// back-fill and the compaction write chunk 0 (a day's rows in one), and several servers, a
// restart or a forgotten cache only make a chunk a little longer, never a sum wrong. `branch`
// keeps a parallel state's branch steps apart from the state's own steps (the flow report reads
// the own ones; StepReportQuery::ownSteps).

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>

#include <functional>
#include <limits>
#include <optional>
#include <tuple>

namespace Baton {

class Database;

/// The two levels of the roll-up: quarter hours (table step_rollup) for the ends of a period,
/// UTC days (step_rollup_daily) for the days within it. A bucket is an instant's ms since the
/// epoch divided by the level's span, rounded down.
enum class RollupLevel { QuarterHour, Day };
constexpr qint64 stepRollupQuarterMs = 15 * 60 * 1000;
constexpr qint64 stepRollupDayMs = 24 * 3600 * 1000;
constexpr qint64 rollupSpanMs(RollupLevel level)
{
    return level == RollupLevel::Day ? stepRollupDayMs : stepRollupQuarterMs;
}

/// The bucket of `level` an instant (ms since the epoch) falls in: floored, also before 1970.
constexpr qint64 rollupBucketOf(qint64 at, RollupLevel level)
{
    const qint64 span = rollupSpanMs(level);
    return at >= 0 ? at / span : -((-at + span - 1) / span);
}

/// One bucket and key of the roll-up: the sums of the facts that left in it.
struct StepRollupRow
{
    qint64 bucket = 0; ///< left_at / rollupSpanMs(level), rounded down
    QString workflow, state;
    bool branch = false; ///< a parallel state's branch's steps (not the ticket's own)
    QString queue, department, assignee, tier, origin;
    qint64 chunk = 0; ///< no meaning: see the header's comment; 0 for the back-fill's rows
    qint64 steps = 0, pausedSteps = 0, pausedSeconds = 0;
    qint64 respondDue = 0, respondMet = 0, resolveDue = 0, resolveMet = 0;
    qint64 breached = 0, escalated = 0, transfers = 0;
    /// The business and clock seconds of the steps outside pause states, each followed by a
    /// space ("1200 4200 "): appending is SQL's `||`, on both databases.
    QString businessValues, clockValues;
    friend bool operator==(const StepRollupRow &, const StepRollupRow &) = default;
};

class StepRollupStore
{
public:
    /// The columns of an upsert's row, and how many.
    static const char *const columns;
    static constexpr int columnCount = 22;
    /// "INSERT INTO step_rollup (columns) VALUES ", the row's "(?, …)" and the tail that adds
    /// a row to the one already there.
    static QString upsertHead(RollupLevel level);
    static QString upsertRow();
    static QString upsertTail(RollupLevel level);

    /// `facts` summed per bucket of `level` and key (one row each, in key order).
    static QList<StepRollupRow> rollUp(const QList<StepFactRow> &facts, RollupLevel level);
    /// Appends the row's values in `columns` order.
    static void appendValues(QList<QVariant> &values, const StepRollupRow &row);
    /// A chunk number for a writer's new chunk: increasing within the process, from a base
    /// that a later process (a restart) or another server is unlikely to share.
    static qint64 newChunk();

    /// Whether reports may read the roll-up: neither its back-fill nor the facts' is pending
    /// (report_backfills has no row for either; while one is, the facts are read).
    static Result<bool> ready(const QSqlDatabase &db);
    /// Calls `row` for each roll-up row of `level`'s buckets [firstBucket, endBucket) that the
    /// query's workflow and departments select. RollupLevel::Day: a day not compacted yet is
    /// read from its quarter hours (its rows then come per quarter hour, each with the day as
    /// its bucket), so the sums are the days' all the same.
    static Result<void> read(const QSqlDatabase &db, const StepReportQuery &query,
                             RollupLevel level, qint64 firstBucket, qint64 endBucket,
                             const std::function<void(const StepRollupRow &)> &row);

    /// Sums the facts of UTC days [firstDay, endDay) again, replacing their rows at both
    /// levels; the days before `compactBeforeDay` are written compacted (daily rows and their
    /// record), the others as quarter hours only. In the caller's transaction (which must hold
    /// off the writer: see backfillStepRollup).
    static Result<void> rebuild(const QSqlDatabase &db, qint64 firstDay, qint64 endDay,
                                qint64 compactBeforeDay);
    /// rebuild() in two parts: the facts of UTC days [firstDay, endDay), read (no lock needed),
    /// and their sums written in place of the days' rows (in the caller's transaction).
    static Result<QList<StepFactRow>> factsOf(const QSqlDatabase &db, qint64 firstDay,
                                              qint64 endDay);
    static Result<void> replace(const QSqlDatabase &db, qint64 firstDay, qint64 endDay,
                                const QList<StepFactRow> &facts, qint64 compactBeforeDay);

    /// Whether the UTC day is compacted (recorded in step_rollup_days): the writer adds a fact
    /// of such a day to the daily level as well.
    static const char *const compactedDayQuery;
    /// The day's quarter hours summed into its daily rows, and the day recorded; nothing when it
    /// is recorded already. In the caller's transaction, which must hold off the writer
    /// (compactStepRollup). Returns whether it compacted the day.
    static Result<bool> compactDay(const QSqlDatabase &db, qint64 day);
    /// How many facts left in the days and the sum of their left_at: read from the left_at
    /// index alone, it tells whether facts read earlier are still the days' facts.
    struct Fingerprint
    {
        qint64 count = 0, leftAtSum = 0;
        friend bool operator==(const Fingerprint &, const Fingerprint &) = default;
    };
    static Result<Fingerprint> fingerprintOf(const QSqlDatabase &db, qint64 firstDay,
                                             qint64 endDay);
    static Fingerprint fingerprintOf(const QList<StepFactRow> &facts);
    /// Queues every bucket of the facts for rebuilding (migration 31; after the facts'
    /// back-fill replaced facts).
    static Result<void> queueRebuild(const QSqlDatabase &db);
};

/// The most characters of values (business and clock) the writer appends to a chunk before it
/// starts the next: with the key and the counts the row stays under SQLite's ~1,000 bytes kept
/// in an index B-tree's page (the table is WITHOUT ROWID), and under PostgreSQL's TOAST threshold.
constexpr qsizetype stepRollupChunkChars = 512;

/// The writer's chunks of the quarter hours: per bucket and key, the chunk it appends to and how
/// many characters of values it put there. Memory only, the current and previous quarter hour;
/// a chunk forgotten (a restart) or shared (another server) is still a correct sum to append to.
class StepRollupChunks
{
public:
    /// Gives each row (of one commit group, StepRollupStore::rollUp) its chunk: the key's
    /// current one while it holds fewer than stepRollupChunkChars, else a new one. A row larger
    /// than that alone (a big commit group) is its own chunk.
    void assign(QList<StepRollupRow> &rows);

private:
    using Key
        = std::tuple<qint64, QString, QString, bool, QString, QString, QString, QString, QString>;
    struct Open
    {
        qint64 chunk = 0;
        qsizetype chars = 0;
    };
    QMap<Key, Open> m_open;
    qint64 m_latestBucket = std::numeric_limits<qint64>::min();
};

/// Rebuilds the days queued in report_backfills ('step_rollup': next_ticket..last_ticket
/// hold the first and last UTC day left), `chunk` days per transaction, saving the position
/// with each, while the engine writes: the days' facts are read first, outside any
/// transaction, and only written under the lock (SQLite: BEGIN IMMEDIATE holds the write lock;
/// PostgreSQL: the table locked against the writer's upserts for the transaction), after a
/// look at the left_at index says they did not change meanwhile. Removes the
/// record when done. Returns the number of days rebuilt. Stops between chunks once
/// `stopRequested` says so.
/// `compactBeforeDay`: the days rebuilt before it are compacted at once (their facts are in
/// hand), the others left to compactStepRollup.
/// `afterReadAhead` (tests): called between a chunk's read and its transaction, where a write
/// to the days read is what the look at the index must catch.
Result<qint64> backfillStepRollup(Database &database, int chunk = 1,
                                  const std::function<bool()> &stopRequested = {},
                                  qint64 compactBeforeDay = std::numeric_limits<qint64>::max(),
                                  const std::function<void()> &afterReadAhead = {});

/// Compacts every UTC day before `endDay` that has quarter hours and no record yet, one
/// transaction per day (PostgreSQL: the roll-up's tables locked against the writers' upserts
/// for it, so that two servers doing it at once compact a day once, and no fact is in
/// neither level). Returns the number of days compacted. Stops between days once
/// `stopRequested` says so.
Result<qint64> compactStepRollup(Database &database, qint64 endDay,
                                 const std::function<bool()> &stopRequested = {});

/// Parses a values list (StepRollupRow::businessValues) onto `out`.
void appendRollupValues(QList<qint64> &out, const QString &values);

} // namespace Baton

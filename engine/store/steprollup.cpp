// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/steprollup.h"

#include "store/database.h"
#include "store/stepfactsql_p.h"
#include "store/storelog.h"
#include "store/ticketcolumns.h"

#include <QDateTime>
#include <QMap>
#include <QSet>
#include <QSqlQuery>

#include <atomic>
#include <optional>
#include <tuple>
#include <utility>

namespace Baton {

const char *const StepRollupStore::columns
    = "bucket, workflow, state, branch, queue, department, assignee, tier, origin, chunk, steps, "
      "paused_steps, paused_seconds, respond_due, respond_met, resolve_due, resolve_met, breached, "
      "escalated, transfers, business_values, clock_values";

const char *const StepRollupStore::compactedDayQuery
    = "SELECT 1 FROM step_rollup_days WHERE day = ?";

namespace {

const char *const keyColumns
    = "bucket, workflow, state, branch, queue, department, assignee, tier, origin, chunk";

// Text columns are NOT NULL: a null QString binds as NULL through Qt's drivers.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

qint64 bucketOf(qint64 at, qint64 span)
{
    // Floor, also before 1970 (tests' clocks never go there, but a division must not lie).
    return at >= 0 ? at / span : -((-at + span - 1) / span);
}

qint64 bucketOf(qint64 leftAt, RollupLevel level)
{
    return rollupBucketOf(leftAt, level);
}

QString tableOf(RollupLevel level)
{
    return level == RollupLevel::Day ? QStringLiteral("step_rollup_daily")
                                     : QStringLiteral("step_rollup");
}

constexpr qint64 quartersPerDay = stepRollupDayMs / stepRollupQuarterMs;

// Rows of one level written at once (20 values each): a statement per row cost a round trip
// each on PostgreSQL, and a compacted day of a big database has thousands.
Result<void> insertRows(const QSqlDatabase &db, RollupLevel level, const QList<StepRollupRow> &rows)
{
    constexpr qsizetype perStatement = 50;
    for (qsizetype done = 0; done < rows.size(); done += perStatement) {
        const qsizetype count = std::min(perStatement, rows.size() - done);
        QVariantList values;
        for (qsizetype n = done; n < done + count; ++n)
            StepRollupStore::appendValues(values, rows[n]);
        const QString sql = StepRollupStore::upsertHead(level)
            + QStringList(count, StepRollupStore::upsertRow()).join(QStringLiteral(", "));
        if (auto inserted = runQuery(db, sql, values); !inserted)
            return inserted.failure();
    }
    return {};
}

// The days [firstDay, endDay) out of the daily level: their rows and their records.
Result<void> forgetDays(const QSqlDatabase &db, qint64 firstDay, qint64 endDay)
{
    if (auto deleted = runQuery(
            db, QStringLiteral("DELETE FROM step_rollup_daily WHERE bucket >= ? AND bucket < ?"),
            {firstDay, endDay});
        !deleted)
        return deleted.failure();
    if (auto deleted
        = runQuery(db, QStringLiteral("DELETE FROM step_rollup_days WHERE day >= ? AND day < ?"),
                   {firstDay, endDay});
        !deleted)
        return deleted.failure();
    return {};
}

Result<void> recordDays(const QSqlDatabase &db, qint64 firstDay, qint64 endDay)
{
    for (qint64 day = firstDay; day < endDay; ++day)
        if (auto recorded
            = runQuery(db, QStringLiteral("INSERT INTO step_rollup_days (day) VALUES (?)"), {day});
            !recorded)
            return recorded.failure();
    return {};
}

// Reads the rows of `table`'s buckets [first, end) that the query selects; each row's bucket
// divided by `divisor` (a day's quarter hours read as the day).
Result<void> readTable(const QSqlDatabase &db, const QString &table, const StepReportQuery &query,
                       qint64 first, qint64 end, qint64 divisor,
                       const std::function<void(const StepRollupRow &)> &row)
{
    if (first >= end)
        return {};
    QString sql
        = QStringLiteral(
              "SELECT bucket, workflow, state, branch, queue, department, assignee, tier, origin, "
              "chunk, steps, paused_steps, paused_seconds, respond_due, respond_met, resolve_due, "
              "resolve_met, breached, escalated, transfers, business_values, clock_values FROM %1 "
              "WHERE bucket >= ? AND bucket < ?")
              .arg(table);
    QVariantList values {first, end};
    if (!StepFactSql::appendScope(sql, values, query))
        return {};
    if (query.ownSteps)
        sql += QStringLiteral(" AND branch = 0");
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    StepRollupRow r;
    while (rows->next()) {
        int c = 0;
        auto next = [&] { return rows->value(c++); };
        r.bucket = bucketOf(next().toLongLong(), divisor);
        r.workflow = next().toString();
        r.state = next().toString();
        r.branch = next().toInt() != 0;
        r.queue = next().toString();
        r.department = next().toString();
        r.assignee = next().toString();
        r.tier = next().toString();
        r.origin = next().toString();
        r.chunk = next().toLongLong();
        r.steps = next().toLongLong();
        r.pausedSteps = next().toLongLong();
        r.pausedSeconds = next().toLongLong();
        r.respondDue = next().toLongLong();
        r.respondMet = next().toLongLong();
        r.resolveDue = next().toLongLong();
        r.resolveMet = next().toLongLong();
        r.breached = next().toLongLong();
        r.escalated = next().toLongLong();
        r.transfers = next().toLongLong();
        r.businessValues = next().toString();
        r.clockValues = next().toString();
        row(r);
    }
    return {};
}

} // namespace

QString StepRollupStore::upsertHead(RollupLevel level)
{
    return u"INSERT INTO " + tableOf(level) + u" (" + QLatin1String(columns) + u") VALUES ";
}

QString StepRollupStore::upsertRow()
{
    return u'(' + TicketColumns::placeholders(columnCount) + u')';
}

QString StepRollupStore::upsertTail(RollupLevel level)
{
    const QString table = tableOf(level);
    QString tail = u" ON CONFLICT (" + QLatin1String(keyColumns) + u") DO UPDATE SET ";
    const char *const sums[]
        = {"steps",       "paused_steps", "paused_seconds", "respond_due", "respond_met",
           "resolve_due", "resolve_met",  "breached",       "escalated",   "transfers"};
    for (const char *column : sums)
        tail += QStringLiteral("%1 = %2.%1 + excluded.%1, ").arg(QLatin1String(column), table);
    return tail
        + QStringLiteral("business_values = %1.business_values || excluded.business_values, "
                         "clock_values = %1.clock_values || excluded.clock_values")
              .arg(table);
}

namespace {

// Quarter-hour rows (every chunk) summed per key into rows of `day` (a day's compaction).
QList<StepRollupRow> sumIntoDay(const QList<StepRollupRow> &quarters, qint64 day)
{
    using Key = std::tuple<QString, QString, bool, QString, QString, QString, QString, QString>;
    QMap<Key, StepRollupRow> rows;
    for (const StepRollupRow &q : quarters) {
        const Key key {q.workflow,   q.state,    q.branch, q.queue,
                       q.department, q.assignee, q.tier,   q.origin};
        auto it = rows.find(key);
        if (it == rows.end()) {
            it = rows.insert(key, q);
            it->bucket = day;
            it->chunk = 0; // the quarter hours' chunks merged
            continue;
        }
        StepRollupRow &r = *it;
        r.steps += q.steps;
        r.pausedSteps += q.pausedSteps;
        r.pausedSeconds += q.pausedSeconds;
        r.respondDue += q.respondDue;
        r.respondMet += q.respondMet;
        r.resolveDue += q.resolveDue;
        r.resolveMet += q.resolveMet;
        r.breached += q.breached;
        r.escalated += q.escalated;
        r.transfers += q.transfers;
        r.businessValues += q.businessValues;
        r.clockValues += q.clockValues;
    }
    return rows.values();
}

} // namespace

QList<StepRollupRow> StepRollupStore::rollUp(const QList<StepFactRow> &facts, RollupLevel level)
{
    using Key
        = std::tuple<qint64, QString, QString, bool, QString, QString, QString, QString, QString>;
    QMap<Key, StepRollupRow> rows;
    for (const StepFactRow &f : facts) {
        const qint64 bucket = bucketOf(f.leftAt, level);
        const bool branch = !f.branch.isEmpty();
        StepRollupRow &r = rows[Key {bucket, f.workflow, f.state, branch, f.queue, f.department,
                                     f.assignee, f.tier, f.origin}];
        if (r.steps == 0) {
            r.bucket = bucket;
            r.workflow = text(f.workflow);
            r.state = text(f.state);
            r.branch = branch;
            r.queue = text(f.queue);
            r.department = text(f.department);
            r.assignee = text(f.assignee);
            r.tier = text(f.tier);
            r.origin = text(f.origin);
            r.businessValues = r.clockValues = QStringLiteral("");
        }
        ++r.steps;
        if (f.paused) {
            ++r.pausedSteps;
            r.pausedSeconds += f.pausedSeconds;
        } else {
            r.businessValues += QString::number(f.businessSeconds) + u' ';
            r.clockValues += QString::number(f.clockSeconds) + u' ';
        }
        if (f.respondMet) {
            ++r.respondDue;
            r.respondMet += *f.respondMet ? 1 : 0;
        }
        if (f.resolveMet) {
            ++r.resolveDue;
            r.resolveMet += *f.resolveMet ? 1 : 0;
        }
        r.breached += f.breached ? 1 : 0;
        r.escalated += f.escalated ? 1 : 0;
        r.transfers += f.transfers;
    }
    return rows.values();
}

void StepRollupStore::appendValues(QList<QVariant> &values, const StepRollupRow &r)
{
    values << r.bucket << r.workflow << r.state << (r.branch ? 1 : 0) << r.queue << r.department
           << r.assignee << r.tier << r.origin << r.chunk << r.steps << r.pausedSteps
           << r.pausedSeconds << r.respondDue << r.respondMet << r.resolveDue << r.resolveMet
           << r.breached << r.escalated << r.transfers << r.businessValues << r.clockValues;
}

qint64 StepRollupStore::newChunk()
{
    // Chunk 0 is the back-fill's and the compaction's. A process takes its chunks from a base
    // of its start time (×1024), so that a restarted server or another one on the same
    // PostgreSQL starts chunks of its own; were two to meet, `||` into one chunk is still the
    // right sum, the chunk only a little longer.
    static std::atomic<qint64> next {QDateTime::currentMSecsSinceEpoch() * 1024};
    return next++;
}

void StepRollupChunks::assign(QList<StepRollupRow> &rows)
{
    for (StepRollupRow &row : rows) {
        if (row.bucket > m_latestBucket) {
            // The quarter hours before the last one are forgotten (a late fact of one starts a
            // chunk of its own).
            m_latestBucket = row.bucket;
            while (!m_open.isEmpty() && std::get<0>(m_open.firstKey()) < m_latestBucket - 1)
                m_open.erase(m_open.begin());
        }
        const qsizetype chars = row.businessValues.size() + row.clockValues.size();
        Open &open = m_open[Key {row.bucket, row.workflow, row.state, row.branch, row.queue,
                                 row.department, row.assignee, row.tier, row.origin}];
        if (open.chunk == 0 || open.chars + chars > stepRollupChunkChars) {
            open.chunk = StepRollupStore::newChunk();
            open.chars = 0;
        }
        open.chars += chars;
        row.chunk = open.chunk;
    }
}

void appendRollupValues(QList<qint64> &out, const QString &values)
{
    qint64 value = 0;
    bool inNumber = false;
    for (const QChar c : values) {
        const char16_t u = c.unicode();
        if (u >= u'0' && u <= u'9') {
            value = value * 10 + (u - u'0');
            inNumber = true;
        } else if (inNumber) {
            out.append(value);
            value = 0;
            inNumber = false;
        }
    }
    if (inNumber)
        out.append(value);
}

Result<bool> StepRollupStore::ready(const QSqlDatabase &db)
{
    // A facts' record whose last ticket is 0 has nothing to do (ids start at 1): migration 11
    // or 17 left it in a database that had no tickets then (stepfactbackfillrows.h).
    auto pending = runQuery(db,
                            QStringLiteral("SELECT 1 FROM report_backfills WHERE name = "
                                           "'step_rollup' OR (name = 'step_facts' AND "
                                           "last_ticket > 0)"));
    if (!pending)
        return pending.failure();
    return !pending->next();
}

Result<void> StepRollupStore::read(const QSqlDatabase &db, const StepReportQuery &query,
                                   RollupLevel level, qint64 firstBucket, qint64 endBucket,
                                   const std::function<void(const StepRollupRow &)> &row)
{
    if (level == RollupLevel::QuarterHour)
        return readTable(db, tableOf(level), query, firstBucket, endBucket, 1, row);
    if (firstBucket >= endBucket)
        return {};
    // The days compacted read from the daily level, a run of them at a time, the others from
    // their quarter hours. A day compacted after the look below is read from its quarter hours
    // all the same: compaction leaves them in place.
    auto recorded = runQuery(db,
                             QStringLiteral("SELECT day FROM step_rollup_days WHERE day >= ? AND "
                                            "day < ? ORDER BY day"),
                             {firstBucket, endBucket});
    if (!recorded)
        return recorded.failure();
    QList<qint64> compacted;
    while (recorded->next())
        compacted.append(recorded->value(0).toLongLong());
    recorded->finish();
    qint64 day = firstBucket;
    qsizetype n = 0;
    while (day < endBucket) {
        qint64 runEnd = day;
        if (n < compacted.size() && compacted[n] == day) {
            while (n < compacted.size() && compacted[n] == runEnd) {
                ++runEnd;
                ++n;
            }
            if (auto read = readTable(db, tableOf(level), query, day, runEnd, 1, row); !read)
                return read;
        } else {
            runEnd = n < compacted.size() ? compacted[n] : endBucket;
            if (auto read
                = readTable(db, tableOf(RollupLevel::QuarterHour), query, day * quartersPerDay,
                            runEnd * quartersPerDay, quartersPerDay, row);
                !read)
                return read;
        }
        day = runEnd;
    }
    return {};
}

Result<QList<StepFactRow>> StepRollupStore::factsOf(const QSqlDatabase &db, qint64 firstDay,
                                                    qint64 endDay)
{
    const QVariantList range {firstDay * stepRollupDayMs, endDay * stepRollupDayMs};
    auto facts = runQuery(db,
                          QStringLiteral("SELECT workflow, state, branch, queue, department, "
                                         "assignee, tier, origin, left_at, business_seconds, "
                                         "clock_seconds, paused, paused_seconds, respond_met, "
                                         "resolve_met, breached, escalated, transfers FROM "
                                         "step_facts WHERE left_at >= ? AND left_at < ?"),
                          range);
    if (!facts)
        return facts.failure();
    QList<StepFactRow> read;
    while (facts->next()) {
        StepFactRow f;
        int c = 0;
        auto next = [&] { return facts->value(c++); };
        f.workflow = next().toString();
        f.state = next().toString();
        f.branch = next().toString();
        f.queue = next().toString();
        f.department = next().toString();
        f.assignee = next().toString();
        f.tier = next().toString();
        f.origin = next().toString();
        f.leftAt = next().toLongLong();
        f.businessSeconds = next().toLongLong();
        f.clockSeconds = next().toLongLong();
        f.paused = next().toInt() != 0;
        f.pausedSeconds = next().toLongLong();
        if (const QVariant met = next(); !met.isNull())
            f.respondMet = met.toInt() != 0;
        if (const QVariant met = next(); !met.isNull())
            f.resolveMet = met.toInt() != 0;
        f.breached = next().toInt() != 0;
        f.escalated = next().toInt() != 0;
        f.transfers = next().toInt();
        read.append(f);
    }
    return read;
}

Result<StepRollupStore::Fingerprint> StepRollupStore::fingerprintOf(const QSqlDatabase &db,
                                                                    qint64 firstDay, qint64 endDay)
{
    // From the left_at index alone (no row of the 5 GB table read).
    auto sums = runQuery(db,
                         QStringLiteral("SELECT COUNT(*), COALESCE(SUM(left_at), 0) FROM "
                                        "step_facts WHERE left_at >= ? AND left_at < ?"),
                         {firstDay * stepRollupDayMs, endDay * stepRollupDayMs});
    if (!sums)
        return sums.failure();
    if (!sums->next())
        return Fingerprint {};
    return Fingerprint {sums->value(0).toLongLong(), sums->value(1).toLongLong()};
}

StepRollupStore::Fingerprint StepRollupStore::fingerprintOf(const QList<StepFactRow> &facts)
{
    Fingerprint print;
    for (const StepFactRow &f : facts) {
        ++print.count;
        print.leftAtSum += f.leftAt;
    }
    return print;
}

Result<void> StepRollupStore::replace(const QSqlDatabase &db, qint64 firstDay, qint64 endDay,
                                      const QList<StepFactRow> &read, qint64 compactBeforeDay)
{
    if (auto deleted
        = runQuery(db, QStringLiteral("DELETE FROM step_rollup WHERE bucket >= ? AND bucket < ?"),
                   {firstDay * quartersPerDay, endDay * quartersPerDay});
        !deleted)
        return deleted.failure();
    if (auto inserted
        = insertRows(db, RollupLevel::QuarterHour, rollUp(read, RollupLevel::QuarterHour));
        !inserted)
        return inserted;
    if (auto forgotten = forgetDays(db, firstDay, endDay); !forgotten)
        return forgotten;
    // The days that have ended are compacted here, from the facts in hand; the others are
    // left to compactStepRollup once they have.
    const qint64 compactEnd = std::min(endDay, compactBeforeDay);
    if (firstDay >= compactEnd)
        return {};
    QList<StepFactRow> ended;
    for (const StepFactRow &f : read)
        if (bucketOf(f.leftAt, RollupLevel::Day) < compactEnd)
            ended.append(f);
    if (auto inserted = insertRows(db, RollupLevel::Day, rollUp(ended, RollupLevel::Day));
        !inserted)
        return inserted;
    return recordDays(db, firstDay, compactEnd);
}

Result<void> StepRollupStore::rebuild(const QSqlDatabase &db, qint64 firstDay, qint64 endDay,
                                      qint64 compactBeforeDay)
{
    auto read = factsOf(db, firstDay, endDay);
    if (!read)
        return read.failure();
    return replace(db, firstDay, endDay, *read, compactBeforeDay);
}

Result<bool> StepRollupStore::compactDay(const QSqlDatabase &db, qint64 day)
{
    // Under the caller's lock, so that of two servers compacting the same day the second finds
    // the record. A writer's commit group that upserted its quarter hours before the lock is
    // committed before it is granted and read below; one after it finds the record (on
    // PostgreSQL its look-up is a statement after its upsert, which waited for this
    // transaction: READ COMMITTED gives that statement a snapshot with this commit in it) and
    // adds its facts to the daily rows too.
    auto done = runQuery(db, QString::fromLatin1(compactedDayQuery), {day});
    if (!done)
        return done.failure();
    if (done->next())
        return false;
    done->finish();
    QList<StepRollupRow> quarters;
    StepReportQuery all;
    all.allDepartments = true;
    if (auto read = readTable(db, tableOf(RollupLevel::QuarterHour), all, day * quartersPerDay,
                              (day + 1) * quartersPerDay, 1,
                              [&](const StepRollupRow &row) { quarters.append(row); });
        !read)
        return read.failure();
    if (auto forgotten = forgetDays(db, day, day + 1); !forgotten)
        return forgotten.failure();
    if (auto inserted = insertRows(db, RollupLevel::Day, sumIntoDay(quarters, day)); !inserted)
        return inserted.failure();
    if (auto recorded = recordDays(db, day, day + 1); !recorded)
        return recorded.failure();
    return true;
}

Result<void> StepRollupStore::queueRebuild(const QSqlDatabase &db)
{
    if (auto gone
        = runQuery(db, QStringLiteral("DELETE FROM report_backfills WHERE name = 'step_rollup'"));
        !gone)
        return gone.failure();
    auto queued = runQuery(
        db,
        QStringLiteral("INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT "
                       "'step_rollup', COALESCE(MIN(left_at), 0) / ?, COALESCE(MAX(left_at), "
                       "0) / ? FROM step_facts"),
        {stepRollupDayMs, stepRollupDayMs});
    if (!queued)
        return queued.failure();
    return {};
}

namespace {

/// The next days queued and their facts, read before the back-fill's transaction.
struct DaysRead
{
    qint64 firstDay = 0, endDay = 0;
    QList<StepFactRow> facts;
};

std::optional<DaysRead> readAhead(const QSqlDatabase &db, int chunk)
{
    auto ahead = runQuery(db,
                          QStringLiteral("SELECT next_ticket, last_ticket FROM "
                                         "report_backfills WHERE name = 'step_rollup'"));
    if (!ahead || !ahead->next() || ahead->value(0).toLongLong() > ahead->value(1).toLongLong())
        return std::nullopt;
    const qint64 from = ahead->value(0).toLongLong();
    const qint64 to = std::min(ahead->value(1).toLongLong() + 1, from + std::max(1, chunk));
    ahead->finish();
    auto facts = StepRollupStore::factsOf(db, from, to);
    if (!facts)
        return std::nullopt;
    return DaysRead {from, to, std::move(*facts)};
}

// PostgreSQL: the writers' upserts wait for the caller's transaction (and it for theirs): a
// fact committed before is in the sums it reads, one committed after adds itself to them. Two
// servers' back-fills or compactions wait for each other too (the mode conflicts with itself).
Result<void> holdOffTheWriters(const QSqlDatabase &db)
{
    if (db.driverName() != u"QPSQL")
        return {}; // SQLite: BEGIN IMMEDIATE holds the write lock
    if (auto locked
        = runQuery(db,
                   QStringLiteral("LOCK TABLE step_rollup, step_rollup_daily, step_rollup_days IN "
                                  "SHARE ROW EXCLUSIVE MODE"));
        !locked)
        return locked.failure();
    return {};
}

// Writes the sums of days [next, end) under the back-fill's lock: from the facts read ahead
// when the left_at index says the days' facts are still those, else read again here.
Result<void> writeDays(const QSqlDatabase &db, const std::optional<DaysRead> &early, qint64 next,
                       qint64 end, qint64 compactBeforeDay)
{
    if (early && early->firstDay == next && early->endDay == end) {
        auto now = StepRollupStore::fingerprintOf(db, next, end);
        if (!now)
            return now.failure();
        if (*now == StepRollupStore::fingerprintOf(early->facts))
            return StepRollupStore::replace(db, next, end, early->facts, compactBeforeDay);
    }
    return StepRollupStore::rebuild(db, next, end, compactBeforeDay);
}

} // namespace

Result<qint64> backfillStepRollup(Database &database, int chunk,
                                  const std::function<bool()> &stopRequested,
                                  qint64 compactBeforeDay,
                                  const std::function<void()> &afterReadAhead)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    qint64 rebuilt = 0;
    while (!(stopRequested && stopRequested())) {
        // A day's facts are read before the write lock is taken: on a big database they are
        // thousands of random reads (seconds when not cached), and under BEGIN IMMEDIATE the
        // engine's group commits waited for them past the busy timeout and failed ("database
        // is locked", seen on the 1,000,000-ticket file). Under the lock, the index alone tells
        // whether the range changed since (the writer adds facts of the present only; the
        // facts' back-fill queues the whole roll-up again); if it did, it is read again there.
        const std::optional<DaysRead> early = readAhead(*db, chunk);
        if (afterReadAhead)
            afterReadAhead();
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        if (auto held = holdOffTheWriters(*db); !held)
            return held.failure();
        auto position = runQuery(*db,
                                 QStringLiteral("SELECT next_ticket, last_ticket FROM "
                                                "report_backfills WHERE name = "
                                                "'step_rollup'"));
        if (!position)
            return position.failure();
        if (!position->next())
            return rebuilt;
        const qint64 next = position->value(0).toLongLong();
        const qint64 last = position->value(1).toLongLong();
        position->finish();
        if (next > last) {
            if (auto done = runQuery(
                    *db, QStringLiteral("DELETE FROM report_backfills WHERE name = 'step_rollup'"));
                !done)
                return done.failure();
            if (auto committed = transaction.commit(); !committed)
                return committed.failure();
            if (rebuilt > 0)
                qCInfo(lcStore) << "reports: rolled up" << rebuilt << "days of step facts";
            return rebuilt;
        }
        const qint64 end = std::min(last + 1, next + std::max(1, chunk));
        if (auto written = writeDays(*db, early, next, end, compactBeforeDay); !written)
            return written.failure();
        if (auto moved = runQuery(*db,
                                  QStringLiteral("UPDATE report_backfills SET next_ticket = ? "
                                                 "WHERE name = 'step_rollup'"),
                                  {end});
            !moved)
            return moved.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        rebuilt += end - next;
    }
    return rebuilt;
}

namespace {

// The first day at or after `day` that has quarter hours (endDay when none before it).
Result<qint64> nextDayWithRows(const QSqlDatabase &db, qint64 day, qint64 endDay)
{
    auto next
        = runQuery(db, QStringLiteral("SELECT MIN(bucket) FROM step_rollup WHERE bucket >= ?"),
                   {day * quartersPerDay});
    if (!next)
        return next.failure();
    if (!next->next() || next->value(0).isNull())
        return endDay;
    return std::min(endDay, bucketOf(next->value(0).toLongLong(), quartersPerDay));
}

} // namespace

Result<qint64> compactStepRollup(Database &database, qint64 endDay,
                                 const std::function<bool()> &stopRequested)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    // From the first quarter hour on. The days between that have none are recorded too, many in
    // a transaction, so that the daily level is one run of days for the reads, and the next
    // pass finds nothing to do below the last day compacted.
    auto first = nextDayWithRows(*db, std::numeric_limits<qint64>::min() / stepRollupDayMs, endDay);
    if (!first)
        return first.failure();
    auto recorded = runQuery(
        *db, QStringLiteral("SELECT day FROM step_rollup_days WHERE day >= ? AND day < ?"),
        {*first, endDay});
    if (!recorded)
        return recorded.failure();
    QSet<qint64> done;
    while (recorded->next())
        done.insert(recorded->value(0).toLongLong());
    recorded->finish();
    qint64 compacted = 0;
    for (qint64 day = *first; day < endDay && !(stopRequested && stopRequested());) {
        if (done.contains(day)) {
            ++day;
            continue;
        }
        auto next = nextDayWithRows(*db, day, endDay);
        if (!next)
            return next.failure();
        const qint64 runEnd = *next > day ? std::min(*next, day + 1000) : day + 1;
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        if (auto held = holdOffTheWriters(*db); !held)
            return held.failure();
        for (; day < runEnd; ++day) {
            if (done.contains(day))
                continue;
            auto made = StepRollupStore::compactDay(*db, day); // under the lock: rows or none
            if (!made)
                return made.failure();
            compacted += *made ? 1 : 0;
        }
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
    }
    return compacted;
}

} // namespace Baton

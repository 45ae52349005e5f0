// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/steprollup.h"

#include "store/database.h"
#include "store/storelog.h"
#include "store/ticketcolumns.h"

#include <QMap>
#include <QSqlQuery>

#include <optional>
#include <tuple>
#include <utility>

namespace Baton {

const char *const StepRollupStore::columns
    = "bucket, workflow, state, queue, department, assignee, tier, origin, steps, paused_steps, "
      "paused_seconds, respond_due, respond_met, resolve_due, resolve_met, breached, escalated, "
      "transfers, business_values, clock_values";

namespace {

const char *const keyColumns = "bucket, workflow, state, queue, department, assignee, tier, origin";

// Text columns are NOT NULL: a null QString binds as NULL through Qt's drivers.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

qint64 bucketOf(qint64 leftAt, RollupLevel level)
{
    // Floor, also before 1970 (tests' clocks never go there, but a division must not lie).
    const qint64 span = rollupSpanMs(level);
    return leftAt >= 0 ? leftAt / span : -((-leftAt + span - 1) / span);
}

QString tableOf(RollupLevel level)
{
    return level == RollupLevel::Day ? QStringLiteral("step_rollup_daily")
                                     : QStringLiteral("step_rollup");
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

QList<StepRollupRow> StepRollupStore::rollUp(const QList<StepFactRow> &facts, RollupLevel level)
{
    using Key = std::tuple<qint64, QString, QString, QString, QString, QString, QString, QString>;
    QMap<Key, StepRollupRow> rows;
    for (const StepFactRow &f : facts) {
        const qint64 bucket = bucketOf(f.leftAt, level);
        StepRollupRow &r = rows[Key {bucket, f.workflow, f.state, f.queue, f.department, f.assignee,
                                     f.tier, f.origin}];
        if (r.steps == 0) {
            r.bucket = bucket;
            r.workflow = text(f.workflow);
            r.state = text(f.state);
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
    values << r.bucket << r.workflow << r.state << r.queue << r.department << r.assignee << r.tier
           << r.origin << r.steps << r.pausedSteps << r.pausedSeconds << r.respondDue
           << r.respondMet << r.resolveDue << r.resolveMet << r.breached << r.escalated
           << r.transfers << r.businessValues << r.clockValues;
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
    auto pending = runQuery(db,
                            QStringLiteral("SELECT 1 FROM report_backfills WHERE name IN "
                                           "('step_rollup', 'step_facts')"));
    if (!pending)
        return pending.failure();
    return !pending->next();
}

Result<void> StepRollupStore::read(const QSqlDatabase &db, const StepReportQuery &query,
                                   RollupLevel level, qint64 firstBucket, qint64 endBucket,
                                   const std::function<void(const StepRollupRow &)> &row)
{
    QString sql
        = QStringLiteral(
              "SELECT workflow, state, queue, department, assignee, tier, origin, steps, "
              "paused_steps, paused_seconds, respond_due, respond_met, resolve_due, resolve_met, "
              "breached, escalated, transfers, business_values, clock_values FROM %1 "
              "WHERE bucket >= ? AND bucket < ?")
              .arg(tableOf(level));
    QVariantList values {firstBucket, endBucket};
    if (!query.workflow.isEmpty()) {
        sql += QStringLiteral(" AND workflow = ?");
        values << query.workflow;
    }
    if (!query.allDepartments) {
        if (query.departments.isEmpty())
            return {};
        sql += QStringLiteral(" AND department IN (")
            + TicketColumns::placeholders(int(query.departments.size())) + u')';
        for (const QString &department : query.departments)
            values << department;
    }
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    StepRollupRow r;
    while (rows->next()) {
        int c = 0;
        auto next = [&] { return rows->value(c++); };
        r.workflow = next().toString();
        r.state = next().toString();
        r.queue = next().toString();
        r.department = next().toString();
        r.assignee = next().toString();
        r.tier = next().toString();
        r.origin = next().toString();
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

Result<QList<StepFactRow>> StepRollupStore::factsOf(const QSqlDatabase &db, qint64 firstDay,
                                                    qint64 endDay)
{
    const QVariantList range {firstDay * stepRollupDayMs, endDay * stepRollupDayMs};
    auto facts = runQuery(db,
                          QStringLiteral("SELECT workflow, state, queue, department, assignee, "
                                         "tier, origin, left_at, business_seconds, "
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
                                      const QList<StepFactRow> &read)
{
    for (RollupLevel level : {RollupLevel::Day, RollupLevel::QuarterHour}) {
        const qint64 perDay = stepRollupDayMs / rollupSpanMs(level);
        if (auto deleted
            = runQuery(db, u"DELETE FROM " + tableOf(level) + u" WHERE bucket >= ? AND bucket < ?",
                       {firstDay * perDay, endDay * perDay});
            !deleted)
            return deleted.failure();
        const QString insert = u"INSERT INTO " + tableOf(level) + u" (" + QLatin1String(columns)
            + u") VALUES " + upsertRow();
        for (const StepRollupRow &row : rollUp(read, level)) {
            QVariantList values;
            appendValues(values, row);
            if (auto inserted = runQuery(db, insert, values); !inserted)
                return inserted.failure();
        }
    }
    return {};
}

Result<void> StepRollupStore::rebuild(const QSqlDatabase &db, qint64 firstDay, qint64 endDay)
{
    auto read = factsOf(db, firstDay, endDay);
    if (!read)
        return read.failure();
    return replace(db, firstDay, endDay, *read);
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
    qint64 firstDay = 0;
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
    return DaysRead {from, std::move(*facts)};
}

} // namespace

Result<qint64> backfillStepRollup(Database &database, int chunk,
                                  const std::function<bool()> &stopRequested)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    const bool postgresql = db->driverName() == u"QPSQL";
    qint64 rebuilt = 0;
    while (!(stopRequested && stopRequested())) {
        // A day's facts are read before the write lock is taken: on a big database they are
        // thousands of random reads (seconds when not cached), and under BEGIN IMMEDIATE the
        // engine's group commits waited for them past the busy timeout and failed ("database
        // is locked", seen on the 1,000,000-ticket file). Under the lock, the index alone tells
        // whether the range changed since (the writer adds facts of the present only; the
        // facts' back-fill queues the whole roll-up again); if it did, it is read again there.
        const std::optional<DaysRead> early = readAhead(*db, chunk);
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        // The writer's upserts wait for this transaction (and it for theirs): a fact committed
        // before is in the sums read below, one committed after adds itself to them.
        if (postgresql)
            if (auto locked = runQuery(
                    *db,
                    QStringLiteral(
                        "LOCK TABLE step_rollup, step_rollup_daily IN SHARE ROW EXCLUSIVE MODE"));
                !locked)
                return locked.failure();
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
        bool replaced = false;
        if (early && early->firstDay == next) {
            auto now = StepRollupStore::fingerprintOf(*db, next, end);
            if (!now)
                return now.failure();
            if (*now == StepRollupStore::fingerprintOf(early->facts)) {
                if (auto done = StepRollupStore::replace(*db, next, end, early->facts); !done)
                    return done.failure();
                replaced = true;
            }
        }
        if (!replaced)
            if (auto done = StepRollupStore::rebuild(*db, next, end); !done)
                return done.failure();
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

} // namespace Baton

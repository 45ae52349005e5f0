// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketcolumns.h"
#include "ticketrows.h"

#include "store/database.h"

#include <QHash>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace Baton {

using namespace TicketColumns;

std::optional<TicketFilter::Sort> TicketFilter::parseSort(const QString &text)
{
    if (text.isEmpty() || text == u"due")
        return Sort::DueAsc;
    if (text == u"-due")
        return Sort::DueDesc;
    if (text == u"created")
        return Sort::CreatedAsc;
    if (text == u"-created")
        return Sort::CreatedDesc;
    if (text == u"updated")
        return Sort::UpdatedAsc;
    if (text == u"-updated")
        return Sort::UpdatedDesc;
    return std::nullopt;
}

namespace {

const QString ticketByIdSql
    = u"SELECT " + QLatin1String(ticketColumns) + u" FROM tickets WHERE id = ?";
const QString currentQueuesSql = QStringLiteral("SELECT queue, due_at, at_risk_at FROM "
                                                "ticket_queues_current WHERE ticket_id = ? ORDER "
                                                "BY queue");

// The ticket row from `ticket` (executed), with its branches' queues from `queues` (executed).
TicketRow ticketWithQueues(QSqlQuery &ticket, QSqlQuery &queues)
{
    TicketRow row = ticketFrom(ticket);
    // The writer compares them with the next row's, so a cold read must know them too.
    const TicketQueueRow own {row.queue, row.dueAt(), row.atRiskAt.value_or(noDueDate)};
    while (queues.next()) {
        const TicketQueueRow stored {queues.value(0).toString(), queues.value(1).toLongLong(),
                                     queues.value(2).toLongLong()};
        if (!(stored == own))
            row.branchQueues.append(stored);
    }
    return row;
}

} // namespace

Result<std::optional<TicketRow>> TicketReader::ticket(const QSqlDatabase &db, qint64 id)
{
    auto query = runQuery(db, ticketByIdSql, {id});
    if (!query)
        return Error {query.error()};
    if (!query->next())
        return std::optional<TicketRow>();
    auto queues = runQuery(db, currentQueuesSql, {id});
    if (!queues)
        return Error {queues.error()};
    return std::optional<TicketRow>(ticketWithQueues(*query, *queues));
}

TicketLoader::TicketLoader(QSqlDatabase db)
    : m_db(std::move(db))
{
}

TicketLoader::~TicketLoader() = default;

Result<std::optional<TicketRow>> TicketLoader::ticket(qint64 id)
{
    for (auto [query, sql] :
         {std::pair {&m_ticket, &ticketByIdSql}, {&m_queues, &currentQueuesSql}})
        if (!*query) {
            auto prepared = prepareQuery(m_db, *sql);
            if (!prepared)
                return Error {prepared.error()};
            *query = std::move(*prepared);
        }
    // finish() after reading: an unfinished SELECT keeps its read transaction (and, on
    // SQLite, the WAL snapshot) open.
    m_ticket->bindValue(0, id);
    if (auto r = execQuery(*m_ticket); !r)
        return Error {r.error()};
    if (!m_ticket->next()) {
        m_ticket->finish();
        return std::optional<TicketRow>();
    }
    m_queues->bindValue(0, id);
    if (auto r = execQuery(*m_queues); !r) {
        m_ticket->finish();
        return Error {r.error()};
    }
    TicketRow row = ticketWithQueues(*m_ticket, *m_queues);
    m_ticket->finish();
    m_queues->finish();
    return std::optional<TicketRow>(std::move(row));
}

namespace {

/// The cursor of the page after the row with sort value `value` and id `id` (keyset
/// pagination; list() reads it back).
QString cursorAfter(qint64 value, qint64 id)
{
    return QString::fromLatin1(QStringLiteral("%1:%2").arg(value).arg(id).toUtf8().toBase64(
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

/// A piece of SQL with its bound values in the order of its placeholders.
struct Sql
{
    QString text;
    QVariantList values;
};

/// The statuses tickets have (open, closed): a hop along an index that starts with status per
/// status, instead of a scan.
Result<QStringList> ticketStatuses(const QSqlDatabase &db)
{
    QStringList statuses;
    for (;;) {
        auto query = statuses.isEmpty()
            ? runQuery(db, QStringLiteral("SELECT MIN(status) FROM tickets"))
            : runQuery(db, QStringLiteral("SELECT MIN(status) FROM tickets WHERE status > ?"),
                       {statuses.constLast()});
        if (!query)
            return Error {query.error()};
        if (!query->next() || query->isNull(0) || statuses.size() >= 16)
            return statuses;
        statuses.append(query->value(0).toString());
    }
}

/// The tickets a non-admin may see (canSee) as one set of ids: the queues' index ranges of
/// ticket_queues, the originator's and assignee's of tickets and the user's branch tasks. To
/// count it, `countOnly` selects a constant: the indexes on tickets hold no id (only SQLite's
/// rowid), and reading each row for it made counting 10,000 entries 20-50 ms instead of 3.
Sql visibleIds(const TicketFilter &filter, bool countOnly)
{
    const QLatin1String union_(countOnly ? " UNION ALL " : " UNION ");
    const QLatin1String id(countOnly ? "1" : "id"), ticketId(countOnly ? "1" : "ticket_id");
    Sql set;
    set.text = u"SELECT " + id + u" FROM tickets WHERE originator = ?" + union_ + u"SELECT " + id
        + u" FROM tickets WHERE assignee = ?" + union_ + u"SELECT " + ticketId
        + u" FROM ticket_branch_assignees WHERE username = ?";
    set.values << filter.viewer << filter.viewer << filter.viewer;
    if (!filter.viewerQueues.isEmpty()) {
        set.text += union_ + u"SELECT " + ticketId + u" FROM ticket_queues WHERE queue IN ("
            + placeholders(int(filter.viewerQueues.size())) + u')';
        for (const QString &queue : filter.viewerQueues)
            set.values << queue;
    }
    return set;
}

/// Whether the viewer's visible set is small enough that reading all of it and sorting beats
/// walking every ticket in sort order until a page of visible ones is found. Reading the set
/// costs about one row per visible ticket; the walk about total / visible rows per row of the
/// page (twice as dear: a table row and the visibility probes each). They cross near
/// sqrt(2 * page * total): 10,000 of 1,000,000 tickets for a page of 50. Counted up to there
/// only, so the estimate itself stays an index range of at most that many entries.
struct VisibleSetSize
{
    bool small = false;
    qint64 bound = 0; ///< what counts as small
};
Result<VisibleSetSize> visibleSetIsSmall(const QSqlDatabase &db, const TicketFilter &filter,
                                         int page)
{
    auto total = runQuery(db, QStringLiteral("SELECT MAX(id) FROM tickets"));
    if (!total)
        return Error {total.error()};
    const qint64 tickets = total->next() ? total->value(0).toLongLong() : 0;
    const qint64 bound
        = std::clamp<qint64>(qint64(std::sqrt(2.0 * double(page) * double(tickets))), 200, 50000);
    const Sql set = visibleIds(filter, true);
    auto counted = runQuery(db, u"SELECT COUNT(*) FROM (" + set.text + u" LIMIT ?) visible",
                            QVariantList(set.values) << bound);
    if (!counted)
        return Error {counted.error()};
    return VisibleSetSize {counted->next() && counted->value(0).toLongLong() < bound, bound};
}

} // namespace

Result<TicketPage> TicketReader::list(const QSqlDatabase &db, const TicketFilter &filter)
{
    static const QString selected = [] {
        QStringList names = QString::fromLatin1(ticketColumns).split(QStringLiteral(", "));
        for (QString &name : names)
            name.prepend(QStringLiteral("t."));
        return names.join(QStringLiteral(", "));
    }();
    // A queue's page reads its current members (the ticket's own queue or an open branch's),
    // each with the due of its work there, along the index (queue, status, due_at, ticket_id).
    const bool byQueue = !filter.queue.isEmpty();
    const QLatin1String member(byQueue ? "c." : "t.");
    const QLatin1String idColumn(byQueue ? "c.ticket_id" : "t.id");
    const int limit = std::clamp(filter.limit, 1, 500);
    // The filters but status and visibility, which each way of reading places itself.
    QString sql;
    QVariantList values;
    auto equal = [&](const QString &column, const QString &value) {
        if (value.isEmpty())
            return;
        sql += u" AND " + column + u" = ?";
        values << value;
    };
    equal(QStringLiteral("t.state"), filter.state);
    if (!filter.assignee.isEmpty()) {
        // The ticket's own assignee or a branch's, as canSee counts them. The branch tasks are
        // read first, as ids: without any, the filter stays one range of tickets_assignee in
        // due order; with some, PostgreSQL ORs two index scans, where `OR t.id IN (SELECT ...)`
        // made it scan every ticket (0.3 s on 1,000,000 tickets instead of 1 ms).
        auto branchTasks = runQuery(db,
                                    QStringLiteral("SELECT ticket_id FROM ticket_branch_assignees "
                                                   "WHERE username = ? ORDER BY ticket_id"),
                                    {filter.assignee});
        if (!branchTasks)
            return Error {branchTasks.error()};
        QVariantList ids;
        while (branchTasks->next())
            ids << branchTasks->value(0).toLongLong();
        if (ids.isEmpty()) {
            sql += QStringLiteral(" AND t.assignee = ?");
            values << filter.assignee;
        } else {
            sql += u" AND (t.assignee = ? OR t.id IN (" + placeholders(int(ids.size())) + u"))";
            values << filter.assignee << ids;
        }
    }
    equal(QStringLiteral("t.originator"), filter.originator);
    equal(QStringLiteral("t.customer_id"), filter.customer);
    if (filter.sla == u"at_risk") {
        // A clock becomes at risk before it is due, so both use the at_risk_at index.
        sql += u" AND " + member + u"at_risk_at <= ? AND " + member + u"due_at > ?";
        values << filter.now << filter.now;
    } else if (filter.sla == u"breached") {
        sql += u" AND " + member + u"at_risk_at <= ? AND " + member + u"due_at <= ?";
        values << filter.now << filter.now;
    } else if (!filter.sla.isEmpty()) {
        return makeError(QStringLiteral("unknown sla filter: %1").arg(filter.sla));
    }
    if (!filter.text.isEmpty()) {
        QString pattern = filter.text.toLower();
        pattern.replace(u'\\', QStringLiteral("\\\\"))
            .replace(u'%', QStringLiteral("\\%"))
            .replace(u'_', QStringLiteral("\\_"));
        sql += QStringLiteral(" AND (LOWER(t.title) LIKE ? ESCAPE '\\' OR LOWER(t.key) = ?)");
        values << QString(u'%' + pattern + u'%') << filter.text.toLower();
    }
    Sql status;
    if (!filter.status.isEmpty()) {
        status.text = u" AND " + member + u"status = ?";
        status.values << filter.status;
    }
    Sql visible;
    if (!filter.seeAll) {
        // The rule of access.cpp's canSee, which GET /tickets/{id} applies: originator,
        // assignee, a branch's assignee, or a member (or supervisor) of a queue it visited.
        // A user's branch tasks are few (tickets in a parallel state): listed once and probed
        // in memory, where a correlated EXISTS looked each scanned row up in the index (an
        // unfiltered 1,000,000-ticket list: +5% instead of +18%).
        visible.text = QStringLiteral(" AND (t.originator = ? OR t.assignee = ? OR t.id IN "
                                      "(SELECT w.ticket_id FROM ticket_branch_assignees w WHERE "
                                      "w.username = ?)");
        visible.values << filter.viewer << filter.viewer << filter.viewer;
        if (!filter.viewerQueues.isEmpty()) {
            // Correlated: a page looks up the few queues of the rows it reads, where `t.id IN
            // (SELECT ...)` would first list every ticket ever in the viewer's queues.
            visible.text += u" OR EXISTS (SELECT 1 FROM ticket_queues v WHERE v.ticket_id = t.id "
                            u"AND v.queue IN ("
                + placeholders(int(filter.viewerQueues.size())) + u"))";
            for (const QString &queue : filter.viewerQueues)
                visible.values << queue;
        }
        visible.text += u')';
    }
    using Sort = TicketFilter::Sort;
    QString col = member + u"due_at";
    bool descending = false;
    switch (filter.sort) {
    case Sort::DueAsc:
        break;
    case Sort::DueDesc:
        descending = true;
        break;
    case Sort::CreatedAsc:
        col = QStringLiteral("t.created_at");
        break;
    case Sort::CreatedDesc:
        col = QStringLiteral("t.created_at");
        descending = true;
        break;
    case Sort::UpdatedAsc:
        col = QStringLiteral("t.updated_at");
        break;
    case Sort::UpdatedDesc:
        col = QStringLiteral("t.updated_at");
        descending = true;
        break;
    }
    Sql after;
    if (!filter.cursor.isEmpty()) {
        // Keyset pagination: "value:id" of the last row of the previous page.
        const QString decoded = QString::fromUtf8(
            QByteArray::fromBase64(filter.cursor.toLatin1(), QByteArray::Base64UrlEncoding));
        const QStringList parts = decoded.split(u':');
        bool okValue = false, okId = false;
        const qint64 value = parts.value(0).toLongLong(&okValue);
        const qint64 id = parts.value(1).toLongLong(&okId);
        if (parts.size() != 2 || !okValue || !okId)
            return makeError(QStringLiteral("bad cursor"));
        // A row value, so that the page after starts with an index seek, not a scan from the
        // queue's first row.
        const QLatin1String op(descending ? "<" : ">");
        after.text = u" AND (" + col + u", " + idColumn + u") " + op + u" (?, ?)";
        after.values << value << id;
    }
    const QLatin1String direction(descending ? " DESC" : "");
    const QString order = u" ORDER BY " + col + direction + u", " + idColumn + direction;

    // Without a queue or a person to start from, the page's ids are found first (narrow rows),
    // then its rows, in one of two ways:
    // - from the viewer's visible set, when it is small (an agent's few thousand tickets):
    //   every visible ticket's id along the indexes, filtered and sorted;
    // - along an index in sort order, (status, due_at | created_at | updated_at, id), one walk
    //   per status, stopping after a page of rows that pass visibility (a department's 200,000
    //   tickets, or an admin's all). A walk reads at most `budget` rows: a viewer who sees
    //   few tickets of that status (an agent's open tickets among 800,000 closed ones) gets
    //   that status's part from the visible set instead. Only for status and visibility: with
    //   other filters most rows might fail, and the walk would read most of the table.
    // Both gave the whole table sorted before (0.7-1 s on 1,000,000 tickets).
    const bool personFilter
        = !filter.assignee.isEmpty() || !filter.originator.isEmpty() || !filter.customer.isEmpty();
    struct Candidate
    {
        qint64 value, id;
    };
    std::optional<QList<Candidate>> candidates;
    if (!byQueue && !personFilter) {
        qint64 bound = 0;
        bool fromVisibleSet = false;
        if (!filter.seeAll) {
            auto small = visibleSetIsSmall(db, filter, limit + 1);
            if (!small)
                return Error {small.error()};
            bound = small->bound;
            fromVisibleSet = small->small;
        }
        // The page's part of one status (or of all, when empty) read from the visible set.
        auto fromSet = [&](const QString &oneStatus) -> Result<QList<Candidate>> {
            const Sql set = visibleIds(filter, false);
            QString text = u"SELECT t.id, " + col + u" FROM tickets t WHERE t.id IN (" + set.text
                + u')' + sql;
            QVariantList binds = set.values;
            binds << values;
            if (!oneStatus.isEmpty()) {
                // Not an index term: SQLite would walk all of a status's tickets along the
                // (status, ...) index in sort order and probe the set, rather than read the set.
                text += QStringLiteral(" AND t.status || '' = ?");
                binds << oneStatus;
            }
            text += after.text + order + u" LIMIT ?";
            binds << after.values << limit + 1;
            auto found = runQuery(db, text, binds);
            if (!found)
                return Error {found.error()};
            QList<Candidate> part;
            while (found->next())
                part.append({found->value(1).toLongLong(), found->value(0).toLongLong()});
            return part;
        };
        const bool walkable
            = filter.state.isEmpty() && filter.sla.isEmpty() && filter.text.isEmpty();
        if (fromVisibleSet) {
            auto part = fromSet(filter.status);
            if (!part)
                return Error {part.error()};
            candidates = *part;
        } else if (walkable) {
            QStringList statuses {filter.status};
            if (filter.status.isEmpty()) {
                auto present = ticketStatuses(db);
                if (!present)
                    return Error {present.error()};
                statuses = *present;
            }
            // Open first: an agent's list is mostly open work, and the open walk's page then
            // bounds the others (closed tickets are due last, so their walk is empty by due).
            if (const qsizetype open = statuses.indexOf(QStringLiteral("open")); open > 0)
                statuses.move(open, 0);
            const qint64 budget = std::max<qint64>(bound / 2, 4 * (limit + 1));
            const bool postgresql = db.driverName() == u"QPSQL";
            QString seen = filter.seeAll
                ? QStringLiteral("1")
                : u"CASE WHEN " + visible.text.mid(5) + u" THEN 1 ELSE 0 END";
            if (postgresql && !filter.viewerQueues.isEmpty()) {
                // OFFSET 0 keeps PostgreSQL from hashing every ticket of the viewer's queues
                // before the first row (a department's 300,000: 130-170 ms a walk instead of 4).
                // The walk probes the index for the few hundred rows it reads.
                seen.replace(QStringLiteral("v.queue IN (")
                                 + placeholders(int(filter.viewerQueues.size())) + u"))",
                             QStringLiteral("v.queue IN (")
                                 + placeholders(int(filter.viewerQueues.size())) + u") OFFSET 0)");
            }
            auto before = [&](const Candidate &a, const Candidate &b) {
                return descending ? std::pair(b.value, b.id) < std::pair(a.value, a.id)
                                  : std::pair(a.value, a.id) < std::pair(b.value, b.id);
            };
            QList<Candidate> merged;
            for (const QString &one : std::as_const(statuses)) {
                // Once a page's worth is known, a walk only looks for rows that come before
                // its last row.
                QString ceiling;
                QVariantList ceilingValues;
                if (merged.size() > limit) {
                    ceiling = u" AND (" + col + u", t.id) " + QLatin1String(descending ? ">" : "<")
                        + u" (?, ?)";
                    ceilingValues << merged[limit].value << merged[limit].id;
                }
                const QString range = u" FROM tickets t WHERE t.status = ?" + after.text + ceiling
                    + order + u" LIMIT ?";
                QVariantList rangeValues;
                rangeValues << one << after.values << ceilingValues << budget;
                QList<Candidate> part;
                bool budgetSpent = false;
                if (postgresql) {
                    // The client receives a whole result: the server stops at a page of
                    // visible rows (the ordered walk's order carries through the filter, no
                    // sort), and a short page asks whether the walk used up its budget.
                    auto walked = runQuery(
                        db,
                        u"SELECT id, v FROM (SELECT t.id AS id, " + col + u" AS v, " + seen
                            + u" AS seen" + range + u") w WHERE seen = 1 ORDER BY v" + direction
                            + u", id" + direction + u" LIMIT ?",
                        QVariantList(visible.values) << rangeValues << limit + 1);
                    if (!walked)
                        return Error {walked.error()};
                    while (walked->next())
                        part.append({walked->value(1).toLongLong(), walked->value(0).toLongLong()});
                    if (part.size() <= limit) {
                        auto read = runQuery(db, u"SELECT COUNT(*) FROM (SELECT 1" + range + u") w",
                                             rangeValues);
                        if (!read)
                            return Error {read.error()};
                        budgetSpent = read->next() && read->value(0).toLongLong() == budget;
                    }
                } else {
                    // SQLite steps the walk as the rows are read, so it stops here (a filter
                    // around it would sort the budget's rows before the first came out).
                    auto walked = runQuery(db, u"SELECT t.id, " + col + u", " + seen + range,
                                           QVariantList(visible.values) << rangeValues);
                    if (!walked)
                        return Error {walked.error()};
                    qint64 read = 0;
                    while (part.size() <= limit && walked->next()) {
                        ++read;
                        if (walked->value(2).toInt() == 1)
                            part.append(
                                {walked->value(1).toLongLong(), walked->value(0).toLongLong()});
                    }
                    budgetSpent = part.size() <= limit && read == budget;
                }
                if (budgetSpent) {
                    auto fromVisible = fromSet(one);
                    if (!fromVisible)
                        return Error {fromVisible.error()};
                    part = *fromVisible;
                }
                merged << part;
                std::sort(merged.begin(), merged.end(), before);
                merged = merged.mid(0, limit + 1);
            }
            candidates = merged.mid(0, limit + 1);
        }
    }
    if (candidates) {
        TicketPage page;
        if (candidates->isEmpty())
            return page;
        QVariantList ids;
        for (const Candidate &c : std::as_const(*candidates))
            ids << c.id;
        auto rows = runQuery(db,
                             u"SELECT " + selected + u" FROM tickets t WHERE t.id IN ("
                                 + placeholders(int(ids.size())) + u')',
                             ids);
        if (!rows)
            return Error {rows.error()};
        QHash<qint64, TicketRow> byId;
        while (rows->next()) {
            TicketRow row = ticketFrom(*rows);
            byId.insert(row.id, std::move(row));
        }
        for (const Candidate &c : std::as_const(*candidates)) {
            if (page.items.size() == limit) { // a row beyond the limit: there is a next page
                const Candidate &last = (*candidates)[limit - 1];
                page.nextCursor = cursorAfter(last.value, last.id);
                break;
            }
            // Gone between the two reads only if deleted, which tickets never are.
            if (const auto it = byId.constFind(c.id); it != byId.cend())
                page.items.append(*it);
        }
        return page;
    }
    const QString from = byQueue
        ? QStringLiteral(" FROM ticket_queues_current c JOIN tickets t ON t.id = c.ticket_id "
                         "WHERE c.queue = ?")
        : QStringLiteral(" FROM tickets t WHERE 1 = 1");
    const QString query = u"SELECT " + selected + u", " + col + from + sql + status.text
        + visible.text + after.text + order + u" LIMIT ?";
    QVariantList all;
    if (byQueue)
        all << filter.queue;
    all << values << status.values << visible.values << after.values;
    values = all;
    values << limit + 1;
    auto rows = runQuery(db, query, values);
    if (!rows)
        return Error {rows.error()};
    TicketPage page;
    qint64 lastValue = 0;
    while (rows->next() && page.items.size() < limit) {
        page.items.append(ticketFrom(*rows));
        lastValue = rows->value(ticketColumnCount).toLongLong();
    }
    if (rows->isValid()) // a row beyond the limit: there is a next page
        page.nextCursor = cursorAfter(lastValue, page.items.constLast().id);
    return page;
}

Result<QList<EventRow>> TicketReader::events(const QSqlDatabase &db, qint64 ticketId)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT ticket_id, seq, at, actor, type, data FROM events "
                                         "WHERE ticket_id = ? ORDER BY seq"),
                          {ticketId});
    if (!query)
        return Error {query.error()};
    QList<EventRow> events;
    while (query->next())
        events.append({query->value(0).toLongLong(), query->value(1).toLongLong(),
                       query->value(2).toLongLong(), query->value(3).toString(),
                       query->value(4).toString(), query->value(5).toString().toUtf8()});
    return events;
}

Result<QList<TimerRow>> TicketReader::timers(const QSqlDatabase &db, qint64 ticketId)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT ticket_id, kind, due_at, data FROM timers WHERE "
                                         "ticket_id = ? ORDER BY due_at, id"),
                          {ticketId});
    if (!query)
        return Error {query.error()};
    QList<TimerRow> timers;
    while (query->next())
        timers.append({query->value(0).toLongLong(), query->value(1).toString(),
                       query->value(2).toLongLong(), query->value(3).toString().toUtf8()});
    return timers;
}

Result<QList<NotificationRow>> TicketReader::notifications(const QSqlDatabase &db,
                                                           const QString &username, bool unreadOnly,
                                                           int limit)
{
    auto query = runQuery(db,
                          u"SELECT id, username, ticket_id, kind, message, at, read FROM "
                          u"notifications WHERE username = ?"
                              + QLatin1String(unreadOnly ? " AND read = 0" : "")
                              + u" ORDER BY id DESC LIMIT ?",
                          {username, limit});
    if (!query)
        return Error {query.error()};
    QList<NotificationRow> rows;
    while (query->next())
        rows.append({query->value(0).toLongLong(), query->value(1).toString(),
                     query->value(2).toLongLong(), query->value(3).toString(),
                     query->value(4).toString(), query->value(5).toLongLong(),
                     query->value(6).toInt() != 0});
    return rows;
}

Result<bool> TicketReader::markNotificationRead(const QSqlDatabase &db, qint64 id,
                                                const QString &username)
{
    auto query = runQuery(db,
                          QStringLiteral("UPDATE notifications SET read = 1 WHERE id = ? AND "
                                         "username = ?"),
                          {id, username});
    if (!query)
        return Error {query.error()};
    return query->numRowsAffected() > 0;
}

Result<std::optional<IdempotencyRow>>
TicketReader::idempotency(const QSqlDatabase &db, const QString &username, const QString &key)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT username, key, request_hash, ticket_id, "
                                         "response, created_at FROM idempotency_keys WHERE "
                                         "username = ? AND key = ?"),
                          {username, key});
    if (!query)
        return Error {query.error()};
    if (!query->next())
        return std::optional<IdempotencyRow>();
    return std::optional<IdempotencyRow>(
        IdempotencyRow {query->value(0).toString(), query->value(1).toString(),
                        query->value(2).toString(), query->value(3).toLongLong(),
                        query->value(4).toString().toUtf8(), query->value(5).toLongLong()});
}

Result<QList<qint64>> TicketReader::ticketIds(const QSqlDatabase &db)
{
    auto query = runQuery(db, QStringLiteral("SELECT id FROM tickets ORDER BY id"));
    if (!query)
        return Error {query.error()};
    QList<qint64> ids;
    while (query->next())
        ids.append(query->value(0).toLongLong());
    return ids;
}

} // namespace Baton

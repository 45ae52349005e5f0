// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketreader.h"
#include "ticketcolumns.h"
#include "ticketloader.h"

#include "store/database.h"
#include "store/idquery_p.h"
#include "store/likepattern_p.h"
#include "store/opensearch_p.h"
#include "store/searchtext.h"

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
        return query.failure();
    if (!query->next())
        return std::optional<TicketRow>();
    auto queues = runQuery(db, currentQueuesSql, {id});
    if (!queues)
        return queues.failure();
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
                return prepared.failure();
            *query = std::move(*prepared);
        }
    // finish() after reading: an unfinished SELECT keeps its read transaction (and, on
    // SQLite, the WAL snapshot) open.
    m_ticket->bindValue(0, id);
    if (auto r = execQuery(*m_ticket); !r)
        return r.failure();
    if (!m_ticket->next()) {
        m_ticket->finish();
        return std::optional<TicketRow>();
    }
    m_queues->bindValue(0, id);
    if (auto r = execQuery(*m_queues); !r) {
        m_ticket->finish();
        return r.failure();
    }
    TicketRow row = ticketWithQueues(*m_ticket, *m_queues);
    m_ticket->finish();
    m_queues->finish();
    return std::optional<TicketRow>(std::move(row));
}

namespace {

/// The cursor of the page after the row with sort value `value` and id `id` (keyset
/// pagination; cursorCondition() reads it back).
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
            return query.failure();
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
        return total.failure();
    const qint64 tickets = total->next() ? total->value(0).toLongLong() : 0;
    const qint64 bound
        = std::clamp<qint64>(qint64(std::sqrt(2.0 * double(page) * double(tickets))), 200, 50000);
    const Sql set = visibleIds(filter, true);
    auto counted = runQuery(db, u"SELECT COUNT(*) FROM (" + set.text + u" LIMIT ?) visible",
                            QVariantList(set.values) << bound);
    if (!counted)
        return counted.failure();
    return VisibleSetSize {counted->next() && counted->value(0).toLongLong() < bound, bound};
}

/// The ticket columns as read from `tickets t`.
const QString &selectedColumns()
{
    static const QString selected = [] {
        QStringList names = QString::fromLatin1(ticketColumns).split(QStringLiteral(", "));
        for (QString &name : names)
            name.prepend(QStringLiteral("t."));
        return names.join(QStringLiteral(", "));
    }();
    return selected;
}

/// One GET /tickets request as pieces of SQL (planList), which each way of reading a page puts
/// together in its own statements.
struct ListPlan
{
    explicit ListPlan(const TicketFilter &request)
        : filter(request)
        , byQueue(!request.queue.isEmpty())
        , limit(std::clamp(request.limit, 1, 500))
    {
    }
    const TicketFilter &filter;
    /// A queue's page reads its current members (the ticket's own queue or an open branch's),
    /// each with the due of its work there, along the index (queue, status, due_at, ticket_id).
    const bool byQueue;
    const int limit; ///< every way reads a row more, to know whether there is a next page
    /// The filters but status and visibility, which each way of reading places itself.
    Sql filters;
    /// The same with a search's terms as read when its walk gives up (textConditions).
    Sql filtersOnGivingUp;
    Sql others; ///< the filters but the search's terms
    Sql probes; ///< the search's terms as `filters` holds them
    bool textWalk = false; ///< the search terms are tests of each ticket a walk reads
    QStringList terms; ///< the search's terms (SearchText::terms)
    Sql status;
    Sql visible; ///< canSee's rule as a condition on `t`; empty for seeAll
    QString sortColumn;
    bool descending = false;
    Sql after; ///< the cursor's keyset condition; empty on the first page
    QString order; ///< by sortColumn, then id

    /// The columns that differ per queue (due, at risk, status) are the queue's own on its page.
    QLatin1String member() const { return QLatin1String(byQueue ? "c." : "t."); }
    QLatin1String idColumn() const { return QLatin1String(byQueue ? "c.ticket_id" : "t.id"); }
    QLatin1String direction() const { return QLatin1String(descending ? " DESC" : ""); }
};

void addEqual(Sql &sql, QLatin1String column, const QString &value)
{
    if (value.isEmpty())
        return;
    sql.text += u" AND " + column + u" = ?";
    sql.values << value;
}

Result<void> addAssignee(const QSqlDatabase &db, Sql &sql, const QString &assignee)
{
    if (assignee.isEmpty())
        return {};
    // The ticket's own assignee or a branch's, as canSee counts them. The branch tasks are read
    // first, as ids: without any, the filter stays one range of tickets_assignee in due order;
    // with some, PostgreSQL ORs two index scans, where `OR t.id IN (SELECT ...)` made it scan
    // every ticket (0.3 s on 1,000,000 tickets instead of 1 ms).
    auto branchTasks = runQuery(db,
                                QStringLiteral("SELECT ticket_id FROM ticket_branch_assignees "
                                               "WHERE username = ? ORDER BY ticket_id"),
                                {assignee});
    if (!branchTasks)
        return branchTasks.failure();
    QVariantList ids;
    while (branchTasks->next())
        ids << branchTasks->value(0).toLongLong();
    if (ids.isEmpty()) {
        sql.text += QStringLiteral(" AND t.assignee = ?");
        sql.values << assignee;
    } else {
        sql.text += u" AND (t.assignee = ? OR t.id IN (" + placeholders(int(ids.size())) + u"))";
        sql.values << assignee << ids;
    }
    return {};
}

Result<void> addSla(Sql &sql, const TicketFilter &filter, QLatin1String member)
{
    if (filter.sla == u"at_risk") {
        // A clock becomes at risk before it is due, so both use the at_risk_at index.
        sql.text += u" AND " + member + u"at_risk_at <= ? AND " + member + u"due_at > ?";
        sql.values << filter.now << filter.now;
    } else if (filter.sla == u"breached") {
        sql.text += u" AND " + member + u"at_risk_at <= ? AND " + member + u"due_at <= ?";
        sql.values << filter.now << filter.now;
    } else if (!filter.sla.isEmpty()) {
        return makeError(QStringLiteral("unknown sla filter: %1").arg(filter.sla));
    }
    return {};
}

/// Characters, not UTF-16 units: a trigram is three characters, and 𠮷 is one character in two
/// units (FTS5 finds nothing for a "three unit" term of two characters).
qsizetype characterCount(const QString &term)
{
    return term.toUcs4().size();
}

/// SQLite: `term` as one FTS5 phrase, its double quotes doubled.
QString ftsPhrase(const QString &term)
{
    return u'"' + QString(term).replace(u'"', QStringLiteral("\"\"")) + u'"';
}

/// Whether the trigram index can count `term`'s documents: three characters or more on SQLite
/// (FTS5's trigrams are of characters); on PostgreSQL three ASCII letters or digits in a row, as
/// pg_trgm's trigrams are of words and, in the C locale, a Chinese character is none: "孙秀英"
/// had no trigram, and counting its documents scanned every one (2 s on 1,000,000 tickets). A
/// term not counted is walked, its open part read from the open index (migration 43).
bool countable(bool postgresql, const QString &term)
{
    if (!postgresql)
        return characterCount(term) >= SearchText::trigram;
    int run = 0;
    for (const QChar c : term) {
        run = c.unicode() < 128 && c.isLetterOrNumber() ? run + 1 : 0;
        if (run == SearchText::trigram)
            return true;
    }
    return false;
}

/// PostgreSQL: the grams `terms` are made of (migration 43's baton_search_grams: a term of one
/// character is itself, a longer one its pairs of neighbouring characters), as `ARRAY[...]`.
Sql gramsOf(const QStringList &terms)
{
    QStringList grams;
    for (const QString &term : terms) {
        const QList<uint> characters = term.toUcs4();
        if (characters.size() == 1)
            grams << term;
        for (qsizetype i = 0; i + 1 < characters.size(); ++i)
            grams << QString::fromUcs4(reinterpret_cast<const char32_t *>(&characters[i]), 2);
    }
    grams.removeDuplicates();
    Sql sql;
    sql.text = u"ARRAY["
        + QStringList(grams.size(), QStringLiteral("CAST(? AS TEXT)")).join(QStringLiteral(", "))
        + u']';
    for (const QString &gram : std::as_const(grams))
        sql.values << gram;
    return sql;
}

/// Full-text search (migration 14): every term of the query in the ticket's own document or in
/// one of its comments'. A term is asked in one of two ways:
/// - as the set of tickets it finds (termAsSet), when few do: a term of three characters or more
///   is a trigram index look-up (FTS5 MATCH on SQLite, LIKE over pg_trgm's GIN index on
///   PostgreSQL); a shorter one cannot use trigrams and scans the documents (instr on SQLite,
///   whose FTS5 LIKE misses short CJK terms);
/// - as a test of each ticket read (termAsProbe): its document by id, its comments by their
///   ticket (migration 26), so that a list walked in its own order stops at a page. Reading a
///   common term's whole set, then sorting it, cost 0.6-2.8 s on 1,000,000 tickets.
/// Both find a term as a substring of the lower-case documents, as the trigram index does.
Sql termAsSet(bool postgresql, const QString &term)
{
    Sql sql;
    if (postgresql && !countable(true, term)) {
        // No trigram of pg_trgm's: the term's grams (migration 44), then the term in the text.
        const Sql grams = gramsOf({term});
        const QString where
            = u" WHERE baton_search_grams(body) @> " + grams.text + u" AND strpos(body, ?) > 0";
        sql.text = u" AND t.id IN (SELECT ticket_id FROM ticket_search" + where
            + u" UNION SELECT ticket_id FROM comment_search" + where + u')';
        sql.values << grams.values << term << grams.values << term;
        return sql;
    }
    if (postgresql) {
        const QString value = likeAnywhere(term);
        sql.text = QStringLiteral(" AND t.id IN (SELECT ticket_id FROM ticket_search WHERE body "
                                  "LIKE ? UNION SELECT ticket_id FROM comment_search WHERE body "
                                  "LIKE ?)");
        sql.values << value << value;
        return sql;
    }
    QString condition = QStringLiteral("instr(body, ?) > 0");
    QVariant value = term;
    if (characterCount(term) >= SearchText::trigram) {
        condition = QStringLiteral("%1 MATCH ?");
        value = ftsPhrase(term);
    }
    // The documents waiting for the index (migration 18) are read too, and a ticket's waiting
    // document replaces its indexed one.
    sql.text = u" AND t.id IN (SELECT rowid FROM ticket_search WHERE "
        + QString(condition).replace(QStringLiteral("%1"), QStringLiteral("ticket_search"))
        + u" AND rowid NOT IN (SELECT ticket_id FROM ticket_search_pending)"
          u" UNION SELECT ticket_id FROM ticket_search_pending WHERE instr(body, ?) > 0"
          u" UNION SELECT ticket_id FROM comment_search WHERE "
        + QString(condition).replace(QStringLiteral("%1"), QStringLiteral("comment_search"))
        + u" UNION SELECT ticket_id FROM comment_search_pending WHERE instr(body, ?) > 0)";
    sql.values << value << term << value << term;
    return sql;
}

Sql termAsProbe(bool postgresql, const QString &term)
{
    Sql sql;
    if (postgresql) {
        // Scalar subqueries, not EXISTS: PostgreSQL would hash an EXISTS under OR, reading
        // every document once per query (EXPLAIN ANALYZE on 300,000: 1 s instead of 14 ms).
        sql.text = QStringLiteral(
            " AND (COALESCE((SELECT strpos(s.body, ?) FROM ticket_search s WHERE s.ticket_id = "
            "t.id), 0) > 0 OR (SELECT 1 FROM comment_search s WHERE s.ticket_id = t.id AND "
            "strpos(s.body, ?) > 0 LIMIT 1) IS NOT NULL)");
        sql.values << term << term;
        return sql;
    }
    // FTS5's own rowid look-up with MATCH reads the term's whole index entry for each ticket
    // (~0.5 ms); the content by rowid and the comments' content by ticket (c0, migration 26) are
    // B-tree look-ups.
    sql.text = QStringLiteral(
        " AND (COALESCE((SELECT instr(p.body, ?) FROM ticket_search_pending p WHERE "
        "p.ticket_id = t.id), (SELECT instr(s.body, ?) FROM ticket_search s WHERE s.rowid = "
        "t.id), 0) > 0 OR EXISTS (SELECT 1 FROM comment_search_content s WHERE s.c0 = +t.id AND "
        "instr(s.c1, ?) > 0) OR EXISTS (SELECT 1 FROM comment_search_pending s WHERE "
        "s.ticket_id = t.id AND instr(s.body, ?) > 0))");
    sql.values << term << term << term << term;
    return sql;
}

/// How many tickets' documents contain `term` (countable), counted up to
/// `cap` along the trigram index.
Result<qint64> documentsWithTerm(const QSqlDatabase &db, bool postgresql, const QString &term,
                                 qint64 cap)
{
    const QLatin1String match(postgresql ? "body LIKE ?" : "ticket_search MATCH ?");
    const QString value = postgresql ? likeAnywhere(term) : ftsPhrase(term);
    auto counted = runQuery(db,
                            u"SELECT COUNT(*) FROM (SELECT 1 FROM ticket_search WHERE " + match
                                + u" LIMIT ?) found",
                            {value, cap});
    if (!counted)
        return counted.failure();
    return counted->next() ? counted->value(0).toLongLong() : 0;
}

/// Rows read per row of a page when a list is walked in its order, up to which that beats
/// reading a set and sorting it: sqrt(2 * page * tickets), 10,000 of 1,000,000 tickets for a
/// page of 50 (see visibleSetIsSmall).
Result<qint64> walkBound(const QSqlDatabase &db, int page)
{
    auto total = runQuery(db, QStringLiteral("SELECT MAX(id) FROM tickets"));
    if (!total)
        return total.failure();
    const qint64 tickets = total->next() ? total->value(0).toLongLong() : 0;
    return std::clamp<qint64>(qint64(std::sqrt(2.0 * double(page) * double(tickets))), 200, 50000);
}

/// The query's terms as conditions on `t`. When a term of three characters or more is in fewer
/// than walkBound documents, the fewest of those is the set the page is read from and every
/// other term a test of its tickets. Otherwise every term is a test (`walk`): the list is read
/// in its order until a page passes; `onGivingUp` is the way back when that walk gives up (the
/// matches are too rare in the order read).
struct TextConditions
{
    Sql chosen, onGivingUp;
    bool walk = false;
};
Result<TextConditions> textConditions(const QSqlDatabase &db, const QString &text, int page)
{
    TextConditions out;
    const QStringList terms = SearchText::terms(text);
    if (terms.isEmpty())
        return out;
    const bool postgresql = db.driverName() == u"QPSQL";
    auto bound = walkBound(db, page);
    if (!bound)
        return bound.failure();
    // Counted up to a few pages first: a rare term (a key, a phone) then costs no more.
    qsizetype fewest = -1;
    for (const qint64 cap : {qint64(4 * page), *bound}) {
        qint64 fewestCount = cap;
        for (qsizetype i = 0; i < terms.size(); ++i) {
            if (!countable(postgresql, terms[i]))
                continue; // no index to count with
            auto count = documentsWithTerm(db, postgresql, terms[i], fewestCount);
            if (!count)
                return count.failure();
            if (*count < fewestCount) {
                fewest = i;
                fewestCount = *count;
            }
        }
        if (fewest >= 0)
            break;
    }
    out.walk = fewest < 0;
    // Should the walk give up, every term is read as a set, as before walks: the longest term's
    // set with the others tested on its tickets cost more at 1,000,000 tickets ("Zhang Bo" as
    // an agent: 32,524 tickets looked up at random, each tested for visibility).
    for (qsizetype i = 0; i < terms.size(); ++i) {
        const Sql set = termAsSet(postgresql, terms[i]);
        const Sql &chosen = i == fewest ? set : termAsProbe(postgresql, terms[i]);
        out.chosen.text += chosen.text;
        out.chosen.values << chosen.values;
        out.onGivingUp.text += set.text;
        out.onGivingUp.values << set.values;
    }
    return out;
}

/// The filters but status and visibility, in the order of their placeholders.
Result<Sql> filterConditions(const QSqlDatabase &db, const ListPlan &plan)
{
    const TicketFilter &filter = plan.filter;
    Sql sql;
    addEqual(sql, QLatin1String("t.state"), filter.state);
    if (auto assignee = addAssignee(db, sql, filter.assignee); !assignee)
        return assignee.failure();
    addEqual(sql, QLatin1String("t.originator"), filter.originator);
    addEqual(sql, QLatin1String("t.customer_id"), filter.customer);
    if (auto sla = addSla(sql, filter, plan.member()); !sla)
        return sla.failure();
    return sql;
}

Sql visibilityCondition(const TicketFilter &filter)
{
    // The rule of access.cpp's canSee, which GET /tickets/{id} applies: originator, assignee, a
    // branch's assignee, or a member (or supervisor) of a queue it visited. A user's branch
    // tasks are few (tickets in a parallel state): listed once and probed in memory, where a
    // correlated EXISTS looked each scanned row up in the index (an unfiltered 1,000,000-ticket
    // list: +5% instead of +18%).
    Sql visible;
    visible.text = QStringLiteral(" AND (t.originator = ? OR t.assignee = ? OR t.id IN "
                                  "(SELECT w.ticket_id FROM ticket_branch_assignees w WHERE "
                                  "w.username = ?)");
    visible.values << filter.viewer << filter.viewer << filter.viewer;
    if (!filter.viewerQueues.isEmpty()) {
        // Correlated: a page looks up the few queues of the rows it reads, where
        // `t.id IN (SELECT ...)` would first list every ticket ever in the viewer's queues.
        visible.text += u" OR EXISTS (SELECT 1 FROM ticket_queues v WHERE v.ticket_id = t.id "
                        u"AND v.queue IN ("
            + placeholders(int(filter.viewerQueues.size())) + u"))";
        for (const QString &queue : filter.viewerQueues)
            visible.values << queue;
    }
    visible.text += u')';
    return visible;
}

void setSort(ListPlan &plan)
{
    using Sort = TicketFilter::Sort;
    const Sort sort = plan.filter.sort;
    plan.descending
        = sort == Sort::DueDesc || sort == Sort::CreatedDesc || sort == Sort::UpdatedDesc;
    if (sort == Sort::CreatedAsc || sort == Sort::CreatedDesc)
        plan.sortColumn = QStringLiteral("t.created_at");
    else if (sort == Sort::UpdatedAsc || sort == Sort::UpdatedDesc)
        plan.sortColumn = QStringLiteral("t.updated_at");
    else
        plan.sortColumn = plan.member() + u"due_at";
}

/// The keyset condition of the page after the filter's cursor, which cursorAfter() wrote.
Result<Sql> cursorCondition(const ListPlan &plan)
{
    Sql after;
    if (plan.filter.cursor.isEmpty())
        return after;
    // Keyset pagination: "value:id" of the last row of the previous page.
    const QString decoded = QString::fromUtf8(
        QByteArray::fromBase64(plan.filter.cursor.toLatin1(), QByteArray::Base64UrlEncoding));
    const QStringList parts = decoded.split(u':');
    bool okValue = false, okId = false;
    const qint64 value = parts.value(0).toLongLong(&okValue);
    const qint64 id = parts.value(1).toLongLong(&okId);
    if (parts.size() != 2 || !okValue || !okId)
        return makeError(QStringLiteral("bad cursor"));
    // A row value, so that the page after starts with an index seek, not a scan from the
    // queue's first row.
    const QLatin1String op(plan.descending ? "<" : ">");
    after.text = u" AND (" + plan.sortColumn + u", " + plan.idColumn() + u") " + op + u" (?, ?)";
    after.values << value << id;
    return after;
}

Result<ListPlan> planList(const QSqlDatabase &db, const TicketFilter &filter)
{
    ListPlan plan(filter);
    auto filters = filterConditions(db, plan);
    if (!filters)
        return filters.failure();
    auto text = textConditions(db, filter.text, plan.limit + 1);
    if (!text)
        return text.failure();
    plan.filtersOnGivingUp = *filters;
    plan.filtersOnGivingUp.text += text->onGivingUp.text;
    plan.filtersOnGivingUp.values << text->onGivingUp.values;
    plan.others = *filters;
    plan.probes = text->chosen;
    plan.filters = std::move(*filters);
    plan.filters.text += text->chosen.text;
    plan.filters.values << text->chosen.values;
    plan.textWalk = text->walk;
    plan.terms = SearchText::terms(filter.text);
    if (!filter.status.isEmpty()) {
        plan.status.text = u" AND " + plan.member() + u"status = ?";
        plan.status.values << filter.status;
    }
    if (!filter.seeAll)
        plan.visible = visibilityCondition(filter);
    setSort(plan);
    auto after = cursorCondition(plan);
    if (!after)
        return after.failure();
    plan.after = std::move(*after);
    plan.order = u" ORDER BY " + plan.sortColumn + plan.direction() + u", " + plan.idColumn()
        + plan.direction();
    return plan;
}

/// A ticket of the page being found, by id, with its sort value for the cursor.
struct Candidate
{
    qint64 value, id;
};
using Candidates = QList<Candidate>;

/// The page's part of one status (or of all, when empty) read from the visible set.
Result<Candidates> readVisibleSet(const QSqlDatabase &db, const ListPlan &plan,
                                  const QString &oneStatus)
{
    const Sql set = visibleIds(plan.filter, false);
    QString text = u"SELECT t.id, " + plan.sortColumn + u" FROM tickets t WHERE t.id IN ("
        + set.text + u')' + plan.filters.text;
    QVariantList binds = set.values;
    binds << plan.filters.values;
    if (!oneStatus.isEmpty()) {
        // Not an index term: SQLite would walk all of a status's tickets along the
        // (status, ...) index in sort order and probe the set, rather than read the set.
        text += QStringLiteral(" AND t.status || '' = ?");
        binds << oneStatus;
    }
    text += plan.after.text + plan.order + u" LIMIT ?";
    binds << plan.after.values << plan.limit + 1;
    auto found = runQuery(db, text, binds);
    if (!found)
        return found.failure();
    Candidates part;
    while (found->next())
        part.append({found->value(1).toLongLong(), found->value(0).toLongLong()});
    return part;
}

/// What the walks of all statuses share.
struct Walk
{
    bool postgresql = false;
    QString seen; ///< 1 for a row the viewer may see (and the search finds), else 0
    QVariantList seenValues;
    qint64 budget = 0; ///< the rows one status's walk reads at most
};

/// One status's walk along the index: its statement from FROM on, and the values it binds.
struct WalkRange
{
    QString text;
    QVariantList values;
};

/// The visible rows a walk found, and whether it used up its budget before finding a page.
struct Walked
{
    Candidates part;
    bool budgetSpent = false;
};

Walk walkSetup(const QSqlDatabase &db, const ListPlan &plan, qint64 bound)
{
    Walk walk;
    walk.budget = std::max<qint64>(bound / 2, 4 * (plan.limit + 1));
    walk.postgresql = db.driverName() == u"QPSQL";
    // The search terms, when there are, are the walk's only filters (findPageIds).
    walk.seen = plan.filter.seeAll && plan.filters.text.isEmpty()
        ? QStringLiteral("1")
        : u"CASE WHEN 1 = 1" + plan.visible.text + plan.filters.text + u" THEN 1 ELSE 0 END";
    walk.seenValues << plan.visible.values << plan.filters.values;
    const QStringList &queues = plan.filter.viewerQueues;
    if (walk.postgresql && !queues.isEmpty()) {
        // OFFSET 0 keeps PostgreSQL from hashing every ticket of the viewer's queues before the
        // first row (a department's 300,000: 130-170 ms a walk instead of 4). The walk probes
        // the index for the few hundred rows it reads.
        walk.seen.replace(QStringLiteral("v.queue IN (") + placeholders(int(queues.size())) + u"))",
                          QStringLiteral("v.queue IN (") + placeholders(int(queues.size()))
                              + u") OFFSET 0)");
    }
    return walk;
}

Result<Walked> walkOnPostgresql(const QSqlDatabase &db, const ListPlan &plan, const Walk &walk,
                                const WalkRange &range)
{
    // The client receives a whole result: the server stops at a page of visible rows (the
    // ordered walk's order carries through the filter, no sort), and a short page asks whether
    // the walk used up its budget.
    const QLatin1String direction = plan.direction();
    auto walked
        = runQuery(db,
                   u"SELECT id, v FROM (SELECT t.id AS id, " + plan.sortColumn + u" AS v, "
                       + walk.seen + u" AS seen" + range.text + u") w WHERE seen = 1 ORDER BY v"
                       + direction + u", id" + direction + u" LIMIT ?",
                   QVariantList(walk.seenValues) << range.values << plan.limit + 1);
    if (!walked)
        return walked.failure();
    Walked found;
    while (walked->next())
        found.part.append({walked->value(1).toLongLong(), walked->value(0).toLongLong()});
    if (found.part.size() > plan.limit)
        return found;
    auto read = runQuery(db, u"SELECT COUNT(*) FROM (SELECT 1" + range.text + u") w", range.values);
    if (!read)
        return read.failure();
    found.budgetSpent = read->next() && read->value(0).toLongLong() == walk.budget;
    return found;
}

Result<Walked> walkOnSqlite(const QSqlDatabase &db, const ListPlan &plan, const Walk &walk,
                            const WalkRange &range)
{
    // SQLite steps the walk as the rows are read, so it stops here (a filter around it would
    // sort the budget's rows before the first came out).
    auto walked = runQuery(db, u"SELECT t.id, " + plan.sortColumn + u", " + walk.seen + range.text,
                           QVariantList(walk.seenValues) << range.values);
    if (!walked)
        return walked.failure();
    Walked found;
    qint64 read = 0;
    while (found.part.size() <= plan.limit && walked->next()) {
        ++read;
        if (walked->value(2).toInt() == 1)
            found.part.append({walked->value(1).toLongLong(), walked->value(0).toLongLong()});
    }
    found.budgetSpent = found.part.size() <= plan.limit && read == walk.budget;
    return found;
}

/// The (id, sort value) rows `sql` selects, as a status's part of the page.
Result<std::optional<Candidates>> candidatesOf(const QSqlDatabase &db, const QString &sql,
                                               const QVariantList &values)
{
    auto found = runQuery(db, sql, values);
    if (!found)
        return found.failure();
    Candidates part;
    while (found->next())
        part.append({found->value(1).toLongLong(), found->value(0).toLongLong()});
    return std::optional<Candidates>(std::move(part));
}

/// Whether FTS5 keeps `term` as it is: its index holds the case-folded text, and a few
/// lower-case letters fold further (final sigma to sigma, the long s to s). Those have another
/// upper-case letter's lower case; a term with one is not looked up in the index's vocabulary.
bool foldsToItself(const QString &term)
{
    for (const char32_t c : term.toUcs4())
        if (QChar::toLower(QChar::toUpper(c)) != c || QChar::toLower(c) != c)
            return false;
    return true;
}

/// The open documents' trigrams read for one term at most, and the documents they may be in
/// (counted once per trigram): a term with more is tested on the documents found by the others.
constexpr qint64 shortTermTrigramsRead = 256, shortTermDocumentsRead = 50000;

/// SQLite: a term of one or two characters as the open documents' trigrams that begin with it,
/// one FTS5 expression ("孙" -> ("孙秀英" OR "孙伟 " OR ...)): every open document ends in two
/// spaces (migration 32), so each place the term occurs begins one. An empty expression when
/// none does (no open document holds the term); none when the trigrams are too many to read
/// (shortTermTrigramsRead, shortTermDocumentsRead) or the term is not one FTS5 keeps as it is.
Result<std::optional<QString>> openTrigramsOf(const QSqlDatabase &db, const QString &term)
{
    if (!foldsToItself(term))
        return std::optional<QString>();
    // The trigrams from the term up to the term followed by the last character there is, in the
    // vocabulary's order (UTF-8 bytes, that is code points).
    QString last = term;
    while (characterCount(last) < SearchText::trigram)
        last += QString::fromUcs4(U"\U0010FFFF", 1);
    auto read = runQuery(db,
                         QStringLiteral("SELECT term, doc FROM open_search_terms WHERE term >= ? "
                                        "AND term <= ?"),
                         {term, last});
    if (!read)
        return read.failure();
    QStringList phrases;
    qint64 documents = 0;
    while (read->next()) {
        documents += read->value(1).toLongLong();
        if (phrases.size() == shortTermTrigramsRead || documents > shortTermDocumentsRead) {
            read->finish();
            return std::optional<QString>();
        }
        phrases << ftsPhrase(read->value(0).toString());
    }
    if (phrases.isEmpty())
        return std::optional<QString>(QString());
    return std::optional<QString>(u'(' + phrases.join(QStringLiteral(" OR ")) + u')');
}

/// PostgreSQL: the open documents that hold every term (migration 43): each term's grams (its
/// characters, or its pairs of neighbouring characters) in the GIN index, then the term itself
/// in the document's text.
Sql openMatchesOnPostgresql(const ListPlan &plan)
{
    const Sql grams = gramsOf(plan.terms);
    Sql matching;
    matching.text
        = u"SELECT ticket_id AS id, 0 AS stale FROM open_search WHERE grams @> " + grams.text;
    matching.values = grams.values;
    for (const QString &term : plan.terms) {
        matching.text += QStringLiteral(" AND strpos(body, ?) > 0");
        matching.values << term;
    }
    return matching;
}

/// The open documents `matching` finds, read once when fewer than `fewerThan`: the ids found
/// then stand in for the index's matches. None when there are that many or more.
Result<std::optional<Sql>> matchesReadOnce(const QSqlDatabase &db, const Sql &matching,
                                           qint64 fewerThan)
{
    auto read
        = runQuery(db, matching.text + u" LIMIT ?", QVariantList(matching.values) << fewerThan);
    if (!read)
        return read.failure();
    QVariantList ids;
    while (read->next())
        ids << read->value(0).toLongLong();
    if (ids.size() >= fewerThan)
        return std::optional<Sql>();
    Sql found;
    if (db.driverName() == u"QPSQL") { // one array, where a VALUES list's types are unknown
        QStringList list;
        for (const QVariant &id : std::as_const(ids))
            list << QString::number(id.toLongLong());
        found.text = QStringLiteral("SELECT unnest(CAST(? AS BIGINT[])) AS id, 0 AS stale");
        found.values << QVariant(u'{' + list.join(u',') + u'}');
    } else {
        found.text = ids.isEmpty() ? QStringLiteral("SELECT NULL AS id, 0 AS stale WHERE 0")
                                   : u"SELECT column1 AS id, 0 AS stale FROM (VALUES "
                + QStringList(ids.size(), QStringLiteral("(?)")).join(u',') + u')';
        found.values = ids;
    }
    return std::optional<Sql>(std::move(found));
}

/// The page's part of the open tickets, for a search whose walk gave up: the open
/// documents that hold every term (open_search), and (SQLite) the tickets whose open document is
/// stale, tested as the walk tests them. Each then read for its sort value and visibility; a term
/// of one or two characters is the trigrams that begin with it (openTrigramsOf), or, when they
/// are too many, looked for in the text of the documents the other terms find.
/// With `fewerThan`, none unless fewer documents than that match (counted first).
Result<std::optional<Candidates>> openPartFromIndex(const QSqlDatabase &db, const ListPlan &plan,
                                                    const Sql &ceiling, qint64 fewerThan = 0)
{
    const bool postgresql = db.driverName() == u"QPSQL";
    QStringList phrases;
    Sql matching = postgresql ? openMatchesOnPostgresql(plan) : Sql();
    if (!postgresql)
        matching.text
            = QStringLiteral("SELECT rowid AS id, 0 AS stale FROM open_search WHERE 1 = 1");
    bool noneIndexed = false; // a term no open document holds
    for (const QString &term : postgresql ? QStringList() : plan.terms) {
        if (characterCount(term) >= SearchText::trigram) {
            phrases << ftsPhrase(term);
            continue;
        }
        auto trigrams = openTrigramsOf(db, term);
        if (!trigrams)
            return trigrams.failure();
        if (*trigrams && (*trigrams)->isEmpty()) {
            noneIndexed = true;
        } else if (*trigrams) {
            phrases << **trigrams;
        } else {
            matching.text += QStringLiteral(" AND instr(body, ?) > 0");
            matching.values << term;
        }
    }
    if (noneIndexed) {
        matching.text = QStringLiteral("SELECT NULL AS id, 0 AS stale WHERE 0");
        matching.values.clear();
        phrases.clear();
        fewerThan = 0;
    }
    if (!noneIndexed && !postgresql) {
        // Without a term the trigram index can find, every open document would be scanned.
        if (phrases.isEmpty())
            return std::optional<Candidates>();
        matching.text += QStringLiteral(" AND open_search MATCH ?");
        matching.values << phrases.join(QStringLiteral(" AND "));
        matching.text += QStringLiteral(" AND rowid NOT IN (" BATON_OPEN_SEARCH_STALE_IDS ")");
    }
    if (fewerThan > 0) {
        auto read = matchesReadOnce(db, matching, fewerThan);
        if (!read)
            return read.failure();
        if (!*read)
            return std::optional<Candidates>();
        matching = std::move(**read);
    }
    if (!postgresql) // PostgreSQL's open documents are never stale (opensearch_p.h)
        matching.text += QStringLiteral(
            " UNION ALL SELECT ticket_id, 1 FROM (" BATON_OPEN_SEARCH_STALE_IDS ")");
    // CROSS JOIN: the matches drive (SQLite keeps the order written), the tickets (and on a
    // queue's page their row there) are looked up by id; the other filters are tested on each,
    // the terms on a stale one. PostgreSQL has no CROSS JOIN ... ON, and plans its own order.
    const QLatin1String join(postgresql ? " JOIN " : " CROSS JOIN ");
    QVariantList values = matching.values;
    QString text = u"SELECT t.id, " + plan.sortColumn + u" FROM (" + matching.text + u") m" + join
        + u"tickets t ON t.id = m.id";
    if (plan.byQueue) {
        text += join + u"ticket_queues_current c ON c.ticket_id = t.id AND c.queue = ?";
        values << plan.filter.queue;
    }
    text += u" WHERE t.status = 'open'" + plan.others.text + u" AND (m.stale = 0 OR (1 = 1"
        + plan.probes.text + u"))" + plan.visible.text + plan.after.text + ceiling.text + plan.order
        + u" LIMIT ?";
    values << plan.others.values << plan.probes.values << plan.visible.values << plan.after.values
           << ceiling.values << plan.limit + 1;
    return candidatesOf(db, text, values);
}

/// Terms in more documents than this are not read as a set when a walk gives up.
constexpr qint64 largestSetRead = 50000;

/// SQLite: the page's part of a status whose tickets all have one sort value (closed tickets
/// sorted by due: none has a due date), for a search whose walk gave up: in id order, the
/// order of the rarest term's documents, read from its set and stopped at a page. None when
/// the values differ or every term is in too many documents (or none has a trigram).
Result<std::optional<Candidates>> constantStatusPart(const QSqlDatabase &db, const ListPlan &plan,
                                                     const QString &status, const Sql &ceiling)
{
    const QString column = plan.sortColumn.mid(2); // "t.due_at" -> "due_at"
    auto range = runQuery(db,
                          u"SELECT (SELECT MIN(" + column
                              + u") FROM tickets WHERE status = ?), "
                                u"(SELECT MAX("
                              + column + u") FROM tickets WHERE status = ?)",
                          {status, status});
    if (!range)
        return range.failure();
    if (!range->next() || range->value(0) != range->value(1))
        return std::optional<Candidates>();
    QList<qsizetype> indexed; // the terms with a trigram
    for (qsizetype i = 0; i < plan.terms.size(); ++i)
        if (characterCount(plan.terms[i]) >= SearchText::trigram)
            indexed << i;
    // One such term is read without counting it first: the count would read its set once more.
    qsizetype rarest = indexed.size() == 1 ? indexed.constFirst() : -1;
    qint64 fewest = largestSetRead;
    for (qsizetype i : indexed.size() > 1 ? indexed : QList<qsizetype>()) {
        auto count = documentsWithTerm(db, false, plan.terms[i], fewest);
        if (!count)
            return count.failure();
        if (*count < fewest) {
            rarest = i;
            fewest = *count;
        }
    }
    if (rarest < 0)
        return std::optional<Candidates>();
    // The set is read whole (an ordered list of ids), then the tickets in its order until a
    // page passes; `|| ''` keeps SQLite from walking the status's index instead.
    const Sql set = termAsSet(false, plan.terms[rarest]);
    const QLatin1String direction = plan.direction();
    const QString text = u"SELECT t.id, " + plan.sortColumn
        + u" FROM tickets t WHERE t.status || '' = ?" + set.text + plan.filters.text
        + plan.visible.text + plan.after.text + ceiling.text + u" ORDER BY t.id" + direction
        + u" LIMIT ?";
    return candidatesOf(db, text,
                        QVariantList {status} << set.values << plan.filters.values
                                              << plan.visible.values << plan.after.values
                                              << ceiling.values << plan.limit + 1);
}

/// The page's part of one status, walked along its index; `merged` is what the walks of the
/// statuses before found. None when a search used up its budget: its matches are rare in this
/// order, and the page is read in one statement instead (filtersOnGivingUp).
/// Whether one of the search's terms has a trigram (three characters or more).
bool hasIndexedTerm(const ListPlan &plan)
{
    return std::any_of(plan.terms.cbegin(), plan.terms.cend(), [](const QString &term) {
        return characterCount(term) >= SearchText::trigram;
    });
}

/// Sets `*rareShortTerms` when the open part `part` holds less than a page and the search has
/// only terms of one or two characters (see walkStatus).
void noteRareShortTerms(const ListPlan &plan, const Result<std::optional<Candidates>> &part,
                        bool *rareShortTerms)
{
    if (part && *part && (*part)->size() <= plan.limit && !hasIndexedTerm(plan))
        *rareShortTerms = true;
}

Result<std::optional<Candidates>> walkStatus(const QSqlDatabase &db, const ListPlan &plan,
                                             const Walk &walk, const QString &status,
                                             const Candidates &merged, bool *rareShortTerms)
{
    // Once a page's worth is known, a walk only looks for rows that come before its last row.
    Sql ceiling;
    if (merged.size() > plan.limit) {
        ceiling.text = u" AND (" + plan.sortColumn + u", t.id) "
            + QLatin1String(plan.descending ? ">" : "<") + u" (?, ?)";
        ceiling.values << merged[plan.limit].value << merged[plan.limit].id;
    }
    // SQLite: open matches fewer than a walk's rows are read from their own index at once (a
    // walk that would give up costs its whole budget first), unless the viewer sees every
    // ticket (an admin) and every term is of one or two characters: such a term is common, and
    // its page is found within the first rows walked, where its matches were read from the
    // index as the many trigrams that begin with it ("孙" on 1,000,000 tickets: 21 ms walked,
    // 96 ms from the index). A rare one walks its budget, then reads the index.
    const bool openIndex = plan.textWalk && status == u"open";
    if (openIndex && !(plan.filter.seeAll && !hasIndexedTerm(plan))) {
        auto part = openPartFromIndex(db, plan, ceiling, walk.budget);
        noteRareShortTerms(plan, part, rareShortTerms);
        if (!part || *part)
            return part;
    }
    // Terms of one or two characters that fewer open tickets than a page hold: the other
    // statuses' walks would most likely give up too, and only a scan of the documents can find
    // them there (no trigram begins at a closed document's last characters).
    if (*rareShortTerms && status != u"open")
        return std::optional<Candidates>();
    WalkRange range;
    range.text = u" FROM tickets t WHERE t.status = ?" + plan.after.text + ceiling.text + plan.order
        + u" LIMIT ?";
    range.values << status << plan.after.values << ceiling.values << walk.budget;
    auto walked = walk.postgresql ? walkOnPostgresql(db, plan, walk, range)
                                  : walkOnSqlite(db, plan, walk, range);
    if (!walked)
        return walked.failure();
    // SQLite: the open tickets' matches are read from their own index (opensearch_p.h).
    if (walked->budgetSpent && openIndex) {
        auto part = openPartFromIndex(db, plan, ceiling);
        noteRareShortTerms(plan, part, rareShortTerms);
        return part;
    }
    if (walked->budgetSpent && plan.textWalk && !walk.postgresql) {
        auto part = constantStatusPart(db, plan, status, ceiling);
        if (!part || *part)
            return part;
    }
    // Elsewhere a search that gave up reads its terms' sets in one statement
    // (filtersOnGivingUp): testing every ticket a viewer with a department's queues may see
    // cost more.
    if (walked->budgetSpent && plan.textWalk)
        return std::optional<Candidates>();
    if (walked->budgetSpent) {
        auto part = readVisibleSet(db, plan, status);
        if (!part)
            return part.failure();
        return std::optional<Candidates>(std::move(*part));
    }
    return std::optional<Candidates>(std::move(walked->part));
}

/// The statuses a search walks one by one (the filter's, else those present), open first: an
/// agent's list is mostly open work, and the open walk's page then bounds the others (closed
/// tickets are due last, so their walk is empty by due).
Result<QStringList> statusesOpenFirst(const QSqlDatabase &db, const ListPlan &plan)
{
    QStringList statuses {plan.filter.status};
    if (plan.filter.status.isEmpty()) {
        auto present = ticketStatuses(db);
        if (!present)
            return present.failure();
        statuses = *present;
    }
    if (const qsizetype open = statuses.indexOf(QStringLiteral("open")); open > 0)
        statuses.move(open, 0);
    return statuses;
}

/// Whether candidate a comes before b in the plan's sort order (ties by id).
bool sortsBefore(const ListPlan &plan, const Candidate &a, const Candidate &b)
{
    return plan.descending ? std::pair(b.value, b.id) < std::pair(a.value, a.id)
                           : std::pair(a.value, a.id) < std::pair(b.value, b.id);
}

/// The page along the index in sort order, one walk per status, merged; none when a search's
/// walk gave up (walkStatus).
Result<std::optional<Candidates>> walkInSortOrder(const QSqlDatabase &db, const ListPlan &plan,
                                                  qint64 bound)
{
    auto statuses = statusesOpenFirst(db, plan);
    if (!statuses)
        return statuses.failure();
    const Walk walk = walkSetup(db, plan, bound);
    auto before
        = [&plan](const Candidate &a, const Candidate &b) { return sortsBefore(plan, a, b); };
    Candidates merged;
    bool rareShortTerms = false;
    for (const QString &one : std::as_const(*statuses)) {
        auto part = walkStatus(db, plan, walk, one, merged, &rareShortTerms);
        if (!part)
            return part.failure();
        if (!*part)
            return std::optional<Candidates>();
        merged << **part;
        std::sort(merged.begin(), merged.end(), before);
        merged = merged.mid(0, plan.limit + 1);
    }
    return std::optional<Candidates>(merged.mid(0, plan.limit + 1));
}

/// Whether the page starts from an index range of its own (a queue's or a person's tickets),
/// along which a search's terms are tested in sort order.
bool startsFromARange(const ListPlan &plan)
{
    const TicketFilter &filter = plan.filter;
    return plan.byQueue || !filter.assignee.isEmpty() || !filter.originator.isEmpty()
        || !filter.customer.isEmpty();
}

/// Where pageInOneStatement reads a page from, with the values it binds.
Sql rangeSource(const ListPlan &plan)
{
    Sql from;
    from.text = plan.byQueue ? QStringLiteral(" FROM ticket_queues_current c JOIN tickets t ON "
                                              "t.id = c.ticket_id WHERE c.queue = ?")
                             : QStringLiteral(" FROM tickets t WHERE 1 = 1");
    if (plan.byQueue)
        from.values << plan.filter.queue;
    return from;
}

/// SQLite: a queue's page searched for terms many tickets match (a walk
/// along the range, testing them on each ticket), one part per status, merged. The open
/// tickets' part is read from their own index when fewer open documents than a walk's budget
/// match: walked in due order, a queue's open tickets come first, and when none matched
/// ("wedding dress" in the busiest queue of 1,000,000 tickets) each was tested in vain
/// (0.6 s). Every other part is walked as before, each along its status alone.
Result<Candidates> rangeByStatus(const QSqlDatabase &db, const ListPlan &plan)
{
    auto statuses = statusesOpenFirst(db, plan);
    if (!statuses)
        return statuses.failure();
    auto bound = walkBound(db, plan.limit + 1);
    if (!bound)
        return bound.failure();
    auto before
        = [&plan](const Candidate &a, const Candidate &b) { return sortsBefore(plan, a, b); };
    const Sql from = rangeSource(plan);
    Candidates merged;
    for (const QString &status : std::as_const(*statuses)) {
        Sql ceiling; // once a page's worth is known, only rows before its last
        if (merged.size() > plan.limit) {
            ceiling.text = u" AND (" + plan.sortColumn + u", " + plan.idColumn() + u") "
                + QLatin1String(plan.descending ? ">" : "<") + u" (?, ?)";
            ceiling.values << merged[plan.limit].value << merged[plan.limit].id;
        }
        std::optional<Candidates> part;
        if (status == u"open") {
            auto indexed = openPartFromIndex(db, plan, ceiling, std::max<qint64>(*bound / 2, 1));
            if (!indexed)
                return indexed.failure();
            part = std::move(*indexed);
        }
        if (!part) {
            auto walked = candidatesOf(
                db,
                u"SELECT t.id, " + plan.sortColumn + from.text + plan.filters.text + u" AND "
                    + plan.member() + u"status = ?" + plan.visible.text + plan.after.text
                    + ceiling.text + plan.order + u" LIMIT ?",
                QVariantList(from.values) << plan.filters.values << status << plan.visible.values
                                          << plan.after.values << ceiling.values << plan.limit + 1);
            if (!walked)
                return walked.failure();
            part = std::move(*walked);
        }
        merged << *part;
        std::sort(merged.begin(), merged.end(), before);
        merged = merged.mid(0, plan.limit + 1);
    }
    return merged;
}

/// The page's ids (and a row more when there is a next page), or none when the page is read in
/// one statement instead (pageInOneStatement).
///
/// Without a queue or a person to start from, the page's ids are found first (narrow rows),
/// then its rows, in one of two ways:
/// - from the viewer's visible set, when it is small (an agent's few thousand tickets):
///   every visible ticket's id along the indexes, filtered and sorted;
/// - along an index in sort order, (status, due_at | created_at | updated_at, id), one walk
///   per status, stopping after a page of rows that pass visibility (a department's 200,000
///   tickets, or an admin's all). A walk reads at most `budget` rows: a viewer who sees
///   few tickets of that status (an agent's open tickets among 800,000 closed ones) gets
///   that status's part from the visible set instead. Only for status, visibility and search
///   terms that many tickets match (textConditions): with other filters most rows might fail,
///   and the walk would read most of the table.
/// Both gave the whole table sorted before (0.7-1 s on 1,000,000 tickets).
Result<std::optional<Candidates>> findPageIds(const QSqlDatabase &db, const ListPlan &plan)
{
    const TicketFilter &filter = plan.filter;
    // A person's tickets stay one statement: split by status, SQLite walked every closed ticket
    // along (status, due_at, id) for the assignee's few (22 -> 210 ms on 200,000 tickets).
    if (plan.byQueue && plan.textWalk) {
        auto parts = rangeByStatus(db, plan);
        if (!parts)
            return parts.failure();
        return std::optional<Candidates>(std::move(*parts));
    }
    if (startsFromARange(plan))
        return std::optional<Candidates>();
    qint64 bound = 0;
    if (filter.seeAll && plan.textWalk) {
        auto tickets = walkBound(db, plan.limit + 1);
        if (!tickets)
            return tickets.failure();
        bound = *tickets;
    }
    if (!filter.seeAll) {
        auto small = visibleSetIsSmall(db, filter, plan.limit + 1);
        if (!small)
            return small.failure();
        bound = small->bound;
        if (small->small) {
            auto part = readVisibleSet(db, plan, filter.status);
            if (!part)
                return part.failure();
            return std::optional<Candidates>(std::move(*part));
        }
    }
    const bool walkable = filter.state.isEmpty() && filter.sla.isEmpty()
        && (filter.text.isEmpty() || plan.textWalk);
    if (!walkable)
        return std::optional<Candidates>();
    return walkInSortOrder(db, plan, bound);
}

/// The page of the rows of `candidates` (found by findPageIds), in their order.
Result<TicketPage> pageOfIds(const QSqlDatabase &db, const ListPlan &plan,
                             const Candidates &candidates)
{
    TicketPage page;
    if (candidates.isEmpty())
        return page;
    QVariantList ids;
    for (const Candidate &c : candidates)
        ids << c.id;
    auto rows = runQuery(db,
                         u"SELECT " + selectedColumns() + u" FROM tickets t WHERE t.id IN ("
                             + placeholders(int(ids.size())) + u')',
                         ids);
    if (!rows)
        return rows.failure();
    QHash<qint64, TicketRow> byId;
    while (rows->next()) {
        TicketRow row = ticketFrom(*rows);
        byId.insert(row.id, std::move(row));
    }
    for (const Candidate &c : candidates) {
        if (page.items.size() == plan.limit) { // a row beyond the limit: there is a next page
            const Candidate &last = candidates[plan.limit - 1];
            page.nextCursor = cursorAfter(last.value, last.id);
            break;
        }
        // Gone between the two reads only if deleted, which tickets never are.
        if (const auto it = byId.constFind(c.id); it != byId.cend())
            page.items.append(*it);
    }
    return page;
}

/// The page in one statement with every filter: a queue's page, a person's tickets, and
/// the filters that would make a walk read most of the table.
Result<TicketPage> pageInOneStatement(const QSqlDatabase &db, const ListPlan &plan)
{
    const Sql from = rangeSource(plan);
    // A search whose terms many tickets match tests them along a queue's or a person's range;
    // elsewhere (a walk gave up, or other filters) it reads the terms' sets.
    const Sql &filters
        = plan.textWalk && !startsFromARange(plan) ? plan.filtersOnGivingUp : plan.filters;
    const QString query = u"SELECT " + selectedColumns() + u", " + plan.sortColumn + from.text
        + filters.text + plan.status.text + plan.visible.text + plan.after.text + plan.order
        + u" LIMIT ?";
    QVariantList values = from.values;
    values << filters.values << plan.status.values << plan.visible.values << plan.after.values
           << plan.limit + 1;
    auto rows = runQuery(db, query, values);
    if (!rows)
        return rows.failure();
    TicketPage page;
    qint64 lastValue = 0;
    while (rows->next() && page.items.size() < plan.limit) {
        page.items.append(ticketFrom(*rows));
        lastValue = rows->value(ticketColumnCount).toLongLong();
    }
    if (rows->isValid()) // a row beyond the limit: there is a next page
        page.nextCursor = cursorAfter(lastValue, page.items.constLast().id);
    return page;
}

} // namespace

Result<TicketPage> TicketReader::list(const QSqlDatabase &db, const TicketFilter &filter)
{
    auto plan = planList(db, filter);
    if (!plan)
        return plan.failure();
    auto ids = findPageIds(db, *plan);
    if (!ids)
        return ids.failure();
    if (*ids)
        return pageOfIds(db, *plan, **ids);
    return pageInOneStatement(db, *plan);
}

Result<QList<EventRow>> TicketReader::events(const QSqlDatabase &db, qint64 ticketId)
{
    auto query = runQuery(db,
                          QStringLiteral("SELECT ticket_id, seq, at, actor, type, data FROM events "
                                         "WHERE ticket_id = ? ORDER BY seq"),
                          {ticketId});
    if (!query)
        return query.failure();
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
        return query.failure();
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
                          u"SELECT " + QLatin1String(TicketColumns::notificationColumns)
                              + u" FROM notifications WHERE username = ?"
                              + QLatin1String(unreadOnly ? " AND read = 0" : "")
                              + u" ORDER BY id DESC LIMIT ?",
                          {username, limit});
    if (!query)
        return query.failure();
    QList<NotificationRow> rows;
    while (query->next())
        rows.append(TicketColumns::notificationFrom(*query));
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
        return query.failure();
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
        return query.failure();
    if (!query->next())
        return std::optional<IdempotencyRow>();
    return std::optional<IdempotencyRow>(
        IdempotencyRow {query->value(0).toString(), query->value(1).toString(),
                        query->value(2).toString(), query->value(3).toLongLong(),
                        query->value(4).toString().toUtf8(), query->value(5).toLongLong()});
}

Result<QList<qint64>> TicketReader::ticketIds(const QSqlDatabase &db)
{
    return runIdQuery(db, QStringLiteral("SELECT id FROM tickets ORDER BY id"));
}

Result<QHash<qint64, qint64>> TicketReader::versions(const QSqlDatabase &db,
                                                     const QList<qint64> &ids)
{
    QHash<qint64, qint64> stored;
    if (ids.isEmpty())
        return stored;
    // Numbers only, so they are written into the text: one statement whatever their count.
    QString list;
    for (qint64 id : ids)
        list += (list.isEmpty() ? QString() : QStringLiteral(",")) + QString::number(id);
    auto query = runQuery(
        db, QStringLiteral("SELECT id, version FROM tickets WHERE id IN (%1)").arg(list));
    if (!query)
        return query.failure();
    while (query->next())
        stored.insert(query->value(0).toLongLong(), query->value(1).toLongLong());
    return stored;
}

} // namespace Baton

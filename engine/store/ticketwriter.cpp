// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketwriter.h"
#include "ticketcolumns.h"

#include "store/boundvalues.h"
#include "store/changefeed.h"
#include "store/database.h"
#include "store/opensearch_p.h"
#include "store/postgresqlquery.h"
#include "store/searchtext.h"
#include "store/sqlitestatement.h"
#include "store/steprollup.h"

#include <QHash>
#include <QJsonDocument>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <array>
#include <map>

namespace Baton {

using namespace TicketColumns;

namespace {

// A statement of the writer. On SQLite it is prepared once on SQLite's own handle
// (SqliteStatement: binding through Qt cost a third of a commit); on PostgreSQL it is sent
// with its values bound through libpq (runPostgreSqlQuery: one round trip, where QPSQL's
// prepared statements take three).
class WriterStatement
{
public:
    WriterStatement() = default;
    explicit WriterStatement(QString sql)
        : m_sql(std::move(sql))
    {
    }

    /// errorCode (optional) receives the SQLSTATE on failure (SqliteStatement's on SQLite).
    Result<SqliteStatement::Outcome> run(const QSqlDatabase &db, const QVariant *values,
                                         qsizetype count, QString *errorCode = nullptr)
    {
        if (db.driverName() == u"QPSQL") {
            auto query = runPostgreSqlQuery(db, m_sql, values, count, errorCode);
            if (!query)
                return query.failure();
            SqliteStatement::Outcome outcome;
            outcome.rowsChanged = query->numRowsAffected();
            if (query->next())
                outcome.firstValue = query->value(0).toLongLong();
            return outcome;
        }
        if (!m_prepared) {
            auto prepared = SqliteStatement::prepare(db, m_sql);
            if (!prepared)
                return prepared.failure();
            m_prepared = std::move(*prepared);
        }
        return m_prepared->run(values, count, errorCode);
    }
    Result<SqliteStatement::Outcome> run(const QSqlDatabase &db,
                                         std::initializer_list<QVariant> values, QString *errorCode)
    {
        return run(db, values.begin(), qsizetype(values.size()), errorCode);
    }

private:
    QString m_sql;
    std::optional<SqliteStatement> m_prepared;
};

// One statement over many rows (a multi-row INSERT, or a DELETE ... IN (...)). On SQLite a
// batch's rows go in chunks of 64, 16, 4 and 1, each chunk size prepared once (SQLite only);
// on PostgreSQL in one statement of up to 256 rows: every statement there is a round trip.
class BulkStatement
{
public:
    BulkStatement() = default;
    /// head + chunk × rowFragment (comma-separated) + tail; columns: placeholders per row.
    BulkStatement(QString head, QString rowFragment, QString tail, int columns)
        : m_head(std::move(head))
        , m_row(std::move(rowFragment))
        , m_tail(std::move(tail))
        , m_columns(columns)
    {
    }

    /// values: rows × columns, row after row. errorCode as WriterStatement::run's.
    Result<void> run(const QSqlDatabase &db, const QList<QVariant> &values, QString *errorCode)
    {
        const qsizetype rows = values.size() / m_columns;
        const bool postgresql = db.driverName() == u"QPSQL";
        qsizetype done = 0;
        while (done < rows) {
            const qsizetype left = rows - done;
            const int chunk = postgresql ? int(std::min<qsizetype>(256, left))
                : left >= 64             ? 64
                : left >= 16             ? 16
                : left >= 4              ? 4
                                         : 1;
            // PostgreSQL's texts are written per run: kept, up to 256 sizes of each statement
            // would hold megabytes of placeholders for nothing (nothing is prepared there).
            WriterStatement once;
            WriterStatement *statement = &once;
            if (postgresql) {
                once = WriterStatement(text(chunk));
            } else {
                auto it = m_byChunk.find(chunk);
                if (it == m_byChunk.end())
                    it = m_byChunk.emplace(chunk, WriterStatement(text(chunk))).first;
                statement = &it->second;
            }
            if (auto r = statement->run(db, values.constData() + done * m_columns,
                                        qsizetype(chunk) * m_columns, errorCode);
                !r)
                return r.failure();
            done += chunk;
        }
        return {};
    }

private:
    QString text(qsizetype rows) const
    {
        return m_head + QStringList(rows, m_row).join(QStringLiteral(", ")) + m_tail;
    }

    QString m_head, m_row, m_tail;
    int m_columns = 1;
    std::map<int, WriterStatement> m_byChunk;
};

// A ticket's rows in the tables derived from its row: its current queues (rewritten when they
// differ from the previous row's; a new ticket has none yet, a changed one without its previous
// row is rewritten) and its branches' assignees (when the branches name others: most writes
// leave them). Gathered over the batch, written after the tickets.
struct DerivedRows
{
    QList<QVariant> currentQueuesGone, currentQueues, branchAssigneesGone, branchAssignees;

    void addCurrentQueues(const TicketRow &row)
    {
        for (const TicketQueueRow &q : row.currentQueues())
            currentQueues << row.id << q.queue << row.status << q.dueAt << q.atRiskAt;
    }
    void replaceCurrentQueues(const TicketRow &row, const TicketRow *previous)
    {
        if (previous && previous->status == row.status
            && previous->currentQueues() == row.currentQueues())
            return;
        currentQueuesGone << row.id;
        addCurrentQueues(row);
    }
    void addBranchAssignees(const TicketRow &row, const TicketRow *previous, bool isNew)
    {
        if (previous && previous->branches == row.branches)
            return;
        const QStringList names = row.branchAssignees();
        const QStringList before = previous ? previous->branchAssignees() : QStringList();
        if (previous && before == names)
            return;
        if (!isNew && (!previous || !before.isEmpty()))
            branchAssigneesGone << row.id;
        for (const QString &name : names)
            branchAssignees << row.id << name;
    }
};

// PostgreSQL: a guarded update waiting for the batch's one grouped statement.
struct GroupedUpdate
{
    qint64 id, previousVersion;
    std::array<QVariant, ticketColumnCount> values;
};

// The columns of `row` that differ from `previous` (bit i: column i; bit 0, the id, never).
quint64 changedColumns(const std::array<QVariant, ticketColumnCount> &rowValues,
                       const TicketRow &previous)
{
    const auto before = ticketValues(previous);
    quint64 mask = 0;
    for (int i = 1; i < ticketColumnCount; ++i)
        if (rowValues[i] != before[i] || rowValues[i].isNull() != before[i].isNull())
            mask |= quint64(1) << i;
    return mask;
}

// Updates in ticket id order: two servers updating the same tickets then lock them in the same
// order and wait for each other instead of deadlocking.
std::vector<qsizetype> updateOrder(const QList<TicketRow> &changed)
{
    std::vector<qsizetype> order(size_t(changed.size()));
    for (qsizetype n = 0; n < changed.size(); ++n)
        order[size_t(n)] = n;
    std::sort(order.begin(), order.end(),
              [&](qsizetype a, qsizetype b) { return changed[a].id < changed[b].id; });
    return order;
}

const QStringList &columnNames()
{
    static const QStringList columns
        = QString::fromLatin1(ticketColumns).split(QStringLiteral(", "));
    return columns;
}

QVariant ticketOf(const NotificationRow &n)
{
    return n.ticketId ? QVariant(n.ticketId) : QVariant(QMetaType(QMetaType::LongLong));
}

QVariant paramsText(const NotificationRow &n)
{
    return QString::fromUtf8(QJsonDocument(n.params).toJson(QJsonDocument::Compact));
}

// The outbox rows of a batch (delivery/): each due at once.
BulkStatement outboxInsert()
{
    return BulkStatement(
        QStringLiteral("INSERT INTO outbox (delivery_id, channel, ticket_id, kind, "
                       "payload, created_at, next_attempt_at) VALUES "),
        QStringLiteral("(?, ?, ?, ?, ?, ?, ?)"), QString(), 7);
}

// Round robin's memory: the queue's counter when the user last got one of its tickets.
WriterStatement assignmentTurnUpsert()
{
    return WriterStatement(
        QStringLiteral("INSERT INTO assignment_turns (queue, username, turn) VALUES (?, ?, ?) "
                       "ON CONFLICT (queue, username) DO UPDATE SET turn = excluded.turn"));
}

// A ticket's customer: given members overwrite, absent ones keep the stored value.
WriterStatement customerUpsert()
{
    return WriterStatement(
        QStringLiteral("INSERT INTO customers (id, name, tier, phone, email, phone_norm, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                       "name = COALESCE(excluded.name, customers.name), "
                       "tier = COALESCE(excluded.tier, customers.tier), "
                       "phone = COALESCE(excluded.phone, customers.phone), "
                       "email = COALESCE(excluded.email, customers.email), "
                       "phone_norm = COALESCE(excluded.phone_norm, customers.phone_norm), "
                       "updated_at = excluded.updated_at"));
}

// A ticket's search document, replaced (migration 14): PostgreSQL's pg_trgm index takes it at
// once (GIN keeps its own pending list); SQLite's waits with the others (migration 18).
BulkStatement ticketSearchPut(bool postgresql)
{
    if (postgresql)
        return BulkStatement(QStringLiteral("INSERT INTO ticket_search (ticket_id, body) VALUES "),
                             QStringLiteral("(?, ?)"),
                             QStringLiteral(" ON CONFLICT (ticket_id) DO UPDATE SET body = "
                                            "excluded.body"),
                             2);
    return BulkStatement(
        QStringLiteral("INSERT OR REPLACE INTO ticket_search_pending (ticket_id, body) VALUES "),
        QStringLiteral("(?, ?)"), QString(), 2);
}

BulkStatement commentSearchInsert(bool postgresql)
{
    return BulkStatement(postgresql ? QStringLiteral("INSERT INTO comment_search (ticket_id, "
                                                     "body) VALUES ")
                                    : QStringLiteral("INSERT INTO comment_search_pending "
                                                     "(ticket_id, body) VALUES "),
                         QStringLiteral("(?, ?)"), QString(), 2);
}

// SQLite: the waiting search documents move into the FTS5 tables once this many have gathered.
// One move of 256 documents costs about what 20 single-document commits did (FTS5's work is
// per transaction), and a search scans at most this many waiting rows.
constexpr qint64 searchDocumentsPerMove = 256;

// The statements of a move (migration 18): the tables' rows in, comments in their order of
// arrival; then the open documents of the stale tickets (migration 29), whose ids the pending
// tables still give; then the pending rows out.
const char *const searchMove[] = {
    "INSERT OR REPLACE INTO ticket_search (rowid, body) SELECT ticket_id, body FROM "
    "ticket_search_pending",
    "INSERT INTO comment_search (ticket_id, body) SELECT ticket_id, body FROM "
    "comment_search_pending ORDER BY id",
    BATON_OPEN_SEARCH_REBUILD(""),
    "DELETE FROM ticket_search_pending",
    "DELETE FROM comment_search_pending",
};

// The roll-up's upsert at one level (store/steprollup.h).
BulkStatement upsertStepRollupStatement(RollupLevel level)
{
    return BulkStatement(StepRollupStore::upsertHead(level), StepRollupStore::upsertRow(),
                         StepRollupStore::upsertTail(level), StepRollupStore::columnCount);
}

// SQLite: a ticket whose status changed, so that its open document is rebuilt at the next move
// (store/opensearch_p.h).
BulkStatement openSearchStaleInsert()
{
    return BulkStatement(QStringLiteral("INSERT OR IGNORE INTO open_search_stale (ticket_id) "
                                        "VALUES "),
                         QStringLiteral("(?)"), QString(), 1);
}

// PostgreSQL: the open documents of the listed tickets written again (opensearch_p.h), and
// taken out of those no longer open.
BulkStatement openSearchPut()
{
    return BulkStatement(QStringLiteral("INSERT INTO open_search (ticket_id, body, grams) SELECT "
                                        "id, body, baton_search_grams(body) FROM "
                                        "(" BATON_OPEN_SEARCH_DOCUMENTS_PG_HEAD "VALUES "),
                         QStringLiteral("(CAST(? AS BIGINT))"),
                         QStringLiteral(")) documents ON CONFLICT (ticket_id) DO UPDATE SET body "
                                        "= excluded.body, grams = excluded.grams"),
                         1);
}

BulkStatement openSearchDelete()
{
    return BulkStatement(QStringLiteral("DELETE FROM open_search o USING tickets t WHERE t.id = "
                                        "o.ticket_id AND t.status <> 'open' AND o.ticket_id IN "
                                        "(VALUES "),
                         QStringLiteral("(CAST(? AS BIGINT))"), QStringLiteral(")"), 1);
}

} // namespace

// The tickets the batch moved to a new version (a row written again only for its SLA plan
// keeps its version: nothing to show) and the notifications it wrote.
ChangeNotice TicketWriter::announcement(const WriteBatch &batch, const WriteReport &report) const
{
    ChangeNotice notice;
    notice.serverId = m_announceAs;
    for (const TicketRow &row : batch.newTickets)
        notice.tickets.append(row.id);
    for (qsizetype n = 0; n < batch.changedTickets.size(); ++n) {
        const TicketRow &row = batch.changedTickets[n];
        if (n >= batch.previousTickets.size() || !batch.previousTickets[n].id
            || batch.previousTickets[n].version != row.version)
            notice.tickets.append(row.id);
    }
    notice.notifications = report.notificationIds;
    return notice;
}

struct TicketWriter::Statements
{
    QSqlDatabase db;
    QString failureCode; ///< of the statement that failed the batch being written
    /// PostgreSQL: each tickets column's type (udt_name), for the casts of grouped updates.
    QHash<QString, QString> columnTypes;
    std::map<quint64, WriterStatement> updates; // by bit mask of columns set (+ bit 0: guarded)
    WriterStatement insertNotification, upsertCustomer, upsertTurn;
    BulkStatement insertNotifications; // PostgreSQL, with ids drawn beforehand
    BulkStatement insertTickets, insertQueues, deleteCurrentQueues, insertCurrentQueues,
        insertEvents, deleteTimers, insertTimers, insertComments, insertLinks, insertIdempotency,
        deleteBranchAssignees, insertBranchAssignees, insertStepFacts, insertOutbox,
        putTicketSearch, insertCommentSearch;
    BulkStatement insertOpenSearchStale = openSearchStaleInsert(); ///< SQLite
    BulkStatement putOpenSearch = openSearchPut(), deleteOpenSearch = openSearchDelete(); ///< PG
    BulkStatement upsertStepRollup = upsertStepRollupStatement(RollupLevel::QuarterHour);
    BulkStatement upsertStepRollupDaily = upsertStepRollupStatement(RollupLevel::Day);
    WriterStatement isDayCompacted {QString::fromLatin1(StepRollupStore::compactedDayQuery)};
    StepRollupChunks rollupChunks; ///< the quarter hours' chunks this writer appends to
    /// SQLite: moves the waiting search documents into the FTS5 tables (searchMove).
    std::array<WriterStatement, std::size(searchMove)> moveSearchDocuments;
    /// SQLite: search documents waiting (committed), and after the batch being written.
    qint64 searchWaiting = 0, searchWaitingAfterBatch = 0;

    /// Runs a bulk statement over `values` (rows × columns), which it empties.
    Result<void> bulk(BulkStatement &statement, QList<QVariant> &values)
    {
        auto r = statement.run(db, values, &failureCode);
        values.clear();
        return r;
    }
    Result<void> insertNewTickets(const WriteBatch &batch, DerivedRows &derived);
    Result<void> upsertStepRollups(const QList<StepFactRow> &facts);
    Result<void> updateTickets(const WriteBatch &batch, bool postgresql, DerivedRows &derived,
                               TicketWriter::WriteReport *report);
    /// PostgreSQL: the guarded updates of `ids` in statements of up to 256 rows.
    Result<void> updateGroup(quint64 key, const QList<qint64> &ids, const QVariantList &values,
                             TicketWriter::WriteReport *report);
    /// One ticket's update on its own statement (SQLite, or a row without its previous one).
    Result<void> updateTicket(const TicketRow &row, const TicketRow *previous, quint64 mask,
                              const std::array<QVariant, ticketColumnCount> &rowValues,
                              TicketWriter::WriteReport *report);
    Result<void> writeDerived(DerivedRows &derived);
    /// The rows that belong to tickets: queues visited, events, timers, comments, links.
    Result<void> insertTicketChildren(const WriteBatch &batch);
    Result<void> insertNotificationRows(const WriteBatch &batch, bool postgresql,
                                        TicketWriter::WriteReport *report);
    Result<void> insertKeysAndCustomers(const WriteBatch &batch);
    /// The search documents of the batch's tickets whose text changed, and of its comments.
    Result<void> writeSearchText(const WriteBatch &batch);
    /// SQLite: lists the batch's tickets whose open document changed with their status only
    /// (opensearch_p.h); how many.
    Result<qint64> listOpenSearchStale(const WriteBatch &batch,
                                       const QHash<qint64, QString> &documents);
    /// PostgreSQL: writes the open documents of the batch's tickets that changed them
    /// (opensearch_p.h).
    Result<void> writeOpenSearch(const WriteBatch &batch, const QHash<qint64, QString> &documents);
    /// SQLite: after `written` more documents wait, moves them all into the index when many.
    Result<void> moveSearchDocumentsWhenMany(qint64 written);
};

TicketWriter::TicketWriter(std::shared_ptr<Database> database, QString announceAs)
    : m_database(std::move(database))
    , m_announceAs(std::move(announceAs))
{
}

TicketWriter::~TicketWriter() = default;

namespace {

// Reports (issue 17). The back-fill may have written a ticket's facts first
// (report/stepfactbackfill.h): those stand.
BulkStatement insertStepFactsStatement()
{
    return BulkStatement(u"INSERT INTO step_facts (" + QLatin1String(stepFactColumns)
                             + u") VALUES ",
                         u'(' + placeholders(stepFactColumnCount) + u')',
                         QStringLiteral(" ON CONFLICT DO NOTHING"), stepFactColumnCount);
}

// PostgreSQL: the tickets table's column types (bound values are typed by them).
Result<QHash<QString, QString>> ticketColumnTypes(const QSqlDatabase &db)
{
    auto types = runQuery(db,
                          QStringLiteral("SELECT column_name, udt_name FROM "
                                         "information_schema.columns WHERE table_name = "
                                         "'tickets' AND table_schema = current_schema()"));
    if (!types)
        return types.failure();
    QHash<QString, QString> columnTypes;
    while (types->next())
        columnTypes.insert(types->value(0).toString(), types->value(1).toString());
    return columnTypes;
}

// SQLite: the search documents waiting for the FTS5 tables (migration 18).
Result<qint64> waitingSearchDocuments(const QSqlDatabase &db)
{
    auto waiting = runQuery(db,
                            QStringLiteral("SELECT (SELECT COUNT(*) FROM ticket_search_pending) + "
                                           "(SELECT COUNT(*) FROM comment_search_pending) + "
                                           "(SELECT COUNT(*) FROM open_search_stale)"));
    if (!waiting)
        return waiting.failure();
    return waiting->next() ? waiting->value(0).toLongLong() : 0;
}

} // namespace

Result<void> TicketWriter::prepare()
{
    auto db = m_database->connection();
    if (!db)
        return db.failure();
    if (m_statements && m_statements->db.connectionName() == db->connectionName()
        && m_statements->db.isOpen())
        return {};
    auto s = std::make_unique<Statements>();
    s->db = *db;
    auto values = [](int columns) { return QString(u'(' + placeholders(columns) + u')'); };
    s->insertTickets
        = BulkStatement(u"INSERT INTO tickets (" + QLatin1String(ticketColumns) + u") VALUES ",
                        values(ticketColumnCount), QString(), ticketColumnCount);
    s->insertQueues
        = BulkStatement(QStringLiteral("INSERT INTO ticket_queues (queue, ticket_id) VALUES "),
                        values(2), QStringLiteral(" ON CONFLICT DO NOTHING"), 2);
    s->deleteCurrentQueues
        = BulkStatement(QStringLiteral("DELETE FROM ticket_queues_current WHERE ticket_id IN ("),
                        QStringLiteral("?"), QStringLiteral(")"), 1);
    s->insertCurrentQueues
        = BulkStatement(QStringLiteral("INSERT INTO ticket_queues_current (ticket_id, queue, "
                                       "status, due_at, at_risk_at) VALUES "),
                        values(5), QString(), 5);
    s->insertEvents = BulkStatement(QStringLiteral("INSERT INTO events (ticket_id, seq, at, "
                                                   "actor, type, data) VALUES "),
                                    values(6), QString(), 6);
    s->deleteTimers = BulkStatement(QStringLiteral("DELETE FROM timers WHERE ticket_id IN ("),
                                    QStringLiteral("?"), QStringLiteral(")"), 1);
    s->insertTimers = BulkStatement(
        QStringLiteral("INSERT INTO timers (ticket_id, kind, due_at, data) VALUES "), values(4),
        QString(), 4);
    s->insertComments = BulkStatement(QStringLiteral("INSERT INTO comments (ticket_id, seq, "
                                                     "author, body, internal, at) VALUES "),
                                      values(6), QString(), 6);
    s->insertLinks = BulkStatement(
        QStringLiteral("INSERT INTO links (ticket_id, other_id, relation, created_at) VALUES "),
        values(4), QStringLiteral(" ON CONFLICT DO NOTHING"), 4);
    s->deleteBranchAssignees
        = BulkStatement(QStringLiteral("DELETE FROM ticket_branch_assignees WHERE ticket_id IN ("),
                        QStringLiteral("?"), QStringLiteral(")"), 1);
    s->insertBranchAssignees = BulkStatement(
        QStringLiteral("INSERT INTO ticket_branch_assignees (ticket_id, username) VALUES "),
        values(2), QString(), 2);
    s->insertStepFacts = insertStepFactsStatement();
    s->insertNotifications = BulkStatement(
        QStringLiteral("INSERT INTO notifications (id, username, ticket_id, kind, message, at, "
                       "params, read) VALUES "),
        QStringLiteral("(?, ?, ?, ?, ?, ?, ?, 0)"), QString(), 7);
    s->insertIdempotency = BulkStatement(
        QStringLiteral("INSERT INTO idempotency_keys (username, key, request_hash, ticket_id, "
                       "response, created_at) VALUES "),
        values(6), QString(), 6);
    // Single rows: a notification's id comes back with it (the order of a multi-row
    // RETURNING is not promised), and one customer may appear twice in a batch, which a
    // multi-row ON CONFLICT DO UPDATE refuses on PostgreSQL.
    s->insertNotification = WriterStatement(
        QStringLiteral("INSERT INTO notifications (username, ticket_id, kind, message, at, "
                       "params, read) VALUES (?, ?, ?, ?, ?, ?, 0) RETURNING id"));
    s->upsertCustomer = customerUpsert();
    s->upsertTurn = assignmentTurnUpsert();
    s->putTicketSearch = ticketSearchPut(m_database->isPostgreSql());
    s->insertCommentSearch = commentSearchInsert(m_database->isPostgreSql());
    s->insertOutbox = outboxInsert();
    if (m_database->isPostgreSql()) {
        auto types = ticketColumnTypes(*db);
        if (!types)
            return types.failure();
        s->columnTypes = std::move(*types);
    } else {
        auto waiting = waitingSearchDocuments(*db);
        if (!waiting)
            return waiting.failure();
        s->searchWaiting = *waiting;
        for (size_t n = 0; n < std::size(searchMove); ++n)
            s->moveSearchDocuments[n] = WriterStatement(QString::fromLatin1(searchMove[n]));
    }
    m_statements = std::move(s);
    return {};
}

namespace {

// A deadlock or serialisation failure (PostgreSQL's SQLSTATE) is another writer's doing.
bool isConflict(const QString &sqlState)
{
    return sqlState == u"40P01" || sqlState == u"40001";
}

// UPDATE tickets AS t SET c = v.c::type, ... FROM (VALUES (id, previous version, values...),
// ...) AS v(id, prev, c, ...) WHERE t.id = v.id AND t.version = v.prev — so that every row
// still applies only to the version it was computed from.
QString groupedUpdate(const QHash<QString, QString> &types, quint64 mask, qsizetype rows)
{
    static const QStringList columns
        = QString::fromLatin1(ticketColumns).split(QStringLiteral(", "));
    QStringList set, names {QStringLiteral("id"), QStringLiteral("prev")};
    for (int i = 1; i < ticketColumnCount; ++i) {
        if (!(mask & (quint64(1) << i)))
            continue;
        set.append(columns[i] + QStringLiteral(" = v.") + columns[i] + QStringLiteral("::")
                   + types.value(columns[i], QStringLiteral("text")));
        names.append(columns[i]);
    }
    const QString row = u'(' + placeholders(int(names.size())) + u')';
    QStringList values(rows, row);
    return QStringLiteral("UPDATE tickets AS t SET ") + set.join(QStringLiteral(", "))
        + QStringLiteral(" FROM (VALUES ") + values.join(QStringLiteral(", "))
        + QStringLiteral(") AS v(") + names.join(QStringLiteral(", "))
        + QStringLiteral(") WHERE t.id = v.id::int8 AND t.version = v.prev::int8");
}

} // namespace

Result<void> TicketWriter::Statements::updateGroup(quint64 key, const QList<qint64> &ids,
                                                   const QVariantList &values, WriteReport *report)
{
    const qsizetype width = values.size() / ids.size();
    constexpr qsizetype chunk = 256; // rows per statement
    for (qsizetype first = 0; first < ids.size(); first += chunk) {
        const qsizetype rows = std::min(chunk, ids.size() - first);
        QString &code = failureCode;
        auto updated = runQuery(db, groupedUpdate(columnTypes, key & ~quint64(1), rows),
                                values.mid(first * width, rows * width), &code);
        if (!updated) {
            if (report && isConflict(code))
                report->staleTickets.append(ids[first]);
            return updated.failure();
        }
        if (updated->numRowsAffected() != rows) {
            if (report)
                report->staleTickets.append(ids[first]);
            return makeError(QStringLiteral("one of tickets %1 to %2 was changed by another writer")
                                 .arg(ids[first])
                                 .arg(ids[first + rows - 1]));
        }
    }
    return {};
}

Result<void> TicketWriter::write(const WriteBatch &batch, WriteReport *report)
{
    if (auto prepared = prepare(); !prepared)
        return prepared;
    m_statements->failureCode.clear();
    auto written = writeRows(batch, report);
    if (!written && report) {
        report->rowsRefused = isRowRefusal(m_statements->failureCode);
        report->conflicted = isConflict(m_statements->failureCode);
    }
    return written;
}

Result<void> TicketWriter::writeRows(const WriteBatch &batch, WriteReport *report)
{
    Statements &s = *m_statements;
    Transaction transaction(s.db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    // Parents before children: the foreign keys are checked row by row.
    DerivedRows derived;
    if (auto r = s.insertNewTickets(batch, derived); !r)
        return r;
    if (auto r = s.updateTickets(batch, m_database->isPostgreSql(), derived, report); !r)
        return r;
    if (auto r = s.writeDerived(derived); !r)
        return r;
    if (auto r = s.insertTicketChildren(batch); !r)
        return r;
    WriteReport ownReport; // the notification ids are announced
    if (!report)
        report = &ownReport;
    if (auto r = s.insertNotificationRows(batch, m_database->isPostgreSql(), report); !r)
        return r;
    if (auto r = s.insertKeysAndCustomers(batch); !r)
        return r;
    if (auto r = s.writeSearchText(batch); !r)
        return r;
    if (!m_announceAs.isEmpty() && m_database->isPostgreSql())
        if (auto r = ChangeFeed::announce(s.db, announcement(batch, *report)); !r)
            return r;
    if (auto committed = transaction.commit(); !committed)
        return committed;
    s.searchWaiting = s.searchWaitingAfterBatch;
    m_database->noteCommit();
    return {};
}

Result<void> TicketWriter::Statements::insertNewTickets(const WriteBatch &batch,
                                                        DerivedRows &derived)
{
    QList<QVariant> values;
    for (const TicketRow &row : batch.newTickets) {
        for (const QVariant &value : ticketValues(row))
            values.append(value);
        derived.addCurrentQueues(row);
        derived.addBranchAssignees(row, nullptr, true);
    }
    return bulk(insertTickets, values);
}

// PostgreSQL: every guarded update of the batch as one statement (a round trip per ticket would
// cost more than the rest of the batch). It sets the union of the changed columns; a column set
// to the value it has does not stop a HOT update (PostgreSQL compares values).
Result<void> TicketWriter::Statements::updateTickets(const WriteBatch &batch, bool postgresql,
                                                     DerivedRows &derived,
                                                     TicketWriter::WriteReport *report)
{
    std::vector<GroupedUpdate> grouped;
    quint64 groupMask = 0;
    for (const qsizetype n : updateOrder(batch.changedTickets)) {
        const TicketRow &row = batch.changedTickets[n];
        const TicketRow *previous = n < batch.previousTickets.size() && batch.previousTickets[n].id
            ? &batch.previousTickets[n]
            : nullptr;
        derived.replaceCurrentQueues(row, previous);
        derived.addBranchAssignees(row, previous, false);
        const auto rowValues = ticketValues(row);
        quint64 mask = previous ? changedColumns(rowValues, *previous)
                                : ((quint64(1) << ticketColumnCount) - 1) & ~quint64(1);
        if (!mask) {
            // Nothing in the row changed (a ticket written again only for its SLA plan), but
            // its timers are replaced: on PostgreSQL another server may have written the ticket
            // since this one read it, so the row's version still guards the batch.
            if (!(previous && postgresql))
                continue;
            static const quint64 versionColumn = quint64(1)
                << columnNames().indexOf(QStringLiteral("version"));
            mask = versionColumn;
        }
        if (previous && postgresql) {
            grouped.push_back({row.id, previous->version, rowValues});
            groupMask |= mask;
        } else if (auto r = updateTicket(row, previous, mask, rowValues, report); !r) {
            return r;
        }
    }
    if (grouped.empty())
        return {};
    QList<qint64> ids;
    QVariantList groupValues; // per ticket: id, previous version, the new values
    for (const GroupedUpdate &g : grouped) {
        ids.append(g.id);
        groupValues << g.id << g.previousVersion;
        for (int i = 1; i < ticketColumnCount; ++i)
            if (groupMask & (quint64(1) << i))
                groupValues << g.values[i];
    }
    return updateGroup(groupMask, ids, groupValues, report);
}

Result<void> TicketWriter::Statements::updateTicket(
    const TicketRow &row, const TicketRow *previous, quint64 mask,
    const std::array<QVariant, ticketColumnCount> &rowValues, TicketWriter::WriteReport *report)
{
    // Bit 0 (the id, never set) keys the guarded statements apart from the unguarded.
    const quint64 key = mask | (previous ? 1 : 0);
    auto it = updates.find(key);
    if (it == updates.end()) {
        QString set;
        for (int i = 1; i < ticketColumnCount; ++i)
            if (mask & (quint64(1) << i))
                set += (set.isEmpty() ? QString() : QStringLiteral(", ")) + columnNames()[i]
                    + QStringLiteral(" = ?");
        // With the previous row known, the update applies only to the version it was computed
        // from: another server sharing the database may have moved the ticket since this one
        // read it, and then the whole batch must be built again.
        it = updates
                 .emplace(
                     key,
                     WriterStatement(u"UPDATE tickets SET " + set + u" WHERE id = ?"
                                     + (previous ? QStringLiteral(" AND version = ?") : QString())))
                 .first;
    }
    std::array<QVariant, ticketColumnCount + 1> bound;
    qsizetype position = 0;
    for (int i = 1; i < ticketColumnCount; ++i)
        if (mask & (quint64(1) << i))
            bound[size_t(position++)] = rowValues[i];
    bound[size_t(position++)] = row.id;
    if (previous)
        bound[size_t(position++)] = previous->version;
    auto updated = it->second.run(db, bound.data(), position, &failureCode);
    if (!updated) {
        if (report && isConflict(failureCode))
            report->staleTickets.append(row.id);
        return updated.failure();
    }
    if (updated->rowsChanged != 1) {
        if (report)
            report->staleTickets.append(row.id);
        return makeError(QStringLiteral("ticket %1 was changed by another writer").arg(row.id));
    }
    return {};
}

Result<void> TicketWriter::Statements::writeDerived(DerivedRows &derived)
{
    if (auto r = bulk(deleteCurrentQueues, derived.currentQueuesGone); !r)
        return r;
    if (auto r = bulk(insertCurrentQueues, derived.currentQueues); !r)
        return r;
    if (auto r = bulk(deleteBranchAssignees, derived.branchAssigneesGone); !r)
        return r;
    return bulk(insertBranchAssignees, derived.branchAssignees);
}

Result<void> TicketWriter::Statements::insertTicketChildren(const WriteBatch &batch)
{
    QList<QVariant> values;
    for (const auto &[ticket, queue] : batch.queuesVisited)
        values << queue << ticket;
    if (auto r = bulk(insertQueues, values); !r)
        return r;
    for (const EventRow &e : batch.events)
        values << e.ticketId << e.seq << e.at << text(e.actor) << e.type << json(e.data);
    if (auto r = bulk(insertEvents, values); !r)
        return r;
    for (const StepFactRow &fact : batch.stepFacts)
        appendStepFactValues(values, fact);
    if (auto r = bulk(insertStepFacts, values); !r)
        return r;
    if (auto r = upsertStepRollups(batch.stepFacts); !r)
        return r;
    for (qint64 ticket : batch.replaceTimersOf)
        values << ticket;
    if (auto r = bulk(deleteTimers, values); !r)
        return r;
    for (const TimerRow &t : batch.timers)
        values << t.ticketId << t.kind << t.dueAt << json(t.data);
    if (auto r = bulk(insertTimers, values); !r)
        return r;
    for (const CommentRow &c : batch.comments)
        values << c.ticketId << c.seq << text(c.author) << c.body << (c.internal ? 1 : 0) << c.at;
    if (auto r = bulk(insertComments, values); !r)
        return r;
    for (const LinkRow &l : batch.links)
        values << l.ticketId << l.otherId << l.relation << l.at;
    return bulk(insertLinks, values);
}

// The roll-up (store/steprollup.h): the group's facts summed per quarter hour and key first, one
// upsert each (most commit groups end a step or two of distinct keys), into the chunk this
// writer appends to for the key (StepRollupChunks: a busy key's row is rewritten by every commit
// group, so it must not grow with the quarter hour). The daily level is built
// off the write path once a day has ended; a fact of a day already compacted (late: a commit
// group across midnight, another server's clock) is added to it here as well. The look-up
// comes after the quarter hours' upsert: on PostgreSQL that upsert waits for a compaction
// holding the tables, so the look-up sees the day recorded (compactDay has the whole argument).
Result<void> TicketWriter::Statements::upsertStepRollups(const QList<StepFactRow> &facts)
{
    if (facts.isEmpty())
        return {};
    QList<QVariant> values;
    QList<StepRollupRow> quarters = StepRollupStore::rollUp(facts, RollupLevel::QuarterHour);
    rollupChunks.assign(quarters);
    for (const StepRollupRow &row : std::as_const(quarters))
        StepRollupStore::appendValues(values, row);
    if (auto r = bulk(upsertStepRollup, values); !r)
        return r;
    QList<qint64> days; // of the group's facts: one, or two across midnight
    for (const StepFactRow &f : facts)
        if (const qint64 day = rollupBucketOf(f.leftAt, RollupLevel::Day); !days.contains(day))
            days.append(day);
    QList<StepFactRow> late;
    for (const qint64 day : std::as_const(days)) {
        auto compacted = isDayCompacted.run(db, {day}, &failureCode);
        if (!compacted)
            return compacted.failure();
        if (!compacted->firstValue)
            continue;
        for (const StepFactRow &f : facts)
            if (rollupBucketOf(f.leftAt, RollupLevel::Day) == day)
                late.append(f);
    }
    for (const StepRollupRow &row : StepRollupStore::rollUp(late, RollupLevel::Day))
        StepRollupStore::appendValues(values, row);
    return bulk(upsertStepRollupDaily, values);
}

Result<void> TicketWriter::Statements::insertNotificationRows(const WriteBatch &batch,
                                                              bool postgresql,
                                                              TicketWriter::WriteReport *report)
{
    if (!postgresql) {
        for (const NotificationRow &n : batch.notifications) {
            auto inserted = insertNotification.run(
                db, {n.username, ticketOf(n), n.kind, n.message, n.at, paramsText(n)},
                &failureCode);
            if (!inserted)
                return inserted.failure();
            if (report)
                report->notificationIds.append(inserted->firstValue.value_or(0));
        }
        return {};
    }
    if (batch.notifications.isEmpty())
        return {};
    // Ids first (one query), then every row in one statement: a multi-row RETURNING does not
    // promise its order.
    auto ids = runQuery(db,
                        QStringLiteral("SELECT nextval('notifications_id_seq') FROM "
                                       "generate_series(1, %1)")
                            .arg(batch.notifications.size()));
    if (!ids)
        return ids.failure();
    QList<QVariant> values;
    for (const NotificationRow &n : batch.notifications) {
        if (!ids->next())
            return makeError(QStringLiteral("database error: no notification id"));
        const qint64 id = ids->value(0).toLongLong();
        values << id << n.username << ticketOf(n) << n.kind << n.message << n.at << paramsText(n);
        if (report)
            report->notificationIds.append(id);
    }
    return bulk(insertNotifications, values);
}

Result<void> TicketWriter::Statements::insertKeysAndCustomers(const WriteBatch &batch)
{
    QList<QVariant> values;
    for (const IdempotencyRow &k : batch.idempotency)
        values << k.username << k.key << k.requestHash << k.ticketId << json(k.response)
               << k.createdAt;
    if (auto r = bulk(insertIdempotency, values); !r)
        return r;
    // The outbox rows of the batch's events: committed with them or not at all.
    for (const OutboxRow &o : batch.outbox)
        values << o.deliveryId << o.channel
               << (o.ticketId ? QVariant(o.ticketId) : QVariant(QMetaType(QMetaType::LongLong)))
               << o.kind << json(o.payload) << o.createdAt << o.createdAt;
    if (auto r = bulk(insertOutbox, values); !r)
        return r;
    for (const AssignmentTurnRow &t : batch.assignmentTurns)
        if (auto r = upsertTurn.run(db, {t.queue, t.username, t.turn}, &failureCode); !r)
            return r.failure();
    for (const CustomerRow &c : batch.customers)
        if (auto r
            = upsertCustomer.run(db,
                                 {c.id, text(c.name), text(c.tier), text(c.phone), text(c.email),
                                  text(SearchText::normalisedPhone(c.phone)), c.updatedAt},
                                 &failureCode);
            !r)
            return r.failure();
    return {};
}

Result<void> TicketWriter::Statements::writeSearchText(const WriteBatch &batch)
{
    // Each ticket once (its last row of the batch), and only when its text changed: most
    // actions change neither title, fields nor customer, and the index would be rewritten.
    QHash<qint64, QString> documents;
    for (const TicketRow &row : batch.newTickets)
        documents.insert(row.id, SearchText::ticketDocument(row));
    for (qsizetype n = 0; n < batch.changedTickets.size(); ++n) {
        const TicketRow &row = batch.changedTickets[n];
        const TicketRow *previous = n < batch.previousTickets.size() && batch.previousTickets[n].id
            ? &batch.previousTickets[n]
            : nullptr;
        const bool same = previous && previous->title == row.title && previous->fields == row.fields
            && previous->customerId == row.customerId && previous->customerName == row.customerName
            && previous->customerPhone == row.customerPhone
            && previous->customerEmail == row.customerEmail;
        if (!same)
            documents.insert(row.id, SearchText::ticketDocument(row));
    }
    QList<QVariant> values;
    for (auto it = documents.cbegin(); it != documents.cend(); ++it)
        values << it.key() << it.value();
    qint64 written = documents.size();
    if (auto r = bulk(putTicketSearch, values); !r)
        return r;
    for (const CommentRow &c : batch.comments)
        if (!c.internal)
            values << c.ticketId << SearchText::commentDocument(c.body);
    written += values.size() / 2;
    if (auto r = bulk(insertCommentSearch, values); !r)
        return r;
    if (db.driverName() == u"QPSQL")
        return writeOpenSearch(batch, documents);
    auto listed = listOpenSearchStale(batch, documents);
    if (!listed)
        return listed.failure();
    written += *listed;
    return moveSearchDocumentsWhenMany(written);
}

Result<void> TicketWriter::Statements::writeOpenSearch(const WriteBatch &batch,
                                                       const QHash<qint64, QString> &documents)
{
    // The tickets whose document was written, commented or whose status changed: their open
    // document is written again from the documents just written (or taken out).
    QSet<qint64> changed(documents.keyBegin(), documents.keyEnd());
    for (const CommentRow &c : batch.comments)
        if (!c.internal)
            changed.insert(c.ticketId);
    for (qsizetype n = 0; n < batch.changedTickets.size(); ++n) {
        const TicketRow &row = batch.changedTickets[n];
        if (n >= batch.previousTickets.size() || !batch.previousTickets[n].id
            || batch.previousTickets[n].status != row.status)
            changed.insert(row.id);
    }
    QList<QVariant> values;
    for (qint64 id : std::as_const(changed))
        values << id;
    QList<QVariant> again = values;
    if (auto r = bulk(putOpenSearch, values); !r)
        return r;
    return bulk(deleteOpenSearch, again);
}

Result<qint64>
TicketWriter::Statements::listOpenSearchStale(const WriteBatch &batch,
                                              const QHash<qint64, QString> &documents)
{
    // A ticket whose status changed (closed leaves the index, opened or reopened enters it);
    // one whose document or a comment was written here is already stale by its pending row,
    // and a new ticket always has a document.
    QSet<qint64> commented;
    for (const CommentRow &c : batch.comments)
        if (!c.internal)
            commented.insert(c.ticketId);
    QSet<qint64> stale;
    for (qsizetype n = 0; n < batch.changedTickets.size(); ++n) {
        const TicketRow &row = batch.changedTickets[n];
        if (n < batch.previousTickets.size() && batch.previousTickets[n].id
            && batch.previousTickets[n].status == row.status)
            continue;
        if (!documents.contains(row.id) && !commented.contains(row.id))
            stale.insert(row.id);
    }
    QList<QVariant> values;
    for (qint64 id : std::as_const(stale))
        values << id;
    if (auto r = bulk(insertOpenSearchStale, values); !r)
        return r.failure();
    return qint64(stale.size());
}

Result<void> TicketWriter::Statements::moveSearchDocumentsWhenMany(qint64 written)
{
    if (db.driverName() == u"QPSQL")
        return {};
    // A ticket written again replaces its waiting document: the count may run ahead of the
    // rows, which only moves them a little sooner.
    searchWaitingAfterBatch = searchWaiting + written;
    if (searchWaitingAfterBatch < searchDocumentsPerMove)
        return {};
    for (WriterStatement &statement : moveSearchDocuments)
        if (auto r = statement.run(db, nullptr, 0, &failureCode); !r)
            return r.failure();
    searchWaitingAfterBatch = 0;
    return {};
}

} // namespace Baton

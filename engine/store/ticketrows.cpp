// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketrows.h"

#include "store/database.h"

#include <QHash>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <array>
#include <map>

namespace Baton {

qint64 TicketRow::dueAt() const
{
    qint64 due = noDueDate;
    for (const auto &candidate : {respondDue, resolveDue, ticketDue})
        if (candidate)
            due = std::min(due, *candidate);
    return due;
}

QList<TicketQueueRow> TicketRow::currentQueues() const
{
    QList<TicketQueueRow> rows;
    auto add = [&rows](const TicketQueueRow &next) {
        if (next.queue.isEmpty())
            return;
        for (TicketQueueRow &row : rows)
            if (row.queue == next.queue) {
                row.dueAt = std::min(row.dueAt, next.dueAt);
                row.atRiskAt = std::min(row.atRiskAt, next.atRiskAt);
                return;
            }
        rows.append(next);
    };
    add({queue, dueAt(), atRiskAt.value_or(noDueDate)});
    for (const TicketQueueRow &row : branchQueues)
        add(row);
    std::sort(rows.begin(), rows.end(),
              [](const TicketQueueRow &a, const TicketQueueRow &b) { return a.queue < b.queue; });
    return rows;
}

namespace {

QVariant text(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(value);
}
QVariant json(const QByteArray &value)
{
    return QString::fromUtf8(value); // TEXT, not bytea on PostgreSQL
}
QVariant optional(const std::optional<qint64> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType(QMetaType::LongLong));
}
std::optional<qint64> optionalFrom(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

const char ticketColumns[]
    = "id, key, workflow, workflow_version, title, state, status, queue, assignee, originator, "
      "priority, handoffs, flagged, fields, customer_id, customer_name, customer_tier, "
      "customer_phone, customer_email, channel, branches, version, created_at, updated_at, "
      "closed_at, respond_due, resolve_due, ticket_due, due_at, state_data, at_risk_at";
constexpr int ticketColumnCount = 31;

std::array<QVariant, ticketColumnCount> ticketValues(const TicketRow &row)
{
    return {row.id,
            row.key,
            row.workflow,
            row.workflowVersion,
            row.title,
            row.state,
            row.status,
            text(row.queue),
            text(row.assignee),
            row.originator,
            row.priority,
            row.handoffs,
            row.flagged ? 1 : 0,
            json(row.fields),
            text(row.customerId),
            text(row.customerName),
            text(row.customerTier),
            text(row.customerPhone),
            text(row.customerEmail),
            text(row.channel),
            json(row.branches),
            row.version,
            row.createdAt,
            row.updatedAt,
            optional(row.closedAt),
            optional(row.respondDue),
            optional(row.resolveDue),
            optional(row.ticketDue),
            row.dueAt(),
            json(row.stateData),
            row.atRiskAt.value_or(noDueDate)};
}

TicketRow ticketFrom(const QSqlQuery &query)
{
    TicketRow row;
    int i = 0;
    row.id = query.value(i++).toLongLong();
    row.key = query.value(i++).toString();
    row.workflow = query.value(i++).toString();
    row.workflowVersion = query.value(i++).toInt();
    row.title = query.value(i++).toString();
    row.state = query.value(i++).toString();
    row.status = query.value(i++).toString();
    row.queue = query.value(i++).toString();
    row.assignee = query.value(i++).toString();
    row.originator = query.value(i++).toString();
    row.priority = query.value(i++).toInt();
    row.handoffs = query.value(i++).toInt();
    row.flagged = query.value(i++).toInt() != 0;
    row.fields = query.value(i++).toString().toUtf8();
    row.customerId = query.value(i++).toString();
    row.customerName = query.value(i++).toString();
    row.customerTier = query.value(i++).toString();
    row.customerPhone = query.value(i++).toString();
    row.customerEmail = query.value(i++).toString();
    row.channel = query.value(i++).toString();
    row.branches = query.value(i++).toString().toUtf8();
    row.version = query.value(i++).toLongLong();
    row.createdAt = query.value(i++).toLongLong();
    row.updatedAt = query.value(i++).toLongLong();
    row.closedAt = optionalFrom(query.value(i++));
    row.respondDue = optionalFrom(query.value(i++));
    row.resolveDue = optionalFrom(query.value(i++));
    row.ticketDue = optionalFrom(query.value(i++));
    ++i; // due_at is derived
    row.stateData = query.value(i++).toString().toUtf8();
    if (const qint64 risk = query.value(i++).toLongLong(); risk != noDueDate)
        row.atRiskAt = risk;
    return row;
}

QString placeholders(int count)
{
    QString text;
    for (int i = 0; i < count; ++i)
        text += i ? QStringLiteral(", ?") : QStringLiteral("?");
    return text;
}

} // namespace

struct TicketWriter::Statements
{
    QSqlDatabase db;
    std::map<quint64, QSqlQuery> updates; // by bit mask of the columns set
    QSqlQuery insertTicket, insertQueue, deleteCurrentQueues, insertCurrentQueue, insertEvent,
        deleteTimers, insertTimer, insertComment, insertLink, insertNotification, insertIdempotency,
        upsertCustomer;
};

TicketWriter::TicketWriter(std::shared_ptr<Database> database)
    : m_database(std::move(database))
{
}

TicketWriter::~TicketWriter() = default;

Result<void> TicketWriter::prepare()
{
    auto db = m_database->connection();
    if (!db)
        return Error {db.error()};
    if (m_statements && m_statements->db.connectionName() == db->connectionName()
        && m_statements->db.isOpen())
        return {};
    auto s = std::make_unique<Statements>();
    s->db = *db;
    const std::pair<QSqlQuery *, QString> statements[] = {
        {&s->insertTicket,
         u"INSERT INTO tickets (" + QLatin1String(ticketColumns) + u") VALUES ("
             + placeholders(ticketColumnCount) + u")"},
        {&s->insertQueue,
         QStringLiteral("INSERT INTO ticket_queues (queue, ticket_id) VALUES "
                        "(?, ?) ON CONFLICT DO NOTHING")},
        {&s->deleteCurrentQueues,
         QStringLiteral("DELETE FROM ticket_queues_current WHERE ticket_id = ?")},
        {&s->insertCurrentQueue,
         QStringLiteral("INSERT INTO ticket_queues_current (ticket_id, queue, status, due_at, "
                        "at_risk_at) VALUES (?, ?, ?, ?, ?)")},
        {&s->insertEvent,
         QStringLiteral("INSERT INTO events (ticket_id, seq, at, actor, type, "
                        "data) VALUES (?, ?, ?, ?, ?, ?)")},
        {&s->deleteTimers, QStringLiteral("DELETE FROM timers WHERE ticket_id = ?")},
        {&s->insertTimer,
         QStringLiteral("INSERT INTO timers (ticket_id, kind, due_at, data) "
                        "VALUES (?, ?, ?, ?)")},
        {&s->insertComment,
         QStringLiteral("INSERT INTO comments (ticket_id, seq, author, "
                        "body, internal, at) VALUES (?, ?, ?, ?, ?, ?)")},
        {&s->insertLink,
         QStringLiteral("INSERT INTO links (ticket_id, other_id, relation, "
                        "created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO "
                        "NOTHING")},
        {&s->insertNotification,
         QStringLiteral("INSERT INTO notifications (username, ticket_id, kind, message, at, "
                        "read) VALUES (?, ?, ?, ?, ?, 0) RETURNING id")},
        {&s->insertIdempotency,
         QStringLiteral("INSERT INTO idempotency_keys (username, key, request_hash, "
                        "ticket_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?)")},
        {&s->upsertCustomer,
         QStringLiteral("INSERT INTO customers (id, name, tier, phone, email, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                        "name = COALESCE(excluded.name, customers.name), "
                        "tier = COALESCE(excluded.tier, customers.tier), "
                        "phone = COALESCE(excluded.phone, customers.phone), "
                        "email = COALESCE(excluded.email, customers.email), "
                        "updated_at = excluded.updated_at")},
    };
    for (const auto &[query, sql] : statements) {
        auto prepared = prepareQuery(*db, sql);
        if (!prepared)
            return Error {prepared.error()};
        *query = std::move(*prepared);
    }
    m_statements = std::move(s);
    return {};
}

Result<qint64> TicketWriter::maxTicketId()
{
    auto db = m_database->connection();
    if (!db)
        return Error {db.error()};
    auto query = runQuery(*db, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM tickets"));
    if (!query)
        return Error {query.error()};
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<void> TicketWriter::write(const WriteBatch &batch, QList<qint64> *notificationIds)
{
    if (auto prepared = prepare(); !prepared)
        return prepared;
    Statements &s = *m_statements;
    Transaction transaction(s.db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    auto run = [](QSqlQuery &query, std::initializer_list<QVariant> values) {
        int i = 0;
        for (const QVariant &value : values)
            query.bindValue(i++, value);
        return execQuery(query);
    };
    // A new ticket has no rows yet; a changed one without its previous row is rewritten.
    auto writeCurrentQueues = [&](const TicketRow &row, const TicketRow *previous, bool isNew) {
        const QList<TicketQueueRow> queues = row.currentQueues();
        if (previous && previous->status == row.status && previous->currentQueues() == queues)
            return Result<void>();
        if (!isNew)
            if (auto r = run(s.deleteCurrentQueues, {row.id}); !r)
                return r;
        for (const TicketQueueRow &q : queues)
            if (auto r
                = run(s.insertCurrentQueue, {row.id, q.queue, row.status, q.dueAt, q.atRiskAt});
                !r)
                return r;
        return Result<void>();
    };
    // Parents before children: the foreign keys are checked row by row.
    for (const TicketRow &row : batch.newTickets) {
        const auto values = ticketValues(row);
        for (int i = 0; i < ticketColumnCount; ++i)
            s.insertTicket.bindValue(i, values[i]);
        if (auto r = execQuery(s.insertTicket); !r)
            return r;
        if (auto r = writeCurrentQueues(row, nullptr, true); !r)
            return r;
    }
    static const QStringList columns
        = QString::fromLatin1(ticketColumns).split(QStringLiteral(", "));
    for (qsizetype n = 0; n < batch.changedTickets.size(); ++n) {
        const TicketRow &row = batch.changedTickets[n];
        const TicketRow *previous = n < batch.previousTickets.size() && batch.previousTickets[n].id
            ? &batch.previousTickets[n]
            : nullptr;
        if (auto r = writeCurrentQueues(row, previous, false); !r)
            return r;
        const auto values = ticketValues(row);
        quint64 mask = 0;
        if (previous) {
            const auto before = ticketValues(*previous);
            for (int i = 1; i < ticketColumnCount; ++i)
                if (values[i] != before[i] || values[i].isNull() != before[i].isNull())
                    mask |= quint64(1) << i;
            if (!mask)
                continue;
        } else {
            mask = ((quint64(1) << ticketColumnCount) - 1) & ~quint64(1);
        }
        auto it = s.updates.find(mask);
        if (it == s.updates.end()) {
            QString set;
            for (int i = 1; i < ticketColumnCount; ++i)
                if (mask & (quint64(1) << i))
                    set += (set.isEmpty() ? QString() : QStringLiteral(", ")) + columns[i]
                        + QStringLiteral(" = ?");
            auto prepared = prepareQuery(s.db, u"UPDATE tickets SET " + set + u" WHERE id = ?");
            if (!prepared)
                return Error {prepared.error()};
            it = s.updates.emplace(mask, std::move(*prepared)).first;
        }
        int position = 0;
        for (int i = 1; i < ticketColumnCount; ++i)
            if (mask & (quint64(1) << i))
                it->second.bindValue(position++, values[i]);
        it->second.bindValue(position, row.id);
        if (auto r = execQuery(it->second); !r)
            return r;
    }
    for (const auto &[ticket, queue] : batch.queuesVisited)
        if (auto r = run(s.insertQueue, {queue, ticket}); !r)
            return r;
    for (const EventRow &e : batch.events)
        if (auto r
            = run(s.insertEvent, {e.ticketId, e.seq, e.at, text(e.actor), e.type, json(e.data)});
            !r)
            return r;
    for (qint64 ticket : batch.replaceTimersOf)
        if (auto r = run(s.deleteTimers, {ticket}); !r)
            return r;
    for (const TimerRow &t : batch.timers)
        if (auto r = run(s.insertTimer, {t.ticketId, t.kind, t.dueAt, json(t.data)}); !r)
            return r;
    for (const CommentRow &c : batch.comments)
        if (auto r = run(s.insertComment,
                         {c.ticketId, c.seq, text(c.author), c.body, c.internal ? 1 : 0, c.at});
            !r)
            return r;
    for (const LinkRow &l : batch.links)
        if (auto r = run(s.insertLink, {l.ticketId, l.otherId, l.relation, l.at}); !r)
            return r;
    for (const NotificationRow &n : batch.notifications)
        if (auto r
            = run(s.insertNotification,
                  {n.username,
                   n.ticketId ? QVariant(n.ticketId) : QVariant(QMetaType(QMetaType::LongLong)),
                   n.kind, n.message, n.at});
            !r) {
            return r;
        } else {
            const qint64 id
                = s.insertNotification.next() ? s.insertNotification.value(0).toLongLong() : 0;
            s.insertNotification.finish();
            if (notificationIds)
                notificationIds->append(id);
        }
    for (const IdempotencyRow &k : batch.idempotency)
        if (auto r
            = run(s.insertIdempotency,
                  {k.username, k.key, k.requestHash, k.ticketId, json(k.response), k.createdAt});
            !r)
            return r;
    for (const CustomerRow &c : batch.customers)
        if (auto r
            = run(s.upsertCustomer,
                  {c.id, text(c.name), text(c.tier), text(c.phone), text(c.email), c.updatedAt});
            !r)
            return r;
    return transaction.commit();
}

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

Result<std::optional<TicketRow>> TicketReader::ticket(const QSqlDatabase &db, qint64 id)
{
    auto query = runQuery(
        db, u"SELECT " + QLatin1String(ticketColumns) + u" FROM tickets WHERE id = ?", {id});
    if (!query)
        return Error {query.error()};
    if (!query->next())
        return std::optional<TicketRow>();
    TicketRow row = ticketFrom(*query);
    // The writer compares them with the next row's, so a cold read must know them too.
    auto queues
        = runQuery(db,
                   QStringLiteral("SELECT queue, due_at, at_risk_at FROM "
                                  "ticket_queues_current WHERE ticket_id = ? ORDER BY queue"),
                   {id});
    if (!queues)
        return Error {queues.error()};
    const TicketQueueRow own {row.queue, row.dueAt(), row.atRiskAt.value_or(noDueDate)};
    while (queues->next()) {
        const TicketQueueRow stored {queues->value(0).toString(), queues->value(1).toLongLong(),
                                     queues->value(2).toLongLong()};
        if (!(stored == own))
            row.branchQueues.append(stored);
    }
    return std::optional<TicketRow>(std::move(row));
}

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
    QString from = byQueue ? QStringLiteral(" FROM ticket_queues_current c JOIN tickets t ON t.id "
                                            "= c.ticket_id WHERE c.queue = ?")
                           : QStringLiteral(" FROM tickets t WHERE 1 = 1");
    QString sql;
    QVariantList values;
    if (byQueue)
        values << filter.queue;
    auto equal = [&](const QString &column, const QString &value) {
        if (value.isEmpty())
            return;
        sql += u" AND " + column + u" = ?";
        values << value;
    };
    equal(QStringLiteral("t.state"), filter.state);
    equal(QStringLiteral("t.assignee"), filter.assignee);
    equal(QStringLiteral("t.originator"), filter.originator);
    equal(QStringLiteral("t.customer_id"), filter.customer);
    equal(member + u"status", filter.status);
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
    if (!filter.seeAll) {
        sql += QStringLiteral(" AND (t.originator = ? OR t.assignee = ?");
        values << filter.viewer << filter.viewer;
        if (!filter.viewerQueues.isEmpty()) {
            sql += u" OR t.id IN (SELECT ticket_id FROM ticket_queues WHERE queue IN ("
                + placeholders(int(filter.viewerQueues.size())) + u"))";
            for (const QString &queue : filter.viewerQueues)
                values << queue;
        }
        sql += u')';
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
        const QLatin1String op(descending ? "<" : ">");
        sql += u" AND (" + col + u' ' + op + u" ? OR (" + col + u" = ? AND " + idColumn + u' ' + op
            + u" ?))";
        values << value << value << id;
    }
    const QLatin1String direction(descending ? " DESC" : "");
    const int limit = std::clamp(filter.limit, 1, 500);
    sql = u"SELECT " + selected + u", " + col + from + sql + u" ORDER BY " + col + direction + u", "
        + idColumn + direction + u" LIMIT ?";
    values << limit + 1;
    auto query = runQuery(db, sql, values);
    if (!query)
        return Error {query.error()};
    TicketPage page;
    qint64 lastValue = 0;
    while (query->next() && page.items.size() < limit) {
        page.items.append(ticketFrom(*query));
        lastValue = query->value(ticketColumnCount).toLongLong();
    }
    if (query->isValid()) { // a row beyond the limit: there is a next page
        page.nextCursor = QString::fromLatin1(
            QStringLiteral("%1:%2")
                .arg(lastValue)
                .arg(page.items.constLast().id)
                .toUtf8()
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    }
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

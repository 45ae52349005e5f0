// SPDX-License-Identifier: GPL-3.0-or-later
#include "ticketcolumns.h"
#include "ticketrows.h"

#include "store/database.h"

#include <QHash>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <array>
#include <map>

namespace Baton {

using namespace TicketColumns;

struct TicketWriter::Statements
{
    QSqlDatabase db;
    std::map<quint64, QSqlQuery> updates; // by bit mask of the columns set
    QSqlQuery insertTicket, insertQueue, deleteCurrentQueues, insertCurrentQueue, insertEvent,
        deleteTimers, insertTimer, insertComment, insertLink, insertNotification, insertIdempotency,
        upsertCustomer, deleteBranchAssignees, insertBranchAssignee;
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
        {&s->deleteBranchAssignees,
         QStringLiteral("DELETE FROM ticket_branch_assignees WHERE ticket_id = ?")},
        {&s->insertBranchAssignee,
         QStringLiteral("INSERT INTO ticket_branch_assignees (ticket_id, username) VALUES (?, ?)")},
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
    // Rewritten only when the branches name other assignees: most writes leave them be.
    auto writeBranchAssignees = [&](const TicketRow &row, const TicketRow *previous, bool isNew) {
        if (previous && previous->branches == row.branches)
            return Result<void>();
        const QStringList names = row.branchAssignees();
        const QStringList before = previous ? previous->branchAssignees() : QStringList();
        if (previous && before == names)
            return Result<void>();
        if (!isNew && (!previous || !before.isEmpty()))
            if (auto r = run(s.deleteBranchAssignees, {row.id}); !r)
                return r;
        for (const QString &name : names)
            if (auto r = run(s.insertBranchAssignee, {row.id, name}); !r)
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
        if (auto r = writeBranchAssignees(row, nullptr, true); !r)
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
        if (auto r = writeBranchAssignees(row, previous, false); !r)
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

} // namespace Baton

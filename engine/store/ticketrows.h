// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ticket tables as plain rows. The runtime maps its TicketState and events onto them;
// the store only knows columns, so that it stays below the runtime (architecture.md).
// Instants are milliseconds since the epoch (UTC); JSON columns are UTF-8 text.

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Baton {

class Database;

/// Sorts last on "sorted by due": tickets without a due date store this instead of NULL, so
/// both databases order them alike and the queue-page index needs no expression.
constexpr qint64 noDueDate = 253402300799000; // 9999-12-31T23:59:59Z

/// One queue whose page shows a ticket now: its own queue, or an open branch's (in a parallel
/// state), with the due and at-risk instants to sort and count it by there (noDueDate: none).
struct TicketQueueRow
{
    QString queue;
    qint64 dueAt = noDueDate;
    qint64 atRiskAt = noDueDate;
    friend bool operator==(const TicketQueueRow &, const TicketQueueRow &) = default;
};

struct TicketRow
{
    qint64 id = 0;
    QString key, workflow;
    int workflowVersion = 0;
    QString title, state, status, queue, assignee, originator;
    int priority = 0;
    int handoffs = 0;
    bool flagged = false;
    QByteArray fields = "{}";
    QString customerId, customerName, customerTier, customerPhone, customerEmail, channel;
    QByteArray branches = "[]";
    qint64 version = 0;
    qint64 createdAt = 0, updatedAt = 0;
    std::optional<qint64> closedAt, respondDue, resolveDue, ticketDue;
    /// The earliest instant an open clock becomes at risk (column at_risk_at, noDueDate when
    /// none): the sla filter is `at_risk_at <= now`, the breached one `due_at <= now`.
    std::optional<qint64> atRiskAt;
    QByteArray stateData = "{}"; ///< the runtime's full state
    /// Open branches' queues (parallel state). The writer adds the ticket's own queue (by its
    /// due) and rewrites table ticket_queues_current when the set differs from the previous
    /// row's. TicketReader::ticket fills it in (as the rows beyond the own queue's); list
    /// does not.
    QList<TicketQueueRow> branchQueues;
    /// The ticket's own queue and branchQueues, one row per queue (earliest due), by queue.
    QList<TicketQueueRow> currentQueues() const;
    friend bool operator==(const TicketRow &, const TicketRow &) = default;

    /// The nearest of the due dates, or noDueDate.
    qint64 dueAt() const;
    /// The assignees named in `branches` (any branch status), each once, sorted: the writer
    /// keeps table ticket_branch_assignees to them, which the list's visibility and assignee
    /// filter read.
    QStringList branchAssignees() const;
};

struct EventRow
{
    qint64 ticketId = 0;
    qint64 seq = 0;
    qint64 at = 0;
    QString actor; ///< empty → NULL (the engine)
    QString type;
    QByteArray data = "{}";
};

struct TimerRow
{
    qint64 ticketId = 0;
    QString kind;
    qint64 dueAt = 0;
    QByteArray data = "{}";
};

struct CommentRow
{
    qint64 ticketId = 0;
    qint64 seq = 0;
    QString author;
    QString body;
    bool internal = false;
    qint64 at = 0;
};

struct LinkRow
{
    qint64 ticketId = 0;
    qint64 otherId = 0;
    QString relation;
    qint64 at = 0;
};

struct NotificationRow
{
    qint64 id = 0; ///< assigned by the database
    QString username;
    qint64 ticketId = 0;
    QString kind, message;
    qint64 at = 0;
    bool read = false;
};

struct IdempotencyRow
{
    QString username, key, requestHash;
    qint64 ticketId = 0;
    QByteArray response;
    qint64 createdAt = 0;
};

struct CustomerRow
{
    QString id, name, tier, phone, email;
    qint64 updatedAt = 0;
};

/// Everything one group commit writes.
struct WriteBatch
{
    QList<TicketRow> newTickets;
    QList<TicketRow> changedTickets;
    /// Per changed ticket, the row as last written (id 0 when unknown): only the columns that
    /// differ are updated, so an index is rewritten only when its columns change.
    QList<TicketRow> previousTickets;
    QList<QPair<qint64, QString>> queuesVisited; ///< (ticket, queue) pairs, new or not
    QList<EventRow> events;
    QList<qint64> replaceTimersOf; ///< tickets whose timers are replaced by `timers`
    QList<TimerRow> timers;
    QList<CommentRow> comments;
    QList<LinkRow> links;
    QList<NotificationRow> notifications;
    QList<IdempotencyRow> idempotency;
    QList<CustomerRow> customers;
    QList<StepFactRow> stepFacts; ///< reports: the steps this batch's events ended
    bool isEmpty() const
    {
        return newTickets.isEmpty() && changedTickets.isEmpty() && events.isEmpty()
            && notifications.isEmpty() && idempotency.isEmpty() && timers.isEmpty()
            && replaceTimersOf.isEmpty();
    }
};

/// Writes batches on one connection (the engine's writer thread), reusing prepared
/// statements: all rows of a batch in one transaction, hence one commit and one fsync.
class TicketWriter
{
public:
    explicit TicketWriter(std::shared_ptr<Database> database);
    ~TicketWriter();
    /// What a write tells besides success.
    struct WriteReport
    {
        QList<qint64> notificationIds; ///< of batch.notifications, in order
        /// Changed tickets whose row no longer held the previous version (another server
        /// wrote them): the batch was rolled back and must be built again from the database.
        QList<qint64> staleTickets;
        /// The database refused a value or row of the batch (a data exception, a constraint,
        /// a limit, text holding U+0000): the failure belongs to the command that brought it,
        /// not to the database, and the batch may succeed without that command.
        bool rowsRefused = false;
        /// The database broke off the batch for another writer's sake: a deadlock or a
        /// serialisation failure (SQLSTATE 40P01, 40001), in whichever statement it met. Like
        /// staleTickets, the batch may succeed when built again.
        bool conflicted = false;
    };
    /// Writes the batch in one transaction. A changed ticket with its previous row is updated
    /// only if the database still holds that row's version.
    Result<void> write(const WriteBatch &batch, WriteReport *report = nullptr);

private:
    struct Statements;
    Result<void> prepare();
    Result<void> writeRows(const WriteBatch &batch, WriteReport *report);
    Result<void> updateGroup(Statements &s, quint64 key, const QList<qint64> &ids,
                             const QVariantList &values, WriteReport *report);
    std::shared_ptr<Database> m_database;
    std::unique_ptr<Statements> m_statements;
};

/// Filters of the ticket list (interfaces.md GET /tickets). Empty members do not filter.
struct TicketFilter
{
    /// queue: tickets in that queue, or with an open branch there (sorted by that branch's due).
    /// assignee: tickets whose assignee, or one of whose branches' assignee, it is.
    QString queue, state, assignee, originator, customer, status, text;
    QString sla; ///< "at_risk" or "breached" as of `now`
    qint64 now = 0; ///< ms since the epoch, for sla
    enum class Sort { DueAsc, DueDesc, CreatedAsc, CreatedDesc, UpdatedAsc, UpdatedDesc };
    Sort sort = Sort::DueAsc;
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
    /// Visibility, the rule of access.cpp's canSee: unless seeAll, only tickets whose
    /// originator, assignee or a branch's assignee is `viewer`, or that have been in one of
    /// `viewerQueues`.
    bool seeAll = false;
    QString viewer;
    QStringList viewerQueues;

    static std::optional<Sort> parseSort(const QString &text); ///< due, -due, created, ...
};

struct TicketPage
{
    QList<TicketRow> items;
    QString nextCursor; ///< empty on the last page
};

/// Reads, on the calling thread's connection; they never wait for the writer.
/// Reads tickets one by one through statements prepared once on one connection: the engine's
/// writer reads every ticket it does not hold this way, and preparing the two statements anew
/// cost more than running them. Use it on the thread whose connection it was made with.
class TicketLoader
{
public:
    explicit TicketLoader(QSqlDatabase db);
    ~TicketLoader();
    TicketLoader(const TicketLoader &) = delete;
    TicketLoader &operator=(const TicketLoader &) = delete;
    /// As TicketReader::ticket.
    Result<std::optional<TicketRow>> ticket(qint64 id);
    const QSqlDatabase &database() const { return m_db; }

private:
    QSqlDatabase m_db;
    std::optional<QSqlQuery> m_ticket, m_queues;
};

class TicketReader
{
public:
    static Result<std::optional<TicketRow>> ticket(const QSqlDatabase &db, qint64 id);
    static Result<TicketPage> list(const QSqlDatabase &db, const TicketFilter &filter);
    static Result<QList<EventRow>> events(const QSqlDatabase &db, qint64 ticketId);
    static Result<QList<TimerRow>> timers(const QSqlDatabase &db, qint64 ticketId);
    static Result<QList<NotificationRow>> notifications(const QSqlDatabase &db,
                                                        const QString &username, bool unreadOnly,
                                                        int limit = 200);
    /// Marks one of the user's notifications read; false when it is not theirs or absent.
    static Result<bool> markNotificationRead(const QSqlDatabase &db, qint64 id,
                                             const QString &username);
    static Result<std::optional<IdempotencyRow>>
    idempotency(const QSqlDatabase &db, const QString &username, const QString &key);
    static Result<QList<qint64>> ticketIds(const QSqlDatabase &db);
};

} // namespace Baton

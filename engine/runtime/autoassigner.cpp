// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/autoassigner.h"

#include "plugin/assignmentstrategy.h"
#include "runtime/noticetext.h"

#include <QLoggingCategory>

namespace Baton {

Q_LOGGING_CATEGORY(lcAssign, "baton.assign")

namespace {

AssignmentRequest requestOf(const TicketState &ticket, const QueueDef &queue,
                            const QueueAssignmentFacts &facts)
{
    AssignmentRequest request;
    request.queue = queue.name;
    request.ticketId = ticket.id;
    request.workflow = ticket.workflow;
    request.state = ticket.state;
    request.fields = ticket.fields;
    if (!queue.match.isEmpty())
        request.queueSettings.insert(QStringLiteral("match"), queue.match);
    for (const AssignmentCandidateRow &row : facts.candidates) {
        AssignmentCandidate candidate;
        candidate.user = row.username;
        candidate.openTickets = row.openTickets;
        candidate.lastTurn = row.lastTurn;
        candidate.skills = row.skills;
        request.candidates.push_back(std::move(candidate));
    }
    return request;
}

// The places of a written ticket waiting for someone in a queue: the step's queue, or each
// open branch's of a parallel step (branch name, queue), unassigned.
QList<std::pair<QString, QString>> unassignedPlaces(const TicketOutcome &outcome)
{
    const TicketState &t = outcome.ticket;
    QList<std::pair<QString, QString>> places;
    if (outcome.events.isEmpty() || !t.isOpen())
        return places;
    if (!t.isParallel()) {
        if (!t.queue.isEmpty() && t.assignee.isEmpty())
            places.append({QString(), t.queue});
        return places;
    }
    for (const BranchState &b : t.branches)
        if (b.status == BranchStatus::Open && !b.queue.isEmpty() && b.assignee.isEmpty())
            places.append({b.name, b.queue});
    return places;
}

} // namespace

AutoAssigner::AutoAssigner(const Organisation &organisation, AssignmentStrategyLookup strategies,
                           std::function<void()> beforeFirstRead)
    : m_organisation(organisation)
    , m_strategies(std::move(strategies))
    , m_beforeFirstRead(std::move(beforeFirstRead))
{
}

Result<QueueAssignmentFacts *> AutoAssigner::factsOf(const QSqlDatabase &db, const QueueDef &queue,
                                                     const QDateTime &now)
{
    if (auto it = m_facts.find(queue.name); it != m_facts.end())
        return &it.value();
    if (!m_read && m_beforeFirstRead)
        m_beforeFirstRead();
    m_read = true;
    auto facts = AssignmentRows::facts(db, queue.name, queue.department, now.toMSecsSinceEpoch());
    if (!facts)
        return facts.failure();
    return &m_facts.insert(queue.name, std::move(*facts)).value();
}

Result<void> AutoAssigner::apply(const QSqlDatabase &db, TicketOutcome &outcome,
                                 const TicketMachine &machine, const QDateTime &now,
                                 QList<AssignmentTurnRow> &turns)
{
    if (!m_strategies)
        return {};
    for (const auto &[branch, queue] : unassignedPlaces(outcome))
        if (auto assigned = assignIn(db, outcome, machine, now, turns, queue, branch); !assigned)
            return assigned;
    return {};
}

Result<void> AutoAssigner::assignIn(const QSqlDatabase &db, TicketOutcome &outcome,
                                    const TicketMachine &machine, const QDateTime &now,
                                    QList<AssignmentTurnRow> &turns, const QString &queueName,
                                    const QString &branch)
{
    const auto queue = m_organisation.queues.constFind(queueName);
    if (queue == m_organisation.queues.cend() || !queue->assignsAutomatically())
        return {};
    const AssignmentStrategy *strategy = m_strategies(queue->assign);
    if (!strategy) {
        qCWarning(lcAssign) << "queue" << queue->name << "assigns by" << queue->assign
                            << "but no such strategy plugin is loaded; the ticket waits";
        return {};
    }
    auto facts = factsOf(db, *queue, now);
    if (!facts)
        return facts.failure();
    const auto chosen = strategy->choose(requestOf(outcome.ticket, *queue, **facts));
    if (!chosen) {
        qCWarning(lcAssign) << "strategy" << queue->assign << "failed:" << chosen.error();
        return {};
    }
    auto candidate
        = std::find_if((*facts)->candidates.begin(), (*facts)->candidates.end(),
                       [&](const AssignmentCandidateRow &c) { return c.username == *chosen; });
    if (candidate == (*facts)->candidates.end()) {
        if (!chosen->isEmpty())
            qCWarning(lcAssign) << "strategy" << queue->assign << "chose" << *chosen
                                << "who is not a present member of" << queue->name;
        return {}; // nobody fits: the ticket waits in the queue
    }
    const TicketOutcome assigned
        = machine.autoAssign(outcome.ticket, *chosen, queue->assign, now, branch);
    outcome.ticket = assigned.ticket;
    outcome.events += assigned.events;
    outcome.notifications += assigned.notifications;
    candidate->openTickets += 1;
    candidate->lastTurn = ++(*facts)->lastTurn;
    turns.append({queue->name, *chosen, candidate->lastTurn});
    return {};
}

QString AbsenceBook::standIn(const QString &user, const QueueDef *queue) const
{
    // A substitute away too passes it on (a short chain; a cycle ends with nobody).
    QString current = user;
    for (int hop = 0; hop < 4 && m_away.contains(current); ++hop) {
        const QString next = m_away.value(current);
        if (next.isEmpty())
            break;
        current = next;
    }
    if (!m_away.contains(current))
        return current;
    if (queue)
        for (const QString &backup : queue->backup)
            if (backup != user && !m_away.contains(backup))
                return backup;
    return {}; // nobody present to take it: it stays with the user
}

Result<void> AbsenceBook::read(const QSqlDatabase &db, const QDateTime &now)
{
    if (m_read)
        return {};
    auto rows = AssignmentRows::absences(db, now.toMSecsSinceEpoch());
    if (!rows)
        return rows.failure();
    for (const AbsenceRow &row : *rows)
        m_away.insert(row.username, row.substitute);
    m_read = true;
    return {};
}

Result<void> AbsenceBook::handOver(const QSqlDatabase &db, const QDateTime &now,
                                   const Organisation &org, const TicketMachine &machine,
                                   TicketOutcome &outcome)
{
    const TicketState &t = outcome.ticket;
    if (outcome.events.isEmpty() || outcome.events.last().type != u"assigned" || !t.isOpen()
        || t.isParallel() || t.assignee.isEmpty())
        return {};
    if (auto r = read(db, now); !r)
        return r;
    const QString away = t.assignee;
    if (!m_away.contains(away))
        return {};
    const auto queue = org.queues.constFind(t.queue);
    const QString to = standIn(away, queue == org.queues.cend() ? nullptr : &*queue);
    if (to.isEmpty() || to == away)
        return {};
    TicketOutcome handed = machine.autoAssign(t, to, QStringLiteral("substitute"), now);
    handed.events.last().data.insert(QStringLiteral("for"), away);
    outcome.ticket = handed.ticket;
    outcome.events += handed.events;
    outcome.notifications.removeIf(
        [&](const NotificationRecord &n) { return n.recipient == away && n.kind == u"assigned"; });
    outcome.notifications += handed.notifications;
    return {};
}

Result<void> AbsenceBook::redirect(const QSqlDatabase &db, const QDateTime &now,
                                   const QueueDef *queue, QList<NotificationRecord> &notices)
{
    if (notices.isEmpty())
        return {};
    if (auto r = read(db, now); !r)
        return r;
    if (m_away.isEmpty())
        return {};
    QList<NotificationRecord> redirected;
    for (NotificationRecord notice : notices) {
        if (m_away.contains(notice.recipient)) {
            const QString to = standIn(notice.recipient, queue);
            if (!to.isEmpty()) {
                notice.params.insert(u"for", notice.recipient);
                notice.message = noticeText(notice.kind, notice.params, Language::En);
                notice.recipient = to;
            }
        }
        if (!redirected.contains(notice))
            redirected.append(std::move(notice));
    }
    notices = std::move(redirected);
    return {};
}

} // namespace Baton

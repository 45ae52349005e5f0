// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/assignmentrows.h"

#include "store/database.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

namespace Baton {

namespace {

QStringList listOf(const QString &jsonText)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(jsonText.toUtf8()).array())
        list.append(v.toString());
    return list;
}

// Users are few (hundreds): the department is matched here rather than in each database's
// JSON functions.
Result<QList<AssignmentCandidateRow>> presentMembers(const QSqlDatabase &db,
                                                     const QString &department, qint64 nowMs)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT username, departments, skills FROM users WHERE "
                                     "active = 1 AND NOT (away_until IS NOT NULL AND away_until "
                                     "> ? AND COALESCE(away_from, 0) <= ?) ORDER BY username"),
                      {nowMs, nowMs});
    if (!q)
        return q.failure();
    QList<AssignmentCandidateRow> members;
    while (q->next()) {
        if (!listOf(q->value(1).toString()).contains(department))
            continue;
        AssignmentCandidateRow row;
        row.username = q->value(0).toString();
        row.skills = listOf(q->value(2).toString());
        members.append(std::move(row));
    }
    return members;
}

// The open branches of parallel steps they hold: open work like a ticket of their own (the
// ticket has no assignee meanwhile). Read from the few open tickets that name them in a branch.
Result<void> countOpenBranches(const QSqlDatabase &db, const QString &marks,
                               const QVariantList &names,
                               const QHash<QString, AssignmentCandidateRow *> &byName)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT branches FROM tickets WHERE status = 'open' AND id "
                                     "IN (SELECT ticket_id FROM ticket_branch_assignees WHERE "
                                     "username IN (%1))")
                          .arg(marks),
                      names);
    if (!q)
        return q.failure();
    while (q->next()) {
        for (const QJsonValue &value : QJsonDocument::fromJson(q->value(0).toByteArray()).array()) {
            const QJsonObject branch = value.toObject();
            if (branch.value(u"status").toString() != u"open")
                continue;
            if (AssignmentCandidateRow *m = byName.value(branch.value(u"assignee").toString()))
                m->openTickets += 1;
        }
    }
    return {};
}

Result<void> countOpenWork(const QSqlDatabase &db, QList<AssignmentCandidateRow> &members)
{
    if (members.isEmpty())
        return {};
    QVariantList names;
    QStringList marks;
    // Each count finds its member by name at once: a department has hundreds of members.
    QHash<QString, AssignmentCandidateRow *> byName;
    for (AssignmentCandidateRow &m : members) {
        names.append(m.username);
        marks.append(QStringLiteral("?"));
        byName.insert(m.username, &m);
    }
    auto q = runQuery(db,
                      QStringLiteral("SELECT assignee, COUNT(*) FROM tickets WHERE status = "
                                     "'open' AND assignee IN (%1) GROUP BY assignee")
                          .arg(marks.join(u',')),
                      names);
    if (!q)
        return q.failure();
    while (q->next())
        if (AssignmentCandidateRow *m = byName.value(q->value(0).toString()))
            m->openTickets = q->value(1).toInt();
    return countOpenBranches(db, marks.join(u','), names, byName);
}

} // namespace

Result<QList<AbsenceRow>> AssignmentRows::absences(const QSqlDatabase &db, qint64 nowMs)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT username, substitute FROM users WHERE away_until > ? "
                                     "AND COALESCE(away_from, 0) <= ?"),
                      {nowMs, nowMs});
    if (!q)
        return q.failure();
    QList<AbsenceRow> rows;
    while (q->next())
        rows.append({q->value(0).toString(), q->value(1).toString()});
    return rows;
}

Result<QList<AbsenceRow>> AssignmentRows::absencesNotOver(const QSqlDatabase &db, qint64 nowMs)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT username, substitute, COALESCE(away_from, 0), "
                                     "away_until FROM users WHERE away_until > ?"),
                      {nowMs});
    if (!q)
        return q.failure();
    QList<AbsenceRow> rows;
    while (q->next())
        rows.append({q->value(0).toString(), q->value(1).toString(), q->value(2).toLongLong(),
                     q->value(3).toLongLong()});
    return rows;
}

Result<QueueAssignmentFacts> AssignmentRows::facts(const QSqlDatabase &db, const QString &queue,
                                                   const QString &department, qint64 nowMs)
{
    auto members = presentMembers(db, department, nowMs);
    if (!members)
        return members.failure();
    if (auto counted = countOpenWork(db, *members); !counted)
        return counted.failure();
    QueueAssignmentFacts facts;
    auto q = runQuery(
        db, QStringLiteral("SELECT username, turn FROM assignment_turns WHERE queue = ?"), {queue});
    if (!q)
        return q.failure();
    while (q->next()) {
        const qint64 turn = q->value(1).toLongLong();
        facts.lastTurn = std::max(facts.lastTurn, turn);
        for (AssignmentCandidateRow &m : *members)
            if (m.username == q->value(0).toString())
                m.lastTurn = turn;
    }
    facts.candidates = std::move(*members);
    return facts;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "choices.h"

#include <algorithm>

namespace Baton::Assignment {

namespace {

template<typename Better>
QString best(const std::vector<const AssignmentCandidate *> &candidates, Better better)
{
    // min_element keeps the first of equals: the queue's member order breaks ties.
    const auto it = std::min_element(
        candidates.begin(), candidates.end(),
        [&](const AssignmentCandidate *a, const AssignmentCandidate *b) { return better(*a, *b); });
    return it == candidates.end() ? QString() : (*it)->user;
}

std::vector<const AssignmentCandidate *> all(const AssignmentRequest &request)
{
    std::vector<const AssignmentCandidate *> list;
    for (const AssignmentCandidate &c : request.candidates)
        list.push_back(&c);
    return list;
}

bool fewerOpen(const AssignmentCandidate &a, const AssignmentCandidate &b)
{
    return a.openTickets < b.openTickets;
}

QStringList wantedSkills(const AssignmentRequest &request)
{
    QStringList wanted;
    for (const QString &field :
         request.queueSettings.value(QStringLiteral("match")).toStringList()) {
        const QVariant value = request.fields.value(field);
        const bool list
            = value.typeId() == QMetaType::QVariantList || value.typeId() == QMetaType::QStringList;
        const QStringList values = list ? value.toStringList() : QStringList {value.toString()};
        for (const QString &v : values)
            if (!v.trimmed().isEmpty())
                wanted.append(v.trimmed());
    }
    return wanted;
}

bool hasAll(const AssignmentCandidate &candidate, const QStringList &wanted)
{
    return std::all_of(wanted.begin(), wanted.end(), [&](const QString &skill) {
        return candidate.skills.contains(skill, Qt::CaseInsensitive);
    });
}

} // namespace

QString roundRobin(const AssignmentRequest &request)
{
    return best(all(request), [](const AssignmentCandidate &a, const AssignmentCandidate &b) {
        return a.lastTurn < b.lastTurn;
    });
}

QString leastLoaded(const AssignmentRequest &request)
{
    return best(all(request), fewerOpen);
}

QString skills(const AssignmentRequest &request)
{
    const QStringList wanted = wantedSkills(request);
    std::vector<const AssignmentCandidate *> fitting;
    for (const AssignmentCandidate &c : request.candidates)
        if (hasAll(c, wanted))
            fitting.push_back(&c);
    return best(fitting, fewerOpen);
}

} // namespace Baton::Assignment

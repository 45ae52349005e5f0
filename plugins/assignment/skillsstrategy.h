// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "choices.h"

#include <QObject>

// `assign: skills` (org.yaml): a queue's tickets go to the least loaded present member whose skills
// hold the ticket's match: fields.
class SkillsStrategy : public QObject, public Baton::AssignmentStrategy
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAssignmentStrategy_iid FILE "skills.json")
    Q_INTERFACES(Baton::AssignmentStrategy)

public:
    QString name() const override { return QStringLiteral("skills"); }
    Baton::Result<QString> choose(const Baton::AssignmentRequest &request) const override
    {
        return Baton::Assignment::skills(request);
    }
};

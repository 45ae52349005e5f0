// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "choices.h"

#include <QObject>

// `assign: round_robin` (org.yaml): a queue's tickets go in turn: the present member whose last
// turn in the queue is the oldest.
class RoundRobinStrategy : public QObject, public Baton::AssignmentStrategy
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAssignmentStrategy_iid FILE "round_robin.json")
    Q_INTERFACES(Baton::AssignmentStrategy)

public:
    QString name() const override { return QStringLiteral("round_robin"); }
    Baton::Result<QString> choose(const Baton::AssignmentRequest &request) const override
    {
        return Baton::Assignment::roundRobin(request);
    }
};

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "choices.h"

#include <QObject>

// `assign: least_loaded` (org.yaml): a queue's tickets go to the present member with the fewest
// open tickets.
class LeastLoadedStrategy : public QObject, public Baton::AssignmentStrategy
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAssignmentStrategy_iid FILE "least_loaded.json")
    Q_INTERFACES(Baton::AssignmentStrategy)

public:
    QString name() const override { return QStringLiteral("least_loaded"); }
    Baton::Result<QString> choose(const Baton::AssignmentRequest &request) const override
    {
        return Baton::Assignment::leastLoaded(request);
    }
};

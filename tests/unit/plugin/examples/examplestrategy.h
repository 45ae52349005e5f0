// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/assignmentstrategy.h"

#include <QObject>

// Whoever has the least open work; the first of them in member order.
class ExampleStrategy : public QObject, public Baton::AssignmentStrategy
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAssignmentStrategy_iid FILE "examplestrategy.json")
    Q_INTERFACES(Baton::AssignmentStrategy)

public:
    QString name() const override { return QStringLiteral("fewest_open"); }
    Baton::Result<QString> choose(const Baton::AssignmentRequest &request) const override
    {
        const Baton::AssignmentCandidate *best = nullptr;
        for (const Baton::AssignmentCandidate &candidate : request.candidates)
            if (!best || candidate.openTickets < best->openTickets)
                best = &candidate;
        return best ? best->user : QString();
    }
};

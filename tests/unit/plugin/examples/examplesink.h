// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/eventsink.h"

#include <QObject>

// Counts the records it takes.
class ExampleSink : public QObject, public Baton::EventSink
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonEventSink_iid FILE "examplesink.json")
    Q_INTERFACES(Baton::EventSink)

public:
    QStringList eventTypes() const override { return {QStringLiteral("sla_breached")}; }
    Baton::Result<void> consume(const Baton::EventRecord &record) override
    {
        if (record.sequence < 1)
            return Baton::makeError(QStringLiteral("sequence must start at 1"));
        ++consumed;
        return {};
    }
    int consumed = 0;
};

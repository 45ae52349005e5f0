// SPDX-License-Identifier: GPL-3.0-or-later
#include "fixture.h"

#include "definition/orgreader.h"
#include "definition/workflowreader.h"

#include <QFile>
#include <QHash>
#include <QTimeZone>

namespace Baton::Test {

namespace {

QByteArray readData(const QString &name)
{
    QFile file(QStringLiteral(BATON_SOURCE_DIR "/tests/unit/runtime/data/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    return file.readAll();
}

std::shared_ptr<const Workflow> loadWorkflow(const QString &name, const Organisation &org)
{
    const WorkflowReadResult read = readWorkflow(readData(name), name, &org);
    if (!read.ok()) {
        for (const Diagnostic &d : read.diagnostics)
            qWarning("%s:%d:%d: %s", qPrintable(name), d.line, d.column, qPrintable(d.message));
        qFatal("%s does not load", qPrintable(name));
    }
    return read.workflow;
}

} // namespace

const RuntimeFixture &RuntimeFixture::instance()
{
    static const RuntimeFixture fixture = [] {
        RuntimeFixture f;
        const OrganisationReadResult org
            = readOrganisation(readData(QStringLiteral("org.yaml")), QStringLiteral("org.yaml"));
        if (!org.ok())
            qFatal("org.yaml does not load");
        f.org = org.organisation;
        f.jumpQueue = loadWorkflow(QStringLiteral("jump-queue.yaml"), f.org);
        f.refund = loadWorkflow(QStringLiteral("refund.yaml"), f.org);
        return f;
    }();
    return fixture;
}

Actor RuntimeFixture::user(const QString &name) const
{
    static const QHash<QString, QPair<QStringList, QStringList>> users {
        {QStringLiteral("amy"), {{QStringLiteral("agent")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("ann"), {{QStringLiteral("agent")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("sam"),
         {{QStringLiteral("supervisor")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("cxs"),
         {{QStringLiteral("supervisor")}, {QStringLiteral("customer-experience")}}},
        {QStringLiteral("bill"), {{QStringLiteral("staff")}, {QStringLiteral("billing")}}},
        {QStringLiteral("bea"), {{QStringLiteral("staff")}, {QStringLiteral("billing")}}},
        {QStringLiteral("fiona"), {{QStringLiteral("supervisor")}, {QStringLiteral("finance")}}},
        {QStringLiteral("gus"), {{QStringLiteral("staff")}, {QStringLiteral("ground-ops")}}},
        {QStringLiteral("nora"), {{QStringLiteral("staff")}, {QStringLiteral("finance")}}},
        {QStringLiteral("cora"),
         {{QStringLiteral("agent")}, {QStringLiteral("customer-experience")}}},
        {QStringLiteral("root"), {{QStringLiteral("admin")}, {}}},
    };
    const auto it = users.constFind(name);
    if (it == users.cend())
        qFatal("no test user %s", qPrintable(name));
    return resolveActor(org, name, it->first, it->second);
}

QDateTime at(int minutes)
{
    return QDateTime(QDate(2026, 11, 23), QTime(8, 30), QTimeZone::utc()).addSecs(minutes * 60);
}

bool Ticket::apply(const TicketOutcome &outcome)
{
    last = outcome;
    if (!outcome.ok())
        return false;
    const qint64 id = state.id;
    state = outcome.ticket;
    if (id != 0 && state.id == 0)
        state.assignId(id);
    log.append(outcome.events);
    return true;
}

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#include "slaworld.h"

#include "definition/orgreader.h"
#include "definition/workflowreader.h"

#include <QFile>
#include <QHash>
#include <QTimeZone>

namespace Baton::Test {

namespace {

QByteArray readData(const QString &name)
{
    QFile file(QStringLiteral(BATON_SOURCE_DIR "/tests/unit/sla/data/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    return file.readAll();
}

const QHash<QString, QPair<QStringList, QStringList>> &users()
{
    static const QHash<QString, QPair<QStringList, QStringList>> table {
        {QStringLiteral("amy"), {{QStringLiteral("agent")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("ann"), {{QStringLiteral("agent")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("sam"),
         {{QStringLiteral("supervisor")}, {QStringLiteral("customer-service")}}},
        {QStringLiteral("bill"), {{QStringLiteral("staff")}, {QStringLiteral("billing")}}},
        {QStringLiteral("bea"), {{QStringLiteral("staff")}, {QStringLiteral("billing")}}},
        {QStringLiteral("gus"), {{QStringLiteral("staff")}, {QStringLiteral("ground-ops")}}},
        {QStringLiteral("berta"), {{QStringLiteral("agent")}, {QStringLiteral("berlin")}}},
        {QStringLiteral("olga"), {{QStringLiteral("agent")}, {QStringLiteral("county")}}},
        {QStringLiteral("cody"), {{QStringLiteral("staff")}, {QStringLiteral("county")}}},
        {QStringLiteral("cobb"), {{QStringLiteral("staff")}, {QStringLiteral("county")}}},
        {QStringLiteral("cindy"), {{QStringLiteral("staff")}, {QStringLiteral("city")}}},
        {QStringLiteral("pat"), {{QStringLiteral("staff")}, {QStringLiteral("province")}}},
    };
    return table;
}

} // namespace

QByteArray SlaWorld::orgText()
{
    return readData(QStringLiteral("org.yaml"));
}

std::unique_ptr<SlaWorld> SlaWorld::load(const QByteArray &orgText)
{
    auto world = std::make_unique<SlaWorld>();
    const OrganisationReadResult org = readOrganisation(
        orgText.isEmpty() ? SlaWorld::orgText() : orgText, QStringLiteral("org.yaml"));
    if (!org.ok()) {
        for (const Diagnostic &d : org.diagnostics)
            qWarning("org.yaml:%d:%d: %s", d.line, d.column, qPrintable(d.message));
        qFatal("org.yaml does not load");
    }
    world->org = std::make_shared<const Organisation>(org.organisation);
    for (const char *name : {"support", "telecom", "berlin", "parallel", "timed", "callback"}) {
        const QString file = QString::fromLatin1(name) + QStringLiteral(".yaml");
        const WorkflowReadResult read = readWorkflow(readData(file), file, world->org.get());
        if (!read.ok()) {
            for (const Diagnostic &d : read.diagnostics)
                qWarning("%s:%d:%d: %s", qPrintable(file), d.line, d.column, qPrintable(d.message));
            qFatal("%s does not load", qPrintable(file));
        }
        world->workflows.insert(QString::fromLatin1(name), read.workflow);
    }
    world->clocks = std::make_unique<SlaClocks>(world->org);
    world->escalation = std::make_unique<Escalation>(*world->clocks);
    return world;
}

const SlaWorld &SlaWorld::instance()
{
    static const std::unique_ptr<SlaWorld> world = load();
    return *world;
}

const Workflow &SlaWorld::workflow(const QString &name) const
{
    const auto it = workflows.constFind(name);
    if (it == workflows.cend())
        qFatal("no workflow %s", qPrintable(name));
    return **it;
}

Actor SlaWorld::user(const QString &name) const
{
    const auto it = users().constFind(name);
    if (it == users().cend())
        qFatal("no test user %s", qPrintable(name));
    return resolveActor(*org, name, it->first, it->second);
}

QStringList SlaWorld::departmentsOf(const QString &name) const
{
    return users().value(name).second;
}

QDateTime utc(int year, int month, int day, int hour, int minute)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute), QTimeZone::utc());
}

TicketState openTicket(const SlaWorld &world, const QString &workflow, const QString &originator,
                       const QDateTime &at, const QString &tier)
{
    const TicketMachine machine(world.workflow(workflow), *world.org);
    OpenRequest request;
    request.title = QStringLiteral("Test ticket");
    request.customer.tier = tier;
    TicketOutcome outcome = machine.open(world.user(originator), request, 1, at);
    if (!outcome.ok()) {
        qWarning("open refused: %s", qPrintable(outcome.error->message));
        return {};
    }
    outcome.ticket.assignId(1);
    return outcome.ticket;
}

TicketState act(const SlaWorld &world, const TicketState &ticket, const QString &actor,
                const QString &action, const QDateTime &at)
{
    const TicketMachine machine(world.workflow(ticket.workflow), *world.org);
    ActionRequest request;
    request.name = action;
    TicketOutcome outcome = machine.takeAction(ticket, world.user(actor), request, at);
    if (!outcome.ok()) {
        qWarning("%s refused: %s", qPrintable(action), qPrintable(outcome.error->message));
        return {};
    }
    return outcome.ticket;
}

} // namespace Baton::Test

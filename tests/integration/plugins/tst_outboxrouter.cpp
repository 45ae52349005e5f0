// SPDX-License-Identifier: GPL-3.0-or-later
// Which channels a command's events and notices go to (delivery/outboxrouter.h): people's
// notices through the first email and the first sms channel, one row per notice with a stable
// id; a chat robot with `departments:` only for tickets whose queue is in one of them (a
// breach posts to the department's group).

#include "delivery/outboxrouter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Baton;

class tst_OutboxRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noticesGoToTheFirstEmailAndSmsChannel();
    void aBreachPostsToItsDepartmentsGroupOnly();
    void noRowForSomeoneWithoutTheAddress();
    void anOrganisationPublishedWhileRunningRoutesTheNextRows();
    void aWebhookTakesItsEventsOfItsWorkflowsOnly();
    void onlyTheBreachOfAnATierCustomersTicketIsUrgent();
};

namespace {

ChannelDefinition channel(const char *name, const char *plugin, QStringList events = {},
                          QVariantMap settings = {})
{
    ChannelDefinition c;
    c.name = QString::fromLatin1(name);
    c.plugin = QString::fromLatin1(plugin);
    c.events = std::move(events);
    c.settings = std::move(settings);
    return c;
}

std::shared_ptr<const Organisation> organisation()
{
    auto org = std::make_shared<Organisation>();
    for (const auto &[queue, department] :
         {std::pair {"it-desk", "it"}, std::pair {"billing-desk", "finance"}}) {
        QueueDef q;
        q.name = QString::fromLatin1(queue);
        q.department = QString::fromLatin1(department);
        org->queues.insert(q.name, q);
    }
    return org;
}

TicketState ticketIn(const char *queue)
{
    TicketState t;
    t.id = 42;
    t.key = QStringLiteral("IT-42");
    t.workflow = QStringLiteral("tech-inquiry");
    t.title = QStringLiteral("Printer");
    t.queue = QString::fromLatin1(queue);
    return t;
}

Event eventOf(qint64 seq, const QString &type)
{
    Event e;
    e.seq = seq;
    e.type = type;
    e.at = QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    return e;
}

} // namespace

void tst_OutboxRouter::noticesGoToTheFirstEmailAndSmsChannel()
{
    const OutboxRouter router({channel("staff-mail", "email"), channel("other-mail", "email"),
                               channel("pager", "sms", {QStringLiteral("sla_breached")})},
                              organisation());
    const OutboxPlanner planner = router.planner();
    QVERIFY(planner);
    const QList<NotificationRecord> notices {
        {QStringLiteral("amy"), QStringLiteral("sla_warning"), QStringLiteral("50% used"), {}},
        {QStringLiteral("mia"), QStringLiteral("sla_breached"), QStringLiteral("breached"), {}}};
    const QList<OutboxRow> rows
        = planner(ticketIn("it-desk"), {eventOf(7, QStringLiteral("sla_warning"))}, notices,
                  QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC));
    QStringList ids;
    for (const OutboxRow &row : rows)
        ids.append(row.deliveryId);
    // other-mail is a second email channel: it would send each notice twice. The sms channel
    // takes breaches only.
    QCOMPARE(ids,
             (QStringList {QStringLiteral("42.7.staff-mail.amy.0"),
                           QStringLiteral("42.7.staff-mail.mia.1"),
                           QStringLiteral("42.7.pager.mia.1")}));
    const QJsonObject payload = QJsonDocument::fromJson(rows.first().payload).object();
    QCOMPARE(payload.value(QLatin1String("notification"))
                 .toObject()
                 .value(QLatin1String("recipient"))
                 .toString(),
             QStringLiteral("amy"));
    QCOMPARE(payload.value(QLatin1String("notification"))
                 .toObject()
                 .value(QLatin1String("message"))
                 .toString(),
             QStringLiteral("50% used"));
    QCOMPARE(
        payload.value(QLatin1String("ticket")).toObject().value(QLatin1String("key")).toString(),
        QStringLiteral("IT-42"));
    QCOMPARE(rows.first().kind, QStringLiteral("sla_warning"));
    QCOMPARE(rows.first().ticketId, 42);
}

void tst_OutboxRouter::aBreachPostsToItsDepartmentsGroupOnly()
{
    const OutboxRouter router(
        {channel("it-group", "chatrobot", {QStringLiteral("sla_breached")},
                 {{QStringLiteral("departments"), QStringList {QStringLiteral("it")}}}),
         channel("finance-group", "chatrobot", {QStringLiteral("sla_breached")},
                 {{QStringLiteral("departments"), QStringLiteral("finance")}})},
        organisation());
    const OutboxPlanner planner = router.planner();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC);
    const QList<Event> breach {eventOf(3, QStringLiteral("sla_warning")),
                               eventOf(4, QStringLiteral("sla_breached"))};
    const QList<OutboxRow> it = planner(ticketIn("it-desk"), breach, {}, now);
    QCOMPARE(it.size(), 1);
    QCOMPARE(it.first().deliveryId, QStringLiteral("42.4.it-group"));
    const QList<OutboxRow> finance = planner(ticketIn("billing-desk"), breach, {}, now);
    QCOMPARE(finance.size(), 1);
    QCOMPARE(finance.first().channel, QStringLiteral("finance-group"));
    QVERIFY(planner(ticketIn("nowhere"), breach, {}, now).isEmpty());
}

// A notice to someone without a mail address is not routed to mail at all (the worker used to
// settle such a row at once as "not sent"); their phone still gets the SMS.
void tst_OutboxRouter::noRowForSomeoneWithoutTheAddress()
{
    const OutboxRouter router(
        {channel("staff-mail", "email"), channel("pager", "sms")}, organisation(),
        [](const QString &user, ContactField field, const QString &) {
            return user == u"amy" || (user == u"mia" && field == ContactField::Phone);
        });
    const QList<NotificationRecord> notices {
        {QStringLiteral("amy"), QStringLiteral("sla_warning"), QStringLiteral("50% used"), {}},
        {QStringLiteral("mia"), QStringLiteral("sla_warning"), QStringLiteral("50% used"), {}},
        {QStringLiteral("nobody"), QStringLiteral("sla_warning"), QStringLiteral("50% used"), {}}};
    const QList<OutboxRow> rows
        = router.planner()(ticketIn("it-desk"), {eventOf(3, QStringLiteral("sla_warning"))},
                           notices, QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC));
    QStringList ids;
    for (const OutboxRow &row : rows)
        ids.append(row.deliveryId);
    QCOMPARE(
        ids,
        (QStringList {QStringLiteral("42.3.staff-mail.amy.0"), QStringLiteral("42.3.pager.amy.0"),
                      QStringLiteral("42.3.pager.mia.1")}));
}

// PUT /api/v1/org moved billing-desk to the IT department: the next breach posts to the IT
// group, without a restart (the router reads the running organisation, not the one at start).
void tst_OutboxRouter::anOrganisationPublishedWhileRunningRoutesTheNextRows()
{
    auto live = std::make_shared<LiveOrganisation>(organisation(), 1, "v1");
    const OutboxRouter router(
        {channel("it-group", "chatrobot", {QStringLiteral("sla_breached")},
                 {{QStringLiteral("departments"), QStringList {QStringLiteral("it")}}}),
         channel("finance-group", "chatrobot", {QStringLiteral("sla_breached")},
                 {{QStringLiteral("departments"), QStringLiteral("finance")}})},
        live);
    const OutboxPlanner planner = router.planner();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC);
    const QList<Event> breach {eventOf(4, QStringLiteral("sla_breached"))};
    QCOMPARE(planner(ticketIn("billing-desk"), breach, {}, now).first().channel,
             QStringLiteral("finance-group"));
    auto moved = std::make_shared<Organisation>(*organisation());
    moved->queues[QStringLiteral("billing-desk")].department = QStringLiteral("it");
    QVERIFY(live->replace(moved, 2, "v2"));
    const QList<OutboxRow> rows = planner(ticketIn("billing-desk"), breach, {}, now);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().channel, QStringLiteral("it-group"));
}

// A webhook with `events:` and `workflows:` gets a row for those events of tickets of those
// workflows only.
void tst_OutboxRouter::aWebhookTakesItsEventsOfItsWorkflowsOnly()
{
    ChannelDefinition hook = channel("ops-hook", "webhook", {QStringLiteral("opened")});
    hook.workflows = QStringList {QStringLiteral("complaint")};
    const OutboxRouter router({hook}, organisation());
    const OutboxPlanner planner = router.planner();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC);
    const QList<Event> events {eventOf(1, QStringLiteral("opened")),
                               eventOf(2, QStringLiteral("assigned"))};
    TicketState complaint = ticketIn("it-desk");
    complaint.workflow = QStringLiteral("complaint");
    const QList<OutboxRow> rows = planner(complaint, events, {}, now);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().deliveryId, QStringLiteral("42.1.ops-hook"));
    QCOMPARE(rows.first().kind, QStringLiteral("opened"));
    QVERIFY(planner(ticketIn("it-desk"), events, {}, now).isEmpty()); // tech-inquiry
}

// The notice of a breach of an A-tier customer's ticket is marked urgent on its row (quiet
// hours let it through, delivery/quiethours.h); a B-tier breach or an A-tier warning is not.
void tst_OutboxRouter::onlyTheBreachOfAnATierCustomersTicketIsUrgent()
{
    const OutboxRouter router({channel("pager", "sms")}, organisation());
    const OutboxPlanner planner = router.planner();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(1000, Qt::UTC);
    const auto urgent = [&](const char *tier, const QString &kind) {
        TicketState t = ticketIn("it-desk");
        t.customer.tier = QString::fromLatin1(tier);
        const QList<OutboxRow> rows = planner(
            t, {eventOf(5, kind)}, {{QStringLiteral("cathy"), kind, QStringLiteral("!"), {}}}, now);
        return rows.size() == 1
            && QJsonDocument::fromJson(rows.first().payload)
                   .object()
                   .value(QLatin1String("notification"))
                   .toObject()
                   .value(QLatin1String("urgent"))
                   .toBool();
    };
    QVERIFY(urgent("A", QStringLiteral("sla_breached")));
    QVERIFY(!urgent("B", QStringLiteral("sla_breached")));
    QVERIFY(!urgent("", QStringLiteral("sla_breached")));
    QVERIFY(!urgent("A", QStringLiteral("sla_warning")));
}

QTEST_GUILESS_MAIN(tst_OutboxRouter)
#include "tst_outboxrouter.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "demodata.h"

#include "core/clock.h"
#include "runtime/access.h"
#include "runtime/engine.h"
#include "services/demoaccounts.h"
#include "services/services.h"
#include "store/ticketcount.h"

#include <cstdio>

namespace Baton::Cli {

namespace {

/// Drives the engine as the demo users on a clock that is moved back and forth in the past.
/// A refused step is reported and ends that ticket's story (later steps on id 0 do nothing).
class DemoScript
{
public:
    DemoScript(Engine &engine, FakeClock &clock, const Organisation &org,
               QMap<QString, DemoAccount> users, QDateTime now)
        : m_engine(engine)
        , m_clock(clock)
        , m_org(org)
        , m_now(std::move(now))
        , m_users(std::move(users))
    {
    }

    /// Moves the clock to `minutes` before the server's start.
    void at(double minutesAgo) { m_clock.set(m_now.addSecs(-qint64(minutesAgo * 60))); }
    void later(int minutes) { m_clock.advanceSeconds(qint64(minutes) * 60); }

    qint64 open(const QString &user, const QString &workflow, const QString &title,
                const QVariantMap &fields, const QString &customerName, const QString &tier,
                const QString &channel = QStringLiteral("counter"))
    {
        OpenRequest request;
        request.title = title;
        request.fields = fields;
        request.customer.id = QStringLiteral("C-%1").arg(1000 + m_opened * 7);
        request.customer.name = customerName;
        request.customer.tier = tier;
        request.channel = channel;
        const CommandResult r = m_engine.open(actor(user), workflow, request);
        if (!check(r, workflow + QStringLiteral(" open")))
            return 0;
        ++m_opened;
        return r.ticket.id;
    }
    qint64 act(qint64 id, const QString &user, const QString &action,
               const QVariantMap &fields = {}, const QString &branch = {})
    {
        if (id == 0)
            return 0;
        ActionRequest request;
        request.name = action;
        request.fields = fields;
        request.branch = branch;
        return check(m_engine.takeAction(actor(user), id, request), action) ? id : 0;
    }
    qint64 claim(qint64 id, const QString &user, const QString &branch = {})
    {
        if (id == 0)
            return 0;
        return check(m_engine.claim(actor(user), id, branch), QStringLiteral("claim")) ? id : 0;
    }
    qint64 transfer(qint64 id, const QString &user, const QString &queue, const QString &reason)
    {
        if (id == 0)
            return 0;
        return check(m_engine.transfer(actor(user), id, queue, reason), QStringLiteral("transfer"))
            ? id
            : 0;
    }
    qint64 comment(qint64 id, const QString &user, const QString &body, bool internal = false)
    {
        if (id == 0)
            return 0;
        return check(m_engine.comment(actor(user), id, body, internal), QStringLiteral("comment"))
            ? id
            : 0;
    }

    int opened() const { return m_opened; }
    bool failed() const { return m_failed; }

private:
    Actor actor(const QString &user) const
    {
        const DemoAccount account = m_users.value(user);
        return resolveActor(m_org, user, account.roles, account.departments);
    }
    bool check(const CommandResult &r, const QString &what)
    {
        if (r.ok())
            return true;
        m_failed = true;
        std::fprintf(stderr, "baton serve: demo ticket (%s): %s\n", qPrintable(what),
                     qPrintable(r.error ? r.error->message : r.failure));
        return false;
    }

    Engine &m_engine;
    FakeClock &m_clock;
    const Organisation &m_org;
    QDateTime m_now;
    QMap<QString, DemoAccount> m_users;
    int m_opened = 0;
    bool m_failed = false;
};

QVariantMap fields(std::initializer_list<std::pair<const char *, QVariant>> values)
{
    QVariantMap map;
    for (const auto &[name, value] : values)
        map.insert(QString::fromUtf8(name), value);
    return map;
}

void jumpQueue(DemoScript &s)
{
    const QString wf = QStringLiteral("jump-queue");
    // Just opened: waiting for a supervisor, the respond clock running.
    s.at(12);
    s.open(QStringLiteral("amy"), wf, QStringLiteral("Medical samples stuck at the Kwai Chung hub"),
           fields({{"awb", QStringLiteral("784512369874")},
                   {"urgency", QStringLiteral("critical")},
                   {"held_at", QStringLiteral("hub")},
                   {"reason", QStringLiteral("Clinic needs the samples by tomorrow 10:00")}}),
           QStringLiteral("Kowloon Clinic"), QStringLiteral("A"), QStringLiteral("phone"));
    // Nobody picked it up for days: breached and escalated.
    s.at(4 * 24 * 60);
    s.open(QStringLiteral("alan"), wf, QStringLiteral("Trade-show booth material held in transit"),
           fields({{"awb", QStringLiteral("784512360001")},
                   {"urgency", QStringLiteral("high")},
                   {"reason", QStringLiteral("Booth opens on Friday")}}),
           QStringLiteral("Harbour Events Ltd"), QStringLiteral("B"));
    // Approved for customs: billing done, customs still working.
    s.at(90);
    qint64 id = s.open(QStringLiteral("amy"), wf, QStringLiteral("Spare parts held at customs"),
                       fields({{"awb", QStringLiteral("784512360777")},
                               {"urgency", QStringLiteral("critical")},
                               {"held_at", QStringLiteral("customs")},
                               {"reason", QStringLiteral("Production line stopped")}}),
                       QStringLiteral("Pearl Delta Motors"), QStringLiteral("A"));
    s.later(5);
    s.claim(id, QStringLiteral("sue"));
    s.later(5);
    s.act(id, QStringLiteral("sue"), QStringLiteral("approve_customs"));
    s.later(15);
    s.claim(id, QStringLiteral("bill"), QStringLiteral("billing"));
    s.act(id, QStringLiteral("bill"), QStringLiteral("done"),
          fields({{"billing_note", QStringLiteral("Express surcharge HKD 480 invoiced")}}),
          QStringLiteral("billing"));
    s.later(10);
    s.claim(id, QStringLiteral("kim"), QStringLiteral("customs"));
    // Declined: back with the agent to tell the customer.
    s.at(40);
    id = s.open(QStringLiteral("alan"), wf, QStringLiteral("Birthday gift in transit"),
                fields({{"awb", QStringLiteral("784512360555")},
                        {"urgency", QStringLiteral("high")},
                        {"reason", QStringLiteral("Wants it before Saturday")}}),
                QStringLiteral("Mr Chan"), QStringLiteral("C"), QStringLiteral("chat"));
    s.later(8);
    s.act(id, QStringLiteral("sue"), QStringLiteral("decline"),
          fields({{"reply", QStringLiteral("Standard delivery arrives Friday; no express slot")}}));
    // The whole story, closed yesterday.
    s.at(30 * 60);
    id = s.open(QStringLiteral("amy"), wf, QStringLiteral("Wedding dress stuck at the hub"),
                fields({{"awb", QStringLiteral("784512361212")},
                        {"urgency", QStringLiteral("critical")},
                        {"held_at", QStringLiteral("hub")},
                        {"reason", QStringLiteral("Wedding on Sunday")}}),
                QStringLiteral("Ms Lau"), QStringLiteral("B"), QStringLiteral("phone"));
    s.later(6);
    s.act(id, QStringLiteral("sue"), QStringLiteral("approve"));
    s.later(20);
    s.act(id, QStringLiteral("bill"), QStringLiteral("done"),
          fields({{"billing_note", QStringLiteral("Surcharge waived, VIP")}}),
          QStringLiteral("billing"));
    s.later(40);
    s.act(id, QStringLiteral("gary"), QStringLiteral("done"),
          fields({{"ops_note", QStringLiteral("Put on the 14:00 van")}}), QStringLiteral("ground"));
    s.later(10);
    s.act(id, QStringLiteral("amy"), QStringLiteral("confirm"),
          fields({{"reply", QStringLiteral("Arrives today before 18:00")}}));
    s.later(3 * 60);
    s.act(id, QStringLiteral("cathy"), QStringLiteral("satisfied"));
}

void complaint(DemoScript &s)
{
    const QString wf = QStringLiteral("complaint");
    // Just recorded at the counter.
    s.at(3);
    s.open(QStringLiteral("lily"), wf, QStringLiteral("No signal at home since Monday"),
           fields({{"category", QStringLiteral("network")},
                   {"customer_words", QStringLiteral("Since Monday I have no signal at home.")},
                   {"phone", QStringLiteral("13812345678")}}),
           QStringLiteral("Wang Fang"), QStringLiteral("A"));
    // Billing has it, claimed.
    s.at(70);
    qint64 id = s.open(
        QStringLiteral("wen"), wf, QStringLiteral("Charged twice for data pack"),
        fields({{"category", QStringLiteral("billing")},
                {"customer_words", QStringLiteral("The 30 yuan data pack was charged twice.")},
                {"phone", QStringLiteral("13923456789")},
                {"bill_month", QStringLiteral("2026-10")},
                {"disputed_amount", 30}}),
        QStringLiteral("Li Wei"), QStringLiteral("B"));
    s.later(4);
    s.act(id, QStringLiteral("wen"), QStringLiteral("to_billing"));
    s.later(20);
    s.claim(id, QStringLiteral("betty"));
    // Network never answered: breached, escalated to the city managers.
    s.at(3 * 24 * 60);
    id = s.open(QStringLiteral("leo"), wf, QStringLiteral("Broadband drops every evening"),
                fields({{"category", QStringLiteral("network")},
                        {"customer_words", QStringLiteral("Every evening at 8 the line drops.")},
                        {"phone", QStringLiteral("13698765432")},
                        {"location", QStringLiteral("Riverside estate, block 7")}}),
                QStringLiteral("Zhang Min"), QStringLiteral("A"));
    s.later(5);
    s.act(id, QStringLiteral("leo"), QStringLiteral("to_network"));
    // Marketing answered: back at the counter to tell the customer.
    s.at(5 * 60);
    id = s.open(QStringLiteral("wu"), wf, QStringLiteral("Recharge bonus not credited"),
                fields({{"category", QStringLiteral("marketing-campaign")},
                        {"customer_words", QStringLiteral("I recharged 100 and got no bonus.")},
                        {"phone", QStringLiteral("13511112222")},
                        {"campaign", QStringLiteral("RB-2026 recharge bonus")}}),
                QStringLiteral("Chen Jing"), QStringLiteral("C"));
    s.later(3);
    s.act(id, QStringLiteral("wu"), QStringLiteral("to_marketing"));
    s.later(60);
    s.claim(id, QStringLiteral("mia"));
    s.act(id, QStringLiteral("mia"), QStringLiteral("answer"),
          fields({{"reply", QStringLiteral("The bonus is credited on the 1st of next month.")}}));
    // Closed the day before yesterday; its follow-up call waits in the call centre.
    s.at(2 * 24 * 60);
    id = s.open(QStringLiteral("lily"), wf, QStringLiteral("Roaming charges in Hong Kong"),
                fields({{"category", QStringLiteral("billing")},
                        {"customer_words", QStringLiteral("I was charged roaming I did not use.")},
                        {"phone", QStringLiteral("13733334444")},
                        {"bill_month", QStringLiteral("2026-10")}}),
                QStringLiteral("Zhao Lei"), QStringLiteral("A"));
    s.act(id, QStringLiteral("lily"), QStringLiteral("to_billing"));
    s.later(30);
    s.claim(id, QStringLiteral("betty"));
    s.later(60);
    s.act(id, QStringLiteral("betty"), QStringLiteral("answer"),
          fields({{"reply", QStringLiteral("The roaming charge was an error; refunded.")}}));
    s.later(30);
    s.act(id, QStringLiteral("lily"), QStringLiteral("satisfied"));
}

void techInquiry(DemoScript &s)
{
    const QString wf = QStringLiteral("tech-inquiry");
    s.at(20);
    s.open(QStringLiteral("lin"), wf, QStringLiteral("Does the X20 support VoLTE?"),
           fields({{"product", QStringLiteral("handset")},
                   {"question", QStringLiteral("Will VoLTE work on my X20 with a 5G plan?")},
                   {"model", QStringLiteral("X20")}}),
           QStringLiteral("Sun Hao"), QStringLiteral("C"));
    s.at(2 * 60);
    qint64 id = s.open(QStringLiteral("leo"), wf, QStringLiteral("IPTV box keeps rebooting"),
                       fields({{"product", QStringLiteral("iptv")},
                               {"question", QStringLiteral("The box restarts every hour.")},
                               {"phone", QStringLiteral("13655556666")}}),
                       QStringLiteral("Zhou Ping"), QStringLiteral("A"));
    s.later(10);
    s.claim(id, QStringLiteral("tom"));
    // Passed around: twice transferred already.
    s.at(26 * 60);
    id = s.open(QStringLiteral("wen"), wf, QStringLiteral("Smart-home hub will not pair"),
                fields({{"product", QStringLiteral("smart-home")},
                        {"question", QStringLiteral("The hub does not find the door sensor.")}}),
                QStringLiteral("Qian Yu"), QStringLiteral("B"));
    s.later(30);
    s.transfer(id, QStringLiteral("tom"), QStringLiteral("city-network"),
               QStringLiteral("Looks like a Wi-Fi issue"));
    s.later(45);
    s.transfer(id, QStringLiteral("nick"), QStringLiteral("city-support"),
               QStringLiteral("Wi-Fi is fine; device pairing is support's"));
    // Answered: back with the originator.
    s.at(3 * 60);
    id = s.open(QStringLiteral("lily"), wf, QStringLiteral("eSIM transfer to a new phone"),
                fields({{"product", QStringLiteral("sim-plan")},
                        {"question", QStringLiteral("How do I move my eSIM to the new phone?")},
                        {"phone", QStringLiteral("13877778888")}}),
                QStringLiteral("Wu Lan"), QStringLiteral("B"));
    s.later(30);
    s.claim(id, QStringLiteral("tina"));
    s.act(id, QStringLiteral("tina"), QStringLiteral("answer"),
          fields({{"reply", QStringLiteral("Scan the transfer code in Settings > Mobile.")}}));
}

void campaignInquiry(DemoScript &s)
{
    const QString wf = QStringLiteral("campaign-inquiry");
    s.at(25);
    s.open(QStringLiteral("sally"), wf,
           QStringLiteral("Is the handset discount valid for prepaid?"),
           fields({{"campaign", QStringLiteral("Autumn handset offer")},
                   {"campaign_code", QStringLiteral("AH-2026")},
                   {"question", QStringLiteral("Can prepaid customers get the discount?")}}),
           QStringLiteral("Lin Na"), QStringLiteral("A"), QStringLiteral("web"));
    s.at(3 * 60);
    qint64 id = s.open(QStringLiteral("lin"), wf, QStringLiteral("Double data weekend terms"),
                       fields({{"campaign", QStringLiteral("Double data weekend")},
                               {"question", QStringLiteral("Does the bonus roll over?")}}),
                       QStringLiteral("Guo Tao"), QStringLiteral("B"));
    s.later(40);
    s.claim(id, QStringLiteral("mia"));
    s.act(id, QStringLiteral("mia"), QStringLiteral("new_wording"),
          fields({{"official_answer", QStringLiteral("Bonus data expires on Sunday 23:59.")}}));
    s.at(26 * 60);
    id = s.open(QStringLiteral("wu"), wf, QStringLiteral("Family plan discount eligibility"),
                fields({{"campaign", QStringLiteral("Family plan")},
                        {"question", QStringLiteral("Do three lines qualify?")}}),
                QStringLiteral("He Jun"), QStringLiteral("C"));
    s.later(50);
    s.act(id, QStringLiteral("max"), QStringLiteral("answer"),
          fields({{"official_answer", QStringLiteral("Yes, from two lines.")},
                  {"standard_answer", QStringLiteral("FP-01")},
                  {"eligibility", QStringLiteral("eligible")}}));
    s.later(20);
    s.act(id, QStringLiteral("wu"), QStringLiteral("close"));
}

void returnExchange(DemoScript &s)
{
    const QString wf = QStringLiteral("return-exchange");
    s.at(35);
    s.open(QStringLiteral("wen"), wf, QStringLiteral("Tablet screen flickers"),
           fields({{"order_no", QStringLiteral("SO2026111801")},
                   {"purchased_on", QStringLiteral("2026-11-18")},
                   {"item", QStringLiteral("Tab S9")},
                   {"price", 2399},
                   {"wish", QStringLiteral("replacement")},
                   {"phone", QStringLiteral("13912341234")}}),
           QStringLiteral("Ma Li"), QStringLiteral("B"));
    // A large refund waiting for a supervisor.
    s.at(2 * 60);
    qint64 id = s.open(QStringLiteral("lily"), wf, QStringLiteral("Refund for a faulty flagship"),
                       fields({{"order_no", QStringLiteral("SO2026111502")},
                               {"purchased_on", QStringLiteral("2026-11-15")},
                               {"item", QStringLiteral("Mate 70 Pro")},
                               {"price", 6999},
                               {"wish", QStringLiteral("refund")},
                               {"phone", QStringLiteral("13822223333")}}),
                       QStringLiteral("Xu Ming"), QStringLiteral("A"));
    s.later(20);
    s.act(id, QStringLiteral("rui"), QStringLiteral("refund_needs_approval"),
          fields({{"eligibility_note", QStringLiteral("Within 7 days, fault confirmed")}}));
    // Refund in progress: the warehouse has accepted the device, finance still to pay.
    s.at(5 * 60);
    id = s.open(QStringLiteral("wu"), wf, QStringLiteral("Earbuds: left side silent"),
                fields({{"order_no", QStringLiteral("SO2026112003")},
                        {"purchased_on", QStringLiteral("2026-11-20")},
                        {"item", QStringLiteral("FreeBuds 6")},
                        {"price", 899},
                        {"wish", QStringLiteral("refund")},
                        {"phone", QStringLiteral("13544445555")}}),
                QStringLiteral("Tang Yi"), QStringLiteral("C"));
    s.later(30);
    s.act(id, QStringLiteral("ran"), QStringLiteral("refund"),
          fields({{"eligibility_note", QStringLiteral("Fault reproduced at the counter")}}));
    s.later(60);
    s.claim(id, QStringLiteral("hao"), QStringLiteral("warehouse"));
    s.act(id, QStringLiteral("hao"), QStringLiteral("accepted"), {}, QStringLiteral("warehouse"));
    // Replacement refused by the warehouse (@fail): back with the originator.
    s.at(28 * 60);
    id = s.open(QStringLiteral("leo"), wf, QStringLiteral("Phone back cover cracked"),
                fields({{"order_no", QStringLiteral("SO2026111904")},
                        {"purchased_on", QStringLiteral("2026-11-19")},
                        {"item", QStringLiteral("Nova 13")},
                        {"price", 2699},
                        {"wish", QStringLiteral("replacement")},
                        {"phone", QStringLiteral("13766667777")}}),
                QStringLiteral("Feng Xue"), QStringLiteral("B"));
    s.later(30);
    s.act(id, QStringLiteral("rui"), QStringLiteral("replace"),
          fields({{"eligibility_note", QStringLiteral("Within 15 days")}}));
    s.later(120);
    s.act(
        id, QStringLiteral("hui"), QStringLiteral("damaged"),
        fields({{"inspection_note", QStringLiteral("Drop damage on the corner")},
                {"reply", QStringLiteral("The crack comes from a fall; repair offered at cost.")}}),
        QStringLiteral("warehouse"));
}

void satisfactionFollowup(DemoScript &s)
{
    const QString wf = QStringLiteral("satisfaction-followup");
    s.at(6 * 60);
    qint64 id
        = s.open(QStringLiteral("lin"), wf, QStringLiteral("Follow-up: new fibre installation"),
                 fields({{"callback", QStringLiteral("13600001111")},
                         {"topic", QStringLiteral("broadband installation")}}),
                 QStringLiteral("Yang Bo"), QStringLiteral("B"));
    s.later(60);
    s.act(id, QStringLiteral("qing"), QStringLiteral("not_solved"),
          fields({{"satisfaction", QStringLiteral("unsatisfied")},
                  {"what_is_left", QStringLiteral("The technician left cables on the floor.")}}));
}

} // namespace

int seedDemoTickets(const std::shared_ptr<Database> &database,
                    const std::shared_ptr<const Organisation> &organisation, const WorkflowSet &set,
                    const QString &workflowsFolder, const QDateTime &now)
{
    const auto tickets = countTickets(*database);
    if (!tickets) {
        std::fprintf(stderr, "baton serve: demo tickets: %s\n", qPrintable(tickets.error()));
        return 0;
    }
    if (*tickets > 0)
        return 0;

    // A clock of our own, moved into the past ticket by ticket; the SLA planner measures the
    // clocks on it, so the timers written come due (or have) by the time the server runs. The
    // users do not exist yet: their departments come from the demo accounts.
    FakeClock past(now);
    const QMap<QString, DemoAccount> users = demoAccounts(set);
    ServicesOptions options;
    options.database = database;
    options.organisation = organisation;
    options.clock = &past;
    options.departmentsLookup
        = [users](const QString &username) { return users.value(username).departments; };
    Services services(options);
    if (auto started = services.startEngine(); !started) {
        std::fprintf(stderr, "baton serve: demo tickets: %s\n", qPrintable(started.error()));
        return 0;
    }
    if (auto published = services.engine().publishFiles(set.workflows, workflowsFolder);
        !published) {
        std::fprintf(stderr, "baton serve: demo tickets: %s\n", qPrintable(published.error()));
        return 0;
    }
    DemoScript script(services.engine(), past, *organisation, users, now);
    jumpQueue(script);
    complaint(script);
    techInquiry(script);
    campaignInquiry(script);
    returnExchange(script);
    satisfactionFollowup(script);
    services.stop(); // completes everything queued before the server's engine starts
    std::printf("  demo tickets: %d opened over the last four days%s\n", script.opened(),
                script.failed() ? " (some steps were refused, see above)" : "");
    return script.opened();
}

} // namespace Baton::Cli

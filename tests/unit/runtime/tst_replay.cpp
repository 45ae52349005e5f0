// SPDX-License-Identifier: GPL-3.0-or-later
#include "fixture.h"

#include "definition/workflowset.h"
#include "runtime/ticketmachine.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;

/// Event sourcing's promise, checked the way the store's crash test will: after any sequence
/// of commands — allowed or refused, by any user — each ticket equals the replay of its events,
/// also after the events went through JSON as a database would keep them.
class TestReplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void randomSequencesReplay_data();
    void randomSequencesReplay();
    void shippedWorkflowsRunToTheEnd_data();
    void shippedWorkflowsRunToTheEnd();
};

namespace {

const QStringList kUsers {u"amy"_qs,   u"ann"_qs, u"sam"_qs,  u"cxs"_qs,  u"bill"_qs, u"bea"_qs,
                          u"fiona"_qs, u"gus"_qs, u"nora"_qs, u"cora"_qs, u"root"_qs};

QVariant sampleValue(const FieldDef &field, QRandomGenerator &random)
{
    switch (field.type) {
    case FieldType::Choice:
        return field.options.at(random.bounded(int(field.options.size())));
    case FieldType::Int:
        return random.bounded(100);
    case FieldType::Decimal:
        return random.bounded(2000) / 4.0;
    case FieldType::Bool:
        return random.bounded(2) == 1;
    case FieldType::Date:
        return u"2026-12-%1"_qs.arg(random.bounded(1, 29), 2, 10, QChar(u'0'));
    case FieldType::DateTime:
        return u"2026-12-01T10:%1:00+08:00"_qs.arg(random.bounded(60), 2, 10, QChar(u'0'));
    case FieldType::Queue:
        return u"billing"_qs;
    case FieldType::String:
        if (!field.pattern.isEmpty()) {
            // values for the patterns of the test data and the shipped workflows
            static const QStringList samples {
                u"123456789012"_qs, u"QRS"_qs,          u"13800138000"_qs,     u"2026-11"_qs,
                u"AB-12"_qs,        u"SO2026112301"_qs, u"123456789012345"_qs, u"RF12345678"_qs};
            for (const QString &sample : samples)
                if (QRegularExpression(QRegularExpression::anchoredPattern(field.pattern))
                        .match(sample)
                        .hasMatch())
                    return sample;
            return QVariant();
        }
        return u"s%1"_qs.arg(random.bounded(1000));
    default:
        return u"text %1"_qs.arg(random.bounded(1000));
    }
}

} // namespace

void TestReplay::randomSequencesReplay_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<QString>("workflow");
    for (quint32 seed : {1u, 2u, 3u, 4u, 5u}) {
        QTest::addRow("jump-queue, seed %u", seed) << seed << u"jump-queue"_qs;
        QTest::addRow("refund, seed %u", seed) << seed << u"refund"_qs;
    }
}

void TestReplay::randomSequencesReplay()
{
    QFETCH(quint32, seed);
    QFETCH(QString, workflow);
    const RuntimeFixture &f = RuntimeFixture::instance();
    const Workflow &wf = workflow == u"refund" ? *f.refund : *f.jumpQueue;
    const TicketMachine machine(wf, f.org);
    QRandomGenerator random(seed);
    QList<Ticket> tickets;
    int minute = 0;
    int accepted = 0;
    int refused = 0;
    QSet<QString> eventTypes;

    for (int step = 0; step < 1500; ++step) {
        const QDateTime now = at(++minute);
        const Actor actor = f.user(kUsers.at(random.bounded(int(kUsers.size()))));
        if (tickets.isEmpty() || random.bounded(40) == 0) {
            OpenRequest request;
            request.title = u"Ticket %1"_qs.arg(step);
            for (const FieldDef &field : wf.fields)
                if (field.required || random.bounded(3) == 0)
                    request.fields.insert(field.name, sampleValue(field, random));
            static const QStringList tiers {QString(), u"A"_qs, u"B"_qs, u"C"_qs};
            request.customer.tier = tiers.at(random.bounded(4));
            Ticket t;
            if (t.apply(machine.open(actor, request, 1, now))) {
                t.state.assignId(tickets.size() + 1);
                tickets.append(t);
            }
            continue;
        }
        Ticket &t = tickets[random.bounded(int(tickets.size()))];
        const TicketState &s = t.state;
        TicketOutcome outcome;
        switch (random.bounded(8)) {
        case 0:
        case 1:
        case 2: {
            // mostly actions someone may take, so that tickets travel the whole workflow: try
            // users from a random start until one is offered something
            Actor who = actor;
            QList<AvailableAction> offered = machine.availableActions(s, who);
            const int start = random.bounded(int(kUsers.size()));
            for (int i = 0; i < kUsers.size() && offered.isEmpty() && random.bounded(8) != 0; ++i) {
                who = f.user(kUsers.at((start + i) % kUsers.size()));
                offered = machine.availableActions(s, who);
            }
            ActionRequest request;
            if (!offered.isEmpty() && random.bounded(5) != 0) {
                const AvailableAction &a = offered.at(random.bounded(int(offered.size())));
                request.name = a.name;
                request.branch = a.branch;
                for (const QString &name : a.requires_)
                    if (random.bounded(4) != 0)
                        request.fields.insert(name, sampleValue(*wf.field(name), random));
            } else {
                request.name = u"done"_qs;
            }
            if (random.bounded(4) == 0)
                request.comment = u"because"_qs;
            if (random.bounded(6) == 0)
                request.expectedVersion = s.version - random.bounded(2);
            outcome = machine.takeAction(s, who, request, now);
            break;
        }
        case 3:
            outcome = machine.claim(s, actor, {}, {}, now);
            break;
        case 4:
            outcome = machine.assign(
                s, actor, f.user(kUsers.at(random.bounded(int(kUsers.size())))), {}, {}, now);
            break;
        case 5: {
            const QStringList queues = f.org.queues.keys();
            // half of them by an admin, so that some tickets pass the handoff limit
            outcome = machine.transfer(s, random.bounded(2) ? f.user(u"root"_qs) : actor,
                                       queues.at(random.bounded(int(queues.size()))), u"moving"_qs,
                                       {}, {}, now);
            break;
        }
        case 6:
            outcome = machine.comment(s, actor, u"note"_qs, random.bounded(2) == 1, now);
            break;
        case 7:
            outcome = machine.reopen(s, actor, u"again"_qs, {}, now);
            break;
        }
        const TicketState before = t.state;
        if (t.apply(outcome)) {
            ++accepted;
            for (const Event &e : outcome.events)
                eventTypes.insert(e.type);
        } else {
            ++refused;
            QVERIFY(t.state == before);
        }
    }

    for (const Ticket &t : std::as_const(tickets)) {
        for (qsizetype i = 0; i < t.log.size(); ++i)
            QCOMPARE(t.log.at(i).seq, i + 1);
        QCOMPARE(t.state.version, t.log.size());
        QVERIFY2(replay(t.state.id, t.log) == t.state, qPrintable(t.state.key));
        QList<Event> stored;
        for (const Event &e : t.log)
            stored.append(Event::fromJson(
                QJsonDocument::fromJson(QJsonDocument(e.toJson()).toJson()).object()));
        const TicketState replayed = replay(t.state.id, stored);
        QVERIFY2(replayed == t.state,
                 qPrintable(QString::fromUtf8(QJsonDocument(replayed.toJson()).toJson())
                            + QString::fromUtf8(QJsonDocument(t.state.toJson()).toJson())));
    }
    // the sequence must have exercised the machine, not only refused it
    QVERIFY2(accepted > 200, qPrintable(QString::number(accepted)));
    QVERIFY(refused > 50);
    QVERIFY(eventTypes.contains(u"transitioned"_qs));
    QVERIFY(eventTypes.contains(u"closed"_qs));
    QVERIFY(eventTypes.contains(u"transferred"_qs));
    QVERIFY(eventTypes.contains(u"handoff_limit"_qs));
    if (workflow == u"jump-queue") {
        QVERIFY(eventTypes.contains(u"branch_completed"_qs));
        QVERIFY(eventTypes.contains(u"returned_to_originator"_qs));
    }
}

void TestReplay::shippedWorkflowsRunToTheEnd_data()
{
    QTest::addColumn<QString>("workflow");
    const WorkflowSet set = loadWorkflowDirectory(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
    QVERIFY(set.ok());
    for (const auto &wf : set.workflows)
        QTest::newRow(qPrintable(wf->id)) << wf->id;
}

/// Every shipped workflow can be driven by the machine from opening to a final state (an
/// admin taking offered actions, filling what they require), and replays exactly.
void TestReplay::shippedWorkflowsRunToTheEnd()
{
    QFETCH(QString, workflow);
    static const WorkflowSet set
        = loadWorkflowDirectory(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
    const Workflow *wf = nullptr;
    for (const auto &candidate : set.workflows)
        if (candidate->id == workflow)
            wf = candidate.get();
    QVERIFY(wf);
    const TicketMachine machine(*wf, set.organisation);
    const Actor admin = resolveActor(set.organisation, u"root"_qs, {u"admin"_qs}, {});
    int closed = 0;
    for (quint32 seed = 1; seed <= 20; ++seed) {
        QRandomGenerator random(seed);
        Ticket t;
        for (int attempt = 0; attempt < 20 && t.log.isEmpty(); ++attempt) {
            OpenRequest request;
            request.title = u"Walk %1"_qs.arg(seed);
            // Only what opening accepts (a step writes only the fields it collects).
            for (const FieldDef &field : wf->fields)
                if (wf->openingFields.contains(field.name)
                    && (field.required || random.bounded(2) == 0))
                    request.fields.insert(field.name, sampleValue(field, random));
            t.apply(machine.open(admin, request, 1, at()));
        }
        // Qt 6.4's QVERIFY2 evaluates its message even when the check passes.
        const QString openError = t.last.error ? t.last.error->message : QString();
        QVERIFY2(!t.log.isEmpty(), qPrintable(openError));
        t.state.assignId(seed);
        for (int step = 0; step < 80 && t.state.isOpen(); ++step) {
            const QList<AvailableAction> offered = machine.availableActions(t.state, admin);
            QVERIFY2(!offered.isEmpty(), qPrintable(t.state.state));
            const AvailableAction &a = offered.at(random.bounded(int(offered.size())));
            ActionRequest request;
            request.name = a.name;
            request.branch = a.branch;
            for (const QString &name : a.requires_)
                request.fields.insert(name, sampleValue(*wf->field(name), random));
            const TicketOutcome outcome = machine.takeAction(t.state, admin, request, at(step));
            // a required value may still fail a condition of the same action: try another
            if (!t.apply(outcome))
                QCOMPARE(outcome.error->kind, ErrorKind::Validation);
        }
        closed += t.state.isOpen() ? 0 : 1;
        QVERIFY(replay(t.state.id, t.log) == t.state);
    }
    QVERIFY2(closed > 0, "no walk reached a final state");
}

QTEST_GUILESS_MAIN(TestReplay)
#include "tst_replay.moc"

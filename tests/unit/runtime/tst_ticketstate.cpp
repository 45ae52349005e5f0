// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/ticketstate.h"

#include <QJsonDocument>
#include <QTest>
#include <QTimeZone>

using namespace Baton;

class TestTicketState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keyPrefix_data();
    void keyPrefix();
    void canonicalValues_data();
    void canonicalValues();
    void stateJsonRoundTrip();
    void compactJsonEqualsQtsText_data();
    void compactJsonEqualsQtsText();
    void eventJsonRoundTrip();
    void fieldsChangedSetsAndClears();
    void versionCountsEvents();
    void unknownEventOnlyBumpsVersion();
};

void TestTicketState::keyPrefix_data()
{
    QTest::addColumn<QString>("workflow");
    QTest::addColumn<QString>("key");
    QTest::newRow("initials of a dashed id") << u"jump-queue"_qs << u"JQ-42"_qs;
    QTest::newRow("initials of an underscored id") << u"satisfaction_follow_up"_qs << u"SFU-42"_qs;
    QTest::newRow("one word gives its first two letters") << u"refund"_qs << u"RE-42"_qs;
    QTest::newRow("a one-letter word stays one letter") << u"x"_qs << u"X-42"_qs;
}

void TestTicketState::keyPrefix()
{
    QFETCH(QString, workflow);
    QFETCH(QString, key);
    QCOMPARE(ticketKey(workflow, 42), key);
    TicketState state;
    state.workflow = workflow;
    state.assignId(42);
    QCOMPARE(state.id, 42);
    QCOMPARE(state.key, key);
}

void TestTicketState::canonicalValues_data()
{
    QTest::addColumn<QVariant>("input");
    QTest::addColumn<QVariant>("canonical");
    QTest::newRow("int becomes qint64") << QVariant(5) << QVariant(qint64(5));
    QTest::newRow("integral double becomes qint64") << QVariant(12.0) << QVariant(qint64(12));
    QTest::newRow("fraction stays double") << QVariant(12.5) << QVariant(12.5);
    QTest::newRow("bool stays bool") << QVariant(true) << QVariant(true);
    QTest::newRow("empty string is no value") << QVariant(QString()) << QVariant();
    QTest::newRow("null is no value") << QVariant::fromValue(nullptr) << QVariant();
    QTest::newRow("date becomes ISO text")
        << QVariant(QDate(2026, 12, 25)) << QVariant(u"2026-12-25"_qs);
    QTest::newRow("datetime becomes UTC text")
        << QVariant(QDateTime(QDate(2026, 11, 23), QTime(16, 30), QTimeZone(8 * 3600)))
        << QVariant(u"2026-11-23T08:30:00Z"_qs);
}

void TestTicketState::canonicalValues()
{
    QFETCH(QVariant, input);
    QFETCH(QVariant, canonical);
    const QVariant value = canonicalFieldValue(input);
    QCOMPARE(value.isValid(), canonical.isValid());
    if (canonical.isValid()) {
        QCOMPARE(value.typeId(), canonical.typeId());
        QCOMPARE(value, canonical);
    }
}

static TicketState sampleState()
{
    TicketState s;
    s.workflow = u"jump-queue"_qs;
    s.assignId(7);
    s.workflowVersion = 3;
    s.title = u"Urgent shipment"_qs;
    s.state = u"expedite"_qs;
    s.originator = u"amy"_qs;
    s.priority = 3;
    s.handoffs = 1;
    s.flagged = true;
    s.fields = {{u"awb"_qs, u"123456789012"_qs},
                {u"count"_qs, qint64(4)},
                {u"ok"_qs, true},
                {u"amount"_qs, 12.5}};
    s.customer = Customer {u"C-77"_qs, u"Wing"_qs, u"A"_qs, QString(), u"w@example.com"_qs};
    s.channel = u"phone"_qs;
    const QDateTime t(QDate(2026, 11, 23), QTime(8, 30, 0, 250), QTimeZone::utc());
    BranchState b;
    b.name = u"billing"_qs;
    b.queue = u"billing"_qs;
    b.assignee = u"bill"_qs;
    b.status = BranchStatus::Done;
    b.startedAt = t;
    b.respondedAt = t.addSecs(60);
    b.endedAt = t.addSecs(120);
    s.branches = {b};
    s.queuesVisited = {u"cs-supervisors"_qs, u"billing"_qs};
    s.links = {TicketLink {8, u"SF-8"_qs, u"satisfaction-followup"_qs, u"opened"_qs}};
    s.version = 9;
    s.createdAt = t;
    s.updatedAt = t.addSecs(120);
    s.stepStartedAt = t.addSecs(30);
    return s;
}

void TestTicketState::stateJsonRoundTrip()
{
    const TicketState s = sampleState();
    const QByteArray text = QJsonDocument(s.toJson()).toJson(QJsonDocument::Compact);
    const TicketState back = TicketState::fromJson(QJsonDocument::fromJson(text).object());
    QCOMPARE(back.toJson(), s.toJson());
    QVERIFY(back == s);
}

// The writer's direct JSON text must be byte for byte what QJsonDocument writes for toJson():
// same member order, escapes, instants and nulls, whatever the state holds.
void TestTicketState::compactJsonEqualsQtsText_data()
{
    QTest::addColumn<TicketState>("state");
    QTest::newRow("sample") << sampleState();
    QTest::newRow("empty") << TicketState();
    TicketState open = sampleState();
    open.branches.clear();
    open.links.clear();
    open.customer = Customer();
    open.assignee = u"bob"_qs;
    open.queue = u"front"_qs;
    open.closedAt = QDateTime(QDate(2027, 1, 1), QTime(0, 0), QTimeZone::utc());
    open.slaPausedSince = QDateTime(QDate(2026, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc());
    open.slaPauses = {{QDateTime(QDate(2026, 2, 28), QTime(9, 0), QTimeZone::utc()),
                       QDateTime(QDate(2026, 3, 1), QTime(9, 0, 0, 1), QTimeZone::utc())}};
    open.slaFired = {u"step:resolve:0"_qs, u"branch:billing:respond:1"_qs};
    // An instant in another zone is written in UTC.
    open.stepRespondedAt = QDateTime(QDate(2026, 7, 1), QTime(10, 0),
                                     QTimeZone(QByteArrayLiteral("Asia/Hong_Kong")));
    QTest::newRow("open, paused, other zone") << open;
    TicketState text = sampleState();
    text.title
        = u"Quote \" backslash \\ slash / tab \t newline \n bell \a nul-ish \x01 del \x7f"_qs;
    text.originator = u"张伟"_qs;
    text.customer.name = u"Émile 😀 O'Brien"_qs;
    text.fields.insert(u"note"_qs, u"line\r\nnext \u2028 sep"_qs);
    text.fields.insert(u"list"_qs, QVariantList {1, u"two"_qs, QVariant()});
    text.fields.insert(u"big"_qs, qint64(9007199254740993LL));
    text.queuesVisited = {u"q\"1"_qs};
    QTest::newRow("escapes and Unicode") << text;
    TicketState parallel = sampleState();
    BranchState second;
    second.name = u"ops"_qs;
    second.status = BranchStatus::Open;
    second.startedAt = parallel.createdAt;
    parallel.branches.append(second);
    parallel.links.append(TicketLink {9, u"JQ-9"_qs, u"jump-queue"_qs, u"opened_from"_qs});
    QTest::newRow("parallel, two links") << parallel;
}

void TestTicketState::compactJsonEqualsQtsText()
{
    QFETCH(TicketState, state);
    const QByteArray qt = QJsonDocument(state.toJson()).toJson(QJsonDocument::Compact);
    QCOMPARE(state.toCompactJson(), qt);
    QCOMPARE(state.toCompactJson(state.fieldsJson(), state.branchesJson()), qt);
    QCOMPARE(
        TicketState::fromJson(QJsonDocument::fromJson(state.toCompactJson()).object()).toJson(),
        state.toJson());
}

void TestTicketState::eventJsonRoundTrip()
{
    Event e;
    e.seq = 3;
    e.type = u"claimed"_qs;
    e.actor = u"bill"_qs;
    e.at = QDateTime(QDate(2026, 11, 23), QTime(8, 30, 0, 5), QTimeZone::utc());
    e.data = QJsonObject {{u"assignee"_qs, u"bill"_qs}};
    const QJsonObject json = e.toJson();
    QCOMPARE(json.value(u"at").toString(), u"2026-11-23T08:30:00.005Z"_qs);
    QVERIFY(Event::fromJson(json) == e);
    Event engine = e;
    engine.actor.clear();
    QVERIFY(engine.toJson().value(u"actor").isNull());
    QVERIFY(Event::fromJson(engine.toJson()) == engine);
}

void TestTicketState::fieldsChangedSetsAndClears()
{
    TicketState s = sampleState();
    Event e;
    e.type = u"fields_changed"_qs;
    e.at = s.updatedAt.addSecs(5);
    e.data = QJsonObject {
        {u"fields"_qs, QJsonObject {{u"count"_qs, 5}, {u"ok"_qs, QJsonValue::Null}}}};
    applyEvent(s, e);
    QCOMPARE(s.fields.value(u"count"_qs), QVariant(qint64(5)));
    QVERIFY(!s.fields.contains(u"ok"_qs));
    QCOMPARE(s.fields.value(u"awb"_qs), QVariant(u"123456789012"_qs));
}

void TestTicketState::versionCountsEvents()
{
    TicketState s;
    for (int i = 0; i < 3; ++i) {
        Event e;
        e.type = u"commented"_qs;
        e.at = QDateTime(QDate(2026, 1, 1), QTime(0, i), QTimeZone::utc());
        applyEvent(s, e);
    }
    QCOMPARE(s.version, 3);
    QCOMPARE(s.updatedAt, QDateTime(QDate(2026, 1, 1), QTime(0, 2), QTimeZone::utc()));
}

void TestTicketState::unknownEventOnlyBumpsVersion()
{
    TicketState s = sampleState();
    TicketState expected = s;
    Event e;
    e.type = u"sla_warning"_qs;
    e.at = s.updatedAt.addSecs(1);
    applyEvent(s, e);
    expected.version += 1;
    expected.updatedAt = e.at;
    QVERIFY(s == expected);
}

QTEST_GUILESS_MAIN(TestTicketState)
#include "tst_ticketstate.moc"

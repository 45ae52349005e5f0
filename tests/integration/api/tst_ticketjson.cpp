// SPDX-License-Identifier: GPL-3.0-or-later
// The ticket reply written as text (writeTicketJson, JsonText) must be byte for byte what
// QJsonDocument writes for the object ticketJson() builds — whatever the ticket holds: parallel
// branches, SLA figures or none, every field type, Unicode, escapes, control characters, lone
// surrogates, large and negative numbers, doubles — so clients cannot tell the two apart.
#include "fixture.h"

#include "api/ticketjson.h"
#include "core/jsontext.h"
#include "runtime/ticketview.h"

#include "allocationcount.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

using namespace Baton;
using namespace Baton::Api;
using namespace Baton::Test;

Q_DECLARE_METATYPE(TicketView)

namespace {

QByteArray qtText(const QJsonValue &value)
{
    // A document holds an array or an object: the value is the array's one item.
    const QByteArray text = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
    return text.mid(1, text.size() - 2);
}

/// What the API answered before: the object built, marked, serialised by Qt.
QByteArray qtTicketText(const TicketView &view, Language language, const QSet<QString> &away,
                        const QJsonArray *attachments)
{
    QJsonObject object = ticketJson(view, RuntimeFixture::instance().org, language);
    markAssigneesAway(object, away);
    if (attachments)
        object.insert(QStringLiteral("attachments"), *attachments);
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

/// Strings that take every path of the escaping: controls, quotes, every UTF-8 length, lone
/// and reversed surrogates, non-characters.
QStringList awkwardStrings()
{
    return {QString(),
            u"plain"_qs,
            u"Quote \" backslash \\ slash / tab \t newline \n cr \r bs \b ff \f"_qs,
            u"nul \u0000 bell \u0007 us \u001f del \u007f"_qs,
            u"张伟 孙秀英 王𠮷"_qs,
            u"Émile 😀 O'Brien ÿĀ߿ࠀ"_qs,
            u"\u2028 \u2029 \ufeff \ufffe \uffff \ufdd0"_qs,
            QString(QChar(0xd800)) + u"lone high"_qs,
            u"lone low"_qs + QChar(0xdc00),
            QString(QChar(0xdbff)),
            QString(QChar(0xdc00)) + QChar(0xd800),
            QString(QChar(0xd83d)) + QChar(0xd83d) + QChar(0xde00)};
}

QVariantMap awkwardFields()
{
    QVariantMap fields;
    const QStringList strings = awkwardStrings();
    for (qsizetype i = 0; i < strings.size(); ++i)
        fields.insert(u"s%1"_qs.arg(i), strings[i]);
    fields.insert(u"awb"_qs, u"123456789012"_qs);
    fields.insert(u"int"_qs, qint64(-42));
    fields.insert(u"max"_qs, std::numeric_limits<qint64>::max());
    fields.insert(u"min"_qs, std::numeric_limits<qint64>::min());
    fields.insert(u"beyond 2^53"_qs, qint64(9007199254740993LL));
    fields.insert(u"int32"_qs, int(-7));
    fields.insert(u"uint"_qs, 4000000000u);
    fields.insert(u"ulonglong"_qs, quint64(18446744073709551615ULL));
    fields.insert(u"decimal"_qs, 0.1);
    fields.insert(u"negative decimal"_qs, -2.5);
    fields.insert(u"whole double"_qs, 3.0);
    fields.insert(u"1e15"_qs, 1e15);
    fields.insert(u"1e16"_qs, 1e16);
    fields.insert(u"2^53"_qs, 9007199254740992.0);
    fields.insert(u"2^53+2"_qs, 9007199254740994.0);
    fields.insert(u"-2^53"_qs, -9007199254740992.0);
    fields.insert(u"tiny"_qs, 5e-324);
    fields.insert(u"huge"_qs, 1.7976931348623157e308);
    fields.insert(u"small"_qs, 1e-7);
    fields.insert(u"minus zero"_qs, -0.0);
    fields.insert(u"nan"_qs, std::numeric_limits<double>::quiet_NaN());
    fields.insert(u"infinity"_qs, -std::numeric_limits<double>::infinity());
    fields.insert(u"float"_qs, 0.1f);
    fields.insert(u"true"_qs, true);
    fields.insert(u"false"_qs, false);
    fields.insert(u"null"_qs, QVariant::fromValue(nullptr));
    fields.insert(u"invalid"_qs, QVariant());
    fields.insert(u"list"_qs, QVariantList {1, u"two"_qs, QVariant(), 2.5, QVariantList {}});
    fields.insert(u"strings"_qs, QStringList {u"a"_qs, u"\"b\""_qs});
    fields.insert(u"map"_qs, QVariantMap {{u"z"_qs, 1}, {u"a"_qs, QVariantMap {}}, {u"é"_qs, 2}});
    fields.insert(u"hash"_qs, QVariantHash {{u"k"_qs, u"v"_qs}, {u"b"_qs, 1}});
    fields.insert(u"date"_qs, QDate(2026, 12, 7));
    fields.insert(u"bytes"_qs, QByteArray("raw \xe4 bytes"));
    // Keys that sort apart in UTF-16 and in code points, and need escapes themselves.
    fields.insert(u"😀"_qs, 1);
    fields.insert(QString(QChar(0xe000)), 2);
    fields.insert(u"！"_qs, 3);
    fields.insert(u"key \"quoted\"\n"_qs, 4);
    fields.insert(QString(), 5);
    fields.insert(QString(QChar(0xd800)), 6);
    return fields;
}

const TicketMachine &machine()
{
    static const TicketMachine m(*RuntimeFixture::instance().jumpQueue,
                                 RuntimeFixture::instance().org);
    return m;
}

TicketView viewOf(const TicketState &ticket, const QString &user)
{
    return ticketView(ticket, RuntimeFixture::instance().jumpQueue, machine(),
                      RuntimeFixture::instance().user(user));
}

/// Every kind of clock: running, at risk, breached with negative remaining, paused, met.
TicketSla slaFigures(const TicketState &ticket)
{
    TicketSla sla;
    sla.step.hasClocks = true;
    sla.step.respondDue = at(15);
    sla.step.resolveDue = QDateTime(QDate(2026, 11, 23), QTime(9, 30, 0, 999), QTimeZone::utc());
    sla.step.remaining = 840;
    sla.step.atRisk = true;
    sla.ticket.hasClocks = true;
    sla.ticket.resolveDue = at(24 * 60);
    sla.ticket.remaining = std::numeric_limits<qint64>::max();
    sla.ticket.paused = true;
    for (const BranchState &b : ticket.branches) {
        SlaStatus status;
        status.hasClocks = b.name == u"billing";
        status.breached = true;
        status.remaining = -3600;
        status.resolveDue = at(-60);
        sla.branches.insert(b.name, status);
    }
    return sla;
}

} // namespace

class TestTicketJson : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valuesEqualQtsText_data();
    void valuesEqualQtsText();
    void ticketTextEqualsQtsText_data();
    void ticketTextEqualsQtsText();
    void randomTicketsEqualQtsText();
    void aTicketReplyAllocatesFewBlocks();
};

void TestTicketJson::valuesEqualQtsText_data()
{
    QTest::addColumn<QVariant>("value");
    const QVariantMap fields = awkwardFields();
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        QTest::newRow(qPrintable(u"field "_qs + it.key().toHtmlEscaped())) << it.value();
    QTest::newRow("all fields") << QVariant(fields);
}

void TestTicketJson::valuesEqualQtsText()
{
    QFETCH(QVariant, value);
    const QJsonValue qt = QJsonValue::fromVariant(value);
    QCOMPARE(JsonText().variant(value).take(), qtText(qt));
    QCOMPARE(JsonText().value(qt).take(), qtText(qt));
    if (value.typeId() == QMetaType::Double)
        QCOMPARE(JsonText().real(value.toDouble()).take(), qtText(QJsonValue(value.toDouble())));
    if (value.typeId() == QMetaType::QString) {
        QCOMPARE(JsonText().string(value.toString()).take(), qtText(qt));
        QCOMPARE(JsonText().beginObject().key(value.toString()).null().endObject().take(),
                 QJsonDocument(QJsonObject {{value.toString(), QJsonValue::Null}})
                     .toJson(QJsonDocument::Compact));
    }
}

void TestTicketJson::ticketTextEqualsQtsText_data()
{
    QTest::addColumn<TicketView>("view");
    const RuntimeFixture &f = RuntimeFixture::instance();

    OpenRequest request;
    request.title = u"Shipment \"stuck\" — 加急\n"_qs;
    request.fields = {{u"awb"_qs, u"123456789012"_qs}, {u"urgency"_qs, u"critical"_qs}};
    request.channel = u"phone"_qs;
    Ticket ticket;
    QVERIFY2(ticket.apply(machine().open(f.user(u"amy"_qs), request, 1, at())),
             qPrintable(ticket.last.error.value_or(Error()).message));
    ticket.state.assignId(42);
    ticket.state.fields.insert(u"reason"_qs, u"Customer's wedding dress 婚纱"_qs);
    ticket.state.customer = Customer {u"C-1"_qs, u"孙秀英"_qs, u"A"_qs, QString(), u"s@x.cn"_qs};
    QTest::newRow("review, as the supervisor") << viewOf(ticket.state, u"sam"_qs);
    QTest::newRow("review, as the agent who opened it") << viewOf(ticket.state, u"amy"_qs);
    QTest::newRow("review, as an admin") << viewOf(ticket.state, u"root"_qs);

    TicketState claimed = ticket.state;
    QVERIFY(ticket.apply(machine().claim(claimed, f.user(u"sam"_qs), QString(), {}, at(1))));
    TicketView withSla = viewOf(ticket.state, u"sam"_qs);
    withSla.sla = slaFigures(ticket.state);
    QTest::newRow("claimed, with SLA figures") << withSla;

    ActionRequest approve;
    approve.name = u"approve"_qs;
    QVERIFY(ticket.apply(machine().takeAction(ticket.state, f.user(u"sam"_qs), approve, at(2))));
    QVERIFY(ticket.state.isParallel());
    QTest::newRow("parallel, as billing") << viewOf(ticket.state, u"bill"_qs);
    QTest::newRow("parallel, as ground ops") << viewOf(ticket.state, u"gus"_qs);
    QTest::newRow("parallel, as an admin") << viewOf(ticket.state, u"root"_qs);
    QVERIFY(
        ticket.apply(machine().claim(ticket.state, f.user(u"bill"_qs), u"billing"_qs, {}, at(3))));
    TicketView parallelSla = viewOf(ticket.state, u"bill"_qs);
    parallelSla.sla = slaFigures(ticket.state);
    QTest::newRow("parallel, claimed, with SLA figures") << parallelSla;
    TicketView noClocks = parallelSla;
    noClocks.sla = TicketSla();
    QTest::newRow("parallel, SLA figures without clocks") << noClocks;

    TicketState odd = ticket.state;
    odd.fields = awkwardFields();
    odd.title = awkwardStrings().join(u'|');
    odd.customer = Customer {QString(), u"O\"Brien \u0001"_qs, QString(), u"+852 1234"_qs, {}};
    odd.links = {TicketLink {7, u"SF-7"_qs, u"satisfaction-followup"_qs, u"opened"_qs},
                 TicketLink {-1, u"X\"1"_qs, u"w"_qs, u"opened_from"_qs}};
    PendingLink pending;
    pending.workflow = u"satisfaction-followup"_qs;
    pending.action = u"confirm"_qs;
    pending.dueAt = QDateTime(QDate(2026, 11, 30), QTime(8, 0, 0, 500), QTimeZone::utc());
    odd.pendingLinks = {pending, PendingLink()};
    odd.flagged = true;
    odd.handoffs = 3;
    odd.priority = -1;
    odd.version = std::numeric_limits<qint64>::max();
    odd.branches[1].assignee = u"gus"_qs;
    QTest::newRow("every field type, escapes, links") << viewOf(odd, u"bill"_qs);
    TicketView oddSla = viewOf(odd, u"root"_qs);
    oddSla.sla = slaFigures(odd);
    QTest::newRow("every field type, with SLA figures") << oddSla;

    ActionRequest billingDone;
    billingDone.name = u"done"_qs;
    billingDone.branch = u"billing"_qs;
    billingDone.fields = {{u"billing_note"_qs, u"refunded"_qs}};
    QVERIFY(
        ticket.apply(machine().takeAction(ticket.state, f.user(u"bill"_qs), billingDone, at(4))));
    QTest::newRow("one branch done") << viewOf(ticket.state, u"gus"_qs);
    ActionRequest groundDone;
    groundDone.name = u"done"_qs;
    groundDone.branch = u"ground"_qs;
    QVERIFY(ticket.apply(machine().takeAction(ticket.state, f.user(u"gus"_qs), groundDone, at(5))));
    QVERIFY(!ticket.state.isParallel());
    QTest::newRow("back to the agent") << viewOf(ticket.state, u"amy"_qs);
    ActionRequest confirm;
    confirm.name = u"confirm"_qs;
    confirm.fields = {{u"outcome"_qs, u"satisfied"_qs}};
    QVERIFY(ticket.apply(machine().takeAction(ticket.state, f.user(u"amy"_qs), confirm, at(6))));
    TicketView closed = viewOf(ticket.state, u"amy"_qs);
    closed.sla = slaFigures(ticket.state);
    QTest::newRow("closed, with SLA figures") << closed;
    QTest::newRow("without its workflow") << ticketViewWithoutWorkflow(odd);
    QTest::newRow("empty") << ticketViewWithoutWorkflow(TicketState());
}

void TestTicketJson::ticketTextEqualsQtsText()
{
    QFETCH(TicketView, view);
    const Organisation &org = RuntimeFixture::instance().org;
    const QJsonArray attachments {
        QJsonObject {{u"id"_qs, 3}, {u"name"_qs, u"receipt \"1\".pdf"_qs}, {u"size"_qs, 1e10}}};
    const QList<QSet<QString>> aways {{}, {u"sam"_qs, u"bill"_qs, u"gus"_qs, u"amy"_qs}};
    for (const Language language : {Language::En, Language::Zh}) {
        for (const QSet<QString> &away : aways) {
            QCOMPARE(ticketJsonText(view, org, language, away),
                     qtTicketText(view, language, away, nullptr));
            QCOMPARE(ticketJsonText(view, org, language, away, &attachments),
                     qtTicketText(view, language, away, &attachments));
        }
    }
}

// Many tickets with random text (any UTF-16 code unit), numbers and nesting in their fields.
void TestTicketJson::randomTicketsEqualQtsText()
{
    QRandomGenerator random(20);
    const auto randomString = [&] {
        QString s;
        const int length = random.bounded(12);
        for (int i = 0; i < length; ++i) {
            switch (random.bounded(4)) {
            case 0:
                s.append(QChar(char16_t(random.bounded(0x80))));
                break;
            case 1:
                s.append(QChar(char16_t(0xd800 + random.bounded(0x800))));
                break;
            default:
                s.append(QChar(char16_t(random.bounded(0x10000))));
            }
        }
        return s;
    };
    std::function<QVariant(int)> randomValue = [&](int depth) -> QVariant {
        switch (random.bounded(depth > 2 ? 6 : 8)) {
        case 0:
            return randomString();
        case 1:
            return qint64(random.generate64());
        case 2: {
            double d = 0;
            const quint64 bits = random.generate64();
            std::memcpy(&d, &bits, sizeof d);
            return d;
        }
        case 3:
            return double(qint64(random.generate64()) >> random.bounded(64))
                / std::pow(10.0, random.bounded(20));
        case 4:
            return random.bounded(2) == 1;
        case 5:
            return QVariant::fromValue(nullptr);
        case 6: {
            QVariantList list;
            for (int i = random.bounded(4); i > 0; --i)
                list.append(randomValue(depth + 1));
            return list;
        }
        default: {
            QVariantMap map;
            for (int i = random.bounded(4); i > 0; --i)
                map.insert(randomString(), randomValue(depth + 1));
            return map;
        }
        }
    };
    const RuntimeFixture &f = RuntimeFixture::instance();
    OpenRequest request;
    request.title = u"random"_qs;
    request.fields = {{u"awb"_qs, u"123456789012"_qs}, {u"urgency"_qs, u"high"_qs}};
    Ticket ticket;
    QVERIFY(ticket.apply(machine().open(f.user(u"amy"_qs), request, 1, at())));
    ActionRequest approve;
    approve.name = u"approve"_qs;
    Ticket parallel = ticket;
    QVERIFY(parallel.apply(machine().claim(ticket.state, f.user(u"sam"_qs), QString(), {}, at(1))));
    QVERIFY(
        parallel.apply(machine().takeAction(parallel.state, f.user(u"sam"_qs), approve, at(2))));
    QVERIFY(parallel.state.isParallel());
    for (int n = 0; n < 500; ++n) {
        TicketState state = (n % 2 ? parallel : ticket).state;
        state.assignId(random.bounded(1, 1 << 30));
        state.title = randomString();
        state.assignee = randomString();
        state.customer.name = randomString();
        for (int i = random.bounded(8); i > 0; --i)
            state.fields.insert(randomString(), randomValue(0));
        TicketView view = viewOf(state, n % 3 ? u"sam"_qs : u"bill"_qs);
        if (n % 4 == 0)
            view.sla = slaFigures(state);
        const QSet<QString> away {state.assignee};
        const Language language = n % 2 ? Language::Zh : Language::En;
        QCOMPARE(ticketJsonText(view, f.org, language, away),
                 qtTicketText(view, language, away, nullptr));
    }
}

void TestTicketJson::aTicketReplyAllocatesFewBlocks()
{
    // Building the reply as QJsonObjects took a block for nearly every member (issue 20:
    // malloc/free ~10% of the server's CPU); the text takes the buffer and what the view's
    // own values need (the discarded branches' lists, a double's digits).
    const RuntimeFixture &f = RuntimeFixture::instance();
    OpenRequest request;
    request.title = u"Shipment stuck"_qs;
    request.fields = {{u"awb"_qs, u"123456789012"_qs}, {u"urgency"_qs, u"critical"_qs}};
    Ticket ticket;
    QVERIFY2(ticket.apply(machine().open(f.user(u"amy"_qs), request, 1, at())),
             qPrintable(ticket.last.error.value_or(Error()).message));
    ticket.state.fields.insert(u"reason"_qs, u"婚纱 \"wedding dress\""_qs);
    ticket.state.customer = Customer {u"C-1"_qs, u"孙秀英"_qs, u"A"_qs, QString(), u"s@x.cn"_qs};
    QVERIFY(ticket.apply(machine().claim(ticket.state, f.user(u"sam"_qs), QString(), {}, at(1))));
    ActionRequest approve;
    approve.name = u"approve"_qs;
    QVERIFY(ticket.apply(machine().takeAction(ticket.state, f.user(u"sam"_qs), approve, at(2))));
    TicketView view = viewOf(ticket.state, u"root"_qs);
    view.sla = slaFigures(ticket.state);
    const QSet<QString> away {u"bill"_qs};
    QByteArray text, qt;
    const long long blocks
        = allocationsOf([&] { text = ticketJsonText(view, f.org, Language::Zh, away); });
    const long long qtBlocks
        = allocationsOf([&] { qt = qtTicketText(view, Language::Zh, away, nullptr); });
    QCOMPARE(text, qt);
    qInfo("a parallel ticket's reply: %lld blocks written as text, %lld through QJsonObject",
          blocks, qtBlocks);
    QCOMPARE_LE(blocks, 12);
}

QTEST_GUILESS_MAIN(TestTicketJson)
#include "tst_ticketjson.moc"

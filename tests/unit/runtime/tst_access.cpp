// SPDX-License-Identifier: GPL-3.0-or-later
#include "fixture.h"

#include "runtime/access.h"
#include "runtime/ticketstate.h"

#include <QTest>

using namespace Baton;
using namespace Baton::Test;

class TestAccess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void queueMembership_data();
    void queueMembership();
    void supervision_data();
    void supervision();
    void visibility_data();
    void visibility();
};

void TestAccess::queueMembership_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QStringList>("queues");
    QTest::newRow("an agent works the queues of their department")
        << u"amy"_qs << QStringList {u"cs-supervisors"_qs, u"front-desk"_qs};
    QTest::newRow("a parent department's member does not work a child's queues")
        << u"nora"_qs << QStringList {u"finance-managers"_qs};
    QTest::newRow("billing staff work billing") << u"bill"_qs << QStringList {u"billing"_qs};
    QTest::newRow("an admin without department works no queue") << u"root"_qs << QStringList {};
}

void TestAccess::queueMembership()
{
    QFETCH(QString, user);
    QFETCH(QStringList, queues);
    QStringList actual = RuntimeFixture::instance().user(user).queues;
    actual.sort();
    queues.sort();
    QCOMPARE(actual, queues);
}

void TestAccess::supervision_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("queue");
    QTest::addColumn<bool>("supervises");
    QTest::newRow("a supervisor supervises their department's queue")
        << u"sam"_qs << u"cs-supervisors"_qs << true;
    QTest::newRow("a supervisor supervises a child department's queue")
        << u"cxs"_qs << u"front-desk"_qs << true;
    QTest::newRow("a supervisor of finance supervises billing (child)")
        << u"fiona"_qs << u"billing"_qs << true;
    QTest::newRow("a supervisor does not supervise a parent department")
        << u"sam"_qs << u"cx-coordination"_qs << false;
    QTest::newRow("a supervisor does not supervise another branch of the tree")
        << u"fiona"_qs << u"ground-ops"_qs << false;
    QTest::newRow("staff supervise nothing") << u"nora"_qs << u"finance-managers"_qs << false;
}

void TestAccess::supervision()
{
    QFETCH(QString, user);
    QFETCH(QString, queue);
    QFETCH(bool, supervises);
    const RuntimeFixture &f = RuntimeFixture::instance();
    const Actor actor = f.user(user);
    QCOMPARE(supervisesQueue(f.org, actor, queue), supervises);
    QCOMPARE(visibleQueues(f.org, actor).contains(queue), supervises || actor.isMemberOf(queue));
}

void TestAccess::visibility_data()
{
    // A ticket opened by amy, now in billing, having passed through cs-supervisors.
    QTest::addColumn<QString>("user");
    QTest::addColumn<bool>("sees");
    QTest::newRow("the originator sees it") << u"amy"_qs << true;
    QTest::newRow("a member of the current queue sees it") << u"bea"_qs << true;
    QTest::newRow("a member of a queue it was in sees it") << u"ann"_qs << true;
    QTest::newRow("a supervisor of a past queue's department sees it") << u"sam"_qs << true;
    QTest::newRow("a supervisor of a parent department sees it") << u"cxs"_qs << true;
    QTest::newRow("a supervisor of the current queue's parent department sees it")
        << u"fiona"_qs << true;
    QTest::newRow("an admin sees it") << u"root"_qs << true;
    QTest::newRow("staff of an unrelated queue do not") << u"gus"_qs << false;
    QTest::newRow("a parent department's staff do not") << u"nora"_qs << false;
    QTest::newRow("an agent of another department does not") << u"cora"_qs << false;
}

void TestAccess::visibility()
{
    QFETCH(QString, user);
    QFETCH(bool, sees);
    const RuntimeFixture &f = RuntimeFixture::instance();
    TicketState ticket;
    ticket.originator = u"amy"_qs;
    ticket.queue = u"billing"_qs;
    ticket.queuesVisited = {u"cs-supervisors"_qs, u"billing"_qs};
    QCOMPARE(canSee(f.org, f.user(user), ticket), sees);
}

QTEST_GUILESS_MAIN(TestAccess)
#include "tst_access.moc"

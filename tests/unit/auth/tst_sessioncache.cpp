// SPDX-License-Identifier: GPL-3.0-or-later
// The session cache on its own: the orders of events a test over a real database cannot
// arrange reliably (a lookup that read the database before a change committed, putting what it
// read after), its lifetime, and its bound.
#include "auth/sessioncache.h"

#include <QTest>

using namespace Baton;
using namespace Qt::Literals::StringLiterals;

namespace {

SessionCache::Entry entry(const QString &username, qint64 now, qint64 expiresAt)
{
    SessionCache::Entry e;
    e.user.username = username;
    e.cachedAt = now;
    e.expiresAt = expiresAt;
    return e;
}

} // namespace

class tst_SessionCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aReadOlderThanAChangeIsNotKept();
    void entriesLiveForTheLifetimeAndTheSession();
    void forgettingAUserForgetsEachOfTheirSessions();
    void theBoundHolds();
    void lifetimeZeroKeepsNothing();
};

void tst_SessionCache::aReadOlderThanAChangeIsNotKept()
{
    SessionCache cache(30000);
    // A request misses and reads amy's session; amy is disabled and forgotten before it puts
    // what it read: what it read is older than the change.
    const quint64 beforeRead = cache.generation();
    cache.forgetUser(u"amy"_s);
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 100000), beforeRead);
    QVERIFY(!cache.find(u"h1"_s, 1000).has_value());
    // The same for a logout of that very session.
    const quint64 beforeSecondRead = cache.generation();
    cache.forgetSession(u"h1"_s);
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 100000), beforeSecondRead);
    QVERIFY(!cache.find(u"h1"_s, 1000).has_value());
    // Nothing forgotten meanwhile: kept.
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 100000), cache.generation());
    QVERIFY(cache.find(u"h1"_s, 1000).has_value());
}

void tst_SessionCache::entriesLiveForTheLifetimeAndTheSession()
{
    SessionCache cache(30000);
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 20000), cache.generation());
    QCOMPARE(cache.find(u"h1"_s, 19999)->user.username, u"amy"_s);
    QVERIFY(!cache.find(u"h1"_s, 20000).has_value()); // the session expired
    cache.setExpiry(u"h1"_s, 100000); // slid
    QVERIFY(cache.find(u"h1"_s, 30999).has_value());
    QVERIFY(!cache.find(u"h1"_s, 31000).has_value()); // read 30 s ago: read again
    QVERIFY(!cache.find(u"h1"_s, 999).has_value()); // a clock set back
}

void tst_SessionCache::forgettingAUserForgetsEachOfTheirSessions()
{
    SessionCache cache(30000);
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 100000), cache.generation());
    cache.put(u"h2"_s, entry(u"amy"_s, 1000, 100000), cache.generation());
    cache.put(u"h3"_s, entry(u"bob"_s, 1000, 100000), cache.generation());
    cache.forgetUser(u"amy"_s);
    QVERIFY(!cache.find(u"h1"_s, 1000).has_value());
    QVERIFY(!cache.find(u"h2"_s, 1000).has_value());
    QVERIFY(cache.find(u"h3"_s, 1000).has_value());
}

void tst_SessionCache::theBoundHolds()
{
    SessionCache cache(30000, 10);
    for (int i = 0; i < 10; ++i)
        cache.put(u"old%1"_s.arg(i), entry(u"amy"_s, 1000, 100000), cache.generation());
    QCOMPARE(cache.size(), 10);
    // Full of entries past their lifetime: they make room.
    cache.put(u"new"_s, entry(u"amy"_s, 40000, 100000), cache.generation());
    QCOMPARE(cache.size(), 1);
    for (int i = 0; i < 25; ++i)
        cache.put(u"more%1"_s.arg(i), entry(u"amy"_s, 40000, 100000), cache.generation());
    QVERIFY2(cache.size() <= 10, qPrintable(QString::number(cache.size())));
    QVERIFY(cache.find(u"more24"_s, 40000).has_value());
}

void tst_SessionCache::lifetimeZeroKeepsNothing()
{
    SessionCache cache(0);
    cache.put(u"h1"_s, entry(u"amy"_s, 1000, 100000), cache.generation());
    QVERIFY(!cache.find(u"h1"_s, 1000).has_value());
    QCOMPARE(cache.size(), 0);
}

QTEST_GUILESS_MAIN(tst_SessionCache)
#include "tst_sessioncache.moc"

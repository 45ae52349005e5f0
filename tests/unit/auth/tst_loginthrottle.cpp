// SPDX-License-Identifier: GPL-3.0-or-later
// The login throttle on its own, with the client addresses a test cannot make over a real
// socket (every connection here comes from 127.0.0.1): guessing one user's password from many
// addresses, one address trying many usernames.
#include "auth/loginthrottle.h"

#include <QTest>

using namespace Baton;
using namespace Qt::Literals::StringLiterals;

class tst_LoginThrottle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneUserGuessedFromManyAddressesIsThrottled();
    void oneAddressTryingManyUsernamesIsThrottled();
    void successClearsTheUsernamesCounterForThatAddressOnly();
    void guessesElsewhereDoNotLockTheUserOutOfTheirOwnAddress();
    void refusalsGrowWhileGuessingGoesOnThenEnd();
    void aFloodOfAddressesNeitherGrowsTheTablesNorFreesABlock();
    void ipv6CountsPerSlash64();

private:
    QDateTime m_now {QDate(2026, 11, 23), QTime(8, 0), Qt::UTC};
};

void tst_LoginThrottle::oneUserGuessedFromManyAddressesIsThrottled()
{
    LoginThrottle throttle;
    // 80 wrong passwords for amy, 4 from each of 20 addresses, one every 5 seconds.
    int firstRefused = -1;
    for (int i = 0; i < 80; ++i) {
        const QString address = u"203.0.113.%1"_s.arg(i % 20 + 1);
        if (throttle.retryAfter(u"amy"_s, address, m_now) > 0) {
            if (firstRefused < 0)
                firstRefused = i;
            continue;
        }
        throttle.recordFailure(u"amy"_s, address, m_now);
        m_now = m_now.addSecs(5);
    }
    QVERIFY2(firstRefused >= 0, "80 guesses from 20 addresses were never throttled");
    QCOMPARE(firstRefused, 10);
}

void tst_LoginThrottle::oneAddressTryingManyUsernamesIsThrottled()
{
    LoginThrottle throttle;
    const QString address = u"198.51.100.7"_s;
    int firstRefused = -1;
    for (int i = 0; i < 60; ++i) {
        const QString username = u"user%1"_s.arg(i);
        if (throttle.retryAfter(username, address, m_now) > 0) {
            if (firstRefused < 0)
                firstRefused = i;
            continue;
        }
        throttle.recordFailure(username, address, m_now);
        m_now = m_now.addSecs(5);
    }
    QVERIFY2(firstRefused >= 0, "60 usernames from one address were never throttled");
    QCOMPARE(firstRefused, 30);
}

void tst_LoginThrottle::successClearsTheUsernamesCounterForThatAddressOnly()
{
    LoginThrottle throttle;
    const QString desk = u"192.0.2.10"_s, phone = u"192.0.2.20"_s;
    for (int i = 0; i < 4; ++i) {
        throttle.recordFailure(u"amy"_s, desk, m_now);
        throttle.recordFailure(u"amy"_s, phone, m_now);
    }
    throttle.recordSuccess(u"amy"_s, desk, m_now);
    throttle.recordFailure(u"amy"_s, desk, m_now);
    throttle.recordFailure(u"amy"_s, phone, m_now); // the 5th from the phone
    QCOMPARE(throttle.retryAfter(u"amy"_s, desk, m_now), 0);
    QCOMPARE(throttle.retryAfter(u"amy"_s, phone, m_now), 15 * 60);
    // Usernames are compared case-insensitively.
    QCOMPARE(throttle.retryAfter(u"AMY"_s, phone, m_now), 15 * 60);
}

void tst_LoginThrottle::guessesElsewhereDoNotLockTheUserOutOfTheirOwnAddress()
{
    LoginThrottle throttle;
    const QString desk = u"192.0.2.10"_s;
    throttle.recordSuccess(u"amy"_s, desk, m_now);
    for (int i = 0; i < 80; ++i)
        throttle.recordFailure(u"amy"_s, u"203.0.113.%1"_s.arg(i % 20 + 1), m_now);
    QCOMPARE(throttle.retryAfter(u"amy"_s, desk, m_now), 0);
    QVERIFY(throttle.retryAfter(u"amy"_s, u"192.0.2.99"_s, m_now) > 0); // a new address waits
    // Trust fades: 30 days after the last success the desk is an address like any other.
    m_now = m_now.addDays(31);
    for (int i = 0; i < 10; ++i)
        throttle.recordFailure(u"amy"_s, u"203.0.113.%1"_s.arg(i + 1), m_now);
    QVERIFY(throttle.retryAfter(u"amy"_s, desk, m_now) > 0);
}

void tst_LoginThrottle::refusalsGrowWhileGuessingGoesOnThenEnd()
{
    LoginThrottle throttle;
    const QString address = u"203.0.113.9"_s;
    auto strike = [&] {
        for (int i = 0; i < 5; ++i)
            throttle.recordFailure(u"amy"_s, address, m_now);
        return throttle.retryAfter(u"amy"_s, address, m_now);
    };
    QCOMPARE(strike(), 15 * 60);
    m_now = m_now.addSecs(15 * 60);
    QCOMPARE(throttle.retryAfter(u"amy"_s, address, m_now), 0); // a delay, not a lock
    QCOMPARE(strike(), 30 * 60); // guessing again at once: twice as long
    m_now = m_now.addSecs(30 * 60);
    QCOMPARE(strike(), 60 * 60);
    for (int i = 0; i < 4; ++i) { // 2 h, then the 4 h ceiling
        m_now = m_now.addSecs(throttle.retryAfter(u"amy"_s, address, m_now));
        QCOMPARE(strike(), qMin(qint64(60 * 60) << (i + 1), qint64(4 * 3600)));
    }
    // Quiet for a window after the refusal ends: the next one is short again.
    m_now = m_now.addSecs(4 * 3600 + 15 * 60 + 1);
    QCOMPARE(strike(), 15 * 60);
}

void tst_LoginThrottle::aFloodOfAddressesNeitherGrowsTheTablesNorFreesABlock()
{
    LoginThrottle::Options options;
    options.maxEntries = 100;
    LoginThrottle throttle(options);
    const QString blocked = u"198.51.100.7"_s;
    for (int i = 0; i < 30; ++i)
        throttle.recordFailure(u"user%1"_s.arg(i), blocked, m_now);
    QVERIFY(throttle.retryAfter(u"anyone"_s, blocked, m_now) > 0);
    for (int i = 0; i < 10000; ++i) {
        m_now = m_now.addMSecs(10);
        throttle.recordFailure(u"spray%1"_s.arg(i),
                               u"10.%1.%2.%3"_s.arg(i / 65536).arg(i / 256 % 256).arg(i % 256),
                               m_now);
        throttle.recordSuccess(u"spray%1"_s.arg(i),
                               u"10.200.%1.%2"_s.arg(i / 256 % 256).arg(i % 256), m_now);
        QVERIFY2(throttle.entryCount() <= 4 * 100,
                 qPrintable(QString::number(throttle.entryCount())));
    }
    QVERIFY(throttle.retryAfter(u"anyone"_s, blocked, m_now) > 0);
}

void tst_LoginThrottle::ipv6CountsPerSlash64()
{
    LoginThrottle throttle;
    for (int i = 0; i < 30; ++i)
        throttle.recordFailure(u"user%1"_s.arg(i), u"2001:db8:0:1::%1"_s.arg(i + 1, 0, 16), m_now);
    QVERIFY(throttle.retryAfter(u"amy"_s, u"2001:db8:0:1:ffff:1:2:3"_s, m_now) > 0);
    QCOMPARE(throttle.retryAfter(u"amy"_s, u"2001:db8:0:2::1"_s, m_now), 0);
    QCOMPARE(LoginThrottle::addressKey(u"::ffff:198.51.100.7"_s), u"198.51.100.7"_s);
    QCOMPARE(LoginThrottle::addressKey(u"2001:db8:0:1:ffff:1:2:3"_s), u"2001:db8:0:1::/64"_s);
}

QTEST_GUILESS_MAIN(tst_LoginThrottle)
#include "tst_loginthrottle.moc"

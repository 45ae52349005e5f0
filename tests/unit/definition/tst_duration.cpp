// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/duration.h"

#include <QTest>

using namespace Baton;

class TestDuration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("seconds") << QStringLiteral("30s") << qint64(30);
        QTest::newRow("minutes") << QStringLiteral("15m") << qint64(900);
        QTest::newRow("hours") << QStringLiteral("2h") << qint64(7200);
        QTest::newRow("a day is 24 hours of business time")
            << QStringLiteral("1d") << qint64(86400);
        QTest::newRow("days and hours") << QStringLiteral("1d4h") << qint64(100800);
        QTest::newRow("every unit once, largest first")
            << QStringLiteral("1d1h1m1s") << qint64(90061);
        QTest::newRow("large counts of a small unit") << QStringLiteral("90m") << qint64(5400);
    }
    void validDurations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        const Result<qint64> parsed = parseDuration(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
        QCOMPARE(*parsed, seconds);
        QCOMPARE(*parseDuration(formatDuration(seconds)), seconds);
    }

    void malformedDurations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("zero") << QStringLiteral("0m") << QStringLiteral("positive");
        QTest::newRow("negative") << QStringLiteral("-1h") << QStringLiteral("positive");
        QTest::newRow("unknown unit") << QStringLiteral("2w") << QStringLiteral("unknown unit 'w'");
        QTest::newRow("no unit") << QStringLiteral("90") << QStringLiteral("lacks a unit");
        QTest::newRow("units out of order")
            << QStringLiteral("4h1d") << QStringLiteral("from days to seconds");
        QTest::newRow("unit twice")
            << QStringLiteral("1h1h") << QStringLiteral("from days to seconds");
        QTest::newRow("space inside") << QStringLiteral("1d 4h") << QStringLiteral("no spaces");
        QTest::newRow("fraction") << QStringLiteral("1.5h") << QStringLiteral("whole number");
        QTest::newRow("empty") << QString() << QStringLiteral("empty");
        QTest::newRow("absurdly long")
            << QStringLiteral("99999999999d") << QStringLiteral("too long");
    }
    void malformedDurations()
    {
        QFETCH(QString, text);
        QFETCH(QString, why);
        const Result<qint64> parsed = parseDuration(text);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().contains(why), qPrintable(parsed.error()));
    }
};

QTEST_GUILESS_MAIN(TestDuration)
#include "tst_duration.moc"

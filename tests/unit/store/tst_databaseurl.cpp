// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/databaseurl.h"

#include <QTest>

using namespace Baton;

class TestDatabaseUrl : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void displayMasksPassword();
};

void TestDatabaseUrl::parses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("sqlite");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("name");

    QTest::newRow("sqlite relative path") << "sqlite:var/baton.db" << true << "var/baton.db"
                                          << ""
                                          << ""
                                          << "" << 5432 << "";
    QTest::newRow("sqlite absolute path") << "sqlite:/srv/baton/b.db" << true << "/srv/baton/b.db"
                                          << ""
                                          << ""
                                          << "" << 5432 << "";
    QTest::newRow("sqlite URL with three slashes") << "sqlite:///srv/b.db" << true << "/srv/b.db"
                                                   << ""
                                                   << ""
                                                   << "" << 5432 << "";
    QTest::newRow("postgresql user at host, default port")
        << "postgresql://baton@localhost/baton" << false << ""
        << "baton"
        << ""
        << "localhost" << 5432 << "baton";
    QTest::newRow("postgresql user, password, host and port")
        << "postgresql://baton:s3cret@db.example:6543/tickets" << false << ""
        << "baton"
        << "s3cret"
        << "db.example" << 6543 << "tickets";
    QTest::newRow("postgresql percent-encoded password")
        << "postgresql://baton:p%40ss%2Fw@127.0.0.1/b" << false << ""
        << "baton"
        << "p@ss/w"
        << "127.0.0.1" << 5432 << "b";
    QTest::newRow("postgresql unix socket via host parameter")
        << "postgresql://postgres@/test?host=/tmp/pg/sock&port=5433" << false << ""
        << "postgres"
        << ""
        << "/tmp/pg/sock" << 5433 << "test";
    QTest::newRow("postgresql IPv6 host") << "postgresql://u@[::1]:5999/d" << false << ""
                                          << "u"
                                          << ""
                                          << "::1" << 5999 << "d";
    QTest::newRow("postgres scheme alias") << "postgres://u@h/d" << false << ""
                                           << "u"
                                           << ""
                                           << "h" << 5432 << "d";
}

void TestDatabaseUrl::parses()
{
    QFETCH(QString, text);
    QFETCH(bool, sqlite);
    auto url = DatabaseUrl::parse(text);
    QVERIFY2(url.ok(), qPrintable(url.ok() ? QString() : url.error()));
    QCOMPARE(url->isSqlite(), sqlite);
    QTEST(url->path, "path");
    QTEST(url->user, "user");
    QTEST(url->password, "password");
    QTEST(url->host, "host");
    QTEST(url->port, "port");
    QTEST(url->databaseName, "name");
}

void TestDatabaseUrl::rejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown scheme") << "mysql://u@h/d"
                                    << "expected sqlite:PATH or postgresql://";
    QTest::newRow("sqlite without a path") << "sqlite:"
                                           << "needs a file path";
    QTest::newRow("postgresql without a database") << "postgresql://u@h"
                                                   << "missing database name";
    QTest::newRow("postgresql with an empty database") << "postgresql://u@h/"
                                                       << "missing database name";
    QTest::newRow("postgresql without a host") << "postgresql://u@/d"
                                               << "missing host";
    QTest::newRow("postgresql with a bad port") << "postgresql://u@h:99999/d"
                                                << "bad port '99999'";
    QTest::newRow("postgresql with an unknown parameter") << "postgresql://u@h/d?sslmode=require"
                                                          << "unknown parameter 'sslmode'";
}

void TestDatabaseUrl::rejects()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    auto url = DatabaseUrl::parse(text);
    QVERIFY(!url.ok());
    QVERIFY2(url.error().contains(message), qPrintable(url.error()));
}

void TestDatabaseUrl::displayMasksPassword()
{
    auto url = DatabaseUrl::parse(QStringLiteral("postgresql://baton:s3cret@db:6543/tickets"));
    QVERIFY(url.ok());
    QCOMPARE(url->toDisplayString(), QStringLiteral("postgresql://baton:***@db:6543/tickets"));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace Baton::Test {

/// A throw-away PostgreSQL cluster for tests: initdb into a temporary folder, pg_ctl start on a
/// unix socket in that folder (no TCP, so no port clashes), stop and remove in the destructor.
/// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
/// (`runuser -u postgres --`) on folders chowned to it.
class PgHarness
{
public:
    PgHarness();
    ~PgHarness();
    PgHarness(const PgHarness &) = delete;
    PgHarness &operator=(const PgHarness &) = delete;

    /// The cluster of this test process, started on first use and stopped at exit; null with
    /// skipReason() set when PostgreSQL is not installed, or with error() when it failed.
    static PgHarness *shared();
    static QString sharedSkipReason();

    bool start();
    void stop();
    bool isRunning() const { return m_running; }
    QString error() const { return m_error; }
    QString skipReason() const { return m_skipReason; }

    /// Creates an empty database and returns its `postgresql://` URL, or an empty string.
    QString createDatabase(const QString &name);
    QString url(const QString &databaseName) const;
    QString socketDir() const;
    /// The server's log (pg_ctl -l): what it logs, such as statements under log_statement.
    QString logFile() const;
    int port() const { return m_port; }

private:
    bool run(const QString &program, const QStringList &arguments);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_binDir;
    QString m_error;
    QString m_skipReason;
    int m_port = 5432;
    bool m_running = false;
    bool m_asPostgresUser = false;
};

/// A fresh, empty database per test for the current `initTestCase_data()` row ("sqlite" or
/// "postgresql"). SQLite databases live in a temporary folder removed with this object.
class TestDatabase
{
public:
    /// Adds the column "driver" and the rows "sqlite" and "postgresql"; call from
    /// initTestCase_data().
    static void addDriverRows();
    /// The "driver" of the current global row.
    static QString currentDriver();

    TestDatabase();
    /// The URL of a new empty database for `driver`; empty with skipReason() when PostgreSQL is
    /// unavailable, or error().
    QString create(const QString &driver);
    QString skipReason() const { return m_skipReason; }
    QString error() const { return m_error; }

private:
    QTemporaryDir m_dir;
    QString m_skipReason;
    QString m_error;
};

} // namespace Baton::Test

/// In a test function of a suite with driver rows: declares `QString VAR`, the URL of a fresh
/// database for the current row; skips (PostgreSQL missing) or fails (cluster broken) otherwise.
#define BATON_FRESH_DATABASE(holder, var)                                                          \
    const QString var = holder.create(Baton::Test::TestDatabase::currentDriver());                 \
    if (var.isEmpty() && !holder.skipReason().isEmpty())                                           \
        QSKIP(qPrintable(holder.skipReason()));                                                    \
    QVERIFY2(!var.isEmpty(), qPrintable(holder.error()))

// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgharness.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <atomic>

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

namespace Baton::Test {

namespace {

const char binDirCandidates[][40] = {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
                                     "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/14/bin"};

PgHarness *sharedHarness = nullptr;
QString sharedSkip;
bool sharedTried = false;

void stopShared()
{
    delete sharedHarness;
    sharedHarness = nullptr;
}

bool chownTree(const QString &path, uid_t uid, gid_t gid)
{
    return ::chown(QFile::encodeName(path).constData(), uid, gid) == 0;
}

// A test killed from outside (ctest's timeout, kill -9) never runs stop(), and its cluster kept
// running for hours, holding memory and its socket. A detached shell waits for this process to
// end and then stops the cluster (if still running) and removes its folder, also after a normal
// stop(), which leaves the removal to it. Its output goes nowhere so that ctest, which waits for
// the test's pipes to close, is not held up by it.
void watchOverCluster(const QString &folder, const QString &pgCtl, bool asPostgresUser)
{
    const QString stop = (asPostgresUser ? QStringLiteral("runuser -u postgres -- ") : QString())
        + QStringLiteral("'%1' -D \"$2/data\" -m immediate stop").arg(pgCtl);
    const QString script = QStringLiteral("while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
                                          "if [ -d \"$2/data\" ]; then %1; rm -rf \"$2\"; fi")
                               .arg(stop);
    QProcess watcher;
    watcher.setProgram(QStringLiteral("/bin/sh"));
    watcher.setArguments({QStringLiteral("-c"), script, QStringLiteral("pg-watch"),
                          QString::number(QCoreApplication::applicationPid()), folder});
    watcher.setStandardInputFile(QProcess::nullDevice());
    watcher.setStandardOutputFile(QProcess::nullDevice());
    watcher.setStandardErrorFile(QProcess::nullDevice());
    watcher.startDetached();
}

} // namespace

PgHarness::PgHarness()
{
    for (const char *candidate : binDirCandidates) {
        const QString dir = QString::fromLatin1(candidate);
        if (QFileInfo::exists(dir + u"/initdb") && QFileInfo::exists(dir + u"/pg_ctl")) {
            m_binDir = dir;
            break;
        }
    }
    if (m_binDir.isEmpty())
        m_skipReason = QStringLiteral("PostgreSQL server binaries not found under "
                                      "/usr/lib/postgresql/*/bin (Debian package postgresql; "
                                      "`make test` installs it)");
}

PgHarness::~PgHarness()
{
    stop();
}

PgHarness *PgHarness::shared()
{
    if (!sharedTried) {
        sharedTried = true;
        auto *harness = new PgHarness;
        if (!harness->skipReason().isEmpty()) {
            sharedSkip = harness->skipReason();
            delete harness;
            return nullptr;
        }
        harness->start();
        sharedHarness = harness;
        qAddPostRoutine(stopShared);
    }
    return sharedHarness;
}

QString PgHarness::sharedSkipReason()
{
    return sharedSkip;
}

bool PgHarness::run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setWorkingDirectory(m_dir->path()); // the postgres user cannot enter the test's cwd
    process.setProcessChannelMode(QProcess::MergedChannels);
    const QString binary = m_binDir + u'/' + program;
    if (m_asPostgresUser)
        process.start(QStringLiteral("runuser"),
                      QStringList {QStringLiteral("-u"), QStringLiteral("postgres"),
                                   QStringLiteral("--"), binary}
                          + arguments);
    else
        process.start(binary, arguments);
    if (!process.waitForStarted(30000) || !process.waitForFinished(120000)) {
        m_error = QStringLiteral("%1 did not run: %2").arg(program, process.errorString());
        process.kill();
        process.waitForFinished();
        return false;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        m_error = QStringLiteral("%1 failed (exit %2): %3")
                      .arg(program)
                      .arg(process.exitCode())
                      .arg(QString::fromLocal8Bit(process.readAll()));
        return false;
    }
    return true;
}

bool PgHarness::start()
{
    if (m_running)
        return true;
    if (!m_skipReason.isEmpty())
        return false;
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/baton-pg-XXXXXX");
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create a temporary folder: %1").arg(m_dir->errorString());
        return false;
    }
    m_asPostgresUser = ::geteuid() == 0;
    const QString sockets = socketDir();
    QDir().mkpath(sockets);
    if (m_asPostgresUser) {
        const passwd *user = ::getpwnam("postgres");
        if (!user) {
            m_skipReason = QStringLiteral("running as root and there is no `postgres` system user "
                                          "to run the PostgreSQL server as");
            return false;
        }
        if (!chownTree(m_dir->path(), user->pw_uid, user->pw_gid)
            || !chownTree(sockets, user->pw_uid, user->pw_gid)) {
            m_error = QStringLiteral("cannot chown %1 to postgres").arg(m_dir->path());
            return false;
        }
    }
    const QString data = m_dir->path() + u"/data";
    if (!run(QStringLiteral("initdb"),
             {QStringLiteral("-D"), data, QStringLiteral("-A"), QStringLiteral("trust"),
              QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("-E"),
              QStringLiteral("UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")}))
        return false;
    // Unix socket only, in our own folder: the port just names the socket file, so any
    // number is free. fsync is off for tests: a throw-away cluster whose host never crashes
    // under test. Benchmarks set BATON_PG_FSYNC=on so that commits are as durable as in
    // production (synchronous_commit stays on either way).
    const bool durable = qEnvironmentVariable("BATON_PG_FSYNC") == u"on";
    const QString options
        = QStringLiteral("-p %1 -k %2 -c listen_addresses='' -c fsync=%3 "
                         "-c max_connections=300 -c shared_buffers=32MB")
              .arg(m_port)
              .arg(sockets, durable ? QStringLiteral("on") : QStringLiteral("off"))
        // More server settings for a look inside (e.g. "-c log_statement=all").
        + u' ' + qEnvironmentVariable("BATON_PG_OPTIONS");
    if (!run(QStringLiteral("pg_ctl"),
             {QStringLiteral("-D"), data, QStringLiteral("-o"), options, QStringLiteral("-l"),
              m_dir->path() + u"/server.log", QStringLiteral("-w"), QStringLiteral("-t"),
              QStringLiteral("60"), QStringLiteral("start")})) {
        QFile log(m_dir->path() + u"/server.log");
        if (log.open(QIODevice::ReadOnly))
            m_error += u"\n" + QString::fromLocal8Bit(log.readAll());
        return false;
    }
    m_running = true;
    watchOverCluster(m_dir->path(), m_binDir + QStringLiteral("/pg_ctl"), m_asPostgresUser);
    return true;
}

void PgHarness::stop()
{
    if (m_running) {
        m_running = false;
        run(QStringLiteral("pg_ctl"),
            {QStringLiteral("-D"), m_dir->path() + u"/data", QStringLiteral("-m"),
             QStringLiteral("immediate"), QStringLiteral("-w"), QStringLiteral("stop")});
        // The folder holds every database the test made (thousands of files): removing it
        // here held a loaded machine's test process for up to two minutes after its last
        // case, long enough for ctest's timeout. The watcher removes it once we have exited.
        m_dir->setAutoRemove(false);
    }
    m_dir.reset();
}

QString PgHarness::socketDir() const
{
    return m_dir ? m_dir->path() + u"/sock" : QString();
}

QString PgHarness::logFile() const
{
    return m_dir ? m_dir->path() + u"/server.log" : QString();
}

QString PgHarness::url(const QString &databaseName) const
{
    return QStringLiteral("postgresql://postgres@/%1?host=%2&port=%3")
        .arg(databaseName, socketDir())
        .arg(m_port);
}

QString PgHarness::createDatabase(const QString &name)
{
    if (!m_running)
        return {};
    const QString connectionName = u"pgharness-" + name;
    QString result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        db.setHostName(socketDir());
        db.setPort(m_port);
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            m_error = QStringLiteral("cannot connect to the test cluster: %1")
                          .arg(db.lastError().text());
        } else {
            QSqlQuery query(db);
            // A name, not a value, so it cannot be bound; callers pass [a-z0-9_] only.
            if (query.exec(u"CREATE DATABASE " + name))
                result = url(name);
            else
                m_error
                    = QStringLiteral("CREATE DATABASE failed: %1").arg(query.lastError().text());
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return result;
}

void TestDatabase::addDriverRows()
{
    QTest::addColumn<QString>("driver");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

QString TestDatabase::currentDriver()
{
    return *static_cast<QString *>(QTest::qGlobalData("driver", qMetaTypeId<QString>()));
}

TestDatabase::TestDatabase()
    : m_dir(QDir::tempPath() + u"/baton-test-XXXXXX")
{
}

QString TestDatabase::create(const QString &driver)
{
    static std::atomic<int> counter {0};
    const int n = ++counter;
    if (driver == u"sqlite")
        return QStringLiteral("sqlite:%1/test%2.db").arg(m_dir.path()).arg(n);
    // `make test` sets BATON_REQUIRE_POSTGRESQL: there a missing PostgreSQL is an error, not a
    // quiet skip of every PostgreSQL row.
    const bool required = !qEnvironmentVariableIsEmpty("BATON_REQUIRE_POSTGRESQL");
    PgHarness *harness = PgHarness::shared();
    if (!harness) {
        (required ? m_error : m_skipReason) = PgHarness::sharedSkipReason();
        return {};
    }
    if (!harness->isRunning()) {
        if (!harness->skipReason().isEmpty())
            (required ? m_error : m_skipReason) = harness->skipReason();
        else
            m_error = QStringLiteral("the PostgreSQL test cluster did not start: %1")
                          .arg(harness->error());
        return {};
    }
    const QString url
        = harness->createDatabase(QStringLiteral("test_%1_%2").arg(::getpid()).arg(n));
    if (url.isEmpty())
        m_error = harness->error();
    return url;
}

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#include "database.h"

#include "store/boundvalues.h"
#include "store/idquery_p.h"
#include "store/postgresqlquery.h"
#include "store/storelog.h"

#include <QDir>
#include <QFileInfo>
#include <QMutex>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QThread>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <vector>

namespace Baton {

Q_LOGGING_CATEGORY(lcStore, "baton.store", QtInfoMsg)

// The connections a Database opened, so that its destructor removes those still open; a thread
// that ends removes its own first.
struct ConnectionRegistry
{
    QMutex mutex;
    QSet<QString> names;

    void remove(const QString &name)
    {
        QMutexLocker lock(&mutex);
        if (names.remove(name))
            QSqlDatabase::removeDatabase(name);
    }
};

namespace {

std::atomic<quint64> nextSerial {1};
std::atomic<quint64> nextThreadSerial {1};

// Per thread: its connection to each Database, removed when the thread ends.
struct ThreadConnections
{
    struct Entry
    {
        quint64 database;
        QString name;
        std::weak_ptr<ConnectionRegistry> registry;
    };
    quint64 threadSerial = nextThreadSerial.fetch_add(1);
    std::vector<Entry> entries;
    bool hooked = false;

    ~ThreadConnections() { clear(); }
    void clear()
    {
        for (const Entry &entry : entries)
            if (auto registry = entry.registry.lock())
                registry->remove(entry.name);
        entries.clear();
    }
};

thread_local ThreadConnections threadConnections;

} // namespace

// Checkpoints after this many commits, or a second after the last one unless it has run since.
constexpr int commitsPerCheckpoint = 16;

struct Database::Checkpointer
{
    std::mutex mutex;
    std::condition_variable wake;
    int commits = 0;
    bool stopping = false;
    std::thread thread;

    void run(Database &database)
    {
        pthread_setname_np(pthread_self(), "baton-wal");
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait_for(lock, std::chrono::seconds(1),
                          [this] { return stopping || commits >= commitsPerCheckpoint; });
            if (stopping)
                break;
            if (commits == 0)
                continue;
            commits = 0;
            lock.unlock();
            // PASSIVE: copies what no reader still needs and never blocks the writer; the
            // writer starts the WAL over once everything in it is copied.
            if (auto db = database.connection())
                (void)runQuery(*db, QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"));
            lock.lock();
        }
        lock.unlock();
        database.closeThreadConnection();
    }
};

Database::Database(DatabaseUrl url)
    : m_url(std::move(url))
    , m_serial(nextSerial.fetch_add(1))
    , m_registry(std::make_shared<ConnectionRegistry>())
{
}

void Database::noteCommit()
{
    if (!m_url.isSqlite())
        return;
    std::call_once(m_checkpointerStarted, [this] {
        m_checkpointer = std::make_unique<Checkpointer>();
        m_checkpointer->thread = std::thread([this] { m_checkpointer->run(*this); });
    });
    std::lock_guard lock(m_checkpointer->mutex);
    if (++m_checkpointer->commits == commitsPerCheckpoint)
        m_checkpointer->wake.notify_one();
}

Database::~Database()
{
    if (m_checkpointer) {
        {
            std::lock_guard lock(m_checkpointer->mutex);
            m_checkpointer->stopping = true;
            m_checkpointer->wake.notify_one();
        }
        m_checkpointer->thread.join();
    }
    QMutexLocker lock(&m_registry->mutex);
    for (const QString &name : std::as_const(m_registry->names))
        QSqlDatabase::removeDatabase(name);
    m_registry->names.clear();
}

Result<std::shared_ptr<Database>> Database::open(const QString &url)
{
    auto parsed = DatabaseUrl::parse(url);
    if (!parsed)
        return parsed.failure();
    auto database = std::make_shared<Database>(std::move(parsed.value()));
    auto connection = database->connection();
    if (!connection)
        return connection.failure();
    return database;
}

Result<QSqlDatabase> Database::connection()
{
    auto &entries = threadConnections.entries;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (it->database != m_serial)
            continue;
        QSqlDatabase db = QSqlDatabase::database(it->name, false);
        if (db.isValid() && db.isOpen())
            return db;
        m_registry->remove(it->name);
        entries.erase(it);
        break;
    }
    if (!threadConnections.hooked) {
        // QThread::wait() returns before thread-local destructors run; close on `finished`
        // (emitted in the ending thread) so a joined thread's connection is really gone.
        threadConnections.hooked = true;
        QThread *thread = QThread::currentThread();
        QObject::connect(
            thread, &QThread::finished, thread, [] { threadConnections.clear(); },
            Qt::DirectConnection);
    }
    const QString name
        = QStringLiteral("baton.%1.%2").arg(m_serial).arg(threadConnections.threadSerial);
    auto db = openConnection(name);
    if (!db) {
        QSqlDatabase::removeDatabase(name);
        return db;
    }
    {
        QMutexLocker lock(&m_registry->mutex);
        m_registry->names.insert(name);
    }
    entries.push_back({m_serial, name, m_registry});
    return db;
}

void Database::closeThreadConnection()
{
    auto &entries = threadConnections.entries;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (it->database == m_serial) {
            m_registry->remove(it->name);
            entries.erase(it);
            return;
        }
    }
}

Result<QSqlDatabase> Database::openConnection(const QString &name)
{
    if (m_url.isSqlite()) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        if (!db.isValid())
            return makeError(QStringLiteral("the Qt SQLite driver (QSQLITE) is not available; "
                                            "install libqt6sql6-sqlite"));
        const QFileInfo file(m_url.path);
        if (!file.dir().exists() && !QDir().mkpath(file.absolutePath()))
            return makeError(QStringLiteral("cannot create the folder of %1").arg(m_url.path));
        db.setDatabaseName(m_url.path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        if (!db.open())
            return makeError(QStringLiteral("cannot open %1: %2")
                                 .arg(m_url.toDisplayString(), db.lastError().text()));
        // The driver has no option for these; every connection sets them itself. The engine's
        // commits are checkpointed in the background (noteCommit); the automatic checkpoint,
        // which runs inside a writer's commit, only bounds the WAL (80 MB) should that fall
        // behind or other writers fill it.
        const char *pragmas[]
            = {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
               "PRAGMA busy_timeout=10000", "PRAGMA wal_autocheckpoint=20000"};
        for (const char *pragma : pragmas) {
            auto result = runQuery(db, QString::fromLatin1(pragma));
            if (!result)
                return result.failure();
        }
        return db;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    if (!db.isValid())
        return makeError(QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not available; "
                                        "install libqt6sql6-psql"));
    db.setHostName(m_url.host);
    db.setPort(m_url.port);
    db.setUserName(m_url.user);
    db.setPassword(m_url.password);
    db.setDatabaseName(m_url.databaseName);
    if (!db.open())
        return makeError(QStringLiteral("cannot connect to %1: %2")
                             .arg(m_url.toDisplayString(), db.lastError().text()));
    auto result = runQuery(db, QStringLiteral("SET client_min_messages TO warning"));
    if (!result)
        return result.failure();
    return db;
}

Result<QSqlQuery> prepareQuery(const QSqlDatabase &db, const QString &sql)
{
    // QPSQL's prepared queries write the values into the EXECUTE's text: bind them through
    // libpq instead.
    QSqlQuery query = db.driverName() == u"QPSQL" ? postgreSqlStatement(db) : QSqlQuery(db);
    if (!query.prepare(sql)) {
        const QString message = query.lastError().text();
        qCWarning(lcStore).noquote() << "prepare failed:" << message << "in" << sql;
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    return query;
}

Result<void> execQuery(QSqlQuery &query)
{
    if (!query.exec()) {
        const QString message = query.lastError().text();
        qCWarning(lcStore).noquote() << "query failed:" << message << "in" << query.lastQuery();
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    return {};
}

namespace {

// Runs `sql`, which has no placeholders, as a plain (not prepared) statement.
Result<QSqlQuery> execPlain(const QSqlDatabase &db, const QString &sql, QString *errorCode)
{
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        if (errorCode)
            *errorCode = query.lastError().nativeErrorCode();
        const QString message = query.lastError().text();
        qCWarning(lcStore).noquote() << "query failed:" << message << "in" << sql;
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    return query;
}

} // namespace

Result<QSqlQuery> runQuery(const QSqlDatabase &db, const QString &sql, const QVariantList &values,
                           QString *errorCode)
{
    // Not prepared: QPSQL prepares server-side, and PostgreSQL cannot PREPARE DDL or SET.
    if (values.isEmpty())
        return execPlain(db, sql, errorCode);
    if (db.driverName() == u"QPSQL") {
        // QPSQL runs a prepared statement as three round trips (PREPARE, EXECUTE, DEALLOCATE)
        // and writes the values into the EXECUTE's text; libpq binds them in one.
        return runPostgreSqlQuery(db, sql, values.constData(), values.size(), errorCode);
    }
    // Neither database stores U+0000 in text: PostgreSQL cannot, so SQLite refuses it too.
    if (auto nul = findNulInText(values.constData(), values.size())) {
        const QString message = nulInTextError(*nul, sql);
        qCWarning(lcStore).noquote() << "query failed:" << message;
        if (errorCode)
            *errorCode = nulInTextSqlState;
        return makeError(message);
    }
    auto query = prepareQuery(db, sql);
    if (!query)
        return query;
    for (const QVariant &value : values)
        query->addBindValue(value);
    auto result = execQuery(*query);
    if (!result) {
        if (errorCode)
            *errorCode = query->lastError().nativeErrorCode();
        return result.failure();
    }
    return query;
}

Transaction::Transaction(QSqlDatabase db)
    : m_db(std::move(db))
{
    const bool sqlite = m_db.driverName() == u"QSQLITE";
    QSqlQuery query(m_db);
    if (query.exec(sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"))) {
        m_active = true;
    } else {
        m_error = query.lastError().text();
        qCWarning(lcStore).noquote() << "BEGIN failed:" << m_error;
    }
}

Transaction::~Transaction()
{
    if (m_active)
        rollback();
}

Result<void> Transaction::commit()
{
    if (!m_active)
        return makeError(QStringLiteral("database error: no transaction (%1)").arg(m_error));
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("COMMIT"))) {
        m_error = query.lastError().text();
        qCWarning(lcStore).noquote() << "COMMIT failed:" << m_error;
        rollback();
        return makeError(QStringLiteral("database error: %1").arg(m_error));
    }
    m_active = false;
    return {};
}

void Transaction::rollback()
{
    if (!m_active)
        return;
    m_active = false;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("ROLLBACK")))
        qCWarning(lcStore).noquote() << "ROLLBACK failed:" << query.lastError().text();
}

Result<QList<qint64>> runIdQuery(const QSqlDatabase &db, const QString &sql,
                                 const QVariantList &values)
{
    auto rows = runQuery(db, sql, values);
    if (!rows)
        return rows.failure();
    QList<qint64> ids;
    while (rows->next())
        ids.append(rows->value(0).toLongLong());
    return ids;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/databaseurl.h"

#include <QSqlDatabase>
#include <QSqlQuery>

#include <memory>
#include <mutex>

namespace Baton {

struct ConnectionRegistry; // database.cpp

/// One database (SQLite file or PostgreSQL database) shared by the whole process. Qt Sql
/// connections may only be used by the thread that opened them, so each thread gets its own
/// connection, opened on first use and closed when the thread ends or the Database is destroyed.
/// SQLite connections run in WAL mode with synchronous=FULL: a commit is on disk when it returns.
class Database
{
public:
    explicit Database(DatabaseUrl url);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    /// Parses the URL and checks that a connection can be made.
    static Result<std::shared_ptr<Database>> open(const QString &url);

    const DatabaseUrl &url() const { return m_url; }
    bool isSqlite() const { return m_url.isSqlite(); }
    bool isPostgreSql() const { return m_url.isPostgreSql(); }

    /// The calling thread's connection, opened (and configured) on first use. Do not keep the
    /// handle beyond the current call chain, and never hand it to another thread.
    Result<QSqlDatabase> connection();

    /// Closes the calling thread's connection, if any (for threads that stay alive idle).
    void closeThreadConnection();

    /// Tells that a write transaction committed. On SQLite the pages it added to the WAL are
    /// copied into the database file by a checkpoint on a thread of its own, so that a group
    /// commit never waits for a checkpoint (writers otherwise run one when the WAL is full).
    void noteCommit();

private:
    Result<QSqlDatabase> openConnection(const QString &name);
    struct Checkpointer;
    std::unique_ptr<Checkpointer> m_checkpointer;
    std::once_flag m_checkpointerStarted;

    DatabaseUrl m_url;
    quint64 m_serial;
    std::shared_ptr<ConnectionRegistry> m_registry;
};

/// Prepares `sql` on `db`; the error names the statement. Statements take bound values only,
/// which never enter the statement's text (on PostgreSQL: postgreSqlStatement(), a named
/// statement per connection run through libpq).
Result<QSqlQuery> prepareQuery(const QSqlDatabase &db, const QString &sql);
/// Executes a prepared query, logging lastError() under baton.store on failure.
Result<void> execQuery(QSqlQuery &query);
/// Prepares and executes `sql` with positional `values`, bound as parameters (on PostgreSQL
/// through libpq in one round trip: postgresqlquery.h); values never enter the statement's
/// text. A text value holding U+0000 is refused on both databases with an error naming the
/// value (SQLSTATE 22021), nothing run. On failure, errorCode (optional) receives the driver's
/// code (PostgreSQL: the SQLSTATE, such as 40P01 for a deadlock).
Result<QSqlQuery> runQuery(const QSqlDatabase &db, const QString &sql,
                           const QVariantList &values = {}, QString *errorCode = nullptr);

/// A scoped transaction in the style of Cutelyst's Sql::Transaction: begun on construction,
/// rolled back on destruction unless commit() succeeded. SQLite transactions are BEGIN
/// IMMEDIATE so two writers queue on the lock up front instead of failing to upgrade later.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    /// Whether BEGIN succeeded; if not, error() says why.
    bool isActive() const { return m_active; }
    const QString &error() const { return m_error; }
    Result<void> commit();
    void rollback();

private:
    QSqlDatabase m_db;
    bool m_active = false;
    QString m_error;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>

namespace Baton {

/// A parsed `--db` URL: `sqlite:PATH` or
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?host=/socket/dir]`.
struct DatabaseUrl
{
    enum class Driver { Sqlite, PostgreSql };

    Driver driver = Driver::Sqlite;
    QString path; ///< SQLite: the database file
    QString user;
    QString password;
    QString host; ///< PostgreSQL: a host name, or a unix-socket directory (starts with '/')
    int port = 5432;
    QString databaseName;

    static Result<DatabaseUrl> parse(const QString &text);
    /// The URL again, with the password masked; for logs and messages.
    QString toDisplayString() const;
    bool isSqlite() const { return driver == Driver::Sqlite; }
    bool isPostgreSql() const { return driver == Driver::PostgreSql; }
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitestatement.h"

#include "store/boundvalues.h"
#include "store/storelog.h"

#include <QSqlDriver>

#include <sqlite3.h>

#include <utility>

namespace Baton {

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement); // a no-op on nullptr
}

SqliteStatement::SqliteStatement(SqliteStatement &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
    , m_statement(std::exchange(other.m_statement, nullptr))
    , m_texts(std::move(other.m_texts))
{
}

SqliteStatement &SqliteStatement::operator=(SqliteStatement &&other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_db = std::exchange(other.m_db, nullptr);
        m_statement = std::exchange(other.m_statement, nullptr);
        m_texts = std::move(other.m_texts);
    }
    return *this;
}

Result<SqliteStatement> SqliteStatement::prepare(const QSqlDatabase &db, const QString &sql)
{
    // Qt documents the driver's handle as a QVariant holding the sqlite3 pointer.
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return makeError(QStringLiteral("database error: not an open SQLite connection"));
    sqlite3 *connection = *static_cast<sqlite3 *const *>(handle.constData());
    if (!connection)
        return makeError(QStringLiteral("database error: the SQLite connection is closed"));
    SqliteStatement statement;
    statement.m_db = connection;
    const QByteArray text = sql.toUtf8();
    if (sqlite3_prepare_v3(connection, text.constData(), int(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &statement.m_statement, nullptr)
        != SQLITE_OK) {
        const QString message = QString::fromUtf8(sqlite3_errmsg(connection));
        qCWarning(lcStore).noquote() << "prepare failed:" << message << "in" << sql;
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    return statement;
}

namespace {

// SQLite's result code in the SQLSTATE classes the writer tells refused rows by.
QString sqlStateOf(int extendedCode)
{
    switch (extendedCode & 0xff) {
    case SQLITE_CONSTRAINT:
        return QStringLiteral("23000");
    case SQLITE_TOOBIG:
        return QStringLiteral("54000");
    case SQLITE_MISMATCH:
        return QStringLiteral("22000");
    default:
        return QStringLiteral("sqlite %1").arg(extendedCode);
    }
}

} // namespace

Result<void> SqliteStatement::checkValues(const QVariant *values, qsizetype count,
                                          QString *errorCode) const
{
    if (!m_statement)
        return makeError(QStringLiteral("database error: statement not prepared"));
    if (count != sqlite3_bind_parameter_count(m_statement)) {
        // A gap would run as NULL; refuse it as Qt's drivers do.
        const QString message = QStringLiteral("%1 values for %2 placeholders")
                                    .arg(count)
                                    .arg(sqlite3_bind_parameter_count(m_statement));
        qCWarning(lcStore).noquote()
            << "query failed:" << message << "in" << QString::fromUtf8(sqlite3_sql(m_statement));
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    if (auto nul = findNulInText(values, count)) {
        const QString message = nulInTextError(*nul, QString::fromUtf8(sqlite3_sql(m_statement)));
        qCWarning(lcStore).noquote() << "query failed:" << message;
        if (errorCode)
            *errorCode = nulInTextSqlState;
        return makeError(message);
    }
    return {};
}

int SqliteStatement::bind(int position, const QVariant &value)
{
    if (value.isNull())
        return sqlite3_bind_null(m_statement, position);
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Long:
    case QMetaType::ULong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Bool:
        return sqlite3_bind_int64(m_statement, position, value.toLongLong());
    case QMetaType::Double:
    case QMetaType::Float:
        return sqlite3_bind_double(m_statement, position, value.toDouble());
    case QMetaType::QByteArray: {
        const QByteArray &bytes = m_texts.emplace_back(value.toByteArray());
        return sqlite3_bind_blob64(m_statement, position, bytes.constData(),
                                   sqlite3_uint64(bytes.size()), SQLITE_STATIC);
    }
    default: {
        const QByteArray &text = m_texts.emplace_back(value.toString().toUtf8());
        return sqlite3_bind_text64(m_statement, position, text.constData(),
                                   sqlite3_uint64(text.size()), SQLITE_STATIC, SQLITE_UTF8);
    }
    }
}

Result<SqliteStatement::Outcome> SqliteStatement::run(const QVariant *values, qsizetype count,
                                                      QString *errorCode)
{
    if (auto checked = checkValues(values, count, errorCode); !checked)
        return Error {checked.error()};
    m_texts.reserve(size_t(count)); // empty: every run clears it when done
    int rc = SQLITE_OK;
    for (int i = 0; i < count && rc == SQLITE_OK; ++i)
        rc = bind(i + 1, values[i]);
    Outcome outcome;
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(m_statement)) == SQLITE_ROW)
            if (!outcome.firstValue)
                outcome.firstValue = sqlite3_column_int64(m_statement, 0);
    }
    const bool failed = rc != SQLITE_DONE;
    QString message;
    if (failed) {
        message = QString::fromUtf8(sqlite3_errmsg(m_db));
        if (errorCode)
            *errorCode = sqlStateOf(sqlite3_extended_errcode(m_db));
    } else
        outcome.rowsChanged = sqlite3_changes64(m_db);
    sqlite3_reset(m_statement);
    // Every run binds every placeholder (the count is checked above), so the bindings need no
    // clearing; the texts they pointed at go now.
    m_texts.clear();
    if (failed) {
        qCWarning(lcStore).noquote()
            << "query failed:" << message << "in" << QString::fromUtf8(sqlite3_sql(m_statement));
        return makeError(QStringLiteral("database error: %1").arg(message));
    }
    return outcome;
}

} // namespace Baton

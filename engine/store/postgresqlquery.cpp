// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresqlquery.h"

#include "store/boundvalues.h"
#include "store/storelog.h"

#include <QDateTime>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
#include <QSqlRecord>
#include <QSqlResult>
#include <QTimeZone>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <optional>
#include <vector>

namespace Baton {

namespace {

// PostgreSQL's type oids (pg_type.dat): stable across versions.
enum Oid : ::Oid {
    unknownOid = 0,
    boolOid = 16,
    byteaOid = 17,
    int8Oid = 20,
    int2Oid = 21,
    int4Oid = 23,
    regprocOid = 24,
    oidOid = 26,
    xidOid = 28,
    cidOid = 29,
    float4Oid = 700,
    float8Oid = 701,
    dateOid = 1082,
    timeOid = 1083,
    timestampOid = 1114,
    timestamptzOid = 1184,
    numericOid = 1700,
};

// The Qt type QPSQL gives a column of this type, so that rows read the same either way.
QMetaType::Type qtTypeOf(::Oid type)
{
    switch (type) {
    case boolOid:
        return QMetaType::Bool;
    case int8Oid:
    case oidOid:
    case regprocOid:
    case xidOid:
    case cidOid:
        return QMetaType::LongLong;
    case int2Oid:
    case int4Oid:
        return QMetaType::Int;
    case float4Oid:
    case float8Oid:
    case numericOid:
        return QMetaType::Double;
    case dateOid:
        return QMetaType::QDate;
    case timeOid:
        return QMetaType::QTime;
    case timestampOid:
    case timestamptzOid:
        return QMetaType::QDateTime;
    case byteaOid:
        return QMetaType::QByteArray;
    default:
        return QMetaType::QString;
    }
}

// The rows of one PGresult, behind a QSqlQuery (which owns it): callers read them with
// next() and value() as they read QPSQL's.
class PostgreSqlRows : public QSqlResult
{
public:
    PostgreSqlRows(const QSqlDriver *driver, PGresult *result)
        : QSqlResult(driver)
    {
        setNumericalPrecisionPolicy(driver->numericalPrecisionPolicy());
        take(result);
    }
    ~PostgreSqlRows() override { PQclear(m_result); }

protected:
    /// Reads `result` from now on (owning it; null: no rows, inactive).
    void take(PGresult *result)
    {
        PQclear(m_result);
        m_result = result;
        m_rows = result ? PQntuples(result) : 0;
        m_affected = result ? std::atoi(PQcmdTuples(result)) : 0; // "" (no count) reads as 0
        setSelect(result && PQresultStatus(result) == PGRES_TUPLES_OK);
        setActive(result != nullptr);
        setAt(QSql::BeforeFirstRow);
    }
    QVariant data(int field) override
    {
        const ::Oid type = PQftype(m_result, field);
        const QMetaType::Type qtType = qtTypeOf(type);
        if (PQgetisnull(m_result, at(), field))
            return QVariant(QMetaType(qtType));
        const char *text = PQgetvalue(m_result, at(), field);
        const int length = PQgetlength(m_result, at(), field);
        switch (qtType) {
        case QMetaType::Bool:
            return text[0] == 't';
        case QMetaType::LongLong:
            return qlonglong(std::strtoll(text, nullptr, 10));
        case QMetaType::Int:
            return int(std::strtol(text, nullptr, 10));
        case QMetaType::Double:
            if (type == numericOid && numericalPrecisionPolicy() == QSql::HighPrecision)
                return QString::fromLatin1(text, length);
            return number(type, text);
        case QMetaType::QDate:
            return QDate::fromString(QString::fromLatin1(text, length), Qt::ISODate);
        case QMetaType::QTime:
            return QTime::fromString(QString::fromLatin1(text, length), Qt::ISODateWithMs);
        case QMetaType::QDateTime: {
            // ISO dates (QPSQL sets DateStyle ISO); "+00" zones as Qt reads "+00:00".
            QString iso = QString::fromLatin1(text, length).replace(u' ', u'T');
            if (type == timestamptzOid && iso.size() > 3
                && (iso[iso.size() - 3] == u'+' || iso[iso.size() - 3] == u'-'))
                iso += QStringLiteral(":00");
            QDateTime instant = QDateTime::fromString(iso, Qt::ISODateWithMs);
            return type == timestamptzOid ? instant.toLocalTime() : instant;
        }
        case QMetaType::QByteArray: {
            size_t size = 0;
            unsigned char *bytes
                = PQunescapeBytea(reinterpret_cast<const unsigned char *>(text), &size);
            QByteArray value(reinterpret_cast<const char *>(bytes), qsizetype(size));
            PQfreemem(bytes);
            return value;
        }
        default:
            return QString::fromUtf8(text, length);
        }
    }
    bool isNull(int field) override { return PQgetisnull(m_result, at(), field); }
    bool reset(const QString &) override { return false; } // runs once; runQuery again
    bool fetch(int row) override
    {
        if (row < 0 || row >= m_rows)
            return false;
        setAt(row);
        return true;
    }
    bool fetchFirst() override { return fetch(0); }
    bool fetchLast() override { return fetch(m_rows - 1); }
    int size() override { return isSelect() ? m_rows : -1; }
    int numRowsAffected() override { return m_affected; }
    QSqlRecord record() const override
    {
        QSqlRecord fields;
        if (!m_result)
            return fields;
        for (int i = 0; i < PQnfields(m_result); ++i)
            fields.append(QSqlField(QString::fromUtf8(PQfname(m_result, i)),
                                    QMetaType(qtTypeOf(PQftype(m_result, i)))));
        return fields;
    }

private:
    QVariant number(::Oid type, const char *text) const
    {
        char *end = nullptr;
        const double value = std::strtod(text, &end); // also reads NaN, Infinity, -Infinity
        if (type != numericOid)
            return value;
        switch (numericalPrecisionPolicy()) {
        case QSql::LowPrecisionInt32:
            return int(value);
        case QSql::LowPrecisionInt64:
            return qlonglong(value);
        default:
            return value;
        }
    }

    PGresult *m_result = nullptr;
    int m_rows = 0;
    int m_affected = 0;
};

PGconn *connectionOf(const QSqlDriver *driver)
{
    // Qt documents the driver's handle as a QVariant holding libpq's PGconn pointer; Qt 6.4
    // names its type by the struct behind the typedef.
    const QVariant handle = driver ? driver->handle() : QVariant();
    if (!handle.isValid()
        || (qstrcmp(handle.typeName(), "PGconn*") != 0
            && qstrcmp(handle.typeName(), "pg_conn*") != 0))
        return nullptr;
    return *static_cast<PGconn *const *>(handle.constData());
}

// `sql` with each `?` outside string literals numbered $1, $2, ...; the count in `count`.
QByteArray numbered(const QString &sql, qsizetype &count)
{
    QByteArray text;
    text.reserve(sql.size() + sql.size() / 4);
    bool inString = false;
    count = 0;
    for (const QChar c : sql) {
        if (c == u'\'')
            inString = !inString;
        if (c == u'?' && !inString) {
            text += '$';
            text += QByteArray::number(++count);
        } else if (c.unicode() < 0x80) {
            text += char(c.unicode());
        } else {
            text += QString(c).toUtf8(); // surrogate pairs: each half alone is not UTF-8
        }
    }
    return text;
}

// Every value as libpq wants it: text (or bytes) that live until the statement ran.
struct Parameters
{
    std::vector<QByteArray> texts;
    std::vector<const char *> values;
    std::vector<int> lengths, formats;
    std::vector<::Oid> types;

    explicit Parameters(qsizetype count)
    {
        texts.resize(size_t(count));
        values.resize(size_t(count));
        lengths.resize(size_t(count));
        formats.resize(size_t(count));
        types.resize(size_t(count));
    }

    void set(size_t i, const QVariant &value)
    {
        ::Oid type = unknownOid;
        int format = 0;
        QByteArray &text = texts[i];
        switch (value.typeId()) {
        case QMetaType::Bool:
            type = boolOid;
            text = value.toBool() ? QByteArrayLiteral("t") : QByteArrayLiteral("f");
            break;
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Short:
        case QMetaType::UShort:
        case QMetaType::Long:
        case QMetaType::ULong:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
            type = int8Oid;
            text = QByteArray::number(value.toLongLong());
            break;
        case QMetaType::Double:
        case QMetaType::Float:
            type = float8Oid;
            text = QByteArray::number(value.toDouble(), 'g', 17);
            if (text == "inf")
                text = "Infinity";
            else if (text == "-inf")
                text = "-Infinity";
            else if (text == "nan")
                text = "NaN";
            break;
        case QMetaType::QByteArray:
            type = byteaOid;
            format = 1; // raw bytes, no escaping
            text = value.toByteArray();
            break;
        case QMetaType::QDateTime:
            type = timestamptzOid;
            text = value.toDateTime().toUTC().toString(Qt::ISODateWithMs).toUtf8();
            break;
        case QMetaType::QDate:
            type = dateOid;
            text = value.toDate().toString(Qt::ISODate).toUtf8();
            break;
        case QMetaType::QTime:
            type = timeOid;
            text = value.toTime().toString(Qt::ISODateWithMs).toUtf8();
            break;
        default: // text, untyped like a quoted literal
            text = value.toString().toUtf8();
            break;
        }
        types[i] = type;
        formats[i] = format;
        if (value.isNull()) {
            values[i] = nullptr;
            lengths[i] = 0;
        } else {
            values[i] = text.constData();
            lengths[i] = int(text.size());
        }
    }
};

// Why a statement failed, if it did (the result is then freed).
struct Failure
{
    QString message;
    QString sqlState;
};
std::optional<Failure> failureOf(PGconn *connection, PGresult *result)
{
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return std::nullopt;
    Failure failure {
        QString::fromUtf8(result ? PQresultErrorMessage(result) : PQerrorMessage(connection))
            .trimmed(),
        {}};
    if (const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr)
        failure.sqlState = QString::fromLatin1(state);
    PQclear(result);
    return failure;
}

// Names of prepared statements: unique in the process, so on any connection.
std::atomic<quint64> lastStatementName {0};

// A query prepared on the server once per connection and per types of its values (a named
// statement: PQprepare, then PQexecPrepared for each exec(): one round trip, values bound as
// in runPostgreSqlQuery, never written into the statement's text). QPSQL's own prepared
// queries run `EXECUTE name (literal, ...)`, the values written in.
class PostgreSqlStatement final : public PostgreSqlRows
{
public:
    explicit PostgreSqlStatement(const QSqlDriver *driver)
        : PostgreSqlRows(driver, nullptr)
    {
    }
    ~PostgreSqlStatement() override { deallocate(); }

protected:
    bool prepare(const QString &sql) override
    {
        deallocate(); // prepared again with other text
        take(nullptr);
        m_sql = sql;
        m_text = numbered(sql, m_placeholders);
        return true; // the server parses it at the first exec(), with the values' types
    }
    bool exec() override;
    void detachFromResultSet() override { take(nullptr); }

private:
    struct Prepared
    {
        std::vector<::Oid> types;
        QByteArray name;
    };
    bool fail(const QString &message, const QString &sqlState)
    {
        setLastError(QSqlError(QString(), message, QSqlError::StatementError, sqlState));
        return false;
    }
    // Drops the statements from the server, if the connection they were prepared on is
    // still the driver's and can take a command (a failed transaction drops nothing more).
    void deallocate()
    {
        PGconn *connection = connectionOf(driver());
        if (connection && connection == m_preparedOn && PQstatus(connection) == CONNECTION_OK
            && PQtransactionStatus(connection) != PQTRANS_INERROR)
            for (const Prepared &p : m_prepared)
                PQclear(PQexec(connection, QByteArray("DEALLOCATE " + p.name).constData()));
        m_prepared.clear();
        m_preparedOn = nullptr;
    }

    QString m_sql;
    QByteArray m_text; ///< m_sql with $1, $2, ...
    qsizetype m_placeholders = 0;
    PGconn *m_preparedOn = nullptr; ///< the connection m_prepared live on
    std::vector<Prepared> m_prepared;
};

bool PostgreSqlStatement::exec()
{
    take(nullptr);
    const QList<QVariant> &values = boundValues();
    const qsizetype count = values.size();
    PGconn *connection = connectionOf(driver());
    if (!connection || PQstatus(connection) != CONNECTION_OK)
        return fail(QStringLiteral("not an open PostgreSQL connection"), QStringLiteral("08003"));
    if (auto nul = findNulInText(values.constData(), count))
        return fail(nulInTextError(*nul, m_sql), nulInTextSqlState);
    if (m_placeholders != count || count > 65535)
        return fail(QStringLiteral("%1 values for %2 placeholders").arg(count).arg(m_placeholders),
                    QStringLiteral("07001"));
    Parameters parameters(count);
    for (qsizetype i = 0; i < count; ++i)
        parameters.set(size_t(i), values[i]);
    if (connection != m_preparedOn) { // closed and opened again: nothing is prepared there
        m_prepared.clear();
        m_preparedOn = connection;
    }
    for (int attempt = 0;; ++attempt) {
        auto it = std::find_if(m_prepared.begin(), m_prepared.end(),
                               [&](const Prepared &p) { return p.types == parameters.types; });
        if (it == m_prepared.end()) {
            Prepared p {parameters.types, "baton_" + QByteArray::number(++lastStatementName)};
            if (auto failed = failureOf(connection,
                                        PQprepare(connection, p.name.constData(),
                                                  m_text.constData(), int(count), p.types.data())))
                return fail(failed->message, failed->sqlState);
            it = m_prepared.insert(m_prepared.end(), std::move(p));
        }
        PGresult *result
            = PQexecPrepared(connection, it->name.constData(), int(count), parameters.values.data(),
                             parameters.lengths.data(), parameters.formats.data(), 0);
        auto failed = failureOf(connection, result);
        if (!failed) {
            take(result);
            return true;
        }
        // 26000: the statement is gone (DEALLOCATE ALL, DISCARD ALL): prepare it again once.
        if (failed->sqlState == u"26000" && attempt == 0) {
            m_prepared.erase(it);
            continue;
        }
        return fail(failed->message, failed->sqlState);
    }
}

} // namespace

QSqlQuery postgreSqlStatement(const QSqlDatabase &db)
{
    return QSqlQuery(new PostgreSqlStatement(db.driver()));
}

Result<QSqlQuery> runPostgreSqlQuery(const QSqlDatabase &db, const QString &sql,
                                     const QVariant *values, qsizetype count, QString *errorCode)
{
    auto refuse = [&](const QString &message, const QString &code) -> Result<QSqlQuery> {
        if (errorCode)
            *errorCode = code;
        qCWarning(lcStore).noquote() << "query failed:" << message << "in" << sql;
        return makeError(message.startsWith(u"database error:")
                             ? message
                             : QStringLiteral("database error: %1").arg(message));
    };
    PGconn *connection = connectionOf(db.driver());
    if (!connection || PQstatus(connection) != CONNECTION_OK)
        return refuse(QStringLiteral("not an open PostgreSQL connection"), QStringLiteral("08003"));
    if (auto nul = findNulInText(values, count))
        return refuse(nulInTextError(*nul, sql), nulInTextSqlState);
    qsizetype placeholders = 0;
    const QByteArray text = numbered(sql, placeholders);
    if (placeholders != count || count > 65535)
        return refuse(QStringLiteral("%1 values for %2 placeholders").arg(count).arg(placeholders),
                      QStringLiteral("07001"));
    Parameters parameters(count);
    for (qsizetype i = 0; i < count; ++i)
        parameters.set(size_t(i), values[i]);
    PGresult *result = PQexecParams(connection, text.constData(), int(count),
                                    parameters.types.data(), parameters.values.data(),
                                    parameters.lengths.data(), parameters.formats.data(), 0);
    if (auto failed = failureOf(connection, result))
        return refuse(failed->message, failed->sqlState);
    return QSqlQuery(new PostgreSqlRows(db.driver(), result));
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMap>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace Baton {

/// What kind of failure an Error is: the one classification every module uses, so that the API
/// maps a kind to its HTTP status and code in one place (api/apierror.h) and nobody else needs a
/// failure type of their own.
enum class ErrorKind {
    Internal, ///< unexpected: the database or the system failed (the default)
    Unavailable, ///< a resource is busy or not there now; the same request may succeed later
    BadRequest, ///< the request is malformed (unknown names, wrong types)
    Unauthorized, ///< no or bad credentials
    Forbidden, ///< the caller may not do this
    NotFound, ///< no such thing, or one the caller may not see
    Conflict, ///< the thing changed meanwhile, or already exists
    Validation, ///< well-formed but against the rules (fields says which)
    RateLimited, ///< too many attempts
};

/// The failure half of a Result: a kind, a human-readable message and, for Validation (and the
/// other refusals of a request), the fields at fault: field name → message.
struct Error
{
    QString message;
    ErrorKind kind = ErrorKind::Internal;
    QMap<QString, QString> fields;
};

/// An Internal failure: what the database and the system report.
inline Error makeError(QString message)
{
    return Error {std::move(message), ErrorKind::Internal, {}};
}

/// A failure of the given kind (a refusal: the caller can do something about it).
inline Error makeError(ErrorKind kind, QString message, QMap<QString, QString> fields = {})
{
    return Error {std::move(message), kind, std::move(fields)};
}

/// A value or an error, in the style of std::expected (not in g++ 12). Modules return it
/// instead of throwing across their boundaries. A Result<std::optional<T>> is used only where
/// absence is a normal answer the caller acts on, not a failure (see the function's comment).
template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_data(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_data(std::in_place_index<1>, std::move(error))
    {
    }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    /// The failure (only when !ok()).
    const Error &failure() const { return std::get<1>(m_data); }
    /// The failure's message (only when !ok()).
    const QString &error() const { return failure().message; }

private:
    std::variant<T, Error> m_data;
};

/// Result of an operation that yields nothing but may fail.
template<> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {
    }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &failure() const { return *m_error; }
    const QString &error() const { return m_error->message; }

private:
    std::optional<Error> m_error;
};

} // namespace Baton

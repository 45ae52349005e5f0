// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/apierror.h"

#include <QJsonObject>
#include <QLoggingCategory>

namespace Baton::Api {

Q_DECLARE_LOGGING_CATEGORY(lcApi)

int httpStatus(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::BadRequest:
        return 400;
    case ErrorKind::Unauthorized:
        return 401;
    case ErrorKind::Forbidden:
        return 403;
    case ErrorKind::NotFound:
        return 404;
    case ErrorKind::Conflict:
        return 409;
    case ErrorKind::Validation:
        return 422;
    case ErrorKind::RateLimited:
        return 429;
    case ErrorKind::Internal:
    case ErrorKind::Unavailable:
        break;
    }
    return 503;
}

QString errorCode(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::BadRequest:
        return QStringLiteral("bad_request");
    case ErrorKind::Unauthorized:
        return QStringLiteral("unauthenticated");
    case ErrorKind::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorKind::NotFound:
        return QStringLiteral("not_found");
    case ErrorKind::Conflict:
        return QStringLiteral("conflict");
    case ErrorKind::Validation:
        return QStringLiteral("validation_failed");
    case ErrorKind::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorKind::Internal:
    case ErrorKind::Unavailable:
        break;
    }
    return QStringLiteral("unavailable");
}

Http::ApiError apiError(const Error &error)
{
    if (error.kind == ErrorKind::Internal || error.kind == ErrorKind::Unavailable) {
        qCWarning(lcApi) << "storage:" << error.message;
        return {503, errorCode(error.kind), QStringLiteral("The database is not available."), {}};
    }
    QJsonObject details;
    if (!error.fields.isEmpty()) {
        QJsonObject fields;
        for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it)
            fields.insert(it.key(), it.value());
        details.insert(QStringLiteral("fields"), fields);
    }
    return {httpStatus(error.kind), errorCode(error.kind), error.message, details};
}

} // namespace Baton::Api

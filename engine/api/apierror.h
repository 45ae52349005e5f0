// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "http/httpresponse.h"

namespace Baton::Api {

/// The one place where a failure's kind becomes the API's status and code (interfaces.md
/// "Errors"): BadRequest 400 bad_request, Unauthorized 401 unauthenticated, Forbidden 403
/// forbidden, NotFound 404 not_found, Conflict 409 conflict, Validation 422 validation_failed,
/// RateLimited 429 rate_limited; `fields` go to details.fields. Internal and Unavailable
/// failures are the database's (or the system's): logged with their message and answered 503
/// unavailable "The database is not available.", so no internal detail reaches the client.
Http::ApiError apiError(const Error &error);

/// The status of a kind (Internal and Unavailable: 503).
int httpStatus(ErrorKind kind);
/// The code of a kind ("bad_request", "forbidden", ...; Internal and Unavailable: "unavailable").
QString errorCode(ErrorKind kind);

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httprequest.h"
#include "httpresponse.h"

#include <optional>

namespace Baton::Http {

/// Checks every API request passes before its route runs (interfaces.md, second edition),
/// kept apart from the routes so that no route can forget them.

/// U+0000 in the path or in a query parameter's name or value (`%00`): 400 naming the
/// parameter. Neither store can take it the same way (PostgreSQL text refuses it, SQLite keeps
/// it), so it never gets past the edge.
std::optional<ApiError> refuseNulInTarget(const HttpRequest &request);

/// The server's own origin as the client addressed it: `scheme://host[:port]` from the Host
/// header (or X-Forwarded-Host), the scheme `http` unless X-Forwarded-Proto says otherwise
/// (behind a TLS proxy), lower case, default ports left out. A page cannot set the forwarded
/// headers on a request to another origin without the server's consent (CORS), which Baton
/// never gives.
QByteArray ownOrigin(const HttpRequest &request);

/// What a state-changing route reads from its body.
/// File: a file upload in its own media type, which a form can send too; the origin rule
/// alone guards it.
enum class BodyType { Json, Yaml, File };

/// Request forgery from other origins, same site included (a page on another port of the same
/// host gets the SameSite=Strict cookie sent along). For POST, PUT, PATCH and DELETE:
/// - an `Origin` must be the server's own; without one, a `Sec-Fetch-Site` must say
///   `same-origin` → else 403 `forbidden_origin`;
/// - when the session cookie is what authenticates (`cookieAuthenticates`: the route needs a
///   session and no `Authorization: Bearer` is given), one of the two must be there, and the
///   Content-Type must be `application/json` (`application/yaml` for YAML routes), which no
///   form and no no-cors fetch can send → else 403 `forbidden_content_type`.
/// Programs with a bearer token and no Origin pass; so does sign-in without Origin (a script).
/// Other methods pass.
std::optional<ApiError> checkRequestOrigin(const HttpRequest &request, BodyType bodyType,
                                           bool cookieAuthenticates);

/// The WebSocket handshake of the live stream, when the session cookie authenticates it: its
/// `Origin` (browsers always send one) must be the server's own → else 403 `forbidden_origin`,
/// answered before any upgrade.
std::optional<ApiError> checkWebSocketOrigin(const HttpRequest &request, bool cookieAuthenticates);

} // namespace Baton::Http

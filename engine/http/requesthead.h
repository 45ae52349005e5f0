// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the HTTP server: a request head as the connection's checking layer read it.

#include <QByteArray>
#include <QByteArrayList>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace Baton::Http {

/// The request line and header fields of one request, before Qt's parser sees them.
struct RequestHead
{
    QByteArray method;
    QByteArray target; ///< as sent: path and query
    QByteArray version; ///< "HTTP/1.1" or "HTTP/1.0"
    QList<QPair<QByteArray, QByteArray>> headers; ///< lower-case names, trimmed values

    /// The first value of a header (lower-case name), or a null array.
    QByteArray header(QByteArrayView lowerName) const;
    qsizetype count(QByteArrayView lowerName) const;
    /// Whether a comma-separated header (every occurrence) lists the token (case-insensitive).
    bool hasToken(QByteArrayView lowerName, QByteArrayView token) const;
};

/// Whether the request asks to leave HTTP for a WebSocket: an Upgrade header names it. Such a
/// request must be a complete handshake (webSocketHandshakeProblem) or is refused. Other
/// upgrades (h2c) are ignored, as RFC 9110 allows: Qt 6.4 serves them as plain requests.
bool asksForWebSocket(const RequestHead &head);

/// Why a request that asks for an upgrade may not have one, or nothing for a complete, valid
/// WebSocket handshake (RFC 6455 4.1): GET, HTTP/1.1, a path in `paths`, exactly one
/// `Upgrade: websocket`, one Connection header listing `upgrade`, one Sec-WebSocket-Key that
/// is base64 of 16 bytes, `Sec-WebSocket-Version: 13`, and no body. Only such a request leaves
/// the HTTP limits (size, timeouts), so every further check of the handshake (Origin, say)
/// belongs here.
std::optional<QString> webSocketHandshakeProblem(const RequestHead &head,
                                                 const QByteArrayList &paths);

} // namespace Baton::Http

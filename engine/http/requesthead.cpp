// SPDX-License-Identifier: GPL-3.0-or-later
#include "requesthead.h"

namespace Baton::Http {

QByteArray RequestHead::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers)
        if (QByteArrayView(h.first) == lowerName)
            return h.second;
    return {};
}

qsizetype RequestHead::count(QByteArrayView lowerName) const
{
    qsizetype n = 0;
    for (const auto &h : headers)
        n += QByteArrayView(h.first) == lowerName ? 1 : 0;
    return n;
}

bool RequestHead::hasToken(QByteArrayView lowerName, QByteArrayView token) const
{
    for (const auto &h : headers) {
        if (QByteArrayView(h.first) != lowerName)
            continue;
        for (const QByteArray &part : h.second.split(','))
            if (token.compare(part.trimmed(), Qt::CaseInsensitive) == 0)
                return true;
    }
    return false;
}

bool asksForWebSocket(const RequestHead &head)
{
    for (const auto &h : head.headers)
        if (QByteArrayView(h.first) == "upgrade" && h.second.toLower().contains("websocket"))
            return true;
    return false;
}

std::optional<QString> webSocketHandshakeProblem(const RequestHead &head,
                                                 const QByteArrayList &paths)
{
    if (head.method != "GET" || head.version != "HTTP/1.1")
        return QStringLiteral("A WebSocket handshake is a GET over HTTP/1.1.");
    const qsizetype question = head.target.indexOf('?');
    const QByteArrayView path
        = question < 0 ? QByteArrayView(head.target) : QByteArrayView(head.target).first(question);
    if (!paths.contains(path.toByteArray()))
        return QStringLiteral("No WebSocket at this path.");
    if (head.count("upgrade") != 1
        || head.header("upgrade").compare("websocket", Qt::CaseInsensitive) != 0)
        return QStringLiteral("Only Upgrade: websocket is supported.");
    // Qt upgrades when the (combined) Connection value contains "upgrade"; one header whose
    // token list names it keeps both readings the same.
    if (head.count("connection") != 1 || !head.hasToken("connection", "upgrade"))
        return QStringLiteral("A WebSocket handshake needs Connection: Upgrade.");
    if (head.count("sec-websocket-key") != 1
        || QByteArray::fromBase64Encoding(head.header("sec-websocket-key"),
                                          QByteArray::AbortOnBase64DecodingErrors)
                .decoded.size()
            != 16
        || head.header("sec-websocket-key").size() != 24)
        return QStringLiteral("Sec-WebSocket-Key must be the base64 of 16 bytes.");
    if (head.count("sec-websocket-version") != 1 || head.header("sec-websocket-version") != "13")
        return QStringLiteral("Only Sec-WebSocket-Version: 13 is supported.");
    if (head.count("transfer-encoding") > 0
        || (head.count("content-length") > 0 && head.header("content-length") != "0"))
        return QStringLiteral("A WebSocket handshake has no body.");
    return std::nullopt;
}

} // namespace Baton::Http

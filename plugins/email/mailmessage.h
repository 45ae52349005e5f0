// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/notificationchannel.h"

#include <QByteArray>
#include <QString>

// The mail of one notification, as RFC 5322 / MIME bytes (CRLF line ends, not yet
// dot-stuffed): multipart/alternative with a text and an HTML part, both UTF-8 in base64 so
// that Chinese and long lines pass every relay; non-ASCII header text as RFC 2047 words.
struct MailMessage
{
    QString from; ///< as configured: "Baton <baton@example.com>" or a bare address
    QString baseUrl; ///< the web UI's address; empty: no link
    QByteArray bytes(const Baton::Notification &notification) const;

    /// The address inside `from` ("baton@example.com").
    static QString addressOf(const QString &mailbox);
    /// Message-ID of a delivery and the per-ticket root id, both "<...@domain>".
    static QByteArray messageId(const QString &deliveryId, const QString &domain);
    static QByteArray threadId(qint64 ticketId, const QString &domain);
    /// RFC 2047 encoded words for non-ASCII text; ASCII as it is.
    static QByteArray encodeHeaderText(const QString &text);
};

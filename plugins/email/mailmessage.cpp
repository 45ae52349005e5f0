// SPDX-License-Identifier: GPL-3.0-or-later
#include "mailmessage.h"

#include "../common/headline.h"

#include <QCryptographicHash>
#include <QLocale>
#include <QRegularExpression>

using namespace Baton;

namespace {

struct Words
{
    QString headline, openTicket, footer;
};

Words wordsFor(const QString &kind, bool chinese)
{
    Words words;
    words.headline = BatonPlugins::headlineOf(kind, chinese);
    words.openTicket = chinese ? QStringLiteral("打开工单") : QStringLiteral("Open the ticket");
    words.footer = chinese ? QStringLiteral("这封邮件由 Baton 自动发送。")
                           : QStringLiteral("Sent automatically by Baton.");
    return words;
}

// Base64 lines of 76 characters (RFC 2045, 6.8).
QByteArray base64Lines(const QByteArray &data)
{
    const QByteArray encoded = data.toBase64();
    QByteArray out;
    for (qsizetype i = 0; i < encoded.size(); i += 76)
        out += encoded.mid(i, 76) + "\r\n";
    return out;
}

QString domainOf(const QString &address)
{
    const qsizetype at = address.lastIndexOf(u'@');
    return at < 0 ? QStringLiteral("baton.invalid") : address.mid(at + 1);
}

// A msg-id's left part allows dot-atom text only: anything else becomes '-'.
QString idText(QString text)
{
    static const QRegularExpression other(QStringLiteral("[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]"));
    return text.replace(other, QStringLiteral("-"));
}

QString linkOf(const MailMessage &mail, const Notification &n)
{
    return n.ticketUrl.isEmpty() ? BatonPlugins::ticketLinkOf(mail.baseUrl, n.ticketId)
                                 : n.ticketUrl;
}

QByteArray part(const char *type, const QString &text)
{
    return QByteArray("Content-Type: ") + type
        + "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64Lines(text.toUtf8());
}

} // namespace

QString MailMessage::addressOf(const QString &mailbox)
{
    const qsizetype open = mailbox.lastIndexOf(u'<');
    const qsizetype close = mailbox.lastIndexOf(u'>');
    if (open >= 0 && close > open)
        return mailbox.mid(open + 1, close - open - 1).trimmed();
    return mailbox.trimmed();
}

QByteArray MailMessage::messageId(const QString &deliveryId, const QString &domain)
{
    return '<' + idText(deliveryId).toUtf8() + '@' + domain.toUtf8() + '>';
}

QByteArray MailMessage::threadId(qint64 ticketId, const QString &domain)
{
    return "<ticket-" + QByteArray::number(ticketId) + '@' + domain.toUtf8() + '>';
}

QByteArray MailMessage::encodeHeaderText(const QString &text)
{
    bool ascii = true;
    for (const QChar c : text)
        ascii = ascii && c.unicode() >= 0x20 && c.unicode() < 0x7f;
    if (ascii)
        return text.toUtf8();
    // Encoded words of at most 75 characters (RFC 2047, 2): 45 bytes of UTF-8 each, cut
    // between characters, never inside one.
    QByteArray out;
    QByteArray chunk;
    for (const char32_t codePoint : text.toUcs4()) {
        const QByteArray bytes = QString::fromUcs4(&codePoint, 1).toUtf8();
        if (chunk.size() + bytes.size() > 45) {
            out += (out.isEmpty() ? "" : "\r\n ") + ("=?UTF-8?B?" + chunk.toBase64() + "?=");
            chunk.clear();
        }
        chunk += bytes;
    }
    if (!chunk.isEmpty())
        out += (out.isEmpty() ? "" : "\r\n ") + ("=?UTF-8?B?" + chunk.toBase64() + "?=");
    return out;
}

QByteArray MailMessage::bytes(const Notification &n) const
{
    const bool chinese = n.readsChinese();
    const Words words = wordsFor(n.kind, chinese);
    const QString sep = chinese ? QStringLiteral("：") : QStringLiteral(": ");
    // A mail about no ticket (the weekly summary): Baton wrote its subject; the text keeps its
    // lines; no link, no thread.
    const bool aboutTicket = n.ticketId != 0 || n.subject.isEmpty();
    const QString link = aboutTicket ? linkOf(*this, n) : QString();
    const QString headline = aboutTicket
        ? QString(words.headline + sep + n.ticketKey + u' ' + n.ticketTitle)
        : n.subject;
    const QString subject = aboutTicket
        ? QStringLiteral("[%1] %2%3%4").arg(n.ticketKey, words.headline, sep, n.ticketTitle)
        : n.subject;

    QString text = headline + u"\n\n";
    if (!n.message.isEmpty())
        text += n.message + u"\n\n";
    if (!link.isEmpty())
        text += words.openTicket + sep + link + u"\n\n";
    text += QStringLiteral("-- \n") + words.footer + u'\n';

    QString html
        = QStringLiteral("<!DOCTYPE html><html lang=\"%1\"><body><h2>%2</h2>")
              .arg(chinese ? QStringLiteral("zh") : QStringLiteral("en"), headline.toHtmlEscaped());
    if (!n.message.isEmpty())
        html += (aboutTicket ? QStringLiteral("<p>%1</p>")
                             : QStringLiteral("<pre style=\"font-family: inherit\">%1</pre>"))
                    .arg(n.message.toHtmlEscaped());
    if (!link.isEmpty())
        html += QStringLiteral("<p><a href=\"%1\">%2</a></p>")
                    .arg(link.toHtmlEscaped(), words.openTicket.toHtmlEscaped());
    html += QStringLiteral("<hr><p><small>%1</small></p></body></html>").arg(words.footer);

    const QString domain = domainOf(addressOf(from));
    const QByteArray boundary = "baton-"
        + QCryptographicHash::hash(n.deliveryId.toUtf8(), QCryptographicHash::Sha1)
              .toHex()
              .left(24);
    const QByteArray thread = threadId(n.ticketId, domain);
    QByteArray mail;
    mail += "From: " + from.toUtf8() + "\r\n";
    mail += "To: <" + n.address.toUtf8() + ">\r\n";
    mail += "Subject: " + encodeHeaderText(subject) + "\r\n";
    mail += "Date: "
        + QLocale::c()
              .toString(n.createdAt.isValid() ? n.createdAt.toUTC()
                                              : QDateTime::currentDateTimeUtc(),
                        QStringLiteral("ddd, dd MMM yyyy HH:mm:ss +0000"))
              .toLatin1()
        + "\r\n";
    mail += "Message-ID: " + messageId(n.deliveryId, domain) + "\r\n";
    if (aboutTicket) // a ticket's mails thread under it
        mail += "In-Reply-To: " + thread + "\r\nReferences: " + thread + "\r\n";
    mail += "Auto-Submitted: auto-generated\r\n"; // RFC 3834: no vacation replies to this
    mail += "MIME-Version: 1.0\r\n";
    mail += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    mail += "--" + boundary + "\r\n" + part("text/plain", text);
    mail += "--" + boundary + "\r\n" + part("text/html", html);
    mail += "--" + boundary + "--\r\n";
    return mail;
}

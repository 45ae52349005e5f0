// SPDX-License-Identifier: GPL-3.0-or-later
#include "smtpsession.h"

#include <QFile>
#include <QSslConfiguration>

using namespace Baton;

SmtpSession::SmtpSession(Options options)
    : m_options(std::move(options))
{
}

Result<QPair<int, QString>> SmtpSession::readReply()
{
    // A reply is lines "CODE-text" ending with one "CODE text" (RFC 5321, 4.2).
    QString text;
    for (;;) {
        while (!m_socket.canReadLine()) {
            if (!m_socket.waitForReadyRead(m_options.timeoutMs))
                return makeError(ErrorKind::Unavailable,
                                 QStringLiteral("no reply from %1:%2 (%3)")
                                     .arg(m_options.host)
                                     .arg(m_options.port)
                                     .arg(m_socket.errorString()));
        }
        const QString line = QString::fromUtf8(m_socket.readLine()).trimmed();
        if (line.size() < 3)
            return makeError(QStringLiteral("malformed SMTP reply: %1").arg(line));
        text += (text.isEmpty() ? QString() : QStringLiteral("\n")) + line;
        if (line.size() == 3 || line.at(3) == u' ')
            return QPair<int, QString>(line.left(3).toInt(), text);
    }
}

Result<QString> SmtpSession::command(const QByteArray &line, int expected, const char *what)
{
    if (!line.isEmpty()) {
        m_socket.write(line + "\r\n");
        if (!m_socket.waitForBytesWritten(m_options.timeoutMs))
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("cannot write to %1: %2")
                                 .arg(m_options.host, m_socket.errorString()));
    }
    auto reply = readReply();
    if (!reply)
        return reply.failure();
    if (reply->first != expected) {
        const QString said
            = what ? QString::fromLatin1(what) : QString::fromLatin1(line.left(line.indexOf(' ')));
        // A refusal of the mail itself (its sender, recipient or content) is this message's;
        // one before it (greeting, EHLO, STARTTLS, AUTH) or 421 "service not available" fails
        // every message: the channel's failure (notificationchannel.h).
        const bool ofTheMail = line.startsWith("MAIL FROM") || line.startsWith("RCPT TO")
            || line == "DATA" || (what && qstrcmp(what, "the mail's data") == 0);
        return makeError(ofTheMail && reply->first != 421 ? ErrorKind::Internal
                                                          : ErrorKind::Unavailable,
                         QStringLiteral("%1 refused by %2: %3")
                             .arg(said.isEmpty() ? QStringLiteral("greeting") : said,
                                  m_options.host, reply->second));
    }
    return reply->second;
}

Result<void> SmtpSession::open()
{
    if (!m_options.caFile.isEmpty()) {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        const auto certificates = QSslCertificate::fromPath(m_options.caFile);
        if (certificates.isEmpty())
            return makeError(QStringLiteral("no certificate in ca_file %1").arg(m_options.caFile));
        config.addCaCertificates(certificates);
        m_socket.setSslConfiguration(config);
    }
    if (m_options.tls == u"implicit") {
        m_socket.connectToHostEncrypted(m_options.host, m_options.port);
        if (!m_socket.waitForEncrypted(m_options.timeoutMs))
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("TLS to %1:%2 failed: %3")
                                 .arg(m_options.host)
                                 .arg(m_options.port)
                                 .arg(m_socket.errorString()));
    } else {
        m_socket.connectToHost(m_options.host, m_options.port);
        if (!m_socket.waitForConnected(m_options.timeoutMs))
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("cannot connect to %1:%2: %3")
                                 .arg(m_options.host)
                                 .arg(m_options.port)
                                 .arg(m_socket.errorString()));
    }
    if (auto greeting = command({}, 220, "greeting"); !greeting)
        return greeting.failure();
    if (auto r = hello(); !r)
        return r;
    if (m_options.tls != u"starttls")
        return {};
    if (!m_extensions.contains(u"STARTTLS"))
        return makeError(
            QStringLiteral("%1 does not offer STARTTLS (tls: starttls)").arg(m_options.host));
    if (auto r = command("STARTTLS", 220); !r)
        return r.failure();
    m_socket.startClientEncryption();
    if (!m_socket.waitForEncrypted(m_options.timeoutMs))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("STARTTLS with %1 failed: %2")
                             .arg(m_options.host, m_socket.errorString()));
    return hello(); // RFC 3207: what the server offers may change once encrypted
}

Result<void> SmtpSession::hello()
{
    auto reply = command("EHLO " + m_options.heloName.toUtf8(), 250);
    if (!reply)
        return reply.failure();
    m_extensions.clear();
    const QStringList lines = reply->split(u'\n');
    for (qsizetype i = 1; i < lines.size(); ++i)
        m_extensions.append(lines.at(i).mid(4).toUpper());
    return {};
}

Result<void> SmtpSession::authenticate()
{
    if (m_options.username.isEmpty())
        return {};
    QStringList mechanisms;
    for (const QString &extension : std::as_const(m_extensions))
        if (extension.startsWith(u"AUTH ") || extension.startsWith(u"AUTH="))
            mechanisms += extension.mid(5).split(u' ', Qt::SkipEmptyParts);
    const QByteArray user = m_options.username.toUtf8();
    const QByteArray password = m_options.password.toUtf8();
    if (mechanisms.contains(u"PLAIN")) {
        const QByteArray token
            = QByteArray(QByteArray(1, '\0') + user + '\0' + password).toBase64();
        if (auto r = command("AUTH PLAIN " + token, 235, "AUTH PLAIN"); !r)
            return r.failure();
        return {};
    }
    if (mechanisms.contains(u"LOGIN")) {
        if (auto r = command("AUTH LOGIN", 334); !r)
            return r.failure();
        if (auto r = command(user.toBase64(), 334, "AUTH LOGIN user name"); !r)
            return r.failure();
        if (auto r = command(password.toBase64(), 235, "AUTH LOGIN password"); !r)
            return r.failure();
        return {};
    }
    return makeError(QStringLiteral("%1 offers no AUTH PLAIN or LOGIN%2")
                         .arg(m_options.host,
                              m_options.tls == u"none" ? QStringLiteral(" (servers offer AUTH only "
                                                                        "over TLS: set tls)")
                                                       : QString()));
}

Result<QString> SmtpSession::send(const QString &from, const QString &to, const QByteArray &mail)
{
    if (auto r = open(); !r)
        return r.failure();
    if (auto r = authenticate(); !r)
        return r.failure();
    if (auto r = command("MAIL FROM:<" + from.toUtf8() + '>', 250); !r)
        return r.failure();
    auto accepted = command("RCPT TO:<" + to.toUtf8() + '>', 250);
    if (!accepted)
        return accepted.failure();
    if (auto r = command("DATA", 354); !r)
        return r.failure();
    // Dot-stuffing (RFC 5321, 4.5.2): a line starting with '.' gets another.
    QByteArray data = mail;
    if (data.startsWith('.'))
        data.prepend('.');
    data.replace("\r\n.", "\r\n..");
    if (!data.endsWith("\r\n"))
        data += "\r\n";
    auto queued = command(data + '.', 250, "the mail's data");
    if (!queued)
        return queued.failure();
    (void)command("QUIT", 221); // the mail is accepted; a rude goodbye changes nothing
    m_socket.disconnectFromHost();
    return *queued;
}

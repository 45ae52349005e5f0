// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QSslSocket>
#include <QString>
#include <QStringList>

// One SMTP conversation (RFC 5321) on a blocking QSslSocket: the delivery worker's thread
// has no event loop to spare and one mail per call needs none. Every wait is bounded by
// `timeoutMs`; every reply other than the expected one ends the session with an error naming
// the command and quoting the server.
class SmtpSession
{
public:
    struct Options
    {
        QString host;
        quint16 port = 587;
        QString tls = QStringLiteral("starttls"); ///< none | starttls | implicit
        QString username; ///< empty: no AUTH
        QString password;
        QString heloName = QStringLiteral("baton");
        QString caFile; ///< PEM certificates trusted besides the system's
        int timeoutMs = 30000;
    };

    explicit SmtpSession(Options options);
    /// Connects, greets, secures and authenticates as configured, sends one mail and quits.
    /// Success: the server's reply to the mail's data (its queue id, for the delivery log).
    Baton::Result<QString> send(const QString &from, const QString &to, const QByteArray &mail);

private:
    Baton::Result<void> open();
    Baton::Result<void> hello();
    Baton::Result<void> authenticate();
    /// Sends `line` (without CRLF; empty: only reads) and reads the reply; an error unless its
    /// code is `expected`.
    Baton::Result<QString> command(const QByteArray &line, int expected,
                                   const char *what = nullptr);
    Baton::Result<QPair<int, QString>> readReply();

    Options m_options;
    QSslSocket m_socket;
    QStringList m_extensions; ///< EHLO's lines after the first, upper-case
};

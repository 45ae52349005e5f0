// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Requests as signed-in users of test servers: each user signs in with the shared test password
// at their first request to a server and keeps the token for it. By default a 401 (the fake
// clock moved past the session's lifetime) signs in again once; a test of sessions themselves
// turns that off and sees the 401.

#include "rawhttp.h"

#include <QHash>

namespace Baton::Test {

class SessionClient
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    enum class On401 { SignInAgain, Answer };

    explicit SessionClient(QString password, On401 on401 = On401::SignInAgain)
        : m_password(std::move(password))
        , m_on401(on401)
    {
    }

    /// The server calls go to unless they name a port; forgets every session.
    void setPort(quint16 port)
    {
        m_port = port;
        forgetSessions();
    }
    quint16 port() const { return m_port; }

    /// `method path` as `user` (empty: without a session) on `port` (0: setPort's). The body
    /// goes as `contentType` (empty: JSON); `headers` come first, as given.
    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                     const QString &user, quint16 port = 0, const QByteArray &contentType = {},
                     const Headers &headers = {})
    {
        port = port ? port : m_port;
        for (int attempt = 0;; ++attempt) {
            Headers all = headers;
            if (!user.isEmpty())
                all.append({"Authorization", "Bearer " + token(user, port)});
            if (!contentType.isEmpty())
                all.append({"Content-Type", contentType});
            RawResponse response = rawRequest(port, httpRequest(method, path, body, all));
            if (user.isEmpty() || response.status != 401 || m_on401 == On401::Answer || attempt > 0)
                return response;
            forget(user);
        }
    }

    /// `user`'s token on `port` (0: setPort's), signing in at the first use.
    QByteArray token(const QString &user, quint16 port = 0)
    {
        const Key key {user, port ? port : m_port};
        if (!m_tokens.contains(key))
            m_tokens.insert(key, signIn(user, key.second));
        return m_tokens.value(key);
    }

    /// A new session's token for `user` (not kept); empty, after a warning, when refused.
    QByteArray signIn(const QString &user, quint16 port = 0) const
    {
        const QJsonObject login {{QStringLiteral("username"), user},
                                 {QStringLiteral("password"), m_password}};
        const RawResponse response
            = rawRequest(port ? port : m_port,
                         httpRequest("POST", "/api/v1/login",
                                     QJsonDocument(login).toJson(QJsonDocument::Compact)));
        if (response.status != 200)
            qWarning("sign-in of %s failed: %d %s", qPrintable(user), response.status,
                     response.body.constData());
        return response.json().value(QLatin1String("token")).toString().toLatin1();
    }

    /// `user` signs in again at the next call (on every server).
    void forget(const QString &user)
    {
        for (auto it = m_tokens.begin(); it != m_tokens.end();)
            it = it.key().first == user ? m_tokens.erase(it) : std::next(it);
    }
    /// Everyone signs in again at their next call (the sessions ended).
    void forgetSessions() { m_tokens.clear(); }

private:
    using Key = QPair<QString, quint16>;

    QString m_password;
    On401 m_on401;
    quint16 m_port = 0;
    QHash<Key, QByteArray> m_tokens;
};

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Requests as signed-in users of a test server: each user signs in with the shared test
// password at the first request and keeps the token; a 401 (the fake clock moved past the
// session's lifetime) signs in again once.

#include "rawhttp.h"

#include <QHash>

namespace Baton::Test {

class SessionClient
{
public:
    explicit SessionClient(QString password)
        : m_password(std::move(password))
    {
    }

    void setPort(quint16 port)
    {
        m_port = port;
        m_tokens.clear();
    }

    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                     const QString &user)
    {
        for (int attempt = 0;; ++attempt) {
            if (!m_tokens.contains(user))
                m_tokens.insert(user, signIn(user));
            RawResponse response
                = rawRequest(m_port,
                             httpRequest(method, path, body,
                                         {{"Authorization", "Bearer " + m_tokens.value(user)}}));
            if (response.status != 401 || attempt > 0)
                return response;
            m_tokens.remove(user);
        }
    }

private:
    QByteArray signIn(const QString &user) const
    {
        const QJsonObject login {{QStringLiteral("username"), user},
                                 {QStringLiteral("password"), m_password}};
        return rawRequest(m_port,
                          httpRequest("POST", "/api/v1/login",
                                      QJsonDocument(login).toJson(QJsonDocument::Compact)))
            .json()
            .value(QLatin1String("token"))
            .toString()
            .toLatin1();
    }

    QString m_password;
    quint16 m_port = 0;
    QHash<QString, QByteArray> m_tokens;
};

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/authenticator.h"

#include <QObject>

// Knows one person.
class ExampleAuthenticator : public QObject, public Baton::Authenticator
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BatonAuthenticator_iid FILE "exampleauthenticator.json")
    Q_INTERFACES(Baton::Authenticator)

public:
    Baton::Result<void> checkSettings(const QVariantMap &) const override { return {}; }

    Baton::Result<Baton::AuthenticatedIdentity>
    authenticate(const QVariantMap &, const Baton::Credentials &credentials) override
    {
        if (credentials.username.compare(u"Mei", Qt::CaseInsensitive) != 0
            || credentials.password != u"correct horse")
            return Baton::makeError(Baton::ErrorKind::Unauthorized,
                                    QStringLiteral("unknown user or wrong password"));
        return Baton::AuthenticatedIdentity {QStringLiteral("mei"),
                                             QStringLiteral("Mei Chen"),
                                             QStringLiteral("mei@example.com"),
                                             {QStringLiteral("support")},
                                             {}};
    }
};

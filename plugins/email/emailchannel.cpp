// SPDX-License-Identifier: GPL-3.0-or-later
#include "emailchannel.h"

#include "../common/settings.h"
#include "mailmessage.h"
#include "smtpsession.h"

#include <QFileInfo>
#include <QUrl>

using namespace Baton;
using BatonPlugins::checkBaseUrlSetting;
using BatonPlugins::checkTimeoutSetting;
using BatonPlugins::setting;

namespace {

const QStringList knownKeys {QStringLiteral("host"),     QStringLiteral("port"),
                             QStringLiteral("tls"),      QStringLiteral("username"),
                             QStringLiteral("password"), QStringLiteral("from"),
                             QStringLiteral("base_url"), QStringLiteral("ca_file"),
                             QStringLiteral("helo"),     QStringLiteral("timeout_seconds")};

quint16 portOf(const ChannelSettings &settings)
{
    const QString tls = setting(settings, "tls", QStringLiteral("starttls"));
    const int standard = tls == u"implicit" ? 465 : tls == u"none" ? 25 : 587;
    return quint16(setting(settings, "port", QString::number(standard)).toInt());
}

} // namespace

Result<void> EmailChannel::checkSettings(const ChannelSettings &settings) const
{
    for (auto it = settings.values.cbegin(); it != settings.values.cend(); ++it)
        if (!knownKeys.contains(it.key()))
            return makeError(QStringLiteral("unknown key '%1' (an email channel has %2)")
                                 .arg(it.key(), knownKeys.join(QStringLiteral(", "))));
    if (setting(settings, "host").isEmpty())
        return makeError(QStringLiteral("'host' is required (the SMTP server)"));
    if (settings.values.contains(QStringLiteral("port"))) {
        bool ok = false;
        const int port = setting(settings, "port").toInt(&ok);
        if (!ok || port < 1 || port > 65535)
            return makeError(QStringLiteral("'port' must be 1-65535"));
    }
    const QString tls = setting(settings, "tls", QStringLiteral("starttls"));
    if (tls != u"none" && tls != u"starttls" && tls != u"implicit")
        return makeError(QStringLiteral("'tls' must be none, starttls or implicit"));
    const QString from = MailMessage::addressOf(setting(settings, "from"));
    if (!from.contains(u'@') || from.contains(u' '))
        return makeError(QStringLiteral(
            "'from' must be an address: baton@example.com or \"Baton <baton@example.com>\""));
    if (setting(settings, "username").isEmpty() != setting(settings, "password").isEmpty())
        return makeError(QStringLiteral("'username' and 'password' go together"));
    if (auto base = checkBaseUrlSetting(settings); !base)
        return base;
    if (settings.values.contains(QStringLiteral("ca_file"))
        && !QFileInfo(setting(settings, "ca_file")).isReadable())
        return makeError(QStringLiteral("'ca_file' is not a readable file"));
    return checkTimeoutSetting(settings);
}

Result<QString> EmailChannel::deliver(const ChannelSettings &settings,
                                      const Notification &notification)
{
    if (notification.address.isEmpty())
        return makeError(QStringLiteral("no address for %1").arg(notification.recipient));
    MailMessage mail;
    mail.from = setting(settings, "from");
    mail.baseUrl = setting(settings, "base_url");

    SmtpSession::Options options;
    options.host = setting(settings, "host");
    options.port = portOf(settings);
    options.tls = setting(settings, "tls", QStringLiteral("starttls"));
    options.username = setting(settings, "username");
    options.password = setting(settings, "password");
    options.caFile = setting(settings, "ca_file");
    options.heloName = setting(settings, "helo", QStringLiteral("baton"));
    options.timeoutMs = setting(settings, "timeout_seconds", QStringLiteral("30")).toInt() * 1000;
    SmtpSession session(options);
    return session.send(MailMessage::addressOf(mail.from), notification.address,
                        mail.bytes(notification));
}

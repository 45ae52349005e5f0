// SPDX-License-Identifier: GPL-3.0-or-later
#include "chatrobotchannel.h"

#include "../common/blockinghttp.h"
#include "../common/headline.h"
#include "../common/settings.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QUrl>
#include <QUrlQuery>

using namespace Baton;
using BatonPlugins::checkBaseUrlSetting;
using BatonPlugins::checkTimeoutSetting;
using BatonPlugins::setting;

namespace {

const QStringList knownKeys {QStringLiteral("kind"),           QStringLiteral("url"),
                             QStringLiteral("secret"),         QStringLiteral("base_url"),
                             QStringLiteral("language"),       QStringLiteral("departments"),
                             QStringLiteral("timeout_seconds")};
const QStringList kinds {QStringLiteral("wecom"), QStringLiteral("dingtalk"),
                         QStringLiteral("feishu")};

QByteArray hmacBase64(const QByteArray &message, const QByteArray &key)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256).toBase64();
}

struct Text
{
    QString title; ///< "SLA breached: IT-42"
    QString plain;
    QString markdown;
};

Text textOf(const ChannelSettings &settings, const Notification &n)
{
    const bool chinese = setting(settings, "language", QStringLiteral("zh")).startsWith(u"zh");
    const QString headline = BatonPlugins::headlineOf(n.kind, chinese);
    const QString link = BatonPlugins::ticketLinkOf(setting(settings, "base_url"), n.ticketId);
    const QString queue = QJsonDocument::fromJson(n.payload)
                              .object()
                              .value(QStringLiteral("ticket"))
                              .toObject()
                              .value(QStringLiteral("queue"))
                              .toString();
    const QString queueLabel = chinese ? QStringLiteral("队列") : QStringLiteral("Queue");
    const QString open = chinese ? QStringLiteral("打开工单") : QStringLiteral("Open the ticket");
    const QString sep = chinese ? QStringLiteral("：") : QStringLiteral(": ");
    Text text;
    text.title = headline + sep + n.ticketKey;
    text.plain = QStringLiteral("[%1] %2 %3").arg(headline, n.ticketKey, n.ticketTitle);
    text.markdown = QStringLiteral("### %1\n**%2** %3").arg(headline, n.ticketKey, n.ticketTitle);
    if (!queue.isEmpty()) {
        text.plain += u'\n' + queueLabel + sep + queue;
        text.markdown += QStringLiteral("\n\n> %1%2%3").arg(queueLabel, sep, queue);
    }
    if (!link.isEmpty()) {
        text.plain += u'\n' + open + sep + link;
        text.markdown += QStringLiteral("\n\n[%1](%2)").arg(open, link);
    }
    return text;
}

// The request of `kind` for `text`, signed when the channel has a secret.
QPair<QNetworkRequest, QByteArray> requestOf(const ChannelSettings &settings, const Text &text)
{
    const QString kind = setting(settings, "kind");
    const QByteArray secret = setting(settings, "secret").toUtf8();
    QUrl url(setting(settings, "url"));
    QJsonObject body;
    if (kind == u"feishu") {
        body = {{QStringLiteral("msg_type"), QStringLiteral("text")},
                {QStringLiteral("content"), QJsonObject {{QStringLiteral("text"), text.plain}}}};
        if (!secret.isEmpty()) {
            const QByteArray seconds = QByteArray::number(QDateTime::currentSecsSinceEpoch());
            body.insert(QStringLiteral("timestamp"), QString::fromLatin1(seconds));
            body.insert(QStringLiteral("sign"),
                        QString::fromLatin1(hmacBase64({}, seconds + '\n' + secret)));
        }
    } else if (kind == u"dingtalk") {
        body = {{QStringLiteral("msgtype"), QStringLiteral("markdown")},
                {QStringLiteral("markdown"),
                 QJsonObject {{QStringLiteral("title"), text.title},
                              {QStringLiteral("text"), text.markdown}}}};
        if (!secret.isEmpty()) {
            const QByteArray ms = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
            QUrlQuery query(url);
            query.addQueryItem(QStringLiteral("timestamp"), QString::fromLatin1(ms));
            // Percent-encoded here: QUrlQuery would leave '+' and '/' of base64 as they are.
            query.addQueryItem(
                QStringLiteral("sign"),
                QString::fromLatin1(hmacBase64(ms + '\n' + secret, secret).toPercentEncoding()));
            url.setQuery(query);
        }
    } else {
        body = {
            {QStringLiteral("msgtype"), QStringLiteral("markdown")},
            {QStringLiteral("markdown"), QJsonObject {{QStringLiteral("content"), text.markdown}}}};
    }
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/json; charset=utf-8"));
    return {request, QJsonDocument(body).toJson(QJsonDocument::Compact)};
}

} // namespace

Result<void> ChatRobotChannel::checkSettings(const ChannelSettings &settings) const
{
    for (auto it = settings.values.cbegin(); it != settings.values.cend(); ++it)
        if (!knownKeys.contains(it.key()))
            return makeError(QStringLiteral("unknown key '%1' (a chat robot has %2)")
                                 .arg(it.key(), knownKeys.join(QStringLiteral(", "))));
    if (!kinds.contains(setting(settings, "kind")))
        return makeError(QStringLiteral("'kind' must be wecom, dingtalk or feishu"));
    const QUrl url(setting(settings, "url"));
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
        || url.host().isEmpty())
        return makeError(QStringLiteral("'url' must be the robot's http(s):// webhook address"));
    if (setting(settings, "kind") == u"wecom" && settings.values.contains(QStringLiteral("secret")))
        return makeError(QStringLiteral("'secret': a WeCom robot is not signed (its key is in "
                                        "the url)"));
    const QString language = setting(settings, "language", QStringLiteral("zh"));
    if (language != u"zh" && language != u"en")
        return makeError(QStringLiteral("'language' must be zh or en"));
    if (auto base = checkBaseUrlSetting(settings); !base)
        return base;
    return checkTimeoutSetting(settings);
}

Result<QString> ChatRobotChannel::deliver(const ChannelSettings &settings,
                                          const Notification &notification)
{
    const auto [request, body] = requestOf(settings, textOf(settings, notification));
    auto answer = BatonPlugins::blockingRequest(
        request, "POST", body, setting(settings, "timeout_seconds", QStringLiteral("10")).toInt());
    if (!answer)
        return answer.failure();
    if (answer->status < 200 || answer->status >= 300)
        return BatonPlugins::refusalOf(*answer,
                                       QStringLiteral("HTTP %1 from the %2 robot")
                                           .arg(answer->status)
                                           .arg(setting(settings, "kind")));
    // The platforms answer 200 with a code to a refused message (bad signature, keyword).
    const QJsonObject reply = QJsonDocument::fromJson(answer->body).object();
    const QJsonValue code = reply.contains(QStringLiteral("errcode"))
        ? reply.value(QStringLiteral("errcode"))
        : reply.value(QStringLiteral("code"));
    if (!code.isUndefined() && code.toInt(-1) != 0)
        return makeError(QStringLiteral("the %1 robot refused: %2")
                             .arg(setting(settings, "kind"), QString::fromUtf8(answer->body)));
    return QStringLiteral("HTTP %1").arg(answer->status);
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhookchannel.h"

#include "../common/blockinghttp.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QUrl>

using namespace Baton;

namespace {

const QStringList knownKeys {QStringLiteral("url"), QStringLiteral("secret"),
                             QStringLiteral("timeout_seconds")};

} // namespace

Result<void> WebhookChannel::checkSettings(const ChannelSettings &settings) const
{
    for (auto it = settings.values.cbegin(); it != settings.values.cend(); ++it)
        if (!knownKeys.contains(it.key()))
            return makeError(QStringLiteral("unknown key '%1' (a webhook has %2)")
                                 .arg(it.key(), knownKeys.join(QStringLiteral(", "))));
    const QUrl url(settings.values.value(QStringLiteral("url")).toString());
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
        || url.host().isEmpty())
        return makeError(QStringLiteral("'url' must be an http:// or https:// address"));
    if (settings.values.value(QStringLiteral("secret")).toString().isEmpty())
        return makeError(QStringLiteral("'secret' is required (receivers check the signature)"));
    if (settings.values.contains(QStringLiteral("timeout_seconds"))) {
        bool ok = false;
        const int seconds = settings.values.value(QStringLiteral("timeout_seconds")).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 300)
            return makeError(QStringLiteral("'timeout_seconds' must be 1-300"));
    }
    return {};
}

Result<QString> WebhookChannel::deliver(const ChannelSettings &settings,
                                        const Notification &notification)
{
    const QJsonObject payload = QJsonDocument::fromJson(notification.payload).object();
    QJsonObject body = payload;
    body.insert(QStringLiteral("delivery"), notification.deliveryId);
    const QByteArray bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    const QByteArray secret = settings.values.value(QStringLiteral("secret")).toString().toUtf8();
    const QByteArray signature
        = QMessageAuthenticationCode::hash(bytes, secret, QCryptographicHash::Sha256).toHex();

    QNetworkRequest request(QUrl(settings.values.value(QStringLiteral("url")).toString()));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Baton-Delivery", notification.deliveryId.toUtf8());
    request.setRawHeader("Baton-Event", notification.kind.toUtf8());
    request.setRawHeader("Baton-Signature", "sha256=" + signature);
    const int seconds
        = settings.values.value(QStringLiteral("timeout_seconds"), QStringLiteral("10")).toInt();

    // One blocking attempt on the delivery worker's thread, on the thread's kept connection.
    const auto answer = BatonPlugins::blockingRequest(request, "POST", bytes, seconds);
    if (!answer)
        return answer.failure();
    const int status = answer->status;
    if (status >= 200 && status < 300)
        return QStringLiteral("HTTP %1").arg(status);
    return BatonPlugins::refusalOf(
        *answer,
        QStringLiteral("HTTP %1 from %2").arg(status).arg(request.url().toDisplayString()));
}

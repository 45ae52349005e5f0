// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhookchannel.h"

#include "../common/blockinghttp.h"

#include <QJsonArray>
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

namespace {

// The body: the payload with "delivery" added. The payload is an object the router wrote
// compact with its keys in order ("event" or "notification", "ticket"), so "delivery" goes
// first by writing it in front of them: the same bytes as parsing the payload, inserting the key
// and writing it again, without that parse and write of every delivery's payload. Any other
// payload (not an object the router wrote, or naming "delivery" itself) takes that way.
QByteArray bodyOf(const Notification &notification)
{
    const QByteArray &payload = notification.payload;
    const QByteArray id = QJsonDocument(QJsonArray {notification.deliveryId})
                              .toJson(QJsonDocument::Compact)
                              .chopped(1)
                              .mid(1); // the id as a JSON string
    if ((payload.startsWith("{\"event\":") || payload.startsWith("{\"notification\":")
         || payload.startsWith("{\"ticket\":"))
        && payload.endsWith('}') && !payload.contains("\"delivery\":"))
        return "{\"delivery\":" + id + ',' + payload.mid(1);
    QJsonObject body = QJsonDocument::fromJson(payload).object();
    body.insert(QStringLiteral("delivery"), notification.deliveryId);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace

Result<QString> WebhookChannel::deliver(const ChannelSettings &settings,
                                        const Notification &notification)
{
    const QByteArray bytes = bodyOf(notification);
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

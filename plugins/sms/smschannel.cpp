// SPDX-License-Identifier: GPL-3.0-or-later
#include "smschannel.h"

#include "../common/blockinghttp.h"
#include "../common/headline.h"
#include "../common/settings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

using namespace Baton;
using BatonPlugins::checkBaseUrlSetting;
using BatonPlugins::checkTimeoutSetting;
using BatonPlugins::setting;

namespace {

const QStringList knownKeys {QStringLiteral("url"),
                             QStringLiteral("method"),
                             QStringLiteral("body"),
                             QStringLiteral("content_type"),
                             QStringLiteral("auth_header"),
                             QStringLiteral("base_url"),
                             QStringLiteral("timeout_seconds")};
const QStringList placeholders {QStringLiteral("phone"),   QStringLiteral("text"),
                                QStringLiteral("ticket"),  QStringLiteral("title"),
                                QStringLiteral("kind"),    QStringLiteral("link"),
                                QStringLiteral("delivery")};

const QRegularExpression &placeholderPattern()
{
    static const QRegularExpression pattern(QStringLiteral("\\{([a-z_]+)\\}"));
    return pattern;
}

enum class Escape { Url, Json, Form, None };

QString escaped(const QString &value, Escape escape)
{
    switch (escape) {
    case Escape::Url:
    case Escape::Form:
        return QString::fromLatin1(value.toUtf8().toPercentEncoding());
    case Escape::Json: {
        // The value inside the template's quotes: a JSON string without its own quotes.
        const QByteArray quoted = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(quoted.mid(2, quoted.size() - 4));
    }
    case Escape::None:
        break;
    }
    return value;
}

QString fill(const QString &pattern, const QMap<QString, QString> &values, Escape escape)
{
    QString out;
    qsizetype last = 0;
    auto it = placeholderPattern().globalMatch(pattern);
    while (it.hasNext()) {
        const auto match = it.next();
        out += pattern.mid(last, match.capturedStart() - last);
        out += escaped(values.value(match.captured(1)), escape);
        last = match.capturedEnd();
    }
    return out + pattern.mid(last);
}

Escape bodyEscape(const QString &contentType)
{
    if (contentType.contains(u"json"))
        return Escape::Json;
    if (contentType.contains(u"x-www-form-urlencoded"))
        return Escape::Form;
    return Escape::None;
}

QMap<QString, QString> valuesOf(const ChannelSettings &settings, const Notification &n)
{
    const bool chinese = n.readsChinese();
    const QString link = BatonPlugins::ticketLinkOf(setting(settings, "base_url"), n.ticketId);
    QString text = QStringLiteral("[Baton] %1%2%3 %4")
                       .arg(BatonPlugins::headlineOf(n.kind, chinese),
                            chinese ? QStringLiteral("：") : QStringLiteral(": "), n.ticketKey,
                            n.ticketTitle);
    if (!link.isEmpty())
        text += u' ' + link;
    return {{QStringLiteral("phone"), n.address},      {QStringLiteral("text"), text},
            {QStringLiteral("ticket"), n.ticketKey},   {QStringLiteral("title"), n.ticketTitle},
            {QStringLiteral("kind"), n.kind},          {QStringLiteral("link"), link},
            {QStringLiteral("delivery"), n.deliveryId}};
}

Result<void> checkTemplate(const QString &key, const QString &pattern)
{
    auto it = placeholderPattern().globalMatch(pattern);
    while (it.hasNext()) {
        const QString name = it.next().captured(1);
        if (!placeholders.contains(name))
            return makeError(QStringLiteral("'%1': unknown placeholder {%2} (there are %3)")
                                 .arg(key, name, placeholders.join(QStringLiteral(", "))));
    }
    return {};
}

} // namespace

Result<void> SmsChannel::checkSettings(const ChannelSettings &settings) const
{
    for (auto it = settings.values.cbegin(); it != settings.values.cend(); ++it)
        if (!knownKeys.contains(it.key()))
            return makeError(QStringLiteral("unknown key '%1' (an sms channel has %2)")
                                 .arg(it.key(), knownKeys.join(QStringLiteral(", "))));
    const QUrl url(setting(settings, "url"));
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
        || url.host().isEmpty())
        return makeError(QStringLiteral("'url' must be the gateway's http(s):// address"));
    const QString method = setting(settings, "method", QStringLiteral("POST"));
    if (method != u"POST" && method != u"PUT" && method != u"GET")
        return makeError(QStringLiteral("'method' must be POST, PUT or GET"));
    if (method != u"GET" && setting(settings, "body").isEmpty())
        return makeError(QStringLiteral("'body' is required for %1 (a template with {phone} and "
                                        "{text})")
                             .arg(method));
    for (const char *key : {"url", "body"})
        if (auto r = checkTemplate(QString::fromLatin1(key), setting(settings, key)); !r)
            return r;
    const QString auth = setting(settings, "auth_header");
    if (!auth.isEmpty()
        && !QRegularExpression(QStringLiteral("^[A-Za-z0-9-]+: ?\\S")).match(auth).hasMatch())
        return makeError(QStringLiteral("'auth_header' must be \"Name: value\""));
    return checkTimeoutSetting(settings);
}

Result<QString> SmsChannel::deliver(const ChannelSettings &settings,
                                    const Notification &notification)
{
    if (notification.address.isEmpty())
        return makeError(QStringLiteral("no phone for %1").arg(notification.recipient));
    const QMap<QString, QString> values = valuesOf(settings, notification);
    const QString contentType
        = setting(settings, "content_type", QStringLiteral("application/json"));
    QNetworkRequest request(
        QUrl(fill(setting(settings, "url"), values, Escape::Url), QUrl::StrictMode));
    const QByteArray method = setting(settings, "method", QStringLiteral("POST")).toLatin1();
    QByteArray body;
    if (method != "GET") {
        body = fill(setting(settings, "body"), values, bodyEscape(contentType)).toUtf8();
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType.toUtf8());
    }
    const QString auth = setting(settings, "auth_header");
    if (!auth.isEmpty()) {
        const qsizetype colon = auth.indexOf(u':');
        request.setRawHeader(auth.left(colon).trimmed().toLatin1(),
                             auth.mid(colon + 1).trimmed().toUtf8());
    }
    auto answer = BatonPlugins::blockingRequest(
        request, method, body, setting(settings, "timeout_seconds", QStringLiteral("10")).toInt());
    if (!answer)
        return answer.failure();
    if (answer->status < 200 || answer->status >= 300)
        return BatonPlugins::refusalOf(*answer,
                                       QStringLiteral("HTTP %1 from the SMS gateway: %2")
                                           .arg(answer->status)
                                           .arg(QString::fromUtf8(answer->body.left(200))));
    return QStringLiteral("HTTP %1").arg(answer->status);
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One blocking HTTP request on the delivery worker's thread, for plugins that post to a robot,
// a gateway or a webhook: http:// on the thread's kept connection (plainhttp.h), https:// through
// the thread's network manager and an event loop. The reply's status and body, or the network
// error (ErrorKind::Unavailable: the channel's failure, notificationchannel.h).
//
// Proxies: an http:// URL goes direct on the thread's own connection unless a proxy applies to
// it (QNetworkProxy::setApplicationProxy, or a proxy factory such as the system configuration
// an embedding application turned on); then, like https://, it goes through Qt's manager,
// which speaks to the proxy. `baton serve` configures no proxy, so its webhooks go direct
// (http_proxy and https_proxy in the environment are not read).

#include "core/result.h"
#include "plainhttp.h"
#include "plugin/notificationchannel.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QNetworkReply>

#include <memory>

namespace BatonPlugins {

/// The calling thread's manager, made at its first request and kept until the thread ends: a
/// manager keeps its HTTP connections open between requests (keep-alive) and runs them on a
/// thread of its own, so one per request cost a new thread and a new connection each time
/// (bench_delivery). A plugin is only ever called from the delivery worker's thread.
inline QNetworkAccessManager &threadManager()
{
    thread_local QNetworkAccessManager manager;
    return manager;
}

/// Whether Qt would send a request to `url` through a proxy (application proxy or factory).
inline bool proxiedUrl(const QUrl &url)
{
    const QList<QNetworkProxy> proxies
        = QNetworkProxyFactory::proxyForQuery(QNetworkProxyQuery(url));
    return !proxies.isEmpty() && proxies.first().type() != QNetworkProxy::NoProxy
        && proxies.first().type() != QNetworkProxy::DefaultProxy;
}

inline Baton::Result<HttpAnswer> blockingRequest(QNetworkRequest request, const QByteArray &method,
                                                 const QByteArray &body, int timeoutSeconds)
{
    if (request.url().scheme() == u"http" && !proxiedUrl(request.url()))
        return plainRequest(request, method, body, timeoutSeconds);
    request.setTransferTimeout(timeoutSeconds * 1000);
    QNetworkAccessManager &manager = threadManager();
    QEventLoop loop;
    std::unique_ptr<QNetworkReply> reply(
        method == "GET" ? manager.get(request) : manager.sendCustomRequest(request, method, body));
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    if (reply->hasRawHeader("Retry-After"))
        answer.retryAfterSeconds = plainhttp::retryAfterOf(reply->rawHeader("Retry-After"));
    if (!answer.status)
        return plainhttp::connectionFailure(reply->errorString());
    return answer;
}

/// A receiver's answer that is not 2xx as a failure saying whose it is (notificationchannel.h):
/// 429 and 502/503/504 are the channel's (its Retry-After kept), any other status the
/// message's — a 3xx too: redirects are not followed (plainhttp.h).
inline Baton::Error refusalOf(const HttpAnswer &answer, QString message)
{
    const int s = answer.status;
    const Baton::ErrorKind kind = s == 429 ? Baton::ErrorKind::RateLimited
        : s == 502 || s == 503 || s == 504 ? Baton::ErrorKind::Unavailable
                                           : Baton::ErrorKind::Internal;
    QMap<QString, QString> fields;
    if (answer.retryAfterSeconds && kind != Baton::ErrorKind::Internal)
        fields.insert(QLatin1String(Baton::retryAfterField),
                      QString::number(*answer.retryAfterSeconds));
    return Baton::makeError(kind, std::move(message), std::move(fields));
}

} // namespace BatonPlugins

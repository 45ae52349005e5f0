// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One blocking HTTP request on the delivery worker's thread, for plugins that post to a robot,
// a gateway or a webhook: http:// on the thread's kept connection (plainhttp.h), https:// through
// the thread's network manager and an event loop. The reply's status and body, or the network
// error.

#include "core/result.h"
#include "plainhttp.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
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

inline Baton::Result<HttpAnswer> blockingRequest(QNetworkRequest request, const QByteArray &method,
                                                 const QByteArray &body, int timeoutSeconds)
{
    if (request.url().scheme() == u"http")
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
    if (!answer.status)
        return Baton::makeError(reply->errorString());
    return answer;
}

} // namespace BatonPlugins

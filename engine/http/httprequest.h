// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <memory>

QT_BEGIN_NAMESPACE
class QFile;
QT_END_NAMESPACE

namespace Baton::Http {

/// One complete HTTP request, copied out of Qt's parser so that it outlives the handler call
/// (handlers may answer later, from an engine callback).
struct HttpRequest
{
    QByteArray method; ///< "GET", "POST", ... upper case
    QString path; ///< percent-decoded path, always starting with '/'
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    /// An upload's body (HttpServerOptions::isUpload), spooled to a temporary file as it came
    /// in and open for reading at its start; `body` is then empty. The file is removed when the
    /// last copy of the request lets go of it.
    std::shared_ptr<QFile> bodyFile;
    QHostAddress remoteAddress;
    /// The client's X-Request-Id when of a sane form, else one made up; every answer carries
    /// it back (X-Request-Id) and the access log line names it.
    QByteArray requestId;

    /// The first header with that name (case-insensitive), or an empty array.
    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers)
            if (name.compare(h.first, Qt::CaseInsensitive) == 0)
                return h.second;
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        for (const auto &h : headers)
            if (name.compare(h.first, Qt::CaseInsensitive) == 0)
                return true;
        return false;
    }
    /// A query parameter (decoded), or a null QString when absent.
    QString queryValue(const QString &key) const
    {
        if (!query.hasQueryItem(key))
            return {};
        return query.queryItemValue(key, QUrl::FullyDecoded);
    }
    /// The value of one cookie from the Cookie header, or empty.
    QByteArray cookie(QByteArrayView name) const;
};

} // namespace Baton::Http

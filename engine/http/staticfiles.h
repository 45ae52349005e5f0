// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httprequest.h"
#include "httpresponse.h"

namespace Baton::Http {

/// The web UI, from Qt resources under `:/web/` (web/dist compiled into the binary).
/// `/` and any unknown path outside /api/ get index.html so that the single-page app's own
/// routes work on reload; hashed files under /assets/ are cached for a year. Paths are
/// checked segment by segment, so nothing outside `:/web/` can be named. Without the
/// resources, a small page says that the UI was not built.
class StaticFiles
{
public:
    explicit StaticFiles(QString root = QStringLiteral(":/web"));
    HttpResponse serve(const HttpRequest &request) const;

    static QByteArray contentType(const QString &fileName);

private:
    QString m_root;
};

} // namespace Baton::Http

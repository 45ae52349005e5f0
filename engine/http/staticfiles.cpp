// SPDX-License-Identifier: GPL-3.0-or-later
#include "staticfiles.h"

#include <QFile>
#include <QFileInfo>

#include <optional>

namespace Baton::Http {

namespace {

constexpr char notBuiltPage[]
    = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Baton</title></head>"
      "<body><h1>Baton</h1><p>The web UI was not built into this binary. Build it with "
      "<code>make build</code> (needs Node.js and npm); the HTTP API under <code>/api/v1</code> "
      "works without it.</p></body></html>\n";

/// The resource path for a URL path ("" for "/"), or nothing if the path is not acceptable.
std::optional<QString> safeRelativePath(const QString &path)
{
    if (path.contains(u'\\') || path.contains(QChar(0)))
        return std::nullopt;
    const QStringList segments = path.split(u'/', Qt::SkipEmptyParts);
    for (const QString &segment : segments) {
        if (segment == u"." || segment == u".." || segment.startsWith(u'.'))
            return std::nullopt;
        for (const QChar c : segment)
            if (c.unicode() < 0x20 || c == u':')
                return std::nullopt;
    }
    return segments.join(u'/');
}

/// Whether the request's Accept-Encoding allows `coding` (the token itself or "*", without q=0).
bool accepts(const HttpRequest &request, QByteArrayView coding)
{
    const QByteArray accepted = request.header("Accept-Encoding").toLower();
    for (const QByteArray &item : accepted.split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray name = parts.first().trimmed();
        if (name != coding && name != "*")
            continue;
        bool refused = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray parameter = parts[i].trimmed();
            if (parameter.startsWith("q=") && parameter.mid(2).toDouble() <= 0.0)
                refused = true;
        }
        if (!refused)
            return true;
    }
    return false;
}

} // namespace

StaticFiles::StaticFiles(QString root)
    : m_root(std::move(root))
{
}

QByteArray StaticFiles::contentType(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    static const QHash<QString, QByteArray> types {
        {QStringLiteral("html"), QByteArrayLiteral("text/html; charset=utf-8")},
        {QStringLiteral("js"), QByteArrayLiteral("text/javascript; charset=utf-8")},
        {QStringLiteral("mjs"), QByteArrayLiteral("text/javascript; charset=utf-8")},
        {QStringLiteral("css"), QByteArrayLiteral("text/css; charset=utf-8")},
        {QStringLiteral("json"), QByteArrayLiteral("application/json")},
        {QStringLiteral("map"), QByteArrayLiteral("application/json")},
        {QStringLiteral("svg"), QByteArrayLiteral("image/svg+xml")},
        {QStringLiteral("png"), QByteArrayLiteral("image/png")},
        {QStringLiteral("jpg"), QByteArrayLiteral("image/jpeg")},
        {QStringLiteral("ico"), QByteArrayLiteral("image/x-icon")},
        {QStringLiteral("woff2"), QByteArrayLiteral("font/woff2")},
        {QStringLiteral("woff"), QByteArrayLiteral("font/woff")},
        {QStringLiteral("txt"), QByteArrayLiteral("text/plain; charset=utf-8")},
        {QStringLiteral("webmanifest"), QByteArrayLiteral("application/manifest+json")},
    };
    return types.value(suffix, QByteArrayLiteral("application/octet-stream"));
}

HttpResponse StaticFiles::serve(const HttpRequest &request) const
{
    if (request.method != "GET" && request.method != "HEAD")
        return HttpResponse::error(405, QStringLiteral("method_not_allowed"),
                                   QStringLiteral("Only GET and HEAD are allowed here."));
    const std::optional<QString> checked = safeRelativePath(request.path);
    if (!checked)
        return HttpResponse::error(404, QStringLiteral("not_found"),
                                   QStringLiteral("No such file."));
    const QString relative = *checked;

    const QString indexPath = m_root + QStringLiteral("/index.html");
    QString filePath = relative.isEmpty() ? indexPath : m_root + u'/' + relative;
    QFileInfo info(filePath);
    const bool isAsset = relative.startsWith(QStringLiteral("assets/"));
    if (!info.isFile()) {
        // Unknown asset files are real 404s; anything else is a route of the single-page app.
        if (isAsset || QFileInfo(relative).suffix().size() > 0)
            return HttpResponse::error(404, QStringLiteral("not_found"),
                                       QStringLiteral("No such file."));
        filePath = indexPath;
        info = QFileInfo(filePath);
    }
    if (!info.isFile()) {
        HttpResponse page = HttpResponse::bytes(200, QByteArrayLiteral("text/html; charset=utf-8"),
                                                QByteArray(notBuiltPage));
        page.setHeader("Cache-Control", "no-cache");
        return page;
    }
    // The build writes NAME.br and NAME.gz beside each compressible file
    // (web/scripts/compress.mjs); brotli is the smaller of the two.
    static const std::pair<QByteArrayView, QString> codings[]
        = {{"br", QStringLiteral(".br")}, {"gzip", QStringLiteral(".gz")}};
    QString sentPath = filePath;
    QByteArray coding;
    bool hasCopies = false;
    for (const auto &[name, suffix] : codings) {
        if (!QFileInfo(filePath + suffix).isFile())
            continue;
        hasCopies = true;
        if (coding.isEmpty() && accepts(request, name)) {
            coding = name.toByteArray();
            sentPath = filePath + suffix;
        }
    }
    QFile file(sentPath);
    if (!file.open(QIODevice::ReadOnly))
        return HttpResponse::error(404, QStringLiteral("not_found"),
                                   QStringLiteral("No such file."));
    HttpResponse response = HttpResponse::bytes(200, contentType(filePath), file.readAll());
    response.setHeader("Cache-Control",
                       isAsset ? QByteArrayLiteral("public, max-age=31536000, immutable")
                               : QByteArrayLiteral("no-cache"));
    if (hasCopies) // caches must keep the forms apart
        response.setHeader("Vary", "Accept-Encoding");
    if (!coding.isEmpty())
        response.setHeader("Content-Encoding", coding);
    return response;
}

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#include "router.h"

#include <QVarLengthArray>

namespace Baton::Http {

namespace {

/// The non-empty segments of a path, as views into it: matching runs for every request against
/// every route, so it compares views and allocates nothing until the route is chosen.
using Segments = QVarLengthArray<QStringView, 16>;

Segments segmentsOf(QStringView path)
{
    Segments out;
    for (const QStringView segment : path.tokenize(u'/', Qt::SkipEmptyParts))
        out.append(segment);
    return out;
}

} // namespace

int Router::add(const QByteArray &method, const QString &pattern)
{
    Route route;
    route.method = method;
    route.pattern = pattern.toUtf8();
    for (const QStringView segment : segmentsOf(pattern)) {
        const bool parameter = segment.startsWith(u'{');
        route.segments.append(
            {(parameter ? segment.sliced(1, segment.size() - 2) : segment).toString(), parameter});
        if (!parameter)
            ++route.literalCount;
    }
    m_routes.append(route);
    return int(m_routes.size() - 1);
}

QList<Router::Entry> Router::entries() const
{
    QList<Entry> out;
    out.reserve(m_routes.size());
    for (const Route &route : m_routes)
        out.append({route.method, route.pattern});
    return out;
}

Router::Match Router::match(const QByteArray &method, const QString &path) const
{
    const Segments segments = segmentsOf(path);
    Match best;
    int bestLiterals = -1;
    for (int i = 0; i < m_routes.size(); ++i) {
        const Route &route = m_routes[i];
        if (route.segments.size() != segments.size())
            continue;
        bool matches = true;
        for (qsizetype k = 0; k < segments.size() && matches; ++k)
            matches = route.segments[k].parameter || route.segments[k].text == segments[k];
        if (!matches)
            continue;
        const bool methodOk = route.method == method || (method == "HEAD" && route.method == "GET");
        if (!methodOk) {
            best.pathMatched = true;
            continue;
        }
        if (route.literalCount > bestLiterals) {
            bestLiterals = route.literalCount;
            best.route = i;
        }
    }
    if (best.route >= 0) {
        const Route &route = m_routes[best.route];
        best.pattern = route.pattern;
        for (qsizetype k = 0; k < segments.size(); ++k)
            if (route.segments[k].parameter)
                best.params.insert(route.segments[k].text, segments[k].toString());
    }
    return best;
}

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#include "router.h"

namespace Baton::Http {

int Router::add(const QByteArray &method, const QString &pattern)
{
    Route route;
    route.method = method;
    route.segments = pattern.split(u'/', Qt::SkipEmptyParts);
    route.pattern = pattern.toUtf8();
    for (const QString &segment : std::as_const(route.segments))
        if (!segment.startsWith(u'{'))
            ++route.literalCount;
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
    const QStringList segments = path.split(u'/', Qt::SkipEmptyParts);
    Match best;
    int bestLiterals = -1;
    for (int i = 0; i < m_routes.size(); ++i) {
        const Route &route = m_routes[i];
        if (route.segments.size() != segments.size())
            continue;
        QHash<QString, QString> params;
        bool matches = true;
        for (qsizetype k = 0; k < segments.size() && matches; ++k) {
            const QString &want = route.segments[k];
            if (want.startsWith(u'{'))
                params.insert(want.mid(1, want.size() - 2), segments[k]);
            else
                matches = want == segments[k];
        }
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
            best.params = params;
            best.pattern = route.pattern;
        }
    }
    return best;
}

} // namespace Baton::Http

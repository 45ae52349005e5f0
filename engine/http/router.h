// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace Baton::Http {

/// Matches method + path against patterns like "/api/v1/tickets/{id}/actions/{action}".
/// Literal segments win over parameters, so "/workflows/validate" beats "/workflows/{name}".
class Router
{
public:
    struct Match
    {
        int route = -1; ///< index given to add(), or -1
        bool pathMatched = false; ///< the path exists with another method (405)
        QHash<QString, QString> params;
        QByteArray pattern; ///< the matched pattern, for metrics
    };

    /// Returns the route's index.
    int add(const QByteArray &method, const QString &pattern);
    Match match(const QByteArray &method, const QString &path) const;

    struct Entry
    {
        QByteArray method;
        QByteArray pattern;
    };
    /// Every route in the order added (index = route), e.g. to compare with the OpenAPI document.
    QList<Entry> entries() const;

private:
    struct Route
    {
        QByteArray method;
        /// A literal segment, or a parameter's name (without braces) when `parameter` says so.
        struct Segment
        {
            QString text;
            bool parameter = false;
        };
        QList<Segment> segments;
        QByteArray pattern;
        int literalCount = 0;
    };
    QList<Route> m_routes;
};

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#include "databaseurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace Baton {

Result<DatabaseUrl> DatabaseUrl::parse(const QString &text)
{
    DatabaseUrl url;
    if (text.startsWith(u"sqlite:")) {
        url.driver = Driver::Sqlite;
        url.path = text.mid(7);
        // Accept sqlite:///abs/path as well as sqlite:relative/path.
        if (url.path.startsWith(u"//"))
            url.path = url.path.mid(2);
        if (url.path.isEmpty())
            return makeError(QStringLiteral("database URL '%1': sqlite: needs a file path, "
                                            "e.g. sqlite:var/baton.db")
                                 .arg(text));
        return url;
    }
    const bool pg = text.startsWith(u"postgresql://");
    if (pg || text.startsWith(u"postgres://")) {
        // Parsed by hand: QUrl rejects the libpq form "user@/db?host=/socket/dir" (no host).
        url.driver = Driver::PostgreSql;
        QString rest = text.mid(pg ? 13 : 11);
        QString query;
        if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
            query = rest.mid(q + 1);
            rest.truncate(q);
        }
        const qsizetype slash = rest.indexOf(u'/');
        if (slash < 0)
            return makeError(QStringLiteral("database URL '%1': missing database name after the "
                                            "host, e.g. postgresql://baton@localhost/baton")
                                 .arg(text));
        url.databaseName = QUrl::fromPercentEncoding(rest.mid(slash + 1).toUtf8());
        QString authority = rest.left(slash);
        if (const qsizetype at = authority.lastIndexOf(u'@'); at >= 0) {
            const QString userInfo = authority.left(at);
            authority = authority.mid(at + 1);
            const qsizetype colon = userInfo.indexOf(u':');
            url.user = QUrl::fromPercentEncoding(userInfo.left(colon).toUtf8());
            if (colon >= 0)
                url.password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
        }
        QString portText;
        if (authority.startsWith(u'[')) { // [IPv6]:port
            const qsizetype close = authority.indexOf(u']');
            if (close < 0)
                return makeError(
                    QStringLiteral("database URL '%1': unclosed '[' in host").arg(text));
            url.host = authority.mid(1, close - 1);
            if (authority.mid(close + 1).startsWith(u':'))
                portText = authority.mid(close + 2);
        } else {
            const qsizetype colon = authority.indexOf(u':');
            url.host = authority.left(colon);
            if (colon >= 0)
                portText = authority.mid(colon + 1);
        }
        auto setPort = [&](const QString &value) {
            bool ok = false;
            const int port = value.toInt(&ok);
            if (!ok || port <= 0 || port > 65535)
                return false;
            url.port = port;
            return true;
        };
        if (!portText.isEmpty() && !setPort(portText))
            return makeError(QStringLiteral("database URL '%1': bad port '%2'")
                                 .arg(url.toDisplayString(), portText));
        const QUrlQuery items(query);
        for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
            if (key == u"host") {
                url.host = value;
            } else if (key == u"port") {
                if (!setPort(value))
                    return makeError(QStringLiteral("database URL '%1': bad port '%2'")
                                         .arg(url.toDisplayString(), value));
            } else {
                return makeError(QStringLiteral("database URL '%1': unknown parameter '%2' "
                                                "(known: host, port)")
                                     .arg(url.toDisplayString(), key));
            }
        }
        if (url.host.isEmpty())
            return makeError(
                QStringLiteral("database URL '%1': missing host (or ?host=/socket/dir)")
                    .arg(url.toDisplayString()));
        if (url.databaseName.isEmpty() || url.databaseName.contains(u'/'))
            return makeError(QStringLiteral("database URL '%1': missing database name after the "
                                            "host, e.g. postgresql://baton@localhost/baton")
                                 .arg(url.toDisplayString()));
        return url;
    }
    return makeError(QStringLiteral("database URL '%1': expected sqlite:PATH or "
                                    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME")
                         .arg(text));
}

QString DatabaseUrl::toDisplayString() const
{
    if (isSqlite())
        return u"sqlite:" + path;
    QString text = u"postgresql://" + user;
    if (!password.isEmpty())
        text += u":***";
    text += u'@';
    const bool socket = host.startsWith(u'/');
    if (!socket)
        text += host;
    if (port != 5432)
        text += u':' + QString::number(port);
    text += u'/' + databaseName;
    if (socket)
        text += u"?host=" + host;
    return text;
}

} // namespace Baton

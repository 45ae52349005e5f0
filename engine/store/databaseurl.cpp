// SPDX-License-Identifier: GPL-3.0-or-later
#include "databaseurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace Baton {

namespace {

Result<DatabaseUrl> parseSqlite(const QString &text)
{
    DatabaseUrl url;
    url.driver = DatabaseUrl::Driver::Sqlite;
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

Error missingDatabaseName(const QString &shown)
{
    return makeError(QStringLiteral("database URL '%1': missing database name after the host, "
                                    "e.g. postgresql://baton@localhost/baton")
                         .arg(shown));
}

bool setPort(DatabaseUrl &url, const QString &value)
{
    bool ok = false;
    const int port = value.toInt(&ok);
    if (!ok || port <= 0 || port > 65535)
        return false;
    url.port = port;
    return true;
}

// USER[:PASSWORD]@ off the front of `authority`, percent-decoded.
void takeUserInfo(DatabaseUrl &url, QString &authority)
{
    const qsizetype at = authority.lastIndexOf(u'@');
    if (at < 0)
        return;
    const QString userInfo = authority.left(at);
    authority = authority.mid(at + 1);
    const qsizetype colon = userInfo.indexOf(u':');
    url.user = QUrl::fromPercentEncoding(userInfo.left(colon).toUtf8());
    if (colon >= 0)
        url.password = QUrl::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
}

// HOST[:PORT] or [IPv6][:PORT].
Result<void> takeHostAndPort(DatabaseUrl &url, const QString &authority, const QString &text)
{
    QString portText;
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(u']');
        if (close < 0)
            return makeError(QStringLiteral("database URL '%1': unclosed '[' in host").arg(text));
        url.host = authority.mid(1, close - 1);
        if (authority.mid(close + 1).startsWith(u':'))
            portText = authority.mid(close + 2);
    } else {
        const qsizetype colon = authority.indexOf(u':');
        url.host = authority.left(colon);
        if (colon >= 0)
            portText = authority.mid(colon + 1);
    }
    if (!portText.isEmpty() && !setPort(url, portText))
        return makeError(QStringLiteral("database URL '%1': bad port '%2'")
                             .arg(url.toDisplayString(), portText));
    return {};
}

// ?host=...&port=...: nothing else is known.
Result<void> takeParameters(DatabaseUrl &url, const QString &query)
{
    const QUrlQuery items(query);
    for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
        if (key == u"host") {
            url.host = value;
        } else if (key == u"port") {
            if (!setPort(url, value))
                return makeError(QStringLiteral("database URL '%1': bad port '%2'")
                                     .arg(url.toDisplayString(), value));
        } else {
            return makeError(QStringLiteral("database URL '%1': unknown parameter '%2' "
                                            "(known: host, port)")
                                 .arg(url.toDisplayString(), key));
        }
    }
    return {};
}

// Parsed by hand: QUrl rejects the libpq form "user@/db?host=/socket/dir" (no host).
Result<DatabaseUrl> parsePostgreSql(const QString &text, QString rest)
{
    DatabaseUrl url;
    url.driver = DatabaseUrl::Driver::PostgreSql;
    QString query;
    if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
        query = rest.mid(q + 1);
        rest.truncate(q);
    }
    const qsizetype slash = rest.indexOf(u'/');
    if (slash < 0)
        return missingDatabaseName(text);
    url.databaseName = QUrl::fromPercentEncoding(rest.mid(slash + 1).toUtf8());
    QString authority = rest.left(slash);
    takeUserInfo(url, authority);
    if (auto r = takeHostAndPort(url, authority, text); !r)
        return Error {r.error()};
    if (auto r = takeParameters(url, query); !r)
        return Error {r.error()};
    if (url.host.isEmpty())
        return makeError(QStringLiteral("database URL '%1': missing host (or ?host=/socket/dir)")
                             .arg(url.toDisplayString()));
    if (url.databaseName.isEmpty() || url.databaseName.contains(u'/'))
        return missingDatabaseName(url.toDisplayString());
    return url;
}

} // namespace

Result<DatabaseUrl> DatabaseUrl::parse(const QString &text)
{
    if (text.startsWith(u"sqlite:"))
        return parseSqlite(text);
    if (text.startsWith(u"postgresql://"))
        return parsePostgreSql(text, text.mid(13));
    if (text.startsWith(u"postgres://"))
        return parsePostgreSql(text, text.mid(11));
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "changefeed.h"

#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QVariant>

namespace Baton::ChangeFeed {

namespace {

QByteArray payloadOf(const QString &serverId, const QList<qint64> &tickets,
                     const QList<qint64> &notifications, int organisation, const QStringList &users)
{
    QJsonArray t, n;
    for (qint64 id : tickets)
        t.append(id);
    for (qint64 id : notifications)
        n.append(id);
    QJsonObject object {{QStringLiteral("server"), serverId},
                        {QStringLiteral("tickets"), t},
                        {QStringLiteral("notifications"), n}};
    if (organisation > 0)
        object.insert(QStringLiteral("organisation"), organisation);
    if (!users.isEmpty())
        object.insert(QStringLiteral("users"), QJsonArray::fromStringList(users));
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// Ids are numbers only: written into the text, one statement whatever their count.
QString idList(const QList<qint64> &ids)
{
    QString list;
    for (qint64 id : ids)
        list += (list.isEmpty() ? QString() : QStringLiteral(",")) + QString::number(id);
    return list;
}

} // namespace

QList<QByteArray> encode(const ChangeNotice &notice)
{
    // An id takes at most 20 bytes with its comma: payloads of up to 300 ids each stay far
    // below the limit whatever the server id (a UUID).
    constexpr qsizetype idsPerPayload = 300;
    QList<QByteArray> payloads;
    qsizetype t = 0, n = 0;
    int organisation = notice.organisation;
    QStringList users = notice.users;
    while (t < notice.tickets.size() || n < notice.notifications.size() || organisation > 0
           || !users.isEmpty()) {
        const QList<qint64> tickets = notice.tickets.mid(t, idsPerPayload);
        const QList<qint64> notifications
            = notice.notifications.mid(n, idsPerPayload - tickets.size());
        t += tickets.size();
        n += notifications.size();
        payloads.append(payloadOf(notice.serverId, tickets, notifications, organisation, users));
        organisation = 0;
        users.clear();
    }
    return payloads;
}

std::optional<ChangeNotice> decode(const QByteArray &payload)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    const QJsonObject object = document.object();
    if (!object.value(QStringLiteral("server")).isString())
        return std::nullopt;
    ChangeNotice notice;
    notice.serverId = object.value(QStringLiteral("server")).toString();
    notice.organisation = object.value(QStringLiteral("organisation")).toInt();
    for (const QJsonValue &user : object.value(QStringLiteral("users")).toArray())
        notice.users.append(user.toString());
    for (auto [key, ids] : {std::pair {QStringLiteral("tickets"), &notice.tickets},
                            {QStringLiteral("notifications"), &notice.notifications}})
        for (const QJsonValue &id : object.value(key).toArray()) {
            if (!id.isDouble())
                return std::nullopt;
            ids->append(qint64(id.toDouble()));
        }
    return notice;
}

Result<void> announce(const QSqlDatabase &db, const ChangeNotice &notice)
{
    const QList<QByteArray> payloads = encode(notice);
    if (payloads.isEmpty())
        return {};
    QStringList rows;
    QVariantList values;
    for (const QByteArray &payload : payloads) {
        rows.append(QStringLiteral("(?)"));
        values.append(QString::fromUtf8(payload));
    }
    auto sent = runQuery(db,
                         u"SELECT pg_notify('" + QLatin1String(channel) + u"', p) FROM (VALUES "
                             + rows.join(QStringLiteral(", ")) + u") AS v(p)",
                         values);
    if (!sent)
        return sent.failure();
    return {};
}

Result<QList<QByteArray>> ticketStates(const QSqlDatabase &db, const QList<qint64> &ids)
{
    QList<QByteArray> states;
    if (ids.isEmpty())
        return states;
    auto query
        = runQuery(db,
                   QStringLiteral("SELECT state_data FROM tickets WHERE id IN (%1) ORDER BY id")
                       .arg(idList(ids)));
    if (!query)
        return query.failure();
    while (query->next())
        states.append(query->value(0).toByteArray());
    return states;
}

Result<QList<NotificationRow>> notifications(const QSqlDatabase &db, const QList<qint64> &ids)
{
    QList<NotificationRow> rows;
    if (ids.isEmpty())
        return rows;
    auto query = runQuery(db,
                          QStringLiteral("SELECT id, username, ticket_id, kind, message, at, read "
                                         "FROM notifications WHERE id IN (%1) ORDER BY id")
                              .arg(idList(ids)));
    if (!query)
        return query.failure();
    while (query->next())
        rows.append({query->value(0).toLongLong(), query->value(1).toString(),
                     query->value(2).toLongLong(), query->value(3).toString(),
                     query->value(4).toString(), query->value(5).toLongLong(),
                     query->value(6).toInt() != 0});
    return rows;
}

} // namespace Baton::ChangeFeed

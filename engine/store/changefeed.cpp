// SPDX-License-Identifier: GPL-3.0-or-later
#include "changefeed.h"
#include "ticketcolumns.h"

#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QVariant>

namespace Baton::ChangeFeed {

namespace {

QByteArray payloadOf(const QString &serverId, const QList<qint64> &tickets,
                     const QList<qint64> &notifications, int organisation,
                     const QStringList &users = {})
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
    while (t < notice.tickets.size() || n < notice.notifications.size() || organisation > 0) {
        const QList<qint64> tickets = notice.tickets.mid(t, idsPerPayload);
        const QList<qint64> notifications
            = notice.notifications.mid(n, idsPerPayload - tickets.size());
        t += tickets.size();
        n += notifications.size();
        payloads.append(payloadOf(notice.serverId, tickets, notifications, organisation));
        organisation = 0;
    }
    // A username has at most 64 characters (a directory's too, at most 4 bytes each in UTF-8):
    // 16 of them, quoted, stay far below the limit.
    constexpr qsizetype usersPerPayload = 16;
    for (qsizetype u = 0; u < notice.users.size(); u += usersPerPayload)
        payloads.append(
            payloadOf(notice.serverId, {}, {}, 0, notice.users.mid(u, usersPerPayload)));
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
    for (auto [key, ids] : {std::pair {QStringLiteral("tickets"), &notice.tickets},
                            {QStringLiteral("notifications"), &notice.notifications}})
        for (const QJsonValue &id : object.value(key).toArray()) {
            if (!id.isDouble())
                return std::nullopt;
            ids->append(qint64(id.toDouble()));
        }
    for (const QJsonValue &user : object.value(QStringLiteral("users")).toArray()) {
        if (!user.isString())
            return std::nullopt;
        notice.users.append(user.toString());
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
    auto query = runQuery(
        db,
        u"SELECT " + QLatin1String(TicketColumns::notificationColumns)
            + QStringLiteral(" FROM notifications WHERE id IN (%1) ORDER BY id").arg(idList(ids)));
    if (!query)
        return query.failure();
    while (query->next())
        rows.append(TicketColumns::notificationFrom(*query));
    return rows;
}

} // namespace Baton::ChangeFeed

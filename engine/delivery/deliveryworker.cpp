// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/deliveryworker.h"

#include "core/clock.h"
#include "delivery/contactfield.h"
#include "plugin/notificationchannel.h"
#include "pluginhost/pluginhost.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "store/userrows.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

namespace Baton {

namespace {

Q_LOGGING_CATEGORY(lcDelivery, "baton.delivery")

Notification notificationOf(const OutboxEntry &entry)
{
    const QJsonObject payload = QJsonDocument::fromJson(entry.row.payload).object();
    const QJsonObject ticket = payload.value(QStringLiteral("ticket")).toObject();
    Notification n;
    n.deliveryId = entry.row.deliveryId;
    n.kind = entry.row.kind;
    n.ticketId = entry.row.ticketId;
    n.ticketKey = ticket.value(QStringLiteral("key")).toString();
    n.ticketTitle = ticket.value(QStringLiteral("title")).toString();
    n.recipient = ticket.value(QStringLiteral("queue")).toString();
    n.subject = n.ticketKey + u' ' + entry.row.kind;
    n.createdAt = QDateTime::fromMSecsSinceEpoch(entry.row.createdAt, Qt::UTC);
    n.payload = entry.row.payload;
    return n;
}

// A notice to a person (people channels, see OutboxRouter): the user's address on this
// channel and their language, read now so that a changed address is used. nullopt when there
// is nobody to send to (no address, account disabled): the row is settled, not retried.
Result<std::optional<Notification>> personalNotificationOf(const QSqlDatabase &db,
                                                           const ChannelDefinition &channel,
                                                           const OutboxEntry &entry)
{
    Notification n = notificationOf(entry);
    const QJsonObject notice = QJsonDocument::fromJson(entry.row.payload)
                                   .object()
                                   .value(QStringLiteral("notification"))
                                   .toObject();
    n.recipient = notice.value(QStringLiteral("recipient")).toString();
    n.message = notice.value(QStringLiteral("message")).toString();
    n.subject = n.ticketKey + u' ' + n.ticketTitle;
    auto user = UserRows::find(db, n.recipient);
    if (!user)
        return user.failure();
    if (!user->has_value() || !(*user)->active)
        return std::optional<Notification>();
    n.language = (*user)->language;
    n.address
        = contactFieldOf(channel.plugin) == ContactField::Phone ? (*user)->phone : (*user)->email;
    if (n.address.isEmpty())
        return std::optional<Notification>();
    return std::optional(std::move(n));
}

// One try of one row: event channels get the event; people channels the notice with the
// user's address and language looked up now (none: settled as "not sent", no retry).
Result<QString> deliverOne(const QSqlDatabase &db, NotificationChannel &plugin,
                           const ChannelSettings &settings, const ChannelDefinition &channel,
                           const OutboxEntry &entry)
{
    if (contactFieldOf(channel.plugin) == ContactField::None)
        return plugin.deliver(settings, notificationOf(entry));
    auto personal = personalNotificationOf(db, channel, entry);
    if (!personal)
        return personal.failure();
    if (!personal->has_value())
        return QStringLiteral("not sent: no %1 for this user")
            .arg(contactFieldOf(channel.plugin) == ContactField::Phone ? QStringLiteral("phone")
                                                                       : QStringLiteral("email"));
    return plugin.deliver(settings, **personal);
}

} // namespace

qint64 DeliveryWorker::retryDelayMs(const Options &options, int attempt)
{
    qint64 delay = options.firstRetryMs;
    for (int i = 1; i < attempt && delay < options.maxRetryMs; ++i)
        delay *= 2;
    return std::min(delay, options.maxRetryMs);
}

DeliveryWorker::DeliveryWorker(Options options)
    : m_options(std::move(options))
{
}

DeliveryWorker::~DeliveryWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void DeliveryWorker::start()
{
    m_thread = std::thread([this] { run(); });
}

void DeliveryWorker::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_wake.notify_all();
}

void DeliveryWorker::run()
{
    for (;;) {
        if (auto round = deliverDue(); !round)
            qCWarning(lcDelivery, "delivery round failed: %s", qPrintable(round.error()));
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, std::chrono::milliseconds(m_options.pollMs),
                        [this] { return m_stopping || m_woken; });
        m_woken = false;
        if (m_stopping)
            break;
    }
    m_options.database->closeThreadConnection();
}

Result<int> DeliveryWorker::deliverDue()
{
    auto db = m_options.database->connection();
    if (!db)
        return db.failure();
    const qint64 now = m_options.clock->now().toMSecsSinceEpoch();
    auto claimed = OutboxQueue::claim(*db, now, m_options.batchSize, now + m_options.leaseMs);
    if (!claimed)
        return claimed.failure();
    for (const OutboxEntry &entry : std::as_const(*claimed)) {
        Result<QString> delivered = makeError(
            QStringLiteral("channel '%1' is not in channels.yaml").arg(entry.row.channel));
        for (const ChannelDefinition &channel : std::as_const(m_options.channels)) {
            if (channel.name != entry.row.channel)
                continue;
            NotificationChannel *plugin
                = m_options.plugins ? m_options.plugins->channel(channel.plugin) : nullptr;
            auto values = resolveChannelSecrets(channel, m_options.environment);
            if (!plugin)
                delivered
                    = makeError(QStringLiteral("plugin '%1' is not loaded").arg(channel.plugin));
            else if (!values)
                delivered = values.failure();
            else
                delivered = deliverOne(*db, *plugin, ChannelSettings {channel.name, *values},
                                       channel, entry);
        }
        const qint64 at = m_options.clock->now().toMSecsSinceEpoch();
        Result<void> settled;
        if (delivered) {
            settled = OutboxQueue::markDelivered(*db, entry.row.deliveryId, at, *delivered);
        } else {
            const int attempt = entry.attempts + 1;
            const bool dead = attempt >= m_options.maxAttempts;
            qCWarning(lcDelivery, "delivery %s to %s failed (try %d%s): %s",
                      qPrintable(entry.row.deliveryId), qPrintable(entry.row.channel), attempt,
                      dead ? ", the last: dead letter" : "", qPrintable(delivered.error()));
            settled = OutboxQueue::markFailed(*db, entry.row.deliveryId, at, delivered.error(),
                                              at + retryDelayMs(m_options, attempt), dead);
        }
        if (!settled)
            return settled.failure();
    }
    return int(claimed->size());
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/deliveryworker.h"

#include "core/clock.h"
#include "plugin/notificationchannel.h"
#include "pluginhost/pluginhost.h"
#include "store/database.h"
#include "store/outboxqueue.h"

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
                delivered = plugin->deliver(ChannelSettings {channel.name, *values},
                                            notificationOf(entry));
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

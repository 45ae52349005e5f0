// SPDX-License-Identifier: GPL-3.0-or-later
#include "delivery/deliveryworker.h"

#include "core/clock.h"
#include "delivery/contactfield.h"
#include "delivery/quiethours.h"
#include "plugin/notificationchannel.h"
#include "pluginhost/pluginhost.h"
#include "runtime/noticetext.h"
#include "runtime/readerlanguage.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "store/sidewriter.h"
#include "store/userrows.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QUrl>

#include <algorithm>

#include <pthread.h>

namespace Baton {

namespace {

Q_LOGGING_CATEGORY(lcDelivery, "baton.delivery")

/// How long after a settling found SQLite's lock busy the worker tries again (settleWhenDue).
constexpr int busyRetryMs = 10;

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
                                                           const OutboxEntry &entry, qint64 nowMs,
                                                           std::optional<qint64> *heldUntil)
{
    Notification n = notificationOf(entry);
    const QJsonObject notice = QJsonDocument::fromJson(entry.row.payload)
                                   .object()
                                   .value(QStringLiteral("notification"))
                                   .toObject();
    n.recipient = notice.value(QStringLiteral("recipient")).toString();
    n.message = notice.value(QStringLiteral("message")).toString();
    // A mail about no ticket (the weekly summary) carries its own subject.
    const QString subject = notice.value(QStringLiteral("subject")).toString();
    n.subject = subject.isEmpty() ? n.ticketKey + u' ' + n.ticketTitle : subject;
    auto user = UserRows::find(db, n.recipient);
    if (!user)
        return user.failure();
    if (!user->has_value() || !(*user)->active)
        return std::optional<Notification>();
    n.language = (*user)->language;
    // The sentence in the reader's language, as the bell says it (noticetext.h); a notice
    // queued before notices had params keeps its English text.
    const QString sentence = noticeText(n.kind, notice.value(QStringLiteral("params")).toObject(),
                                        languageOf(n.language));
    if (!sentence.isEmpty())
        n.message = sentence;
    n.address
        = contactFieldOf(channel.plugin) == ContactField::Phone ? (*user)->phone : (*user)->email;
    if (n.address.isEmpty())
        return std::optional<Notification>();
    // Quiet hours: held, not tried (a bad stored value, which the API refuses, holds nothing).
    const auto quiet = quietHoursOf(QJsonDocument::fromJson((*user)->preferences).object(),
                                    ownTimeZone((*user)->timeZone));
    if (quiet && quiet->has_value())
        *heldUntil = (*quiet)->heldUntil(notice.value(QStringLiteral("urgent")).toBool(), nowMs);
    return std::optional(std::move(n));
}

// The message of one row: event channels get the event; people channels the notice with the
// user's address and language looked up now (nullopt: nobody to send to).
// A notice in the recipient's quiet hours sets `heldUntil` to their end.
Result<std::optional<Notification>> messageOf(const QSqlDatabase &db,
                                              const ChannelDefinition *channel,
                                              const OutboxEntry &entry, qint64 nowMs,
                                              std::optional<qint64> *heldUntil)
{
    if (!channel || contactFieldOf(channel->plugin) == ContactField::None)
        return std::optional(notificationOf(entry));
    return personalNotificationOf(db, *channel, entry, nowMs, heldUntil);
}

QString notSentTo(const ChannelDefinition &channel)
{
    return QStringLiteral("not sent: no %1 for this user")
        .arg(contactFieldOf(channel.plugin) == ContactField::Phone ? QStringLiteral("phone")
                                                                   : QStringLiteral("email"));
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
    m_thread = std::thread([this] {
        // Named for `top -H` and the benchmark's CPU per delivery (bench_delivery).
        pthread_setname_np(pthread_self(), "baton-delivery");
        run();
    });
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
    // SQLite: this thread's commits only write outcomes, which need not be on disk when the
    // commit returns (a settling lost to a power cut sends those rows again, as at least once
    // allows; the engine's next commit syncs the log with it): no sync while holding the lock
    // the engine's writer waits for.
    if (auto db = m_options.database->connection(); db)
        if (auto set = SideWriter::commitWithoutSync(*db); !set)
            qCWarning(lcDelivery, "%s", qPrintable(set.error()));
    for (;;) {
        m_resolved.clear(); // a test message between rounds reads the environment now
        runTests();
        const auto roundStarted = std::chrono::steady_clock::now();
        auto round = deliverDue();
        if (!round)
            qCWarning(lcDelivery, "delivery round failed: %s", qPrintable(round.error()));
        // A full batch means more are due, and so does a channel's release: go on at once
        // rather than after a poll.
        const bool more = round && (*round >= m_options.batchSize || m_released);
        m_released = false;
        std::unique_lock lock(m_mutex);
        if (!more) {
            // Outcomes in hand are written at the latest a gap later (settleWhenDue).
            const int waitMs = m_unsettled.isEmpty()
                ? m_options.pollMs
                : std::min(m_options.pollMs, m_options.settleGapMs);
            m_wake.wait_for(lock, std::chrono::milliseconds(waitMs),
                            [this] { return m_stopping || m_woken || !m_tests.empty(); });
            // Woken by a commit soon after the last round began: the rows of the commits
            // that follow within the gap go in the same round (Options::roundGapMs).
            if (m_woken)
                m_wake.wait_until(lock,
                                  roundStarted + std::chrono::milliseconds(m_options.roundGapMs),
                                  [this] { return m_stopping || !m_tests.empty(); });
        }
        m_woken = false;
        if (m_stopping)
            break;
    }
    std::deque<TestRequest> unanswered;
    {
        std::lock_guard lock(m_mutex);
        unanswered.swap(m_tests);
    }
    for (TestRequest &request : unanswered)
        request.done(makeError(QStringLiteral("the server is stopping; the test was not sent")));
    // What was tried is written if the lock is free now; otherwise those rows go out again
    // after the restart, under the same ids.
    if (auto db = m_options.database->connection(); db && !m_unsettled.isEmpty())
        if (auto settled = settle(*db, false); !settled)
            qCWarning(lcDelivery, "settling at stop failed: %s", qPrintable(settled.error()));
    m_options.database->closeThreadConnection();
}

const ChannelDefinition *DeliveryWorker::channelNamed(const QString &name) const
{
    for (const ChannelDefinition &channel : m_options.channels)
        if (channel.name == name)
            return &channel;
    return nullptr;
}

namespace {

// (the secret as a plugin may quote it, its ${NAME}) for each of the channel's set secrets.
QList<std::pair<QString, QString>> secretReplacements(const ChannelDefinition &channel,
                                                      const EnvironmentLookup &environment)
{
    QList<std::pair<QString, QString>> replacements;
    for (const QString &name : channel.secretNames) {
        const std::optional<QString> value = environment ? environment(name) : std::nullopt;
        if (!value || value->isEmpty())
            continue;
        const QString reference = QStringLiteral("${") + name + u'}';
        replacements.append({*value, reference});
        // Qt's network errors quote a URL as it displays it (percent-decoded).
        const QString shown = QUrl(*value).toDisplayString();
        if (!shown.isEmpty())
            replacements.append({shown, reference});
    }
    return replacements;
}

QString replaced(QString text, const QList<std::pair<QString, QString>> &replacements)
{
    for (const auto &[value, reference] : replacements)
        text.replace(value, reference);
    return text;
}

} // namespace

QString DeliveryWorker::withoutSecrets(const QString &text, const ChannelDefinition &channel,
                                       const EnvironmentLookup &environment)
{
    return replaced(text, secretReplacements(channel, environment));
}

const DeliveryWorker::ResolvedChannel &DeliveryWorker::resolved(const ChannelDefinition &channel)
{
    if (const auto found = m_resolved.constFind(channel.name); found != m_resolved.cend())
        return *found;
    ResolvedChannel r;
    if (auto values = resolveChannelSecrets(channel, m_options.environment))
        r.values = std::move(*values);
    else
        r.error = values.failure();
    r.secrets = secretReplacements(channel, m_options.environment);
    return *m_resolved.insert(channel.name, std::move(r));
}

Result<QString> DeliveryWorker::attempt(const ChannelDefinition *channel,
                                        const Notification &message)
{
    if (!channel)
        return makeError(QStringLiteral("channel is not in channels.yaml"));
    NotificationChannel *plugin
        = m_options.plugins ? m_options.plugins->channel(channel->plugin) : nullptr;
    if (!plugin)
        return makeError(QStringLiteral("plugin '%1' is not loaded").arg(channel->plugin));
    const ResolvedChannel &settings = resolved(*channel);
    if (settings.error)
        return *settings.error;
    Result<QString> outcome
        = plugin->deliver(ChannelSettings {channel->name, settings.values}, message);
    if (outcome)
        return replaced(*outcome, settings.secrets);
    // Its kind and fields kept: whose failure it is, and the receiver's Retry-After.
    Error failure = outcome.failure();
    failure.message = replaced(failure.message, settings.secrets);
    return failure;
}

void DeliveryWorker::sendTest(const QString &channel, const QString &requestedBy, TestDone done)
{
    if (!channelNamed(channel))
        return done(makeError(ErrorKind::NotFound,
                              QStringLiteral("no channel '%1' in channels.yaml").arg(channel)));
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return done(makeError(QStringLiteral("the server is stopping; the test was not sent")));
        m_tests.push_back({channel, requestedBy, std::move(done)});
    }
    m_wake.notify_all();
}

void DeliveryWorker::runTests()
{
    for (;;) {
        TestRequest request;
        {
            std::lock_guard lock(m_mutex);
            if (m_tests.empty())
                return;
            request = std::move(m_tests.front());
            m_tests.pop_front();
        }
        const QDateTime now = m_options.clock->now().toUTC();
        Notification n;
        n.deliveryId
            = QStringLiteral("test.%1.%2").arg(now.toMSecsSinceEpoch()).arg(request.channel);
        n.recipient = request.requestedBy;
        n.kind = QStringLiteral("test");
        n.language = QStringLiteral("en");
        n.subject = QStringLiteral("Baton test message");
        n.message = QStringLiteral("A test message from Baton, sent by %1 from the admin page.")
                        .arg(request.requestedBy);
        n.createdAt = now;
        n.payload = QJsonDocument(
                        QJsonObject {
                            {QStringLiteral("event"),
                             QJsonObject {{QStringLiteral("type"), QStringLiteral("test")},
                                          {QStringLiteral("by"), request.requestedBy},
                                          {QStringLiteral("at"), now.toString(Qt::ISODateWithMs)}}},
                            {QStringLiteral("ticket"), QJsonValue(QJsonValue::Null)}})
                        .toJson(QJsonDocument::Compact);
        request.done(attempt(channelNamed(request.channel), n));
    }
}

// The outcomes in hand in one transaction: on SQLite every write transaction waits for the
// engine's writer, so one per row starved the worker behind a busy writer (bench_delivery: ~5
// deliveries/s received while 1,000/s were offered). At least once still holds: a row not yet
// settled is pending and due (SQLite) or leased (PostgreSQL), and goes out again after a crash.
Result<void> DeliveryWorker::settle(const QSqlDatabase &db, bool waitForLock)
{
    if (m_unsettled.isEmpty() && m_unsettledHealth.isEmpty())
        return {};
    QStringList released;
    bool madeDue = false;
    const auto write = [&](auto &transaction) -> Result<void> {
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        auto written = writeOutcomes(db, &madeDue);
        if (!written)
            return written.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed;
        released = *written;
        return {};
    };
    if (waitForLock) {
        Transaction transaction(db);
        if (auto done = write(transaction); !done)
            return done;
    } else {
        SideWriter::TryTransaction transaction(db);
        if (transaction.isBusy())
            return {}; // the engine writes: tried again later
        if (auto done = write(transaction); !done)
            return done;
    }
    for (auto it = m_unsettledHealth.cbegin(); it != m_unsettledHealth.cend(); ++it)
        if (it->failed > 0)
            qCWarning(lcDelivery, "%d %s to %s failed (the last: %s, try %d): %s", it->failed,
                      it->failed == 1 ? "delivery" : "deliveries", qPrintable(it.key()),
                      qPrintable(it->lastFailedId), it->lastFailedTry, qPrintable(it->failure));
    for (const QString &channel : std::as_const(released))
        m_channelsAnswering.insert(channel);
    m_released = m_released || madeDue; // the next round at once
    for (const Outcome &o : std::as_const(m_unsettled))
        m_inHand.remove(o.deliveryId);
    m_unsettled.clear();
    m_unsettledHealth.clear();
    m_oldestUnsettled.reset();
    return {};
}

Result<QStringList> DeliveryWorker::writeOutcomes(const QSqlDatabase &db, bool *madeDue)
{
    QList<OutboxQueue::Delivered> delivered;
    for (const Outcome &o : std::as_const(m_unsettled))
        if (o.kind == Outcome::Kind::Delivered)
            delivered.append({o.deliveryId, o.atMs, o.text});
    if (auto marked = OutboxQueue::markDelivered(db, delivered); !marked)
        return marked.failure();
    for (const Outcome &o : std::as_const(m_unsettled)) {
        if (o.kind == Outcome::Kind::Delivered)
            continue;
        const Result<void> done = o.kind == Outcome::Kind::Failed
            ? OutboxQueue::markFailed(db, o.deliveryId, o.atMs, o.text, o.retryAtMs, o.dead,
                                      o.channelFailure ? QStringLiteral("channel")
                                                       : QStringLiteral("row"))
            : o.kind == Outcome::Kind::Deferred
            ? OutboxQueue::deferForChannel(db, o.deliveryId, o.atMs)
            : OutboxQueue::postpone(db, o.deliveryId, o.atMs, o.text);
        if (!done)
            return done.failure();
    }
    const QHash<QString, RoundHealth> &health = m_unsettledHealth;
    // A channel that answers again (or for the first time since the start): what waited only
    // for it is due now, after the rows above were settled (those deferred meanwhile too).
    QStringList released;
    bool anyMadeDue = false;
    for (auto it = health.cbegin(); it != health.cend(); ++it) {
        if (!it->answered || m_channelsAnswering.contains(it.key()))
            continue;
        auto count = OutboxQueue::releaseChannel(
            db, it.key(), it->successAt.value_or(m_options.clock->now().toMSecsSinceEpoch()));
        if (!count)
            return count.failure();
        if (*count > 0) {
            qCInfo(lcDelivery, "%s answers again: %d deliveries that waited for it are due",
                   qPrintable(it.key()), *count);
            anyMadeDue = true;
        }
        released << it.key();
    }
    for (auto it = health.cbegin(); it != health.cend(); ++it)
        if (auto recorded
            = OutboxQueue::recordHealth(db, it.key(), it->successAt, it->failureAt, it->failure);
            !recorded)
            return recorded.failure();
    *madeDue = anyMadeDue;
    return released;
}

Result<void> DeliveryWorker::settleWhenDue(const QSqlDatabase &db, bool roundEnd)
{
    if (!m_oldestUnsettled)
        return {};
    const auto age = std::chrono::steady_clock::now() - *m_oldestUnsettled;
    // PostgreSQL: each round (the leases say whose rows they are), and every second of a round
    // with slow receivers.
    if (!m_options.database->isSqlite())
        return roundEnd || age >= std::chrono::seconds(1) ? settle(db, true) : Result<void>();
    if (age >= std::chrono::milliseconds(m_options.settleWaitMs))
        return settle(db, true);
    // A try that found the lock busy is not made again for a few milliseconds: a try is four
    // statements, and after each delivery of a round they cost more than the deliveries.
    const auto now = std::chrono::steady_clock::now();
    if (now - m_busyTriedAt < std::chrono::milliseconds(busyRetryMs))
        return {};
    if (age >= std::chrono::milliseconds(m_options.settleGapMs)
        || m_unsettled.size() >= 5 * m_options.batchSize) {
        auto settled = settle(db, false);
        if (settled && m_oldestUnsettled)
            m_busyTriedAt = now;
        return settled;
    }
    return {};
}

DeliveryWorker::Outcome DeliveryWorker::tryOne(const QSqlDatabase &db, const OutboxEntry &entry,
                                               qint64 now)
{
    const ChannelDefinition *channel = channelNamed(entry.row.channel);
    Outcome outcome;
    outcome.deliveryId = entry.row.deliveryId;
    // Its channel failed a moment ago: not tried, no try counted; it waits for the probe.
    if (const qint64 downUntil = m_channelDownUntil.value(entry.row.channel); downUntil > now) {
        outcome.kind = Outcome::Kind::Deferred;
        outcome.atMs = downUntil;
        return outcome;
    }
    std::optional<qint64> heldUntil;
    const auto message = messageOf(db, channel, entry, now, &heldUntil);
    if (message && heldUntil) {
        outcome.kind = Outcome::Kind::Held;
        outcome.atMs = *heldUntil;
        outcome.text
            = QStringLiteral("held: the recipient's quiet hours end at %1")
                  .arg(QDateTime::fromMSecsSinceEpoch(*heldUntil, Qt::UTC).toString(Qt::ISODate));
        return outcome;
    }
    const Result<QString> delivered = !message ? Result<QString>(message.failure())
        : !message->has_value()                ? Result<QString>(notSentTo(*channel))
                                               : attempt(channel, **message);
    outcome.atMs = m_options.clock->now().toMSecsSinceEpoch();
    RoundHealth &seen = m_unsettledHealth[entry.row.channel];
    const bool channelFailure = !delivered && isChannelFailure(delivered.failure());
    if (!channelFailure && message && message->has_value()) {
        // The receiver answered: the channel works (a refusal of this message is its own).
        seen.answered = true;
        m_channelDownUntil.remove(entry.row.channel);
    }
    if (delivered) {
        seen.successAt = outcome.atMs;
        outcome.text = *delivered;
        return outcome;
    }
    const int tries = entry.attempts + 1;
    outcome.kind = Outcome::Kind::Failed;
    outcome.channelFailure = channelFailure;
    outcome.dead = tries >= m_options.maxAttempts;
    if (outcome.dead)
        qCWarning(lcDelivery, "delivery %s to %s failed (try %d, the last: dead letter): %s",
                  qPrintable(entry.row.deliveryId), qPrintable(entry.row.channel), tries,
                  qPrintable(delivered.error()));
    ++seen.failed;
    seen.lastFailedId = entry.row.deliveryId;
    seen.lastFailedTry = tries;
    seen.failureAt = outcome.atMs;
    seen.failure = delivered.error();
    outcome.text = delivered.error();
    outcome.retryAtMs = outcome.atMs + retryDelayMs(m_options, tries);
    // The receiver said when to come back (429, 503): not before, at least a second (a
    // Retry-After of 0 must not spin the probe), at most the longest back-off.
    bool saidWhen = false;
    const qint64 retryAfter
        = delivered.failure().fields.value(QLatin1String(retryAfterField)).toLongLong(&saidWhen);
    if (saidWhen)
        outcome.retryAtMs
            = outcome.atMs + std::clamp<qint64>(retryAfter * 1000, 1000, m_options.maxRetryMs);
    if (channelFailure) {
        m_channelDownUntil.insert(entry.row.channel, outcome.retryAtMs);
        m_channelsAnswering.remove(entry.row.channel);
    }
    return outcome;
}

Result<void> DeliveryWorker::releaseAbandonedLeasesNowAndThen(const QSqlDatabase &db, qint64 now)
{
    // At the first round, then every few seconds: rows a killed server had claimed go out as
    // soon as its database session is gone, not when their lease runs out (a clock moved
    // backwards also checks again). One cheap UPDATE against pg_stat_activity.
    // SQLite: at the first round only (rows an earlier server leased; this one leases none).
    if (m_leasesReleasedAt != 0
        && (m_options.database->isSqlite()
            || (now - m_leasesReleasedAt < m_options.abandonedLeaseCheckMs
                && now >= m_leasesReleasedAt)))
        return {};
    auto released = OutboxQueue::releaseAbandonedLeases(db, now);
    if (!released)
        return released.failure();
    if (*released > 0)
        qCInfo(lcDelivery, "%d deliveries claimed by a server that is gone are due again",
               *released);
    m_leasesReleasedAt = now;
    return {};
}

Result<QList<OutboxEntry>> DeliveryWorker::claim(const QSqlDatabase &db, qint64 now)
{
    if (!m_options.database->isSqlite())
        return OutboxQueue::claim(db, now, m_options.batchSize, now + m_options.leaseMs);
    return OutboxQueue::due(db, now, m_options.batchSize, m_inHand);
}

Result<int> DeliveryWorker::deliverDue()
{
    auto db = m_options.database->connection();
    if (!db)
        return db.failure();
    m_resolved.clear();
    const qint64 now = m_options.clock->now().toMSecsSinceEpoch();
    if (auto released = releaseAbandonedLeasesNowAndThen(*db, now); !released)
        return released.failure();
    auto claimed = claim(*db, now);
    if (!claimed)
        return claimed.failure();
    for (const OutboxEntry &entry : std::as_const(*claimed)) {
        runTests(); // an admin's test does not wait for the whole batch
        m_inHand.insert(entry.row.deliveryId);
        if (!m_oldestUnsettled)
            m_oldestUnsettled = std::chrono::steady_clock::now();
        m_unsettled.append(tryOne(*db, entry, now));
        if (auto settled = settleWhenDue(*db, false); !settled)
            return settled.failure();
    }
    if (auto settled = settleWhenDue(*db, true); !settled)
        return settled.failure();
    return int(claimed->size());
}

} // namespace Baton

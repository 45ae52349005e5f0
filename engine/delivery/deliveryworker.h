// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/channelsreader.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

class QSqlDatabase;

namespace Baton {

class Clock;
class Database;
struct OutboxEntry;
class PluginHost;
struct Notification;

/// Sends the outbox: on its own thread, off the engine's commit path (like the SLA timer
/// scheduler), it claims due rows, hands each to its channel's plugin, and settles it:
/// delivered, or retried after a back-off that doubles from `firstRetryMs` up to
/// `maxRetryMs`, or after `maxAttempts` tries a dead letter for an admin to retry. At least
/// once: a server killed between the plugin's success and the settling sends that row again,
/// with the same delivery id.
///
/// PostgreSQL (several servers): a claim leases the rows (SKIP LOCKED, so that each goes out
/// from one server; a killed server's leases are released once its session is gone), and each
/// round is settled at its end. SQLite (one server per file, one writer lock, which the
/// engine's group commits hold most of the time when busy): the due rows are read, not leased,
/// and the rows in hand are kept in memory until their outcomes are written; outcomes are
/// written together every `settleGapMs` by a transaction that does not wait for the lock (it
/// tries again later) and does not sync the disk (a settling lost to a power cut only sends
/// those rows again), and waits for the lock only when an outcome is `settleWaitMs` old. So the
/// worker neither queues behind the engine's writer to send nor holds it up with syncs.
///
/// A failure is the channel's or the row's (NotificationChannel::deliver, recorded on the row
/// as its failure kind). After a channel's failure the other rows of that channel are not tried
/// (no try counted) but wait for the failed row's next try, which probes the channel at that
/// row's back-off (or at the receiver's Retry-After); as soon as a delivery on the channel gets
/// an answer — delivered, or refused for itself — every row that waited only for the channel
/// is due at once, so an outbox filled during an outage drains when the receiver is back at
/// the rate it answers, while a row the receiver refuses keeps its own back-off and burns its
/// tries no faster.
class DeliveryWorker
{
public:
    struct Options
    {
        std::shared_ptr<Database> database;
        const Clock *clock = nullptr;
        const PluginHost *plugins = nullptr; ///< must outlive the worker
        QList<ChannelDefinition> channels;
        EnvironmentLookup environment = processEnvironment;
        int pollMs = 1000; ///< how often it looks for due rows when not woken
        /// The least time between the starts of two rounds when woken by commits: each command
        /// that writes a row wakes the worker, and a round per commit (a few rows each) paid
        /// its claim and its settling — two write transactions, each a disk sync the engine's
        /// writer waits behind on SQLite — for a few deliveries (bench_engine --deliveries).
        /// Rows committed meanwhile go in the next round; a full batch and a channel's release
        /// still go on at once, and so does an admin's test message.
        int roundGapMs = 20;
        int batchSize = 100;
        /// SQLite: how long outcomes gather in memory before the worker tries to write them
        /// (without waiting for the engine's writer), and how old the oldest may grow before
        /// it waits for the lock. PostgreSQL settles each round at its end.
        int settleGapMs = 100;
        int settleWaitMs = 1000;
        qint64 leaseMs = 300000; ///< longer than a plugin's own time limit
        /// How often it looks for leases of servers that are gone (killed, their database
        /// session ended), to send those rows now rather than when their lease runs out.
        qint64 abandonedLeaseCheckMs = 5000;
        qint64 firstRetryMs = 5000;
        qint64 maxRetryMs = 86400000; ///< a day
        int maxAttempts = 20; ///< 5 s doubling reaches a day at the 15th; then daily
    };

    /// The back-off before try `attempt + 1` after `attempt` failed tries (from 1).
    static qint64 retryDelayMs(const Options &options, int attempt);

    explicit DeliveryWorker(Options options);
    /// Stops the thread (the delivery in progress completes first).
    ~DeliveryWorker();
    DeliveryWorker(const DeliveryWorker &) = delete;
    DeliveryWorker &operator=(const DeliveryWorker &) = delete;

    void start();
    /// Looks for due rows now (after a commit that wrote some, or a dead letter retried).
    void wake();
    /// One round on the worker's thread: every row due now, each tried once (its outcome
    /// written at the round's end, or on SQLite when settleWhenDue() says). Returns how many
    /// were tried.
    Result<int> deliverDue();

    /// The admin's "send a test message": one attempt through `channel`'s plugin now, outside
    /// the outbox (nothing is stored or retried), made on the worker's thread between two
    /// deliveries (a plugin is only ever called from there). `done` gets the plugin's receipt
    /// or error, secrets taken out, on the worker's thread; an unknown channel or a stopping
    /// worker answers at once.
    using TestDone = std::function<void(Result<QString>)>;
    void sendTest(const QString &channel, const QString &requestedBy, TestDone done);

    /// `text` with the values of the channel's secrets replaced by their `${NAME}`: what a
    /// plugin reports (an error naming its URL) may quote a secret, and what the worker keeps
    /// reaches the database, the log and the admin API.
    static QString withoutSecrets(const QString &text, const ChannelDefinition &channel,
                                  const EnvironmentLookup &environment);

private:
    struct TestRequest
    {
        QString channel;
        QString requestedBy;
        TestDone done;
    };
    /// What the worker saw on one channel since its last settling, written to channel_health
    /// with the outcomes.
    struct RoundHealth
    {
        std::optional<qint64> successAt;
        bool answered = false; ///< a try got the receiver's answer (delivered, or refused)
        std::optional<qint64> failureAt;
        QString failure;
        int failed = 0; ///< tries that failed (logged once per settling, not a line a try)
        QString lastFailedId;
        int lastFailedTry = 0;
    };
    /// How one row in hand ends its try: delivered, failed (pending again at `retryAtMs`, or
    /// dead), held for quiet hours without a try, or deferred: not tried, its channel failing,
    /// due again at `atMs` (the channel's probe).
    struct Outcome
    {
        enum class Kind { Delivered, Failed, Held, Deferred } kind = Kind::Delivered;
        QString deliveryId;
        qint64 atMs = 0; ///< Held, Deferred: until when
        bool channelFailure = false; ///< Failed: the channel's failure, not the row's
        QString text; ///< the receipt, the error, or why it is held
        qint64 retryAtMs = 0;
        bool dead = false;
    };
    /// A channel's settings with the environment's secrets put in, and the replacements that
    /// take them out of what its plugin reports: made once per round, not per delivery (the
    /// environment's lookups and a URL parse per secret were a tenth of a delivery's CPU,
    /// perf on bench_engine --deliveries).
    struct ResolvedChannel
    {
        QVariantMap values;
        std::optional<Error> error; ///< a secret's variable is not set
        QList<std::pair<QString, QString>> secrets; ///< (as it may be quoted, its ${NAME})
    };
    const ResolvedChannel &resolved(const ChannelDefinition &channel);
    void run();
    void runTests();
    Result<void> releaseAbandonedLeasesNowAndThen(const QSqlDatabase &db, qint64 now);
    /// One claimed row: held, or tried through its channel's plugin; `health` notes the try.
    Outcome tryOne(const QSqlDatabase &db, const OutboxEntry &entry, qint64 now);
    /// Writes the outcomes in hand in one transaction; without `waitForLock`, nothing is
    /// written when SQLite's lock is busy (tried again later).
    Result<void> settle(const QSqlDatabase &db, bool waitForLock);
    /// settle()'s statements, in its transaction: the channels released (m_channelsAnswering
    /// once committed); `madeDue`: rows that waited for them are due.
    Result<QStringList> writeOutcomes(const QSqlDatabase &db, bool *madeDue);
    /// Settles when it is time (the class comment): `roundEnd` at a round's end.
    Result<void> settleWhenDue(const QSqlDatabase &db, bool roundEnd);
    /// The due rows of this round: leased on PostgreSQL; read on SQLite, less those in hand.
    Result<QList<OutboxEntry>> claim(const QSqlDatabase &db, qint64 now);
    const ChannelDefinition *channelNamed(const QString &name) const;
    Result<QString> attempt(const ChannelDefinition *channel, const Notification &message);
    std::deque<TestRequest> m_tests; // guarded by m_mutex
    Options m_options;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_woken = false;
    /// When leases of servers that are gone were last released (worker thread only).
    qint64 m_leasesReleasedAt = 0;
    /// Channels whose last try failed the channel's way, and until when their rows wait (the
    /// failed row's next try: the probe). Worker thread only.
    QHash<QString, qint64> m_channelDownUntil;
    /// Channels known to answer since the last release of their waiting rows (the first
    /// answer after the start releases too: rows a previous run left waiting).
    QSet<QString> m_channelsAnswering;
    /// This round's resolved channels (worker thread only; emptied at each round's start, so
    /// a changed environment is read at the next round).
    QHash<QString, ResolvedChannel> m_resolved;
    /// Rows were made due by a release: the next round starts at once (worker thread only).
    bool m_released = false;
    /// The rows tried (or being tried) whose outcomes are not written yet, those outcomes, the
    /// health seen meanwhile, and when the oldest was tried (worker thread only): a row in
    /// hand is not claimed again, though it is still due in the database.
    QSet<QString> m_inHand;
    QList<Outcome> m_unsettled;
    QHash<QString, RoundHealth> m_unsettledHealth;
    std::optional<std::chrono::steady_clock::time_point> m_oldestUnsettled;
    /// When a settling last found SQLite's lock busy (worker thread only).
    std::chrono::steady_clock::time_point m_busyTriedAt;
    std::thread m_thread;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
// The commit pipeline: the writer thread takes batches off the queue (run), the committer
// thread writes each in one transaction (commitLoop). A failed commit fails its epoch; stale,
// refused (split in halves) and follower batches go back to the writer, with back-off.
#include "engine_p.h"

#include "core/metrics.h"
#include "runtime/eventtypes.h"
#include "store/database.h"
#include "store/storelog.h"

#include <QElapsedTimer>
#include <QRandomGenerator>

#include <pthread.h>

namespace Baton {

namespace {

void failShuttingDown(Command &command)
{
    command.done(makeError(QStringLiteral("the engine is shutting down")));
}

/// Moves the commands of `group` (one half of a refused batch) from `retry` into `batch`.
void takeGroup(std::deque<Command> &retry, std::vector<Command> &batch, quint64 group)
{
    for (auto it = retry.begin(); it != retry.end();) {
        if (it->group != group) {
            ++it;
            continue;
        }
        batch.push_back(std::move(*it));
        it = retry.erase(it);
    }
}

} // namespace

void Engine::Private::enqueue(Command command)
{
    {
        std::lock_guard lock(queueMutex);
        if (!stopping) {
            noteQueued();
            queue.push_back(std::move(command));
            queueReady.notify_one();
            return;
        }
    }
    failShuttingDown(command);
}

void Engine::Private::run()
{
    committer = std::thread([this] {
        pthread_setname_np(pthread_self(), "baton-commit");
        commitLoop();
    });
    std::vector<Command> batch;
    for (;;) {
        size_t inCommitter = 0;
        {
            // Build the next batch only once the last one is being committed: commands that
            // arrive meanwhile join it, so under load a batch holds half the callers waiting
            // instead of a third (one building, one pending, one committing), and each fsync
            // carries more of them.
            std::unique_lock lock(commitMutex);
            commitCv.wait(lock, [this] { return !pending; });
            inCommitter = committingSize;
        }
        if (!takeBatch(batch, inCommitter))
            break; // stopping, and everything queued is done
        process(batch);
    }
    {
        std::lock_guard lock(commitMutex);
        commitStopping = true;
        commitCv.notify_all();
    }
    committer.join();
    failLeftoverRetries();
    loader.reset(); // its statements hold the connection
    options.database->closeThreadConnection();
}

bool Engine::Private::takeBatch(std::vector<Command> &batch, size_t inCommitter)
{
    std::unique_lock lock(queueMutex);
    queueReady.wait(lock, [this] { return stopping || !queue.empty() || !retry.empty(); });
    if (queue.empty() && retry.empty())
        return false;
    gatherAtLightLoad(lock, inCommitter);
    batch.clear();
    if (!retry.empty() && retry.front().group) {
        // A half of a batch the database refused a row of: alone, so that its outcome says
        // whether the refused command is in it.
        takeGroup(retry, batch, retry.front().group);
        return true;
    }
    // At most half of the commands in flight (waiting here or being committed), so that the
    // writer and the committer each work on about half: taking everything let one batch grow
    // to nearly all callers, which the committer then waited for while the writer built it,
    // and built the next while the writer waited.
    const size_t waiting = queue.size() + retry.size();
    const size_t limit = std::min(size_t(std::max(1, options.maxBatch)),
                                  std::max(minimumBatch, (waiting + inCommitter + 1) / 2));
    for (auto it = retry.begin(); batch.size() < limit && it != retry.end();) {
        if (it->group) { // waits for its half's own batch
            ++it;
            continue;
        }
        batch.push_back(std::move(*it));
        it = retry.erase(it);
    }
    while (batch.size() < limit && !queue.empty()) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
    }
    return true;
}

// Batches the committer sent back after the last one was built.
void Engine::Private::failLeftoverRetries()
{
    std::deque<Command> left;
    {
        std::lock_guard lock(queueMutex);
        left.swap(retry);
    }
    for (Command &command : left)
        failShuttingDown(command);
}

void Engine::Private::handOff(Handoff handoff)
{
    std::unique_lock lock(commitMutex);
    commitCv.wait(lock, [this] { return !pending; }); // at most one batch waits
    pending = std::move(handoff);
    commitCv.notify_all();
}

void Engine::Private::waitCommitterIdle()
{
    std::unique_lock lock(commitMutex);
    commitCv.wait(lock, [this] { return !pending && !committing; });
}

void Engine::Private::backOffBeforeRetry(const std::vector<Command> &batch)
{
    int attempts = 0;
    for (const Command &command : batch)
        attempts = std::max(attempts, command.attempts);
    if (attempts == 0)
        return;
    // Up to 2^attempts ms (at most 64), and at least two of our last commits: the other
    // server's commits take about as long as ours, and on a slow machine a pause of a few
    // milliseconds would not move this server's next try away from them. At most half a
    // second, so that a burst's end is not slept through.
    const qint64 ceilingMicroseconds = std::min<qint64>(
        500'000,
        std::max<qint64>(1000LL << std::min(attempts, 6), 2 * lastCommitMicroseconds.load()));
    std::this_thread::sleep_for(
        std::chrono::microseconds(QRandomGenerator::global()->bounded(ceilingMicroseconds)));
}

// ---------------------------------------------------------------------------------------------

void Engine::Private::commitLoop()
{
    rows = std::make_unique<TicketWriter>(options.database, options.announceAs);
    while (std::optional<Handoff> handoff = waitForHandoff()) {
        const CommitOutcome outcome = write(*handoff);
        if (outcome.failure.isEmpty())
            committedSequence.store(handoff->sequence);
        const std::vector<bool> requeued = sendBackForRetry(*handoff, outcome);
        if (!outcome.failure.isEmpty())
            for (CommandResult &result : handoff->results)
                if (result.ok()) { // replays too: they may stand on the failed batch
                    result
                        = makeError(outcome.stale ? QStringLiteral("the ticket kept changing under "
                                                                   "concurrent writes; try again")
                                                  : outcome.failure);
                }
        releaseIdempotencyKeys(*handoff);
        countBatch(*handoff, outcome);
        notifyObserver(*handoff, outcome);
        for (size_t i = 0; i < handoff->batch.size(); ++i)
            if (!requeued[i])
                handoff->batch[i].done(std::move(handoff->results[i]));
        std::lock_guard lock(commitMutex);
        committing = false;
        committingSize = 0;
        commitCv.notify_all();
    }
    rows.reset();
    options.database->closeThreadConnection();
}

std::optional<Handoff> Engine::Private::waitForHandoff()
{
    std::unique_lock lock(commitMutex);
    commitCv.wait(lock, [this] { return commitStopping || pending; });
    if (!pending)
        return std::nullopt;
    std::optional<Handoff> handoff = std::move(pending);
    pending.reset();
    committing = true;
    committingSize = handoff->batch.size();
    commitCv.notify_all();
    return handoff;
}

CommitOutcome Engine::Private::write(Handoff &handoff)
{
    CommitOutcome outcome;
    if (failedEpoch.load() == handoff.epoch) {
        outcome.follower = true;
        outcome.failure = QStringLiteral("database error: an earlier group commit failed");
        return outcome;
    }
    if (handoff.rows.isEmpty())
        return outcome;
    QElapsedTimer timer;
    timer.start();
    auto stored = rows->write(handoff.rows, &outcome.report);
    outcome.nanoseconds = timer.nsecsElapsed();
    lastCommitMicroseconds.store(outcome.nanoseconds / 1000);
    qCDebug(lcStore, "commit of %zu commands: %.2f ms", handoff.batch.size(),
            outcome.nanoseconds / 1e6);
    if (stored)
        return outcome;
    outcome.failure = stored.error();
    // A deadlock or serialisation failure anywhere in the batch is another server's doing too
    // (not only in the ticket updates, which name tickets).
    outcome.stale = !outcome.report.staleTickets.isEmpty() || outcome.report.conflicted;
    outcome.split = !outcome.stale && outcome.report.rowsRefused && handoff.batch.size() > 1;
    if (outcome.stale || outcome.split)
        qCInfo(lcStore).noquote() << "group commit of" << handoff.batch.size()
                                  << "commands built again" << (outcome.split ? "in halves:" : ":")
                                  << outcome.failure;
    else
        qCWarning(lcStore).noquote()
            << "group commit of" << handoff.batch.size() << "commands failed:" << outcome.failure;
    failedEpoch.store(handoff.epoch);
    return outcome;
}

// Every command of a stale, split or follower batch goes back to the writer, refusals
// included: they may have been judged on the old version, or on rows never written. A
// follower's own commands did nothing wrong: they are built again whatever failed the batch
// under them (if the database itself fails, they fail in their own batch).
std::vector<bool> Engine::Private::sendBackForRetry(Handoff &handoff, const CommitOutcome &outcome)
{
    std::vector<bool> requeued(handoff.batch.size(), false);
    if (!outcome.stale && !outcome.split && !outcome.follower)
        return requeued;
    std::deque<Command> again;
    const quint64 firstHalf = outcome.split ? ++lastGroup : 0;
    const quint64 secondHalf = outcome.split ? ++lastGroup : 0;
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < handoff.batch.size(); ++i) {
        Command &command = handoff.batch[i];
        if (outcome.split) {
            // Halves are strictly smaller, so this ends with batches of one.
            command.group = i < (handoff.batch.size() + 1) / 2 ? firstHalf : secondHalf;
        } else {
            // Stale, or a follower (not its own conflict, and a follower's batch is never its
            // cause: the writer starts a new epoch under it). attempts only grows the
            // back-off; the window bounds the loop.
            if (outcome.stale)
                ++command.attempts;
            if (!command.builtAgainSince)
                command.builtAgainSince = now;
            else if (now - *command.builtAgainSince > retryWindow)
                continue;
        }
        again.push_back(std::move(command));
        requeued[i] = true;
    }
    {
        QMutexLocker lock(&statsMutex);
        stats.retried += again.size();
        stats.split += outcome.split ? 1 : 0;
    }
    std::lock_guard lock(queueMutex);
    for (Command &command : again)
        retry.push_back(std::move(command));
    queueReady.notify_one();
    return requeued;
}

void Engine::Private::releaseIdempotencyKeys(const Handoff &handoff)
{
    QMutexLocker lock(&inflightMutex);
    for (const auto &key : std::as_const(handoff.idempotencyKeys))
        inflight.remove(key);
}

void Engine::Private::countBatch(const Handoff &handoff, const CommitOutcome &outcome)
{
    {
        QMutexLocker lock(&statsMutex);
        ++stats.batches;
        stats.commands += handoff.batch.size();
        stats.commitMicroseconds += quint64(outcome.nanoseconds / 1000);
        stats.maxBatch = std::max<quint64>(stats.maxBatch, handoff.batch.size());
    }
    if (outcome.failure.isEmpty() && !handoff.rows.isEmpty())
        countCommitted(handoff);
}

/// /metrics: the batch's size (SLA breaches are counted by the SLA module, which makes them).
/// Atomics only; the committer thread.
void Engine::Private::countCommitted(const Handoff &handoff)
{
    Metrics::global().commitBatchSize.observe(double(handoff.batch.size()));
}

void Engine::Private::notifyObserver(Handoff &handoff, const CommitOutcome &outcome)
{
    // The delivery worker looks at once instead of at its next poll.
    if (outcome.failure.isEmpty() && !handoff.rows.outbox.isEmpty() && options.outboxCommitted)
        options.outboxCommitted();
    if (!outcome.failure.isEmpty()
        || (handoff.changedTickets.isEmpty() && handoff.rows.notifications.isEmpty()))
        return;
    std::lock_guard lock(observerMutex);
    if (!observer)
        return;
    CommittedChange change;
    change.tickets = std::move(handoff.changedTickets);
    change.notifications = std::move(handoff.rows.notifications);
    for (qsizetype i = 0; i < change.notifications.size(); ++i)
        change.notifications[i].id = outcome.report.notificationIds.value(i);
    observer(change);
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
// Light load: a batch that would be small while nothing is being committed waits a moment for
// more commands, so that one commit and one disk sync carry several (issue 20). Under load the
// committer is busy when a batch is taken, and commands gather behind it by themselves.
#include "engine_p.h"

namespace Baton {

void Engine::Private::noteQueued()
{
    // Called under queueMutex before the push: only the first command of a batch to be is timed.
    if (queue.empty() && options.lightLoadWaitMicroseconds > 0)
        queueStartedAt = std::chrono::steady_clock::now();
}

void Engine::Private::gatherAtLightLoad(std::unique_lock<std::mutex> &lock, size_t inCommitter)
{
    const size_t enough = size_t(std::max(1, options.lightLoadGroup));
    if (options.lightLoadWaitMicroseconds <= 0 || inCommitter > 0 || stopping || !retry.empty()
        || queue.size() >= enough)
        return;
    // Waiting pays only while commands keep arriving during the wait. A lone caller sending its
    // next command only after the answer (a script, a test) never brings one: after waits
    // that brought nothing the writer stops waiting, and tries again once every probeEvery
    // batches, so such a caller pays the wait once in probeEvery commands.
    constexpr int probeEvery = 32;
    constexpr int maxCredit = 8;
    if (gatherCredit <= 0) {
        if (++gatherSkipped < probeEvery)
            return;
        gatherSkipped = 0;
    }
    const size_t before = queue.size();
    // From the first command's arrival: one that already waited for the writer waits no longer.
    const auto deadline
        = queueStartedAt + std::chrono::microseconds(options.lightLoadWaitMicroseconds);
    queueReady.wait_until(lock, deadline,
                          [this, enough] { return stopping || queue.size() >= enough; });
    gatherCredit = queue.size() > before ? std::min(maxCredit, gatherCredit + 2)
                                         : std::max(0, gatherCredit - 1);
}

} // namespace Baton

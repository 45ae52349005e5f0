// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/changefeed.h"

#include <functional>
#include <memory>

namespace Baton {

class Database;

/// LISTENs on ChangeFeed::channel over a connection of its own (libpq, application_name
/// `baton-listen`), on a thread of its own, and hands each notice to `changed` on that thread;
/// the callbacks may read the database there (Database::connection(); closed when the
/// listener stops).
///
/// When the connection drops (the server restarted, an administrator ended it), it connects
/// again after 100 ms, then doubling up to 5 s, and calls `reconnected`: notices sent while it
/// was away are lost, and the callback says so. TCP keepalives notice a silent peer.
class ChangeListener
{
public:
    struct Callbacks
    {
        std::function<void(const ChangeNotice &)> changed;
        std::function<void()> reconnected;
    };
    /// `database` must be a PostgreSQL one.
    ChangeListener(std::shared_ptr<Database> database, Callbacks callbacks);
    /// stop()
    ~ChangeListener();
    ChangeListener(const ChangeListener &) = delete;
    ChangeListener &operator=(const ChangeListener &) = delete;

    /// Starts the thread and waits for the first LISTEN. On failure it keeps trying in the
    /// background and the error says why the first attempt failed.
    Result<void> start();
    /// Closes the connection and ends the thread; no callback runs after it returns.
    void stop();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Baton

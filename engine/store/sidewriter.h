// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>

namespace Baton {

/// Writes beside the engine's group commits on SQLite, whose one writer lock those commits hold
/// most of the time when the engine is busy: for a writer whose writes can wait (the delivery
/// worker's settling of what it sent), which has other work to do meanwhile rather than queue
/// for the lock, and whose writes may be lost to a power cut (they are done again).
namespace SideWriter {

/// The connection's commits do not sync the disk (PRAGMA synchronous=NORMAL in WAL mode): a
/// commit lost to a power cut is lost alone (the log is replayed up to it), and the engine's
/// next commit, which syncs, makes it durable with its own. SQLite only; nothing on PostgreSQL.
Result<void> commitWithoutSync(const QSqlDatabase &db);

/// A write transaction begun only if no other connection holds SQLite's writer lock now (the
/// connection's busy timeout set aside for the BEGIN): isBusy() when one did, nothing begun and
/// nothing logged. PostgreSQL: an ordinary transaction (BEGIN waits for nothing there). Rolled
/// back on destruction unless committed.
class TryTransaction
{
public:
    explicit TryTransaction(QSqlDatabase db);
    ~TryTransaction();
    TryTransaction(const TryTransaction &) = delete;
    TryTransaction &operator=(const TryTransaction &) = delete;

    bool isActive() const { return m_active; }
    bool isBusy() const { return m_busy; }
    const QString &error() const { return m_error; }
    Result<void> commit();

private:
    QSqlDatabase m_db;
    bool m_active = false;
    bool m_busy = false;
    QString m_error;
};

} // namespace SideWriter

} // namespace Baton

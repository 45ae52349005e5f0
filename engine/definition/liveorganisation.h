// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/model.h"

#include <QByteArray>
#include <QList>
#include <QMutex>

#include <atomic>
#include <memory>

namespace Baton {

/// The organisation a running server works with, replaced as a whole when an admin publishes
/// a new one (PUT /api/v1/org, or another server on the same database did). Thread-safe.
///
/// Every organisation it ever held stays alive until it is destroyed: readers on any thread
/// keep using a plain `const Organisation &` (the engine, the SLA clocks and the routes were
/// written that way), and the calendar cache tells organisations apart by address, which a
/// freed one could hand to the next. An organisation is published a few times a year.
class LiveOrganisation
{
public:
    /// `first`: what the server started with; `source`: its text as stored (version 0: not
    /// known to be published yet).
    explicit LiveOrganisation(std::shared_ptr<const Organisation> first, int version = 0,
                              QByteArray source = {});
    LiveOrganisation(const LiveOrganisation &) = delete;
    LiveOrganisation &operator=(const LiveOrganisation &) = delete;

    /// The organisation now; valid for this object's lifetime.
    const Organisation &current() const { return *m_current.load(std::memory_order_acquire); }
    /// The published version current() is, and its text.
    int version() const;
    QByteArray source() const;

    /// Makes `next` current unless `version` is not newer than version() (a notice that
    /// arrives late). Returns whether it did.
    bool replace(std::shared_ptr<const Organisation> next, int version, QByteArray source);
    /// Records which published version the current organisation is (at start, once the
    /// organisation's files were published or found unchanged).
    void setVersion(int version, QByteArray source);

private:
    mutable QMutex m_mutex;
    QList<std::shared_ptr<const Organisation>> m_kept; ///< every one held, for the readers
    std::atomic<const Organisation *> m_current;
    int m_version = 0;
    QByteArray m_source;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>

#include <functional>

class QSqlDatabase;

namespace Baton {

/// Every open ticket's stored state, for work that must look at all of them once (the SLA
/// service re-measuring clocks after a calendar changed). Reads committed data on `db`.
class OpenTicketScan
{
public:
    /// Calls `visit` with each open ticket's state_data (TicketState JSON), in id order.
    static Result<void> each(const QSqlDatabase &db,
                             const std::function<void(const QByteArray &stateData)> &visit);
};

} // namespace Baton

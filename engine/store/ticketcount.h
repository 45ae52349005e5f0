// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QtGlobal>

namespace Baton {

class Database;

/// How many tickets the database holds, open or closed (`baton serve --demo` seeds only an
/// empty one). On the calling thread's connection.
Result<qint64> countTickets(Database &database);

} // namespace Baton

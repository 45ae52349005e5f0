// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include <cstdio>

namespace Baton::Cli {

int runValidate(const QStringList &)
{
    std::fputs("baton validate: not implemented yet\n", stderr);
    return 3;
}

} // namespace Baton::Cli

// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include <cstdio>

namespace Baton::Cli {

int runDiagram(const QStringList &)
{
    std::fputs("baton diagram: not implemented yet\n", stderr);
    return 3;
}

} // namespace Baton::Cli

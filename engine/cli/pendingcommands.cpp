// SPDX-License-Identifier: GPL-3.0-or-later
// Sub-commands whose modules have not landed yet. Each moves to its own file when it does.
#include "commands.h"

#include <cstdio>

namespace Baton::Cli {

static int notYet(const char *what)
{
    std::fprintf(stderr,
                 "baton %s: not available in this build yet (the ticket store and HTTP server "
                 "are being built; see README.md). `baton validate` and `baton diagram` work.\n",
                 what);
    return 3;
}

int runServe(const QStringList &)
{
    return notYet("serve");
}
int runUser(const QStringList &)
{
    return notYet("user");
}

} // namespace Baton::Cli

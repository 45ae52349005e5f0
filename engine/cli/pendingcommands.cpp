// SPDX-License-Identifier: GPL-3.0-or-later
// Sub-commands whose modules have not landed yet. Each moves to its own file when it does.
// (serve and user add now live in servecommand.cpp and usercommand.cpp.)
#include "commands.h"

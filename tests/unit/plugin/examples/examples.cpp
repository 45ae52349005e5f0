// SPDX-License-Identifier: GPL-3.0-or-later
// The example plugins are header-only; this file gives their library something to compile
// (their moc output is added by AUTOMOC).
#include "exampleauthenticator.h"
#include "examplechannel.h"
#include "examplesink.h"
#include "examplestrategy.h"

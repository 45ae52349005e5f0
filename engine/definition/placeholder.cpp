// SPDX-License-Identifier: GPL-3.0-or-later
#include "condition.h"
#include "diagnostic.h"
#include "model.h"

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to the definition module: how far a misspelt name is from a known one, for the
// "did you mean" hints of the readers and the condition checker.

#include <QString>

namespace Baton {

/// Optimal string alignment distance (Levenshtein with adjacent transpositions), ignoring case:
/// "Reveiw" is 1 from "review".
int editDistance(const QString &a, const QString &b);

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Which language a reader gets: one rule for every notice, summary and mail the engine writes
// (the bell in the web UI follows the browser's choice instead).

#include "core/languagetag.h"
#include "definition/model.h"

namespace Baton {

/// The language of the tag on a user's account ("zh", "zh-CN": Chinese; anything else, or
/// none: English).
inline Language languageOf(QStringView tag)
{
    return isChineseTag(tag) ? Language::Zh : Language::En;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A notice's sentence, in the reader's language, from its kind and parameters (issue 16: texts
// the server writes are stored as data and rendered for whoever reads them).
//
// The wording is one table, web/src/i18n/notices.json, compiled into the binary and imported by
// the web UI: the bell, the live toast, the stored English `message` and the mail and SMS a
// channel sends in the user's language say the same thing.

#include "definition/model.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace Baton {

/// The sentence of a notice of `kind` with `params` (interfaces.md Notification `params`, kept
/// in README). Empty when there are no params (a notice stored before they existed: its stored
/// message is the text) or the kind has no sentence.
QString noticeText(const QString &kind, const QJsonObject &params, Language language);

/// A title as notices carry it, so every reader picks their language: `{"en": ..., "zh": ...}`,
/// or the name when there is no title.
QJsonValue noticeTitle(const LocalText &title, const QString &name);

} // namespace Baton

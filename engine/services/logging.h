// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/httpserver.h"

#include <QString>

namespace Baton {

/// `baton serve --log-format`: a compact readable line, or one JSON object per line.
enum class LogFormat { Text, Json };

/// The server's log: Qt's messages (qCWarning and friends, through qInstallMessageHandler),
/// the start-up lines and one access line per request, all on standard output in one format.
///
/// Lines are appended to a buffer under a short lock and written by a thread of their own
/// (every 50 ms, at once for warnings and worse), so a request never waits for the terminal
/// or the journal. If the reader falls more than 16 MiB behind, lines are dropped and the
/// number dropped is logged once writing catches up; nothing else ever blocks on the log.
/// Never logged: bodies, headers, query strings, cookies, tokens, passwords.
namespace Log {

/// Installs the message handler and starts the writer thread.
void start(LogFormat format);
/// Writes out what is buffered and stops the writer; Qt's messages go to stderr again.
void stop();
LogFormat format();
/// An info line of `category` (e.g. "baton.start").
void info(const char *category, const QString &message);
/// A start-up line ("  database:  sqlite:…"): as it is with text (the lines operators and
/// scripts know), an info line of baton.start with json.
void startUp(const QString &line);
/// A fatal start-up problem: "baton serve: …" on stderr with text, an error line with json.
void problem(const QString &message);
/// The access line of one request (HttpServerOptions::accessLog).
void access(const Http::AccessRecord &record);
/// `"…"` with JSON escapes, appended to `out`.
void appendJsonString(QByteArray &out, QStringView text);

} // namespace Log
} // namespace Baton

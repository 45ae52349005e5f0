// SPDX-License-Identifier: GPL-3.0-or-later
#include "services/logging.h"

#include "core/utctext.h"

#include <QDateTime>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace Baton::Log {

namespace {

constexpr qsizetype bufferLimit = 16 * 1024 * 1024;

/// The buffer between the threads that log and the one that writes.
struct Sink
{
    std::mutex mutex;
    std::condition_variable wake;
    QByteArray pending;
    quint64 dropped = 0;
    bool urgent = false;
    bool stopping = false;
    std::thread writer;
    LogFormat format = LogFormat::Text;
    bool running = false;
};

Sink &sink()
{
    static Sink instance;
    return instance;
}

void writeAll(const QByteArray &bytes)
{
    const char *p = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, p, size_t(left));
        if (n <= 0)
            return; // nowhere to write: nothing better to do than go on serving
        p += n;
        left -= n;
    }
}

void append(QByteArray &&line, bool urgent)
{
    Sink &s = sink();
    std::unique_lock lock(s.mutex);
    if (!s.running) {
        lock.unlock();
        writeAll(line);
        return;
    }
    if (s.pending.size() + line.size() > bufferLimit) {
        ++s.dropped;
        return;
    }
    s.pending += line;
    if (urgent) {
        s.urgent = true;
        s.wake.notify_one();
    }
}

void writerLoop()
{
    Sink &s = sink();
    std::unique_lock lock(s.mutex);
    while (true) {
        s.wake.wait_for(lock, std::chrono::milliseconds(50),
                        [&s] { return s.urgent || s.stopping; });
        QByteArray out;
        out.swap(s.pending);
        const quint64 dropped = std::exchange(s.dropped, 0);
        s.urgent = false;
        const bool stop = s.stopping;
        lock.unlock();
        writeAll(out);
        if (dropped > 0)
            info("baton.log",
                 QStringLiteral("%1 log lines dropped: the log was not read fast "
                                "enough")
                     .arg(dropped));
        lock.lock();
        if (stop && s.pending.isEmpty())
            return;
    }
}

QByteArray timestamp()
{
    return utcMillisecondsText(QDateTime::currentMSecsSinceEpoch());
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

QByteArray line(QtMsgType type, const char *category, QStringView message)
{
    QByteArray out;
    out.reserve(96 + message.size());
    if (sink().format == LogFormat::Json) {
        out += "{\"time\":\"" + timestamp() + "\",\"level\":\"" + levelName(type)
            + "\",\"category\":";
        appendJsonString(out, QString::fromLatin1(category));
        out += ",\"message\":";
        appendJsonString(out, message);
        out += "}\n";
    } else {
        out += timestamp() + ' ' + QByteArray(levelName(type)).leftJustified(7, ' ') + category
            + ": " + message.toUtf8() + '\n';
    }
    return out;
}

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const char *category = context.category && qstrcmp(context.category, "default") != 0
        ? context.category
        : "baton";
    append(line(type, category, message), type != QtDebugMsg && type != QtInfoMsg);
    if (type == QtFatalMsg) {
        stop();
        std::abort();
    }
}

} // namespace

void appendJsonString(QByteArray &out, QStringView text)
{
    // UTF-8 first: its multi-byte sequences never contain a byte below 0x80, so only quotes,
    // backslashes and control characters need escapes.
    const QByteArray utf8 = text.toUtf8();
    out += '"';
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

void start(LogFormat format)
{
    Sink &s = sink();
    {
        std::lock_guard lock(s.mutex);
        if (s.running)
            return;
        s.format = format;
        s.running = true;
        s.stopping = false;
    }
    s.writer = std::thread(writerLoop);
    qInstallMessageHandler(messageHandler);
}

void stop()
{
    Sink &s = sink();
    {
        std::lock_guard lock(s.mutex);
        if (!s.running)
            return;
        s.stopping = true;
        s.wake.notify_one();
    }
    if (s.writer.joinable() && s.writer.get_id() != std::this_thread::get_id())
        s.writer.join();
    std::lock_guard lock(s.mutex);
    s.running = false;
    qInstallMessageHandler(nullptr);
}

LogFormat format()
{
    return sink().format;
}

void info(const char *category, const QString &message)
{
    append(line(QtInfoMsg, category, message), false);
}

void startUp(const QString &text)
{
    if (format() == LogFormat::Json)
        append(line(QtInfoMsg, "baton.start", text.trimmed()), false);
    else
        append(text.toUtf8() + '\n', false);
}

void problem(const QString &message)
{
    if (format() == LogFormat::Json) {
        append(line(QtCriticalMsg, "baton.start", message), true);
    } else {
        std::fprintf(stderr, "baton serve: %s\n", qPrintable(message));
        std::fflush(stderr);
    }
}

void access(const Http::AccessRecord &r)
{
    QByteArray out;
    out.reserve(256);
    const QByteArray durationMs = QByteArray::number(r.durationMs, 'f', 1);
    if (sink().format == LogFormat::Json) {
        out += "{\"time\":\"" + timestamp()
            + "\",\"level\":\"info\",\"category\":\"baton.access\",\"message\":";
        appendJsonString(
            out,
            QString(QString::fromUtf8(r.method + ' ' + r.route + ' ') + QString::number(r.status)));
        out += ",\"request_id\":";
        appendJsonString(out, QString::fromLatin1(r.requestId));
        out += ",\"user\":";
        if (r.user.isEmpty())
            out += "null";
        else
            appendJsonString(out, r.user);
        out += ",\"method\":";
        appendJsonString(out, QString::fromLatin1(r.method));
        out += ",\"route\":";
        appendJsonString(out, QString::fromUtf8(r.route));
        out += ",\"status\":" + QByteArray::number(r.status) + ",\"duration_ms\":" + durationMs
            + ",\"bytes\":" + QByteArray::number(r.bytes) + "}\n";
    } else {
        out += timestamp() + " access  " + r.requestId + ' '
            + (r.user.isEmpty() ? QByteArrayLiteral("-") : r.user.toUtf8()) + ' ' + r.method + ' '
            + r.route + ' ' + QByteArray::number(r.status) + ' ' + durationMs + "ms "
            + QByteArray::number(r.bytes) + "B\n";
    }
    append(std::move(out), false);
}

} // namespace Baton::Log

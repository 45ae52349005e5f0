// SPDX-License-Identifier: GPL-3.0-or-later
// Durable ticket actions over HTTP, end to end: starts a real `baton serve --demo` (SQLite, and
// PostgreSQL through the test harness), signs in the demo users of the jump-queue flow, and
// drives open -> approve -> billing done -> ground done -> confirm -> satisfied with keep-alive
// clients. Phase 1 is closed-loop (each client sends its next action when the last one is
// answered: the throughput ceiling); phase 2 offers a fixed rate open-loop, latency counted from
// the scheduled send time so that a stalled server is not hidden (no coordinated omission).
//
// The client is raw non-blocking sockets on epoll in one thread by default: it shares the
// machine with the server, so it must cost little CPU per request. Traffic goes to 127.0.0.1
// only. Environment: BENCH_CLIENTS (64), BENCH_SECONDS (20), BENCH_RATE (1000),
// BENCH_RATE_SECONDS (10), BENCH_WARMUP (2), BENCH_THREADS (1), BENCH_PG (1: also PostgreSQL
// when the harness can start it; 0: SQLite only), BENCH_PG_SECONDS (10), BENCH_SQLITE (1; 0:
// PostgreSQL only), BENCH_BATON (server binary instead of the built one).
#include "pgharness.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Micros = long long;

Micros nowUs()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Micros(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value >= 0 ? value : fallback;
}

// ---- The flow ---------------------------------------------------------------------------------

enum Op { Open, Approve, BillingDone, GroundDone, Confirm, Satisfied, OpCount };
const char *const opNames[OpCount]
    = {"open", "approve", "billing_done", "ground_done", "confirm", "satisfied"};
// Who takes each step: demo users of org.yaml. amy is a cs-agents contact (role agent, opens
// and confirms), sue manages cs-agents (role supervisor, approves), bill and gary are the
// billing and ground-ops contacts, cathy the cx-coordination contact. No claims: the rules let
// a queue member act without one.
const char *const opUsers[OpCount] = {"amy", "sue", "bill", "gary", "amy", "cathy"};
const char *const opAction[OpCount] = {nullptr, "approve", "done", "done", "confirm", "satisfied"};
const char *const opBody[OpCount] = {
    nullptr,
    "{}",
    "{\"branch\":\"billing\",\"fields\":{\"billing_note\":\"re-billed express\"}}",
    "{\"branch\":\"ground\",\"fields\":{\"ops_note\":\"pulled forward\"}}",
    "{\"fields\":{\"reply\":\"confirmed with the customer\"}}",
    "{}",
};

struct OpStats
{
    std::vector<unsigned> latencyUs;
    std::map<int, long long> errors; // status (0: connection lost, -1: no answer in time)
    std::map<int, std::vector<std::string>> samples;
};

struct PhaseStats
{
    OpStats ops[OpCount];
    void merge(const PhaseStats &other)
    {
        for (int i = 0; i < OpCount; ++i) {
            auto &mine = ops[i];
            const auto &theirs = other.ops[i];
            mine.latencyUs.insert(mine.latencyUs.end(), theirs.latencyUs.begin(),
                                  theirs.latencyUs.end());
            for (const auto &[status, count] : theirs.errors)
                mine.errors[status] += count;
            for (const auto &[status, list] : theirs.samples)
                for (const auto &s : list)
                    if (mine.samples[status].size() < 3)
                        mine.samples[status].push_back(s);
        }
    }
};

// ---- Blocking HTTP for set-up (health, login) ---------------------------------------------

int connectTo(int port, bool nonBlocking)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(quint16(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
        && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// One parsed response at the front of `buffer`, or 0 when incomplete; returns its length.
size_t parseResponse(const std::string &buffer, int *status, size_t *bodyStart, size_t *bodyLen,
                     bool *closeAfter)
{
    const size_t headerEnd = buffer.find("\r\n\r\n");
    if (headerEnd == std::string::npos)
        return 0;
    *status = buffer.size() > 12 ? std::atoi(buffer.c_str() + 9) : 0;
    size_t length = 0;
    *closeAfter = false;
    size_t line = buffer.find("\r\n") + 2;
    while (line < headerEnd) {
        const size_t next = buffer.find("\r\n", line);
        if (next - line > 15 && strncasecmp(buffer.c_str() + line, "content-length:", 15) == 0)
            length = size_t(std::atoll(buffer.c_str() + line + 15));
        else if (next - line > 11 && strncasecmp(buffer.c_str() + line, "connection:", 11) == 0
                 && strcasestr(std::string(buffer, line, next - line).c_str(), "close"))
            *closeAfter = true;
        line = next + 2;
    }
    if (buffer.size() < headerEnd + 4 + length)
        return 0;
    *bodyStart = headerEnd + 4;
    *bodyLen = length;
    return headerEnd + 4 + length;
}

std::string buildRequest(const char *method, const std::string &path, const std::string &token,
                         const std::string &body, int port)
{
    std::string request = std::string(method) + ' ' + path
        + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
    if (!token.empty())
        request += "Authorization: Bearer " + token + "\r\n";
    if (!body.empty() || std::strcmp(method, "POST") == 0)
        request += "Content-Type: application/json\r\nContent-Length: "
            + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    return request;
}

/// A single request on a fresh connection; status 0 when the server did not answer.
std::pair<int, std::string> httpOnce(int port, const char *method, const std::string &path,
                                     const std::string &body = {})
{
    const int fd = connectTo(port, false);
    if (fd < 0)
        return {0, {}};
    timeval timeout {5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const std::string request = buildRequest(method, path, {}, body, port);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
        ::close(fd);
        return {0, {}};
    }
    std::string in;
    char chunk[16384];
    for (;;) {
        int status = 0;
        size_t start = 0, length = 0;
        bool close = false;
        if (parseResponse(in, &status, &start, &length, &close) > 0) {
            ::close(fd);
            return {status, in.substr(start, length)};
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            break;
        in.append(chunk, size_t(n));
    }
    ::close(fd);
    return {0, {}};
}

// ---- Load worker -------------------------------------------------------------------------------

struct Conn
{
    int fd = -1;
    int step = Open;
    long long ticket = 0;
    std::string out;
    size_t outOffset = 0;
    std::string in;
    Micros startUs = 0;
    bool busy = false;
    bool record = false;
    int client = 0;
    int opened = 0;
};

struct PhaseConfig
{
    bool openLoop = false;
    Micros measureFromUs = 0; // requests sent before are warm-up, not counted
    Micros endUs = 0;
    double rate = 0; // this worker's share of the offered rate (open loop)
};

/// One thread's clients on one epoll instance; connections outlive phases (keep-alive).
class Worker
{
public:
    Worker(int port, std::vector<std::string> tokens, int firstClient, int clients)
        : m_port(port)
        , m_tokens(std::move(tokens))
    {
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_conns.resize(size_t(clients));
        for (int i = 0; i < clients; ++i)
            m_conns[size_t(i)].client = firstClient + i;
    }
    ~Worker()
    {
        for (Conn &c : m_conns)
            if (c.fd >= 0)
                ::close(c.fd);
        ::close(m_epoll);
    }

    PhaseStats stats;
    long long reconnects = 0;
    long long completed = 0; // answers in the phase, warm-up included (for CPU per action)
    long long unsent = 0; // open loop: scheduled sends still waiting for a free client at the end

    void run(const PhaseConfig &config)
    {
        stats = PhaseStats();
        unsent = 0;
        completed = 0;
        m_config = config;
        std::deque<Micros> backlog;
        std::vector<Conn *> idle;
        Micros nextSend = config.measureFromUs; // the schedule starts with the phase
        const Micros interval = config.openLoop ? Micros(1e6 / config.rate) : 0;
        if (!config.openLoop) {
            for (Conn &c : m_conns)
                send(c, nowUs());
        } else {
            for (Conn &c : m_conns)
                idle.push_back(&c);
        }
        const Micros drainUntil = config.endUs + 10'000'000;
        epoll_event events[128];
        for (;;) {
            Micros now = nowUs();
            if (config.openLoop) {
                while (nextSend <= now && nextSend < config.endUs) {
                    backlog.push_back(nextSend);
                    nextSend += interval;
                }
                while (!backlog.empty() && !idle.empty()) {
                    Conn *c = idle.back();
                    idle.pop_back();
                    send(*c, backlog.front());
                    backlog.pop_front();
                }
            }
            const int busy = busyCount();
            if (now >= config.endUs && busy == 0 && (backlog.empty() || !config.openLoop))
                break;
            if (now >= drainUntil) {
                unsent = qsizetype(backlog.size());
                for (Conn &c : m_conns)
                    if (c.busy)
                        fail(c, -1, "no answer within 10 s after the phase ended");
                break;
            }
            Micros waitUs = now < config.endUs ? config.endUs - now : drainUntil - now;
            if (config.openLoop && nextSend < config.endUs)
                waitUs = std::max<Micros>(0, nextSend - now);
            const timespec timeout {time_t(waitUs / 1000000), long(waitUs % 1000000) * 1000};
            const int n = ::epoll_pwait2(m_epoll, events, 128, &timeout, nullptr);
            for (int i = 0; i < n; ++i) {
                Conn &c = m_conns[events[i].data.u64];
                if (events[i].events & EPOLLOUT)
                    flush(c);
                if (c.fd >= 0 && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
                    if (readable(c) && !c.busy) {
                        if (config.openLoop || nowUs() >= config.endUs)
                            idle.push_back(&c);
                        else
                            send(c, nowUs());
                    }
                }
            }
        }
    }

private:
    int busyCount() const
    {
        int n = 0;
        for (const Conn &c : m_conns)
            n += c.busy ? 1 : 0;
        return n;
    }

    void ensureConnected(Conn &c)
    {
        if (c.fd >= 0)
            return;
        c.fd = connectTo(m_port, true);
        if (c.fd < 0)
            return;
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = quint64(&c - m_conns.data());
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    }

    void disconnect(Conn &c)
    {
        if (c.fd >= 0) {
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
            ::close(c.fd);
            c.fd = -1;
            ++reconnects;
        }
        c.in.clear();
    }

    void send(Conn &c, Micros scheduledUs)
    {
        ensureConnected(c);
        const std::string &token = m_tokens[size_t(c.step)];
        char path[96];
        std::string body;
        if (c.step == Open) {
            std::snprintf(path, sizeof path, "/api/v1/tickets");
            body = "{\"workflow\":\"jump-queue\",\"title\":\"Bench client "
                + std::to_string(c.client) + " ticket " + std::to_string(++c.opened)
                + "\",\"fields\":{\"awb\":\"123456789012\",\"urgency\":\"high\",\"held_at\":"
                  "\"hub\",\"reason\":\"Customer needs it by Friday\"},\"channel\":\"phone\"}";
        } else {
            std::snprintf(path, sizeof path, "/api/v1/tickets/%lld/actions/%s", c.ticket,
                          opAction[c.step]);
            body = opBody[c.step];
        }
        c.out = buildRequest("POST", path, token, body, m_port);
        c.outOffset = 0;
        c.busy = true;
        c.startUs = scheduledUs;
        c.record = scheduledUs >= m_config.measureFromUs;
        if (c.fd < 0) {
            fail(c, 0, "connect failed");
            return;
        }
        flush(c);
    }

    void flush(Conn &c)
    {
        while (c.outOffset < c.out.size()) {
            const ssize_t n = ::send(c.fd, c.out.data() + c.outOffset, c.out.size() - c.outOffset,
                                     MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) {
                epoll_event ev {};
                ev.events = EPOLLIN | EPOLLOUT;
                ev.data.u64 = quint64(&c - m_conns.data());
                ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
                return;
            }
            if (n <= 0) {
                fail(c, 0, std::string("send: ") + std::strerror(errno));
                return;
            }
            c.outOffset += size_t(n);
        }
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = quint64(&c - m_conns.data());
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }

    // The connection's response (if complete) is consumed; true when c became free.
    bool readable(Conn &c)
    {
        char chunk[32768];
        for (;;) {
            const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                c.in.append(chunk, size_t(n));
                if (size_t(n) < sizeof chunk)
                    break;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (!c.busy) {
                disconnect(c); // an idle keep-alive connection closed: reopened on next use
                return false;
            }
            fail(c, 0, n == 0 ? "connection closed by the server" : std::strerror(errno));
            return true;
        }
        int status = 0;
        size_t start = 0, length = 0;
        bool close = false;
        const size_t used = parseResponse(c.in, &status, &start, &length, &close);
        if (used == 0 || !c.busy)
            return false;
        const Micros latency = nowUs() - c.startUs;
        ++completed;
        const int expected = c.step == Open ? 201 : 200;
        OpStats &op = stats.ops[c.step];
        if (status == expected) {
            if (c.record)
                op.latencyUs.push_back(unsigned(std::min<Micros>(latency, UINT_MAX)));
            if (c.step == Open)
                c.ticket = ticketId(c.in.substr(start, length));
            c.step = c.step == Satisfied || c.ticket <= 0 ? Open : c.step + 1;
        } else {
            if (c.record)
                record(op, status, c.in.substr(start, std::min<size_t>(length, 400)));
            c.step = Open; // abandon the ticket; the next action opens a new one
        }
        c.in.erase(0, used);
        c.busy = false;
        if (close)
            disconnect(c);
        return true;
    }

    static long long ticketId(const std::string &body)
    {
        const QJsonObject ticket
            = QJsonDocument::fromJson(QByteArray::fromStdString(body)).object();
        return ticket.value(QLatin1String("id")).toInteger();
    }

    static void record(OpStats &op, int status, const std::string &body)
    {
        ++op.errors[status];
        auto &samples = op.samples[status];
        if (samples.size() < 3)
            samples.push_back(body);
    }

    void fail(Conn &c, int status, const std::string &why)
    {
        if (c.busy && c.record)
            record(stats.ops[c.step], status, why);
        c.busy = false;
        c.step = Open;
        disconnect(c);
    }

    int m_port;
    std::vector<std::string> m_tokens; // per Op
    int m_epoll = -1;
    std::vector<Conn> m_conns;
    PhaseConfig m_config;
};

// ---- Measuring the machine ---------------------------------------------------------------------

QString readFirstLine(const QString &path);

double statCpuSeconds(const QString &statPath)
{
    QFile file(statPath);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = file.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    return double(fields.at(11).toLongLong() + fields.at(12).toLongLong())
        / double(sysconf(_SC_CLK_TCK));
}

double processCpuSeconds(qint64 pid)
{
    return statCpuSeconds(QStringLiteral("/proc/%1/stat").arg(pid));
}

/// CPU seconds per thread of a process, keyed "name/tid": which server thread is the busy one.
std::map<QString, double> threadCpuSeconds(qint64 pid)
{
    std::map<QString, double> threads;
    const QString taskDir = QStringLiteral("/proc/%1/task").arg(pid);
    for (const QString &tid : QDir(taskDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        threads[readFirstLine(taskDir + u'/' + tid + QStringLiteral("/comm")) + u'/' + tid]
            = statCpuSeconds(taskDir + u'/' + tid + QStringLiteral("/stat"));
    return threads;
}

/// CPU seconds of every process named `comm` (the PostgreSQL server and its backends).
double commandCpuSeconds(const char *comm)
{
    double total = 0;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return 0;
    const std::string wanted = std::string("(") + comm + ")";
    while (dirent *entry = ::readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        QFile file(QStringLiteral("/proc/%1/stat").arg(QLatin1String(entry->d_name)));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QByteArray head = file.read(64);
        if (head.contains(QByteArray::fromStdString(wanted)))
            total += processCpuSeconds(QByteArray(entry->d_name).toLongLong());
    }
    ::closedir(proc);
    return total;
}

/// The server's I/O counters (/proc/PID/io): write syscalls and bytes sent to the disk.
std::map<QString, double> processIo(qint64 pid)
{
    std::map<QString, double> io;
    QFile file(QStringLiteral("/proc/%1/io").arg(pid));
    if (file.open(QIODevice::ReadOnly))
        for (const QByteArray &line : file.readAll().split('\n')) {
            const qsizetype colon = line.indexOf(':');
            const QByteArray key = line.left(colon);
            if (key == "syscw" || key == "write_bytes")
                io[QString::fromLatin1(key)] = line.mid(colon + 1).trimmed().toDouble();
        }
    return io;
}

double selfCpuSeconds()
{
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct MachineCpu
{
    long long busy = 0;
    long long total = 0;
};

MachineCpu machineCpu()
{
    QFile file(QStringLiteral("/proc/stat"));
    MachineCpu cpu;
    if (!file.open(QIODevice::ReadOnly))
        return cpu;
    const QList<QByteArray> fields = file.readLine().simplified().split(' ');
    for (qsizetype i = 1; i < fields.size(); ++i) {
        const long long v = fields.at(i).toLongLong();
        cpu.total += v;
        if (i != 4 && i != 5) // idle, iowait
            cpu.busy += v;
    }
    return cpu;
}

QString readFirstLine(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readLine()).trimmed()
                                          : QString();
}

long long statusKb(qint64 pid, const char *key)
{
    QFile file(QStringLiteral("/proc/%1/status").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    // Files of /proc have no size, so QFile::atEnd() is true at once: read them whole.
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(qsizetype(std::strlen(key)))
                .simplified()
                .split(' ')
                .value(0)
                .toLongLong();
    return -1;
}

QString runText(const char *command)
{
    QProcess process;
    process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QString::fromUtf8(command)});
    process.waitForFinished(5000);
    return QString::fromLocal8Bit(process.readAllStandardOutput());
}

// ---- One server, two phases
// ----------------------------------------------------------------------

double percentileMs(const std::vector<unsigned> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t rank = size_t(std::ceil(p * double(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0)] / 1000.0;
}

struct Settings
{
    QString baton;
    QString workflows;
    int clients = 64;
    int threads = 1;
    int seconds = 20;
    int warmup = 2;
    int rate = 1000;
    int rateSeconds = 10;
};

QJsonObject phaseJson(const char *title, PhaseStats &stats, double seconds, const QString &db)
{
    QJsonObject ops;
    long long actions = 0, failures = 0;
    std::printf("\n%s — %s\n", qPrintable(db), title);
    std::printf("  %-13s %8s %9s %8s %8s %8s %8s  %s\n", "operation", "count", "per s", "p50 ms",
                "p90 ms", "p99 ms", "max ms", "errors");
    std::vector<unsigned> all;
    for (int i = 0; i < OpCount; ++i) {
        OpStats &op = stats.ops[i];
        std::sort(op.latencyUs.begin(), op.latencyUs.end());
        all.insert(all.end(), op.latencyUs.begin(), op.latencyUs.end());
        const long long count = qsizetype(op.latencyUs.size());
        actions += count;
        QJsonObject errors;
        QJsonObject samples;
        QString errorText;
        for (const auto &[status, n] : op.errors) {
            failures += n;
            errors.insert(QString::number(status), n);
            QJsonArray list;
            for (const auto &s : op.samples[status])
                list.append(QString::fromStdString(s));
            samples.insert(QString::number(status), list);
            errorText += QStringLiteral("%1×%2 ").arg(n).arg(status);
        }
        const double p50 = percentileMs(op.latencyUs, 0.50), p90 = percentileMs(op.latencyUs, 0.90),
                     p99 = percentileMs(op.latencyUs, 0.99), max = percentileMs(op.latencyUs, 1.0);
        std::printf("  %-13s %8lld %9.1f %8.2f %8.2f %8.2f %8.2f  %s\n", opNames[i], count,
                    count / seconds, p50, p90, p99, max,
                    errorText.isEmpty() ? "-" : qPrintable(errorText));
        for (const auto &[status, list] : op.samples)
            for (const auto &s : list)
                std::printf("      %d: %.200s\n", status, s.c_str());
        ops.insert(QLatin1String(opNames[i]),
                   QJsonObject {{QStringLiteral("count"), count},
                                {QStringLiteral("per_second"), count / seconds},
                                {QStringLiteral("p50_ms"), p50},
                                {QStringLiteral("p90_ms"), p90},
                                {QStringLiteral("p99_ms"), p99},
                                {QStringLiteral("max_ms"), max},
                                {QStringLiteral("errors"), errors},
                                {QStringLiteral("error_samples"), samples}});
    }
    std::sort(all.begin(), all.end());
    std::printf("  %-13s %8lld %9.1f %8.2f %8.2f %8.2f %8.2f  %lld failed\n", "all actions",
                actions, actions / seconds, percentileMs(all, 0.5), percentileMs(all, 0.9),
                percentileMs(all, 0.99), percentileMs(all, 1.0), failures);
    return QJsonObject {{QStringLiteral("seconds"), seconds},
                        {QStringLiteral("actions"), actions},
                        {QStringLiteral("actions_per_second"), actions / seconds},
                        {QStringLiteral("failed"), failures},
                        {QStringLiteral("p50_ms"), percentileMs(all, 0.5)},
                        {QStringLiteral("p90_ms"), percentileMs(all, 0.9)},
                        {QStringLiteral("p99_ms"), percentileMs(all, 0.99)},
                        {QStringLiteral("max_ms"), percentileMs(all, 1.0)},
                        {QStringLiteral("operations"), ops}};
}

/// Runs both phases against `baton serve --db dbUrl`; the JSON of the run, or {"error"}.
/// PostgreSQL's own counters of the benchmark database (pg_stat_database), to tell how many
/// transactions and row writes one action costs; empty for SQLite.
using DbCounters = std::function<std::map<QString, double>()>;

std::map<QString, double> pgCounters(Baton::Test::PgHarness *harness, const QString &database)
{
    std::map<QString, double> counters;
    {
        QSqlDatabase db = QSqlDatabase::database(QStringLiteral("bench-stats"), false);
        if (!db.isValid()) {
            db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("bench-stats"));
            db.setHostName(harness->socketDir());
            db.setPort(harness->port());
            db.setUserName(QStringLiteral("postgres"));
            db.setDatabaseName(QStringLiteral("postgres"));
        }
        if (!db.isOpen() && !db.open())
            return counters;
        QSqlQuery query(db);
        // xact_commit counts every autocommit statement too, so "transactions" per action is
        // the number of round trips outside explicit transactions plus the commits.
        // The statistics of other backends arrive within a second (PostgreSQL 15 flushes them
        // at most once a second), so over a phase of several seconds the ratios hold.
        query.prepare(QStringLiteral(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, "
            "tup_fetched, tup_returned FROM pg_stat_database WHERE datname = ?"));
        query.addBindValue(database);
        if (query.exec() && query.next()) {
            const char *names[] = {"transactions", "rollbacks",    "rows_inserted", "rows_updated",
                                   "rows_deleted", "rows_fetched", "rows_returned"};
            for (int i = 0; i < 7; ++i)
                counters[QLatin1String(names[i])] = query.value(i).toDouble();
        }
    }
    return counters;
}

QJsonObject benchServer(const Settings &s, const QString &label, const QString &dbUrl,
                        bool postgres, const DbCounters &dbCounters = {})
{
    QTemporaryDir work;
    int port = 0;
    {
        // A free port: bind to 0, read it back, release it for the server.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
        port = ntohs(addr.sin_port);
        ::close(fd);
    }
    QProcess server;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BATON_ADMIN_PASSWORD"), QStringLiteral("bench-admin-password"));
    server.setProcessEnvironment(env);
    server.setStandardOutputFile(work.filePath(QStringLiteral("serve.log")));
    server.setStandardErrorFile(work.filePath(QStringLiteral("serve.log")));
    server.start(s.baton,
                 {QStringLiteral("serve"), QStringLiteral("--listen"),
                  QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--db"), dbUrl,
                  QStringLiteral("--workflows"), s.workflows, QStringLiteral("--demo")});
    auto serverLog = [&] {
        QFile log(work.filePath(QStringLiteral("serve.log")));
        return log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll().right(2000))
                                             : QString();
    };
    auto error = [&](const QString &message) {
        std::fprintf(stderr, "bench_http_load: %s: %s\n%s\n", qPrintable(label),
                     qPrintable(message), qPrintable(serverLog()));
        server.terminate();
        server.waitForFinished(10000);
        return QJsonObject {{QStringLiteral("error"), message}};
    };
    if (!server.waitForStarted(10000))
        return error(QStringLiteral("cannot start %1").arg(s.baton));
    const Micros startedAt = nowUs();
    while (httpOnce(port, "GET", "/healthz").first != 200) {
        if (server.state() != QProcess::Running)
            return error(QStringLiteral("the server exited"));
        if (nowUs() - startedAt > 60'000'000)
            return error(QStringLiteral("no /healthz within 60 s"));
        QThread::msleep(100);
    }
    const double startupSeconds = double(nowUs() - startedAt) / 1e6;
    const qint64 pid = server.processId();

    std::map<std::string, std::string> tokenOf;
    for (const char *user : opUsers) {
        if (tokenOf.count(user))
            continue;
        const auto [status, body]
            = httpOnce(port, "POST", "/api/v1/login",
                       std::string("{\"username\":\"") + user + "\",\"password\":\"baton-demo\"}");
        const QString token = QJsonDocument::fromJson(QByteArray::fromStdString(body))
                                  .object()
                                  .value(QLatin1String("token"))
                                  .toString();
        if (status != 200 || token.isEmpty())
            return error(QStringLiteral("login as %1: %2 %3")
                             .arg(QLatin1String(user))
                             .arg(status)
                             .arg(QString::fromStdString(body)));
        tokenOf[user] = token.toStdString();
    }
    std::vector<std::string> tokens;
    for (const char *user : opUsers)
        tokens.push_back(tokenOf[user]);

    std::vector<std::unique_ptr<Worker>> workers;
    const int threads = std::max(1, std::min(s.threads, s.clients));
    for (int t = 0, first = 0; t < threads; ++t) {
        const int n = s.clients / threads + (t < s.clients % threads ? 1 : 0);
        workers.push_back(std::make_unique<Worker>(port, tokens, first, n));
        first += n;
    }
    struct Cpu
    {
        double server = 0, postgres = 0, client = 0;
        MachineCpu machine;
        std::map<QString, double> threads;
        std::map<QString, double> db;
        std::map<QString, double> io;
    };
    auto cpuNow = [&] {
        Cpu cpu;
        cpu.server = processCpuSeconds(pid);
        cpu.postgres = postgres ? commandCpuSeconds("postgres") : 0;
        cpu.client = selfCpuSeconds();
        cpu.machine = machineCpu();
        cpu.threads = threadCpuSeconds(pid);
        if (dbCounters)
            cpu.db = dbCounters();
        cpu.io = processIo(pid);
        return cpu;
    };
    auto runPhase = [&](const PhaseConfig &config, PhaseStats *merged) -> long long {
        std::vector<std::thread> running;
        for (auto &w : workers)
            running.emplace_back([&w, config] { w->run(config); });
        for (auto &t : running)
            t.join();
        long long completed = 0;
        for (auto &w : workers) {
            merged->merge(w->stats);
            completed += w->completed;
        }
        return completed;
    };
    // CPU per answered request tells what the server would do on an idle machine, whatever
    // the neighbours take.
    auto cpuJson = [](const Cpu &a, const Cpu &b, double seconds, long long completed) {
        const double serverMs
            = completed > 0 ? 1000 * (b.server - a.server) / double(completed) : 0;
        const double postgresMs
            = completed > 0 ? 1000 * (b.postgres - a.postgres) / double(completed) : 0;
        const double machineBusy = b.machine.total > a.machine.total
            ? 100.0 * double(b.machine.busy - a.machine.busy)
                / double(b.machine.total - a.machine.total)
            : 0;
        std::printf("  CPU over the phase: server %.0f%%, postgres %.0f%%, client %.0f%% of one "
                    "core; machine %.0f%% busy (all cores)\n",
                    100 * (b.server - a.server) / seconds,
                    100 * (b.postgres - a.postgres) / seconds,
                    100 * (b.client - a.client) / seconds, machineBusy);
        std::printf("  CPU per answered request: server %.3f ms, postgres %.3f ms\n", serverMs,
                    postgresMs);
        QJsonObject threadsJson;
        std::printf("  server threads (%% of one core):");
        for (const auto &[name, cpu] : b.threads) {
            const auto was = a.threads.find(name);
            const double percent
                = 100 * (cpu - (was == a.threads.end() ? 0 : was->second)) / seconds;
            if (percent < 0.5)
                continue;
            threadsJson.insert(name, percent);
            std::printf(" %s %.0f%%", qPrintable(name), percent);
        }
        std::printf("\n");
        QJsonObject ioJson;
        if (!b.io.empty() && completed > 0) {
            std::printf("  server I/O per answered request:");
            for (const auto &[name, value] : b.io) {
                const auto was = a.io.find(name);
                const double perRequest
                    = (value - (was == a.io.end() ? 0 : was->second)) / double(completed);
                ioJson.insert(name, perRequest);
                std::printf(" %s %.2f", qPrintable(name), perRequest);
            }
            std::printf("\n");
        }
        QJsonObject dbJson;
        if (!b.db.empty() && completed > 0) {
            std::printf("  database per answered request:");
            for (const auto &[name, value] : b.db) {
                const auto was = a.db.find(name);
                const double perRequest
                    = (value - (was == a.db.end() ? 0 : was->second)) / double(completed);
                dbJson.insert(name, perRequest);
                std::printf(" %s %.2f", qPrintable(name), perRequest);
            }
            std::printf("\n");
        }
        return QJsonObject {
            {QStringLiteral("server_cpu_ms_per_request"), serverMs},
            {QStringLiteral("server_threads_cpu_percent_of_core"), threadsJson},
            {QStringLiteral("database_per_request"), dbJson},
            {QStringLiteral("server_io_per_request"), ioJson},
            {QStringLiteral("postgres_cpu_ms_per_request"), postgresMs},
            {QStringLiteral("server_cpu_percent_of_core"), 100 * (b.server - a.server) / seconds},
            {QStringLiteral("postgres_cpu_percent_of_core"),
             100 * (b.postgres - a.postgres) / seconds},
            {QStringLiteral("client_cpu_percent_of_core"), 100 * (b.client - a.client) / seconds},
            {QStringLiteral("machine_busy_percent"), machineBusy}};
    };

    // Phase 1: closed loop, the throughput ceiling. A `top` snapshot halfway shows who holds
    // the CPU (server, client, PostgreSQL, or the neighbours).
    std::printf("\n%s: serving after %.1f s; %d clients on %d thread(s), %d s closed loop "
                "(+%d s warm-up), then %d actions/s offered for %d s\n",
                qPrintable(label), startupSeconds, s.clients, threads, s.seconds, s.warmup, s.rate,
                s.rateSeconds);
    std::fflush(stdout);
    PhaseConfig closed;
    closed.measureFromUs = nowUs() + Micros(s.warmup) * 1000000;
    closed.endUs = closed.measureFromUs + Micros(s.seconds) * 1000000;
    QString topSnapshot;
    std::thread top([&topSnapshot, at = closed.measureFromUs + Micros(s.seconds) * 500000] {
        while (nowUs() < at)
            QThread::msleep(50);
        topSnapshot = runText("COLUMNS=160 top -b -n1 -w 160 2>/dev/null | head -15");
    });
    PhaseStats closedStats;
    Cpu before = cpuNow();
    Micros phaseStart = nowUs();
    long long completed = runPhase(closed, &closedStats);
    double elapsed = double(nowUs() - phaseStart) / 1e6;
    Cpu after = cpuNow();
    top.join();
    const double closedSeconds = double(s.seconds);
    QJsonObject closedJson
        = phaseJson("closed loop (throughput)", closedStats, closedSeconds, label);
    closedJson.insert(QStringLiteral("clients"), s.clients);
    closedJson.insert(QStringLiteral("cpu"), cpuJson(before, after, elapsed, completed));
    closedJson.insert(QStringLiteral("top"), topSnapshot);
    std::printf("  top halfway:\n%s", qPrintable(topSnapshot));

    // Phase 2: a fixed offered rate.
    PhaseConfig open;
    open.openLoop = true;
    open.rate = double(s.rate) / double(threads);
    PhaseStats openStats;
    before = cpuNow();
    open.measureFromUs = nowUs();
    open.endUs = open.measureFromUs + Micros(s.rateSeconds) * 1000000;
    phaseStart = nowUs();
    completed = runPhase(open, &openStats);
    elapsed = double(nowUs() - phaseStart) / 1e6;
    after = cpuNow();
    QJsonObject openJson = phaseJson(
        qPrintable(QStringLiteral("open loop at %1 actions/s offered (latency from the scheduled "
                                  "send)")
                       .arg(s.rate)),
        openStats, std::max(elapsed, double(s.rateSeconds)), label);
    openJson.insert(QStringLiteral("offered_per_second"), s.rate);
    long long unsent = 0;
    for (auto &w : workers)
        unsent += w->unsent;
    openJson.insert(QStringLiteral("scheduled_but_not_sent"), unsent);
    openJson.insert(QStringLiteral("cpu"), cpuJson(before, after, elapsed, completed));

    long long reconnects = 0;
    for (auto &w : workers)
        reconnects += w->reconnects;
    const long long rssKb = statusKb(pid, "VmRSS:");
    const long long hwmKb = statusKb(pid, "VmHWM:");
    std::printf("  server RSS at the end %lld KiB (peak %lld KiB); client reconnects %lld\n", rssKb,
                hwmKb, reconnects);
    workers.clear();
    server.terminate();
    if (!server.waitForFinished(15000)) {
        server.kill();
        server.waitForFinished(5000);
    }
    return QJsonObject {{QStringLiteral("database"), label},
                        {QStringLiteral("startup_seconds"), startupSeconds},
                        {QStringLiteral("closed_loop"), closedJson},
                        {QStringLiteral("open_loop"), openJson},
                        {QStringLiteral("server_rss_kb"), rssKb},
                        {QStringLiteral("server_peak_rss_kb"), hwmKb},
                        {QStringLiteral("client_reconnects"), reconnects},
                        {QStringLiteral("server_exit_code"), server.exitCode()}};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString outputDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(".");
    Settings s;
    s.baton = qEnvironmentVariable("BENCH_BATON", QStringLiteral(BATON_BINARY));
    s.workflows = QStringLiteral(BATON_SOURCE_DIR "/workflows");
    s.clients = std::max(1, envInt("BENCH_CLIENTS", 64));
    s.threads = std::max(1, envInt("BENCH_THREADS", 1));
    s.seconds = std::max(1, envInt("BENCH_SECONDS", 20));
    s.warmup = envInt("BENCH_WARMUP", 2);
    s.rate = std::max(1, envInt("BENCH_RATE", 1000));
    s.rateSeconds = std::max(1, envInt("BENCH_RATE_SECONDS", 10));
    const bool withPostgres = envInt("BENCH_PG", 1) != 0;

    utsname name {};
    ::uname(&name);
    const QString loadAverage = readFirstLine(QStringLiteral("/proc/loadavg"));
    QString cpuModel;
    {
        QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
        if (cpuinfo.open(QIODevice::ReadOnly))
            for (const QByteArray &line : cpuinfo.readAll().split('\n'))
                if (line.startsWith("model name")) {
                    cpuModel = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
                    break;
                }
    }
    const QJsonObject machine {{QStringLiteral("uname"),
                                QStringLiteral("%1 %2 %3 %4")
                                    .arg(QLatin1String(name.sysname), QLatin1String(name.nodename),
                                         QLatin1String(name.release), QLatin1String(name.machine))},
                               {QStringLiteral("cpu"), cpuModel},
                               {QStringLiteral("cores"), int(sysconf(_SC_NPROCESSORS_ONLN))},
                               {QStringLiteral("load_average_at_start"), loadAverage}};
    std::printf("bench_http_load on %s %s, %ld cores (%s), load average at start: %s\n",
                name.release, name.machine, sysconf(_SC_NPROCESSORS_ONLN), qPrintable(cpuModel),
                qPrintable(loadAverage));

    QJsonArray runs;
    QTemporaryDir sqliteDir;
    if (envInt("BENCH_SQLITE", 1) != 0)
        runs.append(benchServer(
            s, QStringLiteral("sqlite"),
            QStringLiteral("sqlite:") + sqliteDir.filePath(QStringLiteral("b.db")), false));
    QString postgresNote = QStringLiteral("skipped (BENCH_PG=0)");
    if (withPostgres) {
        // Shorter phases on PostgreSQL keep the whole run within about 90 seconds.
        Settings pg = s;
        pg.seconds = std::max(1, envInt("BENCH_PG_SECONDS", std::min(10, s.seconds)));
        pg.rateSeconds = std::min(pg.rateSeconds, pg.seconds);
        // Durable commits, as quality.md measures them: the harness keeps fsync off for tests.
        qputenv("BATON_PG_FSYNC", "on");
        Baton::Test::PgHarness *harness = Baton::Test::PgHarness::shared();
        if (!harness) {
            postgresNote = QStringLiteral("skipped: ") + Baton::Test::PgHarness::sharedSkipReason();
        } else if (!harness->isRunning()) {
            postgresNote = QStringLiteral("cluster did not start: ") + harness->error();
        } else {
            const QString url = harness->createDatabase(QStringLiteral("bench_http_load"));
            if (url.isEmpty()) {
                postgresNote = QStringLiteral("cannot create a database: ") + harness->error();
            } else {
                postgresNote = QStringLiteral("test harness cluster (unix socket, fsync=on)");
                runs.append(benchServer(pg, QStringLiteral("postgresql"), url, true, [harness] {
                    return pgCounters(harness, QStringLiteral("bench_http_load"));
                }));
                QSqlDatabase::removeDatabase(QStringLiteral("bench-stats"));
            }
        }
        std::printf("\npostgresql: %s\n", qPrintable(postgresNote));
    }

    QDir().mkpath(outputDir);
    QFile file(outputDir + QStringLiteral("/bench_http_load.json"));
    if (file.open(QIODevice::WriteOnly))
        file.write(
            QJsonDocument(
                QJsonObject {{QStringLiteral("benchmark"), QStringLiteral("bench_http_load")},
                             {QStringLiteral("flow"),
                              QStringLiteral("jump-queue: open, approve, billing done, "
                                             "ground done, confirm, satisfied")},
                             {QStringLiteral("machine"), machine},
                             {QStringLiteral("clients"), s.clients},
                             {QStringLiteral("client_threads"), s.threads},
                             {QStringLiteral("postgresql"), postgresNote},
                             {QStringLiteral("runs"), runs}})
                .toJson());
    std::printf("\nResults: %s\n", qPrintable(file.fileName()));
    for (const auto &run : std::as_const(runs))
        if (run.toObject().contains(QStringLiteral("error")))
            return 1;
    return 0;
}

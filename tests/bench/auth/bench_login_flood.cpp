// SPDX-License-Identifier: GPL-3.0-or-later
// What a login flood costs everyone else: starts a real `baton serve --demo` (SQLite), signs in
// amy, and measures her `GET /api/v1/me` first on an idle server, then while BENCH_CLIENTS (32)
// keep-alive clients send logins back to back (the demo users' right passwords, so that every
// login costs a full argon2id check and none is throttled). The probe is open-loop: one
// request every BENCH_PROBE_MS (20) ms, latency counted from its scheduled send time, so a
// stalled server is not hidden by the probe waiting. Traffic goes to 127.0.0.1 only.
// Environment: BENCH_CLIENTS (32), BENCH_SECONDS (15), BENCH_IDLE_SECONDS (5), BENCH_WARMUP (2),
// BENCH_PROBE_MS (20), BENCH_BATON (server binary instead of the built one).
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
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
    return ok && value > 0 ? value : fallback;
}

/// One blocking keep-alive connection to 127.0.0.1; reconnects when the server closes it.
class Client
{
public:
    explicit Client(int port)
        : m_port(port)
    {
    }
    ~Client() { disconnect(); }

    /// Sends one request and reads its response; status 0 when the connection failed.
    int request(const std::string &method, const std::string &path, const std::string &token,
                const std::string &body, std::string *responseBody = nullptr)
    {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (m_fd < 0 && !connect())
                return 0;
            std::string out = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            if (!token.empty())
                out += "Authorization: Bearer " + token + "\r\n";
            if (method == "POST")
                out += "Content-Type: application/json\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n";
            out += "\r\n" + body;
            if (::send(m_fd, out.data(), out.size(), MSG_NOSIGNAL) == ssize_t(out.size())) {
                if (const int status = readResponse(responseBody); status > 0)
                    return status;
            }
            disconnect(); // closed under us (idle timeout, Connection: close): once more
        }
        return 0;
    }

private:
    bool connect()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval timeout {30, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(quint16(m_port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            disconnect();
            return false;
        }
        m_in.clear();
        return true;
    }
    void disconnect()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    int readResponse(std::string *responseBody)
    {
        char chunk[8192];
        for (;;) {
            const size_t headerEnd = m_in.find("\r\n\r\n");
            if (headerEnd != std::string::npos) {
                size_t length = 0;
                bool close = false;
                for (size_t line = m_in.find("\r\n") + 2; line < headerEnd;) {
                    const size_t next = m_in.find("\r\n", line);
                    const std::string header = m_in.substr(line, next - line);
                    if (strncasecmp(header.c_str(), "content-length:", 15) == 0)
                        length = size_t(std::atoll(header.c_str() + 15));
                    else if (strncasecmp(header.c_str(), "connection:", 11) == 0
                             && header.find("close") != std::string::npos)
                        close = true;
                    line = next + 2;
                }
                if (m_in.size() >= headerEnd + 4 + length) {
                    const int status = std::atoi(m_in.c_str() + 9);
                    if (responseBody)
                        *responseBody = m_in.substr(headerEnd + 4, length);
                    m_in.erase(0, headerEnd + 4 + length);
                    if (close)
                        disconnect();
                    return status;
                }
            }
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0)
                return 0;
            m_in.append(chunk, size_t(n));
        }
    }

    int m_port;
    int m_fd = -1;
    std::string m_in;
};

struct Probe
{
    std::vector<Micros> latencyUs;
    std::map<int, long long> statuses;
    long long unsent = 0; ///< scheduled before the end but not sent by then (a stalled server)
};

/// GET /api/v1/me every `intervalMs` from `startUs` to `endUs` on one keep-alive connection,
/// latency from the scheduled send time; a slot whose turn comes after `endUs` is not sent.
Probe probe(int port, const std::string &token, Micros startUs, Micros endUs, int intervalMs)
{
    Probe result;
    Client client(port);
    for (Micros scheduled = startUs; scheduled < endUs; scheduled += Micros(intervalMs) * 1000) {
        const Micros now = nowUs();
        if (now >= endUs) {
            ++result.unsent;
            continue;
        }
        if (now < scheduled)
            std::this_thread::sleep_for(std::chrono::microseconds(scheduled - now));
        const int status = client.request("GET", "/api/v1/me", token, {});
        ++result.statuses[status];
        if (status == 200)
            result.latencyUs.push_back(nowUs() - scheduled);
    }
    return result;
}

double percentileMs(std::vector<Micros> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p * double(values.size())));
    return double(values[index]) / 1000.0;
}

QJsonObject probeJson(const char *label, const Probe &probe)
{
    const double p50 = percentileMs(probe.latencyUs, 0.50);
    const double p99 = percentileMs(probe.latencyUs, 0.99);
    const double max = percentileMs(probe.latencyUs, 1.0);
    QJsonObject statuses;
    for (const auto &[status, count] : probe.statuses)
        statuses.insert(QString::number(status), count);
    std::printf("  %-24s /me p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%zu answered, %lld "
                "scheduled but not sent)\n",
                label, p50, p99, max, probe.latencyUs.size(), probe.unsent);
    std::fflush(stdout);
    return QJsonObject {{QStringLiteral("me_p50_ms"), p50},
                        {QStringLiteral("me_p99_ms"), p99},
                        {QStringLiteral("me_max_ms"), max},
                        {QStringLiteral("me_answered"), qint64(probe.latencyUs.size())},
                        {QStringLiteral("me_scheduled_but_not_sent"), probe.unsent},
                        {QStringLiteral("me_statuses"), statuses}};
}

std::string tokenFrom(const std::string &body)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(body))
        .object()
        .value(QLatin1String("token"))
        .toString()
        .toStdString();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString outputDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(".");
    const QString baton = qEnvironmentVariable("BENCH_BATON", QStringLiteral(BATON_BINARY));
    const int clients = envInt("BENCH_CLIENTS", 32);
    const int seconds = envInt("BENCH_SECONDS", 15);
    const int idleSeconds = envInt("BENCH_IDLE_SECONDS", 5);
    const int warmup = envInt("BENCH_WARMUP", 2);
    const int intervalMs = envInt("BENCH_PROBE_MS", 20);

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
    QTemporaryDir work;
    QProcess server;
    server.setStandardOutputFile(work.filePath(QStringLiteral("serve.log")));
    server.setStandardErrorFile(work.filePath(QStringLiteral("serve.log")));
    server.start(baton,
                 {QStringLiteral("serve"), QStringLiteral("--listen"),
                  QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--db"),
                  QStringLiteral("sqlite:") + work.filePath(QStringLiteral("b.db")),
                  QStringLiteral("--workflows"), QStringLiteral(BATON_SOURCE_DIR "/workflows"),
                  QStringLiteral("--demo")});
    auto fail = [&](const QString &message) {
        QFile log(work.filePath(QStringLiteral("serve.log")));
        const QString tail = log.open(QIODevice::ReadOnly)
            ? QString::fromUtf8(log.readAll().right(2000))
            : QString();
        std::fprintf(stderr, "bench_login_flood: %s\n%s\n", qPrintable(message), qPrintable(tail));
        server.terminate();
        server.waitForFinished(10000);
        return 1;
    };
    if (!server.waitForStarted(10000))
        return fail(QStringLiteral("cannot start %1").arg(baton));
    {
        Client health(port);
        const Micros startedAt = nowUs();
        while (health.request("GET", "/healthz", {}, {}) != 200) {
            if (server.state() != QProcess::Running)
                return fail(QStringLiteral("the server exited"));
            if (nowUs() - startedAt > 60'000'000)
                return fail(QStringLiteral("no /healthz within 60 s"));
            QThread::msleep(100);
        }
    }
    const std::vector<std::string> users {"amy", "sue", "bill", "gary", "cathy"};
    auto loginBody = [](const std::string &user) {
        return "{\"username\":\"" + user + "\",\"password\":\"baton-demo\"}";
    };
    std::string token;
    {
        Client client(port);
        std::string body;
        const int status = client.request("POST", "/api/v1/login", {}, loginBody("amy"), &body);
        token = tokenFrom(body);
        if (status != 200 || token.empty())
            return fail(QStringLiteral("login as amy: %1 %2")
                            .arg(status)
                            .arg(QString::fromStdString(body)));
    }
    std::printf("bench_login_flood: %d login clients, /me every %d ms\n", clients, intervalMs);

    // Phase 1: idle.
    Micros start = nowUs();
    const Probe idle = probe(port, token, start, start + Micros(idleSeconds) * 1000000, intervalMs);
    const QJsonObject idleJson = probeJson("idle", idle);

    // Phase 2: the flood; the probe starts after the warm-up.
    std::atomic<bool> stop {false};
    std::atomic<Micros> measureFrom {0};
    std::mutex countsMutex;
    std::map<int, long long> loginStatuses;
    std::vector<std::thread> flood;
    for (int i = 0; i < clients; ++i)
        flood.emplace_back([&, i] {
            Client client(port);
            std::map<int, long long> mine;
            const std::string body = loginBody(users[size_t(i) % users.size()]);
            while (!stop) {
                const int status = client.request("POST", "/api/v1/login", {}, body);
                if (nowUs() >= measureFrom)
                    ++mine[status];
                if (status == 0)
                    QThread::msleep(10);
            }
            std::lock_guard lock(countsMutex);
            for (const auto &[status, count] : mine)
                loginStatuses[status] += count;
        });
    start = nowUs() + Micros(warmup) * 1000000;
    measureFrom = start;
    const Probe flooded = probe(port, token, start, start + Micros(seconds) * 1000000, intervalMs);
    const double floodSeconds = double(nowUs() - start) / 1e6;
    stop = true;
    for (auto &t : flood)
        t.join();
    QJsonObject floodJson = probeJson("during the login flood", flooded);
    QJsonObject statuses;
    long long logins = 0;
    for (const auto &[status, count] : loginStatuses) {
        statuses.insert(QString::number(status), count);
        if (status == 200)
            logins += count;
    }
    const double loginsPerSecond = double(logins) / floodSeconds;
    std::printf("  logins answered 200: %.1f/s; statuses:", loginsPerSecond);
    for (const auto &[status, count] : loginStatuses)
        std::printf(" %d x%lld", status, count);
    std::printf("\n");
    floodJson.insert(QStringLiteral("login_statuses"), statuses);
    floodJson.insert(QStringLiteral("logins_ok_per_second"), loginsPerSecond);
    const bool targetMet
        = floodJson.value(QLatin1String("me_p99_ms")).toDouble() <= 50.0 && flooded.unsent == 0;
    std::printf("  target /me p99 <= 50 ms under the flood: %s\n", targetMet ? "met" : "MISSED");

    server.terminate();
    if (!server.waitForFinished(15000))
        server.kill();
    QFile loadAverage(QStringLiteral("/proc/loadavg"));
    const QString load = loadAverage.open(QIODevice::ReadOnly)
        ? QString::fromLatin1(loadAverage.readLine()).trimmed()
        : QString();
    QDir().mkpath(outputDir);
    QFile file(outputDir + QStringLiteral("/bench_login_flood.json"));
    if (file.open(QIODevice::WriteOnly))
        file.write(
            QJsonDocument(
                QJsonObject {{QStringLiteral("benchmark"), QStringLiteral("bench_login_flood")},
                             {QStringLiteral("login_clients"), clients},
                             {QStringLiteral("probe_interval_ms"), intervalMs},
                             {QStringLiteral("cores"), QThread::idealThreadCount()},
                             {QStringLiteral("load_average_at_end"), load},
                             {QStringLiteral("idle"), idleJson},
                             {QStringLiteral("flood"), floodJson},
                             {QStringLiteral("target_me_p99_ms"), 50},
                             {QStringLiteral("target_met"), targetMet}})
                .toJson());
    std::printf("Results: %s\n", qPrintable(file.fileName()));
    return 0;
}

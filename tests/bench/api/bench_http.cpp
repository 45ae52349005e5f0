// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP layer throughput: a trivial JSON route served by 1 and by 2 worker threads, loaded
// with wrk (Debian's `wrk`; skipped when absent). Shows what the server itself costs before
// any database work, and whether the extra worker thread pays off on this machine.
#include "http/httpserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>
#include <QThread>

#include <cstdio>

using namespace Baton::Http;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString outputDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(".");
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty()) {
        std::puts("bench_http: wrk not installed (apt-get install wrk); skipped");
        return 0;
    }
    const int seconds = qEnvironmentVariableIntValue("BATON_BENCH_SECONDS") > 0
        ? qEnvironmentVariableIntValue("BATON_BENCH_SECONDS")
        : 5;
    QJsonArray runs;
    for (int threads : {1, 2}) {
        HttpServerOptions options;
        options.port = 0;
        options.threads = threads;
        HttpServer server(options, [](HttpRequest &&, HttpResponder responder) {
            responder.setRouteLabel("/hello");
            responder.send(HttpResponse::json(
                200, QJsonObject {{QStringLiteral("hello"), QStringLiteral("world")}}));
        });
        const auto port = server.start();
        if (!port) {
            std::fprintf(stderr, "bench_http: %s\n", qPrintable(port.error()));
            return 1;
        }
        QProcess process;
        process.start(wrk,
                      {QStringLiteral("-t2"), QStringLiteral("-c50"),
                       QStringLiteral("-d%1s").arg(seconds), QStringLiteral("--latency"),
                       QStringLiteral("http://127.0.0.1:%1/hello").arg(*port)});
        process.waitForFinished(-1);
        const QString output = QString::fromLocal8Bit(process.readAllStandardOutput());
        const auto rps
            = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(output);
        const auto p99 = QRegularExpression(QStringLiteral("99%\\s+([0-9.]+\\w+)")).match(output);
        std::printf("threads=%d  %s requests/s  p99 %s\n", threads, qPrintable(rps.captured(1)),
                    qPrintable(p99.captured(1)));
        runs.append(
            QJsonObject {{QStringLiteral("threads"), threads},
                         {QStringLiteral("requests_per_second"), rps.captured(1).toDouble()},
                         {QStringLiteral("p99"), p99.captured(1)}});
    }
    QDir().mkpath(outputDir);
    QFile file(outputDir + QStringLiteral("/bench_http.json"));
    if (file.open(QIODevice::WriteOnly))
        file.write(
            QJsonDocument(QJsonObject {{QStringLiteral("benchmark"), QStringLiteral("bench_http")},
                                       {QStringLiteral("machine"), QSysInfo::prettyProductName()},
                                       {QStringLiteral("cpus"), QThread::idealThreadCount()},
                                       {QStringLiteral("runs"), runs}})
                .toJson());
    return 0;
}

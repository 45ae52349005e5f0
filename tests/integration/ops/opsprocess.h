// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The built `baton` binary as operators run it: one-shot commands (backup, restore, migrate)
// and a real `baton serve` child process on a free port, talked to over HTTP.

#include "../api/rawhttp.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>

#include <optional>

namespace Baton::Test {

/// The outcome of one `baton ...` command.
struct CommandRun
{
    int exitCode = -1;
    QString out, err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3").arg(exitCode).arg(out, err);
    }
};

inline CommandRun runBaton(const QStringList &arguments, int timeoutMs = 120000)
{
    QProcess process;
    process.start(QStringLiteral(BATON_BINARY), arguments);
    CommandRun run;
    if (!process.waitForStarted(10000) || !process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("did not finish: ") + process.errorString();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

inline QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

/// One running `baton serve` (real binary, real socket); SIGTERM when destroyed.
class ServeProcess
{
public:
    ~ServeProcess() { stop(); }

    /// Starts the server on `url` with the shipped workflows; extra arguments (--demo,
    /// --fake-clock) as given. Returns an error text, empty on success.
    QString start(const QString &url, const QStringList &extra = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("BATON_ADMIN_PASSWORD"));
        for (auto it = environment.cbegin(); it != environment.cend(); ++it)
            env.insert(it.key(), it.value());
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(QStringLiteral(BATON_BINARY),
                        QStringList {QStringLiteral("serve"), QStringLiteral("--listen"),
                                     QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"), url,
                                     QStringLiteral("--workflows"), workflows}
                            + extra);
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start ") + QStringLiteral(BATON_BINARY);
        static const QRegularExpression serving(QStringLiteral("Serving on http://[^:]+:(\\d+)/"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 120000) {
            if (!m_process.waitForReadyRead(1000) && m_process.state() != QProcess::Running)
                break;
            output += QString::fromUtf8(m_process.readAll());
            const auto match = serving.match(output);
            if (match.hasMatch()) {
                port = quint16(match.captured(1).toUInt());
                return {};
            }
        }
        return QStringLiteral("the server did not start:\n") + output;
    }

    /// SIGTERM and wait; the exit code (-1 if it had to be killed).
    int stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return m_process.exitCode();
        m_process.terminate();
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
            return -1;
        }
        output += QString::fromUtf8(m_process.readAll());
        return m_process.exitCode();
    }

    /// SIGKILL and wait: the process ends with nothing flushed or settled.
    void kill()
    {
        m_process.kill();
        m_process.waitForFinished(10000);
    }

    /// SIGTERM without waiting (the caller watches isRunning()).
    void signalTerminate() { m_process.terminate(); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    /// The server's process id (for /proc/PID/status).
    qint64 pid() const { return m_process.processId(); }
    /// -1 when it crashed or was killed.
    int exitCode() const
    {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    /// What it printed since start() returned (stdout and stderr merged).
    QString readOutput()
    {
        output += QString::fromUtf8(m_process.readAll());
        return output;
    }

    QString output;
    quint16 port = 0;
    /// Set before start(): the --workflows folder, and variables added to the environment.
    QString workflows = QStringLiteral(BATON_SOURCE_DIR "/workflows");
    QMap<QString, QString> environment;

private:
    QProcess m_process;
};

/// Deterministic bytes that do not compress (a file of zeros would hide a copy or a cut).
inline QByteArray pseudoRandomBytes(qint64 size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(seed);
    generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

/// JSON over HTTP as one user; a new connection per call (usable from any thread).
class ApiClient
{
public:
    ApiClient(quint16 port, QString user, QString password)
        : m_port(port)
        , m_user(std::move(user))
        , m_password(std::move(password))
    {
    }

    RawResponse call(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        if (const std::optional<RawResponse> refused = signIn())
            return *refused;
        const QByteArray payload
            = method != "GET" ? QJsonDocument(body).toJson(QJsonDocument::Compact) : QByteArray();
        return rawRequest(
            m_port,
            httpRequest(method, path.toUtf8(), payload, {{"Authorization", "Bearer " + m_token}}));
    }

    /// POST /api/v1/tickets/{ticket}/attachments?name=NAME with `bytes` as the file.
    RawResponse attach(qint64 ticket, const QString &name, const QByteArray &bytes)
    {
        if (const std::optional<RawResponse> refused = signIn())
            return *refused;
        return rawRequest(m_port,
                          httpRequest("POST",
                                      "/api/v1/tickets/" + QByteArray::number(ticket)
                                          + "/attachments?name=" + QUrl::toPercentEncoding(name),
                                      bytes,
                                      {{"Authorization", "Bearer " + m_token},
                                       {"Content-Type", "application/octet-stream"}}));
    }

private:
    /// Signs in once; the failed login's answer, nothing when signed in.
    std::optional<RawResponse> signIn()
    {
        if (!m_token.isEmpty())
            return std::nullopt;
        const QJsonObject login {{QStringLiteral("username"), m_user},
                                 {QStringLiteral("password"), m_password}};
        const RawResponse r
            = rawRequest(m_port,
                         httpRequest("POST", "/api/v1/login",
                                     QJsonDocument(login).toJson(QJsonDocument::Compact)));
        m_token = r.json().value(QLatin1String("token")).toString().toUtf8();
        if (m_token.isEmpty())
            return r;
        return std::nullopt;
    }

    quint16 m_port;
    QString m_user, m_password;
    QByteArray m_token;
};

} // namespace Baton::Test

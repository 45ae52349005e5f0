// SPDX-License-Identifier: GPL-3.0-or-later
// SIGTERM as an operator's `systemctl stop` sends it to a real `baton serve` under write load:
// every write answered 2xx is in the database afterwards, the live streams are closed with
// 1001 (going away), and the process exits 0 within 5 s.
#include "opsprocess.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QWebSocket>

#include <atomic>
#include <mutex>

using namespace Baton::Test;

namespace {

QJsonObject ticketBody(const QString &title)
{
    return {{QStringLiteral("workflow"), QStringLiteral("jump-queue")},
            {QStringLiteral("title"), title},
            {QStringLiteral("customer"),
             QJsonObject {{QStringLiteral("id"), QStringLiteral("C-1")},
                          {QStringLiteral("tier"), QStringLiteral("B")}}},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("awb"), QStringLiteral("123456789012")},
                          {QStringLiteral("urgency"), QStringLiteral("high")},
                          {QStringLiteral("held_at"), QStringLiteral("hub")},
                          {QStringLiteral("reason"), QStringLiteral("Needed tomorrow")}}}};
}

QByteArray signIn(quint16 port)
{
    const QByteArray login = R"({"username":"amy","password":"baton-demo"})";
    return rawRequest(port, httpRequest("POST", "/api/v1/login", login))
        .json()
        .value(QLatin1String("token"))
        .toString()
        .toUtf8();
}

/// Clients in a closed loop, each on one kept-alive connection (a new one when the server
/// closed it): open a ticket, comment on it. Keeps what was acknowledged with 2xx.
class ClosedLoop
{
public:
    ClosedLoop(quint16 port, const QByteArray &token, int clients)
    {
        for (int c = 0; c < clients; ++c) {
            m_threads.append(QThread::create([this, port, token, c] { run(port, token, c); }));
            m_threads.last()->start();
        }
    }
    ~ClosedLoop() { stop(); }
    void stop()
    {
        m_stop = true;
        for (QThread *thread : std::as_const(m_threads)) {
            thread->wait();
            delete thread;
        }
        m_threads.clear();
    }

    std::atomic<int> answered {0}, refused {0}, otherStatus {0}, closeAnnounced {0};
    std::mutex mutex;
    QSet<QString> ticketTitles; ///< acknowledged with 201
    QSet<QString> commentBodies; ///< acknowledged with 201

private:
    void run(quint16 port, const QByteArray &token, int client)
    {
        QTcpSocket socket;
        QByteArray buffer;
        const QList<QPair<QByteArray, QByteArray>> auth {{"Authorization", "Bearer " + token}};
        for (int n = 0; !m_stop; ++n) {
            if (socket.state() != QAbstractSocket::ConnectedState) {
                socket.abort();
                buffer.clear();
                socket.connectToHost(QHostAddress::LocalHost, port);
                if (!socket.waitForConnected(2000)) {
                    ++refused; // the server stopped accepting: the normal end of the loop
                    QThread::msleep(20);
                    continue;
                }
            }
            const QString title = QStringLiteral("c%1 n%2").arg(client).arg(n);
            socket.write(
                httpRequest("POST", "/api/v1/tickets",
                            QJsonDocument(ticketBody(title)).toJson(QJsonDocument::Compact), auth));
            const RawResponse opened = readResponse(socket, buffer);
            if (!note(opened, &ticketTitles, title))
                continue;
            const qint64 id = opened.json().value(QLatin1String("id")).toInteger();
            const QString body = QStringLiteral("comment on %1").arg(title);
            socket.write(httpRequest("POST",
                                     QStringLiteral("/api/v1/tickets/%1/comments").arg(id).toUtf8(),
                                     QJsonDocument(QJsonObject {{QStringLiteral("body"), body}})
                                         .toJson(QJsonDocument::Compact),
                                     auth));
            note(readResponse(socket, buffer), &commentBodies, body);
        }
    }

    /// True for a 201 (kept in `into`); a connection the server closes is closed here too.
    bool note(const RawResponse &response, QSet<QString> *into, const QString &key)
    {
        if (response.header("Connection").compare("close", Qt::CaseInsensitive) == 0)
            ++closeAnnounced;
        if (response.status == 0)
            return false; // no answer: nothing was promised
        if (response.status != 201) {
            ++otherStatus;
            return false;
        }
        ++answered;
        std::lock_guard lock(mutex);
        into->insert(key);
        return true;
    }

    QList<QThread *> m_threads;
    std::atomic<bool> m_stop {false};
};

QSet<QString> column(QSqlDatabase &db, const QString &sql)
{
    QSet<QString> out;
    QSqlQuery query(db);
    if (!query.exec(sql))
        qWarning() << query.lastError().text();
    while (query.next())
        out.insert(query.value(0).toString());
    return out;
}

} // namespace

class TestShutdown : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sigtermUnderLoadLosesNothingAcknowledged();
};

void TestShutdown::sigtermUnderLoadLosesNothingAcknowledged()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("baton.db"));
    ServeProcess server;
    const QString error = server.start(u"sqlite:" + file, {QStringLiteral("--demo")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QByteArray token = signIn(server.port);
    QVERIFY(!token.isEmpty());

    QList<QWebSocket *> streams;
    QList<int> closeCodes;
    for (int i = 0; i < 2; ++i) {
        auto *ws = new QWebSocket;
        streams.append(ws);
        closeCodes.append(-1);
        connect(ws, &QWebSocket::disconnected, this,
                [ws, &closeCodes, i] { closeCodes[i] = ws->closeCode(); });
        ws->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2")
                          .arg(server.port)
                          .arg(QString::fromUtf8(token))));
    }
    QTRY_VERIFY_WITH_TIMEOUT(streams[0]->state() == QAbstractSocket::ConnectedState
                                 && streams[1]->state() == QAbstractSocket::ConnectedState,
                             10000);

    ClosedLoop load(server.port, token, 8);
    QTRY_VERIFY_WITH_TIMEOUT(load.answered >= 200, 60000);
    const int answeredBefore = load.answered;

    QElapsedTimer stopping;
    stopping.start();
    server.signalTerminate();
    QTRY_VERIFY_WITH_TIMEOUT(!server.isRunning(), 10000);
    const qint64 stopMs = stopping.elapsed();
    load.stop();
    QCOMPARE(server.exitCode(), 0);
    QVERIFY2(stopMs < 5000, qPrintable(QStringLiteral("took %1 ms").arg(stopMs)));
    QTRY_COMPARE_WITH_TIMEOUT(closeCodes, (QList<int> {1001, 1001}), 2000);
    qDeleteAll(streams);
    QCOMPARE(load.otherStatus.load(), 0);
    qInfo("%d writes answered 2xx (%d before SIGTERM); %d answers said Connection: close; "
          "stopped in %lld ms",
          load.answered.load(), answeredBefore, load.closeAnnounced.load(), stopMs);
    QVERIFY2(load.closeAnnounced > 0, "no answer in flight at SIGTERM said Connection: close");

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
    db.setDatabaseName(file);
    QVERIFY(db.open());
    const QSet<QString> titles = column(db, QStringLiteral("SELECT title FROM tickets"));
    const QSet<QString> comments
        = column(db,
                 QStringLiteral("SELECT json_extract(data, '$.body') FROM events WHERE type = "
                                "'commented'"));
    std::lock_guard lock(load.mutex);
    QVERIFY(!load.ticketTitles.isEmpty());
    for (const QString &title : std::as_const(load.ticketTitles))
        QVERIFY2(titles.contains(title), qPrintable(u"acknowledged, not stored: ticket " + title));
    for (const QString &body : std::as_const(load.commentBodies))
        QVERIFY2(comments.contains(body), qPrintable(u"acknowledged, not stored: " + body));
    db.close();
}

QTEST_MAIN(TestShutdown)
#include "tst_shutdown.moc"

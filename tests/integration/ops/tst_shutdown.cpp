// SPDX-License-Identifier: GPL-3.0-or-later
// SIGTERM as an operator's `systemctl stop` sends it to a real `baton serve` under write load:
// every write answered 2xx is in the database afterwards, a request in flight at the signal is
// answered with `Connection: close`, the live streams are closed with 1001 (going away), and
// the process exits 0 within 5 s.
#include "opsprocess.h"
#include "writeload.h"

#include <QElapsedTimer>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QWebSocket>

using namespace Baton::Test;

namespace {

/// A ticket's request sent all but its last byte before SIGTERM, the last byte after the
/// server stopped accepting: a request in flight across the signal, deterministically (a
/// connection still reading a request is not idle, so the drain waits for it and answers it).
class StraddlingRequest
{
public:
    bool send(quint16 port, const QByteArray &token)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        if (!m_socket.waitForConnected(5000))
            return false;
        m_request
            = httpRequest("POST", "/api/v1/tickets",
                          QJsonDocument(jumpQueueTicket(title())).toJson(QJsonDocument::Compact),
                          {{"Authorization", "Bearer " + token}});
        m_socket.write(m_request.chopped(1));
        return m_socket.waitForBytesWritten(5000);
    }
    RawResponse finish()
    {
        m_socket.write(m_request.right(1));
        m_socket.waitForBytesWritten(5000);
        QByteArray buffer;
        return readResponse(m_socket, buffer);
    }
    static QString title() { return QStringLiteral("Sent across SIGTERM"); }

private:
    QTcpSocket m_socket;
    QByteArray m_request;
};

/// Whether the server at `port` has stopped accepting connections (waits up to 5 s).
bool stopsAccepting(quint16 port)
{
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 5000) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port);
        if (!probe.waitForConnected(500))
            return true;
        probe.abort();
        QThread::msleep(10);
    }
    return false;
}

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
    const QByteArray token = demoAgentToken(server.port);
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

    // All but the last byte of a request sent well before SIGTERM: the server has read them by
    // then (under load, sent just before the signal, they could still be in the socket's kernel
    // buffer when the drain began — an idle connection as far as the server could know, closed
    // as at a keep-alive timeout: 3 of 18 runs after the light-load wait came in).
    StraddlingRequest straddling;
    QVERIFY(straddling.send(server.port, token));
    WriteLoad load(server.port, 8);
    QVERIFY(load.signedIn());
    QTRY_VERIFY_WITH_TIMEOUT(load.writes() >= 200, 60000);
    const int answeredBefore = load.writes();

    QElapsedTimer stopping;
    stopping.start();
    server.signalTerminate();
    QVERIFY2(stopsAccepting(server.port), "the server still accepts connections after SIGTERM");
    const RawResponse straddled = straddling.finish();
    QTRY_VERIFY_WITH_TIMEOUT(!server.isRunning(), 10000);
    const qint64 stopMs = stopping.elapsed();
    load.stop();
    QCOMPARE(server.exitCode(), 0);
    QVERIFY2(stopMs < 5000, qPrintable(QStringLiteral("took %1 ms").arg(stopMs)));
    QTRY_COMPARE_WITH_TIMEOUT(closeCodes, (QList<int> {1001, 1001}), 10000);
    qDeleteAll(streams);
    QVERIFY2(load.failures() == 0, qPrintable(load.lastFailure()));
    qInfo("%d writes answered 2xx (%d before SIGTERM); %d answers said Connection: close; "
          "stopped in %lld ms",
          load.writes(), answeredBefore, load.closeAnnounced(), stopMs);
    // The request in flight at SIGTERM is answered, and told that the connection ends.
    QCOMPARE(straddled.status, 201);
    QCOMPARE(straddled.header("Connection"), QByteArray("close"));

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
    db.setDatabaseName(file);
    QVERIFY(db.open());
    const QSet<QString> titles = column(db, QStringLiteral("SELECT title FROM tickets"));
    const QSet<QString> comments
        = column(db,
                 QStringLiteral("SELECT json_extract(data, '$.body') FROM events WHERE type = "
                                "'commented'"));
    const WriteLoad::Acknowledged acknowledged = load.acknowledged();
    QVERIFY(!acknowledged.tickets.isEmpty());
    QVERIFY2(titles.contains(StraddlingRequest::title()),
             "acknowledged, not stored: the ticket "
             "sent across SIGTERM");
    for (const QString &title : acknowledged.tickets)
        QVERIFY2(titles.contains(title), qPrintable(u"acknowledged, not stored: ticket " + title));
    for (const QString &body : acknowledged.comments)
        QVERIFY2(comments.contains(body), qPrintable(u"acknowledged, not stored: " + body));
    db.close();
}

QTEST_MAIN(TestShutdown)
#include "tst_shutdown.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Attachments through a real `baton serve` process on a real socket, on SQLite and PostgreSQL:
// a file round-trips byte for byte, an upload over the limit is refused early without the
// server's memory growing (read from /proc of the server process), an upload from someone who
// may not make it is refused from its head with nothing spooled, download headers, and who may
// see them.
#include "opsprocess.h"
#include "pgharness.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace Baton::Test;

namespace {

constexpr qint64 mebibyte = 1024 * 1024;

/// VmRSS and VmHWM of a process in KiB (/proc/PID/status).
struct Memory
{
    qint64 rssKiB = 0;
    qint64 hwmKiB = 0;
};

Memory memoryOf(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    Memory memory;
    if (!status.open(QIODevice::ReadOnly))
        return memory;
    for (const QByteArray &line : status.readAll().split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() >= 2 && parts[0] == "VmRSS:")
            memory.rssKiB = parts[1].toLongLong();
        else if (parts.size() >= 2 && parts[0] == "VmHWM:")
            memory.hwmKiB = parts[1].toLongLong();
    }
    return memory;
}

/// Sets VmHWM back to the current RSS (Linux 4.0+), so that a peak measured afterwards is the
/// peak of what follows, not of start-up. False when not permitted.
bool resetPeak(qint64 pid)
{
    QFile refs(QStringLiteral("/proc/%1/clear_refs").arg(pid));
    return refs.open(QIODevice::WriteOnly) && refs.write("5") == 1;
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray login(quint16 port, const QString &user)
{
    const QJsonObject body {{QStringLiteral("username"), user},
                            {QStringLiteral("password"), QStringLiteral("baton-demo")}};
    const RawResponse r = rawRequest(
        port,
        httpRequest("POST", "/api/v1/login", QJsonDocument(body).toJson(QJsonDocument::Compact)));
    return r.json().value(QLatin1String("token")).toString().toUtf8();
}

/// Sends a head and then `bodySize` bytes of `body` (repeated) in pieces, stopping early when
/// the server answers or closes; returns the answer and how many body bytes went out.
RawResponse streamUpload(quint16 port, const QByteArray &head, const QByteArray &piece,
                         qint64 bodySize, qint64 *sent = nullptr)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(head);
    QByteArray buffer;
    qint64 written = 0;
    while (written < bodySize && socket.state() == QAbstractSocket::ConnectedState) {
        const qint64 n = qMin<qint64>(piece.size(), bodySize - written);
        socket.write(piece.constData(), n);
        written += n;
        while (socket.bytesToWrite() > 4 * mebibyte
               && socket.state() == QAbstractSocket::ConnectedState)
            socket.waitForBytesWritten(1000);
        socket.waitForReadyRead(0);
        buffer += socket.readAll();
        if (buffer.contains("\r\n\r\n"))
            break; // answered before the end of the body: the early 413
    }
    while (socket.bytesToWrite() > 0 && socket.state() == QAbstractSocket::ConnectedState)
        socket.waitForBytesWritten(1000);
    if (sent)
        *sent = written;
    return readResponse(socket, buffer, 60000);
}

QByteArray uploadHead(quint64 ticket, const QString &name, const QByteArray &type, qint64 size,
                      const QByteArray &token)
{
    return "POST /api/v1/tickets/" + QByteArray::number(ticket) + "/attachments?name="
        + QUrl::toPercentEncoding(name) + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + token + "\r\nContent-Type: " + type + "\r\nContent-Length: " + QByteArray::number(size)
        + "\r\n\r\n";
}

RawResponse get(quint16 port, const QByteArray &target, const QByteArray &token)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                 + "\r\n\r\n");
    QByteArray buffer;
    return readResponse(socket, buffer, 60000);
}

} // namespace

class TestAttachments : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void init();
    void cleanup();
    void fifteenMegabytesRoundTripByteIdentical();
    void overTheLimitIs413EarlyWithoutMemoryGrowth();
    void chunkedUploadWithoutLengthIsRefused();
    void anotherDepartmentGets404();
    void strangersAreRefusedBeforeTheBody();
    void emptyOrNamelessUploadsAreRefused();

private:
    quint64 openTicket();

    /// The server's temporary folder (TMPDIR), where uploads are spooled: what it holds and what
    /// the server has open there.
    QStringList spooled() const;

    TestDatabase m_databases;
    QTemporaryDir m_spool;
    std::unique_ptr<ServeProcess> m_server;
    quint16 m_port = 0;
    QByteArray m_amy;
};

void TestAttachments::init()
{
    BATON_FRESH_DATABASE(m_databases, url);
    QVERIFY(m_spool.isValid());
    m_server = std::make_unique<ServeProcess>();
    m_server->environment.insert(QStringLiteral("TMPDIR"), m_spool.path());
    const QString started = m_server->start(url, {QStringLiteral("--demo")});
    QVERIFY2(started.isEmpty(), qPrintable(started));
    m_port = m_server->port;
    m_amy = login(m_port, QStringLiteral("amy"));
    QVERIFY(!m_amy.isEmpty());
}

void TestAttachments::cleanup()
{
    if (m_server)
        QCOMPARE(m_server->stop(), 0);
    m_server.reset();
}

QStringList TestAttachments::spooled() const
{
    QStringList files;
    const QFileInfoList entries
        = QDir(m_spool.path())
              .entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    for (const QFileInfo &entry : entries)
        files.append(QStringLiteral("%1 (%2 bytes)").arg(entry.fileName()).arg(entry.size()));
    // Qt writes a temporary file without a name (O_TMPFILE) where it can: the server's open
    // files show it.
    const QString fdFolder = QStringLiteral("/proc/%1/fd").arg(m_server->pid());
    for (const QString &fd : QDir(fdFolder).entryList(QDir::AllEntries | QDir::System)) {
        const QString target = QFileInfo(fdFolder + u'/' + fd).symLinkTarget();
        if (target.startsWith(m_spool.path()))
            files.append(QStringLiteral("open: %1 (%2 bytes)")
                             .arg(target)
                             .arg(QFileInfo(fdFolder + u'/' + fd).size()));
    }
    return files;
}

quint64 TestAttachments::openTicket()
{
    const QJsonObject ticket {
        {QStringLiteral("workflow"), QStringLiteral("jump-queue")},
        {QStringLiteral("title"), QStringLiteral("Damaged parcel")},
        {QStringLiteral("fields"),
         QJsonObject {{QStringLiteral("awb"), QStringLiteral("123456789012")},
                      {QStringLiteral("urgency"), QStringLiteral("high")},
                      {QStringLiteral("held_at"), QStringLiteral("hub")},
                      {QStringLiteral("reason"), QStringLiteral("Photos attached")}}}};
    const RawResponse opened = rawRequest(
        m_port,
        httpRequest("POST", "/api/v1/tickets", QJsonDocument(ticket).toJson(QJsonDocument::Compact),
                    {{"Authorization", "Bearer " + m_amy}}));
    if (opened.status != 201)
        qWarning() << opened.status << opened.body;
    return quint64(opened.json().value(QLatin1String("id")).toInteger());
}

// 15 MB through upload and download: the same bytes (sha256) on both stores, the ticket lists
// the file, the download carries the headers that keep a browser from running it, and the
// server's peak memory grows by far less than the file (streamed, not held).
void TestAttachments::fifteenMegabytesRoundTripByteIdentical()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    const QByteArray file = pseudoRandomBytes(15 * 1000 * 1000, 16);
    const QByteArray expected = sha256Hex(file);
    const QString name = QStringLiteral("破损包裹 photo.bin");

    const bool peakReset = resetPeak(m_server->pid());
    const Memory before = memoryOf(m_server->pid());
    const RawResponse uploaded = streamUpload(
        m_port, uploadHead(ticket, name, "application/octet-stream", file.size(), m_amy), file,
        file.size());
    QVERIFY2(uploaded.status == 201, uploaded.body.constData());
    const QJsonObject attachment = uploaded.json();
    QCOMPARE(attachment.value(QLatin1String("name")).toString(), name);
    QCOMPARE(attachment.value(QLatin1String("size")).toInteger(), file.size());
    QCOMPARE(attachment.value(QLatin1String("sha256")).toString().toUtf8(), expected);
    QCOMPARE(attachment.value(QLatin1String("content_type")).toString(),
             QStringLiteral("application/octet-stream"));
    const qint64 id = attachment.value(QLatin1String("id")).toInteger();
    QVERIFY(id > 0);

    const RawResponse shown = get(m_port, "/api/v1/tickets/" + QByteArray::number(ticket), m_amy);
    QCOMPARE(shown.status, 200);
    const QJsonArray listed = shown.json().value(QLatin1String("attachments")).toArray();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed[0].toObject().value(QLatin1String("sha256")).toString().toUtf8(), expected);

    const RawResponse events
        = get(m_port, "/api/v1/tickets/" + QByteArray::number(ticket) + "/events", m_amy);
    bool recorded = false;
    for (const QJsonValue &e : events.json().value(QLatin1String("items")).toArray())
        recorded = recorded
            || (e.toObject().value(QLatin1String("type")).toString() == u"attached"
                && e.toObject()
                        .value(QLatin1String("data"))
                        .toObject()
                        .value(QLatin1String("attachment"))
                        .toInteger()
                    == id);
    QVERIFY2(recorded, events.body.constData());

    const RawResponse downloaded = get(m_port,
                                       "/api/v1/tickets/" + QByteArray::number(ticket)
                                           + "/attachments/" + QByteArray::number(id),
                                       m_amy);
    QCOMPARE(downloaded.status, 200);
    QCOMPARE(downloaded.body.size(), file.size());
    QCOMPARE(sha256Hex(downloaded.body), expected);
    QCOMPARE(downloaded.header("X-Content-Type-Options"), QByteArray("nosniff"));
    QCOMPARE(downloaded.header("Content-Type"), QByteArray("application/octet-stream"));
    const QByteArray disposition = downloaded.header("Content-Disposition");
    QVERIFY2(disposition.startsWith("attachment;"), disposition.constData());
    QVERIFY2(disposition.contains(
                 QByteArray(QByteArray("filename*=UTF-8''") + QUrl::toPercentEncoding(name))),
             disposition.constData());
    QVERIFY2(disposition.contains("filename=\""), disposition.constData()); // ASCII fallback

    const Memory after = memoryOf(m_server->pid());
    qInfo("15 MB upload + download: VmRSS %lld → %lld KiB, VmHWM %lld → %lld KiB (peak %s)",
          before.rssKiB, after.rssKiB, before.hwmKiB, after.hwmKiB,
          peakReset ? "reset before" : "of start-up");
    QVERIFY2(
        after.hwmKiB - before.hwmKiB < 10 * 1024,
        qPrintable(QStringLiteral("peak memory grew by %1 KiB").arg(after.hwmKiB - before.hwmKiB)));
}

// 200 MB announced over the 20 MiB default: 413 in the JSON error shape before the body is
// read, and the server's resident memory does not grow with what the client keeps sending.
void TestAttachments::overTheLimitIs413EarlyWithoutMemoryGrowth()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    resetPeak(m_server->pid());
    const Memory before = memoryOf(m_server->pid());
    QVERIFY(before.rssKiB > 0);
    const qint64 size = 200 * 1000 * 1000;
    qint64 sent = 0;
    const RawResponse refused = streamUpload(
        m_port, uploadHead(ticket, QStringLiteral("big.bin"), "image/png", size, m_amy),
        pseudoRandomBytes(mebibyte, 200), size, &sent);
    QCOMPARE(refused.status, 413);
    QCOMPARE(refused.errorCode(), QStringLiteral("payload_too_large"));
    QVERIFY2(sent < size, "the server read the whole body before answering");
    const Memory after = memoryOf(m_server->pid());
    qInfo("200 MB refused after %lld bytes sent: VmRSS %lld → %lld KiB, VmHWM %lld → %lld KiB",
          sent, before.rssKiB, after.rssKiB, before.hwmKiB, after.hwmKiB);
    QVERIFY2(after.rssKiB - before.rssKiB < 5 * 1024,
             qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(after.rssKiB - before.rssKiB)));
    QVERIFY2(after.hwmKiB - before.hwmKiB < 5 * 1024,
             qPrintable(QStringLiteral("peak grew by %1 KiB").arg(after.hwmKiB - before.hwmKiB)));
    // Still serving.
    QCOMPARE(get(m_port, "/api/v1/tickets/" + QByteArray::number(ticket), m_amy).status, 200);
}

// Without Content-Length the limit could only be found by reading: refused (411) up front.
void TestAttachments::chunkedUploadWithoutLengthIsRefused()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    const RawResponse refused
        = rawRequest(m_port,
                     "POST /api/v1/tickets/" + QByteArray::number(ticket)
                         + "/attachments?name=a.txt HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                           "Bearer "
                         + m_amy
                         + "\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n0\r\n\r\n");
    QCOMPARE(refused.status, 411);
    QCOMPARE(refused.errorCode(), QStringLiteral("length_required"));
}

// Someone who may not see the ticket learns nothing: 404 for its attachments, upload and
// download alike; no credentials: 401.
void TestAttachments::anotherDepartmentGets404()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    const QByteArray content("a bill scan");
    const RawResponse uploaded = streamUpload(
        m_port, uploadHead(ticket, QStringLiteral("bill.txt"), "text/plain", content.size(), m_amy),
        content, content.size());
    QCOMPARE(uploaded.status, 201);
    const QByteArray path = "/api/v1/tickets/" + QByteArray::number(ticket) + "/attachments/"
        + QByteArray::number(uploaded.json().value(QLatin1String("id")).toInteger());

    const QByteArray sally = login(m_port, QStringLiteral("sally")); // sales, another department
    QVERIFY(!sally.isEmpty());
    QCOMPARE(get(m_port, "/api/v1/tickets/" + QByteArray::number(ticket), sally).status, 404);
    const RawResponse hidden = get(m_port, path, sally);
    QCOMPARE(hidden.status, 404);
    QCOMPARE(hidden.errorCode(), QStringLiteral("not_found"));
    const RawResponse refused = streamUpload(
        m_port, uploadHead(ticket, QStringLiteral("x.txt"), "text/plain", content.size(), sally),
        content, content.size());
    QCOMPARE(refused.status, 404);
    QCOMPARE(get(m_port, path, "nonsense").status, 401);
    // A text file is still a download, never rendered in the page.
    const RawResponse own = get(m_port, path, m_amy);
    QCOMPARE(own.status, 200);
    QCOMPARE(own.body, content);
    QCOMPARE(own.header("X-Content-Type-Options"), QByteArray("nosniff"));
    QVERIFY(own.header("Content-Disposition").startsWith("attachment;"));
    // Another ticket's number with this attachment's id: not found either.
    const quint64 other = openTicket();
    QCOMPARE(get(m_port,
                 "/api/v1/tickets/" + QByteArray::number(other) + "/attachments/"
                     + path.mid(path.lastIndexOf('/') + 1),
                 m_amy)
                 .status,
             404);
}

// An upload is judged by its head: without a session (or with a made-up token) the answer is
// 401 at once, someone signed in who may not see the ticket gets 404, before a byte of the
// 15 MB body is read; nothing reaches the spool folder, and the connection ends after the
// answer (the server half-closes and drops what still arrives). Before, the whole body was
// spooled to disk first and refused afterwards.
void TestAttachments::strangersAreRefusedBeforeTheBody()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    const QByteArray sally = login(m_port, QStringLiteral("sally")); // sales: not her ticket
    QVERIFY(!sally.isEmpty());
    const QStringList before = spooled();
    const qint64 size = 15 * 1000 * 1000;
    const QByteArray firstPart = pseudoRandomBytes(mebibyte, 15);
    for (const auto &[token, status] :
         {std::pair {QByteArray(), 401}, std::pair {QByteArray("made-up"), 401},
          std::pair {sally, 404}}) {
        QByteArray head
            = uploadHead(ticket, QStringLiteral("x.bin"), "application/octet-stream", size, token);
        if (token.isEmpty())
            head.replace("Authorization: Bearer \r\n", "");
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(socket.waitForConnected(5000));
        // The head and the first megabyte; the client holds the other 14 MB back.
        socket.write(head + firstPart);
        QByteArray buffer;
        QElapsedTimer waited;
        waited.start();
        while (!buffer.contains("\r\n\r\n") && waited.elapsed() < 5000
               && socket.state() == QAbstractSocket::ConnectedState) {
            socket.waitForReadyRead(100);
            buffer += socket.readAll();
        }
        QCOMPARE(spooled(), before);
        const RawResponse refused = readResponse(socket, buffer, 5000);
        QVERIFY2(refused.status == status, buffer.left(300).constData());
        QCOMPARE(refused.header("Connection"), QByteArray("close"));
        QCOMPARE(refused.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(!refused.header("X-Request-Id").isEmpty());
        // More body changes nothing: the connection ends.
        socket.write(firstPart);
        QVERIFY(socket.state() == QAbstractSocket::UnconnectedState
                || socket.waitForDisconnected(10000));
        QCOMPARE(spooled(), before);
    }
    // Still serving, and the ticket has no attachment.
    const RawResponse shown = get(m_port, "/api/v1/tickets/" + QByteArray::number(ticket), m_amy);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.json().value(QLatin1String("attachments")).toArray().size(), 0);
}

void TestAttachments::emptyOrNamelessUploadsAreRefused()
{
    const quint64 ticket = openTicket();
    QVERIFY(ticket > 0);
    const RawResponse nameless
        = streamUpload(m_port, uploadHead(ticket, QString(), "text/plain", 3, m_amy), "abc", 3);
    QCOMPARE(nameless.status, 400);
    QCOMPARE(nameless.errorCode(), QStringLiteral("bad_request"));
    const RawResponse empty = streamUpload(
        m_port, uploadHead(ticket, QStringLiteral("empty.txt"), "text/plain", 0, m_amy), {}, 0);
    QCOMPARE(empty.status, 400);
}

QTEST_GUILESS_MAIN(TestAttachments)
#include "tst_attachments.moc"

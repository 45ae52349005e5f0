// SPDX-License-Identifier: GPL-3.0-or-later
#include "changelistener.h"

#include "store/database.h"
#include "store/storelog.h"

#include <QObject>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <libpq-fe.h>

#include <vector>

namespace Baton {

namespace {

constexpr int firstRetryMs = 100;
constexpr int lastRetryMs = 5000;

} // namespace

struct ChangeListener::Private
{
    std::shared_ptr<Database> database;
    Callbacks callbacks;
    QThread thread;
    QObject *context = nullptr; ///< lives on `thread`; parent of the timer and the notifier
    QTimer *retry = nullptr;
    QSocketNotifier *notifier = nullptr;
    PGconn *connection = nullptr;
    bool everListened = false;
    int retryMs = firstRetryMs;

    Result<void> listen();
    void readNotices();
    void lose(const QString &why);
    void close();
};

// Blocking: it runs on the listener's own thread.
Result<void> ChangeListener::Private::listen()
{
    const DatabaseUrl &url = database->url();
    const QByteArray host = url.host.toUtf8(), port = QByteArray::number(url.port),
                     user = url.user.toUtf8(), password = url.password.toUtf8(),
                     name = url.databaseName.toUtf8();
    std::vector<const char *> keys, values;
    auto set = [&](const char *key, const QByteArray &value) {
        if (value.isEmpty())
            return;
        keys.push_back(key);
        values.push_back(value.constData());
    };
    set("host", host);
    set("port", port);
    set("user", user);
    set("password", password);
    set("dbname", name);
    static const QByteArray fixed[][2] = {{"application_name", "baton-listen"},
                                          {"connect_timeout", "5"},
                                          {"keepalives", "1"},
                                          {"keepalives_idle", "30"},
                                          {"keepalives_interval", "10"},
                                          {"keepalives_count", "3"}};
    for (const auto &[key, value] : fixed)
        set(key.constData(), value);
    keys.push_back(nullptr);
    values.push_back(nullptr);
    connection = PQconnectdbParams(keys.data(), values.data(), 0);
    if (PQstatus(connection) != CONNECTION_OK) {
        const QString error = QString::fromUtf8(PQerrorMessage(connection)).trimmed();
        close();
        return makeError(QStringLiteral("cannot listen for other servers' changes on %1: %2")
                             .arg(url.toDisplayString(), error));
    }
    const QByteArray statement = QByteArray("LISTEN ") + ChangeFeed::channel;
    PGresult *result = PQexec(connection, statement.constData());
    const bool listening = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!listening) {
        const QString error = QString::fromUtf8(PQerrorMessage(connection)).trimmed();
        close();
        return makeError(
            QStringLiteral("LISTEN %1 failed: %2").arg(QLatin1String(ChangeFeed::channel), error));
    }
    notifier = new QSocketNotifier(PQsocket(connection), QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [this] { readNotices(); });
    retryMs = firstRetryMs;
    const bool again = everListened;
    everListened = true;
    if (again) {
        qCInfo(lcStore, "listening for other servers' changes again");
        if (callbacks.reconnected)
            callbacks.reconnected();
    }
    return {};
}

void ChangeListener::Private::readNotices()
{
    if (!connection)
        return;
    if (!PQconsumeInput(connection) || PQstatus(connection) != CONNECTION_OK) {
        lose(QString::fromUtf8(PQerrorMessage(connection)).trimmed());
        return;
    }
    while (PGnotify *notify = PQnotifies(connection)) {
        const QByteArray payload(notify->extra);
        PQfreemem(notify);
        const std::optional<ChangeNotice> notice = ChangeFeed::decode(payload);
        if (!notice) {
            qCWarning(lcStore, "ignored a notice on %s that no server of this version wrote",
                      ChangeFeed::channel);
            continue;
        }
        if (callbacks.changed)
            callbacks.changed(*notice);
    }
}

void ChangeListener::Private::lose(const QString &why)
{
    qCWarning(lcStore).noquote() << "the connection listening for other servers' changes "
                                    "dropped; connecting again:"
                                 << why;
    close();
    retry->start(retryMs);
}

void ChangeListener::Private::close()
{
    if (notifier) {
        notifier->setEnabled(false);
        notifier->deleteLater(); // may be the sender of the running slot
        notifier = nullptr;
    }
    if (connection) {
        PQfinish(connection);
        connection = nullptr;
    }
}

ChangeListener::ChangeListener(std::shared_ptr<Database> database, Callbacks callbacks)
    : d(std::make_unique<Private>())
{
    d->database = std::move(database);
    d->callbacks = std::move(callbacks);
    d->thread.setObjectName(QStringLiteral("baton-listen"));
}

ChangeListener::~ChangeListener()
{
    stop();
}

Result<void> ChangeListener::start()
{
    if (d->context)
        return {};
    d->context = new QObject;
    d->context->moveToThread(&d->thread);
    d->thread.start();
    Result<void> first;
    Private *p = d.get();
    QMetaObject::invokeMethod(
        p->context,
        [p, &first] {
            p->retry = new QTimer(p->context);
            p->retry->setSingleShot(true);
            QObject::connect(p->retry, &QTimer::timeout, p->context, [p] {
                if (auto listening = p->listen(); !listening) {
                    qCWarning(lcStore).noquote() << listening.error();
                    p->retryMs = std::min(p->retryMs * 2, lastRetryMs);
                    p->retry->start(p->retryMs);
                }
            });
            first = p->listen();
            if (!first)
                p->retry->start(p->retryMs);
        },
        Qt::BlockingQueuedConnection);
    return first;
}

void ChangeListener::stop()
{
    if (!d->context)
        return;
    Private *p = d.get();
    QMetaObject::invokeMethod(
        p->context,
        [p] {
            p->close();
            delete p->context; // the timer and notifier with it
            p->context = nullptr;
            p->database->closeThreadConnection();
        },
        Qt::BlockingQueuedConnection);
    d->thread.quit();
    d->thread.wait();
}

} // namespace Baton

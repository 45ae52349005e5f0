// SPDX-License-Identifier: GPL-3.0-or-later
#include "authservice.h"

#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "store/changefeed.h"
#include "store/database.h"
#include "store/sessionrows.h"

#include <QLoggingCategory>

namespace Baton {

namespace {
Q_LOGGING_CATEGORY(lcAuth, "baton.auth")
}

AuthService::AuthService(Database &database, const Clock &clock)
    : AuthService(database, clock, Options {})
{
}

AuthService::AuthService(Database &database, const Clock &clock, Options options)
    : m_database(database)
    , m_clock(clock)
    , m_options(options)
    , m_throttle(options.throttle)
    , m_users(database, clock)
    , m_sessions(options.sessionCacheSeconds * 1000)
    , m_hashing(options.hashing)
{
    m_users.setChangeObserver([this](const QString &username) { userChanged(username); });
    // Absences are forgotten on the same changes as the sessions and go stale no longer.
    m_users.setAbsenceLifetime(options.sessionCacheSeconds * 1000);
}

void AuthService::setDirectory(std::unique_ptr<DirectorySignIn> directory)
{
    m_directory = std::move(directory);
}

Result<AuthService::Login> AuthService::login(const QString &username, const QString &password,
                                              const QString &clientAddress)
{
    Login result;
    const QDateTime now = m_clock.now();
    if (const qint64 wait = m_throttle.retryAfter(username, clientAddress, now); wait > 0) {
        result.status = Login::Status::Throttled;
        result.retryAfterSeconds = wait;
        return result;
    }
    auto found = m_users.findWithHash(username);
    if (!found)
        return found.failure();
    const bool local
        = found->has_value() && (*found)->second != UserDirectory::directoryPasswordHash();
    std::optional<User> user;
    if (local && (*found)->first.active) {
        if (PasswordHasher::verify((*found)->second, password)) {
            user = (*found)->first;
            if (PasswordHasher::needsRehash((*found)->second))
                if (const auto rehashed = PasswordHasher::hash(password))
                    (void)m_users.setPasswordHash(user->username, *rehashed);
        }
    } else if (!local && m_directory) {
        auto answer = checkWithDirectory(username, password, clientAddress);
        if (!answer && answer.failure().kind == ErrorKind::Unavailable) {
            result.status = Login::Status::DirectoryUnavailable;
            return result; // neither a success nor the person's fault: not counted
        }
        if (!answer)
            return answer.failure();
        user = std::move(*answer);
    } else {
        PasswordHasher::verifyDummy(password);
    }
    if (!user) {
        m_throttle.recordFailure(username, clientAddress, now);
        result.status = Login::Status::Invalid;
        return result;
    }
    m_throttle.recordSuccess(username, clientAddress, now);
    return openSession(*user, now);
}

Result<std::optional<User>> AuthService::checkWithDirectory(const QString &username,
                                                            const QString &password,
                                                            const QString &clientAddress)
{
    const auto person = m_directory->check(username, password, clientAddress);
    if (!person) {
        if (person.failure().kind == ErrorKind::Unauthorized) {
            qCInfo(lcAuth).noquote()
                << "directory sign-in of" << username << "refused:" << person.error();
            return std::optional<User>();
        }
        qCWarning(lcAuth).noquote() << "the company directory is not available:" << person.error();
        return makeError(ErrorKind::Unavailable, person.error());
    }
    auto existing = m_users.find(person->username);
    if (!existing)
        return existing.failure();
    if (existing->has_value() && !(*existing)->active)
        return std::optional<User>(); // disabled in Baton: the directory cannot re-enable it
    auto user = m_users.updateFromDirectory(person->username, person->name, person->roles,
                                            person->departments);
    if (user)
        return std::optional<User>(*user);
    if (user.failure().kind != ErrorKind::Conflict)
        return makeError(user.error()); // what the directory sent is not the person's fault
    // a local user's name: the directory's person may not become them
    qCWarning(lcAuth).noquote() << "directory sign-in refused:" << user.error();
    return std::optional<User>();
}

Result<AuthService::Login> AuthService::openSession(const User &user, const QDateTime &now)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    const QString token = SessionToken::generate();
    const QDateTime expires = now.addSecs(m_options.sessionSeconds);
    auto inserted = SessionRows::insert(*db, SessionToken::hash(token), user.username,
                                        now.toMSecsSinceEpoch(), expires.toMSecsSinceEpoch());
    if (!inserted)
        return inserted.failure();
    Login result;
    result.status = Login::Status::Ok;
    result.token = token;
    result.user = user;
    result.expiresAt = expires;
    return result;
}

void AuthService::loginAsync(const QString &username, const QString &password,
                             const QString &clientAddress,
                             std::function<void(const Result<Login> &)> done)
{
    // Refused attempts cost no hashing and take no place in the queue.
    if (const qint64 wait = m_throttle.retryAfter(username, clientAddress, m_clock.now());
        wait > 0) {
        Login throttled;
        throttled.status = Login::Status::Throttled;
        throttled.retryAfterSeconds = wait;
        return done(throttled);
    }
    const bool queued
        = m_hashing.submit([this, username, password, clientAddress, done](bool cancelled) {
              if (!cancelled)
                  return done(login(username, password, clientAddress));
              Login stopping; // the service is shutting down
              stopping.status = Login::Status::Busy;
              stopping.retryAfterSeconds = 1;
              done(stopping);
          });
    if (!queued) {
        Login busy;
        busy.status = Login::Status::Busy;
        busy.retryAfterSeconds = m_hashing.retryAfterSeconds();
        done(busy);
    }
}

Result<std::optional<User>> AuthService::authenticate(const QString &token)
{
    // Tokens are 43 base64url characters; anything else cannot be one of ours.
    if (token.size() != 43)
        return std::optional<User>();
    const QString hash = SessionToken::hash(token);
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    if (auto cached = cacheUpToDate() ? m_sessions.find(hash, now) : std::nullopt) {
        slideExpiry(hash, cached->expiresAt, now);
        return std::optional<User>(std::move(cached->user));
    }
    const quint64 generation = m_sessions.generation();
    auto found = m_users.findBySession(hash);
    if (!found)
        return found.failure();
    if (!found->has_value())
        return std::optional<User>();
    const auto &[user, expiresAt] = **found;
    if (expiresAt <= now || !user.active)
        return std::optional<User>();
    m_sessions.put(hash, SessionCache::Entry {user, expiresAt, now}, generation);
    slideExpiry(hash, expiresAt, now);
    return std::optional<User>(user);
}

bool AuthService::cacheUpToDate()
{
    // PostgreSQL with the change feed: the other servers' changes are heard as announcements
    // (forgetSessionsOf) without a query per request. Elsewhere (SQLite, several servers on one
    // file; PostgreSQL without live updates) the epoch row is the only way to hear them.
    if (m_options.sessionCacheSeconds <= 0 || !m_announceAs.isEmpty())
        return true;
    auto db = m_database.connection();
    if (!db)
        return false;
    const auto epoch = SessionRows::authEpoch(*db);
    if (!epoch)
        return false; // read the session itself: it says the same or fails the same way
    if (*epoch <= m_epochSeen.load())
        return true;
    // Someone logged out or changed: which, the row does not say. Forgotten before the new epoch
    // is published, so that no thread that already reads the new epoch answers from the old
    // cache (a second clear by a racing thread costs one more read, nothing else).
    m_sessions.clear();
    m_users.forgetEveryone(); // departments, reach and absences too
    qint64 seen = m_epochSeen.load();
    while (*epoch > seen && !m_epochSeen.compare_exchange_weak(seen, *epoch)) { }
    return true;
}

void AuthService::slideExpiry(const QString &tokenHash, qint64 expiresAt, qint64 now)
{
    const qint64 newExpiry = now + m_options.sessionSeconds * 1000;
    if (newExpiry - expiresAt < m_options.refreshSeconds * 1000)
        return;
    // Written rarely; a failure here does not fail the request.
    auto db = m_database.connection();
    if (db && SessionRows::setExpiry(*db, tokenHash, newExpiry))
        m_sessions.setExpiry(tokenHash, newExpiry);
}

Result<std::optional<QDateTime>> AuthService::sessionExpiry(const QString &token)
{
    if (token.size() != 43)
        return std::optional<QDateTime>();
    auto found = m_users.findBySession(SessionToken::hash(token));
    if (!found)
        return found.failure();
    if (!found->has_value())
        return std::optional<QDateTime>();
    const auto &[user, expiresAt] = **found;
    if (expiresAt <= m_clock.now().toMSecsSinceEpoch() || !user.active)
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(QDateTime::fromMSecsSinceEpoch(expiresAt, Qt::UTC));
}

Result<void> AuthService::logout(const QString &token)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    const QString hash = SessionToken::hash(token);
    QString username; // whose sessions the other servers forget
    if (!m_announceAs.isEmpty())
        if (auto found = m_users.findBySession(hash); found && found->has_value())
            username = (*found)->first.username;
    auto removed = SessionRows::remove(*db, hash); // and the other servers' caches hear of it
    // Only after the row is gone: a request reading it meanwhile would put it back.
    m_sessions.forgetSession(hash);
    if (removed && !username.isEmpty())
        userChanged(username);
    return removed;
}

void AuthService::userChanged(const QString &username)
{
    m_sessions.forgetUser(username);
    if (m_announceAs.isEmpty())
        return;
    ChangeNotice notice;
    notice.serverId = m_announceAs;
    notice.users = QStringList {username};
    auto db = m_database.connection();
    const Result<void> sent = db ? ChangeFeed::announce(*db, notice) : Result<void>(db.failure());
    // The change is made; the other servers read the session again within the cache's lifetime.
    if (!sent)
        qCWarning(lcAuth).noquote()
            << "cannot tell the other servers that" << username << "changed:" << sent.error();
}

void AuthService::forgetSessionsOf(const QStringList &usernames)
{
    for (const QString &username : usernames)
        m_sessions.forgetUser(username);
}

void AuthService::forgetAllSessions()
{
    m_sessions.clear();
}

Result<int> AuthService::purgeExpired()
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    return SessionRows::removeExpired(*db, m_clock.now().toMSecsSinceEpoch());
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "authservice.h"

#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "store/database.h"
#include "store/sessionrows.h"

namespace Baton {

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
    , m_hashing(options.hashing)
{
}

AuthService::Login AuthService::login(const QString &username, const QString &password,
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
    if (!found) {
        result.error = found.error();
        return result;
    }
    bool ok = false;
    if (found->has_value() && (*found)->first.active) {
        ok = PasswordHasher::verify((*found)->second, password);
    } else {
        PasswordHasher::verifyDummy(password);
    }
    if (!ok) {
        m_throttle.recordFailure(username, clientAddress, now);
        result.status = Login::Status::Invalid;
        return result;
    }
    m_throttle.recordSuccess(username, clientAddress, now);
    const User &user = (*found)->first;
    if (PasswordHasher::needsRehash((*found)->second))
        if (const auto rehashed = PasswordHasher::hash(password))
            (void)m_users.setPasswordHash(user.username, *rehashed);

    auto db = m_database.connection();
    if (!db) {
        result.error = db.error();
        return result;
    }
    const QString token = SessionToken::generate();
    const QDateTime expires = now.addSecs(m_options.sessionSeconds);
    auto inserted = SessionRows::insert(*db, SessionToken::hash(token), user.username,
                                        now.toMSecsSinceEpoch(), expires.toMSecsSinceEpoch());
    if (!inserted) {
        result.error = inserted.error();
        return result;
    }
    result.status = Login::Status::Ok;
    result.token = token;
    result.user = user;
    result.expiresAt = expires;
    return result;
}

void AuthService::loginAsync(const QString &username, const QString &password,
                             const QString &clientAddress, std::function<void(const Login &)> done)
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
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    const QString hash = SessionToken::hash(token);
    auto found = m_users.findBySession(hash);
    if (!found)
        return makeError(found.error());
    if (!found->has_value())
        return std::optional<User>();
    const auto &[user, expiresAt] = **found;
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    if (expiresAt <= now || !user.active)
        return std::optional<User>();
    const qint64 newExpiry = now + m_options.sessionSeconds * 1000;
    if (newExpiry - expiresAt >= m_options.refreshSeconds * 1000) {
        // Sliding expiry, written rarely; a failure here does not fail the request.
        (void)SessionRows::setExpiry(*db, hash, newExpiry);
    }
    return std::optional<User>(user);
}

Result<std::optional<QDateTime>> AuthService::sessionExpiry(const QString &token)
{
    if (token.size() != 43)
        return std::optional<QDateTime>();
    auto found = m_users.findBySession(SessionToken::hash(token));
    if (!found)
        return makeError(found.error());
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
        return makeError(db.error());
    return SessionRows::remove(*db, SessionToken::hash(token));
}

Result<int> AuthService::purgeExpired()
{
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    return SessionRows::removeExpired(*db, m_clock.now().toMSecsSinceEpoch());
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "definition/model.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QReadWriteLock>
#include <QSet>
#include <QStringList>

#include <functional>
#include <optional>

class QSqlDatabase;

namespace Baton {

class Clock;
class Database;
class Transaction;

/// A user account as the API shows it (never the password hash).
struct User
{
    QString username;
    QString name;
    QStringList roles;
    QStringList departments;
    QString email; ///< where the email channel sends; empty: none
    QString phone; ///< where the sms channel sends; empty: none
    QString language; ///< "en", "zh", or empty (the channel's default)
    QStringList skills; ///< matched by a queue's `assign: skills`
    /// Away (UserRow::awayFrom/awayUntil; set through setAway(), not update()).
    std::optional<QDateTime> awayFrom;
    std::optional<QDateTime> awayUntil;
    QString substitute;
    QJsonObject preferences; ///< `quiet_hours` (delivery/quiethours.h)
    /// Their own time zone (an IANA name), or empty: the organisation's default. The weekly
    /// summary's week and quiet hours without a zone of their own are on its clock.
    QString timeZone;
    bool active = true;
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// The changeable parts of a user; unset members stay as they are (on create: name, password
/// are required, departments and roles default to none).
struct UserInput
{
    std::optional<QString> name;
    std::optional<QString> password;
    std::optional<QStringList> departments;
    std::optional<QStringList> roles;
    std::optional<bool> active;
    std::optional<QString> email; ///< empty clears it
    std::optional<QString> phone; ///< empty clears it
    std::optional<QString> language; ///< "en", "zh" or empty
    std::optional<QStringList> skills;
    std::optional<QString> timeZone; ///< an IANA name ("Asia/Hong_Kong") or empty
};

/// Users in the store's `users` table. Departments and roles are checked against the
/// organisation; a changed password or a disabled account ends the user's sessions at once.
/// Methods use the calling thread's connection and are safe to call from any thread.
/// An absence in UserDirectory's snapshot: `username` is away from `fromMs` (0: already)
/// until `untilMs`, ms since the epoch.
struct AbsenceSpan
{
    QString username;
    qint64 fromMs = 0;
    qint64 untilMs = 0;
};

class UserDirectory
{
public:
    UserDirectory(Database &database, const Clock &clock);

    /// Called with the username after every change of a user this directory committed
    /// (create, update, away, preferences, a directory sign-in), on the changing thread: the
    /// session cache forgets what it knew of them. Set before the directory is used. A save
    /// that leaves the user as they were is no change: nothing is written, the sign-in epoch
    /// stays, and nobody is told.
    void setChangeObserver(std::function<void(const QString &username)> changed);

    /// Refused: Validation (`fields` says which), Conflict (the username is taken); Internal
    /// when the database or the hashing failed.
    Result<User> create(const QString &username, const UserInput &input,
                        const Organisation &organisation);
    /// As create(), with the password already hashed (PasswordHasher::hash): for accounts that
    /// share one password, like the demo's, so that start-up hashes it once and not once per
    /// account (argon2id costs ~50 ms of CPU each, seconds on a loaded machine).
    Result<User> createWithPasswordHash(const QString &username, const UserInput &input,
                                        const QByteArray &passwordHash,
                                        const Organisation &organisation);
    /// Refused: Validation (`fields` says which), NotFound; Internal when the database failed.
    Result<User> update(const QString &username, const UserInput &input,
                        const Organisation &organisation);
    // The lookups below answer nullopt for a user (or session) that is not there: a normal
    // answer each caller gives its own meaning (no departments, a refused sign-in that must
    // look like a wrong password, 401), not a failure.
    Result<std::optional<User>> find(const QString &username);
    /// The user and their encoded password hash, for sign-in.
    Result<std::optional<std::pair<User, QByteArray>>> findWithHash(const QString &username);
    /// The user of a session (by its token's hash) and the session's expiry (ms since the
    /// epoch), in one query: every request asks it.
    Result<std::optional<std::pair<User, qint64>>> findBySession(const QString &tokenHash);
    Result<QList<User>> list();
    /// A user's departments, for the SLA planner (steps for the originator run on the calendar
    /// of their first department). The planner asks on the engine's writer thread for every
    /// ticket it writes, so this answers from a snapshot of departments that create() and
    /// update() keep current (a PATCH of departments counts from the next ticket written). A
    /// user missing from it (new, or created by another server sharing the database) is read
    /// once; an unknown user has no departments.
    QStringList departmentsOf(const QString &username);
    /// How the user can be reached outside the browser now: by mail (`email`) or SMS (`phone`)
    /// when active with that address, and the channels they chose per notification kind
    /// (preferences `channels`, delivery/channelchoice.h). From a snapshot like
    /// departmentsOf's, kept current by update() and setPreferences(), for the outbox router on
    /// the writer thread (a notice nobody would get is not written at all). An unknown user is
    /// reached by nothing; one that cannot be read now by everything (the delivery worker
    /// looks again when it sends).
    struct Reach
    {
        bool email = false;
        bool phone = false;
        QJsonValue channels;
    };
    Reach reachOf(const QString &username);
    Result<void> setPasswordHash(const QString &username, const QByteArray &hash);
    /// Marks the user away from `from` (none: now) until `until`, their work and notices going
    /// to `substitute` (empty: the queue's backup) meanwhile; no `until`: back. Refused
    /// (Validation, `fields` naming "until" or "substitute") for an end not after the start or
    /// already past, or a substitute who is the user or unknown; NotFound.
    Result<User> setAway(const QString &username, std::optional<QDateTime> from,
                         std::optional<QDateTime> until, const QString &substitute);
    /// Drops what the snapshot holds of these users (another server changed them, heard
    /// through the change feed's `users` like the session cache): the next question reads
    /// them afresh.
    void forget(const QStringList &usernames);
    /// Drops the whole snapshot (changes may have been missed while not listening).
    void forgetEveryone();
    /// The users away at `now` (an absence recorded that has begun and not ended), for every
    /// ticket the API answers. From a snapshot of the absences not over, read once and then
    /// kept until a user changes here (setAway() and every other change) or on another server
    /// (forget(), from the change feed's `users` as the session cache), or for at most
    /// `absenceLifetimeMs` (a change the feed cannot tell: SQLite, no live updates).
    Result<QSet<QString>> awayAt(const QDateTime &now);
    /// 0: absences are read every time. Set before the directory is used.
    void setAbsenceLifetime(qint64 ms) { m_absenceLifetimeMs = ms; }
    /// Sets each key of `changes` in the user's preferences (checked by the caller; null
    /// removes the key), the others as stored at the save, and their own time zone when given
    /// (empty: the organisation's default), in one transaction. Refused: Validation (`fields`
    /// naming "time_zone") for a zone that is not an IANA name; NotFound.
    Result<User> setPreferences(const QString &username, const QJsonObject &changes,
                                const std::optional<QString> &timeZone = std::nullopt);

    /// A person the company directory vouched for: their user is created on first sign-in, and
    /// its name, roles and departments are set to the directory's at every sign-in (the rest
    /// of what an admin changed, like `active`, stays). Such a user has no password of
    /// Baton's (directoryPasswordHash marks it); an admin setting one makes it a local user.
    /// The roles and departments were checked against the organisation by directory.yaml's
    /// reader. Refused (Conflict) when the name belongs to a local user.
    Result<User> updateFromDirectory(const QString &username, const QString &name,
                                     const QStringList &roles, const QStringList &departments);
    /// The password hash of a user the company directory signs in: no password verifies
    /// against it.
    static QByteArray directoryPasswordHash() { return QByteArrayLiteral("directory"); }

    /// Lower-case letters, digits, '.', '_', '-'; 1–64 characters, starting with a letter or
    /// digit.
    static bool isValidUsername(const QString &username);
    /// An IANA time zone name this machine's zone data knows ("Asia/Hong_Kong", "UTC"); not an
    /// offset ("UTC+08:00"), which does not follow its place's summer time.
    static bool isValidTimeZone(const QString &name);
    static constexpr int minimumPasswordLength = 8;

private:
    QMap<QString, QString> check(const UserInput &input, const Organisation &organisation) const;
    /// check() plus what a new user needs: a valid username, a name and a password.
    Result<void> checkNew(const QString &username, const UserInput &input, bool hasPassword,
                          const Organisation &organisation) const;
    Result<User> insert(const QString &username, const UserInput &input,
                        const QByteArray &passwordHash);
    /// Raises the sign-in epoch (SessionRows::raiseAuthEpoch) in the create or update of
    /// `user`, commits it and only then remembers its departments and reach.
    Result<User> committed(const QSqlDatabase &db, Transaction &transaction, const User &user);
    /// Its departments and reach in the snapshot (departmentsOf, reachOf).
    void remember(const User &user);
    /// Drops the absences' snapshot: the next awayAt() reads them.
    void forgetAbsences();
    void tellChanged(const QString &username) const;

    Database &m_database;
    const Clock &m_clock;
    std::function<void(const QString &)> m_changed;
    QReadWriteLock m_departmentsLock; ///< read-mostly: written when a user is created or changed
    QHash<QString, QStringList> m_departments;
    QHash<QString, Reach> m_reach; ///< under m_departmentsLock, kept with m_departments

    struct Absences
    {
        QList<AbsenceSpan> spans; ///< not over when read
        qint64 readAtMs = 0;
    };
    QReadWriteLock m_absencesLock;
    std::optional<Absences> m_absences; ///< under m_absencesLock; none: read at the next awayAt()
    /// Increases whenever the snapshot is dropped (under m_absencesLock): a read that raced a
    /// change does not put its older rows back.
    quint64 m_absencesGeneration = 0;
    qint64 m_absenceLifetimeMs = 30000;
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "userdirectory.h"

#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "store/assignmentrows.h"
#include "store/database.h"
#include "store/sessionrows.h"
#include "store/userrows.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>

namespace Baton {

namespace {

User userOf(const UserRow &row)
{
    User user;
    user.username = row.username;
    user.name = row.name;
    user.roles = row.roles;
    user.departments = row.departments;
    user.active = row.active;
    user.email = row.email;
    user.phone = row.phone;
    user.language = row.language;
    user.skills = row.skills;
    if (row.awayFrom)
        user.awayFrom = QDateTime::fromMSecsSinceEpoch(*row.awayFrom, Qt::UTC);
    if (row.awayUntil)
        user.awayUntil = QDateTime::fromMSecsSinceEpoch(*row.awayUntil, Qt::UTC);
    user.substitute = row.substitute;
    user.preferences = QJsonDocument::fromJson(row.preferences).object();
    user.timeZone = row.timeZone;
    user.createdAt = QDateTime::fromMSecsSinceEpoch(row.createdAt, Qt::UTC);
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(row.updatedAt, Qt::UTC);
    return user;
}

UserRow rowOf(const User &user)
{
    UserRow row;
    row.username = user.username;
    row.name = user.name;
    row.roles = user.roles;
    row.departments = user.departments;
    row.email = user.email;
    row.phone = user.phone;
    row.language = user.language;
    row.skills = user.skills;
    row.timeZone = user.timeZone;
    row.active = user.active;
    row.createdAt = user.createdAt.toMSecsSinceEpoch();
    row.updatedAt = user.updatedAt.toMSecsSinceEpoch();
    return row;
}

// Plausible, not proven: one '@' with something on each side and a dot in the domain, no
// spaces or angle brackets (which would let a value break out of a mail header).
bool isPlausibleEmail(const QString &email)
{
    static const QRegularExpression pattern(
        QStringLiteral("^[^@\\s<>\"(),;:]+@[^@\\s<>\"(),;:]+\\.[^@\\s<>\"(),;:.]+\\z"));
    return email.size() <= 254 && pattern.match(email).hasMatch();
}

// What an SMS gateway accepts: an optional '+', digits, and the separators people write.
bool isPlausiblePhone(const QString &phone)
{
    static const QRegularExpression pattern(QStringLiteral("^\\+?[0-9][0-9 ()-]{4,30}\\z"));
    return pattern.match(phone).hasMatch();
}

void checkContact(const UserInput &input, QMap<QString, QString> &fields)
{
    if (input.email && !input.email->isEmpty() && !isPlausibleEmail(*input.email))
        fields.insert(QStringLiteral("email"),
                      QStringLiteral("must be an address like name@example.com"));
    if (input.phone && !input.phone->isEmpty() && !isPlausiblePhone(*input.phone))
        fields.insert(QStringLiteral("phone"),
                      QStringLiteral("must be digits with an optional leading '+'"));
    if (input.language && !input.language->isEmpty() && *input.language != u"en"
        && *input.language != u"zh")
        fields.insert(QStringLiteral("language"), QStringLiteral("must be en or zh"));
    if (input.timeZone && !input.timeZone->isEmpty()
        && !UserDirectory::isValidTimeZone(*input.timeZone))
        fields.insert(QStringLiteral("time_zone"),
                      QStringLiteral("must be a time zone name like Asia/Hong_Kong, or empty"));
}

// Whether `a` and `b` are the same account as update() and a directory sign-in write it:
// everything but the times, the absence and the preferences, which those leave alone.
bool sameAccount(const User &a, const User &b)
{
    return a.name == b.name && a.roles == b.roles && a.departments == b.departments
        && a.active == b.active && a.email == b.email && a.phone == b.phone
        && a.language == b.language && a.skills == b.skills && a.timeZone == b.timeZone;
}

QStringList deduplicated(QStringList list)
{
    list.removeDuplicates();
    return list;
}

// `user` with `input`'s changes of the account (update(); not the password).
User edited(User user, const UserInput &input)
{
    if (input.name)
        user.name = input.name->trimmed();
    if (input.roles)
        user.roles = deduplicated(*input.roles);
    if (input.departments)
        user.departments = deduplicated(*input.departments);
    if (input.active)
        user.active = *input.active;
    if (input.email)
        user.email = input.email->trimmed();
    if (input.phone)
        user.phone = input.phone->trimmed();
    if (input.language)
        user.language = *input.language;
    if (input.skills)
        user.skills = deduplicated(*input.skills);
    if (input.timeZone)
        user.timeZone = *input.timeZone;
    return user;
}

// `preferences` with `changes` merged in: a key set to null is removed.
QJsonObject merged(QJsonObject preferences, const QJsonObject &changes)
{
    for (auto it = changes.constBegin(); it != changes.constEnd(); ++it) {
        if (it.value().isNull())
            preferences.remove(it.key());
        else
            preferences.insert(it.key(), it.value());
    }
    return preferences;
}

// The row found, or NotFound. The changes below read a user's row twice: first without a lock,
// so that a save that would leave it as it is (the same form sent again, a directory sign-in)
// answers without taking the write lock or waiting for another writer; then, to change it,
// locked in the change's transaction, where the comparison is made again on what is there now.
Result<UserRow> existing(const Result<std::optional<UserRow>> &found, const QString &username)
{
    if (!found)
        return found.failure();
    if (!found->has_value())
        return makeError(ErrorKind::NotFound, QStringLiteral("No user %1.").arg(username));
    return **found;
}

} // namespace

UserDirectory::UserDirectory(Database &database, const Clock &clock)
    : m_database(database)
    , m_clock(clock)
{
}

void UserDirectory::setChangeObserver(std::function<void(const QString &)> changed)
{
    m_changed = std::move(changed);
}

void UserDirectory::tellChanged(const QString &username) const
{
    if (m_changed)
        m_changed(username);
}

bool UserDirectory::isValidTimeZone(const QString &name)
{
    // QTimeZone also takes offsets ("UTC+08:00") and Windows-style ids on some systems; an IANA
    // name is "UTC" or Area/Place.
    static const QRegularExpression iana(QStringLiteral("^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)\\z"));
    return iana.match(name).hasMatch() && QTimeZone(name.toUtf8()).isValid();
}

bool UserDirectory::isValidUsername(const QString &username)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}\\z"));
    return pattern.match(username).hasMatch();
}

QMap<QString, QString> UserDirectory::check(const UserInput &input,
                                            const Organisation &organisation) const
{
    QMap<QString, QString> fields;
    checkContact(input, fields);
    if (input.name && (input.name->trimmed().isEmpty() || input.name->size() > 200))
        fields.insert(QStringLiteral("name"), QStringLiteral("must be 1 to 200 characters"));
    if (input.password && input.password->size() < minimumPasswordLength)
        fields.insert(QStringLiteral("password"),
                      QStringLiteral("must be at least %1 characters").arg(minimumPasswordLength));
    if (input.password && input.password->size() > 1024)
        fields.insert(QStringLiteral("password"),
                      QStringLiteral("must be at most 1024 characters"));
    if (input.departments) {
        QStringList unknown;
        for (const QString &d : *input.departments)
            if (!organisation.departments.contains(d))
                unknown.append(d);
        if (!unknown.isEmpty())
            fields.insert(
                QStringLiteral("departments"),
                QStringLiteral("unknown department: %1").arg(unknown.join(QStringLiteral(", "))));
    }
    if (input.roles) {
        QStringList unknown;
        for (const QString &r : *input.roles)
            if (!organisation.hasRole(r))
                unknown.append(r);
        if (!unknown.isEmpty())
            fields.insert(
                QStringLiteral("roles"),
                QStringLiteral("unknown role: %1").arg(unknown.join(QStringLiteral(", "))));
    }
    return fields;
}

Result<User> UserDirectory::create(const QString &username, const UserInput &input,
                                   const Organisation &organisation)
{
    if (auto refused = checkNew(username, input, input.password.has_value(), organisation);
        !refused)
        return refused.failure();
    const auto hash = PasswordHasher::hash(*input.password);
    if (!hash)
        return hash.failure();
    return insert(username, input, *hash);
}

Result<User> UserDirectory::createWithPasswordHash(const QString &username, const UserInput &input,
                                                   const QByteArray &passwordHash,
                                                   const Organisation &organisation)
{
    if (auto refused = checkNew(username, input, !passwordHash.isEmpty(), organisation); !refused)
        return refused.failure();
    return insert(username, input, passwordHash);
}

Result<void> UserDirectory::checkNew(const QString &username, const UserInput &input,
                                     bool hasPassword, const Organisation &organisation) const
{
    QMap<QString, QString> fields = check(input, organisation);
    if (!isValidUsername(username))
        fields.insert(QStringLiteral("username"),
                      QStringLiteral("use 1 to 64 lower-case letters, digits, '.', '_' or '-'"));
    if (!input.name)
        fields.insert(QStringLiteral("name"), QStringLiteral("required"));
    if (!hasPassword)
        fields.insert(QStringLiteral("password"), QStringLiteral("required"));
    if (!fields.isEmpty())
        return makeError(ErrorKind::Validation, QStringLiteral("The user is not valid."), fields);
    return {};
}

Result<User> UserDirectory::insert(const QString &username, const UserInput &input,
                                   const QByteArray &passwordHash)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    User user;
    user.username = username;
    user.name = input.name->trimmed();
    user.roles = deduplicated(input.roles.value_or(QStringList()));
    user.departments = deduplicated(input.departments.value_or(QStringList()));
    user.active = input.active.value_or(true);
    user.email = input.email.value_or(QString()).trimmed();
    user.phone = input.phone.value_or(QString()).trimmed();
    user.language = input.language.value_or(QString());
    user.skills = deduplicated(input.skills.value_or(QStringList()));
    user.timeZone = input.timeZone.value_or(QString());
    user.createdAt = user.updatedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);

    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    auto existing = UserRows::exists(*db, username);
    if (!existing)
        return existing.failure();
    if (*existing)
        return makeError(ErrorKind::Conflict,
                         QStringLiteral("The username %1 is taken.").arg(username),
                         {{QStringLiteral("username"), QStringLiteral("taken")}});
    UserRow row = rowOf(user);
    row.passwordHash = passwordHash;
    auto inserted = UserRows::insert(*db, row);
    if (!inserted)
        return inserted.failure();
    return committed(*db, transaction, user);
}

Result<User> UserDirectory::update(const QString &username, const UserInput &input,
                                   const Organisation &organisation)
{
    const QMap<QString, QString> fields = check(input, organisation);
    if (!fields.isEmpty())
        return makeError(ErrorKind::Validation, QStringLiteral("The change is not valid."), fields);
    QByteArray hash;
    if (input.password) {
        auto hashed = PasswordHasher::hash(*input.password);
        if (!hashed)
            return hashed.failure();
        hash = *hashed;
    }
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    if (!input.password) {
        auto seen = existing(UserRows::find(*db, username), username);
        if (!seen)
            return seen.failure();
        const User before = userOf(*seen);
        if (sameAccount(edited(before, input), before))
            return before; // nothing to write, and no server's caches to empty
    }
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    auto found = existing(UserRows::findToChange(*db, username), username);
    if (!found)
        return found.failure();
    const User before = userOf(*found);
    User user = edited(before, input);
    if (!input.password && sameAccount(user, before))
        return before; // made so meanwhile
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    UserRow row = rowOf(user);
    row.passwordHash = hash;
    if (auto updated = UserRows::update(*db, row, input.password.has_value()); !updated)
        return updated.failure();
    // A new password or a disabled account ends every session of the user at once.
    if (input.password || !user.active) {
        if (auto revoked = SessionRows::removeAllOf(*db, username); !revoked)
            return revoked.failure();
    }
    return committed(*db, transaction, user);
}

Result<User> UserDirectory::setAway(const QString &username, std::optional<QDateTime> from,
                                    std::optional<QDateTime> until, const QString &substitute)
{
    const QDateTime now = m_clock.now();
    QMap<QString, QString> fields;
    if (until && *until <= (from ? std::max(*from, now) : now))
        fields.insert(QStringLiteral("until"), QStringLiteral("must be after the start and now"));
    if (until && substitute == username)
        fields.insert(QStringLiteral("substitute"), QStringLiteral("cannot be the user away"));
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    if (until && !substitute.isEmpty() && !fields.contains(QStringLiteral("substitute"))) {
        auto exists = UserRows::exists(*db, substitute);
        if (!exists)
            return makeError(exists.error());
        if (!*exists)
            fields.insert(QStringLiteral("substitute"), QStringLiteral("no such user"));
    }
    if (!fields.isEmpty())
        return makeError(ErrorKind::Validation, QStringLiteral("The absence is not valid."),
                         fields);
    const auto ms = [](const std::optional<QDateTime> &t) {
        return t ? std::optional<qint64>(t->toMSecsSinceEpoch()) : std::nullopt;
    };
    const bool away = until.has_value();
    const std::optional<qint64> awayFrom = away ? ms(from) : std::nullopt;
    const QString standIn = away ? substitute : QString();
    const auto unchanged = [&](const UserRow &row) {
        return row.awayFrom == awayFrom && row.awayUntil == ms(until) && row.substitute == standIn;
    };
    auto seen = existing(UserRows::find(*db, username), username);
    if (!seen)
        return seen.failure();
    if (unchanged(*seen))
        return userOf(*seen); // the same absence again: no write, no server's caches emptied
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    auto found = existing(UserRows::findToChange(*db, username), username);
    if (!found)
        return found.failure();
    UserRow row = *found;
    if (unchanged(row))
        return userOf(row); // made so meanwhile
    row.awayFrom = awayFrom;
    row.awayUntil = ms(until);
    row.substitute = standIn;
    row.updatedAt = now.toMSecsSinceEpoch();
    if (auto set = UserRows::setAway(*db, username, row.awayFrom, row.awayUntil, row.substitute,
                                     row.updatedAt);
        !set)
        return makeError(set.error());
    if (auto raised = SessionRows::raiseAuthEpoch(*db); !raised)
        return raised.failure();
    if (auto done = transaction.commit(); !done)
        return done.failure();
    forgetAbsences();
    tellChanged(username);
    return userOf(row);
}

namespace {

QSet<QString> awayAmong(const QList<AbsenceSpan> &spans, qint64 atMs)
{
    QSet<QString> away;
    for (const AbsenceSpan &span : spans)
        if (span.fromMs <= atMs && atMs < span.untilMs)
            away.insert(span.username);
    return away;
}

} // namespace

Result<QSet<QString>> UserDirectory::awayAt(const QDateTime &now)
{
    const qint64 atMs = now.toMSecsSinceEpoch();
    // Aged on the directory's clock, whatever instant is asked about; read as of the earlier of
    // the two, so that it answers for any instant from then on.
    const qint64 clockMs = m_clock.now().toMSecsSinceEpoch();
    quint64 generation = 0;
    {
        QReadLocker lock(&m_absencesLock);
        // Too old, a clock set back, or an instant before the read: read again.
        if (m_absences && atMs >= m_absences->readAtMs && clockMs >= m_absences->readAtMs
            && clockMs - m_absences->readAtMs < m_absenceLifetimeMs)
            return awayAmong(m_absences->spans, atMs);
        generation = m_absencesGeneration;
    }
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    const qint64 readAtMs = std::min(atMs, clockMs);
    auto rows = AssignmentRows::absencesNotOver(*db, readAtMs);
    if (!rows)
        return rows.failure();
    Absences read {{}, readAtMs};
    for (const AbsenceRow &row : *rows)
        read.spans.append({row.username, row.fromMs, row.untilMs});
    QWriteLocker lock(&m_absencesLock);
    if (generation == m_absencesGeneration && m_absenceLifetimeMs > 0)
        m_absences = read;
    return awayAmong(read.spans, atMs);
}

void UserDirectory::forgetAbsences()
{
    QWriteLocker lock(&m_absencesLock);
    m_absences.reset();
    ++m_absencesGeneration;
}

Result<User> UserDirectory::setPreferences(const QString &username, const QJsonObject &changes,
                                           const std::optional<QString> &timeZone)
{
    if (timeZone) {
        UserInput input;
        input.timeZone = timeZone;
        QMap<QString, QString> fields;
        checkContact(input, fields);
        if (!fields.isEmpty())
            return makeError(ErrorKind::Validation,
                             QStringLiteral("The preferences are not valid."), fields);
    }
    const auto changed = [&](const User &user) {
        User after = user;
        after.preferences = merged(user.preferences, changes);
        if (timeZone)
            after.timeZone = *timeZone;
        return after;
    };
    const auto same = [](const User &a, const User &b) {
        return a.preferences == b.preferences && a.timeZone == b.timeZone;
    };
    auto db = m_database.connection();
    if (!db)
        return makeError(db.error());
    auto seen = existing(UserRows::find(*db, username), username);
    if (!seen)
        return seen.failure();
    if (const User before = userOf(*seen); same(changed(before), before))
        return before; // nothing to write, and no server's caches to empty
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    // Merged into the row as it is now, read and written in one transaction with the row
    // locked: two tabs saving different keys at once keep both.
    auto found = existing(UserRows::findToChange(*db, username), username);
    if (!found)
        return found.failure();
    const User before = userOf(*found);
    User user = changed(before);
    if (same(user, before))
        return user; // made so meanwhile
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(m_clock.now().toMSecsSinceEpoch(), Qt::UTC);
    if (auto set = UserRows::setPreferences(
            *db, username, QJsonDocument(user.preferences).toJson(QJsonDocument::Compact),
            user.timeZone, user.updatedAt.toMSecsSinceEpoch());
        !set)
        return makeError(set.error());
    if (auto raised = SessionRows::raiseAuthEpoch(*db); !raised)
        return raised.failure();
    if (auto done = transaction.commit(); !done)
        return done.failure();
    // The next notice follows their new choice of channels, here and (change feed) elsewhere.
    remember(user);
    tellChanged(username);
    return user;
}

Result<User> UserDirectory::updateFromDirectory(const QString &username, const QString &name,
                                                const QStringList &roles,
                                                const QStringList &departments)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    const auto signedIn = [&](User user) {
        user.name = name.trimmed().left(200).isEmpty() ? username : name.trimmed().left(200);
        user.roles = deduplicated(roles);
        user.departments = deduplicated(departments);
        return user;
    };
    // Every sign-in: most find the account as the directory left it last time.
    auto seen = UserRows::find(*db, username);
    if (!seen)
        return seen.failure();
    if (seen->has_value() && (*seen)->passwordHash == directoryPasswordHash()) {
        const User before = userOf(**seen);
        if (sameAccount(signedIn(before), before))
            return before;
    }
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(transaction.error());
    auto found = UserRows::findToChange(*db, username);
    if (!found)
        return found.failure();
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    User user;
    if (found->has_value()) {
        if ((*found)->passwordHash != directoryPasswordHash())
            return makeError(ErrorKind::Conflict,
                             QStringLiteral("%1 is a local user of Baton's").arg(username));
        const User before = userOf(**found); // once: the account and what it is compared with
        user = signedIn(before);
        if (sameAccount(user, before))
            return user; // made so meanwhile
    } else {
        user.username = username;
        user.createdAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
        user = signedIn(std::move(user));
    }
    user.updatedAt = QDateTime::fromMSecsSinceEpoch(now, Qt::UTC);
    UserRow row = rowOf(user);
    row.passwordHash = directoryPasswordHash();
    const Result<void> written
        = found->has_value() ? UserRows::update(*db, row, false) : UserRows::insert(*db, row);
    if (!written)
        return written.failure();
    return committed(*db, transaction, user);
}

Result<User> UserDirectory::committed(const QSqlDatabase &db, Transaction &transaction,
                                      const User &user)
{
    // In the change's transaction: no server reads the change and misses the raise.
    if (auto raised = SessionRows::raiseAuthEpoch(db); !raised)
        return raised.failure();
    if (auto done = transaction.commit(); !done)
        return done.failure();
    remember(user);
    tellChanged(user.username);
    return user;
}

void UserDirectory::forget(const QStringList &usernames)
{
    forgetAbsences();
    QWriteLocker lock(&m_departmentsLock);
    for (const QString &username : usernames) {
        m_departments.remove(username);
        m_reach.remove(username);
    }
}

void UserDirectory::forgetEveryone()
{
    forgetAbsences();
    QWriteLocker lock(&m_departmentsLock);
    m_departments.clear();
    m_reach.clear();
}

namespace {

UserDirectory::Reach reachOfUser(const User &user)
{
    return {user.active && !user.email.isEmpty(), user.active && !user.phone.isEmpty(),
            user.preferences.value(QStringLiteral("channels"))};
}

} // namespace

void UserDirectory::remember(const User &user)
{
    QWriteLocker lock(&m_departmentsLock);
    m_departments.insert(user.username, user.departments);
    m_reach.insert(user.username, reachOfUser(user));
}

UserDirectory::Reach UserDirectory::reachOf(const QString &username)
{
    {
        QReadLocker lock(&m_departmentsLock);
        if (const auto it = m_reach.constFind(username); it != m_reach.cend())
            return it.value();
    }
    auto found = find(username);
    if (!found)
        return {true, true, {}}; // unknown for now: the delivery worker looks again when it sends
    if (!found->has_value())
        return {};
    QWriteLocker lock(&m_departmentsLock);
    // Only if still missing: a change committed meanwhile knows better than what was read.
    if (!m_reach.contains(username))
        m_reach.insert(username, reachOfUser(**found));
    return m_reach.value(username);
}

QStringList UserDirectory::departmentsOf(const QString &username)
{
    {
        QReadLocker lock(&m_departmentsLock);
        if (const auto it = m_departments.constFind(username); it != m_departments.cend())
            return it.value();
    }
    auto found = find(username);
    if (!found)
        return {}; // asked again next time
    const QStringList departments = found->has_value() ? (*found)->departments : QStringList();
    // Only if still missing: a create() or update() that committed meanwhile knows better than
    // what was read before it.
    QWriteLocker lock(&m_departmentsLock);
    if (!m_departments.contains(username))
        m_departments.insert(username, departments);
    return m_departments.value(username);
}

Result<std::optional<User>> UserDirectory::find(const QString &username)
{
    auto found = findWithHash(username);
    if (!found)
        return found.failure();
    if (!found->has_value())
        return std::optional<User>();
    return std::optional<User>(found->value().first);
}

Result<std::optional<std::pair<User, QByteArray>>>
UserDirectory::findWithHash(const QString &username)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    auto row = UserRows::find(*db, username);
    if (!row)
        return row.failure();
    if (!row->has_value())
        return std::optional<std::pair<User, QByteArray>>();
    return std::optional(std::pair {userOf(**row), (*row)->passwordHash});
}

Result<std::optional<std::pair<User, qint64>>>
UserDirectory::findBySession(const QString &tokenHash)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    auto row = UserRows::findBySession(*db, tokenHash);
    if (!row)
        return row.failure();
    if (!row->has_value())
        return std::optional<std::pair<User, qint64>>();
    return std::optional(std::pair {userOf((*row)->first), (*row)->second});
}

Result<QList<User>> UserDirectory::list()
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    auto rows = UserRows::all(*db);
    if (!rows)
        return rows.failure();
    QList<User> users;
    for (const UserRow &row : std::as_const(*rows))
        users.append(userOf(row));
    return users;
}

Result<void> UserDirectory::setPasswordHash(const QString &username, const QByteArray &hash)
{
    auto db = m_database.connection();
    if (!db)
        return db.failure();
    return UserRows::setPasswordHash(*db, username, hash);
}

} // namespace Baton

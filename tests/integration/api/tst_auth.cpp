// SPDX-License-Identifier: GPL-3.0-or-later
// Sign-in and users on a real database (SQLite and PostgreSQL): hashing, sessions that
// expire, slide and end at logout, throttled guessing, users checked against the organisation;
// and over HTTP, an admin's change of a user's departments, roles or active flag taking effect
// on that user's very next request.
#include "api/apiserver.h"
#include "auth/authservice.h"
#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "definition/workflowset.h"
#include "pgharness.h"
#include "rawhttp.h"
#include "runtime/engine.h"
#include "sla/slaservice.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/sessionrows.h"
#include "testserver.h"

#include <QJsonArray>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <atomic>

using namespace Baton;
using namespace Qt::Literals::StringLiterals;

namespace {

bool succeeded(const Result<User> &result)
{
    return result.ok();
}

} // namespace

namespace {

Organisation testOrganisation()
{
    Organisation org;
    org.departments.insert(
        QStringLiteral("cs"),
        Department {QStringLiteral("cs"), QStringLiteral("Customer service"), {}, {}});
    org.departments.insert(
        QStringLiteral("billing"),
        Department {QStringLiteral("billing"), QStringLiteral("Billing"), {}, {}});
    org.roles.insert(QStringLiteral("auditor"), QStringLiteral("reads everything"));
    return org;
}

UserInput input(const QString &name, const QString &password, QStringList departments = {},
                QStringList roles = {})
{
    UserInput in;
    in.name = name;
    in.password = password;
    in.departments = departments;
    in.roles = roles;
    return in;
}

/// A real server (engine, SLA clocks, auth, HTTP on a port the OS picks) on the shipped
/// workflows, for the tests that change users through the API.
struct HttpServer
{
    std::shared_ptr<const Organisation> org;
    Test::TestServer server;
    quint16 port = 0;
    /// PostgreSQL's change feed between servers (off: as a server without live updates).
    bool liveAcrossServers = true;

    QString start(const std::shared_ptr<Database> &db, FakeClock &clock,
                  const AuthService::Options &authOptions = {}, bool trustProxy = false)
    {
        Test::TestServerOptions options;
        options.database = db;
        options.clock = &clock;
        options.adminClock = false;
        options.auth = authOptions;
        options.api.trustProxy = trustProxy;
        options.liveAcrossServers = liveAcrossServers;
        if (!options.useWorkflowFolder())
            return QStringLiteral("the shipped workflows do not load");
        options.workflowsFolder.clear(); // published as from the editor
        org = options.organisation;
        const QString error = server.start(options);
        port = server.port();
        return error;
    }

    AuthService &auth() { return server.auth(); }

    RawResponse call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QString &token = {}) const
    {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!token.isEmpty())
            headers.append({"Authorization", "Bearer " + token.toLatin1()});
        return rawRequest(port, httpRequest(method, path, body, headers));
    }

    QString login(const QString &username) const
    {
        const RawResponse response = call(
            "POST", "/api/v1/login",
            QJsonDocument(QJsonObject {{QStringLiteral("username"), username},
                                       {QStringLiteral("password"), QStringLiteral("password-1")}})
                .toJson(QJsonDocument::Compact));
        return response.json().value(QLatin1String("token")).toString();
    }

    /// PATCH /api/v1/users/{username} as `adminToken`; the status.
    int patch(const QString &adminToken, const QString &username, const QByteArray &body) const
    {
        return call("PATCH", "/api/v1/users/" + username.toLatin1(), body, adminToken).status;
    }

    QWebSocket *stream(const QString &token, QObject *parent) const
    {
        auto *socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, parent);
        socket->open(
            QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream?token=%2").arg(port).arg(token)));
        return socket;
    }
};

QStringList actionNames(const QJsonObject &ticket)
{
    QStringList names;
    for (const QJsonValue &action : ticket.value(QLatin1String("actions")).toArray())
        names.append(action.toObject().value(QLatin1String("name")).toString());
    return names;
}

QStringList strings(const QJsonValue &array)
{
    QStringList list;
    for (const QJsonValue &value : array.toArray())
        list.append(value.toString());
    return list;
}

} // namespace

class tst_Auth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data() { Test::TestDatabase::addDriverRows(); }
    void init();
    void cleanup();

    void passwordHashIsArgon2idAndVerifies();
    void tokensAreRandom256BitAndStoredHashed();
    void createUserChecks_data();
    void createUserChecks();
    void takenUsernameIsTaken();
    void usersCanShareOneHashedPassword();
    void loginSucceedsOnlyWithTheRightPassword();
    void repeatedFailuresAreThrottledPerUserAndAddress();
    void logoutEndsTheSessionAtOnce();
    void sessionsExpireAndSlide();
    void disablingOrNewPasswordEndsSessions();
    void updateChecksAndUnknownUserIsNotFound();
    // The session cache (SessionCache): what this server changes counts at once, what another
    // server changes within the cache's lifetime, an expired session never.
    void cachedSessionEndsAtLogoutNewPasswordOrDisabling();
    void cachedUserChangesOnTheNextRequest();
    void cachedSessionExpiresOnTime();
    void anotherServersChangeCountsAtOnce();
    void absencesAreAnsweredFromMemoryUntilAUserChanges();
    void aSaveThatChangesNothingLeavesEveryCacheAlone();
    void aSaveThatChangesNothingTakesNoWriteLock();

    // Over HTTP: PATCH /api/v1/users/{name} as an admin.
    void newDepartmentsDecideVisibilityOnTheNextRequest();
    void newRolesDecidePermissionsOnTheNextRequest();
    void deactivationEndsEverySessionAndStreamAtOnce();
    void logoutOnOneServerEndsTheTokenOnAnotherAtOnce();
    void originatorClockRunsOnTheNewDepartmentsCalendar();
    void oneAddressTryingManyUsernamesGets429();
    void forwardedForNamesTheClientOnlyBehindATrustedProxy();
    void loginsWaitForHashingThreadsNotHttpThreads();
    void preferencesSavedInTwoTabsKeepBothKeys();

private:
    /// Creates `username` (password "password-1") in the shipped organisation.
    bool addUser(HttpServer &server, const QString &username, const QString &role,
                 const QStringList &departments);

    Test::TestDatabase *m_holder = nullptr;
    QString m_url;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC)};
    std::unique_ptr<AuthService> m_auth;
    Organisation m_org = testOrganisation();
};

void tst_Auth::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
    m_url = url;
    auto db = Database::open(url);
    if (!db)
        QFAIL(qPrintable(db.error()));
    m_db = *db;
    const auto migrated = Schema::migrate(*m_db);
    if (!migrated)
        QFAIL(qPrintable(migrated.error()));
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC));
    m_auth = std::make_unique<AuthService>(*m_db, m_clock);
}

void tst_Auth::cleanup()
{
    m_auth.reset();
    if (m_db)
        m_db->closeThreadConnection();
    m_db.reset();
    delete m_holder;
    m_holder = nullptr;
}

void tst_Auth::passwordHashIsArgon2idAndVerifies()
{
    const auto hash = PasswordHasher::hash(QStringLiteral("correct horse"));
    QVERIFY(hash.ok());
    QVERIFY2(hash->startsWith("$argon2id$"), hash->constData());
    QVERIFY(!hash->contains("correct horse"));
    QVERIFY(PasswordHasher::verify(*hash, QStringLiteral("correct horse")));
    QVERIFY(!PasswordHasher::verify(*hash, QStringLiteral("correct hors")));
    QVERIFY(!PasswordHasher::verify(QByteArray(), QStringLiteral("")));
    QVERIFY(!PasswordHasher::needsRehash(*hash));
    const auto again = PasswordHasher::hash(QStringLiteral("correct horse"));
    QVERIFY(*again != *hash); // salted
}

void tst_Auth::tokensAreRandom256BitAndStoredHashed()
{
    const QString a = SessionToken::generate();
    const QString b = SessionToken::generate();
    QCOMPARE(a.size(), 43); // 32 bytes, base64url without padding
    QCOMPARE(QByteArray::fromBase64(a.toLatin1(), QByteArray::Base64UrlEncoding).size(), 32);
    QVERIFY(a != b);
    QCOMPARE(SessionToken::hash(a).size(), 64);

    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto login = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"),
                                     QStringLiteral("127.0.0.1"));
    QCOMPARE(login->status, AuthService::Login::Status::Ok);
    auto db = m_db->connection();
    QVERIFY(db.ok());
    auto q = runQuery(*db, QStringLiteral("SELECT token_hash FROM sessions"));
    QVERIFY(q.ok());
    QVERIFY(q->next());
    QCOMPARE(q->value(0).toString(), SessionToken::hash(login->token));
    QVERIFY(q->value(0).toString() != login->token);
}

void tst_Auth::createUserChecks_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QStringList>("departments");
    QTest::addColumn<QStringList>("roles");
    QTest::addColumn<QString>("badField"); // empty: accepted
    const QStringList cs {QStringLiteral("cs")};
    const QStringList agent {QStringLiteral("agent")};
    QTest::newRow("agent of a known department is created")
        << QStringLiteral("amy") << QStringLiteral("password-1") << cs << agent << QString();
    QTest::newRow("declared extra role is accepted")
        << QStringLiteral("audrey") << QStringLiteral("password-1") << cs
        << QStringList {QStringLiteral("auditor")} << QString();
    QTest::newRow("unknown department is refused")
        << QStringLiteral("amy") << QStringLiteral("password-1")
        << QStringList {QStringLiteral("moon")} << agent << QStringLiteral("departments");
    QTest::newRow("unknown role is refused")
        << QStringLiteral("amy") << QStringLiteral("password-1") << cs
        << QStringList {QStringLiteral("king")} << QStringLiteral("roles");
    QTest::newRow("upper-case username is refused")
        << QStringLiteral("Amy") << QStringLiteral("password-1") << cs << agent
        << QStringLiteral("username");
    QTest::newRow("username with a space is refused")
        << QStringLiteral("a my") << QStringLiteral("password-1") << cs << agent
        << QStringLiteral("username");
    QTest::newRow("short password is refused") << QStringLiteral("amy") << QStringLiteral("short")
                                               << cs << agent << QStringLiteral("password");
}

void tst_Auth::createUserChecks()
{
    QFETCH(QString, username);
    QFETCH(QString, password);
    QFETCH(QStringList, departments);
    QFETCH(QStringList, roles);
    QFETCH(QString, badField);
    const auto result = m_auth->users().create(
        username, input(QStringLiteral("Someone"), password, departments, roles), m_org);
    if (badField.isEmpty()) {
        QVERIFY(succeeded(result));
        const auto found = m_auth->users().find(username);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((*found)->departments, departments);
        QCOMPARE((*found)->roles, roles);
        QVERIFY((*found)->active);
    } else {
        QVERIFY(!result.ok());
        const Error &problem = result.failure();
        QCOMPARE(problem.kind, ErrorKind::Validation);
        QVERIFY2(problem.fields.contains(badField), qPrintable(problem.fields.keys().join(u',')));
        const auto found = m_auth->users().find(username);
        QVERIFY(found.ok() && !found->has_value());
    }
}

void tst_Auth::takenUsernameIsTaken()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto again = m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Other Amy"), QStringLiteral("password-2")),
        m_org);
    QVERIFY(!again.ok());
    QCOMPARE(again.failure().kind, ErrorKind::Conflict);
}

void tst_Auth::usersCanShareOneHashedPassword()
{
    // `serve --demo` hashes the demo password once for all its accounts.
    const auto hash = PasswordHasher::hash(QStringLiteral("shared-password"));
    QVERIFY(hash.ok());
    UserInput withoutPassword = input(QStringLiteral("Amy"), QString());
    withoutPassword.password.reset();
    for (const QString &name : {QStringLiteral("amy"), QStringLiteral("bob")})
        QVERIFY(
            succeeded(m_auth->users().createWithPasswordHash(name, withoutPassword, *hash, m_org)));
    const QString address = QStringLiteral("10.0.0.1");
    for (const QString &name : {QStringLiteral("amy"), QStringLiteral("bob")})
        QCOMPARE(m_auth->login(name, QStringLiteral("shared-password"), address)->status,
                 AuthService::Login::Status::Ok);
    QCOMPARE(
        m_auth->login(QStringLiteral("bob"), QStringLiteral("other-password"), address)->status,
        AuthService::Login::Status::Invalid);
    const auto noHash
        = m_auth->users().createWithPasswordHash(QStringLiteral("cat"), withoutPassword, {}, m_org);
    QVERIFY(!noHash.ok());
    QCOMPARE(noHash.failure().kind, ErrorKind::Validation);
    QCOMPARE(noHash.failure().fields.value(QStringLiteral("password")), QStringLiteral("required"));
    const auto taken = m_auth->users().createWithPasswordHash(QStringLiteral("amy"),
                                                              withoutPassword, *hash, m_org);
    QVERIFY(!taken.ok());
    QCOMPARE(taken.failure().kind, ErrorKind::Conflict);
}

void tst_Auth::loginSucceedsOnlyWithTheRightPassword()
{
    QVERIFY(
        succeeded(m_auth->users().create(QStringLiteral("amy"),
                                         input(QStringLiteral("Amy"), QStringLiteral("password-1"),
                                               {QStringLiteral("cs")}, {QStringLiteral("agent")}),
                                         m_org)));
    const QString address = QStringLiteral("10.0.0.1");
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("wrong-pass"), address)->status,
             AuthService::Login::Status::Invalid);
    QCOMPARE(m_auth->login(QStringLiteral("nobody"), QStringLiteral("password-1"), address)->status,
             AuthService::Login::Status::Invalid);
    const auto ok = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), address);
    QCOMPARE(ok->status, AuthService::Login::Status::Ok);
    QCOMPARE(ok->user.username, QStringLiteral("amy"));
    QCOMPARE(ok->expiresAt, m_clock.now().addSecs(12 * 3600));
    const auto user = m_auth->authenticate(ok->token);
    QVERIFY(user.ok() && user->has_value());
    QCOMPARE((*user)->departments, QStringList {QStringLiteral("cs")});
    const auto bogus = m_auth->authenticate(SessionToken::generate());
    QVERIFY(bogus.ok() && !bogus->has_value());
    QVERIFY(!m_auth->authenticate(QStringLiteral("short"))->has_value());
}

void tst_Auth::repeatedFailuresAreThrottledPerUserAndAddress()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const QString attacker = QStringLiteral("10.0.0.66");
    for (int i = 0; i < 5; ++i)
        QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("guess-%1").arg(i), attacker)
                     ->status,
                 AuthService::Login::Status::Invalid);
    const auto blocked
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), attacker);
    QCOMPARE(blocked->status, AuthService::Login::Status::Throttled);
    QVERIFY(blocked->retryAfterSeconds > 0 && blocked->retryAfterSeconds <= 15 * 60);
    // Amy at her own desk is not locked out by the attacker.
    QCOMPARE(
        m_auth
            ->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("10.0.0.1"))
            ->status,
        AuthService::Login::Status::Ok);
    m_clock.advanceSeconds(15 * 60 + 1);
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), attacker)->status,
             AuthService::Login::Status::Ok);
}

void tst_Auth::logoutEndsTheSessionAtOnce()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto first
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    const auto second
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("b"));
    QVERIFY(m_auth->logout(first->token).ok());
    QVERIFY(!m_auth->authenticate(first->token)->has_value());
    QVERIFY(m_auth->authenticate(second->token)->has_value()); // other sessions stay
}

void tst_Auth::sessionsExpireAndSlide()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto idle
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    const auto busy
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("b"));
    m_clock.advanceSeconds(11 * 3600);
    QVERIFY(m_auth->authenticate(busy->token)->has_value()); // used: expiry moves on
    m_clock.advanceSeconds(11 * 3600);
    QVERIFY(!m_auth->authenticate(idle->token)->has_value()); // 22 h idle
    QVERIFY(m_auth->authenticate(busy->token)->has_value()); // 11 h since last use
    QCOMPARE(m_auth->purgeExpired().value(), 1);
}

void tst_Auth::disablingOrNewPasswordEndsSessions()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto session
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    UserInput newPassword;
    newPassword.password = QStringLiteral("password-2");
    QVERIFY(succeeded(m_auth->users().update(QStringLiteral("amy"), newPassword, m_org)));
    QVERIFY(!m_auth->authenticate(session->token)->has_value());
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"))
                 ->status,
             AuthService::Login::Status::Invalid);
    const auto again
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-2"), QStringLiteral("a"));
    QCOMPARE(again->status, AuthService::Login::Status::Ok);

    UserInput disable;
    disable.active = false;
    const auto disabled = m_auth->users().update(QStringLiteral("amy"), disable, m_org);
    QVERIFY(succeeded(disabled));
    QVERIFY(!disabled.value().active);
    QVERIFY(!m_auth->authenticate(again->token)->has_value());
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-2"), QStringLiteral("a"))
                 ->status,
             AuthService::Login::Status::Invalid);
}

void tst_Auth::updateChecksAndUnknownUserIsNotFound()
{
    QVERIFY(succeeded(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    UserInput change;
    change.departments = QStringList {QStringLiteral("billing"), QStringLiteral("billing")};
    change.roles = QStringList {QStringLiteral("supervisor")};
    change.name = QStringLiteral("  Amy Tan ");
    const auto changed = m_auth->users().update(QStringLiteral("amy"), change, m_org);
    QVERIFY(succeeded(changed));
    QCOMPARE(changed.value().departments, QStringList {QStringLiteral("billing")});
    QCOMPARE(changed.value().name, QStringLiteral("Amy Tan"));
    UserInput bad;
    bad.departments = QStringList {QStringLiteral("moon")};
    const auto refused = m_auth->users().update(QStringLiteral("amy"), bad, m_org);
    QCOMPARE(refused.failure().kind, ErrorKind::Validation);
    const auto missing = m_auth->users().update(QStringLiteral("nobody"), change, m_org);
    QCOMPARE(missing.failure().kind, ErrorKind::NotFound);
    const auto list = m_auth->users().list();
    QVERIFY(list.ok());
    QCOMPARE(list->size(), 1);
    QCOMPARE(list->first().roles, QStringList {QStringLiteral("supervisor")});
}

void tst_Auth::cachedSessionEndsAtLogoutNewPasswordOrDisabling()
{
    QVERIFY(succeeded(
        m_auth->users().create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs, {u"cs"_qs}), m_org)));
    const auto signIn = [this] {
        const auto login = m_auth->login(u"amy"_qs, u"password-1"_qs, u"a"_qs);
        return login && login->status == AuthService::Login::Status::Ok ? login->token : QString();
    };
    // Each session is used once first, so that the answer comes from the cache.
    const QString desk = signIn(), phone = signIn();
    QVERIFY(m_auth->authenticate(desk)->has_value());
    QVERIFY(m_auth->authenticate(phone)->has_value());
    QVERIFY(m_auth->logout(desk).ok());
    QVERIFY(!m_auth->authenticate(desk)->has_value());
    QVERIFY(m_auth->authenticate(phone)->has_value()); // the other session stays

    UserInput newPassword;
    newPassword.password = u"password-2"_qs;
    QVERIFY(succeeded(m_auth->users().update(u"amy"_qs, newPassword, m_org)));
    QVERIFY(!m_auth->authenticate(phone)->has_value());

    UserInput back;
    back.password = u"password-1"_qs;
    QVERIFY(succeeded(m_auth->users().update(u"amy"_qs, back, m_org)));
    const QString again = signIn();
    QVERIFY(m_auth->authenticate(again)->has_value());
    UserInput disable;
    disable.active = false;
    QVERIFY(succeeded(m_auth->users().update(u"amy"_qs, disable, m_org)));
    QVERIFY(!m_auth->authenticate(again)->has_value());
}

void tst_Auth::cachedUserChangesOnTheNextRequest()
{
    QVERIFY(succeeded(
        m_auth->users().create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs, {u"cs"_qs}), m_org)));
    const QString token = m_auth->login(u"amy"_qs, u"password-1"_qs, u"a"_qs)->token;
    QCOMPARE(m_auth->authenticate(token)->value().roles, QStringList());

    UserInput change;
    change.roles = QStringList {u"auditor"_qs};
    change.departments = QStringList {u"billing"_qs};
    QVERIFY(succeeded(m_auth->users().update(u"amy"_qs, change, m_org)));
    const auto changed = m_auth->authenticate(token);
    QCOMPARE(changed->value().roles, QStringList {u"auditor"_qs});
    QCOMPARE(changed->value().departments, QStringList {u"billing"_qs});

    const QDateTime until = m_clock.now().addDays(2);
    QVERIFY(succeeded(m_auth->users().setAway(u"amy"_qs, std::nullopt, until, QString())));
    QCOMPARE(m_auth->authenticate(token)->value().awayUntil.value_or(QDateTime()), until);
    const QJsonObject quiet {{u"quiet_hours"_qs, QJsonObject {{u"from"_qs, u"22:00"_qs}}}};
    QVERIFY(succeeded(m_auth->users().setPreferences(u"amy"_qs, quiet)));
    QCOMPARE(m_auth->authenticate(token)->value().preferences, quiet);
}

void tst_Auth::cachedSessionExpiresOnTime()
{
    // A session of 20 s, idle for 25 s: gone, though it was read less than the cache's 30 s ago.
    AuthService::Options options;
    options.sessionSeconds = 20;
    options.sessionCacheSeconds = 30;
    AuthService auth(*m_db, m_clock, options);
    QVERIFY(succeeded(auth.users().create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs), m_org)));
    const QString token = auth.login(u"amy"_qs, u"password-1"_qs, u"a"_qs)->token;
    QVERIFY(auth.authenticate(token)->has_value());
    m_clock.advanceSeconds(25);
    QVERIFY(!auth.authenticate(token)->has_value());
}

void tst_Auth::anotherServersChangeCountsAtOnce()
{
    // Two servers on one database, each with its own connections and no change feed between
    // them: `here` has read amy's sessions, `there` ends or changes them. The clock stands
    // still, so the cache's lifetime never runs out: only the sign-in epoch tells `here`.
    auto second = Database::open(m_url);
    QVERIFY2(second, second ? "" : qPrintable(second.error()));
    AuthService::Options options;
    options.sessionCacheSeconds = 30;
    AuthService here(*m_db, m_clock, options), there(**second, m_clock, options);
    QVERIFY(succeeded(here.users().create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs), m_org)));
    const QString desk = here.login(u"amy"_qs, u"password-1"_qs, u"a"_qs)->token;
    const QString phone = here.login(u"amy"_qs, u"password-1"_qs, u"a"_qs)->token;
    QVERIFY(here.authenticate(desk)->has_value());
    QVERIFY(here.authenticate(phone)->has_value());
    QVERIFY(there.logout(desk).ok());
    QVERIFY(!here.authenticate(desk)->has_value());
    QVERIFY(here.authenticate(phone)->has_value()); // the other session of amy's lives on

    UserInput change;
    change.roles = QStringList {u"auditor"_qs};
    QVERIFY(succeeded(there.users().update(u"amy"_qs, change, m_org)));
    QCOMPARE(here.authenticate(phone)->value().roles, QStringList {u"auditor"_qs});
    QVERIFY(succeeded(there.users().setPreferences(
        u"amy"_qs, QJsonObject {{u"quiet_hours"_qs, QJsonValue::Null}})));
    QVERIFY(here.authenticate(phone)->has_value());
    UserInput disable;
    disable.active = false;
    QVERIFY(succeeded(there.users().update(u"amy"_qs, disable, m_org)));
    QVERIFY(!here.authenticate(phone)->has_value());
    (*second)->closeThreadConnection();
}

void tst_Auth::absencesAreAnsweredFromMemoryUntilAUserChanges()
{
    // Every ticket the API answers asks who is away (assignee_away): `here` answers from what
    // it read, `there` is another server on the database.
    AuthService::Options options;
    options.sessionCacheSeconds = 30;
    AuthService here(*m_db, m_clock, options), there(*m_db, m_clock, options);
    QVERIFY(succeeded(here.users().create(u"sam"_qs, input(u"Sam"_qs, u"password-1"_qs), m_org)));
    QVERIFY(succeeded(here.users().create(u"sue"_qs, input(u"Sue"_qs, u"password-1"_qs), m_org)));
    const QDateTime now = m_clock.now();
    QCOMPARE(*here.users().awayAt(now), QSet<QString>());

    QVERIFY(succeeded(there.users().setAway(u"sam"_qs, std::nullopt, now.addDays(3), {})));
    QCOMPARE(*there.users().awayAt(now), QSet<QString> {u"sam"_qs}); // at once where it was made
    QCOMPARE(*here.users().awayAt(now), QSet<QString>()); // from memory: not read again
    here.users().forget({u"sam"_qs}); // what the change feed's "users" does (PostgreSQL)
    QCOMPARE(*here.users().awayAt(now), QSet<QString> {u"sam"_qs});

    // An absence that begins later is kept too and counts from its start, without a read.
    QVERIFY(succeeded(here.users().setAway(u"sue"_qs, now.addSecs(3600), now.addSecs(7200), {})));
    QCOMPARE(*here.users().awayAt(now), QSet<QString> {u"sam"_qs});
    QCOMPARE(*here.users().awayAt(now.addSecs(5400)), (QSet<QString> {u"sam"_qs, u"sue"_qs}));
    QCOMPARE(*here.users().awayAt(now.addSecs(7200)), QSet<QString> {u"sam"_qs});

    // Without a change feed (SQLite, several servers) another server's change counts once the
    // snapshot is as old as the session cache's lifetime.
    QVERIFY(succeeded(there.users().setAway(u"sam"_qs, std::nullopt, std::nullopt, {})));
    QCOMPARE(*here.users().awayAt(m_clock.now()), QSet<QString> {u"sam"_qs});
    m_clock.advanceSeconds(30);
    QCOMPARE(*here.users().awayAt(m_clock.now()), QSet<QString>());
}

void tst_Auth::aSaveThatChangesNothingLeavesEveryCacheAlone()
{
    // The sign-in epoch empties every server's caches when it moves: a save that leaves the
    // row as it was (a directory sign-in, the same absence or preferences sent again) must not
    // move it.
    auto db = m_db->connection();
    QVERIFY(db.ok());
    const auto epoch = [&db] { return SessionRows::authEpoch(*db).value(); };
    UserDirectory &users = m_auth->users();
    QVERIFY(succeeded(users.create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs), m_org)));

    const QJsonObject quiet {
        {u"quiet_hours"_qs, QJsonObject {{u"from"_qs, u"22:00"_qs}, {u"until"_qs, u"07:00"_qs}}}};
    qint64 before = epoch();
    QVERIFY(succeeded(users.setPreferences(u"amy"_qs, quiet)));
    QCOMPARE_GT(epoch(), before);
    before = epoch();
    const auto same = users.setPreferences(u"amy"_qs, quiet);
    QVERIFY(succeeded(same));
    QCOMPARE(same->preferences, quiet);
    QCOMPARE(epoch(), before);

    const QDateTime until = m_clock.now().addDays(2);
    QVERIFY(succeeded(users.setAway(u"amy"_qs, std::nullopt, until, QString())));
    QCOMPARE_GT(epoch(), before);
    before = epoch();
    const auto stillAway = users.setAway(u"amy"_qs, std::nullopt, until, QString());
    QVERIFY(succeeded(stillAway));
    QCOMPARE(stillAway->awayUntil.value_or(QDateTime()), until);
    QCOMPARE(epoch(), before);
    QVERIFY(succeeded(users.setAway(u"amy"_qs, std::nullopt, std::nullopt, QString())));
    QCOMPARE_GT(epoch(), before);
    before = epoch();
    QVERIFY(succeeded(users.setAway(u"amy"_qs, std::nullopt, std::nullopt, QString())));
    QCOMPARE(epoch(), before);

    // A directory user signing in: created, then the same name, roles and departments again.
    QVERIFY(succeeded(users.updateFromDirectory(u"dave"_qs, u"Dave"_qs, {u"agent"_qs}, {})));
    QCOMPARE_GT(epoch(), before);
    before = epoch();
    const auto signedIn = users.updateFromDirectory(u"dave"_qs, u"Dave"_qs, {u"agent"_qs}, {});
    QVERIFY(succeeded(signedIn));
    QCOMPARE(signedIn->roles, QStringList {u"agent"_qs});
    QCOMPARE(epoch(), before);
    QVERIFY(succeeded(users.updateFromDirectory(u"dave"_qs, u"Dave D."_qs, {u"agent"_qs}, {})));
    QCOMPARE_GT(epoch(), before);
}

void tst_Auth::aSaveThatChangesNothingTakesNoWriteLock()
{
    // The same form saved again compares with the row as read, before any write lock: while
    // another connection holds one (a long write elsewhere) it answers at once instead of
    // waiting behind it (SQLite: up to the busy timeout, then "database is locked").
    UserDirectory &users = m_auth->users();
    QVERIFY(succeeded(users.create(u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs), m_org)));
    const QJsonObject quiet {
        {u"quiet_hours"_qs, QJsonObject {{u"from"_qs, u"22:00"_qs}, {u"until"_qs, u"07:00"_qs}}}};
    QVERIFY(succeeded(users.setPreferences(u"amy"_qs, quiet)));
    const QDateTime until = m_clock.now().addDays(2);
    QVERIFY(succeeded(users.setAway(u"amy"_qs, std::nullopt, until, QString())));
    QVERIFY(succeeded(users.updateFromDirectory(u"dave"_qs, u"Dave"_qs, {u"agent"_qs}, {})));

    const auto problem
        = [](const Result<User> &saved) { return saved.ok() ? QString() : saved.error(); };
    auto here = m_db->connection();
    QVERIFY(here.ok());
    // PostgreSQL waits for a row lock without end: bounded here, so that a wait fails the test.
    if (m_db->isPostgreSql())
        QVERIFY(runQuery(*here, u"SET lock_timeout = '10s'"_qs).ok());
    auto other = Database::open(m_url);
    QVERIFY(other.ok());
    {
        auto elsewhere = (*other)->connection();
        QVERIFY(elsewhere.ok());
        Transaction writing(*elsewhere); // SQLite: BEGIN IMMEDIATE, the database's write lock
        QVERIFY(writing.isActive());
        if ((*other)->isPostgreSql()) // there BEGIN locks nothing: the users' rows then
            QVERIFY(runQuery(*elsewhere, u"SELECT username FROM users FOR UPDATE"_qs).ok());
        UserInput same;
        same.name = u"Amy"_qs;
        const auto updated = users.update(u"amy"_qs, same, m_org);
        QVERIFY2(updated.ok(), qPrintable(problem(updated)));
        const auto preferred = users.setPreferences(u"amy"_qs, quiet);
        QVERIFY2(preferred.ok(), qPrintable(problem(preferred)));
        QCOMPARE(preferred->preferences, quiet);
        const auto away = users.setAway(u"amy"_qs, std::nullopt, until, QString());
        QVERIFY2(away.ok(), qPrintable(problem(away)));
        const auto signedIn = users.updateFromDirectory(u"dave"_qs, u"Dave"_qs, {u"agent"_qs}, {});
        QVERIFY2(signedIn.ok(), qPrintable(problem(signedIn)));
    }
    (*other)->closeThreadConnection();
    if (m_db->isPostgreSql())
        QVERIFY(runQuery(*here, u"RESET lock_timeout"_qs).ok());
}

bool tst_Auth::addUser(HttpServer &server, const QString &username, const QString &role,
                       const QStringList &departments)
{
    return succeeded(server.auth().users().create(
        username, input(username, QStringLiteral("password-1"), departments, {role}), *server.org));
}

void tst_Auth::newDepartmentsDecideVisibilityOnTheNextRequest()
{
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"admin"_qs, u"admin"_qs, {}));
    QVERIFY(addUser(server, u"olly"_qs, u"agent"_qs, {u"sales"_qs}));
    QVERIFY(addUser(server, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    const QString admin = server.login(u"admin"_qs), amy = server.login(u"amy"_qs);
    QVERIFY(!admin.isEmpty() && !amy.isEmpty());
    // Waiting in cs-supervisors, a customer-service queue: amy's department works it.
    const RawResponse opened = server.call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"}})",
        server.login(u"olly"_qs));
    QCOMPARE(opened.status, 201);
    const QByteArray ticket
        = "/api/v1/tickets/" + QByteArray::number(opened.json()["id"_L1].toInteger());
    const QByteArray search = "/api/v1/tickets?q=" + opened.json()["key"_L1].toString().toLatin1();
    QCOMPARE(server.call("GET", ticket, {}, amy).status, 200);
    QCOMPARE(server.call("GET", search, {}, amy).json()["items"_L1].toArray().size(), 1);
    QScopedPointer<QObject> owner(new QObject);
    QWebSocket *stream = server.stream(amy, owner.get());
    QSignalSpy streamed(stream, &QWebSocket::textMessageReceived);
    QSignalSpy closed(stream, &QWebSocket::disconnected);
    QTRY_VERIFY_WITH_TIMEOUT(streamed.size() >= 1, 10000); // hello

    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"departments":["customs"]})"), 200);
    // The same session, the next request: customs never had the ticket.
    const QJsonObject me = server.call("GET", "/api/v1/me", {}, amy).json();
    QCOMPARE(strings(me["departments"_L1]), QStringList {u"customs"_qs});
    QVERIFY(strings(me["queues"_L1]).contains(u"customs"_qs));
    QVERIFY(!strings(me["queues"_L1]).contains(u"cs-supervisors"_qs));
    QCOMPARE(server.call("GET", ticket, {}, amy).status, 404);
    QCOMPARE(server.call("GET", search, {}, amy).json()["items"_L1].toArray().size(), 0);
    QCOMPARE(server.call("POST", ticket + "/comments", R"({"body":"Seen"})", amy).status, 404);
    // The stream saw with the old departments: it is closed, and reconnects with the new.
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, 10000);
    QCOMPARE(stream->closeCode(), QWebSocketProtocol::CloseCodeNormal); // reconnect
    QCOMPARE(stream->closeReason(), u"departments or roles changed; reconnect"_qs);

    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"departments":["customer-service"]})"), 200);
    QCOMPARE(server.call("GET", ticket, {}, amy).status, 200);
    QCOMPARE(server.call("POST", ticket + "/comments", R"({"body":"Seen"})", amy).status, 201);
}

void tst_Auth::newRolesDecidePermissionsOnTheNextRequest()
{
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"admin"_qs, u"admin"_qs, {}));
    QVERIFY(addUser(server, u"olly"_qs, u"agent"_qs, {u"sales"_qs}));
    QVERIFY(addUser(server, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    const QString admin = server.login(u"admin"_qs), amy = server.login(u"amy"_qs);
    const RawResponse opened = server.call(
        "POST", "/api/v1/tickets",
        R"({"workflow":"jump-queue","title":"Parcel stuck","fields":{"awb":"123456789012","reason":"urgent"}})",
        server.login(u"olly"_qs));
    QCOMPARE(opened.status, 201);
    const QByteArray ticket
        = "/api/v1/tickets/" + QByteArray::number(opened.json()["id"_L1].toInteger());
    // approve is for supervisors; changing users for admins.
    QVERIFY(!actionNames(server.call("GET", ticket, {}, amy).json()).contains(u"approve"_qs));
    QCOMPARE(server.call("POST", ticket + "/actions/approve", "{}", amy).status, 403);
    QCOMPARE(server.patch(amy, u"olly"_qs, R"({"name":"Olly Ong"})"), 403);

    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"roles":["supervisor"]})"), 200);
    QCOMPARE(strings(server.call("GET", "/api/v1/me", {}, amy).json()["roles"_L1]),
             QStringList {u"supervisor"_qs});
    QVERIFY(actionNames(server.call("GET", ticket, {}, amy).json()).contains(u"approve"_qs));
    QCOMPARE(server.patch(amy, u"olly"_qs, R"({"name":"Olly Ong"})"), 403);

    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"roles":["admin"]})"), 200);
    QCOMPARE(server.patch(amy, u"olly"_qs, R"({"name":"Olly Ong"})"), 200);
    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"roles":["agent"]})"), 200);
    QCOMPARE(server.patch(amy, u"olly"_qs, R"({"name":"Olly O."})"), 403);
    QCOMPARE(server.call("POST", ticket + "/actions/approve", "{}", amy).status, 403);
}

void tst_Auth::deactivationEndsEverySessionAndStreamAtOnce()
{
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"admin"_qs, u"admin"_qs, {}));
    QVERIFY(addUser(server, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    const QString admin = server.login(u"admin"_qs);
    const QString desk = server.login(u"amy"_qs), phone = server.login(u"amy"_qs);
    QVERIFY(!desk.isEmpty() && !phone.isEmpty() && desk != phone);
    QScopedPointer<QObject> owner(new QObject);
    QWebSocket *stream = server.stream(desk, owner.get());
    QSignalSpy streamed(stream, &QWebSocket::textMessageReceived);
    QSignalSpy closed(stream, &QWebSocket::disconnected);
    QTRY_VERIFY_WITH_TIMEOUT(streamed.size() >= 1, 10000);
    QCOMPARE(server.call("GET", "/api/v1/me", {}, phone).status, 200);

    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"active":false})"), 200);
    for (const QString &token : {desk, phone}) {
        const RawResponse me = server.call("GET", "/api/v1/me", {}, token);
        QCOMPARE(me.status, 401);
        QCOMPARE(me.errorCode(), u"unauthenticated"_qs);
    }
    QTRY_VERIFY_WITH_TIMEOUT(closed.size() >= 1, 10000);
    QCOMPARE(stream->closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(stream->closeReason(), u"signed out"_qs);
    QVERIFY(server.login(u"amy"_qs).isEmpty());
    auto db = m_db->connection();
    QVERIFY(db.ok());
    auto sessions
        = runQuery(*db, u"SELECT COUNT(*) FROM sessions WHERE username = ?"_qs, {u"amy"_qs});
    QVERIFY(sessions.ok() && sessions->next());
    QCOMPARE(sessions->value(0).toInt(), 0);
    QCOMPARE(server.call("GET", "/api/v1/users", {}, admin).status, 200);

    // Reactivated, amy signs in afresh; the ended sessions stay ended.
    QCOMPARE(server.patch(admin, u"amy"_qs, R"({"active":true})"), 200);
    QCOMPARE(server.call("GET", "/api/v1/me", {}, desk).status, 401);
    const QString again = server.login(u"amy"_qs);
    QVERIFY(!again.isEmpty());
    QCOMPARE(server.call("GET", "/api/v1/me", {}, again).status, 200);
}

void tst_Auth::logoutOnOneServerEndsTheTokenOnAnotherAtOnce()
{
    // Two `baton serve` on one database file (or one PostgreSQL without live updates): a
    // token logged out or a user changed on one is refused or changed on the other at the
    // very next request, though the other has the session in its cache and the clock stands
    // still.
    auto otherDatabase = Test::TestServer::openDatabase(m_url); // its own connections
    QVERIFY2(otherDatabase, otherDatabase ? "" : qPrintable(otherDatabase.error()));
    HttpServer one, other;
    QCOMPARE(one.start(m_db, m_clock), QString());
    QVERIFY(addUser(one, u"admin"_qs, u"admin"_qs, {}));
    QVERIFY(addUser(one, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    other.liveAcrossServers = false;
    QCOMPARE(other.start(*otherDatabase, m_clock), QString());
    const QString admin = one.login(u"admin"_qs);
    const QString desk = one.login(u"amy"_qs), phone = one.login(u"amy"_qs);
    QCOMPARE(other.call("GET", "/api/v1/me", {}, desk).status, 200);
    QCOMPARE(other.call("GET", "/api/v1/me", {}, phone).status, 200);

    QCOMPARE(one.call("POST", "/api/v1/logout", {}, desk).status, 204);
    QCOMPARE(other.call("GET", "/api/v1/me", {}, desk).status, 401);
    QCOMPARE(other.call("GET", "/api/v1/me", {}, phone).status, 200);

    QCOMPARE(one.patch(admin, u"amy"_qs, R"({"roles":["supervisor"]})"), 200);
    QCOMPARE(strings(other.call("GET", "/api/v1/me", {}, phone).json().value(u"roles")),
             QStringList {u"supervisor"_qs});
    QCOMPARE(one.patch(admin, u"amy"_qs, R"({"active":false})"), 200);
    QCOMPARE(other.call("GET", "/api/v1/me", {}, phone).status, 401);
    other.server.stop();
    (*otherDatabase)->closeThreadConnection();
}

void tst_Auth::originatorClockRunsOnTheNewDepartmentsCalendar()
{
    // A complaint's `record` step is the clerk's own (assignee: originator), 30 minutes on the
    // calendar of the clerk's first department.
    m_clock.set(QDateTime(QDate(2026, 11, 23), QTime(10, 0), Qt::UTC)); // 18:00 in Shanghai
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"admin"_qs, u"admin"_qs, {}));
    QVERIFY(addUser(server, u"cleo"_qs, u"agent"_qs, {u"county-hall-east"_qs}));
    const QString admin = server.login(u"admin"_qs), cleo = server.login(u"cleo"_qs);
    const QByteArray complaint
        = R"({"workflow":"complaint","title":"No signal","fields":{"category":"network","customer_words":"No signal at home","phone":"13800138000"}})";
    const auto resolveDue = [](const RawResponse &ticket) {
        return ticket.json()["sla"_L1].toObject()["resolve_due"_L1].toString();
    };
    // The service hall (08:30-18:00 Shanghai) has just closed: due 30 minutes after it opens.
    const RawResponse first = server.call("POST", "/api/v1/tickets", complaint, cleo);
    QCOMPARE(first.status, 201);
    QCOMPARE(resolveDue(first), u"2026-11-24T01:00:00Z"_qs);

    // Now in city network operations, which works around the clock.
    QCOMPARE(server.patch(admin, u"cleo"_qs, R"({"departments":["city-network"]})"), 200);
    const RawResponse second = server.call("POST", "/api/v1/tickets", complaint, cleo);
    QCOMPARE(second.status, 201);
    QCOMPARE(resolveDue(second), u"2026-11-23T10:30:00Z"_qs);

    // A user created by another server sharing the database is read on first use.
    AuthService otherServer(*m_db, m_clock);
    UserInput cora = input(u"Cora"_qs, u"password-1"_qs);
    cora.roles = QStringList {u"agent"_qs};
    cora.departments = QStringList {u"city-network"_qs};
    QVERIFY(succeeded(otherServer.users().create(u"cora"_qs, cora, *server.org)));
    const RawResponse third
        = server.call("POST", "/api/v1/tickets", complaint, server.login(u"cora"_qs));
    QCOMPARE(third.status, 201);
    QCOMPARE(resolveDue(third), u"2026-11-23T10:30:00Z"_qs);
}

void tst_Auth::oneAddressTryingManyUsernamesGets429()
{
    // Every connection of a test comes from 127.0.0.1; the throttle's other rules, with other
    // addresses, are tested in tests/unit/auth.
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    QVERIFY(addUser(server, u"bob"_qs, u"agent"_qs, {u"customer-service"_qs}));
    QVERIFY(!server.login(u"amy"_qs).isEmpty()); // amy has signed in from here before
    const auto attempt = [&server](const QString &username, const QString &password) {
        return server.call(
            "POST", "/api/v1/login",
            QJsonDocument(QJsonObject {{u"username"_qs, username}, {u"password"_qs, password}})
                .toJson(QJsonDocument::Compact));
    };
    // 30 usernames, none of them an account: each answered like a wrong password.
    for (int i = 0; i < 30; ++i)
        QCOMPARE(attempt(u"guess%1"_qs.arg(i), u"password-1"_qs).status, 401);
    const RawResponse refused = attempt(u"guess30"_qs, u"password-1"_qs);
    QCOMPARE(refused.status, 429);
    QCOMPARE(refused.errorCode(), u"rate_limited"_qs);
    const qint64 retryAfter = refused.header("Retry-After").toLongLong();
    QVERIFY2(retryAfter > 0 && retryAfter <= 15 * 60, refused.header("Retry-After").constData());
    // The right password of an account never used from here is refused too...
    QCOMPARE(attempt(u"bob"_qs, u"password-1"_qs).status, 429);
    // ...but the address amy signed in from stays hers, and the refusal ends in time.
    QCOMPARE(attempt(u"amy"_qs, u"password-1"_qs).status, 200);
    m_clock.advanceSeconds(retryAfter);
    QCOMPARE(attempt(u"bob"_qs, u"password-1"_qs).status, 200);
}

void tst_Auth::forwardedForNamesTheClientOnlyBehindATrustedProxy()
{
    // Behind a reverse proxy every connection comes from the proxy (here, like all of this
    // test's connections, 127.0.0.1). Five wrong passwords for bob from one client, then the
    // right one from another client: the second is a different client only when the server
    // believes the proxy's X-Forwarded-For.
    for (const bool trustProxy : {false, true}) {
        FakeClock clock {QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC)};
        HttpServer server;
        QCOMPARE(server.start(m_db, clock, {}, trustProxy), QString());
        const QString bob = trustProxy ? u"bob2"_qs : u"bob"_qs;
        QVERIFY(addUser(server, bob, u"agent"_qs, {u"customer-service"_qs}));
        const auto attempt = [&server, &bob](const QString &password, const QByteArray &xff) {
            return rawRequest(server.port,
                              httpRequest("POST", "/api/v1/login",
                                          QJsonDocument(QJsonObject {{u"username"_qs, bob},
                                                                     {u"password"_qs, password}})
                                              .toJson(QJsonDocument::Compact),
                                          {{"X-Forwarded-For", xff}}));
        };
        for (int i = 0; i < 5; ++i)
            QCOMPARE(attempt(u"wrong-password"_qs, "198.51.100.7").status, 401);
        QCOMPARE(attempt(u"password-1"_qs, "198.51.100.7").status, 429);
        const int otherClient = attempt(u"password-1"_qs, "198.51.100.8").status;
        QCOMPARE(otherClient, trustProxy ? 200 : 429);
        if (trustProxy) {
            // Entries left of the last are the client's own word: claiming to be the other
            // client does not get the guesser past its refusal.
            QCOMPARE(attempt(u"password-1"_qs, "198.51.100.8, 198.51.100.7").status, 429);
            // A last entry that is no address counts against the proxy's own address.
            for (int i = 0; i < 5; ++i)
                QCOMPARE(attempt(u"wrong-password"_qs, "unknown").status, 401);
            QCOMPARE(attempt(u"password-1"_qs, "127.0.0.1").status, 429);
        }
    }
}

void tst_Auth::loginsWaitForHashingThreadsNotHttpThreads()
{
    // One hashing thread and two places in its queue. The test holds the thread before each
    // job, so the queue fills in a known order: no timing is measured or assumed.
    QSemaphore jobStarted, jobMayRun;
    std::atomic<bool> holding {false};
    AuthService::Options options;
    options.hashing.threads = 1;
    options.hashing.maxQueued = 2;
    options.hashing.beforeEachJob = [&] {
        if (holding) {
            jobStarted.release();
            jobMayRun.acquire();
        }
    };
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock, options), QString());
    AuthService &auth = server.auth();
    QVERIFY(succeeded(auth.users().create(
        u"amy"_qs, input(u"Amy"_qs, u"password-1"_qs, {u"customer-service"_qs}, {u"agent"_qs}),
        *server.org)));
    const QString amy = server.login(u"amy"_qs);
    QVERIFY(!amy.isEmpty());

    holding = true;
    const auto loginBytes = [](const QString &username, const QString &password) {
        return httpRequest(
            "POST", "/api/v1/login",
            QJsonDocument(QJsonObject {{u"username"_qs, username}, {u"password"_qs, password}})
                .toJson(QJsonDocument::Compact));
    };
    QTcpSocket right, wrong, unknown;
    for (auto [socket, bytes] :
         {std::pair {&right, loginBytes(u"amy"_qs, u"password-1"_qs)},
          std::pair {&wrong, loginBytes(u"amy"_qs, u"password-2"_qs)},
          std::pair {&unknown, loginBytes(u"nobody"_qs, u"password-1"_qs)}}) {
        socket->connectToHost(QHostAddress::LocalHost, server.port);
        QVERIFY(socket->waitForConnected(5000));
        socket->write(bytes);
        QVERIFY(socket->waitForBytesWritten(5000));
        if (socket == &right) // the first holds the hashing thread, the others queue
            QVERIFY2(jobStarted.tryAcquire(1, 10000), "the login never reached a hashing thread");
    }
    QTRY_COMPARE_WITH_TIMEOUT(auth.queuedLogins(), 2, 10000);

    // The queue is full: the next login is refused at once, with when to come back.
    const RawResponse busy = rawRequest(server.port, loginBytes(u"amy"_qs, u"password-1"_qs));
    QCOMPARE(busy.status, 503);
    QCOMPARE(busy.errorCode(), u"unavailable"_qs);
    QVERIFY2(busy.header("Retry-After").toLongLong() >= 1, busy.header("Retry-After").constData());
    // Signed-in users are served while the logins wait: the HTTP threads are free.
    const RawResponse me = server.call("GET", "/api/v1/me", {}, amy);
    QCOMPARE(me.status, 200);
    QCOMPARE(me.json()["username"_L1].toString(), u"amy"_qs);

    holding = false;
    jobMayRun.release();
    QByteArray buffer;
    const RawResponse signedIn = readResponse(right, buffer);
    QCOMPARE(signedIn.status, 200);
    QCOMPARE(auth.authenticate(signedIn.json()["token"_L1].toString())->value().username,
             u"amy"_qs);
    QVERIFY(signedIn.header("Set-Cookie").startsWith("baton_session="));
    buffer.clear();
    const RawResponse refused = readResponse(wrong, buffer);
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.errorCode(), u"unauthenticated"_qs);
    buffer.clear();
    QCOMPARE(readResponse(unknown, buffer).status, 401);
    QCOMPARE(auth.queuedLogins(), 0);
}

void tst_Auth::preferencesSavedInTwoTabsKeepBothKeys()
{
    // Two tabs of amy's save at once, one her quiet hours, the other her channels. The second
    // request's user was read (and cached) before the first one's save committed; the direct
    // write below is that first save, landing in between. Each save changes only the keys it
    // names, in the row as the database has it then.
    HttpServer server;
    QCOMPARE(server.start(m_db, m_clock), QString());
    QVERIFY(addUser(server, u"amy"_qs, u"agent"_qs, {u"customer-service"_qs}));
    const QString amy = server.login(u"amy"_qs);
    QCOMPARE(server.call("GET", "/api/v1/me", {}, amy).status, 200);
    const QJsonObject quiet {{u"from"_qs, u"22:00"_qs}, {u"until"_qs, u"07:00"_qs}};
    auto db = m_db->connection();
    QVERIFY(db.ok());
    QVERIFY(runQuery(*db, u"UPDATE users SET preferences = ? WHERE username = ?"_qs,
                     {QString::fromUtf8(QJsonDocument(QJsonObject {{u"quiet_hours"_qs, quiet}})
                                            .toJson(QJsonDocument::Compact)),
                      u"amy"_qs})
                .ok());

    const QJsonObject bellOnly {{u"assigned"_qs, QJsonArray()}};
    const RawResponse saved = server.call(
        "PATCH", "/api/v1/me/preferences",
        QJsonDocument(QJsonObject {{u"channels"_qs, bellOnly}}).toJson(QJsonDocument::Compact),
        amy);
    QCOMPARE(saved.status, 200);
    for (const QJsonObject &preferences :
         {saved.json(), server.call("GET", "/api/v1/me/preferences", {}, amy).json()}) {
        QCOMPARE(preferences.value(u"quiet_hours").toObject(), quiet);
        QCOMPARE(preferences.value(u"channels").toObject(), bellOnly);
    }
}

QTEST_GUILESS_MAIN(tst_Auth)
#include "tst_auth.moc"

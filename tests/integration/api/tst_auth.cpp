// SPDX-License-Identifier: GPL-3.0-or-later
// Sign-in and users on a real database (SQLite and PostgreSQL): hashing, sessions that
// expire, slide and end at logout, throttled guessing, users checked against the organisation.
#include "auth/authservice.h"
#include "auth/passwordhasher.h"
#include "core/clock.h"
#include "pgharness.h"
#include "store/database.h"
#include "store/schema.h"

#include <QTest>

using namespace Baton;

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
    void loginSucceedsOnlyWithTheRightPassword();
    void repeatedFailuresAreThrottledPerUserAndAddress();
    void logoutEndsTheSessionAtOnce();
    void sessionsExpireAndSlide();
    void disablingOrNewPasswordEndsSessions();
    void updateChecksAndUnknownUserIsNotFound();

private:
    Test::TestDatabase *m_holder = nullptr;
    std::shared_ptr<Database> m_db;
    FakeClock m_clock {QDateTime(QDate(2026, 11, 23), QTime(8, 0), Qt::UTC)};
    std::unique_ptr<AuthService> m_auth;
    Organisation m_org = testOrganisation();
};

void tst_Auth::init()
{
    m_holder = new Test::TestDatabase;
    BATON_FRESH_DATABASE((*m_holder), url);
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

    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto login = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"),
                                     QStringLiteral("127.0.0.1"));
    QCOMPARE(login.status, AuthService::Login::Status::Ok);
    auto db = m_db->connection();
    QVERIFY(db.ok());
    auto q = runQuery(*db, QStringLiteral("SELECT token_hash FROM sessions"));
    QVERIFY(q.ok());
    QVERIFY(q->next());
    QCOMPARE(q->value(0).toString(), SessionToken::hash(login.token));
    QVERIFY(q->value(0).toString() != login.token);
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
        QVERIFY(std::holds_alternative<User>(result));
        const auto found = m_auth->users().find(username);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((*found)->departments, departments);
        QCOMPARE((*found)->roles, roles);
        QVERIFY((*found)->active);
    } else {
        QVERIFY(std::holds_alternative<UserProblem>(result));
        const UserProblem &problem = std::get<UserProblem>(result);
        QCOMPARE(problem.kind, UserProblem::Kind::Invalid);
        QVERIFY2(problem.fields.contains(badField), qPrintable(problem.fields.keys().join(u',')));
        const auto found = m_auth->users().find(username);
        QVERIFY(found.ok() && !found->has_value());
    }
}

void tst_Auth::takenUsernameIsTaken()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto again = m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Other Amy"), QStringLiteral("password-2")),
        m_org);
    QVERIFY(std::holds_alternative<UserProblem>(again));
    QCOMPARE(std::get<UserProblem>(again).kind, UserProblem::Kind::Taken);
}

void tst_Auth::loginSucceedsOnlyWithTheRightPassword()
{
    QVERIFY(std::holds_alternative<User>(
        m_auth->users().create(QStringLiteral("amy"),
                               input(QStringLiteral("Amy"), QStringLiteral("password-1"),
                                     {QStringLiteral("cs")}, {QStringLiteral("agent")}),
                               m_org)));
    const QString address = QStringLiteral("10.0.0.1");
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("wrong-pass"), address).status,
             AuthService::Login::Status::Invalid);
    QCOMPARE(m_auth->login(QStringLiteral("nobody"), QStringLiteral("password-1"), address).status,
             AuthService::Login::Status::Invalid);
    const auto ok = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), address);
    QCOMPARE(ok.status, AuthService::Login::Status::Ok);
    QCOMPARE(ok.user.username, QStringLiteral("amy"));
    QCOMPARE(ok.expiresAt, m_clock.now().addSecs(12 * 3600));
    const auto user = m_auth->authenticate(ok.token);
    QVERIFY(user.ok() && user->has_value());
    QCOMPARE((*user)->departments, QStringList {QStringLiteral("cs")});
    const auto bogus = m_auth->authenticate(SessionToken::generate());
    QVERIFY(bogus.ok() && !bogus->has_value());
    QVERIFY(!m_auth->authenticate(QStringLiteral("short"))->has_value());
}

void tst_Auth::repeatedFailuresAreThrottledPerUserAndAddress()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const QString attacker = QStringLiteral("10.0.0.66");
    for (int i = 0; i < 5; ++i)
        QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("guess-%1").arg(i), attacker)
                     .status,
                 AuthService::Login::Status::Invalid);
    const auto blocked
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), attacker);
    QCOMPARE(blocked.status, AuthService::Login::Status::Throttled);
    QVERIFY(blocked.retryAfterSeconds > 0 && blocked.retryAfterSeconds <= 15 * 60);
    // Amy at her own desk is not locked out by the attacker.
    QCOMPARE(
        m_auth
            ->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("10.0.0.1"))
            .status,
        AuthService::Login::Status::Ok);
    m_clock.advanceSeconds(15 * 60 + 1);
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), attacker).status,
             AuthService::Login::Status::Ok);
}

void tst_Auth::logoutEndsTheSessionAtOnce()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto first
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    const auto second
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("b"));
    QVERIFY(m_auth->logout(first.token).ok());
    QVERIFY(!m_auth->authenticate(first.token)->has_value());
    QVERIFY(m_auth->authenticate(second.token)->has_value()); // other sessions stay
}

void tst_Auth::sessionsExpireAndSlide()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto idle
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    const auto busy
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("b"));
    m_clock.advanceSeconds(11 * 3600);
    QVERIFY(m_auth->authenticate(busy.token)->has_value()); // used: expiry moves on
    m_clock.advanceSeconds(11 * 3600);
    QVERIFY(!m_auth->authenticate(idle.token)->has_value()); // 22 h idle
    QVERIFY(m_auth->authenticate(busy.token)->has_value()); // 11 h since last use
    QCOMPARE(m_auth->purgeExpired().value(), 1);
}

void tst_Auth::disablingOrNewPasswordEndsSessions()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    const auto session
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"));
    UserInput newPassword;
    newPassword.password = QStringLiteral("password-2");
    QVERIFY(std::holds_alternative<User>(
        m_auth->users().update(QStringLiteral("amy"), newPassword, m_org)));
    QVERIFY(!m_auth->authenticate(session.token)->has_value());
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-1"), QStringLiteral("a"))
                 .status,
             AuthService::Login::Status::Invalid);
    const auto again
        = m_auth->login(QStringLiteral("amy"), QStringLiteral("password-2"), QStringLiteral("a"));
    QCOMPARE(again.status, AuthService::Login::Status::Ok);

    UserInput disable;
    disable.active = false;
    const auto disabled = m_auth->users().update(QStringLiteral("amy"), disable, m_org);
    QVERIFY(std::holds_alternative<User>(disabled));
    QVERIFY(!std::get<User>(disabled).active);
    QVERIFY(!m_auth->authenticate(again.token)->has_value());
    QCOMPARE(m_auth->login(QStringLiteral("amy"), QStringLiteral("password-2"), QStringLiteral("a"))
                 .status,
             AuthService::Login::Status::Invalid);
}

void tst_Auth::updateChecksAndUnknownUserIsNotFound()
{
    QVERIFY(std::holds_alternative<User>(m_auth->users().create(
        QStringLiteral("amy"), input(QStringLiteral("Amy"), QStringLiteral("password-1")), m_org)));
    UserInput change;
    change.departments = QStringList {QStringLiteral("billing"), QStringLiteral("billing")};
    change.roles = QStringList {QStringLiteral("supervisor")};
    change.name = QStringLiteral("  Amy Tan ");
    const auto changed = m_auth->users().update(QStringLiteral("amy"), change, m_org);
    QVERIFY(std::holds_alternative<User>(changed));
    QCOMPARE(std::get<User>(changed).departments, QStringList {QStringLiteral("billing")});
    QCOMPARE(std::get<User>(changed).name, QStringLiteral("Amy Tan"));
    UserInput bad;
    bad.departments = QStringList {QStringLiteral("moon")};
    const auto refused = m_auth->users().update(QStringLiteral("amy"), bad, m_org);
    QCOMPARE(std::get<UserProblem>(refused).kind, UserProblem::Kind::Invalid);
    const auto missing = m_auth->users().update(QStringLiteral("nobody"), change, m_org);
    QCOMPARE(std::get<UserProblem>(missing).kind, UserProblem::Kind::NotFound);
    const auto list = m_auth->users().list();
    QVERIFY(list.ok());
    QCOMPARE(list->size(), 1);
    QCOMPARE(list->first().roles, QStringList {QStringLiteral("supervisor")});
}

QTEST_GUILESS_MAIN(tst_Auth)
#include "tst_auth.moc"

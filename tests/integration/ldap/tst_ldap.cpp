// SPDX-License-Identifier: GPL-3.0-or-later
// Sign-in with the company directory, as an operator runs it: the real `baton serve` with the
// ldap plugin (--plugins) and a directory.yaml in its --workflows folder, against a real
// Debian slapd this test starts; over real HTTP.
#include "../ops/opsprocess.h"
#include "slapdprocess.h"

#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton::Test;

namespace {

const QByteArray companyLdif = R"(dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=com
objectClass: organizationalUnit
ou: groups

dn: ou=services,dc=example,dc=com
objectClass: organizationalUnit
ou: services

dn: uid=li.wei,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: li.wei
cn: Li Wei
sn: Li
displayName: Li Wei
mail: li.wei@example.com
departmentNumber: Finance
userPassword: directory-pass-1

dn: uid=admin,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: admin
cn: Someone Else
sn: Else
userPassword: directory-admin-pass

dn: cn=baton-agents,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: baton-agents
member: uid=li.wei,ou=people,dc=example,dc=com
member: cn=baton,ou=services,dc=example,dc=com

dn: cn=service-desk,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: service-desk
member: uid=li.wei,ou=people,dc=example,dc=com

dn: cn=baton,ou=services,dc=example,dc=com
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: baton
userPassword: service-pass
)";

RawResponse login(quint16 port, const QString &username, const QString &password)
{
    const QJsonObject body {{QStringLiteral("username"), username},
                            {QStringLiteral("password"), password}};
    return rawRequest(
        port,
        httpRequest("POST", "/api/v1/login", QJsonDocument(body).toJson(QJsonDocument::Compact)));
}

/// li.wei with her directory password (the directory's person most cases sign in as).
RawResponse signInAsLiWei(quint16 port)
{
    return login(port, QStringLiteral("li.wei"), QStringLiteral("directory-pass-1"));
}

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray())
        out.append(item.isObject() ? item.toObject().value(QLatin1String("id")).toString()
                                   : item.toString());
    return out;
}

} // namespace

class TestLdap : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void dnTemplateSignsInAndMapsGroups();
    void searchThenBindOverStartTls();
    void searchOverLdapsAnonymously();
    void untrustedCertificateLetsNobodyIn();
    void wrongDirectoryPasswordsAreThrottled();
    void badConfigurationStopsStartUp();
    void directoryDownIsAClearErrorAndLetsNobodyIn();

private:
    /// A workflows folder: the shipped one plus this directory.yaml.
    QString workflowsWith(const QByteArray &directoryYaml);
    QString startServer(ServeProcess &server, const QByteArray &directoryYaml);
    QByteArray mapping() const;
    /// directory.yaml for the plain port, signing in by binding as the person, then `more`.
    QByteArray bindingDirectory(const QByteArray &more = {}) const;

    SlapdProcess m_slapd;
    QTemporaryDir m_dir;
    int m_folders = 0;
};

void TestLdap::initTestCase()
{
    const QString error = m_slapd.start(companyLdif);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    qputenv("BATON_TEST_LDAP_SERVICE_PASSWORD", "service-pass");
}

QByteArray TestLdap::mapping() const
{
    return "  roles:\n"
           "    \"CN=Baton-Agents, OU=groups, DC=example, DC=com\": agent\n"
           "  departments:\n"
           "    cn=service-desk,ou=groups,dc=example,dc=com: [customer-service]\n"
           "    Finance: finance\n"
           "  department_attribute: departmentNumber\n";
}

QString TestLdap::workflowsWith(const QByteArray &directoryYaml)
{
    const QString folder = m_dir.filePath(QStringLiteral("workflows%1").arg(++m_folders));
    QDir().mkpath(folder);
    const QDir shipped(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
    for (const QString &name : shipped.entryList({QStringLiteral("*.yaml")}, QDir::Files))
        QFile::copy(shipped.filePath(name), QDir(folder).filePath(name));
    QFile file(QDir(folder).filePath(QStringLiteral("directory.yaml")));
    if (file.open(QIODevice::WriteOnly))
        file.write(directoryYaml);
    return folder;
}

QByteArray TestLdap::bindingDirectory(const QByteArray &more) const
{
    return "directory:\n  plugin: ldap\n  url: ldap://127.0.0.1:"
        + QByteArray::number(m_slapd.plainPort)
        + "\n  bind_dn: \"uid={username},ou=people,dc=example,dc=com\"\n" + more;
}

QString TestLdap::startServer(ServeProcess &server, const QByteArray &directoryYaml)
{
    const QString folder = workflowsWith(directoryYaml);
    return server.start(u"sqlite:" + folder + QStringLiteral("/baton.db"),
                        {QStringLiteral("--demo"), QStringLiteral("--workflows"), folder,
                         QStringLiteral("--plugins"), QStringLiteral(BATON_PLUGIN_DIR)});
}

void TestLdap::dnTemplateSignsInAndMapsGroups()
{
    ServeProcess server;
    const QString error = startServer(
        server, bindingDirectory("  group_base: ou=groups,dc=example,dc=com\n" + mapping()));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString startUp = server.readOutput();
    QVERIFY2(startUp.contains(QRegularExpression(QStringLiteral("\\n    ldap +version 1\\.0\\.0"))),
             qPrintable(startUp));
    QVERIFY2(startUp.contains(QLatin1String("sign-in:   local users first, then the company "
                                            "directory")),
             qPrintable(startUp));
    QVERIFY2(startUp.contains(QLatin1String("authenticator ldap at ldap://127.0.0.1")),
             qPrintable(startUp));

    // First sign-in: a Baton user made from the directory, roles and departments mapped.
    const RawResponse first
        = login(server.port, QStringLiteral("Li.Wei"), QStringLiteral("directory-pass-1"));
    QCOMPARE(first.status, 200);
    const QJsonObject user = first.json().value(QLatin1String("user")).toObject();
    QCOMPARE(user.value(QLatin1String("username")).toString(), QStringLiteral("li.wei"));
    QCOMPARE(user.value(QLatin1String("name")).toString(), QStringLiteral("Li Wei"));
    QCOMPARE(strings(user.value(QLatin1String("roles"))), QStringList {QStringLiteral("agent")});
    QCOMPARE(strings(user.value(QLatin1String("departments"))),
             (QStringList {QStringLiteral("customer-service"), QStringLiteral("finance")}));

    // A wrong password is the same 401 as a local user's.
    const RawResponse wrong = login(server.port, QStringLiteral("li.wei"), QStringLiteral("nope"));
    const RawResponse wrongLocal
        = login(server.port, QStringLiteral("amy"), QStringLiteral("not-her-password"));
    QCOMPARE(wrong.status, 401);
    QCOMPARE(wrong.body, wrongLocal.body);
    QCOMPARE(login(server.port, QStringLiteral("li.wei"), QString()).status, 401);
    QCOMPARE(login(server.port, QStringLiteral("nobody"), QStringLiteral("whatever1")).status, 401);

    // Local users first: the admin signs in with Baton's password, and the directory's
    // "admin" (another person) cannot become them.
    QCOMPARE(login(server.port, QStringLiteral("admin"), QStringLiteral("baton-demo")).status, 200);
    QCOMPARE(
        login(server.port, QStringLiteral("admin"), QStringLiteral("directory-admin-pass")).status,
        401);

    // Refreshed at each sign-in: out of the agents' group, no longer an agent.
    const QString changed
        = m_slapd.modify("dn: cn=baton-agents,ou=groups,dc=example,dc=com\nchangetype: modify\n"
                         "delete: member\nmember: uid=li.wei,ou=people,dc=example,dc=com\n");
    QVERIFY2(changed.isEmpty(), qPrintable(changed));
    const RawResponse again = signInAsLiWei(server.port);
    QCOMPARE(again.status, 200);
    QCOMPARE(
        strings(again.json().value(QLatin1String("user")).toObject().value(QLatin1String("roles"))),
        QStringList());
    QVERIFY(m_slapd
                .modify("dn: cn=baton-agents,ou=groups,dc=example,dc=com\nchangetype: modify\n"
                        "add: member\nmember: uid=li.wei,ou=people,dc=example,dc=com\n")
                .isEmpty());
}

void TestLdap::searchThenBindOverStartTls()
{
    ServeProcess server;
    const QString error
        = startServer(server,
                      "directory:\n  plugin: ldap\n  url: ldap://127.0.0.1:"
                          + QByteArray::number(m_slapd.plainPort)
                          + "\n  starttls: true\n  ca_file: " + m_slapd.caFile().toUtf8()
                          + "\n  search_base: ou=people,dc=example,dc=com\n"
                            "  search_filter: \"(&(objectClass=inetOrgPerson)(uid={username}))\"\n"
                            "  service_dn: cn=baton,ou=services,dc=example,dc=com\n"
                            "  service_password: ${BATON_TEST_LDAP_SERVICE_PASSWORD}\n"
                            "  group_base: ou=groups,dc=example,dc=com\n"
                          + mapping());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(server.readOutput().contains(QLatin1String("(StartTLS), search under ou=people")));
    QVERIFY2(!server.readOutput().contains(QLatin1String("service-pass")),
             "a secret reached the log");
    const RawResponse ok = signInAsLiWei(server.port);
    QCOMPARE(ok.status, 200);
    QCOMPARE(
        strings(ok.json().value(QLatin1String("user")).toObject().value(QLatin1String("roles"))),
        QStringList {QStringLiteral("agent")});
    QCOMPARE(login(server.port, QStringLiteral("li.wei"), QStringLiteral("wrong-one")).status, 401);
    // A filter made of what was typed: its special characters match nothing.
    QCOMPARE(login(server.port, QStringLiteral("*"), QStringLiteral("directory-pass-1")).status,
             401);
}

void TestLdap::searchOverLdapsAnonymously()
{
    ServeProcess server;
    const QString error = startServer(
        server,
        "directory:\n  plugin: ldap\n  url: ldaps://127.0.0.1:"
            + QByteArray::number(m_slapd.tlsPort) + "\n  ca_file: " + m_slapd.caFile().toUtf8()
            + "\n  search_base: dc=example,dc=com\n  timeout_seconds: 3\n"
              "  group_base: ou=groups,dc=example,dc=com\n"
            + mapping());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const RawResponse ok = signInAsLiWei(server.port);
    QCOMPARE(ok.status, 200);
    QCOMPARE(login(server.port, QStringLiteral("li.wei"), QStringLiteral("wrong-one")).status, 401);
}

void TestLdap::untrustedCertificateLetsNobodyIn()
{
    ServeProcess server; // no ca_file: the self-signed certificate is not trusted
    const QString error
        = startServer(server,
                      "directory:\n  plugin: ldap\n  url: ldaps://127.0.0.1:"
                          + QByteArray::number(m_slapd.tlsPort)
                          + "\n  bind_dn: \"uid={username},ou=people,dc=example,dc=com\"\n");
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const RawResponse refused = signInAsLiWei(server.port);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.json().value(QLatin1String("error")).toObject().value(QLatin1String("code")),
             QJsonValue(QStringLiteral("unavailable")));
}

void TestLdap::wrongDirectoryPasswordsAreThrottled()
{
    ServeProcess server;
    const QString error = startServer(server, bindingDirectory());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    int status = 0;
    for (int i = 0; i < 8 && status != 429; ++i)
        status = login(server.port, QStringLiteral("li.wei"), QStringLiteral("guess-%1").arg(i))
                     .status;
    QCOMPARE(status, 429);
}

void TestLdap::badConfigurationStopsStartUp()
{
    // An unknown role: FILE:LINE:COL from the reader.
    QString folder = workflowsWith("directory:\n  plugin: ldap\n  url: ldap://127.0.0.1:1\n"
                                   "  bind_dn: \"uid={username},dc=x\"\n"
                                   "  roles:\n    cn=a,dc=x: [wizard]\n");
    CommandRun run
        = runBaton({QStringLiteral("serve"), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                    u"sqlite:" + folder + QStringLiteral("/b.db"), QStringLiteral("--workflows"),
                    folder, QStringLiteral("--plugins"), QStringLiteral(BATON_PLUGIN_DIR)});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(folder + QStringLiteral("/directory.yaml:6:16: error:"))
                 && run.err.contains(QLatin1String("unknown role 'wizard'")),
             qPrintable(run.describe()));
    // Settings the plugin refuses: FILE:LINE:COL of `directory:` and the plugin's reason.
    folder = workflowsWith("directory:\n  plugin: ldap\n  url: ldap://127.0.0.1:1\n"
                           "  bind_dn: \"uid=someone,dc=x\"\n");
    run = runBaton({QStringLiteral("serve"), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                    u"sqlite:" + folder + QStringLiteral("/b.db"), QStringLiteral("--workflows"),
                    folder, QStringLiteral("--plugins"), QStringLiteral(BATON_PLUGIN_DIR)});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(folder
                              + QStringLiteral("/directory.yaml:1:1: error: directory: 'bind_dn' "
                                               "must contain {username}")),
             qPrintable(run.describe()));
}

void TestLdap::directoryDownIsAClearErrorAndLetsNobodyIn()
{
    ServeProcess server;
    const QString error = startServer(server, bindingDirectory("  timeout_seconds: 2\n"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(signInAsLiWei(server.port).status, 200);
    m_slapd.stop();
    const RawResponse down = signInAsLiWei(server.port);
    QCOMPARE(down.status, 503);
    const QJsonObject problem = down.json().value(QLatin1String("error")).toObject();
    QCOMPARE(problem.value(QLatin1String("code")).toString(), QStringLiteral("unavailable"));
    QCOMPARE(problem.value(QLatin1String("message")).toString(),
             QStringLiteral("The company directory is not available; try again later."));
    // The local admin still signs in.
    QCOMPARE(login(server.port, QStringLiteral("admin"), QStringLiteral("baton-demo")).status, 200);
    QCOMPARE(server.stop(), 0);
    const QString log = server.readOutput();
    QVERIFY2(log.contains(QLatin1String("the company directory is not available")),
             qPrintable(log));
}

QTEST_GUILESS_MAIN(TestLdap)
#include "tst_ldap.moc"

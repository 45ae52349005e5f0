// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A throw-away Debian slapd: a directory of its own (slapadd of a small company: people,
// groups, a service account), a self-signed certificate made with the openssl CLI, and two
// ports of its own: ldap:// (StartTLS offered) and ldaps://.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

namespace Baton::Test {

class SlapdProcess
{
public:
    ~SlapdProcess() { stop(); }

    QString folder() const { return m_dir.path(); }
    QString caFile() const { return m_dir.filePath(QStringLiteral("cert.pem")); }
    quint16 plainPort = 0;
    quint16 tlsPort = 0;

    /// Makes the certificate and the database, then starts slapd; an error text, empty when
    /// it answers on both ports.
    QString start(const QByteArray &ldif)
    {
        if (!m_dir.isValid())
            return QStringLiteral("no temporary folder");
        if (QString error = makeCertificate(); !error.isEmpty())
            return error;
        plainPort = freePort();
        tlsPort = freePort();
        QDir(m_dir.path()).mkpath(QStringLiteral("data"));
        writeFile(QStringLiteral("slapd.conf"), configuration());
        writeFile(QStringLiteral("data.ldif"), ldif);
        if (QString error = run(QStringLiteral("/usr/sbin/slapadd"),
                                {QStringLiteral("-f"), path("slapd.conf"), QStringLiteral("-l"),
                                 path("data.ldif")});
            !error.isEmpty())
            return error;
        return launch();
    }

    /// Starts slapd again on the same ports and data (after stop()).
    QString launch()
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(QStringLiteral("/usr/sbin/slapd"),
                        {QStringLiteral("-d"), QStringLiteral("0"), QStringLiteral("-f"),
                         path("slapd.conf"), QStringLiteral("-h"),
                         QStringLiteral("ldap://127.0.0.1:%1/ ldaps://127.0.0.1:%2/")
                             .arg(plainPort)
                             .arg(tlsPort)});
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start /usr/sbin/slapd (Debian package slapd): ")
                + m_process.errorString();
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 20000) {
            if (answers(plainPort) && answers(tlsPort))
                return {};
            if (m_process.state() == QProcess::NotRunning)
                break;
            QThread::msleep(100);
        }
        return QStringLiteral("slapd did not start:\n") + QString::fromUtf8(m_process.readAll());
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    /// ldapmodify as the directory's root (ldap-utils); an error text, empty on success.
    QString modify(const QByteArray &ldif)
    {
        writeFile(QStringLiteral("change.ldif"), ldif);
        return run(QStringLiteral("/usr/bin/ldapmodify"),
                   {QStringLiteral("-x"), QStringLiteral("-H"),
                    QStringLiteral("ldap://127.0.0.1:%1").arg(plainPort), QStringLiteral("-D"),
                    QStringLiteral("cn=admin,dc=example,dc=com"), QStringLiteral("-w"),
                    QStringLiteral("root-secret"), QStringLiteral("-f"), path("change.ldif")});
    }

private:
    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    void writeFile(const QString &name, const QByteArray &text) const
    {
        QFile file(m_dir.filePath(name));
        if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            file.write(text);
    }

    static QString run(const QString &program, const QStringList &arguments)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(program, arguments);
        if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit
            || process.exitCode() != 0)
            return program + QStringLiteral(" failed: ") + process.errorString() + u'\n'
                + QString::fromUtf8(process.readAll());
        return {};
    }

    QString makeCertificate() const
    {
        return run(
            QStringLiteral("openssl"),
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
             QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
             QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
             QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"),
             QStringLiteral("-keyout"), path("key.pem"), QStringLiteral("-out"), path("cert.pem")});
    }

    QByteArray configuration() const
    {
        const QByteArray dir = m_dir.path().toUtf8();
        return "include /etc/ldap/schema/core.schema\n"
               "include /etc/ldap/schema/cosine.schema\n"
               "include /etc/ldap/schema/inetorgperson.schema\n"
               "include /etc/ldap/schema/nis.schema\n"
               "modulepath /usr/lib/ldap\n"
               "moduleload back_mdb\n"
               "pidfile "
            + dir + "/slapd.pid\nTLSCertificateFile " + dir + "/cert.pem\nTLSCertificateKeyFile "
            + dir
            + "/key.pem\n"
              "database mdb\n"
              "maxsize 10485760\n"
              "suffix \"dc=example,dc=com\"\n"
              "rootdn \"cn=admin,dc=example,dc=com\"\n"
              "rootpw root-secret\n"
              "directory "
            + dir
            + "/data\n"
              "access to attrs=userPassword by anonymous auth by * none\n"
              "access to * by * read\n";
    }

    static quint16 freePort()
    {
        QTcpServer server;
        server.listen(QHostAddress::LocalHost, 0);
        return server.serverPort();
    }

    static bool answers(quint16 port)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        return socket.waitForConnected(500);
    }

    QTemporaryDir m_dir;
    QProcess m_process;
};

} // namespace Baton::Test

// SPDX-License-Identifier: GPL-3.0-or-later
// The product version is written once, in the top CMakeLists.txt's project(); everything that
// shows a version shows that one (BATON_PROJECT_VERSION here is CMake's PROJECT_VERSION).

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

class TestVersion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void binaryReportsTheProjectVersion()
    {
        QProcess process;
        process.start(QStringLiteral(BATON_BINARY), {QStringLiteral("--version")});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(process.readAllStandardOutput()),
                 QStringLiteral("baton " BATON_PROJECT_VERSION "\n"));
    }

    // The web UI is built into the binary and carries no version of its own; npm metadata
    // that named one would drift from the project's.
    void webPackageNamesNoOtherVersion_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("package.json") << QStringLiteral("web/package.json");
        QTest::newRow("package-lock.json") << QStringLiteral("web/package-lock.json");
    }

    void webPackageNamesNoOtherVersion()
    {
        QFETCH(QString, file);
        QFile json(QStringLiteral(BATON_SOURCE_DIR "/") + file);
        QVERIFY2(json.open(QIODevice::ReadOnly), qPrintable(json.errorString()));
        const QJsonObject top = QJsonDocument::fromJson(json.readAll()).object();
        QVERIFY(!top.isEmpty());
        const QJsonObject root = top.value(u"packages").toObject().value(u"").toObject();
        for (const QJsonObject &package : {top, root})
            if (package.contains(u"version"))
                QCOMPARE(package.value(u"version").toString(),
                         QStringLiteral(BATON_PROJECT_VERSION));
    }
};

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"

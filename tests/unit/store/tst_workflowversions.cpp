// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/orgreader.h"
#include "definition/workflowset.h"
#include "pgharness.h"
#include "store/database.h"
#include "store/orgversions.h"
#include "store/schema.h"
#include "store/workflowversions.h"

#include <QTest>

using namespace Baton;
using Baton::Test::TestDatabase;

class TestWorkflowVersions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase_data() { TestDatabase::addDriverRows(); }
    void firstPublishIsVersionOne();
    void unchangedSourceKeepsItsVersion();
    void changedSourceAddsAVersionAndKeepsTheOld();
    void missingVersionIsAnError();
    void organisationIsVersionedByContent();
    void bilingualOrganisationSurvivesTheStore();
    void versionsRecordTheirOrigin();
    void restartKeepsAVersionPublishedByAUser();
    void fileAndUserBothChangedIsAConflict();
    void fileChangedWithoutAUserVersionIsPublished();
    void organisationRestartKeepsAVersionPublishedByAUser();
    void organisationFileAndUserBothChangedIsAConflict();

private:
    std::shared_ptr<Database> fresh(const QString &url)
    {
        auto db = Database::open(url);
        if (!db || !Schema::migrate(**db))
            return nullptr;
        return db.value();
    }
    const QDateTime m_now {QDate(2026, 11, 23), QTime(9, 0), Qt::UTC};
    TestDatabase m_databases;
};

void TestWorkflowVersions::firstPublishIsVersionOne()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    auto outcome = WorkflowVersions::publish(
        *db, {{QStringLiteral("a"), "workflow: a\n"}, {QStringLiteral("b"), "workflow: b\n"}},
        VersionOrigin::user(QStringLiteral("admin")), m_now);
    QVERIFY(outcome.ok());
    QCOMPARE(outcome->current.value(QStringLiteral("a")), 1);
    QCOMPARE(outcome->current.value(QStringLiteral("b")), 1);
    QCOMPARE(outcome->published, (QStringList {QStringLiteral("a"), QStringLiteral("b")}));
    auto stored = WorkflowVersions::load(*db, QStringLiteral("a"), 1);
    QVERIFY(stored.ok());
    QCOMPARE(stored->source, QByteArray("workflow: a\n"));
    QCOMPARE(stored->publishedBy, QStringLiteral("admin"));
    QCOMPARE(stored->publishedAt, m_now);
    QCOMPARE(stored->hash, WorkflowVersions::hashOf("workflow: a\n"));
}

void TestWorkflowVersions::unchangedSourceKeepsItsVersion()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    QVERIFY(WorkflowVersions::publish(*db, {{QStringLiteral("a"), "x"}}, {}, m_now).ok());
    auto again = WorkflowVersions::publish(*db, {{QStringLiteral("a"), "x"}}, {}, m_now);
    QVERIFY(again.ok());
    QVERIFY(again->published.isEmpty());
    QCOMPARE(again->current.value(QStringLiteral("a")), 1);
}

void TestWorkflowVersions::changedSourceAddsAVersionAndKeepsTheOld()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    QVERIFY(WorkflowVersions::publish(*db, {{QStringLiteral("a"), "one"}}, {}, m_now).ok());
    auto second = WorkflowVersions::publish(*db, {{QStringLiteral("a"), "two"}}, {}, m_now);
    QVERIFY(second.ok());
    QCOMPARE(second->current.value(QStringLiteral("a")), 2);
    // Going back to an older text is a change too: it becomes version 3.
    auto third = WorkflowVersions::publish(*db, {{QStringLiteral("a"), "one"}}, {}, m_now);
    QVERIFY(third.ok());
    QCOMPARE(third->current.value(QStringLiteral("a")), 3);
    auto history = WorkflowVersions::history(*db, QStringLiteral("a"));
    QVERIFY(history.ok());
    QCOMPARE(history->size(), 3);
    QCOMPARE(history->at(0).source, QByteArray("one"));
    QCOMPARE(history->at(1).source, QByteArray("two"));
    auto current = WorkflowVersions::currentVersions(*db);
    QVERIFY(current.ok());
    QCOMPARE(current->value(QStringLiteral("a")), 3);
}

void TestWorkflowVersions::missingVersionIsAnError()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    auto missing = WorkflowVersions::load(*db, QStringLiteral("nope"), 1);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error(), QStringLiteral("workflow nope has no version 1"));
}

void TestWorkflowVersions::organisationIsVersionedByContent()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    auto none = OrgVersions::current(*db);
    QVERIFY(none.ok() && !none->has_value());
    auto first = OrgVersions::publish(*db, "queues: {}\n", {}, m_now);
    QVERIFY(first.ok());
    QCOMPARE(first.value(), 1);
    auto same = OrgVersions::publish(*db, "queues: {}\n", {}, m_now);
    QVERIFY(same.ok());
    QCOMPARE(same.value(), 1);
    auto changed = OrgVersions::publish(*db, "queues: {a: {department: d}}\n", {}, m_now);
    QVERIFY(changed.ok());
    QCOMPARE(changed.value(), 2);
    auto current = OrgVersions::current(*db);
    QVERIFY(current.ok() && current->has_value());
    QCOMPARE((*current)->version, 2);
    QCOMPARE((*current)->source, QByteArray("queues: {a: {department: d}}\n"));
}

void TestWorkflowVersions::bilingualOrganisationSurvivesTheStore()
{
    // An org/ folder with titles per language, stored as the server stores it at start: the
    // version read back (what the next start compares with) gives the same text and titles,
    // and publishing the same files again is no new version (no clocks recomputed).
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    const QList<OrganisationFile> files {
        {QStringLiteral("org/calendars.yaml"),
         "calendars:\n  office: {timezone: Asia/Shanghai, week: {mon-fri: [\"09:00-18:00\"]}}\n"},
        {QStringLiteral("org/teams.yaml"),
         "departments:\n  support: {title: {en: Support, zh: 客户支持部}, calendar: office}\n"
         "queues:\n  desk: {department: support, title: {en: Front desk, zh: 前台受理}}\n"}};
    const QByteArray source = organisationSource(files);
    auto first = OrgVersions::publish(*db, source, {}, m_now);
    QVERIFY(first.ok());
    auto current = OrgVersions::current(*db);
    QVERIFY(current.ok() && current->has_value());
    QCOMPARE((*current)->source, source);
    const OrganisationReadResult read
        = readOrganisation(organisationFilesFromSource((*current)->source));
    QVERIFY(read.ok());
    QCOMPARE(read.organisation.queues.value(QStringLiteral("desk")).title.text(Language::Zh),
             QStringLiteral("前台受理"));
    QCOMPARE(read.organisation.queues.value(QStringLiteral("desk")).title.text(Language::En),
             QStringLiteral("Front desk"));
    QCOMPARE(
        read.organisation.departments.value(QStringLiteral("support")).title.text(Language::Zh),
        QStringLiteral("客户支持部"));
    auto again = OrgVersions::publish(
        *db, organisationSource(organisationFilesFromSource((*current)->source)), {}, m_now);
    QVERIFY(again.ok());
    QCOMPARE(again.value(), first.value());
}

void TestWorkflowVersions::versionsRecordTheirOrigin()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    QVERIFY(WorkflowVersions::publishFiles(
                *db, {{QStringLiteral("a"), "one", QStringLiteral("workflows/a.yaml")}}, m_now)
                .ok());
    QVERIFY(WorkflowVersions::publish(*db, {{QStringLiteral("a"), "two", {}}},
                                      VersionOrigin::user(QStringLiteral("ann")), m_now.addSecs(60))
                .ok());
    auto history = WorkflowVersions::history(*db, QStringLiteral("a"));
    QVERIFY(history.ok());
    QCOMPARE(history->size(), 2);
    QCOMPARE(history->at(0).origin.kindName(), QStringLiteral("file"));
    QCOMPARE(history->at(0).origin.path, QStringLiteral("workflows/a.yaml"));
    QCOMPARE(history->at(0).publishedAt, m_now);
    QCOMPARE(history->at(1).origin.kindName(), QStringLiteral("user"));
    QCOMPARE(history->at(1).origin.username, QStringLiteral("ann"));
    QCOMPARE(history->at(1).publishedAt, m_now.addSecs(60));
}

void TestWorkflowVersions::restartKeepsAVersionPublishedByAUser()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    const QList<WorkflowSource> file {{QStringLiteral("a"), "one", QStringLiteral("a.yaml")}};
    QVERIFY(WorkflowVersions::publishFiles(*db, file, m_now).ok());
    QVERIFY(WorkflowVersions::publish(*db, {{QStringLiteral("a"), "two", {}}},
                                      VersionOrigin::user(QStringLiteral("ann")), m_now)
                .ok());
    auto restart = WorkflowVersions::publishFiles(*db, file, m_now);
    QVERIFY(restart.ok());
    QVERIFY(restart->published.isEmpty());
    QVERIFY(restart->conflicts.isEmpty());
    QCOMPARE(restart->current.value(QStringLiteral("a")), 2);
    QCOMPARE(WorkflowVersions::currentVersions(*db)->value(QStringLiteral("a")), 2);
}

void TestWorkflowVersions::fileAndUserBothChangedIsAConflict()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    QVERIFY(WorkflowVersions::publishFiles(
                *db, {{QStringLiteral("a"), "one", QStringLiteral("a.yaml")}}, m_now)
                .ok());
    QVERIFY(WorkflowVersions::publish(*db, {{QStringLiteral("a"), "two", {}}},
                                      VersionOrigin::user(QStringLiteral("ann")), m_now)
                .ok());
    auto restart = WorkflowVersions::publishFiles(
        *db, {{QStringLiteral("a"), "three", QStringLiteral("a.yaml")}}, m_now);
    QVERIFY(restart.ok());
    QVERIFY(restart->published.isEmpty());
    QCOMPARE(restart->current.value(QStringLiteral("a")), 2);
    QCOMPARE(restart->conflicts.size(), 1);
    const PublishConflict conflict = restart->conflicts.first();
    QCOMPARE(conflict.name, QStringLiteral("a"));
    QCOMPARE(conflict.path, QStringLiteral("a.yaml"));
    QCOMPARE(conflict.fileVersion, 1);
    QCOMPARE(conflict.userVersion, 2);
    QCOMPARE(conflict.username, QStringLiteral("ann"));
    QVERIFY(conflict.message().contains(u"a.yaml"));
    QCOMPARE(WorkflowVersions::history(*db, QStringLiteral("a"))->size(), 2);
    // The file made equal to the user's version: in step, nothing to report.
    auto resolved = WorkflowVersions::publishFiles(
        *db, {{QStringLiteral("a"), "two", QStringLiteral("a.yaml")}}, m_now);
    QVERIFY(resolved.ok());
    QVERIFY(resolved->conflicts.isEmpty());
    QVERIFY(resolved->published.isEmpty());
}

void TestWorkflowVersions::fileChangedWithoutAUserVersionIsPublished()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    QVERIFY(WorkflowVersions::publishFiles(
                *db, {{QStringLiteral("a"), "one", QStringLiteral("a.yaml")}}, m_now)
                .ok());
    auto restart = WorkflowVersions::publishFiles(
        *db, {{QStringLiteral("a"), "two", QStringLiteral("a.yaml")}}, m_now);
    QVERIFY(restart.ok());
    QCOMPARE(restart->published, QStringList {QStringLiteral("a")});
    QVERIFY(restart->conflicts.isEmpty());
    QCOMPARE(restart->current.value(QStringLiteral("a")), 2);
    auto stored = WorkflowVersions::load(*db, QStringLiteral("a"), 2);
    QVERIFY(stored.ok());
    QVERIFY(stored->origin.isFile());
    QCOMPARE(stored->source, QByteArray("two"));
}

void TestWorkflowVersions::organisationRestartKeepsAVersionPublishedByAUser()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    const QString path = QStringLiteral("workflows/org.yaml");
    auto first = OrgVersions::publishFile(*db, "queues: {}\n", path, m_now);
    QVERIFY(first.ok());
    QVERIFY(first->published);
    QCOMPARE(first->current, 1);
    QCOMPARE(OrgVersions::publish(*db, "queues: {b: {department: d}}\n",
                                  VersionOrigin::user(QStringLiteral("ann")), m_now)
                 .value(),
             2);
    auto restart = OrgVersions::publishFile(*db, "queues: {}\n", path, m_now);
    QVERIFY(restart.ok());
    QVERIFY(!restart->published);
    QVERIFY(!restart->conflict);
    QCOMPARE(restart->current, 2);
    auto current = OrgVersions::current(*db);
    QCOMPARE((*current)->version, 2);
    QCOMPARE((*current)->origin.username, QStringLiteral("ann"));
    // Changed in the file only, afterwards: published from the file.
    QCOMPARE(OrgVersions::publish(*db, "queues: {}\n", {}, m_now).value(), 3);
    auto changed = OrgVersions::publishFile(*db, "queues: {c: {department: d}}\n", path, m_now);
    QVERIFY(changed.ok());
    QVERIFY(changed->published);
    QCOMPARE(changed->current, 4);
    QCOMPARE((*OrgVersions::current(*db))->origin.path, path);
}

void TestWorkflowVersions::organisationFileAndUserBothChangedIsAConflict()
{
    BATON_FRESH_DATABASE(m_databases, url);
    auto db = fresh(url);
    QVERIFY(db);
    const QString path = QStringLiteral("workflows/org.yaml");
    QVERIFY(OrgVersions::publishFile(*db, "queues: {}\n", path, m_now).ok());
    QVERIFY(OrgVersions::publish(*db, "queues: {b: {department: d}}\n",
                                 VersionOrigin::user(QStringLiteral("ann")), m_now)
                .ok());
    auto restart = OrgVersions::publishFile(*db, "queues: {c: {department: d}}\n", path, m_now);
    QVERIFY(restart.ok());
    QVERIFY(!restart->published);
    QCOMPARE(restart->current, 2);
    QVERIFY(restart->conflict);
    QCOMPARE(restart->conflict->fileVersion, 1);
    QCOMPARE(restart->conflict->userVersion, 2);
    QCOMPARE(restart->conflict->username, QStringLiteral("ann"));
    QVERIFY(restart->conflict->message().startsWith(u"the organisation"));
}

QTEST_GUILESS_MAIN(TestWorkflowVersions)
#include "tst_workflowversions.moc"

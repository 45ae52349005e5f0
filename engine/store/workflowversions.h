// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace Baton {

class Database;

/// One stored version of a workflow's source.
struct WorkflowVersion
{
    QString name;
    int version = 0;
    QByteArray source;
    QString hash; ///< SHA-256 of the source, hex
    QDateTime publishedAt;
    QString publishedBy;
};

/// A workflow text offered for publishing (name = its `workflow:` id).
struct WorkflowSource
{
    QString name;
    QByteArray source;
};

/// What publish() did: the current version of every workflow offered, and which were new.
struct PublishOutcome
{
    QMap<QString, int> current; ///< name → current version
    QStringList published; ///< names that got a new version
};

/// Stored workflow versions (workflow-language.md "Versions"): publishing a changed text adds
/// version n+1 and keeps the old ones, so tickets opened on them keep their rules.
class WorkflowVersions
{
public:
    /// Publishes, in one transaction, each source whose hash differs from its newest version.
    static Result<PublishOutcome> publish(Database &database, const QList<WorkflowSource> &sources,
                                          const QString &publishedBy, const QDateTime &now);
    /// One version, or an error naming it when it does not exist.
    static Result<WorkflowVersion> load(Database &database, const QString &name, int version);
    /// The newest version of each stored workflow.
    static Result<QMap<QString, int>> currentVersions(Database &database);
    /// Every version of one workflow, oldest first (sources included).
    static Result<QList<WorkflowVersion>> history(Database &database, const QString &name);
    static QString hashOf(const QByteArray &source);
};

} // namespace Baton

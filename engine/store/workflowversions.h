// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace Baton {

class Database;

/// Where a stored version (of a workflow or of the organisation) came from: a file of the
/// `--workflows` folder published at start, or a user's publish in the editor. Rows stored
/// before origins were recorded count as files (with no path).
struct VersionOrigin
{
    enum class Kind { File, User };
    Kind kind = Kind::File;
    QString path; ///< File: the file's path as the server was given it
    QString username; ///< User: who published it

    static VersionOrigin file(const QString &path) { return {Kind::File, path, {}}; }
    static VersionOrigin user(const QString &username) { return {Kind::User, {}, username}; }
    bool isFile() const { return kind == Kind::File; }
    /// "file" or "user", as stored and as the API shows it.
    QString kindName() const { return isFile() ? QStringLiteral("file") : QStringLiteral("user"); }
};

/// One stored version of a workflow's source.
struct WorkflowVersion
{
    QString name;
    int version = 0;
    QByteArray source;
    QString hash; ///< SHA-256 of the source, hex
    QDateTime publishedAt;
    QString publishedBy;
    VersionOrigin origin;
};

/// A workflow text offered for publishing (name = its `workflow:` id; path = its file, for
/// publishFiles()).
struct WorkflowSource
{
    QString name;
    QByteArray source;
    QString path = {};
};

/// A file that changed since it was last published from, while a user published a newer
/// version in the editor: neither may silently win, so nothing is published for it.
struct PublishConflict
{
    QString name; ///< the workflow's name ("" for the organisation)
    QString path; ///< the file
    QString fileHash; ///< of the file's text now
    int fileVersion = 0; ///< the version last published from the file (0: none)
    int userVersion = 0; ///< the newest version, the user's
    QString username; ///< who published userVersion
    QDateTime userPublishedAt;
    /// One sentence for the start-up log and the editor.
    QString message() const;
};

/// What publish() did: the current version of every workflow offered, and which were new.
struct PublishOutcome
{
    QMap<QString, int> current; ///< name → current version
    QStringList published; ///< names that got a new version
    QList<PublishConflict> conflicts; ///< publishFiles(): files left unpublished
};

/// The newest stored version and the newest published from a file, as the start-up rule
/// needs them (for a workflow or the organisation).
struct VersionHead
{
    int version = 0;
    QString hash;
    VersionOrigin origin;
    QDateTime publishedAt;
};

/// The start-up rule (interfaces.md: a restart never undoes a published workflow or
/// organisation). The database is the truth: a file is published only when its text differs
/// from the version last published from that file; if a user published a newer version since,
/// both changed and neither wins (Conflict). A file equal to the current version is in step
/// whoever published it.
enum class FileDecision { Keep, Publish, Conflict };
FileDecision decideFilePublish(const QString &fileHash, const std::optional<VersionHead> &newest,
                               const std::optional<VersionHead> &newestFromFile);

/// Stored workflow versions (workflow-language.md "Versions"): publishing a changed text adds
/// version n+1 and keeps the old ones, so tickets opened on them keep their rules.
class WorkflowVersions
{
public:
    /// Publishes, in one transaction, each source whose hash differs from its newest version,
    /// recording `origin` (the editor: VersionOrigin::user) and `now`.
    static Result<PublishOutcome> publish(Database &database, const QList<WorkflowSource> &sources,
                                          const VersionOrigin &origin, const QDateTime &now);
    /// The start-up publish of the `--workflows` files (decideFilePublish() per source), in one
    /// transaction; conflicts are reported in the outcome, and their workflows keep their
    /// current version.
    static Result<PublishOutcome>
    publishFiles(Database &database, const QList<WorkflowSource> &sources, const QDateTime &now);
    /// One version, or an error naming it when it does not exist.
    static Result<WorkflowVersion> load(Database &database, const QString &name, int version);
    /// The newest version of each stored workflow.
    static Result<QMap<QString, int>> currentVersions(Database &database);
    /// Every version of one workflow, oldest first (sources included).
    static Result<QList<WorkflowVersion>> history(Database &database, const QString &name);
    static QString hashOf(const QByteArray &source);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/channelsreader.h"
#include "definition/diagnostic.h"
#include "definition/directoryreader.h"
#include "definition/model.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace Baton {

/// Everything in a workflows folder: the organisation, the workflows, and every problem found
/// in any of the files, including references between them.
struct WorkflowSet
{
    Organisation organisation;
    QList<std::shared_ptr<const Workflow>> workflows; ///< only those without errors
    Diagnostics diagnostics; ///< by file, then line and column
    /// The organisation's files as read, named relative to the folder (`org.yaml`,
    /// `org/NAME.yaml`), in reading order.
    QList<OrganisationFile> organisationFiles;
    /// channels.yaml of the folder, if it has one (its secrets checked against the environment).
    QList<ChannelDefinition> channels;
    /// directory.yaml of the folder, if it has one: sign-in with the company directory.
    std::optional<DirectoryDefinition> directory;
    bool ok() const { return !hasErrors(diagnostics); }
};

/// The organisation's files as one text, to store as a published version and compare with the
/// next start's: a lone org.yaml is its own text; several files (an org/ folder, with or
/// without org.yaml) are bundled with their names and lengths.
QByteArray organisationSource(const QList<OrganisationFile> &files);
/// The files back from organisationSource(); any other text is one org.yaml.
QList<OrganisationFile> organisationFilesFromSource(const QByteArray &source);

/// Loads a folder: `org.yaml` (or the files of an `org/` folder, merged), `channels.yaml` if
/// present, then every other `*.yaml` as a workflow named by its base name. Diagnostics name files
/// as DIR/NAME.
WorkflowSet loadWorkflowDirectory(const QString &directory);

/// Checks the links between workflows (`open: {workflow: ...}` names a workflow of the set,
/// the fields it fills exist there, and it fills every field required there that has no
/// default). reads pairs each result with its file name.
Diagnostics checkWorkflowLinks(const QList<QPair<QString, const WorkflowReadResult *>> &reads);

/// Checks one workflow text against an organisation, as the HTTP API's validate endpoint does.
/// knownWorkflows, when given, are the ids `open:` may name; expectedId, when given, is the id
/// the text must declare; definitions, when given, are those workflows (their current
/// versions): the fields each `open:` fills are checked against them as checkWorkflowLinks
/// does, and the text, as a new version, must not require a field that their `open:` of it
/// leaves empty.
WorkflowReadResult
checkWorkflowText(const QByteArray &yaml, const Organisation &organisation,
                  const QString &file = QStringLiteral("workflow.yaml"),
                  const QStringList *knownWorkflows = nullptr, const QString &expectedId = {},
                  const QList<std::shared_ptr<const Workflow>> *definitions = nullptr);

} // namespace Baton

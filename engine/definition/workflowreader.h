// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "definition/diagnostic.h"
#include "definition/model.h"
#include "definition/yamltree.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <memory>

namespace Baton {

/// An `open: {workflow: ...}` of a transition, kept with its place in the file so that a set
/// of workflows can check it against the other workflows (workflowset.h).
struct WorkflowLinkReference
{
    QString workflow;
    YamlMark mark; ///< of the workflow name
    QList<QPair<QString, YamlMark>> fields; ///< target fields of the new ticket, with marks
};

/// A workflow as read from its file, and every problem found in it.
struct WorkflowReadResult
{
    /// Filled as far as the file allowed; null only when it is not YAML at all. Use it for
    /// tickets only when ok().
    std::shared_ptr<Workflow> workflow;
    Diagnostics diagnostics; ///< sorted by line and column
    QList<WorkflowLinkReference> links;
    QHash<QString, YamlMark> fieldMarks; ///< where each field is declared
    bool ok() const { return workflow && !hasErrors(diagnostics); }
};

struct WorkflowReadOptions
{
    /// The id the file must declare (its base name); empty to accept any.
    QString expectedId;
};

/// Reads and checks one workflow file (workflow-language.md, "A workflow") against the
/// organisation. Without an organisation (null), names of queues, calendars and declared
/// roles are not checked; everything else is.
WorkflowReadResult readWorkflow(const QByteArray &text, const QString &file,
                                const Organisation *organisation,
                                const WorkflowReadOptions &options = {});

} // namespace Baton

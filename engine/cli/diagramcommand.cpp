// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include "core/result.h"
#include "definition/diagram.h"
#include "definition/orgreader.h"
#include "definition/workflowset.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>
#include <optional>

namespace Baton::Cli {

namespace {

const char diagramUsage[] = "Usage: baton diagram FILE [--format mermaid|dot]\n";

void printDiagnostics(const Diagnostics &diagnostics)
{
    for (const Diagnostic &d : diagnostics)
        std::fprintf(stderr, "%s\n", d.toString().toUtf8().constData());
}

/// The organisation files beside a workflow file, as `baton validate` and the server find
/// them: DIR/org.yaml and every *.yaml of DIR/org/, merged.
Result<QList<OrganisationFile>> organisationFilesBeside(const QString &workflowFile)
{
    const QDir dir = QFileInfo(workflowFile).dir();
    QStringList paths;
    if (QFileInfo::exists(dir.filePath(QStringLiteral("org.yaml"))))
        paths << dir.filePath(QStringLiteral("org.yaml"));
    const QDir orgDir(dir.filePath(QStringLiteral("org")));
    if (orgDir.exists())
        for (const QString &name :
             orgDir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
            paths << orgDir.filePath(name);
    QList<OrganisationFile> files;
    for (const QString &path : std::as_const(paths)) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return makeError(u"cannot read " + path + u": " + file.errorString());
        files << OrganisationFile {path, file.readAll()};
    }
    return files;
}

/// Reads the command line into `format` and `file`; returns the exit code when the command ends
/// here (--help, a bad argument).
std::optional<int> readArguments(const QStringList &arguments, QString *format, QString *file)
{
    *format = QStringLiteral("mermaid");
    QStringList files;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == u"--format" && i + 1 < arguments.size()) {
            *format = arguments.at(++i);
        } else if (argument.startsWith(u"--format=")) {
            *format = argument.mid(9);
        } else if (argument == u"--help" || argument == u"-h") {
            std::fputs(diagramUsage, stdout);
            return 0;
        } else if (argument.startsWith(u'-') && argument != u"-") {
            std::fprintf(stderr, "baton diagram: unknown option '%s'\n%s",
                         argument.toUtf8().constData(), diagramUsage);
            return 2;
        } else {
            files << argument;
        }
    }
    if (*format != u"mermaid" && *format != u"dot") {
        std::fprintf(stderr, "baton diagram: unknown format '%s' (mermaid or dot)\n%s",
                     format->toUtf8().constData(), diagramUsage);
        return 2;
    }
    if (files.size() != 1) {
        std::fputs(files.isEmpty() ? "baton diagram: no workflow file given\n"
                                   : "baton diagram: one workflow file at a time\n",
                   stderr);
        std::fputs(diagramUsage, stderr);
        return 2;
    }
    *file = files.first();
    return std::nullopt;
}

/// The other workflows beside `info`: the ones `open:` may name.
QStringList workflowsBeside(const QFileInfo &info)
{
    QStringList names;
    for (const QFileInfo &sibling :
         info.dir().entryInfoList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        if (sibling.completeBaseName() != u"org")
            names << sibling.completeBaseName();
    return names;
}

} // namespace

int runDiagram(const QStringList &arguments)
{
    QString format, path;
    if (const auto exitCode = readArguments(arguments, &format, &path))
        return *exitCode;

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "baton diagram: cannot read %s: %s\n", path.toUtf8().constData(),
                     file.errorString().toUtf8().constData());
        return 1;
    }
    const QByteArray yaml = file.readAll();

    const auto organisationFiles = organisationFilesBeside(path);
    if (!organisationFiles) {
        std::fprintf(stderr, "baton diagram: %s\n", organisationFiles.error().toUtf8().constData());
        return 1;
    }
    Organisation organisation;
    Diagnostics diagnostics;
    if (organisationFiles->isEmpty()) {
        std::fprintf(stderr,
                     "%s: warning: no org.yaml beside it; queues, calendars and roles are not "
                     "checked\n",
                     path.toUtf8().constData());
    } else {
        OrganisationReadResult org = readOrganisation(*organisationFiles);
        organisation = std::move(org.organisation);
        diagnostics << org.diagnostics;
    }

    const QFileInfo info(path);
    const QStringList knownWorkflows = workflowsBeside(info);

    const WorkflowReadResult read = organisationFiles->isEmpty()
        ? readWorkflow(yaml, path, nullptr, {info.completeBaseName()})
        : checkWorkflowText(yaml, organisation, path, &knownWorkflows, info.completeBaseName());
    diagnostics << read.diagnostics;
    printDiagnostics(diagnostics);
    if (hasErrors(diagnostics) || !read.workflow)
        return 1;

    const Organisation *org = organisationFiles->isEmpty() ? nullptr : &organisation;
    const QString diagram
        = format == u"dot" ? toDot(*read.workflow, org) : toMermaid(*read.workflow, org);
    const QByteArray out = diagram.toUtf8();
    std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
    return 0;
}

} // namespace Baton::Cli

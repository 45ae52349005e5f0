// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include "definition/channelsreader.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "definition/workflowset.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>

// `baton validate FILE...`: diagnostics go to stdout, one per line, in the compiler format
// (FILE:LINE:COLUMN: error|warning: MESSAGE), so that editors and CI can read them; the summary
// goes to stderr. A file named org.yaml, or any file inside a folder named org/, is read as
// (part of) the organisation; every other file as a workflow, checked against the organisation
// given on the same command line (the one of its own folder if several are given), else the
// one found next to it.

namespace Baton::Cli {

namespace {

struct Input
{
    QString path; ///< as given
    QByteArray text;
    bool readable = false;
    QString error;
};

bool isOrganisationFile(const QString &path)
{
    const QFileInfo info(path);
    return info.fileName() == u"org.yaml" || info.dir().dirName() == u"org";
}

// The folder whose workflows an organisation file serves.
QString organisationRoot(const QString &path)
{
    const QFileInfo info(path);
    QDir dir = info.absoluteDir();
    if (info.fileName() != u"org.yaml" && dir.dirName() == u"org")
        dir.cdUp();
    return dir.absolutePath();
}

Input readInput(const QString &path)
{
    Input input;
    input.path = path;
    QFile file(path);
    if (QFileInfo(path).isDir()) {
        input.error = QStringLiteral("is a folder, not a file");
    } else if (!file.open(QIODevice::ReadOnly)) {
        input.error = file.errorString();
    } else {
        input.text = file.readAll();
        input.readable = true;
    }
    return input;
}

// The organisation next to a workflow that was not given on the command line, read quietly:
// its own problems are reported when it is validated itself.
std::shared_ptr<Organisation> findOrganisation(const QString &root)
{
    QList<OrganisationFile> files;
    const QDir dir(root);
    QFile org(dir.filePath(QStringLiteral("org.yaml")));
    if (org.open(QIODevice::ReadOnly))
        files.append(OrganisationFile {org.fileName(), org.readAll()});
    const QDir orgDir(dir.filePath(QStringLiteral("org")));
    if (orgDir.exists()) {
        for (const QString &name :
             orgDir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name)) {
            QFile part(orgDir.filePath(name));
            if (part.open(QIODevice::ReadOnly))
                files.append(OrganisationFile {part.fileName(), part.readAll()});
        }
    }
    if (files.isEmpty())
        return nullptr;
    return std::make_shared<Organisation>(readOrganisation(files).organisation);
}

/// Reads the organisation files among `inputs`, one organisation per folder they serve (in
/// `roots`, in command-line order); their diagnostics go to `report`.
QHash<QString, std::shared_ptr<Organisation>>
readGivenOrganisations(const std::vector<Input> &inputs, std::map<size_t, Diagnostics> *report,
                       QStringList *roots)
{
    QHash<QString, QList<size_t>> orgGroups;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].readable || !isOrganisationFile(inputs[i].path))
            continue;
        const QString root = organisationRoot(inputs[i].path);
        if (!orgGroups.contains(root))
            roots->append(root);
        orgGroups[root].append(i);
    }
    QHash<QString, std::shared_ptr<Organisation>> organisations;
    for (const QString &root : std::as_const(*roots)) {
        QList<OrganisationFile> files;
        for (const size_t i : orgGroups[root])
            files.append(OrganisationFile {inputs[i].path, inputs[i].text});
        OrganisationReadResult result = readOrganisation(files);
        for (const Diagnostic &d : std::as_const(result.diagnostics))
            for (const size_t i : orgGroups[root])
                if (inputs[i].path == d.file)
                    (*report)[i].append(d);
        organisations.insert(root, std::make_shared<Organisation>(std::move(result.organisation)));
    }
    return organisations;
}

/// Reads, quietly, the workflows `open:` names that are not read yet, from the file of that name
/// beside the one naming it; they join `pairs` (for the link check) and `reads` (kept alive).
void readNamedSiblings(const QHash<QString, std::shared_ptr<Organisation>> &organisations,
                       std::vector<std::unique_ptr<WorkflowReadResult>> *reads,
                       QList<QPair<QString, const WorkflowReadResult *>> *pairs,
                       QSet<QString> *readIds)
{
    for (qsizetype k = 0; k < pairs->size(); ++k) {
        const QString dir = QFileInfo(pairs->at(k).first).absolutePath();
        for (const WorkflowLinkReference &link : pairs->at(k).second->links) {
            if (readIds->contains(link.workflow))
                continue;
            QFile sibling(QDir(dir).filePath(link.workflow + QStringLiteral(".yaml")));
            if (!sibling.open(QIODevice::ReadOnly))
                continue;
            readIds->insert(link.workflow);
            reads->push_back(std::make_unique<WorkflowReadResult>(readWorkflow(
                sibling.readAll(), sibling.fileName(), organisations.value(dir).get())));
            pairs->append({sibling.fileName(), reads->back().get()});
        }
    }
}

/// Prints the diagnostics, file by file in command-line order and by position within a file, on
/// stdout; the summary on stderr.
void printReport(std::map<size_t, Diagnostics> *report, qsizetype files)
{
    int errors = 0;
    int warnings = 0;
    for (auto &[index, diagnostics] : *report) {
        std::stable_sort(diagnostics.begin(), diagnostics.end(),
                         [](const Diagnostic &a, const Diagnostic &b) {
                             return a.line != b.line ? a.line < b.line : a.column < b.column;
                         });
        for (const Diagnostic &d : std::as_const(diagnostics)) {
            std::fputs(d.toString().toUtf8().constData(), stdout);
            std::fputc('\n', stdout);
            ++(d.isError() ? errors : warnings);
        }
    }
    std::fflush(stdout);
    auto plural = [](qsizetype count, const char *word) -> QString {
        return QString::number(count) + u' ' + QLatin1String(word)
            + (count == 1 ? QString() : QStringLiteral("s"));
    };
    const QString summary = plural(files, "file") + QStringLiteral(" checked, ")
        + plural(errors, "error") + QStringLiteral(", ") + plural(warnings, "warning");
    std::fprintf(stderr, "%s\n", summary.toUtf8().constData());
}

/// A file named channels.yaml is checked as channels (its secrets are not looked up: validation
/// runs where they are not set, in CI); true when it was one.
bool checkedAsChannels(const Input &input, Diagnostics *report)
{
    if (QFileInfo(input.path).fileName() != u"channels.yaml")
        return false;
    *report += readChannels(input.text, input.path).diagnostics;
    return true;
}

/// A file named directory.yaml is checked as the directory sign-in's (structure and secret
/// names; its roles and departments are checked against the organisation when serving).
bool checkedAsDirectory(const Input &input, Diagnostics *report)
{
    if (QFileInfo(input.path).fileName() != u"directory.yaml")
        return false;
    *report += readDirectory(input.text, input.path, nullptr).diagnostics;
    return true;
}

/// channels.yaml and directory.yaml: the server's settings, not workflows.
bool checkedAsServerSettings(const Input &input, Diagnostics *report)
{
    return checkedAsChannels(input, report) || checkedAsDirectory(input, report);
}

template<typename T> void keepUntilExit(T &&value)
{
    static_cast<void>(new std::decay_t<T>(std::forward<T>(value)));
}

} // namespace

int runValidate(const QStringList &arguments)
{
    if (arguments.isEmpty() || arguments.first() == u"--help" || arguments.first() == u"-h") {
        std::fputs("usage: baton validate FILE...\n"
                   "Checks org.yaml (org/*), channels.yaml, directory.yaml and workflow files;\n"
                   "prints FILE:LINE:COLUMN: error|warning: MESSAGE per problem on stdout and a\n"
                   "summary on stderr. Exit status 1 if there was any error, else 0.\n",
                   arguments.isEmpty() ? stderr : stdout);
        return arguments.isEmpty() ? 2 : 0;
    }

    std::vector<Input> inputs;
    for (const QString &path : arguments)
        inputs.push_back(readInput(path));

    std::map<size_t, Diagnostics> report; // by input index, printed in command-line order

    // Organisations given on the command line, one per folder they serve.
    QStringList orgRoots;
    QHash<QString, std::shared_ptr<Organisation>> organisations
        = readGivenOrganisations(inputs, &report, &orgRoots);

    // Workflows.
    std::vector<std::unique_ptr<WorkflowReadResult>> reads;
    QList<QPair<QString, const WorkflowReadResult *>> pairs;
    QHash<QString, size_t> inputOfPath;
    QSet<QString> readIds;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Input &input = inputs[i];
        if (!input.readable) {
            report[i].append(
                Diagnostic {input.path, 1, 1, Diagnostic::Severity::Error,
                            QStringLiteral("cannot read the file: %1").arg(input.error)});
            continue;
        }
        if (isOrganisationFile(input.path) || checkedAsServerSettings(input, &report[i]))
            continue;
        // The organisation of the workflow's folder if given, else any given, else the one
        // found next to the workflow.
        const QString root = QFileInfo(input.path).absolutePath();
        if (!organisations.contains(root))
            organisations.insert(root,
                                 orgRoots.isEmpty() ? findOrganisation(root)
                                                    : organisations.value(orgRoots.first()));
        const std::shared_ptr<Organisation> org = organisations.value(root);
        if (!org)
            report[i].append(Diagnostic {input.path, 1, 1, Diagnostic::Severity::Error,
                                         QStringLiteral("no org.yaml given or found next to this "
                                                        "file; queues, calendars and roles "
                                                        "cannot be checked")});
        WorkflowReadOptions options;
        options.expectedId = QFileInfo(input.path).completeBaseName();
        reads.push_back(std::make_unique<WorkflowReadResult>(
            readWorkflow(input.text, input.path, org.get(), options)));
        report[i] += reads.back()->diagnostics;
        pairs.append({input.path, reads.back().get()});
        inputOfPath.insert(input.path, i);
        if (reads.back()->workflow)
            readIds.insert(reads.back()->workflow->id);
    }
    // Workflows that `open:` names but that were not given: read the file of that name next
    // to the one naming it, quietly, so that the link and its fields can be checked.
    readNamedSiblings(organisations, &reads, &pairs, &readIds);
    for (const Diagnostic &d : checkWorkflowLinks(pairs)) {
        const auto it = inputOfPath.constFind(d.file);
        if (it != inputOfPath.cend())
            report[*it].append(d);
    }

    printReport(&report, qsizetype(inputs.size()));
    // The read workflows and organisations (tens of thousands of allocations for a 2,000-state
    // workflow) are deliberately not torn down: main ends the process right after this command,
    // and freeing them one by one would only delay the exit.
    keepUntilExit(std::move(reads));
    keepUntilExit(std::move(organisations));
    return std::any_of(report.cbegin(), report.cend(),
                       [](const auto &entry) { return hasErrors(entry.second); })
        ? 1
        : 0;
}

} // namespace Baton::Cli

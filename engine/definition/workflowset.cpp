// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowset.h"

#include "orgreader.h"
#include "yamlcheck.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

namespace Baton {

namespace {

Diagnostic fileError(const QString &file, const QString &message)
{
    return Diagnostic {file, 1, 1, Diagnostic::Severity::Error, message};
}

// The first line of a bundle of organisation files; no YAML document starts so (a lone org.yaml
// that did would be read as a bundle and fail to parse, so it counts as changed).
constexpr char bundleHeader[] = "#baton-organisation-files 1\n";

} // namespace

QByteArray organisationSource(const QList<OrganisationFile> &files)
{
    if (files.size() == 1 && files.first().path == u"org.yaml")
        return files.first().text; // as stored before org/ folders were compared
    QByteArray source(bundleHeader);
    for (const OrganisationFile &file : files) {
        source += file.path.toUtf8() + ' ' + QByteArray::number(file.text.size()) + '\n';
        source += file.text + '\n';
    }
    return source;
}

QList<OrganisationFile> organisationFilesFromSource(const QByteArray &source)
{
    if (!source.startsWith(bundleHeader))
        return {OrganisationFile {QStringLiteral("org.yaml"), source}};
    QList<OrganisationFile> files;
    qsizetype at = qsizetype(sizeof(bundleHeader)) - 1;
    while (at < source.size()) {
        const qsizetype eol = source.indexOf('\n', at);
        const qsizetype space = eol < 0 ? -1 : source.lastIndexOf(' ', eol);
        bool ok = false;
        const qsizetype length
            = space > at ? source.mid(space + 1, eol - space - 1).toLongLong(&ok) : 0;
        if (!ok || length < 0 || eol + 1 + length + 1 > source.size())
            return {}; // damaged: no organisation rather than a wrong one
        files.append(OrganisationFile {QString::fromUtf8(source.mid(at, space - at)),
                                       source.mid(eol + 1, length)});
        at = eol + 1 + length + 1;
    }
    return files;
}

namespace {

Diagnostic unknownWorkflow(const QString &file, const WorkflowLinkReference &link,
                           const QStringList &ids)
{
    return Diagnostic {file, link.mark.line, link.mark.column, Diagnostic::Severity::Error,
                       QStringLiteral("'open' names workflow '%1', which does not exist%2")
                           .arg(link.workflow, didYouMean(link.workflow, ids))};
}

// The fields an `open:` fills must exist in the target workflow, and every field the target
// requires at opening without a default must be filled: otherwise the action that opens the
// ticket fails every time a user takes it, long after the file was published.
void checkLinkFields(const QString &file, const WorkflowLinkReference &link, const Workflow &target,
                     Diagnostics &diagnostics)
{
    QStringList targetFields;
    for (const FieldDef &field : target.fields)
        targetFields.append(field.name);
    QSet<QString> filled;
    for (const auto &[name, mark] : link.fields) {
        filled.insert(name);
        if (!target.field(name))
            diagnostics.append(
                Diagnostic {file, mark.line, mark.column, Diagnostic::Severity::Error,
                            QStringLiteral("workflow '%1' has no field '%2'%3")
                                .arg(link.workflow, name, didYouMean(name, targetFields))});
        else if (!target.openingFields.contains(name))
            diagnostics.append(
                Diagnostic {file, mark.line, mark.column, Diagnostic::Severity::Error,
                            QStringLiteral("workflow '%1' does not accept field '%2' at opening "
                                           "(a later step writes it); list it under 'fields' "
                                           "of its 'start'")
                                .arg(link.workflow, name)});
    }
    for (const FieldDef &field : target.fields)
        if (field.required && !field.defaultValue.isValid() && !filled.contains(field.name))
            diagnostics.append(Diagnostic {
                file, link.mark.line, link.mark.column, Diagnostic::Severity::Error,
                QStringLiteral("opening a '%1' ticket leaves its required field '%2' empty: "
                               "fill it under 'fields:', or give it a default in '%1'")
                    .arg(link.workflow, field.name)});
}

// The other direction, for a new version published alone: published workflows that open
// tickets of it must fill every field it requires without a default, or their action would
// start failing the moment it is published. Each gap is an error at the field's declaration.
void checkLinksInto(const QString &file, const WorkflowReadResult &changed,
                    const QList<std::shared_ptr<const Workflow>> &published,
                    Diagnostics &diagnostics)
{
    const Workflow &target = *changed.workflow;
    auto check = [&](const Workflow &source, const Transition &transition) {
        if (!transition.open || transition.open->workflow != target.id)
            return;
        QSet<QString> filled;
        for (const auto &[name, from] : transition.open->fields)
            filled.insert(name);
        for (const FieldDef &field : target.fields) {
            if (!field.required || field.defaultValue.isValid() || filled.contains(field.name))
                continue;
            const YamlMark mark = changed.fieldMarks.value(field.name, YamlMark {1, 1});
            diagnostics.append(Diagnostic {
                file, mark.line, mark.column, Diagnostic::Severity::Error,
                QStringLiteral("required field '%1' would be left empty by workflow '%2', whose "
                               "transition '%3' opens '%4' tickets without it: fill it there "
                               "first, or give it a default here")
                    .arg(field.name, source.id, transition.name, target.id)});
        }
    };
    for (const auto &source : published) {
        if (source->id == target.id)
            continue; // its own links are in the new text, checked as such
        for (const Transition &t : source->any)
            check(*source, t);
        for (const State &state : source->states) {
            for (const Transition &t : state.transitions)
                check(*source, t);
            for (const Branch &branch : state.branches)
                for (const Transition &t : branch.transitions)
                    check(*source, t);
        }
    }
}

} // namespace

Diagnostics checkWorkflowLinks(const QList<QPair<QString, const WorkflowReadResult *>> &reads)
{
    QHash<QString, const Workflow *> byId;
    QStringList ids;
    for (const auto &[file, read] : reads)
        if (read->workflow && !read->workflow->id.isEmpty() && !byId.contains(read->workflow->id)) {
            byId.insert(read->workflow->id, read->workflow.get());
            ids.append(read->workflow->id);
        }
    Diagnostics diagnostics;
    for (const auto &[file, read] : reads) {
        for (const WorkflowLinkReference &link : read->links) {
            const Workflow *target = byId.value(link.workflow);
            if (!target) {
                diagnostics.append(unknownWorkflow(file, link, ids));
                continue;
            }
            checkLinkFields(file, link, *target, diagnostics);
        }
    }
    return diagnostics;
}

namespace {

bool readFileInto(const QString &path, QByteArray &text, Diagnostics &diagnostics)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        diagnostics.append(
            fileError(path, QStringLiteral("cannot read the file: %1").arg(file.errorString())));
        return false;
    }
    text = file.readAll();
    return true;
}

// org.yaml and org/*.yaml, merged into one organisation.
void loadOrganisation(const QDir &dir, WorkflowSet &set)
{
    QList<OrganisationFile> orgFiles;
    const QString orgPath = dir.filePath(QStringLiteral("org.yaml"));
    const QDir orgDir(dir.filePath(QStringLiteral("org")));
    if (QFileInfo::exists(orgPath)) {
        QByteArray text;
        if (readFileInto(orgPath, text, set.diagnostics)) {
            orgFiles.append(OrganisationFile {orgPath, text});
            set.organisationFiles.append(OrganisationFile {QStringLiteral("org.yaml"), text});
        }
    }
    if (orgDir.exists()) {
        const QStringList names
            = orgDir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
        for (const QString &name : names) {
            QByteArray text;
            if (readFileInto(orgDir.filePath(name), text, set.diagnostics)) {
                orgFiles.append(OrganisationFile {orgDir.filePath(name), text});
                set.organisationFiles.append(
                    OrganisationFile {QStringLiteral("org/") + name, text});
            }
        }
    }
    if (orgFiles.isEmpty()) {
        set.diagnostics.append(fileError(orgPath,
                                         QStringLiteral("no org.yaml (nor org/ folder): "
                                                        "the organisation is missing")));
    } else {
        OrganisationReadResult org = readOrganisation(orgFiles);
        set.organisation = std::move(org.organisation);
        set.diagnostics += org.diagnostics;
    }
}

// channels.yaml, optional; an unset secret is an error here (the server would send without it).
void loadChannels(const QDir &dir, WorkflowSet &set)
{
    const QString path = dir.filePath(QStringLiteral("channels.yaml"));
    QByteArray text;
    if (!QFileInfo::exists(path) || !readFileInto(path, text, set.diagnostics))
        return;
    ChannelsReadResult channels = readChannels(text, path, processEnvironment);
    set.channels = std::move(channels.channels);
    set.diagnostics += channels.diagnostics;
}

// directory.yaml, optional; checked against the organisation, so read after it.
void loadDirectory(const QDir &dir, WorkflowSet &set)
{
    const QString path = dir.filePath(QStringLiteral("directory.yaml"));
    QByteArray text;
    if (!QFileInfo::exists(path) || !readFileInto(path, text, set.diagnostics))
        return;
    DirectoryReadResult directory
        = readDirectory(text, path, &set.organisation, processEnvironment);
    set.directory = std::move(directory.directory);
    set.diagnostics += directory.diagnostics;
}

// Every other *.yaml of the folder, each checked against the organisation and the links between
// them; a workflow joins the set only if its file has no error.
void loadWorkflows(const QDir &dir, WorkflowSet &set)
{
    QList<WorkflowReadResult> reads;
    QStringList paths;
    const QStringList names = dir.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
    for (const QString &name : names) {
        if (name == u"org.yaml" || name == u"channels.yaml" || name == u"directory.yaml")
            continue;
        const QString path = dir.filePath(name);
        QByteArray text;
        if (!readFileInto(path, text, set.diagnostics))
            continue;
        WorkflowReadOptions options;
        options.expectedId = QFileInfo(name).completeBaseName();
        reads.append(readWorkflow(text, path, &set.organisation, options));
        paths.append(path);
    }
    QList<QPair<QString, const WorkflowReadResult *>> pairs;
    for (int i = 0; i < reads.size(); ++i)
        pairs.append({paths[i], &reads[i]});
    const Diagnostics links = checkWorkflowLinks(pairs);
    for (int i = 0; i < reads.size(); ++i) {
        Diagnostics diagnostics = reads[i].diagnostics;
        for (const Diagnostic &d : links)
            if (d.file == paths[i])
                diagnostics.append(d);
        sortDiagnostics(diagnostics);
        set.diagnostics += diagnostics;
        if (reads[i].workflow && !hasErrors(diagnostics))
            set.workflows.append(reads[i].workflow);
    }
}

} // namespace

WorkflowSet loadWorkflowDirectory(const QString &directory)
{
    WorkflowSet set;
    const QDir dir(directory);
    if (!dir.exists()) {
        set.diagnostics.append(fileError(directory, QStringLiteral("no such folder")));
        return set;
    }
    loadOrganisation(dir, set);
    loadChannels(dir, set);
    loadDirectory(dir, set);
    loadWorkflows(dir, set);
    return set;
}

WorkflowReadResult checkWorkflowText(const QByteArray &yaml, const Organisation &organisation,
                                     const QString &file, const QStringList *knownWorkflows,
                                     const QString &expectedId,
                                     const QList<std::shared_ptr<const Workflow>> *definitions)
{
    WorkflowReadOptions options;
    options.expectedId = expectedId;
    WorkflowReadResult result = readWorkflow(yaml, file, &organisation, options);
    if (knownWorkflows) {
        for (const WorkflowLinkReference &link : std::as_const(result.links)) {
            const bool self = result.workflow && result.workflow->id == link.workflow;
            if (!knownWorkflows->contains(link.workflow) && !self) {
                result.diagnostics.append(unknownWorkflow(file, link, *knownWorkflows));
                continue;
            }
            const Workflow *target = self ? result.workflow.get() : nullptr;
            for (qsizetype i = 0; !target && definitions && i < definitions->size(); ++i)
                if ((*definitions)[i]->id == link.workflow)
                    target = (*definitions)[i].get();
            if (target)
                checkLinkFields(file, link, *target, result.diagnostics);
        }
        if (definitions && result.workflow)
            checkLinksInto(file, result, *definitions, result.diagnostics);
        sortDiagnostics(result.diagnostics);
    }
    return result;
}

} // namespace Baton

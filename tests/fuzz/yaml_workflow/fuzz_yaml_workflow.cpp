// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the YAML tree reader, the workflow checker and the organisation reader:
// any bytes must give diagnostics that point inside the file, in order, never a crash or hang.
// The same input is read as a workflow (against workflows/org.yaml, and without organisation)
// and as an organisation; an organisation that reads cleanly then checks the shipped workflows.
#include "common/fuzzcheck.h"
#include "definition/orgreader.h"
#include "definition/workflowreader.h"
#include "definition/workflowset.h"
#include "definition/yamltree.h"

#include <QDir>
#include <QFile>
#include <QList>
#include <QRegularExpression>
#include <QStringList>

#include <unordered_set>

using namespace Baton;

namespace {

QByteArray readSourceFile(const QString &relative)
{
    QFile file(QStringLiteral(BATON_SOURCE_DIR "/") + relative);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(file.fileName()));
        std::abort();
    }
    return file.readAll();
}

struct Shipped
{
    Organisation organisation;
    QStringList workflowIds;
    QList<QByteArray> workflowTexts;
};

const Shipped &shipped()
{
    static const Shipped s = [] {
        Shipped out;
        const OrganisationReadResult org = readOrganisation(
            readSourceFile(QStringLiteral("workflows/org.yaml")), QStringLiteral("org.yaml"));
        if (!org.ok()) {
            std::fprintf(stderr, "workflows/org.yaml does not read cleanly\n");
            std::abort();
        }
        out.organisation = org.organisation;
        const QDir dir(QStringLiteral(BATON_SOURCE_DIR "/workflows"));
        for (const QString &name : dir.entryList({QStringLiteral("*.yaml")}, QDir::Files)) {
            if (name == QLatin1String("org.yaml"))
                continue;
            out.workflowIds.append(name.chopped(5));
            out.workflowTexts.append(readSourceFile(QStringLiteral("workflows/") + name));
        }
        return out;
    }();
    return s;
}

/// The text as the reader sees it: without a UTF-8 byte order mark, split at '\n'.
struct Lines
{
    explicit Lines(const QByteArray &text)
    {
        const QByteArray source = text.startsWith("\xEF\xBB\xBF") ? text.mid(3) : text;
        hasPercent = source.contains('%');
        for (const QByteArray &line : source.split('\n')) {
            int characters = 0;
            for (const char c : line)
                characters += (uchar(c) & 0xC0) != 0x80;
            codePoints.push_back(characters);
        }
    }
    int count() const { return int(codePoints.size()); }
    bool hasPercent = false;
    /// Per line: bytes that do not continue a UTF-8 sequence, i.e. code points when it is valid
    /// UTF-8 (for invalid UTF-8 the reader stops at the first bad byte, counting the same way).
    std::vector<int> codePoints;
};

void checkMark(const Lines &lines, int line, int column, const QString &what)
{
    FUZZ_CHECK(line >= 1 && column >= 1,
               QStringLiteral("%1 at %2:%3 is before the file").arg(what).arg(line).arg(column));
    FUZZ_CHECK(line <= lines.count() + 1,
               QStringLiteral("%1 at line %2 of %3").arg(what).arg(line).arg(lines.count()));
    // A column may point just after the last character of its line (a missing value there),
    // not further.
    if (line <= lines.count())
        FUZZ_CHECK(column <= lines.codePoints[size_t(line - 1)] + 1,
                   QStringLiteral("%1 at %2:%3, but that line has %4 characters")
                       .arg(what)
                       .arg(line)
                       .arg(column)
                       .arg(lines.codePoints[size_t(line - 1)]));
}

void checkDiagnostics(const Lines &lines, const Diagnostics &diagnostics, const QString &file,
                      bool sorted)
{
    for (qsizetype i = 0; i < diagnostics.size(); ++i) {
        const Diagnostic &d = diagnostics[i];
        FUZZ_CHECK(d.file == file, d.toString());
        FUZZ_CHECK(!d.message.isEmpty(), d.toString());
        checkMark(lines, d.line, d.column, d.toString());
        // A "%1" the input did not contain is a placeholder QString::arg() left unfilled.
        static const QRegularExpression placeholder(QStringLiteral("%[0-9]"));
        if (!lines.hasPercent)
            FUZZ_CHECK(!d.message.contains(placeholder), d.toString());
        if (sorted && i > 0) {
            const Diagnostic &p = diagnostics[i - 1];
            FUZZ_CHECK(
                p.line < d.line || (p.line == d.line && p.column <= d.column),
                QStringLiteral("out of order: %1 before %2").arg(p.toString(), d.toString()));
        }
    }
}

void checkTree(const Lines &lines, const YamlDocument &document)
{
    if (!document.root())
        return;
    // Shared alias subtrees are visited once: the expansion limit bounds the tree, not the walk.
    std::unordered_set<const YamlNode *> seen;
    std::vector<const YamlNode *> todo {document.root().get()};
    while (!todo.empty()) {
        const YamlNode *node = todo.back();
        todo.pop_back();
        if (!seen.insert(node).second)
            continue;
        checkMark(lines, node->mark.line, node->mark.column, QStringLiteral("node"));
        if (node->isScalar()) {
            const int size = int(node->text.size());
            for (const int offset : {1, size / 2, size - 1, size}) {
                const YamlMark mark = document.markInScalar(*node, offset);
                checkMark(lines, mark.line, mark.column,
                          QStringLiteral("offset %1 of scalar '%2'").arg(offset).arg(node->text));
            }
        }
        for (const YamlNode::Ptr &item : node->items)
            todo.push_back(item.get());
        for (const YamlNode::Entry &entry : node->entries) {
            todo.push_back(entry.first.get());
            todo.push_back(entry.second.get());
        }
    }
}

/// Names in a workflow that reads cleanly follow the language's rules to the last character
/// (they end up in URLs, diagrams and SQL parameters): a workflow id is lower case, state,
/// transition and field names are letters, digits, '_' and '-'.
void checkNames(const Workflow &workflow)
{
    static const QRegularExpression id(QStringLiteral("\\A[a-z0-9][a-z0-9_-]*\\z"));
    static const QRegularExpression name(QStringLiteral("\\A[A-Za-z0-9_][A-Za-z0-9_-]*\\z"));
    auto check = [](const QRegularExpression &rule, const QString &text, const char *what) {
        FUZZ_CHECK(rule.match(text).hasMatch(),
                   QStringLiteral("%1 '%2' accepted").arg(QLatin1String(what), text));
    };
    check(id, workflow.id, "workflow id");
    for (const FieldDef &field : workflow.fields)
        check(name, field.name, "field name");
    for (const State &state : workflow.states) {
        check(name, state.name, "state name");
        for (const Transition &transition : state.transitions)
            check(name, transition.name, "transition name");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const Lines lines(text);
    const Shipped &org = shipped();

    const YamlDocument document = YamlDocument::parse(text, QStringLiteral("tree.yaml"));
    checkDiagnostics(lines, document.diagnostics(), QStringLiteral("tree.yaml"), false);
    checkTree(lines, document);

    const WorkflowReadResult checked = checkWorkflowText(
        text, org.organisation, QStringLiteral("workflow.yaml"), &org.workflowIds);
    checkDiagnostics(lines, checked.diagnostics, QStringLiteral("workflow.yaml"), true);
    // Bad input gets a clear error: whatever is not a usable workflow says why.
    FUZZ_CHECK(checked.ok() || hasErrors(checked.diagnostics),
               QStringLiteral("rejected without an error"));
    if (checked.ok())
        checkNames(*checked.workflow);

    WorkflowReadOptions options;
    options.expectedId = QStringLiteral("fuzz");
    const WorkflowReadResult alone
        = readWorkflow(text, QStringLiteral("alone.yaml"), nullptr, options);
    checkDiagnostics(lines, alone.diagnostics, QStringLiteral("alone.yaml"), true);
    FUZZ_CHECK(alone.ok() || hasErrors(alone.diagnostics),
               QStringLiteral("rejected without an error"));
    // Without an organisation fewer names are checked, so an id of "fuzz" is all it may add.
    if (checked.ok() && checked.workflow->id == QLatin1String("fuzz"))
        FUZZ_CHECK(alone.ok(),
                   QStringLiteral("clean against org.yaml, not without it: %1")
                       .arg(alone.diagnostics.value(0).toString()));

    const OrganisationReadResult organisation = readOrganisation(text, QStringLiteral("org.yaml"));
    checkDiagnostics(lines, organisation.diagnostics, QStringLiteral("org.yaml"), true);
    if (organisation.ok()) {
        for (qsizetype i = 0; i < org.workflowTexts.size(); ++i) {
            const WorkflowReadResult result
                = checkWorkflowText(org.workflowTexts[i], organisation.organisation,
                                    QStringLiteral("w.yaml"), &org.workflowIds);
            for (const Diagnostic &d : result.diagnostics)
                FUZZ_CHECK(d.line >= 1 && d.column >= 1 && !d.message.isEmpty(), d.toString());
        }
    }
    return 0;
}

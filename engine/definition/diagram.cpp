// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/diagram.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace Baton {
namespace {

const QString doneTarget = QStringLiteral("@done");
const QString failTarget = QStringLiteral("@fail");

// Pastel fills for departments, assigned in order of department name so that adding a state
// does not recolour the others.
struct Colour
{
    const char16_t *fill;
    const char16_t *stroke;
};
constexpr Colour palette[] = {
    {u"#dbeafe", u"#2563eb"}, {u"#dcfce7", u"#16a34a"}, {u"#fef3c7", u"#d97706"},
    {u"#fce7f3", u"#db2777"}, {u"#ede9fe", u"#7c3aed"}, {u"#cffafe", u"#0891b2"},
    {u"#e0e7ff", u"#4f46e5"}, {u"#ecfccb", u"#65a30d"}, {u"#f5f5f4", u"#57534e"},
};
constexpr Colour originatorColour {u"#fff7ed", u"#ea580c"};
constexpr Colour failColour {u"#fee2e2", u"#dc2626"};

/// Identifiers both renderings use: [A-Za-z0-9_] only, unique within one diagram.
class IdAllocator
{
public:
    QString allocate(const QString &wanted);

private:
    QSet<QString> m_used;
};

QString IdAllocator::allocate(const QString &wanted)
{
    QString id;
    id.reserve(wanted.size() + 2);
    for (const QChar c : wanted) {
        const bool plain = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z')
            || (c >= u'0' && c <= u'9') || c == u'_';
        id += plain ? c : QChar(u'_');
    }
    // Mermaid's state lexer is case-insensitive and takes the first rule that matches, not the
    // longest, so an id that starts with a keyword ("default", "state", "class", ...) is read
    // as that keyword, and a line containing "direction LR" anywhere changes the layout.
    id.replace(QStringLiteral("direction"), QStringLiteral("dirn"), Qt::CaseInsensitive);
    static const QStringList keywords {
        QStringLiteral("default"), QStringLiteral("state"), QStringLiteral("note"),
        QStringLiteral("class"),   QStringLiteral("scale"), QStringLiteral("hide"),
        QStringLiteral("acc"),     QStringLiteral("root"),  QStringLiteral("style"),
        QStringLiteral("end"),     QStringLiteral("click"), QStringLiteral("dirn"),
    };
    const QString lower = id.toLower();
    if (id.isEmpty() || std::any_of(keywords.cbegin(), keywords.cend(), [&lower](const QString &k) {
            return lower.startsWith(k);
        }))
        id.prepend(QStringLiteral("s_"));
    // Mermaid names the start and end points of a composite state PARENT_start / PARENT_end.
    if (lower.endsWith(u"_start") || lower.endsWith(u"_end"))
        id += u'_';
    QString unique = id;
    for (int n = 2; m_used.contains(unique); ++n)
        unique = id + u'_' + QString::number(n);
    m_used.insert(unique);
    return unique;
}

QString branchKey(const QString &state, const QString &branch)
{
    return state + u'\n' + branch;
}

/// One box of the diagram: a plain state or a parallel branch.
struct Step
{
    QString id;
    QStringList lines; ///< the title first, then the queue or "↩ originator", then notes
    QString department;
    bool originator = false;
};

/// Everything both renderings share: ids, labels, colours. Built in workflow order.
struct Plan
{
    QString startId;
    QString anyId;
    QHash<QString, QString> stateIds;
    QHash<QString, Step> steps; ///< by state name, or branchKey() for branches
    QHash<QString, QString> branchFailIds; ///< Mermaid: a "@fail" end per branch, by branchKey()
    QHash<QString, QString> joinIds; ///< DOT: join bar per parallel state
    QHash<QString, QString> failIds; ///< DOT: one "@fail" node per parallel state
    QStringList departments; ///< departments in use, sorted
};

// Diagrams are in English, like their notes ("SLA clock paused"): one picture per version.
QString english(const LocalText &text)
{
    return text.text(Language::En);
}

QString labelOf(const Transition &t)
{
    return t.title.isEmpty() ? t.name : english(t.title);
}

bool branchCanFail(const Branch &branch)
{
    return std::any_of(branch.transitions.cbegin(), branch.transitions.cend(),
                       [](const Transition &t) { return t.to == failTarget; });
}

Step makeStep(const QString &id, const QString &name, const QString &title, const QString &queue,
              const QString &assignee, bool pause, const Organisation *organisation)
{
    Step step;
    step.id = id;
    step.lines << (title.isEmpty() ? name : title);
    if (!queue.isEmpty()) {
        QString line = queue;
        if (organisation) {
            step.department = organisation->queues.value(queue).department;
            const QString departmentTitle
                = english(organisation->departments.value(step.department).title);
            if (!departmentTitle.isEmpty())
                line += u" · " + departmentTitle;
        }
        step.lines << line;
    } else if (assignee == u"originator") {
        step.originator = true;
        step.lines << QStringLiteral("↩ originator");
    }
    if (pause)
        step.lines << QStringLiteral("SLA clock paused");
    return step;
}

Plan makePlan(const Workflow &workflow, const Organisation *organisation)
{
    Plan plan;
    IdAllocator ids;
    // States first, so that their ids stay as written whenever they can.
    for (const State &state : workflow.states)
        plan.stateIds.insert(state.name, ids.allocate(state.name));
    for (const State &state : workflow.states) {
        const QString id = plan.stateIds.value(state.name);
        plan.steps.insert(state.name,
                          makeStep(id, state.name, english(state.title), state.queue,
                                   state.assignee, state.sla.pause, organisation));
        if (!state.isParallel())
            continue;
        for (const Branch &branch : state.branches) {
            const QString key = branchKey(state.name, branch.name);
            const QString branchId = ids.allocate(id + u'_' + branch.name);
            plan.steps.insert(key,
                              makeStep(branchId, branch.name, english(branch.title), branch.queue,
                                       branch.assignee, branch.sla.pause, organisation));
            if (branchCanFail(branch))
                plan.branchFailIds.insert(key, ids.allocate(branchId + QStringLiteral("_fail")));
        }
        plan.joinIds.insert(state.name, ids.allocate(id + QStringLiteral("_join")));
        plan.failIds.insert(state.name, ids.allocate(id + QStringLiteral("_fail")));
    }
    plan.startId = ids.allocate(QStringLiteral("start"));
    plan.anyId = ids.allocate(QStringLiteral("any"));

    QSet<QString> departments;
    for (const Step &step : std::as_const(plan.steps))
        if (!step.department.isEmpty())
            departments.insert(step.department);
    plan.departments = departments.values();
    plan.departments.sort();
    return plan;
}

Colour colourOf(const Plan &plan, const QString &department)
{
    const qsizetype index = plan.departments.indexOf(department);
    return palette[index % qsizetype(std::size(palette))];
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/// Text for a Mermaid label or state description. Characters the state grammar reserves
/// (`:` and `;` end a label, `"` a description, `#` and `%` start comments) and HTML's `<>&`
/// become Mermaid entity codes (`#58;`), which mermaid decodes when it renders.
QString mermaidText(const QString &text)
{
    QString out;
    const QString simplified = text.simplified();
    out.reserve(simplified.size() + 8);
    for (const QChar c : simplified) {
        switch (c.unicode()) {
        case u'#':
            out += u"#35;";
            break;
        case u';':
            out += u"#59;";
            break;
        case u':':
            out += u"#58;";
            break;
        case u'"':
            out += u"#quot;";
            break;
        case u'<':
            out += u"#lt;";
            break;
        case u'>':
            out += u"#gt;";
            break;
        case u'&':
            out += u"#amp;";
            break;
        case u'%':
            out += u"#37;";
            break;
        default:
            out += c;
        }
    }
    // "direction TB" anywhere on a line is read as a layout statement: spell the i as an entity.
    static const QRegularExpression direction(QStringLiteral("(direct)i(on\\s+(?:tb|bt|rl|lr))"),
                                              QRegularExpression::CaseInsensitiveOption);
    out.replace(direction, QStringLiteral("\\1#105;\\2"));
    return out;
}

class MermaidWriter
{
public:
    MermaidWriter(const Workflow &workflow, const Organisation *organisation)
        : m_workflow(workflow)
        , m_plan(makePlan(workflow, organisation))
    {
    }
    QString write();

private:
    void line(int indent, const QString &text)
    {
        m_out += QString(indent * 4, u' ') + text + u'\n';
    }
    void declareStep(int indent, const Step &step);
    void edge(int indent, const QString &from, const QString &to, const QString &label);
    QString targetId(const QString &state) const { return m_plan.stateIds.value(state); }
    void writeParallel(const State &state);
    void writeStates();
    void writeEdges();
    void writeStyles();
    // Mermaid classes and the ids in each, in the order first used (the workflow's).
    struct StyleClasses
    {
        QMap<QString, QStringList> members;
        QStringList order;
        void add(const QString &cls, const QString &id)
        {
            if (!members.contains(cls))
                order << cls;
            members[cls] << id;
        }
    };
    void writeClassDefinitions(const StyleClasses &classes,
                               const QHash<QString, QString> &departmentClass);

    const Workflow &m_workflow;
    Plan m_plan;
    QString m_out;
};

void MermaidWriter::declareStep(int indent, const Step &step)
{
    line(indent, u"state \"" + mermaidText(step.lines.first()) + u"\" as " + step.id);
    // A second description turns the box into a title with the details below a divider.
    for (qsizetype i = 1; i < step.lines.size(); ++i)
        line(indent, step.id + u" : " + mermaidText(step.lines.at(i)));
}

void MermaidWriter::edge(int indent, const QString &from, const QString &to, const QString &label)
{
    const QString text = mermaidText(label);
    line(indent, from + u" --> " + to + (text.isEmpty() ? QString() : u" : " + text));
}

void MermaidWriter::writeParallel(const State &state)
{
    const Step &step = m_plan.steps[state.name];
    line(1, u"state \"" + mermaidText(step.lines.first()) + u"\" as " + step.id + u" {");
    bool first = true;
    for (const Branch &branch : state.branches) {
        if (!first)
            line(2, QStringLiteral("--"));
        first = false;
        const QString key = branchKey(state.name, branch.name);
        const Step &branchStep = m_plan.steps[key];
        declareStep(2, branchStep);
        const QString failId = m_plan.branchFailIds.value(key);
        if (!failId.isEmpty())
            line(2, u"state \"@fail\" as " + failId);
        line(2, u"[*] --> " + branchStep.id);
        for (const Transition &t : branch.transitions) {
            if (t.to == doneTarget)
                edge(2, branchStep.id, QStringLiteral("[*]"), labelOf(t));
            else if (t.to == failTarget)
                edge(2, branchStep.id, failId, labelOf(t));
            else
                line(2, u"%% " + mermaidText(t.name) + u": a branch ends only in @done or @fail");
        }
    }
    line(1, QStringLiteral("}"));
}

QString MermaidWriter::write()
{
    line(0, QStringLiteral("stateDiagram-v2"));
    const QString title = m_workflow.title.isEmpty() ? m_workflow.id : english(m_workflow.title);
    line(1, u"accTitle: " + mermaidText(title));
    line(1, u"%% workflow " + mermaidText(m_workflow.id));
    writeStates();
    writeEdges();
    writeStyles();
    return m_out;
}

void MermaidWriter::writeStates()
{
    for (const State &state : m_workflow.states) {
        if (state.isParallel())
            writeParallel(state);
        else
            declareStep(1, m_plan.steps[state.name]);
    }
    if (!m_workflow.any.isEmpty())
        line(1, u"state \"any non-final state\" as " + m_plan.anyId);
}

void MermaidWriter::writeEdges()
{
    if (m_plan.stateIds.contains(m_workflow.initial))
        line(1, u"[*] --> " + targetId(m_workflow.initial));
    for (const State &state : m_workflow.states) {
        const QString id = targetId(state.name);
        for (const Transition &t : state.transitions)
            if (m_plan.stateIds.contains(t.to))
                edge(1, id, targetId(t.to), labelOf(t));
        if (state.isParallel()) {
            if (m_plan.stateIds.contains(state.thenState))
                edge(1, id, targetId(state.thenState), QStringLiteral("then (all done)"));
            if (m_plan.stateIds.contains(state.elseState))
                edge(1, id, targetId(state.elseState), QStringLiteral("else (a branch failed)"));
        }
        if (state.final)
            line(1, id + QStringLiteral(" --> [*]"));
    }
    for (const Transition &t : m_workflow.any)
        if (m_plan.stateIds.contains(t.to))
            edge(1, m_plan.anyId, targetId(t.to), labelOf(t));
}

void MermaidWriter::writeStyles()
{
    // Departments (with an organisation), the originator, failures, the any-node.
    StyleClasses classes;
    QHash<QString, QString> departmentClass;
    IdAllocator classIds;
    for (const QString &department : m_plan.departments)
        departmentClass.insert(department, classIds.allocate(u"dept_" + department));
    auto styleStep = [&](const Step &step) {
        if (step.originator)
            classes.add(QStringLiteral("originator"), step.id);
        else if (!step.department.isEmpty())
            classes.add(departmentClass.value(step.department), step.id);
    };
    for (const State &state : m_workflow.states) {
        if (!state.isParallel()) {
            styleStep(m_plan.steps[state.name]);
            continue;
        }
        for (const Branch &branch : state.branches) {
            const QString key = branchKey(state.name, branch.name);
            styleStep(m_plan.steps[key]);
            if (m_plan.branchFailIds.contains(key))
                classes.add(QStringLiteral("failEnd"), m_plan.branchFailIds.value(key));
        }
    }
    if (!m_workflow.any.isEmpty())
        classes.add(QStringLiteral("anyState"), m_plan.anyId);
    writeClassDefinitions(classes, departmentClass);
}

void MermaidWriter::writeClassDefinitions(const StyleClasses &classes,
                                          const QHash<QString, QString> &departmentClass)
{
    for (const QString &department : m_plan.departments) {
        const QString cls = departmentClass.value(department);
        if (!classes.members.contains(cls))
            continue;
        const Colour c = colourOf(m_plan, department);
        line(1,
             u"classDef " + cls + u" fill:" + QStringView(c.fill) + u",stroke:"
                 + QStringView(c.stroke));
    }
    if (classes.members.contains(QStringLiteral("originator")))
        line(1,
             u"classDef originator fill:" + QStringView(originatorColour.fill) + u",stroke:"
                 + QStringView(originatorColour.stroke));
    if (classes.members.contains(QStringLiteral("failEnd")))
        line(1,
             u"classDef failEnd fill:" + QStringView(failColour.fill) + u",stroke:"
                 + QStringView(failColour.stroke) + u",color:#991b1b");
    if (classes.members.contains(QStringLiteral("anyState")))
        line(1,
             QStringLiteral("classDef anyState fill:#ffffff,stroke:#6b7280,"
                            "stroke-dasharray:4 3,font-style:italic"));
    for (const QString &cls : std::as_const(classes.order))
        line(1, u"class " + classes.members.value(cls).join(u',') + u' ' + cls);
}

// ---------------------------------------------------------------------------------------------
// DOT

QString dotQuote(const QString &text)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    return out + u'"';
}

/// A quoted DOT label of several centred lines.
QString dotLabel(const QStringList &lines)
{
    QStringList quoted;
    for (const QString &l : lines) {
        QString escaped = dotQuote(l.simplified());
        quoted << escaped.mid(1, escaped.size() - 2);
    }
    return u'"' + quoted.join(QStringLiteral("\\n")) + u'"';
}

class DotWriter
{
public:
    DotWriter(const Workflow &workflow, const Organisation *organisation)
        : m_workflow(workflow)
        , m_plan(makePlan(workflow, organisation))
    {
    }
    QString write();

private:
    void line(int indent, const QString &text)
    {
        m_out += QString(indent * 4, u' ') + text + u'\n';
    }
    QString stepNode(const Step &step) const;
    void edge(const QString &from, const QString &to, QStringList attributes);
    /// Edges into a parallel state end at its cluster's border, edges out of it start there.
    void stateEdge(const QString &from, const QString &fromParallel, const QString &to,
                   QStringList attributes);
    void writeNodes();
    void writeParallelCluster(const State &state, const Step &step);
    void writeEdges();
    void writeParallelEdges(const State &state);

    const Workflow &m_workflow;
    Plan m_plan;
    QString m_out;
};

QString DotWriter::stepNode(const Step &step) const
{
    QStringList attributes {u"label=" + dotLabel(step.lines)};
    if (step.originator) {
        attributes << u"fillcolor=\"" + QStringView(originatorColour.fill) + u'"'
                   << u"color=\"" + QStringView(originatorColour.stroke) + u'"';
    } else if (!step.department.isEmpty()) {
        const Colour c = colourOf(m_plan, step.department);
        attributes << u"fillcolor=\"" + QStringView(c.fill) + u'"'
                   << u"color=\"" + QStringView(c.stroke) + u'"';
    }
    return dotQuote(step.id) + u" [" + attributes.join(QStringLiteral(", ")) + u"];";
}

void DotWriter::edge(const QString &from, const QString &to, QStringList attributes)
{
    line(1,
         dotQuote(from) + u" -> " + dotQuote(to)
             + (attributes.isEmpty() ? QString()
                                     : u" [" + attributes.join(QStringLiteral(", ")) + u']')
             + u';');
}

void DotWriter::stateEdge(const QString &from, const QString &fromParallel, const QString &to,
                          QStringList attributes)
{
    const State *target = m_workflow.state(to);
    if (!target)
        return;
    if (!fromParallel.isEmpty() && fromParallel != to)
        attributes << u"ltail=" + dotQuote(u"cluster_" + m_plan.stateIds.value(fromParallel));
    if (target->isParallel() && fromParallel != to)
        attributes << u"lhead=" + dotQuote(u"cluster_" + m_plan.stateIds.value(to));
    edge(from, m_plan.stateIds.value(to), attributes);
}

QString DotWriter::write()
{
    const QString title = m_workflow.title.isEmpty() ? m_workflow.id : english(m_workflow.title);
    line(0, u"digraph " + dotQuote(m_workflow.id) + u" {");
    line(1,
         u"graph [label=" + dotQuote(title.simplified())
             + u", labelloc=t, fontname=\"Helvetica\", fontsize=14, compound=true, "
               u"nodesep=0.4, ranksep=0.5];");
    line(1,
         QStringLiteral("node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", "
                        "fontname=\"Helvetica\", fontsize=11];"));
    line(1, QStringLiteral("edge [fontname=\"Helvetica\", fontsize=10];"));
    writeNodes();
    writeEdges();
    line(0, QStringLiteral("}"));
    return m_out;
}

void DotWriter::writeNodes()
{
    line(1,
         dotQuote(m_plan.startId)
             + u" [shape=point, width=0.2, style=filled, fillcolor=\"#000000\", label=\"\"];");
    for (const State &state : m_workflow.states) {
        const Step &step = m_plan.steps[state.name];
        if (state.isParallel()) {
            writeParallelCluster(state, step);
            continue;
        }
        QString node = stepNode(step);
        if (state.final)
            node.insert(node.size() - 2, QStringLiteral(", peripheries=2"));
        line(1, node);
    }
    if (!m_workflow.any.isEmpty())
        line(1,
             dotQuote(m_plan.anyId)
                 + u" [shape=note, style=\"dashed,filled\", fillcolor=\"#ffffff\", "
                   u"color=\"#6b7280\", label=\"any non-final state\"];");
}

void DotWriter::writeParallelCluster(const State &state, const Step &step)
{
    const QString bar = QStringLiteral("shape=box, style=filled, fillcolor=\"#333333\", "
                                       "label=\"\", width=1.2, height=0.06, fixedsize=true");
    line(1, u"subgraph " + dotQuote(u"cluster_" + step.id) + u" {");
    line(2, u"label=" + dotLabel({step.lines.first()}) + u";");
    line(2, QStringLiteral("style=\"rounded,dashed\";"));
    line(2, QStringLiteral("color=\"#555555\";"));
    line(2, dotQuote(step.id) + u" [" + bar + u"];");
    for (const Branch &branch : state.branches) {
        const Step &branchStep = m_plan.steps[branchKey(state.name, branch.name)];
        line(2, u"subgraph " + dotQuote(u"cluster_" + branchStep.id) + u" {");
        // The box shows the branch title; the cluster names the branch when they differ.
        const bool named = !branch.title.isEmpty() && english(branch.title) != branch.name;
        line(3, u"label=" + (named ? dotLabel({branch.name}) : QStringLiteral("\"\"")) + u";");
        line(3, QStringLiteral("style=rounded;"));
        line(3, QStringLiteral("color=\"#999999\";"));
        line(3, stepNode(branchStep));
        line(2, QStringLiteral("}"));
    }
    line(2, dotQuote(m_plan.joinIds.value(state.name)) + u" [" + bar + u"];");
    const bool canFail = !state.elseState.isEmpty()
        || std::any_of(state.branches.cbegin(), state.branches.cend(), branchCanFail);
    if (canFail)
        line(2,
             dotQuote(m_plan.failIds.value(state.name))
                 + u" [shape=octagon, label=\"@fail\", fillcolor=\"" + QStringView(failColour.fill)
                 + u"\", color=\"" + QStringView(failColour.stroke) + u"\"];");
    line(1, QStringLiteral("}"));
}

void DotWriter::writeEdges()
{
    stateEdge(m_plan.startId, QString(), m_workflow.initial, {});
    for (const State &state : m_workflow.states) {
        if (state.isParallel()) {
            writeParallelEdges(state);
            continue;
        }
        const QString id = m_plan.stateIds.value(state.name);
        for (const Transition &t : state.transitions)
            stateEdge(id, QString(), t.to, {u"label=" + dotLabel({labelOf(t)})});
    }
    for (const Transition &t : m_workflow.any)
        stateEdge(m_plan.anyId, QString(), t.to,
                  {u"label=" + dotLabel({labelOf(t)}), QStringLiteral("style=dashed"),
                   QStringLiteral("color=\"#6b7280\"")});
}

void DotWriter::writeParallelEdges(const State &state)
{
    const QString id = m_plan.stateIds.value(state.name);
    const QString join = m_plan.joinIds.value(state.name);
    const QString fail = m_plan.failIds.value(state.name);
    for (const Branch &branch : state.branches) {
        const QString branchId = m_plan.steps[branchKey(state.name, branch.name)].id;
        edge(id, branchId, {});
        for (const Transition &t : branch.transitions) {
            const QStringList label {u"label=" + dotLabel({labelOf(t)})};
            if (t.to == doneTarget)
                edge(branchId, join, label);
            else if (t.to == failTarget)
                edge(branchId, fail, label);
        }
    }
    for (const Transition &t : state.transitions)
        stateEdge(join, state.name, t.to, {u"label=" + dotLabel({labelOf(t)})});
    stateEdge(join, state.name, state.thenState, {QStringLiteral("label=\"then (all done)\"")});
    stateEdge(fail, state.name, state.elseState,
              {QStringLiteral("label=\"else (a branch failed)\"")});
}

} // namespace

QString toMermaid(const Workflow &workflow, const Organisation *organisation)
{
    return MermaidWriter(workflow, organisation).write();
}

QString toDot(const Workflow &workflow, const Organisation *organisation)
{
    return DotWriter(workflow, organisation).write();
}

} // namespace Baton

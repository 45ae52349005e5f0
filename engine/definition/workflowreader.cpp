// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflowreader.h"

#include "calendar/calendarparse.h"
#include "core/quoting.h"
#include "definition/condition.h"
#include "definition/conditionscope.h"
#include "yamlcheck.h"

#include <QDateTime>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace Baton {

namespace {

const QString doneTarget = QStringLiteral("@done");
const QString failTarget = QStringLiteral("@fail");

const QStringList topKeys {
    QStringLiteral("workflow"),   QStringLiteral("title"),   QStringLiteral("description"),
    QStringLiteral("start"),      QStringLiteral("fields"),  QStringLiteral("sla"),
    QStringLiteral("initial"),    QStringLiteral("states"),  QStringLiteral("any"),
    QStringLiteral("escalation"), QStringLiteral("handoffs")};
const QStringList stateKeys {
    QStringLiteral("title"),       QStringLiteral("queue"),    QStringLiteral("assignee"),
    QStringLiteral("final"),       QStringLiteral("parallel"), QStringLiteral("then"),
    QStringLiteral("else"),        QStringLiteral("sla"),      QStringLiteral("on"),
    QStringLiteral("transfer_to"), QStringLiteral("timeout")};
const QStringList branchKeys {QStringLiteral("title"),    QStringLiteral("queue"),
                              QStringLiteral("assignee"), QStringLiteral("sla"),
                              QStringLiteral("on"),       QStringLiteral("transfer_to")};
const QStringList transitionKeys {
    QStringLiteral("to"),       QStringLiteral("roles"),  QStringLiteral("when"),
    QStringLiteral("requires"), QStringLiteral("fields"), QStringLiteral("set"),
    QStringLiteral("notify"),   QStringLiteral("title"),  QStringLiteral("open"),
    QStringLiteral("priority"), QStringLiteral("confirm")};
const QStringList timeoutKeys {QStringLiteral("after"), QStringLiteral("calendar"),
                               QStringLiteral("notify"), QStringLiteral("take")};
const QString clockTimeCalendar = QStringLiteral("always");
const QString departmentPrefix = QStringLiteral("department:");
const QStringList fieldKeys {QStringLiteral("type"),     QStringLiteral("label"),
                             QStringLiteral("required"), QStringLiteral("pattern"),
                             QStringLiteral("default"),  QStringLiteral("options"),
                             QStringLiteral("csat")};
const QStringList slaKeys {QStringLiteral("respond"), QStringLiteral("resolve"),
                           QStringLiteral("calendar")};
const QStringList tierKeys {QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C"),
                            QStringLiteral("default")};
const QStringList escalationKeys {QStringLiteral("at"), QStringLiteral("notify"),
                                  QStringLiteral("priority"), QStringLiteral("move_to")};
const QStringList contactKeywords {QStringLiteral("assignee"), QStringLiteral("originator"),
                                   QStringLiteral("queue.primary"), QStringLiteral("queue.backup"),
                                   QStringLiteral("queue.manager")};
const QStringList openSources {QStringLiteral("customer.id"),    QStringLiteral("customer.name"),
                               QStringLiteral("customer.tier"),  QStringLiteral("customer.phone"),
                               QStringLiteral("customer.email"), QStringLiteral("ticket.key"),
                               QStringLiteral("ticket.title")};

const QHash<QString, FieldType> &fieldTypes()
{
    static const QHash<QString, FieldType> types {{QStringLiteral("string"), FieldType::String},
                                                  {QStringLiteral("text"), FieldType::Text},
                                                  {QStringLiteral("int"), FieldType::Int},
                                                  {QStringLiteral("decimal"), FieldType::Decimal},
                                                  {QStringLiteral("bool"), FieldType::Bool},
                                                  {QStringLiteral("date"), FieldType::Date},
                                                  {QStringLiteral("datetime"), FieldType::DateTime},
                                                  {QStringLiteral("choice"), FieldType::Choice},
                                                  {QStringLiteral("user"), FieldType::User},
                                                  {QStringLiteral("queue"), FieldType::Queue}};
    return types;
}

QString typeName(FieldType type)
{
    return fieldTypes().key(type);
}

// Where a condition was written, to compile it once fields and states are known.
struct PendingCondition
{
    int state = -1; // -1: start or any
    int branch = -1; // -1: not in a branch
    int transition = -1; // -1: start.when
    bool any = false;
    const YamlNode *node = nullptr;
};

enum class TransitionPlace { State, Branch, Any };

class WorkflowReader
{
public:
    WorkflowReader(const YamlDocument &document, Diagnostics &out, const Organisation *org,
                   Workflow &workflow, QList<WorkflowLinkReference> &links,
                   QHash<QString, YamlMark> &fieldMarks)
        : c(document, out)
        , m_org(org)
        , wf(workflow)
        , m_links(links)
        , m_fieldMarks(fieldMarks)
    {
    }

    void read(const YamlNode *root, const WorkflowReadOptions &options);

private:
    void readFields(const YamlNode *node);
    bool checkFieldName(const YamlNode *key);
    void readField(const YamlNode *key, const YamlNode *node);
    bool readFieldType(const YamlCheck::Map &map, FieldDef &field);
    bool readFieldOptions(const YamlCheck::Map &map, const YamlNode *key, const QString &what,
                          bool typeOk, FieldDef &field);
    void readFieldOption(const YamlNode *item, FieldDef &field);
    bool readFieldPattern(const YamlCheck::Map &map, bool typeOk, FieldDef &field);
    void readFieldCsat(const YamlCheck::Map &map, bool typeOk, FieldDef &field);
    std::optional<QVariant> convertValue(const FieldDef &field, const YamlNode *node,
                                         const QString &what);
    std::optional<QVariant> convertText(const FieldDef &field, const YamlNode *node,
                                        const QString &what);
    std::optional<QVariant> convertChoice(const FieldDef &field, const YamlNode *node,
                                          const QString &what);
    void reportValueMismatch(const FieldDef &field, const YamlNode *node, const QString &what,
                             const QString &expected);
    void readStart(const YamlNode *node);
    void collectStateNames(const YamlNode *node);
    void readStates();
    void readState(int index, const YamlNode *key, const YamlNode *node);
    void refuseKeys(const YamlCheck::Map &map, const QStringList &keys, const QString &why);
    void readParallelState(int index, const YamlNode *key, const YamlCheck::Map &map,
                           const QString &what);
    void readParallelExit(int index, const QString &which, const YamlNode *target);
    void readQueueState(int index, const YamlNode *key, const YamlCheck::Map &map,
                        const QString &what);
    void readBranch(int stateIndex, Branch &branch, const YamlNode *key, const YamlNode *node);
    QList<Transition> readTransitions(const YamlNode *node, TransitionPlace place, int state,
                                      int branch, const QString &owner);
    Transition readTransition(const YamlNode *key, const YamlNode *node, TransitionPlace place,
                              int state, int branch, int index, const QString &owner);
    void readTransitionTarget(Transition &t, const YamlNode *to, TransitionPlace place, int state,
                              const QString &owner);
    void readRequiredFields(Transition &t, const YamlNode *node, const QString &what);
    void readSetValues(Transition &t, const YamlNode *node, const QString &what);
    void readOpenLink(Transition &t, const YamlNode *node, const YamlNode *key,
                      const QString &what);
    void readOpenFields(OpenLink &openLink, WorkflowLinkReference &reference,
                        const YamlNode *fields);
    void readPriorityChange(Transition &t, const YamlNode *node);
    void readTimeouts(int index, const YamlNode *node);
    std::optional<TimeoutStep> readTimeoutStep(int index, const YamlNode *item,
                                               std::optional<qint64> &previous);
    void checkTimeoutTakes();
    QStringList readRoles(const YamlNode *node, const QString &what);
    QStringList readRecipients(const YamlNode *node, const QString &what,
                               QList<const YamlNode *> *items = nullptr);
    void readSla(const YamlNode *node, SlaSpec &sla, const QString &what, bool pauseAllowed,
                 bool isWorkflow);
    std::optional<TierDuration> readTierDuration(const YamlNode *node, const QString &what);
    void readEscalation(const YamlNode *node);
    void readHandoffs(const YamlNode *node);
    bool checkQueue(const YamlNode *node, const QString &name);
    TransferTargets readTransferTo(const YamlNode *node, const QString &owner);
    QStringList readFieldNames(const YamlNode *node, const QString &what, const QString &owner);
    void resolveWritableFields();
    // A transition whose target is unknown could go anywhere: the graph checks must not
    // report what may only be a consequence of it.
    void markUnknownExit(TransitionPlace place, int state)
    {
        if (place == TransitionPlace::State) {
            m_unknownExit[size_t(state)] = 1;
            m_graphUnreliable = true;
        } else if (place == TransitionPlace::Any) {
            m_anyUnknownExit = true;
            m_graphUnreliable = true;
        }
    }
    bool checkCalendar(const YamlNode *node, const QString &name);
    void checkGraph();
    bool isFinalState(int state) const { return wf.states[state].final; }
    // The states a ticket can move to from state, `any` transitions included.
    std::vector<int> successorsOf(int state) const;
    std::vector<char> statesReachedFromInitial() const;
    std::vector<char> statesThatCanFinish() const;
    // Numbers the strongly connected components among the stuck states into component (-1 for
    // the others); returns how many there are.
    int stuckComponents(const std::vector<char> &stuck, std::vector<int> &component) const;
    void reportTraps(const std::vector<char> &stuck);
    void compileConditions();
    void warnMissingContacts(const YamlNode *node, const QString &what, bool escalateTo);

    YamlCheck c;
    const Organisation *m_org;
    Workflow &wf;
    QList<WorkflowLinkReference> &m_links;
    QHash<QString, YamlMark> &m_fieldMarks;

    const YamlNode *m_statesNode = nullptr;
    const YamlNode *m_statesKey = nullptr;
    std::vector<YamlNode::Entry> m_stateEntries; // valid, unique state names, in order
    QHash<QString, int> m_stateIndex;
    QStringList m_stateNames;
    QStringList m_fieldNames;
    QString m_csatSolvedField; ///< the field marked `csat: solved`, once one is
    QHash<QString, int> m_fieldIndex;

    // The state graph for reachability: edges by index, -1 never stored.
    std::vector<std::vector<int>> m_edges;
    std::vector<char> m_unknownExit; // a `to` with no close state name: could go anywhere
    std::vector<int> m_anyTargets;
    bool m_anyUnknownExit = false;
    bool m_graphUnreliable = false; // unknown `to` without a likely intended state
    std::vector<PendingCondition> m_conditions;
    QSet<QString> m_usedQueues;
    const YamlNode *m_startFields = nullptr; // `fields:` of `start:`, read once fields are known
    const YamlNode *m_startFieldsKey = nullptr;
    // `take:` of timeouts, checked once `any:` is read: (state index, the take node).
    std::vector<std::pair<int, const YamlNode *>> m_timeoutTakes;
};

void WorkflowReader::read(const YamlNode *root, const WorkflowReadOptions &options)
{
    const auto top
        = c.map(root, QStringLiteral("the workflow"), topKeys,
                {QStringLiteral("workflow"), QStringLiteral("initial"), QStringLiteral("states")});
    if (!top)
        return;

    if (const YamlNode *id = top->value(u"workflow")) {
        static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9_-]*\\z"));
        if (const auto text = c.scalar(id, QStringLiteral("'workflow'"))) {
            wf.id = *text;
            if (!idPattern.match(*text).hasMatch())
                c.error(id,
                        QStringLiteral("workflow id '%1' must be lower-case letters, digits, "
                                       "'_' and '-'")
                            .arg(*text));
            else if (!options.expectedId.isEmpty() && *text != options.expectedId)
                c.error(id,
                        QStringLiteral("workflow id '%1' differs from the file name "
                                       "'%2.yaml'; they must be equal")
                            .arg(*text, options.expectedId));
        }
    }
    wf.title = wf.id;
    if (const YamlNode *title = top->value(u"title"))
        wf.title = c.localText(title, QStringLiteral("'title'")).value_or(wf.title);
    if (const YamlNode *description = top->value(u"description"))
        wf.description = c.scalar(description, QStringLiteral("'description'")).value_or(QString());

    if (const YamlNode *fields = top->value(u"fields"))
        readFields(fields);

    m_statesNode = top->value(u"states");
    m_statesKey = top->key(u"states");
    if (m_statesNode)
        collectStateNames(m_statesNode);

    if (const YamlNode *start = top->value(u"start"))
        readStart(start);
    if (m_statesNode)
        readStates();
    if (const YamlNode *any = top->value(u"any"))
        wf.any = readTransitions(any, TransitionPlace::Any, -1, -1, QStringLiteral("'any'"));
    checkTimeoutTakes();
    if (const YamlNode *sla = top->value(u"sla"))
        readSla(sla, wf.sla, QStringLiteral("the workflow's 'sla'"), false, true);
    resolveWritableFields();

    bool initialOk = false;
    if (const YamlNode *initial = top->value(u"initial")) {
        if (initial->isSequence()) {
            c.error(initial,
                    QStringLiteral("several initial states: 'initial' names exactly one "
                                   "state"));
        } else if (const auto name = c.scalar(initial, QStringLiteral("'initial'"))) {
            wf.initial = *name;
            if (m_stateIndex.contains(*name))
                initialOk = true;
            else if (m_statesNode)
                c.error(initial,
                        QStringLiteral("the initial state '%1' is not a state%2")
                            .arg(*name, didYouMean(*name, m_stateNames)));
        }
    }

    if (const YamlNode *escalation = top->value(u"escalation"))
        readEscalation(escalation);
    if (const YamlNode *handoffs = top->value(u"handoffs"))
        readHandoffs(handoffs);

    if (initialOk)
        checkGraph();
    compileConditions();
}

// ---------------------------------------------------------------------------------------------
// Fields

void WorkflowReader::readFields(const YamlNode *node)
{
    const auto fields = c.map(node, QStringLiteral("'fields'"), {});
    if (!fields)
        return;
    for (const YamlNode::Entry &entry : fields->entries)
        readField(entry.first.get(), entry.second.get());
}

bool WorkflowReader::checkFieldName(const YamlNode *key)
{
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*\\z"));
    static const QStringList reserved {QStringLiteral("and"),      QStringLiteral("or"),
                                       QStringLiteral("not"),      QStringLiteral("in"),
                                       QStringLiteral("true"),     QStringLiteral("false"),
                                       QStringLiteral("null"),     QStringLiteral("ticket"),
                                       QStringLiteral("customer"), QStringLiteral("user")};
    if (!namePattern.match(key->text).hasMatch()) {
        c.error(key,
                QStringLiteral("'%1' is not a valid field name (letters, digits and '_', "
                               "not starting with a digit)")
                    .arg(key->text));
        return false;
    }
    if (reserved.contains(key->text)) {
        c.error(key,
                QStringLiteral("'%1' is a reserved word and cannot name a field").arg(key->text));
        return false;
    }
    return true;
}

void WorkflowReader::readField(const YamlNode *key, const YamlNode *node)
{
    if (!checkFieldName(key))
        return;
    const QString what = QStringLiteral("field ") + quoted(key->text);
    FieldDef field;
    field.name = key->text;
    field.label = field.name;
    m_fieldMarks.insert(field.name, key->mark);
    m_fieldIndex.insert(field.name, int(wf.fields.size()));
    m_fieldNames.append(field.name);
    const auto map = c.map(node, what, fieldKeys, {QStringLiteral("type")}, key);
    if (!map) {
        wf.fields.append(field);
        return;
    }
    const bool typeOk = readFieldType(*map, field);
    if (const YamlNode *label = map->value(u"label"))
        field.label = c.localText(label, QStringLiteral("'label'")).value_or(field.label);
    if (const YamlNode *required = map->value(u"required"))
        field.required = c.boolean(required, QStringLiteral("'required'")).value_or(false);
    const bool optionsOk = readFieldOptions(*map, key, what, typeOk, field);
    const bool patternOk = readFieldPattern(*map, typeOk, field);
    readFieldCsat(*map, typeOk, field);
    if (const YamlNode *value = map->value(u"default")) {
        if (typeOk && optionsOk && patternOk) {
            if (value->isNull())
                c.error(map->key(u"default"),
                        QStringLiteral("'default' of %1 has no value").arg(what));
            else if (const auto converted
                     = convertValue(field, value, QStringLiteral("the default of ") + what))
                field.defaultValue = *converted;
        }
    }
    wf.fields.append(field);
}

bool WorkflowReader::readFieldType(const YamlCheck::Map &map, FieldDef &field)
{
    const YamlNode *type = map.value(u"type");
    if (!type)
        return false;
    const auto text = c.scalar(type, QStringLiteral("'type'"));
    if (!text)
        return false;
    const auto it = fieldTypes().constFind(*text);
    if (it == fieldTypes().cend()) {
        QStringList names = fieldTypes().keys();
        names.sort();
        c.error(type,
                QStringLiteral("unknown field type '%1'%2; types are %3")
                    .arg(*text, didYouMean(*text, names), names.join(QStringLiteral(", "))));
        return false;
    }
    field.type = *it;
    return true;
}

bool WorkflowReader::readFieldOptions(const YamlCheck::Map &map, const YamlNode *key,
                                      const QString &what, bool typeOk, FieldDef &field)
{
    const YamlNode *options = map.value(u"options");
    if (!options) {
        if (typeOk && field.type == FieldType::Choice) {
            c.error(key, QStringLiteral("%1 is a choice and lacks 'options'").arg(what));
            return false;
        }
        return true;
    }
    if (typeOk && field.type != FieldType::Choice) {
        c.error(map.key(u"options"),
                QStringLiteral("'options' belongs to a field of type choice, not %1")
                    .arg(typeName(field.type)));
        return true;
    }
    if (!options->isSequence()) {
        c.error(
            options,
            QStringLiteral("'options' must be a list of values, not %1").arg(options->kindName()));
        return false;
    }
    for (const YamlNode::Ptr &item : options->items)
        readFieldOption(item.get(), field);
    if (options->items.size() == 0) {
        c.error(options, QStringLiteral("a choice field needs at least one option"));
        return false;
    }
    return true;
}

// An option is a plain value, or `{value: customs, label: {en: Customs, zh: 海关}}`.
void WorkflowReader::readFieldOption(const YamlNode *item, FieldDef &field)
{
    const YamlNode *valueNode = item;
    std::optional<LocalText> label;
    if (item->isMap()) {
        const auto map = c.map(item, QStringLiteral("an option"),
                               {QStringLiteral("value"), QStringLiteral("label")},
                               {QStringLiteral("value"), QStringLiteral("label")});
        if (!map || !map->value(u"value"))
            return;
        valueNode = map->value(u"value");
        if (const YamlNode *labelNode = map->value(u"label")) {
            label = c.localText(labelNode, QStringLiteral("'label' of an option"));
            if (!label)
                return;
        }
    }
    const auto value = c.scalar(valueNode, QStringLiteral("an option"));
    if (!value)
        return;
    if (value->isEmpty()) {
        c.error(valueNode, QStringLiteral("an option cannot be empty"));
        return;
    }
    if (field.options.contains(*value)) {
        c.error(valueNode, QStringLiteral("option '%1' is listed twice").arg(*value));
        return;
    }
    field.options.append(*value);
    if (label)
        field.optionLabels.insert(*value, *label);
}

bool WorkflowReader::readFieldPattern(const YamlCheck::Map &map, bool typeOk, FieldDef &field)
{
    const YamlNode *pattern = map.value(u"pattern");
    if (!pattern)
        return true;
    if (typeOk && field.type != FieldType::String && field.type != FieldType::Text) {
        c.error(map.key(u"pattern"),
                QStringLiteral("'pattern' belongs to a string or text field, not %1")
                    .arg(typeName(field.type)));
        return false;
    }
    const auto text = c.scalar(pattern, QStringLiteral("'pattern'"));
    if (!text)
        return false;
    const QRegularExpression expression(*text);
    if (!expression.isValid()) {
        c.error(c.document().markInScalar(*pattern, int(expression.patternErrorOffset())),
                QStringLiteral("invalid pattern: %1").arg(expression.errorString()));
        return false;
    }
    field.pattern = *text;
    return true;
}

// A satisfaction rating is a value the reports can count or average: a choice or an int.
// `csat: solved` marks instead the customer's answer whether the problem was solved (a bool;
// one a workflow), which the satisfaction report lists when it is false.
void WorkflowReader::readFieldCsat(const YamlCheck::Map &map, bool typeOk, FieldDef &field)
{
    const YamlNode *csat = map.value(u"csat");
    if (!csat)
        return;
    if (csat->isScalar() && !csat->isQuoted() && csat->text == u"solved") {
        if (typeOk && field.type != FieldType::Bool) {
            c.error(map.key(u"csat"),
                    QStringLiteral("'csat: solved' belongs to a bool field (whether the problem "
                                   "was solved), not %1")
                        .arg(typeName(field.type)));
            return;
        }
        if (!m_csatSolvedField.isEmpty()) {
            c.error(csat,
                    QStringLiteral("'csat: solved' is already field %1: a workflow has one answer "
                                   "to whether the problem was solved")
                        .arg(quoted(m_csatSolvedField)));
            return;
        }
        m_csatSolvedField = field.name;
        field.csatSolved = true;
        return;
    }
    const bool isTrue = csat->isScalar() && !csat->isQuoted() && csat->text.toLower() == u"true";
    if (!isTrue && !(csat->isScalar() && !csat->isQuoted() && csat->text.toLower() == u"false")) {
        c.error(csat, QStringLiteral("'csat' must be true, false or solved"));
        return;
    }
    field.csat = isTrue;
    if (field.csat && typeOk && field.type != FieldType::Choice && field.type != FieldType::Int)
        c.error(map.key(u"csat"),
                QStringLiteral("'csat' belongs to a choice or int field (a rating), not %1")
                    .arg(typeName(field.type)));
}

std::optional<QVariant> WorkflowReader::convertValue(const FieldDef &field, const YamlNode *node,
                                                     const QString &what)
{
    if (!node->isScalar()) {
        c.error(node,
                QStringLiteral("%1 must be a single value, not %2").arg(what, node->kindName()));
        return std::nullopt;
    }
    const QString &text = node->text;
    auto mismatch = [&](const QString &expected) {
        reportValueMismatch(field, node, what, expected);
        return std::nullopt;
    };
    switch (field.type) {
    case FieldType::String:
    case FieldType::Text:
    case FieldType::User:
        return convertText(field, node, what);
    case FieldType::Int: {
        static const QRegularExpression pattern(QStringLiteral("^[+-]?[0-9]{1,18}\\z"));
        if (node->isQuoted() || !pattern.match(text).hasMatch())
            return mismatch(QStringLiteral("a whole number"));
        return QVariant(text.toLongLong());
    }
    case FieldType::Decimal: {
        static const QRegularExpression pattern(
            QStringLiteral("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?\\z"));
        if (node->isQuoted() || !pattern.match(text).hasMatch())
            return mismatch(QStringLiteral("a number"));
        return QVariant(text.toDouble());
    }
    case FieldType::Bool:
        if (!node->isQuoted() && (text.toLower() == u"true" || text.toLower() == u"false"))
            return QVariant(text.toLower() == u"true");
        return mismatch(QStringLiteral("true or false"));
    case FieldType::Date: {
        const Result<QDate> date = parseIsoDate(text);
        if (!date) {
            c.error(node, QStringLiteral("%1: %2").arg(what, date.error()));
            return std::nullopt;
        }
        return QVariant(*date);
    }
    case FieldType::DateTime: {
        static const QRegularExpression pattern(
            QStringLiteral("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?("
                           "Z|[+-][0-9]{2}:[0-9]{2})\\z"));
        const QDateTime value = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!pattern.match(text).hasMatch() || !value.isValid())
            return mismatch(QStringLiteral("a date and time like 2026-11-23T08:30:00Z"));
        return QVariant(value.toUTC());
    }
    case FieldType::Choice:
        return convertChoice(field, node, what);
    case FieldType::Queue:
        if (!checkQueue(node, text))
            return std::nullopt;
        return QVariant(text);
    }
    return std::nullopt;
}

void WorkflowReader::reportValueMismatch(const FieldDef &field, const YamlNode *node,
                                         const QString &what, const QString &expected)
{
    c.error(node,
            QStringLiteral("%1 must be %2 (field '%3' is of type %4), not %5")
                .arg(what, expected, field.name, typeName(field.type),
                     node->isQuoted() ? QStringLiteral("the text \"") + node->text + u'"'
                                      : quoted(node->text)));
}

std::optional<QVariant> WorkflowReader::convertText(const FieldDef &field, const YamlNode *node,
                                                    const QString &what)
{
    if (!field.pattern.isEmpty()) {
        const QRegularExpression expression(QRegularExpression::anchoredPattern(field.pattern));
        if (!expression.match(node->text).hasMatch()) {
            c.error(node,
                    QStringLiteral("%1 ('%2') does not match the pattern of field '%3'")
                        .arg(what, node->text, field.name));
            return std::nullopt;
        }
    }
    return QVariant(node->text);
}

std::optional<QVariant> WorkflowReader::convertChoice(const FieldDef &field, const YamlNode *node,
                                                      const QString &what)
{
    if (!field.options.contains(node->text)) {
        c.error(node,
                QStringLiteral("%1 ('%2') is not an option of field '%3'%4; options are %5")
                    .arg(what, node->text, field.name, didYouMean(node->text, field.options),
                         field.options.join(QStringLiteral(", "))));
        return std::nullopt;
    }
    return QVariant(node->text);
}

// ---------------------------------------------------------------------------------------------
// Start, states, transitions

void WorkflowReader::readStart(const YamlNode *node)
{
    const auto start
        = c.map(node, QStringLiteral("'start'"),
                {QStringLiteral("roles"), QStringLiteral("when"), QStringLiteral("fields")});
    if (!start)
        return;
    m_startFields = start->value(u"fields");
    m_startFieldsKey = start->key(u"fields");
    if (const YamlNode *roles = start->value(u"roles"))
        wf.startRoles = readRoles(roles, QStringLiteral("'roles' of 'start'"));
    if (const YamlNode *when = start->value(u"when")) {
        if (c.scalar(when, QStringLiteral("'when'"))) {
            wf.startWhen.source = when->text;
            m_conditions.push_back(PendingCondition {-1, -1, -1, false, when});
        }
    }
}

void WorkflowReader::collectStateNames(const YamlNode *node)
{
    const auto states = c.map(node, QStringLiteral("'states'"), {});
    if (!states)
        return;
    if (states->entries.empty())
        c.error(node, QStringLiteral("'states' is empty; a workflow needs at least one state"));
    for (const YamlNode::Entry &entry : states->entries) {
        if (!c.checkName(entry.first.get(), QStringLiteral("state")))
            continue;
        m_stateIndex.insert(entry.first->text, int(m_stateEntries.size()));
        m_stateNames.append(entry.first->text);
        m_stateEntries.push_back(entry);
    }
    m_edges.resize(m_stateEntries.size());
    m_unknownExit.assign(m_stateEntries.size(), 0);
}

void WorkflowReader::readStates()
{
    wf.states.reserve(qsizetype(m_stateEntries.size()));
    for (const YamlNode::Entry &entry : m_stateEntries) {
        State state;
        state.name = entry.first->text;
        state.title = state.name;
        wf.states.append(state);
    }
    for (int i = 0; i < int(m_stateEntries.size()); ++i)
        readState(i, m_stateEntries[size_t(i)].first.get(), m_stateEntries[size_t(i)].second.get());
}

void WorkflowReader::readState(int index, const YamlNode *key, const YamlNode *node)
{
    State &state = wf.states[index];
    const QString what = QStringLiteral("state ") + quoted(state.name);
    const auto map = c.map(node, what, stateKeys, {}, key);
    if (!map)
        return;
    if (const YamlNode *title = map->value(u"title"))
        state.title = c.localText(title, QStringLiteral("'title'")).value_or(state.title);
    if (const YamlNode *final = map->value(u"final"))
        state.final = c.boolean(final, QStringLiteral("'final'")).value_or(false);

    if (state.final) {
        refuseKeys(*map,
                   {QStringLiteral("queue"), QStringLiteral("assignee"), QStringLiteral("parallel"),
                    QStringLiteral("then"), QStringLiteral("else"), QStringLiteral("sla"),
                    QStringLiteral("on"), QStringLiteral("transfer_to"), QStringLiteral("timeout")},
                   QStringLiteral("final state '") + state.name
                       + QStringLiteral("' ends the ticket and takes no '%1'"));
        return;
    }
    if (map->value(u"parallel"))
        readParallelState(index, key, *map, what);
    else
        readQueueState(index, key, *map, what);
    if (const YamlNode *sla = map->value(u"sla"))
        readSla(sla, state.sla, QStringLiteral("'sla' of ") + what, true, false);
    if (const YamlNode *timeout = map->value(u"timeout"))
        readTimeouts(index, timeout);
}

void WorkflowReader::refuseKeys(const YamlCheck::Map &map, const QStringList &keys,
                                const QString &why)
{
    for (const QString &k : keys)
        if (const YamlNode *keyNode = map.key(k))
            c.error(keyNode, why.arg(k));
}

void WorkflowReader::readParallelState(int index, const YamlNode *key, const YamlCheck::Map &map,
                                       const QString &what)
{
    State &state = wf.states[index];
    refuseKeys(map,
               {QStringLiteral("queue"), QStringLiteral("assignee"), QStringLiteral("on"),
                QStringLiteral("transfer_to")},
               QStringLiteral("parallel state '") + state.name
                   + QStringLiteral("' takes no '%1' of its own; its branches do"));
    const YamlNode *parallel = map.value(u"parallel");
    if (const auto branches = c.map(parallel, QStringLiteral("'parallel' of ") + what, {})) {
        if (branches->entries.empty())
            c.error(parallel,
                    QStringLiteral("parallel state '%1' has no branches").arg(state.name));
        for (const YamlNode::Entry &entry : branches->entries) {
            if (!c.checkName(entry.first.get(), QStringLiteral("branch")))
                continue;
            Branch branch;
            branch.name = entry.first->text;
            branch.title = branch.name;
            state.branches.append(branch);
            readBranch(index, state.branches.last(), entry.first.get(), entry.second.get());
        }
    }
    bool canFail = false;
    for (const Branch &branch : std::as_const(state.branches))
        for (const Transition &t : branch.transitions)
            canFail = canFail || t.to == failTarget;
    for (const QString &which : {QStringLiteral("then"), QStringLiteral("else")}) {
        const YamlNode *target = map.value(which);
        if (!target) {
            if (which == u"then")
                c.error(key,
                        QStringLiteral("parallel state '%1' lacks 'then' (where the "
                                       "ticket goes when every branch is done)")
                            .arg(state.name));
            else if (canFail)
                c.error(key,
                        QStringLiteral("a branch of parallel state '%1' can end in "
                                       "@fail, but the state lacks 'else'")
                            .arg(state.name));
            continue;
        }
        readParallelExit(index, which, target);
    }
}

void WorkflowReader::readParallelExit(int index, const QString &which, const YamlNode *target)
{
    State &state = wf.states[index];
    const auto name = c.scalar(target, quoted(which));
    if (!name)
        return;
    (which == u"then" ? state.thenState : state.elseState) = *name;
    const auto it = m_stateIndex.constFind(*name);
    if (it != m_stateIndex.cend()) {
        m_edges[size_t(index)].push_back(*it);
        return;
    }
    const auto guess = closestMatch(*name, m_stateNames);
    c.error(target,
            QStringLiteral("'%1' of state '%2' goes to '%3', which is not a state%4")
                .arg(which, state.name, *name, didYouMean(*name, m_stateNames)));
    if (guess)
        m_edges[size_t(index)].push_back(m_stateIndex.value(*guess));
    else
        m_unknownExit[size_t(index)] = 1;
}

void WorkflowReader::readQueueState(int index, const YamlNode *key, const YamlCheck::Map &map,
                                    const QString &what)
{
    State &state = wf.states[index];
    refuseKeys(map, {QStringLiteral("then"), QStringLiteral("else")},
               QStringLiteral("'%1' belongs to a parallel state; state '") + state.name
                   + QStringLiteral("' has no 'parallel'"));
    const YamlNode *queue = map.value(u"queue");
    const YamlNode *assignee = map.value(u"assignee");
    if (queue && assignee)
        c.error(
            map.key(u"assignee"),
            QStringLiteral("state '%1' has both 'queue' and 'assignee'; give one").arg(state.name));
    else if (!queue && !assignee && !map.hadUnknownKeys)
        c.error(key,
                QStringLiteral("state '%1' has neither 'queue' nor 'assignee' (nor "
                               "'final' or 'parallel'); give one")
                    .arg(state.name));
    if (queue)
        if (const auto name = c.scalar(queue, QStringLiteral("'queue'"))) {
            state.queue = *name;
            if (checkQueue(queue, *name))
                m_usedQueues.insert(*name);
        }
    if (assignee)
        if (const auto name = c.scalar(assignee, QStringLiteral("'assignee'"))) {
            if (*name == u"originator")
                state.assignee = *name;
            else
                c.error(assignee,
                        QStringLiteral("'assignee' can only be 'originator', not '%1'").arg(*name));
        }
    if (const YamlNode *on = map.value(u"on"))
        state.transitions = readTransitions(on, TransitionPlace::State, index, -1, what);
    if (const YamlNode *transferTo = map.value(u"transfer_to")) {
        if (assignee && !queue)
            c.error(map.key(u"transfer_to"),
                    QStringLiteral("state '%1' is with its originator, not in a queue: it "
                                   "cannot be transferred and takes no 'transfer_to'")
                        .arg(state.name));
        else
            state.transferTo = readTransferTo(transferTo, what);
    }
}

void WorkflowReader::readBranch(int stateIndex, Branch &branch, const YamlNode *key,
                                const YamlNode *node)
{
    const QString what = QStringLiteral("branch ") + quoted(branch.name);
    const auto map = c.map(node, what, branchKeys, {}, key);
    if (!map)
        return;
    if (const YamlNode *title = map->value(u"title"))
        branch.title = c.localText(title, QStringLiteral("'title'")).value_or(branch.title);
    const YamlNode *queue = map->value(u"queue");
    const YamlNode *assignee = map->value(u"assignee");
    if (queue && assignee)
        c.error(map->key(u"assignee"),
                QStringLiteral("branch '%1' has both 'queue' and 'assignee'; give one")
                    .arg(branch.name));
    else if (!queue && !assignee && !map->hadUnknownKeys)
        c.error(key,
                QStringLiteral("branch '%1' has neither 'queue' nor 'assignee'; give one")
                    .arg(branch.name));
    if (queue)
        if (const auto name = c.scalar(queue, QStringLiteral("'queue'"))) {
            branch.queue = *name;
            if (checkQueue(queue, *name))
                m_usedQueues.insert(*name);
        }
    if (assignee)
        if (const auto name = c.scalar(assignee, QStringLiteral("'assignee'"))) {
            if (*name == u"originator")
                branch.assignee = *name;
            else
                c.error(assignee,
                        QStringLiteral("'assignee' can only be 'originator', not '%1'").arg(*name));
        }
    if (const YamlNode *sla = map->value(u"sla"))
        readSla(sla, branch.sla, QStringLiteral("'sla' of ") + what, false, false);
    if (const YamlNode *transferTo = map->value(u"transfer_to")) {
        if (assignee && !queue)
            c.error(map->key(u"transfer_to"),
                    QStringLiteral("branch '%1' is with the originator, not in a queue: it "
                                   "cannot be transferred and takes no 'transfer_to'")
                        .arg(branch.name));
        else
            branch.transferTo = readTransferTo(transferTo, what);
    }
    const int branchIndex = int(wf.states[stateIndex].branches.size()) - 1;
    bool badTarget = false;
    if (const YamlNode *on = map->value(u"on")) {
        branch.transitions
            = readTransitions(on, TransitionPlace::Branch, stateIndex, branchIndex, what);
        for (const Transition &t : std::as_const(branch.transitions))
            badTarget = badTarget || (t.to != doneTarget && t.to != failTarget);
    }
    const bool reachesDone = std::any_of(branch.transitions.cbegin(), branch.transitions.cend(),
                                         [](const Transition &t) { return t.to == doneTarget; });
    if (!reachesDone && !badTarget)
        c.error(key,
                QStringLiteral("branch '%1' cannot reach @done: none of its transitions "
                               "goes to \"@done\"")
                    .arg(branch.name));
}

QList<Transition> WorkflowReader::readTransitions(const YamlNode *node, TransitionPlace place,
                                                  int state, int branch, const QString &owner)
{
    QList<Transition> transitions;
    const auto map = c.map(
        node, place == TransitionPlace::Any ? owner : QStringLiteral("'on' of ") + owner, {});
    if (!map) {
        markUnknownExit(place, state);
        return transitions;
    }
    for (const YamlNode::Entry &entry : map->entries) {
        if (!c.checkName(entry.first.get(), QStringLiteral("transition")))
            continue;
        transitions.append(readTransition(entry.first.get(), entry.second.get(), place, state,
                                          branch, int(transitions.size()), owner));
    }
    return transitions;
}

Transition WorkflowReader::readTransition(const YamlNode *key, const YamlNode *node,
                                          TransitionPlace place, int state, int branch, int index,
                                          const QString &owner)
{
    Transition t;
    t.name = key->text;
    t.title = t.name;
    const QString what = QStringLiteral("transition ") + quoted(t.name);
    const auto map = c.map(node, what, transitionKeys, {QStringLiteral("to")}, key);
    if (!map || !map->value(u"to") || !map->value(u"to")->isScalar()) {
        markUnknownExit(place, state);
        if (!map)
            return t;
    }
    if (const YamlNode *title = map->value(u"title"))
        t.title = c.localText(title, QStringLiteral("'title'")).value_or(t.title);
    if (const YamlNode *to = map->value(u"to"))
        readTransitionTarget(t, to, place, state, owner);
    if (const YamlNode *roles = map->value(u"roles"))
        t.roles = readRoles(roles, QStringLiteral("'roles' of ") + what);
    if (const YamlNode *when = map->value(u"when")) {
        if (c.scalar(when, QStringLiteral("'when'"))) {
            t.when.source = when->text;
            m_conditions.push_back(
                PendingCondition {state, branch, index, place == TransitionPlace::Any, when});
        }
    }
    if (const YamlNode *requires_ = map->value(u"requires"))
        readRequiredFields(t, requires_, what);
    if (const YamlNode *fields = map->value(u"fields")) {
        for (const QString &name : readFieldNames(fields, QStringLiteral("'fields' of ") + what,
                                                  QStringLiteral("transition ") + quoted(t.name)))
            if (!t.optionalFields.contains(name))
                t.optionalFields.append(name);
    }
    if (const YamlNode *set = map->value(u"set"))
        readSetValues(t, set, what);
    if (const YamlNode *notify = map->value(u"notify"))
        t.notify = readRecipients(notify, QStringLiteral("'notify' of ") + what);
    if (const YamlNode *open = map->value(u"open"))
        readOpenLink(t, open, map->key(u"open"), what);
    if (const YamlNode *confirm = map->value(u"confirm"))
        t.confirm = c.boolean(confirm, QStringLiteral("'confirm'"));
    if (const YamlNode *priority = map->value(u"priority")) {
        if (place == TransitionPlace::Branch)
            c.error(map->key(u"priority"),
                    QStringLiteral("'priority' belongs to a transition that enters a state, "
                                   "not to a branch's"));
        else
            readPriorityChange(t, priority);
    }
    return t;
}

void WorkflowReader::readTransitionTarget(Transition &t, const YamlNode *to, TransitionPlace place,
                                          int state, const QString &owner)
{
    const auto target = c.scalar(to, QStringLiteral("'to'"));
    if (!target)
        return;
    t.to = *target;
    const bool endsBranch = *target == doneTarget || *target == failTarget;
    if (place == TransitionPlace::Branch) {
        if (!endsBranch)
            c.error(to,
                    QStringLiteral("transition '%1' of %2 must go to \"@done\" or "
                                   "\"@fail\", not '%3': a branch ends, the parallel "
                                   "state's 'then'/'else' move the ticket")
                        .arg(t.name, owner, *target));
        return;
    }
    if (endsBranch) {
        c.error(to,
                QStringLiteral("'%1' ends a parallel branch; transition '%2' is not "
                               "in one")
                    .arg(*target, t.name));
        if (place == TransitionPlace::State)
            m_unknownExit[size_t(state)] = 1;
        else
            m_anyUnknownExit = true;
        return;
    }
    const auto it = m_stateIndex.constFind(*target);
    int resolved = it != m_stateIndex.cend() ? *it : -1;
    if (resolved < 0 && m_statesNode) {
        const auto guess = closestMatch(*target, m_stateNames);
        c.error(to,
                QStringLiteral("transition '%1' goes to '%2', which is not a state%3")
                    .arg(t.name, *target, didYouMean(*target, m_stateNames)));
        if (guess)
            resolved = m_stateIndex.value(*guess);
    }
    if (resolved >= 0) {
        if (place == TransitionPlace::State)
            m_edges[size_t(state)].push_back(resolved);
        else
            m_anyTargets.push_back(resolved);
    } else {
        markUnknownExit(place, state);
    }
}

void WorkflowReader::readRequiredFields(Transition &t, const YamlNode *node, const QString &what)
{
    const auto items = c.scalarList(node, QStringLiteral("'requires' of ") + what);
    if (!items)
        return;
    for (const YamlNode *item : *items) {
        if (!m_fieldIndex.contains(item->text)) {
            c.error(item,
                    QStringLiteral("transition '%1' requires '%2', which is not a "
                                   "declared field%3")
                        .arg(t.name, item->text, didYouMean(item->text, m_fieldNames)));
            continue;
        }
        if (!t.requiredFields.contains(item->text))
            t.requiredFields.append(item->text);
    }
}

void WorkflowReader::readSetValues(Transition &t, const YamlNode *node, const QString &what)
{
    const auto values = c.map(node, QStringLiteral("'set' of ") + what, {});
    if (!values)
        return;
    for (const YamlNode::Entry &entry : values->entries) {
        const QString &name = entry.first->text;
        const auto it = m_fieldIndex.constFind(name);
        if (it == m_fieldIndex.cend()) {
            c.error(entry.first.get(),
                    QStringLiteral("transition '%1' sets '%2', which is not a declared "
                                   "field%3")
                        .arg(t.name, name, didYouMean(name, m_fieldNames)));
            continue;
        }
        if (entry.second->isNull()) {
            t.set.append({name, QVariant()}); // clears the field
            continue;
        }
        if (const auto value = convertValue(wf.fields[*it], entry.second.get(),
                                            QStringLiteral("the value set for '%1'").arg(name)))
            t.set.append({name, *value});
    }
}

void WorkflowReader::readOpenLink(Transition &t, const YamlNode *node, const YamlNode *key,
                                  const QString &what)
{
    const auto link
        = c.map(node, QStringLiteral("'open' of ") + what,
                {QStringLiteral("workflow"), QStringLiteral("fields"), QStringLiteral("after")},
                {QStringLiteral("workflow")}, key);
    if (!link)
        return;
    OpenLink openLink;
    WorkflowLinkReference reference;
    if (const YamlNode *target = link->value(u"workflow")) {
        if (const auto name = c.scalar(target, QStringLiteral("'workflow'"))) {
            openLink.workflow = *name;
            reference.workflow = *name;
            reference.mark = target->mark;
        }
    }
    if (const YamlNode *fields = link->value(u"fields"))
        readOpenFields(openLink, reference, fields);
    if (const YamlNode *after = link->value(u"after")) {
        if (const auto seconds = c.duration(after, QStringLiteral("'after' of 'open'"))) {
            if (*seconds <= 0)
                c.error(after, QStringLiteral("'after' of 'open' must be longer than 0s"));
            else
                openLink.afterSeconds = *seconds;
        }
    }
    if (!reference.workflow.isEmpty())
        m_links.append(reference);
    t.open = openLink;
}

void WorkflowReader::readOpenFields(OpenLink &openLink, WorkflowLinkReference &reference,
                                    const YamlNode *fields)
{
    const auto pairs = c.map(fields, QStringLiteral("'fields' of 'open'"), {});
    if (!pairs)
        return;
    for (const YamlNode::Entry &entry : pairs->entries) {
        const auto source = c.scalar(entry.second.get(),
                                     QStringLiteral("the source of '%1'").arg(entry.first->text));
        if (!source)
            continue;
        if (!m_fieldIndex.contains(*source) && !openSources.contains(*source)) {
            c.error(entry.second.get(),
                    QStringLiteral("'%1' is not a declared field, nor one of %2%3")
                        .arg(*source, openSources.join(QStringLiteral(", ")),
                             didYouMean(*source, m_fieldNames + openSources)));
            continue;
        }
        openLink.fields.append({entry.first->text, *source});
        reference.fields.append({entry.first->text, entry.first->mark});
    }
}

void WorkflowReader::readPriorityChange(Transition &t, const YamlNode *node)
{
    static const QRegularExpression pattern(QStringLiteral("^([+-]?)([0-9]{1,2})\\z"));
    const auto match = node->isScalar() && !node->isQuoted() ? pattern.match(node->text)
                                                             : QRegularExpressionMatch();
    const int value = match.hasMatch() ? match.captured(2).toInt() : 0;
    if (!match.hasMatch() || value == 0) {
        c.error(node,
                QStringLiteral("'priority' must be a change like +1 or -1, or a priority "
                               "from 1 to 99, not %1")
                    .arg(node->isScalar() ? quoted(node->text) : node->kindName()));
        return;
    }
    const QString sign = match.captured(1);
    t.priority = PriorityChange {!sign.isEmpty(), sign == u"-" ? -value : value};
}

// ---------------------------------------------------------------------------------------------
// Timed steps

void WorkflowReader::readTimeouts(int index, const YamlNode *node)
{
    if (!node->isSequence() || node->items.size() == 0) {
        c.error(node,
                QStringLiteral("'timeout' must be a list of steps (- after: 24h), not %1")
                    .arg(node->isSequence() ? QStringLiteral("an empty list") : node->kindName()));
        return;
    }
    std::optional<qint64> previous;
    for (const YamlNode::Ptr &item : node->items)
        if (const auto step = readTimeoutStep(index, item.get(), previous))
            wf.states[index].timeouts.append(*step);
}

std::optional<TimeoutStep> WorkflowReader::readTimeoutStep(int index, const YamlNode *item,
                                                           std::optional<qint64> &previous)
{
    const auto map
        = c.map(item, QStringLiteral("a timeout step"), timeoutKeys, {QStringLiteral("after")});
    if (!map)
        return std::nullopt;
    TimeoutStep step;
    bool ok = true;
    if (const YamlNode *after = map->value(u"after")) {
        const auto seconds = c.duration(after, QStringLiteral("'after'"));
        ok = seconds.has_value();
        if (seconds && *seconds <= 0) {
            c.error(after, QStringLiteral("'after' must be longer than 0s"));
            ok = false;
        } else if (seconds && previous && *seconds <= *previous) {
            c.error(after,
                    QStringLiteral("'after' values must increase: %1 is not after the step "
                                   "before it")
                        .arg(after->text));
            ok = false;
        }
        if (seconds)
            step.afterSeconds = *seconds;
        if (ok)
            previous = step.afterSeconds;
    }
    if (const YamlNode *calendar = map->value(u"calendar")) {
        if (const auto name = c.scalar(calendar, QStringLiteral("'calendar'"))) {
            if (*name == clockTimeCalendar)
                step.clockTime = true;
            else
                c.error(calendar,
                        QStringLiteral("'calendar' beside 'after' can only be '%1' (clock "
                                       "time); without it the step's own calendar is used")
                            .arg(clockTimeCalendar));
        }
    }
    if (const YamlNode *notify = map->value(u"notify"))
        step.notify = readRecipients(notify, QStringLiteral("'notify' of a timeout step"));
    if (const YamlNode *take = map->value(u"take")) {
        if (const auto name = c.scalar(take, QStringLiteral("'take'"))) {
            step.take = *name;
            m_timeoutTakes.emplace_back(index, take);
        }
    }
    if (!map->has(u"notify") && !map->has(u"take"))
        c.error(item, QStringLiteral("a timeout step does nothing: give 'notify' or 'take'"));
    return ok ? std::optional<TimeoutStep>(step) : std::nullopt;
}

void WorkflowReader::checkTimeoutTakes()
{
    for (const auto &[index, node] : m_timeoutTakes) {
        const State &state = wf.states[index];
        const Transition *t = state.transition(node->text);
        if (!t)
            for (const Transition &any : std::as_const(wf.any))
                if (any.name == node->text)
                    t = &any;
        if (!t) {
            QStringList names;
            for (const Transition &own : state.transitions)
                names.append(own.name);
            for (const Transition &any : std::as_const(wf.any))
                names.append(any.name);
            c.error(node,
                    QStringLiteral("'take' names '%1', which is not a transition of state "
                                   "'%2'%3")
                        .arg(node->text, state.name, didYouMean(node->text, names)));
            continue;
        }
        for (const QString &field : t->requiredFields) {
            const FieldDef *def = wf.field(field);
            if (def && !def->defaultValue.isValid()) {
                c.error(node,
                        QStringLiteral("'take' names '%1', which requires '%2' (no default): "
                                       "the engine takes it with no input")
                            .arg(t->name, field));
                break;
            }
        }
    }
}

QStringList WorkflowReader::readRoles(const YamlNode *node, const QString &what)
{
    QStringList roles;
    const auto items = c.scalarList(node, what);
    if (!items)
        return roles;
    QStringList known = builtinRoles();
    if (m_org)
        known += m_org->roles.keys();
    for (const YamlNode *item : *items) {
        if (m_org && !m_org->hasRole(item->text)) {
            c.error(item,
                    QStringLiteral("unknown role '%1'%2; roles are the built-in agent, staff, "
                                   "supervisor, admin and those declared in org.yaml")
                        .arg(item->text, didYouMean(item->text, known)));
            continue;
        }
        if (!m_org && !c.checkName(item, QStringLiteral("role")))
            continue;
        if (!roles.contains(item->text))
            roles.append(item->text);
    }
    return roles;
}

QStringList WorkflowReader::readRecipients(const YamlNode *node, const QString &what,
                                           QList<const YamlNode *> *itemNodes)
{
    static const QRegularExpression userPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._@-]*\\z"));
    QStringList recipients;
    const auto items = c.scalarList(node, what);
    if (!items)
        return recipients;
    for (const YamlNode *item : *items) {
        const QString &text = item->text;
        if (text.startsWith(u"queue.") && !contactKeywords.contains(text)) {
            c.error(item,
                    QStringLiteral("unknown recipient '%1'%2; use assignee, originator, "
                                   "queue.primary, queue.backup, queue.manager or a username")
                        .arg(text, didYouMean(text, contactKeywords)));
            continue;
        }
        if (!contactKeywords.contains(text) && !userPattern.match(text).hasMatch()) {
            c.error(item,
                    QStringLiteral("'%1' is neither a recipient keyword nor a username").arg(text));
            continue;
        }
        recipients.append(text);
        if (itemNodes)
            itemNodes->append(item);
    }
    return recipients;
}

// ---------------------------------------------------------------------------------------------
// SLA, escalation, handoffs

std::optional<TierDuration> WorkflowReader::readTierDuration(const YamlNode *node,
                                                             const QString &what)
{
    TierDuration duration;
    if (node->isMap()) {
        const auto tiers = c.map(node, what, tierKeys);
        if (!tiers)
            return std::nullopt;
        if (tiers->entries.empty()) {
            c.error(node,
                    QStringLiteral("%1 names no tier; write a duration or {A: .., B: .., "
                                   "C: .., default: ..}")
                        .arg(what));
            return std::nullopt;
        }
        bool ok = true;
        for (const YamlNode::Entry &entry : tiers->entries) {
            const auto seconds = c.duration(entry.second.get(),
                                            what + QStringLiteral(" for ") + entry.first->text);
            if (!seconds) {
                ok = false;
                continue;
            }
            if (entry.first->text == u"default")
                duration.defaultSeconds = *seconds;
            else
                duration.byTier.insert(entry.first->text, *seconds);
        }
        if (!ok)
            return std::nullopt;
        return duration;
    }
    const auto seconds = c.duration(node, what);
    if (!seconds)
        return std::nullopt;
    duration.defaultSeconds = *seconds;
    return duration;
}

void WorkflowReader::readSla(const YamlNode *node, SlaSpec &sla, const QString &what,
                             bool pauseAllowed, bool isWorkflow)
{
    if (node->isScalar()) {
        if (node->text == u"pause" && pauseAllowed) {
            sla.pause = true;
            return;
        }
        c.error(node,
                node->text == u"pause"
                    ? QStringLiteral("'sla: pause' stops the ticket-wide clock and belongs "
                                     "to a state")
                    : QStringLiteral("%1 must be a mapping with respond, resolve and "
                                     "calendar%2")
                          .arg(what, pauseAllowed ? QStringLiteral(", or 'pause'") : QString()));
        return;
    }
    const auto map = c.map(node, what, slaKeys);
    if (!map)
        return;
    if (const YamlNode *respond = map->value(u"respond"))
        sla.respond = readTierDuration(respond, QStringLiteral("'respond'"));
    if (const YamlNode *resolve = map->value(u"resolve"))
        sla.resolve = readTierDuration(resolve, QStringLiteral("'resolve'"));
    if (const YamlNode *calendar = map->value(u"calendar"))
        if (const auto name = c.scalar(calendar, QStringLiteral("'calendar'"))) {
            sla.calendar = *name;
            checkCalendar(calendar, *name);
        }
    if (map->entries.empty())
        c.error(node, QStringLiteral("%1 is empty").arg(what));
    if (isWorkflow && !map->has(u"respond") && !map->has(u"resolve") && !map->entries.empty())
        c.error(node, QStringLiteral("%1 sets no target (respond or resolve)").arg(what));
}

void WorkflowReader::readEscalation(const YamlNode *node)
{
    static const QRegularExpression percentPattern(QStringLiteral("^([0-9]{1,7})%\\z"));
    static const QRegularExpression priorityPattern(QStringLiteral("^[+-]?[0-9]{1,3}\\z"));
    if (!node->isSequence()) {
        c.error(node,
                QStringLiteral("'escalation' must be a list of steps (- at: 75%), not %1")
                    .arg(node->kindName()));
        return;
    }
    QHash<int, const YamlNode *> seenAt;
    for (const YamlNode::Ptr &item : node->items) {
        const auto step = c.map(item.get(), QStringLiteral("an escalation step"), escalationKeys,
                                {QStringLiteral("at")});
        if (!step)
            continue;
        EscalationStep result;
        if (const YamlNode *at = step->value(u"at")) {
            const auto match
                = at->isScalar() ? percentPattern.match(at->text) : QRegularExpressionMatch();
            if (!match.hasMatch()) {
                c.error(at,
                        QStringLiteral("'at' must be a whole percentage of the SLA target "
                                       "like 75%, not %1")
                            .arg(at->isScalar() ? quoted(at->text) : at->kindName()));
            } else {
                const int percent = match.captured(1).toInt();
                if (percent < 1 || percent > 1000)
                    c.error(
                        at,
                        QStringLiteral("'at' must be between 1% and 1000%, not %1").arg(at->text));
                else if (const YamlNode *previous = seenAt.value(percent))
                    c.error(at,
                            QStringLiteral("another escalation step is already at %1 (line %2); "
                                           "merge them")
                                .arg(at->text)
                                .arg(previous->mark.line));
                else {
                    result.percent = percent;
                    seenAt.insert(percent, at);
                }
            }
        }
        if (const YamlNode *notify = step->value(u"notify")) {
            QList<const YamlNode *> itemNodes;
            result.notify = readRecipients(notify, QStringLiteral("'notify'"), &itemNodes);
            for (const YamlNode *recipient : std::as_const(itemNodes))
                if (recipient->text.startsWith(u"queue."))
                    warnMissingContacts(recipient, recipient->text, false);
        }
        if (const YamlNode *priority = step->value(u"priority")) {
            if (!priority->isScalar() || priority->isQuoted()
                || !priorityPattern.match(priority->text).hasMatch() || priority->text.toInt() == 0)
                c.error(priority, QStringLiteral("'priority' must be a change like +1 or -1"));
            else
                result.priorityDelta = priority->text.toInt();
        }
        if (const YamlNode *moveTo = step->value(u"move_to")) {
            if (const auto target = c.scalar(moveTo, QStringLiteral("'move_to'"))) {
                if (*target == u"queue.escalate_to") {
                    result.moveTo = *target;
                    warnMissingContacts(moveTo, *target, true);
                } else if (target->startsWith(u"queue.")) {
                    c.error(moveTo,
                            QStringLiteral("'move_to' is a queue or queue.escalate_to, "
                                           "not '%1'")
                                .arg(*target));
                } else if (checkQueue(moveTo, *target)) {
                    result.moveTo = *target;
                }
            }
        }
        if (!step->has(u"notify") && !step->has(u"priority") && !step->has(u"move_to"))
            c.error(item.get(),
                    QStringLiteral("an escalation step does nothing: give 'notify', "
                                   "'priority' or 'move_to'"));
        wf.escalation.append(result);
    }
}

void WorkflowReader::warnMissingContacts(const YamlNode *node, const QString &what, bool escalateTo)
{
    if (!m_org)
        return;
    QStringList lacking;
    QStringList queues(m_usedQueues.cbegin(), m_usedQueues.cend());
    queues.sort();
    for (const QString &name : std::as_const(queues)) {
        const QueueDef &queue = m_org->queues[name];
        const bool missing = escalateTo ? queue.escalateTo.isEmpty()
            : what == u"queue.primary"  ? queue.primary.isEmpty()
            : what == u"queue.backup"   ? queue.backup.isEmpty()
            : what == u"queue.manager"  ? queue.manager.isEmpty()
                                        : false;
        if (missing)
            lacking.append(name);
    }
    if (lacking.isEmpty())
        return;
    const QString contact = escalateTo ? QStringLiteral("escalate_to")
                                       : what.mid(int(QStringLiteral("queue.").size()));
    c.warning(node,
              QStringLiteral("%1 does nothing for queue%2 %3, which %4 no %5 in org.yaml")
                  .arg(what, lacking.size() > 1 ? QStringLiteral("s") : QString(),
                       lacking.join(QStringLiteral(", ")),
                       lacking.size() > 1 ? QStringLiteral("have") : QStringLiteral("has"),
                       contact));
}

void WorkflowReader::readHandoffs(const YamlNode *node)
{
    const auto map = c.map(node, QStringLiteral("'handoffs'"),
                           {QStringLiteral("max"), QStringLiteral("move_to")},
                           {QStringLiteral("max"), QStringLiteral("move_to")});
    if (!map)
        return;
    HandoffLimit limit;
    bool ok = map->has(u"max") && map->has(u"move_to");
    if (const YamlNode *max = map->value(u"max")) {
        if (const auto value = c.integer(max, QStringLiteral("'max' of 'handoffs'"), 1, 1000))
            limit.max = int(*value);
        else
            ok = false;
    }
    if (const YamlNode *moveTo = map->value(u"move_to")) {
        if (const auto name = c.scalar(moveTo, QStringLiteral("'move_to'"))) {
            limit.moveTo = *name;
            ok = checkQueue(moveTo, *name) && ok;
        }
    }
    if (ok)
        wf.handoffs = limit;
}

bool WorkflowReader::checkQueue(const YamlNode *node, const QString &name)
{
    if (!m_org || m_org->queues.contains(name))
        return true;
    c.error(node,
            QStringLiteral("queue '%1' is not defined in org.yaml%2")
                .arg(name, didYouMean(name, m_org->queues.keys())));
    return false;
}

TransferTargets WorkflowReader::readTransferTo(const YamlNode *node, const QString &owner)
{
    TransferTargets targets;
    const auto items = c.scalarList(node, QStringLiteral("'transfer_to' of ") + owner);
    if (!items)
        return targets;
    targets.given = true;
    for (const YamlNode *item : *items) {
        const QString &text = item->text;
        if (text.startsWith(departmentPrefix)) {
            const QString department = text.mid(departmentPrefix.size());
            if (m_org && !m_org->departments.contains(department)) {
                c.error(item,
                        QStringLiteral("department '%1' is not defined in org.yaml%2")
                            .arg(department, didYouMean(department, m_org->departments.keys())));
                continue;
            }
        } else if (!checkQueue(item, text)) {
            continue;
        }
        if (!targets.entries.contains(text))
            targets.entries.append(text);
    }
    return targets;
}

QStringList WorkflowReader::readFieldNames(const YamlNode *node, const QString &what,
                                           const QString &owner)
{
    QStringList names;
    const auto items = c.scalarList(node, what);
    if (!items)
        return names;
    for (const YamlNode *item : *items) {
        if (!m_fieldIndex.contains(item->text)) {
            c.error(item,
                    QStringLiteral("%1 lists '%2' under 'fields', which is not a declared field%3")
                        .arg(owner, item->text, didYouMean(item->text, m_fieldNames)));
            continue;
        }
        if (!names.contains(item->text))
            names.append(item->text);
    }
    return names;
}

// Who may write each field: opening (`start: fields:`, or by default every field required at
// opening and every field no transition takes up) and the transitions (`requires`, `fields`,
// `set`). A field nobody can write is a warning: it would stay empty for ever.
void WorkflowReader::resolveWritableFields()
{
    QSet<QString> laterSteps;
    const auto note = [&laterSteps](const QList<Transition> &transitions) {
        for (const Transition &t : transitions) {
            for (const QString &name : t.acceptedFields())
                laterSteps.insert(name);
            for (const auto &[name, value] : t.set)
                laterSteps.insert(name);
        }
    };
    note(wf.any);
    for (const State &state : std::as_const(wf.states)) {
        note(state.transitions);
        for (const Branch &branch : state.branches)
            note(branch.transitions);
    }
    wf.openingFields.clear();
    if (m_startFields) {
        wf.openingFields = readFieldNames(m_startFields, QStringLiteral("'fields' of 'start'"),
                                          QStringLiteral("'start'"));
        for (const FieldDef &field : std::as_const(wf.fields))
            if (field.required && !wf.openingFields.contains(field.name)
                && m_startFields->isSequence())
                c.error(m_startFieldsKey ? m_startFieldsKey : m_startFields,
                        QStringLiteral("field '%1' is required at opening, but 'fields' of "
                                       "'start' does not list it")
                            .arg(field.name));
    } else {
        for (const FieldDef &field : std::as_const(wf.fields))
            if (field.required || !laterSteps.contains(field.name))
                wf.openingFields.append(field.name);
    }
    for (const FieldDef &field : std::as_const(wf.fields)) {
        // (a required field left out of `start: fields:` is an error above)
        if (field.required || wf.openingFields.contains(field.name)
            || laterSteps.contains(field.name))
            continue;
        const YamlMark mark = m_fieldMarks.value(field.name, YamlMark {1, 1});
        c.warning(mark,
                  QStringLiteral("no step can write field '%1': list it under 'fields' of "
                                 "'start' or of a transition")
                      .arg(field.name));
    }
}

bool WorkflowReader::checkCalendar(const YamlNode *node, const QString &name)
{
    if (!m_org || m_org->calendars.contains(name))
        return true;
    c.error(node,
            QStringLiteral("calendar '%1' is not defined in org.yaml%2")
                .arg(name, didYouMean(name, m_org->calendars.keys())));
    return false;
}

// ---------------------------------------------------------------------------------------------
// The state graph

void WorkflowReader::checkGraph()
{
    const int n = int(m_stateEntries.size());
    if (n == 0)
        return;
    const std::vector<char> reached = statesReachedFromInitial();
    if (!m_graphUnreliable) {
        for (int i = 0; i < n; ++i)
            if (!reached[size_t(i)])
                c.error(m_stateEntries[size_t(i)].first.get(),
                        QStringLiteral("state '%1' cannot be reached from the initial state '%2'")
                            .arg(wf.states[i].name, wf.initial));
    }

    bool anyFinal = false;
    for (int i = 0; i < n; ++i)
        anyFinal = anyFinal || isFinalState(i);
    if (!anyFinal) {
        c.error(m_statesKey ? m_statesKey : m_statesNode,
                QStringLiteral("no state is final (final: true): no ticket could ever be closed"));
        return;
    }
    const std::vector<char> finishes = statesThatCanFinish();

    // Among reachable states that cannot finish, report only the traps.
    std::vector<char> stuck(size_t(n), 0);
    for (int i = 0; i < n; ++i)
        stuck[size_t(i)] = reached[size_t(i)] && !finishes[size_t(i)];
    reportTraps(stuck);
}

std::vector<int> WorkflowReader::successorsOf(int state) const
{
    std::vector<int> next = m_edges[size_t(state)];
    if (!isFinalState(state))
        next.insert(next.end(), m_anyTargets.begin(), m_anyTargets.end());
    return next;
}

std::vector<char> WorkflowReader::statesReachedFromInitial() const
{
    // `any` targets are reachable as soon as a non-final state is.
    const int n = int(m_stateEntries.size());
    std::vector<char> reached(size_t(n), 0);
    std::vector<int> queue;
    queue.reserve(size_t(n));
    const int initial = m_stateIndex.value(wf.initial);
    reached[size_t(initial)] = 1;
    queue.push_back(initial);
    bool anyOffered = false;
    auto visit = [&](int target) {
        if (!reached[size_t(target)]) {
            reached[size_t(target)] = 1;
            queue.push_back(target);
        }
    };
    for (size_t head = 0; head < queue.size(); ++head) {
        const int s = queue[head];
        for (const int target : m_edges[size_t(s)])
            visit(target);
        if (!isFinalState(s) && !anyOffered) {
            anyOffered = true;
            for (const int target : m_anyTargets)
                visit(target);
        }
    }
    return reached;
}

std::vector<char> WorkflowReader::statesThatCanFinish() const
{
    // A state with a `to` that could not be resolved counts as able to, so that one typo does
    // not turn into a list of dead ends.
    const int n = int(m_stateEntries.size());
    std::vector<std::vector<int>> reverse(static_cast<size_t>(n));
    for (int s = 0; s < n; ++s)
        for (const int target : m_edges[size_t(s)])
            reverse[size_t(target)].push_back(s);
    std::vector<char> finishes(size_t(n), 0);
    std::vector<int> queue;
    for (int i = 0; i < n; ++i)
        if (isFinalState(i) || m_unknownExit[size_t(i)] || (m_anyUnknownExit && !isFinalState(i))) {
            finishes[size_t(i)] = 1;
            queue.push_back(i);
        }
    bool anyTargetsFinish = false;
    for (size_t head = 0;; ++head) {
        if (head == queue.size()) {
            // `any` transitions are edges from every non-final state: once one of their
            // targets can finish, every non-final state can.
            if (anyTargetsFinish)
                break;
            for (const int target : m_anyTargets)
                anyTargetsFinish = anyTargetsFinish || finishes[size_t(target)];
            if (!anyTargetsFinish)
                break;
            for (int i = 0; i < n; ++i)
                if (!finishes[size_t(i)]) {
                    finishes[size_t(i)] = 1;
                    queue.push_back(i);
                }
            if (head == queue.size())
                break;
        }
        for (const int source : reverse[size_t(queue[head])])
            if (!finishes[size_t(source)]) {
                finishes[size_t(source)] = 1;
                queue.push_back(source);
            }
    }
    return finishes;
}

int WorkflowReader::stuckComponents(const std::vector<char> &stuck,
                                    std::vector<int> &component) const
{
    // Iterative Tarjan over the stuck states only.
    const int n = int(m_stateEntries.size());
    component.assign(size_t(n), -1);
    std::vector<int> low(size_t(n), 0), order(size_t(n), -1);
    std::vector<int> stack;
    std::vector<char> onStack(size_t(n), 0);
    int counter = 0;
    int components = 0;
    struct Frame
    {
        int node;
        std::vector<int> next;
        size_t position;
    };
    for (int root = 0; root < n; ++root) {
        if (!stuck[size_t(root)] || order[size_t(root)] >= 0)
            continue;
        std::vector<Frame> frames;
        frames.push_back(Frame {root, successorsOf(root), 0});
        order[size_t(root)] = low[size_t(root)] = counter++;
        stack.push_back(root);
        onStack[size_t(root)] = 1;
        while (!frames.empty()) {
            Frame &frame = frames.back();
            if (frame.position < frame.next.size()) {
                const int w = frame.next[frame.position++];
                if (!stuck[size_t(w)])
                    continue;
                if (order[size_t(w)] < 0) {
                    order[size_t(w)] = low[size_t(w)] = counter++;
                    stack.push_back(w);
                    onStack[size_t(w)] = 1;
                    frames.push_back(Frame {w, successorsOf(w), 0});
                } else if (onStack[size_t(w)]) {
                    low[size_t(frame.node)] = std::min(low[size_t(frame.node)], order[size_t(w)]);
                }
                continue;
            }
            const int v = frame.node;
            if (low[size_t(v)] == order[size_t(v)]) {
                int w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    onStack[size_t(w)] = 0;
                    component[size_t(w)] = components;
                } while (w != v);
                ++components;
            }
            frames.pop_back();
            if (!frames.empty())
                low[size_t(frames.back().node)]
                    = std::min(low[size_t(frames.back().node)], low[size_t(v)]);
        }
    }
    return components;
}

void WorkflowReader::reportTraps(const std::vector<char> &stuck)
{
    // The traps are the strongly connected components of stuck states none of whose edges
    // leave them (every other stuck state leads into one).
    const int n = int(m_stateEntries.size());
    std::vector<int> component;
    const int components = stuckComponents(stuck, component);
    std::vector<char> leaves(size_t(components), 1);
    for (int s = 0; s < n; ++s) {
        if (component[size_t(s)] < 0)
            continue;
        for (const int w : successorsOf(s))
            if (component[size_t(w)] != component[size_t(s)])
                leaves[size_t(component[size_t(s)])] = 0;
    }
    std::vector<QStringList> members(static_cast<size_t>(components));
    std::vector<int> firstMember(size_t(components), -1);
    for (int s = 0; s < n; ++s) {
        const int k = component[size_t(s)];
        if (k < 0 || !leaves[size_t(k)])
            continue;
        members[size_t(k)].append(wf.states[s].name);
        if (firstMember[size_t(k)] < 0)
            firstMember[size_t(k)] = s;
    }
    for (int k = 0; k < components; ++k) {
        if (!leaves[size_t(k)] || firstMember[size_t(k)] < 0)
            continue;
        const int s = firstMember[size_t(k)];
        const YamlNode *key = m_stateEntries[size_t(s)].first.get();
        if (members[size_t(k)].size() == 1)
            c.error(key,
                    QStringLiteral("no final state can be reached from state '%1'%2")
                        .arg(wf.states[s].name,
                             successorsOf(s).empty() ? QStringLiteral(": it has no transitions")
                                                     : QString()));
        else
            c.error(key,
                    QStringLiteral("no final state can be reached from states %1: they only "
                                   "lead to each other")
                        .arg(QStringLiteral("'") + members[size_t(k)].join(QStringLiteral("', '"))
                             + QStringLiteral("'")));
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions

void WorkflowReader::compileConditions()
{
    if (m_conditions.empty())
        return;
    const ConditionScope scope = conditionScopeFor(wf);
    for (const PendingCondition &pending : m_conditions) {
        ConditionRef *target = nullptr;
        if (pending.transition < 0)
            target = &wf.startWhen;
        else if (pending.any)
            target = &wf.any[pending.transition].when;
        else if (pending.branch < 0)
            target = &wf.states[pending.state].transitions[pending.transition].when;
        else
            target = &wf.states[pending.state]
                          .branches[pending.branch]
                          .transitions[pending.transition]
                          .when;
        const CompiledCondition compiled = compileCondition(pending.node->text, scope);
        if (const auto *error = std::get_if<ConditionError>(&compiled)) {
            c.error(c.document().markInScalar(*pending.node, error->offset),
                    QStringLiteral("condition: %1").arg(error->message));
            continue;
        }
        target->compiled = std::get<std::shared_ptr<const Condition>>(compiled);
    }
}

/// Marks the transitions that go back in the workflow's main flow (`Transition::backwards`): to
/// a state nearer the initial one, counted in steps along the states' own transitions and
/// parallel `then`/`else`. `any:` transitions are left out of the count, so a detour they lead to
/// (waiting for the customer) and its way back are not "going back"; nor is closing (a final
/// state), nor anything the main flow never reaches.
void markGoingBack(Workflow &wf)
{
    QHash<QString, int> depth;
    if (!wf.state(wf.initial))
        return;
    QList<QString> queue {wf.initial};
    depth.insert(wf.initial, 0);
    for (qsizetype i = 0; i < queue.size(); ++i) {
        const State *state = wf.state(queue.at(i));
        QStringList next {state->thenState, state->elseState};
        for (const Transition &t : state->transitions)
            next.append(t.to);
        for (const QString &to : std::as_const(next))
            if (wf.state(to) && !depth.contains(to)) {
                depth.insert(to, depth.value(state->name) + 1);
                queue.append(to);
            }
    }
    for (State &state : wf.states) {
        if (!depth.contains(state.name))
            continue;
        for (Transition &t : state.transitions)
            t.backwards = depth.contains(t.to) && !wf.state(t.to)->final
                && depth.value(t.to) < depth.value(state.name);
    }
}

} // namespace

WorkflowReadResult readWorkflow(const QByteArray &text, const QString &file,
                                const Organisation *organisation,
                                const WorkflowReadOptions &options)
{
    WorkflowReadResult result;
    const YamlDocument document = YamlDocument::parse(text, file);
    result.diagnostics = document.diagnostics();
    const YamlNode::Ptr root = document.root();
    if (!root) {
        if (result.diagnostics.isEmpty())
            result.diagnostics.append(Diagnostic {file, 1, 1, Diagnostic::Severity::Error,
                                                  QStringLiteral("the workflow file is empty")});
        return result;
    }
    result.workflow = std::make_shared<Workflow>();
    result.workflow->source = text;
    WorkflowReader reader(document, result.diagnostics, organisation, *result.workflow,
                          result.links, result.fieldMarks);
    reader.read(root.get(), options);
    markGoingBack(*result.workflow);
    sortDiagnostics(result.diagnostics);
    return result;
}

} // namespace Baton

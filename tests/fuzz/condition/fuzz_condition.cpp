// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the condition language: any input must compile or fail with an error
// inside the text, never crash or hang; a compiled condition's canonical form must compile
// again to the same canonical form and mean the same.
#include "definition/condition.h"
#include "definition/conditionscope.h"

#include <QDate>
#include <QString>

#include <cstdint>
#include <cstdlib>

using namespace Baton;

namespace {

FieldDef field(const char *name, FieldType type, QStringList options = {})
{
    FieldDef f;
    f.name = QString::fromLatin1(name);
    f.type = type;
    f.options = std::move(options);
    return f;
}

const ConditionScope &scope()
{
    static const ConditionScope s = [] {
        Workflow w;
        w.fields = {field("a", FieldType::String),
                    field("c", FieldType::Choice, {QStringLiteral("x"), QStringLiteral("y")}),
                    field("n", FieldType::Int),
                    field("d", FieldType::Decimal),
                    field("b", FieldType::Bool),
                    field("t", FieldType::Date)};
        State s1;
        s1.name = QStringLiteral("open");
        w.states = {s1};
        return conditionScopeFor(w);
    }();
    return s;
}

const QList<ConditionValues> &valueSets()
{
    static const QList<ConditionValues> sets {
        {},
        {{QStringLiteral("a"), QStringLiteral("x")},
         {QStringLiteral("c"), QStringLiteral("y")},
         {QStringLiteral("n"), 2},
         {QStringLiteral("d"), 2.5},
         {QStringLiteral("b"), true},
         {QStringLiteral("t"), QDate(2026, 12, 25)},
         {QStringLiteral("ticket.priority"), 1},
         {QStringLiteral("customer.tier"), QStringLiteral("A")},
         {QStringLiteral("user.roles"), QStringList {QStringLiteral("agent")}}},
        // Wrong QVariant types everywhere: the evaluator must cope.
        {{QStringLiteral("a"), 3},
         {QStringLiteral("n"), QStringLiteral("junk")},
         {QStringLiteral("b"), QStringLiteral("yes")},
         {QStringLiteral("t"), 7},
         {QStringLiteral("user.roles"), QVariantList {1, QVariant()}}},
    };
    return sets;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const CompiledCondition result = compileCondition(text, scope());
    if (const auto *error = std::get_if<ConditionError>(&result)) {
        if (error->offset < 0 || error->offset > text.size() || error->message.isEmpty())
            std::abort();
        return 0;
    }
    const auto &condition = std::get<std::shared_ptr<const Condition>>(result);
    const QString canonical = condition->toString();
    if (canonical.size() > ConditionMaxLength)
        return 0;
    const CompiledCondition again = compileCondition(canonical, scope());
    if (!std::holds_alternative<std::shared_ptr<const Condition>>(again))
        std::abort();
    const auto &reparsed = std::get<std::shared_ptr<const Condition>>(again);
    if (reparsed->toString() != canonical)
        std::abort();
    for (const ConditionValues &values : valueSets())
        if (condition->evaluate(values) != reparsed->evaluate(values))
            std::abort();
    return 0;
}

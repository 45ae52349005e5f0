// SPDX-License-Identifier: GPL-3.0-or-later
#include "conditionscope.h"

namespace Baton {

namespace {

ValueType valueTypeOf(FieldType type)
{
    switch (type) {
    case FieldType::String:
    case FieldType::Text:
    case FieldType::Choice:
    case FieldType::User:
    case FieldType::Queue:
        return ValueType::String;
    case FieldType::Int:
    case FieldType::Decimal:
        return ValueType::Number;
    case FieldType::Bool:
        return ValueType::Bool;
    case FieldType::Date:
    case FieldType::DateTime:
        return ValueType::Date;
    }
    return ValueType::String;
}

} // namespace

ConditionScope conditionScopeFor(const Workflow &workflow)
{
    ConditionScope scope;
    for (const FieldDef &field : workflow.fields) {
        scope.names.insert(field.name, valueTypeOf(field.type));
        // A choice without options is reported by the checker; restricting it to nothing here
        // would only add a confusing second error.
        if (field.type == FieldType::Choice && !field.options.isEmpty())
            scope.allowedValues.insert(field.name, field.options);
    }

    scope.names.insert(QStringLiteral("ticket.priority"), ValueType::Number);
    scope.names.insert(QStringLiteral("ticket.state"), ValueType::String);
    scope.names.insert(QStringLiteral("ticket.queue"), ValueType::String);
    scope.names.insert(QStringLiteral("ticket.handoffs"), ValueType::Number);
    scope.names.insert(QStringLiteral("customer.tier"), ValueType::String);
    scope.names.insert(QStringLiteral("customer.id"), ValueType::String);
    scope.names.insert(QStringLiteral("user.roles"), ValueType::StringList);
    scope.names.insert(QStringLiteral("user.departments"), ValueType::StringList);

    QStringList states;
    for (const State &state : workflow.states)
        states.append(state.name);
    if (!states.isEmpty())
        scope.allowedValues.insert(QStringLiteral("ticket.state"), states);
    scope.allowedValues.insert(QStringLiteral("customer.tier"),
                               {QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C")});
    return scope;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The condition language of `when:` (workflow-language.md, "Conditions"): literals (strings,
// numbers, booleans, lists), == != < <= > >=, in, not in, and, or, not, parentheses, over the
// workflow's fields, ticket.*, customer.* and user.*. Names and types are checked when the
// workflow is loaded, not when a ticket reaches the condition.

#include <QHash>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <memory>
#include <variant>

namespace Baton {

/// The static type of a name or expression.
enum class ValueType { String, Number, Bool, Date, StringList, Null };

/// The names a condition may use and their types. conditionScopeFor() (conditionscope.h) adds
/// the built-in ticket.*, customer.* and user.* names to the workflow's declared fields.
struct ConditionScope
{
    QHash<QString, ValueType> names;
    /// For names that only take listed values (choice fields, customer.tier): the allowed
    /// values, so that `urgency == "hgih"` is caught as a typo when the file is loaded.
    QHash<QString, QStringList> allowedValues;
};

/// Where and why a condition failed to compile. offset is 0-based, in QChars of the text.
struct ConditionError
{
    int offset = 0;
    QString message;
};

/// The values a condition is evaluated against, by name (field names, "ticket.priority",
/// "customer.tier", "user.roles", ...). A name that is absent or an invalid QVariant is null.
using ConditionValues = QHash<QString, QVariant>;

/// A parsed and type-checked condition, immutable and safe to share between threads.
class Condition
{
public:
    virtual ~Condition() = default;
    /// True when the condition holds. Comparisons with a null (unset) value are false,
    /// except `x == null`-style equality of two nulls and `!=`, which is its negation.
    virtual bool evaluate(const ConditionValues &values) const = 0;
    /// A canonical, fully parenthesised rendering, for tests and diagrams.
    virtual QString toString() const = 0;
};

using CompiledCondition = std::variant<std::shared_ptr<const Condition>, ConditionError>;

/// Longer conditions are rejected rather than parsed.
inline constexpr int ConditionMaxLength = 4096;
/// Deeper nesting (parentheses, or operators inside operators) is rejected, so that no input
/// can exhaust the stack.
inline constexpr int ConditionMaxDepth = 64;

/// Parses and type-checks text against scope. Never throws; every problem is a ConditionError.
CompiledCondition compileCondition(const QString &text, const ConditionScope &scope);

} // namespace Baton

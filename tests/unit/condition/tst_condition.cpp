// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/condition.h"
#include "definition/conditionscope.h"

#include <QDate>
#include <QDateTime>
#include <QTest>
#include <QTimeZone>

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

/// The jump-queue example of workflow-language.md, plus a field of every type.
Workflow exampleWorkflow()
{
    Workflow w;
    w.id = QStringLiteral("jump-queue");
    w.fields = {
        field("awb", FieldType::String),
        field("urgency", FieldType::Choice,
              {QStringLiteral("normal"), QStringLiteral("high"), QStringLiteral("critical")}),
        field("reason", FieldType::Text),
        field("outcome", FieldType::Choice,
              {QStringLiteral("satisfied"), QStringLiteral("unsatisfied"),
               QStringLiteral("unreachable")}),
        field("attempts", FieldType::Int),
        field("amount", FieldType::Decimal),
        field("vip", FieldType::Bool),
        field("in_stock", FieldType::Bool),
        field("origin", FieldType::String),
        field("due", FieldType::Date),
        field("seen", FieldType::DateTime),
        field("owner", FieldType::User),
        field("target", FieldType::Queue),
    };
    for (const char *name : {"review", "expedite", "answer", "waiting_customer", "closed"}) {
        State s;
        s.name = QString::fromLatin1(name);
        w.states.append(s);
    }
    return w;
}

const ConditionScope &scope()
{
    static const ConditionScope s = conditionScopeFor(exampleWorkflow());
    return s;
}

std::shared_ptr<const Condition> compiled(const QString &text)
{
    const CompiledCondition result = compileCondition(text, scope());
    if (const auto *error = std::get_if<ConditionError>(&result)) {
        qWarning().noquote() << "unexpected error at" << error->offset << ":" << error->message;
        return nullptr;
    }
    return std::get<std::shared_ptr<const Condition>>(result);
}

std::optional<ConditionError> errorOf(const QString &text)
{
    const CompiledCondition result = compileCondition(text, scope());
    if (const auto *error = std::get_if<ConditionError>(&result))
        return *error;
    return std::nullopt;
}

QString repeated(const QString &s, int n)
{
    QString out;
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

} // namespace

class TestCondition : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void syntaxErrors_data();
    void syntaxErrors();
    void typeErrors_data();
    void typeErrors();
    void evaluate_data();
    void evaluate();
    void limits_data();
    void limits();
    void everyPrefixCompilesOrFailsInsideTheText();
    void scopeFor_data();
    void scopeFor();
    void scopeRestrictsChoicesStatesAndTiers();
};

// ---------------------------------------------------------------------------------------------

void TestCondition::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("the start condition of the example workflow")
        << u"urgency != \"normal\""_qs << u"(urgency != \"normal\")"_qs;
    QTest::newRow("and joins two comparisons")
        << u"urgency != \"normal\" and ticket.priority >= 2"_qs
        << u"((urgency != \"normal\") and (ticket.priority >= 2))"_qs;
    QTest::newRow("and binds tighter than or")
        << u"vip or urgency == \"high\" and ticket.priority > 1"_qs
        << u"(vip or ((urgency == \"high\") and (ticket.priority > 1)))"_qs;
    QTest::newRow("parentheses override precedence")
        << u"(vip or urgency == \"high\") and ticket.priority > 1"_qs
        << u"((vip or (urgency == \"high\")) and (ticket.priority > 1))"_qs;
    QTest::newRow("not binds tighter than and")
        << u"not vip and ticket.priority > 1"_qs << u"((not vip) and (ticket.priority > 1))"_qs;
    QTest::newRow("not applies to a whole comparison")
        << u"not urgency == \"high\""_qs << u"(not (urgency == \"high\"))"_qs;
    QTest::newRow("not in is one operator") << u"urgency not in [\"normal\", \"high\"]"_qs
                                            << u"(urgency not in [\"normal\", \"high\"])"_qs;
    QTest::newRow("in a list-valued name")
        << u"\"supervisor\" in user.roles"_qs << u"(\"supervisor\" in user.roles)"_qs;
    QTest::newRow("not in a list-valued name")
        << u"'billing' not in user.departments"_qs << u"(\"billing\" not in user.departments)"_qs;
    QTest::newRow("single quotes become double quotes")
        << u"customer.tier == 'A'"_qs << u"(customer.tier == \"A\")"_qs;
    QTest::newRow("escaped quote and backslash survive")
        << u"reason == \"say \\\"hi\\\" \\\\ bye\""_qs
        << u"(reason == \"say \\\"hi\\\" \\\\ bye\")"_qs;
    QTest::newRow("escaped single quote in single-quoted text")
        << u"reason == 'it\\'s'"_qs << u"(reason == \"it's\")"_qs;
    QTest::newRow("decimal numbers are written shortest")
        << u"amount >= 12.50"_qs << u"(amount >= 12.5)"_qs;
    QTest::newRow("a leading minus makes a negative number")
        << u"amount > -3"_qs << u"(amount > -3)"_qs;
    QTest::newRow("large numbers are written without an exponent")
        << u"amount < 1000000000000000000000"_qs << u"(amount < 1000000000000000000000)"_qs;
    QTest::newRow("small decimals are written without an exponent")
        << u"amount > 0.0000001"_qs << u"(amount > 0.0000001)"_qs;
    QTest::newRow("minus zero is zero") << u"amount == -0"_qs << u"(amount == 0)"_qs;
    QTest::newRow("a list of numbers")
        << u"ticket.priority in [1,2,  3]"_qs << u"(ticket.priority in [1, 2, 3])"_qs;
    QTest::newRow("a bare true/false field is a condition") << u"vip"_qs << u"vip"_qs;
    QTest::newRow("the literal true is a condition") << u"true"_qs << u"true"_qs;
    QTest::newRow("a true/false field compares with false")
        << u"vip == false"_qs << u"(vip == false)"_qs;
    QTest::newRow("any field compares with null") << u"reason == null"_qs << u"(reason == null)"_qs;
    QTest::newRow("null may stand on the left") << u"null != due"_qs << u"(null != due)"_qs;
    QTest::newRow("a date compares with a written date")
        << u"due < \"2026-12-25\""_qs << u"(due < \"2026-12-25\")"_qs;
    QTest::newRow("a datetime compares with a written date")
        << u"seen >= '2026-01-01'"_qs << u"(seen >= \"2026-01-01\")"_qs;
    QTest::newRow("a date in a list of written dates")
        << u"due in [\"2026-12-25\", \"2026-12-26\"]"_qs
        << u"(due in [\"2026-12-25\", \"2026-12-26\"])"_qs;
    QTest::newRow("a run of and is one flat group")
        << u"vip and in_stock and vip"_qs << u"(vip and in_stock and vip)"_qs;
    QTest::newRow("a run of or is one flat group")
        << u"vip or in_stock or ticket.handoffs > 2"_qs
        << u"(vip or in_stock or (ticket.handoffs > 2))"_qs;
    QTest::newRow("names may start with a keyword")
        << u"in_stock or origin == \"web\""_qs << u"(in_stock or (origin == \"web\"))"_qs;
    QTest::newRow("whitespace, tabs and newlines are ignored")
        << u"  urgency\n==\t'high'  "_qs << u"(urgency == \"high\")"_qs;
    QTest::newRow("redundant parentheses disappear") << u"((vip))"_qs << u"vip"_qs;
    QTest::newRow("not not nests") << u"not not vip"_qs << u"(not (not vip))"_qs;
    QTest::newRow("conditions compare as true/false")
        << u"(ticket.priority > 1) == vip"_qs << u"((ticket.priority > 1) == vip)"_qs;
    QTest::newRow("ticket.state against a state name")
        << u"ticket.state == \"review\""_qs << u"(ticket.state == \"review\")"_qs;
    QTest::newRow("two fields of the same type") << u"owner != awb and attempts <= amount"_qs
                                                 << u"((owner != awb) and (attempts <= amount))"_qs;
}

void TestCondition::parse()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);

    const auto condition = compiled(text);
    QVERIFY(condition);
    QCOMPARE(condition->toString(), canonical);

    // The canonical form is itself a valid condition with the same canonical form.
    const auto again = compiled(canonical);
    QVERIFY(again);
    QCOMPARE(again->toString(), canonical);
}

// ---------------------------------------------------------------------------------------------

void TestCondition::syntaxErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty text") << u""_qs << 0 << u"the condition is empty"_qs;
    QTest::newRow("only spaces") << u"   "_qs << 3 << u"the condition is empty"_qs;
    QTest::newRow("missing right operand, at the end")
        << u"urgency =="_qs << 10
        << u"the condition ends too early; expected a name or a value after '=='"_qs;
    QTest::newRow("a single = explains ==")
        << u"urgency = \"high\""_qs << 8 << u"write '==' to compare"_qs;
    QTest::newRow("&& explains and") << u"vip && vip"_qs << 4 << u"write 'and'"_qs;
    QTest::newRow("|| explains or") << u"vip || vip"_qs << 4 << u"write 'or'"_qs;
    QTest::newRow("! explains not") << u"!vip"_qs << 0 << u"write 'not' to negate"_qs;
    QTest::newRow("unclosed parenthesis") << u"(vip"_qs << 4 << u"missing ')'"_qs;
    QTest::newRow("unopened parenthesis") << u"vip)"_qs << 3 << u"has no matching '('"_qs;
    QTest::newRow("unterminated double-quoted text points at the quote")
        << u"reason == \"abc"_qs << 10 << u"no closing quote"_qs;
    QTest::newRow("quotes must match") << u"reason == 'abc\""_qs << 10 << u"no closing quote"_qs;
    QTest::newRow("unknown escape")
        << u"reason == \"a\\nb\""_qs << 12 << u"unknown escape '\\n'"_qs;
    QTest::newRow("comparisons do not chain")
        << u"ticket.priority < 1 < 3"_qs << 20 << u"comparisons cannot be chained"_qs;
    QTest::newRow("equalities do not chain either")
        << u"vip == true == true"_qs << 12 << u"comparisons cannot be chained"_qs;
    QTest::newRow("a list mixes text and numbers")
        << u"urgency in [\"high\", 1]"_qs << 20 << u"only text or only numbers"_qs;
    QTest::newRow("list items need commas")
        << u"urgency in [\"high\" \"normal\"]"_qs << 19 << u"expected ',' or ']'"_qs;
    QTest::newRow("no trailing comma in a list")
        << u"urgency in [\"high\",]"_qs << 19 << u"expected a value in the list"_qs;
    QTest::newRow("unclosed list") << u"urgency in [\"high\""_qs << 18 << u"missing ']'"_qs;
    QTest::newRow("lists hold no names") << u"urgency in [outcome]"_qs << 12 << u"not names"_qs;
    QTest::newRow("lists do not nest")
        << u"urgency in [[\"high\"]]"_qs << 12 << u"lists cannot be nested"_qs;
    QTest::newRow("lists hold no booleans")
        << u"urgency in [true]"_qs << 12 << u"only text or numbers"_qs;
    QTest::newRow("a decimal point needs digits")
        << u"amount > 1."_qs << 10 << u"digits after its decimal point"_qs;
    QTest::newRow("two decimal points")
        << u"amount > 1.2.3"_qs << 12 << u"cannot be followed by '.'"_qs;
    QTest::newRow("letters glued to a number")
        << u"amount > 12abc"_qs << 11 << u"cannot be followed by 'a'"_qs;
    QTest::newRow("no exponent notation")
        << u"amount > 1e5"_qs << 10 << u"cannot be followed by 'e'"_qs;
    QTest::newRow("a lone minus is no arithmetic")
        << u"amount > - 3"_qs << 9 << u"conditions have no arithmetic"_qs;
    QTest::newRow("a dot must be followed by a name")
        << u"ticket. priority > 1"_qs << 7 << u"expected a name after '.'"_qs;
    QTest::newRow("two values without and/or")
        << u"vip in_stock"_qs << 4 << u"join conditions with 'and' or 'or'"_qs;
    QTest::newRow("two parenthesised conditions without and/or")
        << u"(vip) (vip)"_qs << 6 << u"join conditions with 'and' or 'or'"_qs;
    QTest::newRow("not between values must be not in")
        << u"urgency not \"high\""_qs << 12 << u"expected 'in' after 'not'"_qs;
    QTest::newRow("an operator cannot start a condition")
        << u"and vip"_qs << 0 << u"expected a name or a value, but found 'and'"_qs;
    QTest::newRow("a trailing and")
        << u"vip and"_qs << 7 << u"ends too early; expected a name or a value after 'and'"_qs;
    QTest::newRow("not in needs a left side")
        << u"not in user.roles"_qs << 4
        << u"expected a name or a value after 'not', but found 'in'"_qs;
    QTest::newRow("empty parentheses")
        << u"()"_qs << 1 << u"expected a name or a value after '(', but found ')'"_qs;
    QTest::newRow("a stray character")
        << u"urgency == #"_qs << 11 << u"unexpected character '#'"_qs;
    QTest::newRow("non-ASCII letters are not names")
        << u"urgency == \"high\" and \u00e9t\u00e9"_qs << 22 << u"unexpected character"_qs;
    QTest::newRow("a number too large for a double")
        << QString(u"amount > " + QString(400, u'9')) << 9 << u"this number is too large"_qs;
    QTest::newRow("a parenthesis closed by something else")
        << u"(vip ]"_qs << 5 << u"expected ')'"_qs;
}

void TestCondition::syntaxErrors()
{
    QFETCH(QString, text);
    QFETCH(int, offset);
    QFETCH(QString, message);

    const auto error = errorOf(text);
    QVERIFY2(error, qPrintable(text));
    QVERIFY2(error->message.contains(message), qPrintable(error->message));
    QCOMPARE(error->offset, offset);
}

// ---------------------------------------------------------------------------------------------

void TestCondition::typeErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("message");

    QTest::newRow("a misspelt name suggests the closest")
        << u"urgncy == \"high\""_qs << 0 << u"unknown name 'urgncy'; did you mean 'urgency'?"_qs;
    QTest::newRow("a misspelt built-in suggests the closest")
        << u"vip and ticket.priorty > 1"_qs << 8
        << u"unknown name 'ticket.priorty'; did you mean 'ticket.priority'?"_qs;
    QTest::newRow("two swapped letters suggest the name")
        << u"abw == \"x\""_qs << 0 << u"unknown name 'abw'; did you mean 'awb'?"_qs;
    QTest::newRow("an unknown name lists the names")
        << u"colour == \"red\""_qs << 0
        << u"unknown name 'colour'; the names you can use are: amount, attempts, awb,"_qs;
    QTest::newRow("an upper-case keyword is explained")
        << u"vip == TRUE"_qs << 7 << u"keywords are written in lower case: 'true'"_qs;
    QTest::newRow("a number compared with text names both types")
        << u"ticket.priority == \"high\""_qs << 16
        << u"cannot compare ticket.priority (a number) with \"high\" (text)"_qs;
    QTest::newRow("text compared with a number")
        << u"urgency == 2"_qs << 8 << u"cannot compare urgency (text) with 2 (a number)"_qs;
    QTest::newRow("a number compared with true")
        << u"amount != true"_qs << 7
        << u"cannot compare amount (a number) with true (true or false)"_qs;
    QTest::newRow("a typo in a choice option")
        << u"urgency == \"hgih\""_qs << 11
        << u"'hgih' is not an option of urgency (normal, high, critical)"_qs;
    QTest::newRow("a typo in a choice option on the left")
        << u"'hgih' != urgency"_qs << 0 << u"'hgih' is not an option of urgency"_qs;
    QTest::newRow("a typo in a list of choice options")
        << u"urgency in [\"high\", \"critcal\"]"_qs << 20
        << u"'critcal' is not an option of urgency"_qs;
    QTest::newRow("customer tiers are A, B and C")
        << u"customer.tier == \"D\""_qs << 17
        << u"'D' is not an option of customer.tier (A, B, C)"_qs;
    QTest::newRow("ticket.state must name a state")
        << u"ticket.state != \"reviw\""_qs << 16
        << u"'reviw' is not an option of ticket.state (review, expedite,"_qs;
    QTest::newRow("choices have no order")
        << u"urgency < \"high\""_qs << 8 << u"'<' orders numbers and dates only"_qs;
    QTest::newRow("text has no order")
        << u"reason >= \"m\""_qs << 7 << u"text has no dependable order"_qs;
    QTest::newRow("true/false has no order")
        << u"vip > false"_qs << 4
        << u"'>' orders numbers and dates only, and vip is true or false"_qs;
    QTest::newRow("null has no order")
        << u"ticket.priority < null"_qs << 16 << u"null can only be compared with '==' or '!='"_qs;
    QTest::newRow("in needs a list, not text")
        << u"urgency in \"abc\""_qs << 11 << u"'in' needs a list on its right"_qs;
    QTest::newRow("in needs a list, not a text field")
        << u"\"a\" not in reason"_qs << 11 << u"'not in' needs a list on its right"_qs;
    QTest::newRow("a number is not in a list of text")
        << u"ticket.priority in [\"1\", \"2\"]"_qs << 16
        << u"cannot look for ticket.priority (a number) in [\"1\", \"2\"] (a list of text)"_qs;
    QTest::newRow("text is not in a list of numbers")
        << u"urgency in [1, 2]"_qs << 8 << u"(text) in [1, 2] (a list of numbers)"_qs;
    QTest::newRow("only text is looked up in user.roles")
        << u"ticket.priority in user.roles"_qs << 16
        << u"cannot look for ticket.priority (a number) in user.roles (a list of text)"_qs;
    QTest::newRow("== on a list suggests in")
        << u"user.roles == \"admin\""_qs << 11
        << u"to test membership write '\"admin\" in user.roles'"_qs;
    QTest::newRow("!= with a list literal suggests not in")
        << u"urgency != [\"high\"]"_qs << 8
        << u"to test membership write 'urgency not in [\"high\"]'"_qs;
    QTest::newRow("lists have no order")
        << u"user.roles < 3"_qs << 11 << u"compares single values, not lists"_qs;
    QTest::newRow("an empty list never matches")
        << u"urgency in []"_qs << 11 << u"the list is empty"_qs;
    QTest::newRow("null is not looked up in a list")
        << u"null in [\"a\"]"_qs << 0 << u"null cannot be looked up in a list"_qs;
    QTest::newRow("a list is not looked up in a list")
        << u"user.roles in [\"a\"]"_qs << 0 << u"the left side of 'in' must be a single value"_qs;
    QTest::newRow("a text field alone is no condition")
        << u"urgency"_qs << 0 << u"the condition must be true or false, but urgency is text"_qs;
    QTest::newRow("a text literal alone is no condition")
        << u"  \"high\""_qs << 2 << u"must be true or false, but \"high\" is text"_qs;
    QTest::newRow("null alone is no condition")
        << u"null"_qs << 0 << u"must be true or false, but null is null"_qs;
    QTest::newRow("and needs conditions on its left")
        << u"ticket.priority and vip"_qs << 0
        << u"'and' joins conditions, but ticket.priority is a number"_qs;
    QTest::newRow("and needs conditions on its right")
        << u"vip and urgency"_qs << 8 << u"'and' joins conditions, but urgency is text"_qs;
    QTest::newRow("or needs conditions")
        << u"vip or (due)"_qs << 8 << u"'or' joins conditions, but due is a date"_qs;
    QTest::newRow("not needs a condition")
        << u"not reason"_qs << 4 << u"'not' must be followed by a condition, but reason is text"_qs;
    QTest::newRow("an impossible date")
        << u"due == \"2026-13-01\""_qs << 7
        << u"'2026-13-01' is not a valid date; write dates as YYYY-MM-DD"_qs;
    QTest::newRow("a date in words")
        << u"due < 'tomorrow'"_qs << 6 << u"'tomorrow' is not a valid date"_qs;
    QTest::newRow("a date needs leading zeros")
        << u"due < '2026-1-5'"_qs << 6 << u"'2026-1-5' is not a valid date"_qs;
    QTest::newRow("an impossible date in a list") << u"due in [\"2026-01-01\", \"2026-02-30\"]"_qs
                                                  << 22 << u"'2026-02-30' is not a valid date"_qs;
    QTest::newRow("a date compared with a text field")
        << u"due == reason"_qs << 4 << u"cannot compare due (a date) with reason (text)"_qs;
    QTest::newRow("a date compared with a number")
        << u"due > 5"_qs << 4 << u"cannot compare due (a date) with 5 (a number)"_qs;
    QTest::newRow("empty text never matches")
        << u"reason == \"\""_qs << 10 << u"\"\" never matches, because an empty field is null"_qs;
    QTest::newRow("the first type error wins")
        << u"vip and colour == 1 and urgency == 2"_qs << 8 << u"unknown name 'colour'"_qs;
}

void TestCondition::typeErrors()
{
    QFETCH(QString, text);
    QFETCH(int, offset);
    QFETCH(QString, message);

    const auto error = errorOf(text);
    QVERIFY2(error, qPrintable(text));
    QVERIFY2(error->message.contains(message), qPrintable(error->message));
    QCOMPARE(error->offset, offset);
}

// ---------------------------------------------------------------------------------------------

void TestCondition::evaluate_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QVariantHash>("values");
    QTest::addColumn<bool>("expected");

    const QString notNormal = u"urgency != \"normal\""_qs;
    QTest::newRow("start condition holds for high")
        << notNormal << QVariantHash {{u"urgency"_qs, u"high"_qs}} << true;
    QTest::newRow("start condition fails for normal")
        << notNormal << QVariantHash {{u"urgency"_qs, u"normal"_qs}} << false;
    QTest::newRow("!= holds when the field is unset") << notNormal << QVariantHash {} << true;
    QTest::newRow("== fails when the field is unset")
        << u"urgency == \"high\""_qs << QVariantHash {} << false;
    QTest::newRow("an invalid QVariant is unset")
        << u"urgency == null"_qs << QVariantHash {{u"urgency"_qs, QVariant()}} << true;
    QTest::newRow("text is compared case-sensitively")
        << u"urgency == \"high\""_qs << QVariantHash {{u"urgency"_qs, u"High"_qs}} << false;
    QTest::newRow("== null holds when unset") << u"reason == null"_qs << QVariantHash {} << true;
    QTest::newRow("empty text is null")
        << u"reason == null"_qs << QVariantHash {{u"reason"_qs, u""_qs}} << true;
    QTest::newRow("!= null holds when filled in")
        << u"reason != null"_qs << QVariantHash {{u"reason"_qs, u"x"_qs}} << true;
    QTest::newRow("null equals null") << u"null == null"_qs << QVariantHash {} << true;

    const QString atLeastTwo = u"ticket.priority >= 2"_qs;
    QTest::newRow("int priority") << atLeastTwo << QVariantHash {{u"ticket.priority"_qs, 2}}
                                  << true;
    QTest::newRow("qlonglong priority")
        << atLeastTwo << QVariantHash {{u"ticket.priority"_qs, qlonglong(1)}} << false;
    QTest::newRow("double priority")
        << atLeastTwo << QVariantHash {{u"ticket.priority"_qs, 2.5}} << true;
    QTest::newRow("numeric text priority")
        << atLeastTwo << QVariantHash {{u"ticket.priority"_qs, u" 3 "_qs}} << true;
    QTest::newRow("ordering with an unset number is false")
        << u"ticket.priority < 2"_qs << QVariantHash {} << false;
    QTest::newRow("negated ordering with an unset number is true")
        << u"not (ticket.priority < 2)"_qs << QVariantHash {} << true;
    QTest::newRow("decimals compare as numbers")
        << u"amount == 12.5"_qs << QVariantHash {{u"amount"_qs, 12.5}} << true;
    QTest::newRow("non-numeric text in a number field is null")
        << u"amount == null"_qs << QVariantHash {{u"amount"_qs, u"abc"_qs}} << true;
    QTest::newRow("negative numbers")
        << u"amount > -3"_qs << QVariantHash {{u"amount"_qs, -2}} << true;
    QTest::newRow("int field against a decimal literal")
        << u"attempts < 2.5"_qs << QVariantHash {{u"attempts"_qs, 2}} << true;
    QTest::newRow("handoffs over a limit")
        << u"ticket.handoffs > 3"_qs << QVariantHash {{u"ticket.handoffs"_qs, 4u}} << true;

    const QString supervisor = u"\"supervisor\" in user.roles"_qs;
    QTest::newRow("role in a QStringList")
        << supervisor
        << QVariantHash {{u"user.roles"_qs, QStringList {u"agent"_qs, u"supervisor"_qs}}} << true;
    QTest::newRow("role in a QVariantList")
        << supervisor
        << QVariantHash {{u"user.roles"_qs, QVariantList {u"agent"_qs, u"supervisor"_qs}}} << true;
    QTest::newRow("role missing from the list")
        << supervisor << QVariantHash {{u"user.roles"_qs, QStringList {u"agent"_qs}}} << false;
    QTest::newRow("in an unset list is false") << supervisor << QVariantHash {} << false;
    QTest::newRow("not in an unset list is true")
        << u"\"admin\" not in user.roles"_qs << QVariantHash {} << true;
    QTest::newRow("a single department as plain text")
        << u"\"billing\" in user.departments"_qs
        << QVariantHash {{u"user.departments"_qs, u"billing"_qs}} << true;

    const QString urgent = u"urgency in [\"high\", \"critical\"]"_qs;
    QTest::newRow("in a list literal")
        << urgent << QVariantHash {{u"urgency"_qs, u"critical"_qs}} << true;
    QTest::newRow("not in a list literal")
        << urgent << QVariantHash {{u"urgency"_qs, u"normal"_qs}} << false;
    QTest::newRow("unset is in no list") << urgent << QVariantHash {} << false;
    QTest::newRow("unset is not in every list")
        << u"urgency not in [\"high\", \"critical\"]"_qs << QVariantHash {} << true;
    QTest::newRow("a number in a list of numbers")
        << u"ticket.priority in [1, 2]"_qs << QVariantHash {{u"ticket.priority"_qs, 2}} << true;

    const QString precedence = u"vip or urgency == \"high\" and ticket.priority > 1"_qs;
    QTest::newRow("or holds on its left alone")
        << precedence << QVariantHash {{u"vip"_qs, true}} << true;
    QTest::newRow("parenthesised or still needs the and")
        << u"(vip or urgency == \"high\") and ticket.priority > 1"_qs
        << QVariantHash {{u"vip"_qs, true}} << false;
    QTest::newRow("and needs both sides")
        << precedence << QVariantHash {{u"urgency"_qs, u"high"_qs}, {u"ticket.priority"_qs, 1}}
        << false;
    QTest::newRow("not of an unset true/false field is true")
        << u"not vip"_qs << QVariantHash {} << true;
    QTest::newRow("an unset true/false field alone is false")
        << u"vip"_qs << QVariantHash {} << false;
    QTest::newRow("true/false from text")
        << u"vip"_qs << QVariantHash {{u"vip"_qs, u"true"_qs}} << true;
    QTest::newRow("true/false from an int") << u"vip"_qs << QVariantHash {{u"vip"_qs, 0}} << false;
    QTest::newRow("an unset true/false field is not false")
        << u"vip == false"_qs << QVariantHash {} << false;
    QTest::newRow("an unset true/false field is null")
        << u"vip == null"_qs << QVariantHash {} << true;
    QTest::newRow("comparisons compared with a field")
        << u"(ticket.priority > 1) == vip"_qs
        << QVariantHash {{u"ticket.priority"_qs, 2}, {u"vip"_qs, true}} << true;
    QTest::newRow("false or false")
        << u"false or vip"_qs << QVariantHash {{u"vip"_qs, false}} << false;

    QTest::newRow("a QDate before a written date")
        << u"due < \"2026-12-25\""_qs << QVariantHash {{u"due"_qs, QDate(2026, 12, 24)}} << true;
    QTest::newRow("a date as text is not before itself")
        << u"due < \"2026-12-25\""_qs << QVariantHash {{u"due"_qs, u"2026-12-25"_qs}} << false;
    QTest::newRow("a date as text is at most itself")
        << u"due <= \"2026-12-25\""_qs << QVariantHash {{u"due"_qs, u"2026-12-25"_qs}} << true;
    QTest::newRow("a datetime compares by its date")
        << u"seen == \"2026-01-01\""_qs
        << QVariantHash {{u"seen"_qs, QDateTime(QDate(2026, 1, 1), QTime(23, 0), QTimeZone::utc())}}
        << true;
    QTest::newRow("a datetime as ISO text")
        << u"seen >= \"2026-01-02\""_qs << QVariantHash {{u"seen"_qs, u"2026-01-01T08:00:00Z"_qs}}
        << false;
    QTest::newRow("an unset date is not equal")
        << u"due == \"2026-12-25\""_qs << QVariantHash {} << false;
    QTest::newRow("an unset date is unequal")
        << u"due != \"2026-12-25\""_qs << QVariantHash {} << true;
    QTest::newRow("a date in a list of dates")
        << u"due in [\"2026-12-25\", \"2026-12-26\"]"_qs
        << QVariantHash {{u"due"_qs, QDate(2026, 12, 26)}} << true;
    QTest::newRow("a date field holding junk is null")
        << u"due == null"_qs << QVariantHash {{u"due"_qs, u"soon"_qs}} << true;
    QTest::newRow("customer tier")
        << u"customer.tier == \"A\" and ticket.state == \"review\""_qs
        << QVariantHash {{u"customer.tier"_qs, u"A"_qs}, {u"ticket.state"_qs, u"review"_qs}}
        << true;
}

void TestCondition::evaluate()
{
    QFETCH(QString, text);
    QFETCH(QVariantHash, values);
    QFETCH(bool, expected);

    const auto condition = compiled(text);
    QVERIFY(condition);
    QCOMPARE(condition->evaluate(values), expected);
    // The canonical form means the same.
    const auto canonical = compiled(condition->toString());
    QVERIFY(canonical);
    QCOMPARE(canonical->evaluate(values), expected);
}

// ---------------------------------------------------------------------------------------------

void TestCondition::limits_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset"); ///< -1: compiles
    QTest::addColumn<QString>("message");

    const int depth = ConditionMaxDepth;
    QTest::newRow("64 parentheses are fine")
        << QString(repeated(u"("_qs, depth) + u"vip"_qs + repeated(u")"_qs, depth)) << -1
        << QString();
    QTest::newRow("65 parentheses are too deep")
        << QString(repeated(u"("_qs, depth + 1) + u"vip"_qs + repeated(u")"_qs, depth + 1)) << depth
        << u"nests more than 64 levels deep"_qs;
    QTest::newRow("64 nots are fine")
        << QString(repeated(u"not "_qs, depth) + u"vip"_qs) << -1 << QString();
    QTest::newRow("65 nots are too deep") << QString(repeated(u"not "_qs, depth + 1) + u"vip"_qs)
                                          << 0 << u"nests more than 64 levels deep"_qs;
    QTest::newRow("thousands of unbalanced parentheses stop at the limit")
        << repeated(u"("_qs, 4000) << depth << u"nests more than 64 levels deep"_qs;
    QTest::newRow("a long flat run of and is fine")
        << QString(u"vip"_qs + repeated(u" and vip"_qs, 500)) << -1 << QString();
    QTest::newRow("4096 characters are fine")
        << QString(u"vip"_qs + QString(ConditionMaxLength - 3, u' ')) << -1 << QString();
    QTest::newRow("4097 characters are too long")
        << QString(u"vip"_qs + QString(ConditionMaxLength - 2, u' ')) << ConditionMaxLength
        << u"longer than 4096 characters"_qs;
}

void TestCondition::limits()
{
    QFETCH(QString, text);
    QFETCH(int, offset);
    QFETCH(QString, message);

    const auto error = errorOf(text);
    if (offset < 0) {
        QVERIFY2(!error, error ? qPrintable(error->message) : "");
        const auto condition = compiled(text);
        QVERIFY(condition);
        QVERIFY(compiled(condition->toString())); // the canonical form is within the limits too
        return;
    }
    QVERIFY(error);
    QVERIFY2(error->message.contains(message), qPrintable(error->message));
    QCOMPARE(error->offset, offset);
}

void TestCondition::everyPrefixCompilesOrFailsInsideTheText()
{
    const QStringList texts {
        u"(vip or urgency == \"high\") and not ticket.priority in [1, 2]"_qs,
        u"'sup\\'er' not in user.roles or due >= \"2026-12-25\" and amount != -1.5"_qs,
        u"not (customer.tier in ['A', 'B'] and reason == null)"_qs,
    };
    for (const QString &text : texts) {
        QVERIFY2(compiled(text), qPrintable(text));
        for (int length = 0; length < text.size(); ++length) {
            const QString prefix = text.left(length);
            if (const auto error = errorOf(prefix)) {
                QVERIFY2(error->offset >= 0 && error->offset <= prefix.size(), qPrintable(prefix));
                QVERIFY2(!error->message.isEmpty(), qPrintable(prefix));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

void TestCondition::scopeFor_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("type");

    const auto row = [](const char *name, ValueType type) {
        QTest::newRow(name) << QString::fromLatin1(name) << int(type);
    };
    row("awb", ValueType::String);
    row("reason", ValueType::String);
    row("urgency", ValueType::String);
    row("owner", ValueType::String);
    row("target", ValueType::String);
    row("attempts", ValueType::Number);
    row("amount", ValueType::Number);
    row("vip", ValueType::Bool);
    row("due", ValueType::Date);
    row("seen", ValueType::Date);
    row("ticket.priority", ValueType::Number);
    row("ticket.state", ValueType::String);
    row("ticket.queue", ValueType::String);
    row("ticket.handoffs", ValueType::Number);
    row("customer.tier", ValueType::String);
    row("customer.id", ValueType::String);
    row("user.roles", ValueType::StringList);
    row("user.departments", ValueType::StringList);
}

void TestCondition::scopeFor()
{
    QFETCH(QString, name);
    QFETCH(int, type);

    QVERIFY(scope().names.contains(name));
    QCOMPARE(int(scope().names.value(name)), type);
}

void TestCondition::scopeRestrictsChoicesStatesAndTiers()
{
    QCOMPARE(scope().allowedValues.value(u"urgency"_qs),
             (QStringList {u"normal"_qs, u"high"_qs, u"critical"_qs}));
    QCOMPARE(scope().allowedValues.value(u"ticket.state"_qs),
             (QStringList {u"review"_qs, u"expedite"_qs, u"answer"_qs, u"waiting_customer"_qs,
                           u"closed"_qs}));
    QCOMPARE(scope().allowedValues.value(u"customer.tier"_qs),
             (QStringList {u"A"_qs, u"B"_qs, u"C"_qs}));
    QVERIFY(!scope().allowedValues.contains(u"reason"_qs));
    QVERIFY(!scope().allowedValues.contains(u"ticket.queue"_qs));
    QCOMPARE(scope().names.size(), exampleWorkflow().fields.size() + 8);
}

QTEST_GUILESS_MAIN(TestCondition)
#include "tst_condition.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "condition.h"

#include "core/quoting.h"
#include "editdistance.h"

#include <QDate>
#include <QDateTime>
#include <QLocale>
#include <QMetaType>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace Baton {

namespace {

// ---------------------------------------------------------------------------------------------
// Values

struct Value
{
    enum class Kind { Null, String, Number, Bool, Date, List };
    Kind kind = Kind::Null;
    QString string;
    double number = 0;
    bool boolean = false;
    QDate date;
    std::vector<Value> items;

    bool isNull() const { return kind == Kind::Null; }

    static Value makeString(QString s)
    {
        Value v;
        v.kind = Kind::String;
        v.string = std::move(s);
        return v;
    }
    static Value makeNumber(double d)
    {
        Value v;
        v.kind = Kind::Number;
        v.number = d;
        return v;
    }
    static Value makeBool(bool b)
    {
        Value v;
        v.kind = Kind::Bool;
        v.boolean = b;
        return v;
    }
    static Value makeDate(QDate d)
    {
        Value v;
        v.kind = Kind::Date;
        v.date = d;
        return v;
    }
};

bool sameValue(const Value &a, const Value &b)
{
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case Value::Kind::Null:
        return true;
    case Value::Kind::String:
        return a.string == b.string;
    case Value::Kind::Number:
        return a.number == b.number;
    case Value::Kind::Bool:
        return a.boolean == b.boolean;
    case Value::Kind::Date:
        return a.date == b.date;
    case Value::Kind::List:
        return false; // the checker never lets lists be compared with ==
    }
    return false;
}

/// -1, 0 or 1; nullopt when the two cannot be ordered.
std::optional<int> orderValues(const Value &a, const Value &b)
{
    if (a.kind != b.kind)
        return std::nullopt;
    switch (a.kind) {
    case Value::Kind::Number:
        return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
    case Value::Kind::Date:
        return a.date < b.date ? -1 : (a.date > b.date ? 1 : 0);
    default:
        return std::nullopt;
    }
}

QString renderNumber(double d)
{
    if (d == 0)
        return QStringLiteral("0"); // no "-0"
    return QString::number(d, 'f', QLocale::FloatingPointShortest);
}

QString renderValue(const Value &v)
{
    switch (v.kind) {
    case Value::Kind::Null:
        return QStringLiteral("null");
    case Value::Kind::String:
        return doubleQuoted(v.string);
    case Value::Kind::Number:
        return renderNumber(v.number);
    case Value::Kind::Bool:
        return v.boolean ? QStringLiteral("true") : QStringLiteral("false");
    case Value::Kind::Date:
        return doubleQuoted(v.date.toString(Qt::ISODate));
    case Value::Kind::List: {
        QString out = QStringLiteral("[");
        for (size_t i = 0; i < v.items.size(); ++i) {
            if (i > 0)
                out += QStringLiteral(", ");
            out += renderValue(v.items[i]);
        }
        out += u']';
        return out;
    }
    }
    return {};
}

/// A strict YYYY-MM-DD calendar date, or an invalid QDate.
QDate parseIsoDate(const QString &s)
{
    if (s.size() != 10 || s.at(4) != u'-' || s.at(7) != u'-')
        return {};
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s.at(i).unicode() < u'0' || s.at(i).unicode() > u'9')
            return {};
    return QDate::fromString(s, QStringLiteral("yyyy-MM-dd"));
}

// ---------------------------------------------------------------------------------------------
// Static types (ValueType plus what list literals can be)

enum class Type { String, Number, Bool, Date, StringList, NumberList, EmptyList, Null };

Type typeOf(ValueType t)
{
    switch (t) {
    case ValueType::String:
        return Type::String;
    case ValueType::Number:
        return Type::Number;
    case ValueType::Bool:
        return Type::Bool;
    case ValueType::Date:
        return Type::Date;
    case ValueType::StringList:
        return Type::StringList;
    case ValueType::Null:
        return Type::Null;
    }
    return Type::Null;
}

bool isListType(Type t)
{
    return t == Type::StringList || t == Type::NumberList || t == Type::EmptyList;
}

QString typeName(Type t)
{
    switch (t) {
    case Type::String:
        return QStringLiteral("text");
    case Type::Number:
        return QStringLiteral("a number");
    case Type::Bool:
        return QStringLiteral("true or false");
    case Type::Date:
        return QStringLiteral("a date");
    case Type::StringList:
        return QStringLiteral("a list of text");
    case Type::NumberList:
        return QStringLiteral("a list of numbers");
    case Type::EmptyList:
        return QStringLiteral("an empty list");
    case Type::Null:
        return QStringLiteral("null");
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
    End,
    Name,
    String,
    Number,
    True,
    False,
    Null,
    And,
    Or,
    Not,
    In,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma
};

struct Token
{
    Tok kind = Tok::End;
    int offset = 0;
    int length = 0;
    QString text; ///< a name, or a string literal's value after unescaping
    double number = 0;
};

bool isAsciiLetter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z');
}
bool isDigit(QChar c)
{
    return c.unicode() >= u'0' && c.unicode() <= u'9';
}
bool isNameStart(QChar c)
{
    return isAsciiLetter(c) || c == u'_';
}
bool isNameChar(QChar c)
{
    return isNameStart(c) || isDigit(c);
}

QString describeChar(QChar c)
{
    if (c.isPrint() && !c.isSpace())
        return u'\'' + QString(c) + u'\'';
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

class Lexer
{
public:
    explicit Lexer(const QString &text)
        : m_text(text)
    {
    }

    std::optional<ConditionError> run(std::vector<Token> &out)
    {
        const int n = int(m_text.size());
        int i = 0;
        while (true) {
            while (i < n && m_text.at(i).isSpace())
                ++i;
            Token t;
            t.offset = i;
            if (i >= n) {
                t.kind = Tok::End;
                out.push_back(std::move(t));
                return std::nullopt;
            }
            const QChar c = m_text.at(i);
            const QChar c1 = i + 1 < n ? m_text.at(i + 1) : QChar();
            if (c == u'"' || c == u'\'') {
                if (auto error = string(i, t))
                    return error;
            } else if (isDigit(c) || (c == u'-' && isDigit(c1))) {
                if (auto error = number(i, t))
                    return error;
            } else if (isNameStart(c)) {
                if (auto error = name(i, t))
                    return error;
            } else if (auto error = punctuation(i, t)) {
                return error;
            }
            i = t.offset + t.length;
            out.push_back(std::move(t));
        }
    }

private:
    /// An operator or bracket at i: sets t's kind and length, or explains why it is none.
    std::optional<ConditionError> punctuation(int i, Token &t) const
    {
        const int n = int(m_text.size());
        const QChar c = m_text.at(i);
        const QChar c1 = i + 1 < n ? m_text.at(i + 1) : QChar();
        int len = 1;
        switch (c.unicode()) {
        case u'(':
            t.kind = Tok::LParen;
            break;
        case u')':
            t.kind = Tok::RParen;
            break;
        case u'[':
            t.kind = Tok::LBracket;
            break;
        case u']':
            t.kind = Tok::RBracket;
            break;
        case u',':
            t.kind = Tok::Comma;
            break;
        case u'=':
            if (c1 != u'=')
                return ConditionError {i,
                                       QStringLiteral("a single '=' is not an operator; "
                                                      "write '==' to compare")};
            t.kind = Tok::Eq;
            len = 2;
            break;
        case u'!':
            if (c1 != u'=')
                return ConditionError {i,
                                       QStringLiteral("'!' is not an operator; write "
                                                      "'not' to negate, or '!=' to "
                                                      "compare")};
            t.kind = Tok::Ne;
            len = 2;
            break;
        case u'<':
            t.kind = c1 == u'=' ? Tok::Le : Tok::Lt;
            len = c1 == u'=' ? 2 : 1;
            break;
        case u'>':
            t.kind = c1 == u'=' ? Tok::Ge : Tok::Gt;
            len = c1 == u'=' ? 2 : 1;
            break;
        case u'&':
            return ConditionError {i, QStringLiteral("'&' is not an operator; write 'and'")};
        case u'|':
            return ConditionError {i, QStringLiteral("'|' is not an operator; write 'or'")};
        case u'-':
            return ConditionError {i,
                                   QStringLiteral("'-' must be followed by a number; "
                                                  "conditions have no arithmetic")};
        default:
            return ConditionError {i, u"unexpected character " + describeChar(c)};
        }
        t.length = len;
        return std::nullopt;
    }

    std::optional<ConditionError> string(int start, Token &t)
    {
        const QChar quote = m_text.at(start);
        const int n = int(m_text.size());
        QString value;
        int i = start + 1;
        while (i < n) {
            const QChar c = m_text.at(i);
            if (c == quote) {
                t.kind = Tok::String;
                t.text = value;
                t.length = i + 1 - start;
                return std::nullopt;
            }
            if (c == u'\\') {
                const QChar e = i + 1 < n ? m_text.at(i + 1) : QChar();
                if (e != u'"' && e != u'\'' && e != u'\\') {
                    if (i + 1 >= n)
                        break; // unterminated
                    return ConditionError {i,
                                           u"unknown escape '\\" + QString(e)
                                               + u"' in text; only \\\", \\' and \\\\ are "
                                                 u"allowed"};
                }
                value += e;
                i += 2;
                continue;
            }
            value += c;
            ++i;
        }
        return ConditionError {start, QStringLiteral("this text has no closing quote")};
    }

    std::optional<ConditionError> number(int start, Token &t)
    {
        const int n = int(m_text.size());
        int i = start;
        if (m_text.at(i) == u'-')
            ++i;
        while (i < n && isDigit(m_text.at(i)))
            ++i;
        if (i < n && m_text.at(i) == u'.') {
            if (i + 1 >= n || !isDigit(m_text.at(i + 1)))
                return ConditionError {i,
                                       QStringLiteral("a number needs digits after its decimal "
                                                      "point")};
            ++i;
            while (i < n && isDigit(m_text.at(i)))
                ++i;
        }
        if (i < n && (isNameChar(m_text.at(i)) || m_text.at(i) == u'.'))
            return ConditionError {i,
                                   u"a number cannot be followed by " + describeChar(m_text.at(i))};
        bool ok = false;
        const double value = m_text.mid(start, i - start).toDouble(&ok);
        if (!ok || !std::isfinite(value))
            return ConditionError {start, QStringLiteral("this number is too large")};
        t.kind = Tok::Number;
        t.number = value;
        t.length = i - start;
        return std::nullopt;
    }

    std::optional<ConditionError> name(int start, Token &t)
    {
        const int n = int(m_text.size());
        int i = start;
        bool dotted = false;
        while (true) {
            while (i < n && isNameChar(m_text.at(i)))
                ++i;
            if (i < n && m_text.at(i) == u'.') {
                if (i + 1 >= n || !isNameStart(m_text.at(i + 1)))
                    return ConditionError {i + 1, QStringLiteral("expected a name after '.'")};
                dotted = true;
                ++i;
                continue;
            }
            break;
        }
        t.length = i - start;
        t.text = m_text.mid(start, t.length);
        t.kind = Tok::Name;
        if (!dotted) {
            static const QList<QPair<QString, Tok>> keywords {
                {QStringLiteral("true"), Tok::True}, {QStringLiteral("false"), Tok::False},
                {QStringLiteral("null"), Tok::Null}, {QStringLiteral("and"), Tok::And},
                {QStringLiteral("or"), Tok::Or},     {QStringLiteral("not"), Tok::Not},
                {QStringLiteral("in"), Tok::In}};
            for (const auto &[word, kind] : keywords)
                if (t.text == word)
                    t.kind = kind;
        }
        return std::nullopt;
    }

    const QString &m_text;
};

// ---------------------------------------------------------------------------------------------
// Syntax tree

enum class NodeKind { Literal, Name, List, Not, And, Or, Compare };
enum class Op { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

QString opText(Op op)
{
    switch (op) {
    case Op::Eq:
        return QStringLiteral("==");
    case Op::Ne:
        return QStringLiteral("!=");
    case Op::Lt:
        return QStringLiteral("<");
    case Op::Le:
        return QStringLiteral("<=");
    case Op::Gt:
        return QStringLiteral(">");
    case Op::Ge:
        return QStringLiteral(">=");
    case Op::In:
        return QStringLiteral("in");
    case Op::NotIn:
        return QStringLiteral("not in");
    }
    return {};
}

struct Node
{
    NodeKind kind = NodeKind::Literal;
    int offset = 0; ///< where the node's text starts, for errors about an operand
    int opOffset = 0; ///< the operator's token, for errors about the operation
    int depth = 0; ///< nesting: 0 for names, literals and lists
    Op op = Op::Eq;
    Value literal; ///< Literal, and List once its items are known
    QString name;
    Type type = Type::Null; ///< set by the checker
    std::vector<std::unique_ptr<Node>> children;

    bool isStringLiteral() const
    {
        return kind == NodeKind::Literal && literal.kind == Value::Kind::String;
    }
};

QString render(const Node &n)
{
    switch (n.kind) {
    case NodeKind::Literal:
    case NodeKind::List:
        return renderValue(n.literal);
    case NodeKind::Name:
        return n.name;
    case NodeKind::Not:
        return u"(not " + render(*n.children.front()) + u')';
    case NodeKind::And:
    case NodeKind::Or: {
        const QString glue
            = n.kind == NodeKind::And ? QStringLiteral(" and ") : QStringLiteral(" or ");
        QString out = QStringLiteral("(");
        for (size_t i = 0; i < n.children.size(); ++i) {
            if (i > 0)
                out += glue;
            out += render(*n.children[i]);
        }
        out += u')';
        return out;
    }
    case NodeKind::Compare:
        return u'(' + render(*n.children[0]) + u' ' + opText(n.op) + u' ' + render(*n.children[1])
            + u')';
    }
    return {};
}

/// A node as an error message quotes it: names bare, everything else as written canonically.
QString label(const Node &n)
{
    QString text = render(n);
    if (text.size() > 40)
        text = text.left(37) + QStringLiteral("...");
    return text;
}

void rebuildList(Node &list)
{
    list.literal = Value();
    list.literal.kind = Value::Kind::List;
    for (const auto &item : list.children)
        list.literal.items.push_back(item->literal);
}

// ---------------------------------------------------------------------------------------------
// Parser: or < and < not < comparison < primary

class Parser
{
public:
    Parser(const QString &text, const std::vector<Token> &tokens)
        : m_text(text)
        , m_tokens(tokens)
    {
    }

    std::unique_ptr<Node> parse()
    {
        auto root = parseOr();
        if (!root)
            return nullptr;
        const Token &t = peek();
        if (t.kind != Tok::End) {
            if (t.kind == Tok::RParen)
                return fail(t.offset, QStringLiteral("this ')' has no matching '('"));
            if (t.kind == Tok::Not)
                return fail(t.offset, QStringLiteral("'not' here must be followed by 'in'"));
            return fail(t.offset,
                        u"unexpected " + tokenText(t)
                            + u" after a complete condition; join conditions with "
                              u"'and' or 'or'");
        }
        return root;
    }

    std::optional<ConditionError> error;

private:
    const Token &peek(size_t ahead = 0) const
    {
        return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)];
    }
    const Token &take()
    {
        const Token &t = m_tokens[m_pos];
        if (m_pos + 1 < m_tokens.size())
            ++m_pos;
        return t;
    }

    std::unique_ptr<Node> fail(int offset, QString message)
    {
        if (!error)
            error = ConditionError {offset, std::move(message)};
        return nullptr;
    }

    QString tokenText(const Token &t) const
    {
        if (t.kind == Tok::End)
            return QStringLiteral("the end");
        QString text = m_text.mid(t.offset, t.length);
        if (text.size() > 30)
            text = text.left(27) + QStringLiteral("...");
        return u'\'' + text + u'\'';
    }

    std::unique_ptr<Node> tooDeep(int offset)
    {
        return fail(offset,
                    u"the condition nests more than " + QString::number(ConditionMaxDepth)
                        + u" levels deep; simplify it");
    }

    std::unique_ptr<Node> parseOr() { return parseChain(Tok::Or, NodeKind::Or); }
    std::unique_ptr<Node> parseAnd() { return parseChain(Tok::And, NodeKind::And); }

    std::unique_ptr<Node> parseChain(Tok glue, NodeKind kind)
    {
        auto first = kind == NodeKind::Or ? parseAnd() : parseNot();
        if (!first || peek().kind != glue)
            return first;
        auto node = std::make_unique<Node>();
        node->kind = kind;
        node->offset = first->offset;
        node->opOffset = peek().offset;
        node->depth = first->depth;
        node->children.push_back(std::move(first));
        while (peek().kind == glue) {
            take();
            auto next = kind == NodeKind::Or ? parseAnd() : parseNot();
            if (!next)
                return nullptr;
            node->depth = std::max(node->depth, next->depth);
            node->children.push_back(std::move(next));
        }
        node->depth += 1;
        if (node->depth > ConditionMaxDepth)
            return tooDeep(node->opOffset);
        return node;
    }

    std::unique_ptr<Node> parseNot()
    {
        // A loop, not recursion, so that a long run of `not` cannot exhaust the stack.
        std::vector<int> nots;
        while (peek().kind == Tok::Not)
            nots.push_back(take().offset);
        auto node = parseComparison();
        if (!node)
            return nullptr;
        for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
            auto outer = std::make_unique<Node>();
            outer->kind = NodeKind::Not;
            outer->offset = *it;
            outer->opOffset = *it;
            outer->depth = node->depth + 1;
            if (outer->depth > ConditionMaxDepth)
                return tooDeep(*it);
            outer->children.push_back(std::move(node));
            node = std::move(outer);
        }
        return node;
    }

    std::optional<Op> comparisonAhead() const
    {
        switch (peek().kind) {
        case Tok::Eq:
            return Op::Eq;
        case Tok::Ne:
            return Op::Ne;
        case Tok::Lt:
            return Op::Lt;
        case Tok::Le:
            return Op::Le;
        case Tok::Gt:
            return Op::Gt;
        case Tok::Ge:
            return Op::Ge;
        case Tok::In:
            return Op::In;
        case Tok::Not:
            if (peek(1).kind == Tok::In)
                return Op::NotIn;
            return std::nullopt;
        default:
            return std::nullopt;
        }
    }

    std::unique_ptr<Node> parseComparison()
    {
        auto left = parsePrimary();
        if (!left)
            return nullptr;
        const std::optional<Op> op = comparisonAhead();
        if (!op) {
            if (peek().kind == Tok::Not)
                return fail(peek(1).offset,
                            u"expected 'in' after 'not', but found " + tokenText(peek(1)));
            return left;
        }
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::Compare;
        node->op = *op;
        node->offset = left->offset;
        node->opOffset = take().offset;
        if (*op == Op::NotIn)
            take();
        auto right = parsePrimary();
        if (!right)
            return nullptr;
        if (comparisonAhead()) {
            return fail(peek().offset,
                        QStringLiteral("comparisons cannot be chained; join them with 'and', as "
                                       "in 'a < b and b < c'"));
        }
        node->depth = std::max(left->depth, right->depth) + 1;
        if (node->depth > ConditionMaxDepth)
            return tooDeep(node->opOffset);
        node->children.push_back(std::move(left));
        node->children.push_back(std::move(right));
        return node;
    }

    std::unique_ptr<Node> expectedValue(const Token &t)
    {
        const QString after = m_pos > 0 ? u" after " + tokenText(m_tokens[m_pos - 1]) : QString();
        if (t.kind == Tok::End) {
            if (m_tokens.size() == 1)
                return fail(t.offset, QStringLiteral("the condition is empty"));
            return fail(t.offset,
                        u"the condition ends too early; expected a name or a value" + after);
        }
        return fail(t.offset,
                    u"expected a name or a value" + after + u", but found " + tokenText(t));
    }

    std::unique_ptr<Node> parsePrimary()
    {
        const Token &t = peek();
        auto node = std::make_unique<Node>();
        node->offset = t.offset;
        node->opOffset = t.offset;
        switch (t.kind) {
        case Tok::Name:
            node->kind = NodeKind::Name;
            node->name = take().text;
            return node;
        case Tok::String:
            node->literal = Value::makeString(take().text);
            return node;
        case Tok::Number:
            node->literal = Value::makeNumber(take().number);
            return node;
        case Tok::True:
        case Tok::False:
            node->literal = Value::makeBool(take().kind == Tok::True);
            return node;
        case Tok::Null:
            take();
            return node; // Value() is null
        case Tok::LBracket:
            return parseList();
        case Tok::LParen: {
            const int open = take().offset;
            if (++m_parens > ConditionMaxDepth)
                return tooDeep(open);
            auto inner = parseOr();
            if (!inner)
                return nullptr;
            --m_parens;
            const Token &close = peek();
            if (close.kind != Tok::RParen) {
                if (close.kind == Tok::End)
                    return fail(close.offset, QStringLiteral("missing ')' to close a '('"));
                return fail(close.offset,
                            u"expected ')' or a condition joined with 'and' or "
                            u"'or', but found "
                                + tokenText(close));
            }
            take();
            return inner;
        }
        default:
            return expectedValue(t);
        }
    }

    std::unique_ptr<Node> parseList()
    {
        auto list = std::make_unique<Node>();
        list->kind = NodeKind::List;
        list->offset = take().offset;
        list->opOffset = list->offset;
        if (peek().kind == Tok::RBracket) {
            take();
            rebuildList(*list);
            return list;
        }
        while (true) {
            const Token &t = peek();
            auto item = std::make_unique<Node>();
            item->offset = t.offset;
            item->opOffset = t.offset;
            switch (t.kind) {
            case Tok::String:
                item->literal = Value::makeString(take().text);
                break;
            case Tok::Number:
                item->literal = Value::makeNumber(take().number);
                break;
            case Tok::Name:
                return fail(t.offset,
                            u"a list holds only written values such as \"A\" or 2, not "
                            u"names like "
                                + tokenText(t));
            case Tok::True:
            case Tok::False:
            case Tok::Null:
                return fail(t.offset, u"a list holds only text or numbers, not " + tokenText(t));
            case Tok::LBracket:
                return fail(t.offset, QStringLiteral("lists cannot be nested"));
            case Tok::End:
                return fail(t.offset, QStringLiteral("missing ']' to close the list"));
            default:
                return fail(t.offset, u"expected a value in the list, but found " + tokenText(t));
            }
            if (!list->children.empty()
                && list->children.front()->literal.kind != item->literal.kind)
                return fail(item->offset,
                            QStringLiteral("a list must hold only text or only "
                                           "numbers, not both"));
            list->children.push_back(std::move(item));
            const Token &sep = peek();
            if (sep.kind == Tok::RBracket) {
                take();
                break;
            }
            if (sep.kind == Tok::Comma) {
                take();
                continue;
            }
            if (sep.kind == Tok::End)
                return fail(sep.offset, QStringLiteral("missing ']' to close the list"));
            return fail(sep.offset,
                        u"expected ',' or ']' in the list, but found " + tokenText(sep));
        }
        rebuildList(*list);
        return list;
    }

    const QString &m_text;
    const std::vector<Token> &m_tokens;
    size_t m_pos = 0;
    int m_parens = 0;
};

// ---------------------------------------------------------------------------------------------
// Type checker

class Checker
{
public:
    explicit Checker(const ConditionScope &scope)
        : m_scope(scope)
    {
    }

    std::optional<ConditionError> error;

    bool check(Node &n)
    {
        switch (n.kind) {
        case NodeKind::Literal:
            switch (n.literal.kind) {
            case Value::Kind::String:
                n.type = Type::String;
                break;
            case Value::Kind::Number:
                n.type = Type::Number;
                break;
            case Value::Kind::Bool:
                n.type = Type::Bool;
                break;
            case Value::Kind::Date:
                n.type = Type::Date;
                break;
            default:
                n.type = Type::Null;
                break;
            }
            return true;
        case NodeKind::List:
            if (n.children.empty())
                n.type = Type::EmptyList;
            else
                n.type = n.children.front()->literal.kind == Value::Kind::Number ? Type::NumberList
                                                                                 : Type::StringList;
            for (auto &item : n.children)
                check(*item);
            return true;
        case NodeKind::Name:
            return checkName(n);
        case NodeKind::Not:
        case NodeKind::And:
        case NodeKind::Or: {
            const QString what = n.kind == NodeKind::Not
                ? QStringLiteral("'not' must be followed by a condition")
                : (n.kind == NodeKind::And ? QStringLiteral("'and' joins conditions")
                                           : QStringLiteral("'or' joins conditions"));
            for (auto &child : n.children) {
                if (!check(*child))
                    return false;
                if (child->type != Type::Bool)
                    return fail(child->offset,
                                what + u", but " + label(*child) + u" is " + typeName(child->type)
                                    + u"; compare it with something, e.g. with "
                                      u"'=='");
            }
            n.type = Type::Bool;
            return true;
        }
        case NodeKind::Compare:
            if (!check(*n.children[0]) || !check(*n.children[1]))
                return false;
            n.type = Type::Bool;
            if (n.op == Op::In || n.op == Op::NotIn)
                return checkIn(n, *n.children[0], *n.children[1]);
            if (n.op == Op::Eq || n.op == Op::Ne)
                return checkEquality(n, *n.children[0], *n.children[1]);
            return checkOrdering(n, *n.children[0], *n.children[1]);
        }
        return false;
    }

    bool fail(int offset, QString message)
    {
        if (!error)
            error = ConditionError {offset, std::move(message)};
        return false;
    }

private:
    bool checkName(Node &n)
    {
        const auto it = m_scope.names.constFind(n.name);
        if (it != m_scope.names.cend()) {
            n.type = typeOf(*it);
            return true;
        }
        static const QStringList keywords {QStringLiteral("true"), QStringLiteral("false"),
                                           QStringLiteral("null"), QStringLiteral("and"),
                                           QStringLiteral("or"),   QStringLiteral("not"),
                                           QStringLiteral("in")};
        const QString lower = n.name.toLower();
        if (keywords.contains(lower))
            return fail(n.offset,
                        u"unknown name '" + n.name
                            + u"'; keywords are written in lower "
                              u"case: '"
                            + lower + u'\'');
        QStringList names = m_scope.names.keys();
        std::sort(names.begin(), names.end());
        QString best;
        int bestDistance = 0;
        for (const QString &candidate : names) {
            const int d = editDistance(n.name, candidate);
            if (best.isEmpty() || d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (!best.isEmpty() && bestDistance <= std::max<qsizetype>(1, best.size() / 3))
            return fail(n.offset, u"unknown name '" + n.name + u"'; did you mean '" + best + u"'?");
        if (names.isEmpty())
            return fail(n.offset, u"unknown name '" + n.name + u"'; no names are declared");
        return fail(n.offset,
                    u"unknown name '" + n.name + u"'; the names you can use are: "
                        + names.join(QStringLiteral(", ")));
    }

    QString mismatch(const Node &l, const Node &r) const
    {
        return u"cannot compare " + label(l) + u" (" + typeName(l.type) + u") with " + label(r)
            + u" (" + typeName(r.type) + u')';
    }

    /// A text literal compared with a date is a date, if it is written as one.
    bool coerceDate(Node &literal)
    {
        const QDate date = parseIsoDate(literal.literal.string);
        if (!date.isValid())
            return fail(literal.offset,
                        u"'" + literal.literal.string
                            + u"' is not a valid date; write dates as YYYY-MM-DD, "
                              u"e.g. \"2026-12-25\"");
        literal.literal = Value::makeDate(date);
        literal.type = Type::Date;
        return true;
    }

    bool coerceDates(Node &l, Node &r)
    {
        if (l.type == Type::Date && r.isStringLiteral())
            return coerceDate(r);
        if (r.type == Type::Date && l.isStringLiteral())
            return coerceDate(l);
        return true;
    }

    /// Empty fields are null, so "" would never match anything: almost surely a mistake.
    bool checkNotEmptyText(const Node &literal)
    {
        if (literal.isStringLiteral() && literal.literal.string.isEmpty())
            return fail(literal.offset,
                        QStringLiteral("\"\" never matches, because an empty "
                                       "field is null; write '== null' or '!= "
                                       "null' to test for an empty field"));
        return true;
    }

    bool checkAllowed(const Node &name, const Node &literal)
    {
        if (name.kind != NodeKind::Name || !literal.isStringLiteral())
            return true;
        const auto it = m_scope.allowedValues.constFind(name.name);
        if (it == m_scope.allowedValues.cend() || it->isEmpty()
            || it->contains(literal.literal.string))
            return true;
        return fail(literal.offset,
                    u"'" + literal.literal.string + u"' is not an option of " + name.name + u" ("
                        + it->join(QStringLiteral(", ")) + u')');
    }

    bool checkEquality(Node &n, Node &l, Node &r)
    {
        if (l.type == Type::Null || r.type == Type::Null)
            return true;
        if (isListType(l.type) || isListType(r.type)) {
            const QString op = opText(n.op);
            if (isListType(l.type) && isListType(r.type))
                return fail(n.opOffset, u"lists cannot be compared with '" + op + u'\'');
            const Node &list = isListType(l.type) ? l : r;
            const Node &single = isListType(l.type) ? r : l;
            return fail(n.opOffset,
                        u"'" + op + u"' compares single values, but " + label(list) + u" is "
                            + typeName(list.type) + u"; to test membership write '" + label(single)
                            + (n.op == Op::Eq ? u" in " : u" not in ") + label(list) + u'\'');
        }
        if (!coerceDates(l, r))
            return false;
        if (l.type != r.type)
            return fail(n.opOffset, mismatch(l, r));
        if (l.type == Type::String)
            return checkNotEmptyText(l) && checkNotEmptyText(r) && checkAllowed(l, r)
                && checkAllowed(r, l);
        return true;
    }

    bool checkOrdering(Node &n, Node &l, Node &r)
    {
        const QString op = opText(n.op);
        if (l.type == Type::Null || r.type == Type::Null)
            return fail(n.opOffset,
                        u"null can only be compared with '==' or '!=', not with '" + op + u'\'');
        if (isListType(l.type) || isListType(r.type))
            return fail(n.opOffset, u"'" + op + u"' compares single values, not lists");
        if (!coerceDates(l, r))
            return false;
        if (l.type != r.type)
            return fail(n.opOffset, mismatch(l, r));
        if (l.type == Type::String)
            return fail(n.opOffset,
                        u"'" + op + u"' orders numbers and dates only, and " + label(l)
                            + u" is text: text has no dependable order (\"10\" "
                              u"sorts before \"9\"); to accept several values, "
                              u"write '"
                            + label(l) + u" in [...]'");
        if (l.type == Type::Bool)
            return fail(n.opOffset,
                        u"'" + op + u"' orders numbers and dates only, and " + label(l)
                            + u" is true or false");
        return true;
    }

    bool checkIn(Node &n, Node &l, Node &r)
    {
        const QString op = opText(n.op);
        if (!isListType(r.type))
            return fail(r.offset,
                        u"'" + op
                            + u"' needs a list on its right, such as [\"A\", "
                              u"\"B\"] or user.roles, but "
                            + label(r) + u" is " + typeName(r.type));
        if (l.type == Type::Null)
            return fail(l.offset,
                        QStringLiteral("null cannot be looked up in a list; write '== "
                                       "null' to test for an empty field"));
        if (isListType(l.type))
            return fail(l.offset,
                        u"the left side of '" + op + u"' must be a single value, but " + label(l)
                            + u" is " + typeName(l.type));
        if (r.type == Type::EmptyList)
            return fail(r.offset, QStringLiteral("the list is empty, so nothing is ever in it"));
        if (r.kind == NodeKind::Name) {
            // A list-valued name such as user.roles: only text can be looked up in it.
            if (l.type != Type::String)
                return fail(n.opOffset,
                            u"cannot look for " + label(l) + u" (" + typeName(l.type) + u") in "
                                + label(r) + u" (" + typeName(r.type) + u')');
            return checkNotEmptyText(l);
        }
        if (l.type == Type::Date && r.type == Type::StringList) {
            for (auto &item : r.children)
                if (!coerceDate(*item))
                    return false;
            rebuildList(r);
            return true;
        }
        const bool fits = (l.type == Type::String && r.type == Type::StringList)
            || (l.type == Type::Number && r.type == Type::NumberList);
        if (!fits)
            return fail(n.opOffset,
                        u"cannot look for " + label(l) + u" (" + typeName(l.type) + u") in "
                            + label(r) + u" (" + typeName(r.type) + u')');
        if (l.type == Type::String) {
            if (!checkNotEmptyText(l))
                return false;
            for (const auto &item : r.children)
                if (!checkNotEmptyText(*item) || !checkAllowed(l, *item))
                    return false;
        }
        return true;
    }

    const ConditionScope &m_scope;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

/// A value as the evaluator sees it, tolerant of the QVariant types the runtime may pass.
Value convert(const QVariant &v, Type type)
{
    if (!v.isValid())
        return {};
    const int id = v.typeId();
    switch (type) {
    case Type::String: {
        const QString s = v.toString();
        return s.isEmpty() ? Value() : Value::makeString(s);
    }
    case Type::Number: {
        if (id == QMetaType::QString && v.toString().trimmed().isEmpty())
            return {};
        bool ok = false;
        const double d
            = id == QMetaType::QString ? v.toString().trimmed().toDouble(&ok) : v.toDouble(&ok);
        return ok && std::isfinite(d) ? Value::makeNumber(d) : Value();
    }
    case Type::Bool: {
        if (id == QMetaType::Bool)
            return Value::makeBool(v.toBool());
        if (id == QMetaType::QString) {
            const QString s = v.toString().trimmed().toLower();
            if (s == u"true")
                return Value::makeBool(true);
            if (s == u"false")
                return Value::makeBool(false);
            return {};
        }
        bool ok = false;
        const double d = v.toDouble(&ok);
        return ok ? Value::makeBool(d != 0) : Value();
    }
    case Type::Date: {
        QDate date;
        if (id == QMetaType::QDate)
            date = v.toDate();
        else if (id == QMetaType::QDateTime)
            date = v.toDateTime().date();
        else if (id == QMetaType::QString) {
            const QString s = v.toString().trimmed();
            date = parseIsoDate(s);
            if (!date.isValid() && s.size() > 10)
                date = QDateTime::fromString(s, Qt::ISODateWithMs).date();
        }
        return date.isValid() ? Value::makeDate(date) : Value();
    }
    case Type::StringList: {
        QStringList list;
        if (id == QMetaType::QStringList)
            list = v.toStringList();
        else if (id == QMetaType::QVariantList) {
            const QVariantList items = v.toList();
            for (const QVariant &item : items)
                if (item.isValid())
                    list.append(item.toString());
        } else if (id == QMetaType::QString) {
            if (!v.toString().isEmpty())
                list.append(v.toString());
        } else
            list = v.toStringList();
        if (list.isEmpty())
            return {};
        Value out;
        out.kind = Value::Kind::List;
        for (const QString &s : std::as_const(list))
            out.items.push_back(Value::makeString(s));
        return out;
    }
    case Type::NumberList:
    case Type::EmptyList:
    case Type::Null:
        return {};
    }
    return {};
}

bool test(const Node &n, const ConditionValues &values);

Value valueOf(const Node &n, const ConditionValues &values)
{
    switch (n.kind) {
    case NodeKind::Literal:
    case NodeKind::List:
        return n.literal;
    case NodeKind::Name:
        return convert(values.value(n.name), n.type);
    default:
        return Value::makeBool(test(n, values));
    }
}

bool contains(const Value &list, const Value &item)
{
    if (item.isNull() || list.kind != Value::Kind::List)
        return false;
    return std::any_of(list.items.cbegin(), list.items.cend(),
                       [&](const Value &v) { return sameValue(v, item); });
}

bool test(const Node &n, const ConditionValues &values)
{
    switch (n.kind) {
    case NodeKind::Literal:
    case NodeKind::Name: {
        // An unset true/false name counts as false where a condition is expected.
        const Value v = valueOf(n, values);
        return v.kind == Value::Kind::Bool && v.boolean;
    }
    case NodeKind::List:
        return false;
    case NodeKind::Not:
        return !test(*n.children.front(), values);
    case NodeKind::And:
        return std::all_of(n.children.cbegin(), n.children.cend(),
                           [&](const auto &child) { return test(*child, values); });
    case NodeKind::Or:
        return std::any_of(n.children.cbegin(), n.children.cend(),
                           [&](const auto &child) { return test(*child, values); });
    case NodeKind::Compare: {
        const Value l = valueOf(*n.children[0], values);
        const Value r = valueOf(*n.children[1], values);
        switch (n.op) {
        case Op::Eq:
            return sameValue(l, r);
        case Op::Ne:
            return !sameValue(l, r);
        case Op::In:
            return contains(r, l);
        case Op::NotIn:
            return !contains(r, l);
        default:
            break;
        }
        const std::optional<int> order = orderValues(l, r);
        if (!order)
            return false; // a null (or, defensively, mismatched) operand never orders
        switch (n.op) {
        case Op::Lt:
            return *order < 0;
        case Op::Le:
            return *order <= 0;
        case Op::Gt:
            return *order > 0;
        case Op::Ge:
            return *order >= 0;
        default:
            return false;
        }
    }
    }
    return false;
}

class ParsedCondition final : public Condition
{
public:
    explicit ParsedCondition(std::unique_ptr<Node> root)
        : m_root(std::move(root))
    {
    }
    bool evaluate(const ConditionValues &values) const override { return test(*m_root, values); }
    QString toString() const override { return render(*m_root); }

private:
    std::unique_ptr<const Node> m_root;
};

} // namespace

CompiledCondition compileCondition(const QString &text, const ConditionScope &scope)
{
    if (text.size() > ConditionMaxLength)
        return ConditionError {ConditionMaxLength,
                               u"the condition is longer than "
                                   + QString::number(ConditionMaxLength)
                                   + u" characters; split it or simplify it"};
    std::vector<Token> tokens;
    if (auto error = Lexer(text).run(tokens))
        return *error;
    Parser parser(text, tokens);
    std::unique_ptr<Node> root = parser.parse();
    if (!root)
        return *parser.error;
    Checker checker(scope);
    if (!checker.check(*root))
        return *checker.error;
    if (root->type != Type::Bool)
        return ConditionError {root->offset,
                               u"the condition must be true or false, but " + label(*root) + u" is "
                                   + typeName(root->type)
                                   + u"; compare it with something, e.g. with '=='"};
    return std::shared_ptr<const Condition>(std::make_shared<ParsedCondition>(std::move(root)));
}

} // namespace Baton

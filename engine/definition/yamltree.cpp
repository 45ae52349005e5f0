// SPDX-License-Identifier: GPL-3.0-or-later
#include "yamltree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <istream>
#include <memory>
#include <new>
#include <streambuf>
#include <type_traits>
#include <unordered_map>

namespace Baton {

const YamlNode *YamlNode::value(QStringView key) const
{
    for (const Entry &entry : entries)
        if (entry.first->isScalar() && entry.first->text == key)
            return entry.second.get();
    return nullptr;
}

QString YamlNode::kindName() const
{
    switch (kind) {
    case Kind::Null:
        return QStringLiteral("nothing");
    case Kind::Scalar:
        return QStringLiteral("a scalar");
    case Kind::Sequence:
        return QStringLiteral("a list");
    case Kind::Map:
        return QStringLiteral("a mapping");
    }
    return {};
}

namespace {

// Thrown from inside the event handler to stop yaml-cpp; caught in YamlDocument::parse.
struct StopParsing
{
    int bytePos;
    YamlMark mark;
    QString message;
};

bool isContinuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Whether [begin, end) holds only ASCII, eight bytes at a time: files are mostly ASCII.
bool isAscii(const char *begin, const char *end)
{
    constexpr quint64 highBits = 0x8080808080808080ULL;
    quint64 any = 0;
    for (; end - begin >= 8; begin += 8) {
        quint64 word;
        std::memcpy(&word, begin, sizeof word);
        any |= word;
    }
    for (; begin < end; ++begin)
        any |= static_cast<unsigned char>(*begin);
    return (any & highBits) == 0;
}

// Offset of the first byte that is not valid UTF-8, or -1.
int firstInvalidUtf8(const QByteArray &text)
{
    const auto *data = reinterpret_cast<const unsigned char *>(text.constData());
    const int size = int(text.size());
    for (int i = 0; i < size;) {
        if (size - i >= 8 && isAscii(text.constData() + i, text.constData() + i + 8)) {
            i += 8;
            continue;
        }
        const unsigned char c = data[i];
        int length = 0;
        char32_t minimum = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2;
            minimum = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            minimum = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            minimum = 0x10000;
        } else {
            return i;
        }
        if (i + length > size)
            return i;
        char32_t codePoint = c & (0xFF >> (length + 1));
        for (int k = 1; k < length; ++k) {
            if ((data[i + k] & 0xC0) != 0x80)
                return i;
            codePoint = (codePoint << 6) | (data[i + k] & 0x3F);
        }
        if (codePoint < minimum || codePoint > 0x10FFFF
            || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            return i;
        i += length;
    }
    return -1;
}

// A read-only streambuf over bytes that outlive it.
class SourceBuffer : public std::streambuf
{
public:
    explicit SourceBuffer(const QByteArray &bytes)
    {
        // The get area is never written through; streambuf only takes char *.
        char *begin = const_cast<char *>(bytes.constData());
        setg(begin, begin, begin + bytes.size());
    }
};

} // namespace

static_assert(sizeof(YamlNode) <= 64, "a big workflow has tens of thousands of nodes");

// The nodes of a document and their lists of children, in blocks that never move, so that they
// can point at each other with plain pointers: a few big allocations instead of a few per node.
struct YamlDocument::Store
{
    std::vector<std::unique_ptr<YamlNode[]>> nodeChunks;
    size_t nodesUsed = 0;
    size_t nodeCapacity = 0;
    std::vector<std::unique_ptr<std::byte[]>> listBlocks;
    size_t listUsed = 0;
    size_t listCapacity = 0;
    std::deque<QString> tags;

    YamlNode *makeNode()
    {
        if (nodesUsed == nodeCapacity) {
            nodeCapacity = nodeCapacity == 0 ? 256 : std::min<size_t>(nodeCapacity * 2, 8192);
            nodeChunks.push_back(std::make_unique<YamlNode[]>(nodeCapacity));
            nodesUsed = 0;
        }
        return &nodeChunks.back()[nodesUsed++];
    }

    // A copy of [first, last) that lives as long as the store, after its length (see
    // YamlNodeList::size); null when empty. T is trivially destructible: the blocks are freed
    // without running destructors.
    template<typename T> const T *copyList(const T *first, const T *last)
    {
        static_assert(std::is_trivially_destructible_v<T> && alignof(T) <= alignof(size_t));
        const size_t count = size_t(last - first);
        if (count == 0)
            return nullptr;
        const size_t bytes = sizeof(size_t) + count * sizeof(T);
        if (listUsed + bytes > listCapacity) {
            listCapacity = std::max<size_t>(bytes, 64 * 1024);
            listBlocks.push_back(std::make_unique_for_overwrite<std::byte[]>(listCapacity));
            listUsed = 0;
        }
        std::byte *place = listBlocks.back().get() + listUsed;
        new (place) size_t(count);
        T *copy = reinterpret_cast<T *>(place + sizeof(size_t));
        std::uninitialized_copy(first, last, copy);
        listUsed += bytes;
        return copy;
    }
};

class YamlTreeBuilder : public YAML::EventHandler
{
public:
    YamlTreeBuilder(YamlDocument &document, const YamlDocument::Limits &limits)
        : m_document(document)
        , m_limits(limits)
        , m_source(document.m_source.constData())
        , m_sourceSize(int(document.m_source.size()))
    {
        if (!m_document.m_store)
            m_document.m_store = std::make_shared<YamlDocument::Store>();
    }

    void OnDocumentStart(const YAML::Mark &mark) override { m_documentStart = mark; }
    void OnDocumentEnd() override { }

    void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override
    {
        YamlNode *node = makeNode(YamlNode::Kind::Null, mark);
        // An empty value ("key:" and nothing) gets the mark of whatever follows it, often on
        // a later line; the key is the useful place to point at.
        if (const YamlNode *key = pendingKey(); key && node->mark.line > key->mark.line) {
            node->mark = key->mark;
            node->bytePos = key->bytePos;
        }
        complete(node, anchor, 1);
    }

    void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override
    {
        const auto it = m_anchors.find(anchor);
        if (it == m_anchors.end())
            stop(mark, QStringLiteral("alias to an unknown anchor"));
        if (!it->second.complete)
            stop(mark, QStringLiteral("alias refers to a node that contains it (recursive alias)"));
        m_aliasExpansion += it->second.size;
        if (m_aliasExpansion > m_limits.maxAliasExpansion)
            stop(mark,
                 QStringLiteral("aliases expand this document by more than %1 nodes; "
                                "the document is rejected")
                     .arg(m_limits.maxAliasExpansion));
        attach(it->second.node, it->second.size);
    }

    void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                  const std::string &value) override
    {
        YamlNode *node = makeNode(YamlNode::Kind::Scalar, mark);
        node->text = text(value);
        // "?" is a plain scalar without tag, "!" a quoted one without tag.
        const bool nonSpecific = tag.size() == 1 && (tag[0] == '?' || tag[0] == '!');
        if (!nonSpecific)
            node->m_tag = &m_document.m_store->tags.emplace_back(QString::fromStdString(tag));
        // The mark is where the node's properties (&anchor, !tag) begin; the style shows at
        // the scalar's own first character.
        const char *source = m_source;
        const int size = m_sourceSize;
        int pos = std::clamp(mark.pos, 0, size);
        while (pos < size && (source[pos] == '&' || source[pos] == '!')) {
            while (pos < size && source[pos] != ' ' && source[pos] != '\t' && source[pos] != '\n')
                ++pos;
            while (pos < size && (source[pos] == ' ' || source[pos] == '\t'))
                ++pos;
        }
        const char first = pos < size ? source[pos] : '\0';
        node->style = first == '"'         ? YamlNode::Style::DoubleQuoted
            : first == '\''                ? YamlNode::Style::SingleQuoted
            : first == '|'                 ? YamlNode::Style::Literal
            : first == '>'                 ? YamlNode::Style::Folded
            : nonSpecific && tag[0] == '!' ? YamlNode::Style::DoubleQuoted
                                           : YamlNode::Style::Plain;
        if (pos != mark.pos) {
            node->bytePos = pos;
            node->mark = m_document.markAtByte(pos, m_lineHint);
        }
        complete(node, anchor, 1);
    }

    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value style) override
    {
        open(YamlNode::Kind::Sequence, mark, anchor, style);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value style) override
    {
        open(YamlNode::Kind::Map, mark, anchor, style);
    }
    void OnMapEnd() override { close(); }

    YamlNode::Ptr root() const { return m_root; }
    YAML::Mark documentStart() const { return m_documentStart; }

    [[noreturn]] void stop(const YAML::Mark &mark, const QString &message)
    {
        throw StopParsing {mark.pos, m_document.markAtByte(mark.pos), message};
    }

private:
    struct Open
    {
        YamlNode *node;
        YAML::anchor_t anchor;
        qint64 size;
        size_t firstChild; ///< where this node's children start in m_children
    };
    struct Anchor
    {
        YamlNode::Ptr node;
        qint64 size = 0;
        bool complete = false;
    };

    YamlNode *makeNode(YamlNode::Kind kind, const YAML::Mark &mark)
    {
        YamlNode *node = m_document.m_store->makeNode();
        node->kind = kind;
        node->bytePos = std::max(0, mark.pos);
        node->mark = m_document.markAtByte(node->bytePos, m_lineHint);
        ++m_document.m_nodeCount;
        return node;
    }

    // Keys, names and short values repeat throughout a workflow ("to", "title", queue and
    // state names): equal short scalars share one QString instead of allocating each.
    QString text(const std::string &value)
    {
        if (value.empty())
            return {};
        if (value.size() > maxSharedLength)
            return QString::fromStdString(value);
        // A direct-mapped cache rather than a hash map: no allocation per distinct text, one
        // probe, and a collision only costs a conversion.
        quint32 hash = 2166136261U; // FNV-1a
        for (const char c : value)
            hash = (hash ^ static_cast<unsigned char>(c)) * 16777619U;
        SharedText &slot = m_texts[hash % m_texts.size()];
        if (slot.utf8 != value) {
            slot.utf8 = value;
            slot.text = QString::fromStdString(value);
        }
        return slot.text;
    }

    // The key waiting for its value in the innermost open mapping, if any.
    const YamlNode *pendingKey() const
    {
        if (m_stack.empty() || m_stack.back().node->kind != YamlNode::Kind::Map)
            return nullptr;
        const size_t count = m_children.size() - m_stack.back().firstChild;
        return count % 2 ? m_children.back().get() : nullptr;
    }

    void open(YamlNode::Kind kind, const YAML::Mark &mark, YAML::anchor_t anchor,
              YAML::EmitterStyle::value style)
    {
        YamlNode *node = makeNode(kind, mark);
        node->style
            = style == YAML::EmitterStyle::Flow ? YamlNode::Style::Flow : YamlNode::Style::Block;
        if (anchor != YAML::NullAnchor)
            m_anchors[anchor] = Anchor {YamlNode::Ptr(node), 0, false};
        m_stack.push_back(Open {node, anchor, 1, m_children.size()});
    }

    // The children collect in one scratch list while a node is open, so that the node's own
    // list is allocated once, at its final size.
    void close()
    {
        const Open top = m_stack.back();
        m_stack.pop_back();
        YamlDocument::Store &store = *m_document.m_store;
        if (top.node->kind == YamlNode::Kind::Sequence) {
            top.node->items.m_data = store.copyList(m_children.data() + top.firstChild,
                                                    m_children.data() + m_children.size());
        } else {
            // A key without value cannot come from yaml-cpp, but stay total.
            if ((m_children.size() - top.firstChild) % 2)
                m_children.push_back(YamlNode::Ptr(store.makeNode()));
            m_entries.clear();
            for (size_t i = top.firstChild; i < m_children.size(); i += 2)
                m_entries.emplace_back(m_children[i], m_children[i + 1]);
            top.node->entries.m_data
                = store.copyList(m_entries.data(), m_entries.data() + m_entries.size());
        }
        m_children.resize(top.firstChild);
        complete(top.node, top.anchor, top.size);
    }

    void complete(const YamlNode *node, YAML::anchor_t anchor, qint64 size)
    {
        if (anchor != YAML::NullAnchor)
            m_anchors[anchor] = Anchor {YamlNode::Ptr(node), size, true};
        attach(YamlNode::Ptr(node), size);
    }

    void attach(YamlNode::Ptr node, qint64 size)
    {
        if (m_stack.empty()) {
            m_root = node;
            return;
        }
        m_stack.back().size += size;
        m_children.push_back(node);
    }

    static constexpr size_t maxSharedLength = 32;

    YamlDocument &m_document;
    YamlDocument::Limits m_limits;
    const char *m_source;
    int m_sourceSize;
    int m_lineHint = 0;
    std::vector<Open> m_stack;
    std::vector<YamlNode::Ptr> m_children;
    std::vector<YamlNode::Entry> m_entries; // scratch for close()
    std::unordered_map<YAML::anchor_t, Anchor> m_anchors;
    struct SharedText
    {
        std::string utf8;
        QString text;
    };
    std::vector<SharedText> m_texts = std::vector<SharedText>(1024);
    qint64 m_aliasExpansion = 0;
    YamlNode::Ptr m_root;
    YAML::Mark m_documentStart;
};

YamlDocument YamlDocument::parse(const QByteArray &text, const QString &file)
{
    return parse(text, file, Limits {});
}

YamlDocument YamlDocument::parse(const QByteArray &text, const QString &file, const Limits &limits)
{
    YamlDocument document;
    document.m_file = file;
    document.m_source = text.startsWith("\xEF\xBB\xBF") ? text.mid(3) : text;
    const char *source = document.m_source.constData();
    const char *const sourceEnd = source + document.m_source.size();
    const bool allAscii = isAscii(source, sourceEnd);
    document.m_lineStarts.push_back(0);
    for (const char *line = source;;) {
        const auto *newline
            = static_cast<const char *>(std::memchr(line, '\n', size_t(sourceEnd - line)));
        const char *lineEnd = newline ? newline : sourceEnd;
        document.m_lineAscii.push_back(allAscii || isAscii(line, lineEnd));
        if (!newline)
            break;
        line = newline + 1;
        document.m_lineStarts.push_back(int(line - source));
    }

    auto fail = [&](int bytePos, const QString &message) {
        const YamlMark mark = document.markAtByte(bytePos);
        document.m_diagnostics.append(
            Diagnostic {file, mark.line, mark.column, Diagnostic::Severity::Error, message});
        document.m_root = nullptr;
    };

    const int invalid = firstInvalidUtf8(document.m_source);
    if (invalid >= 0) {
        fail(invalid, QStringLiteral("the file is not valid UTF-8"));
        return document;
    }
    if (document.m_source.contains('\0')) {
        fail(int(document.m_source.indexOf('\0')), QStringLiteral("the file contains a NUL byte"));
        return document;
    }

    // yaml-cpp reads through an istream; one over the document's own bytes spares the two
    // copies that std::istringstream(std::string) would make.
    SourceBuffer buffer(document.m_source);
    std::istream stream(&buffer);
    YamlTreeBuilder builder(document, limits);
    try {
        YAML::Parser parser(stream);
        if (parser.HandleNextDocument(builder)) {
            document.m_root = builder.root();
            YamlTreeBuilder second(document, limits);
            if (parser.HandleNextDocument(second))
                fail(second.documentStart().pos,
                     QStringLiteral("a second YAML document; a file holds exactly one"));
        }
    } catch (const StopParsing &stop) {
        fail(stop.bytePos, stop.message);
    } catch (const YAML::Exception &error) {
        const QString message = QString::fromStdString(error.msg);
        fail(error.mark.is_null() ? 0 : error.mark.pos,
             QStringLiteral("YAML syntax error: ")
                 + (message.isEmpty() ? QStringLiteral("invalid YAML") : message));
    }
    return document;
}

YamlMark YamlDocument::markAtByte(int bytePos) const
{
    int lineHint = 0;
    return markAtByte(bytePos, lineHint);
}

YamlMark YamlDocument::markAtByte(int bytePos, int &lineHint) const
{
    bytePos = std::clamp(bytePos, 0, int(m_source.size()));
    const int lines = int(m_lineStarts.size());
    auto holds = [&](int line) {
        return line >= 0 && line < lines && m_lineStarts[size_t(line)] <= bytePos
            && (line + 1 == lines || bytePos < m_lineStarts[size_t(line) + 1]);
    };
    int lineIndex = lineHint;
    if (!holds(lineIndex)) {
        if (holds(lineIndex + 1)) {
            ++lineIndex;
        } else {
            const auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), bytePos);
            lineIndex = int(it - m_lineStarts.begin()) - 1;
        }
    }
    lineHint = lineIndex;
    const int lineStart = m_lineStarts[size_t(lineIndex)];
    if (m_lineAscii[size_t(lineIndex)])
        return YamlMark {lineIndex + 1, bytePos - lineStart + 1};
    int column = 1;
    for (int i = lineStart; i < bytePos; ++i)
        if (!isContinuationByte(m_source[i]))
            ++column;
    return YamlMark {lineIndex + 1, column};
}

namespace {

// Moves r past the indentation that starts a scalar's continuation line: all blanks in a plain
// or quoted scalar, exactly the content indentation (blockIndent >= 0) in a literal or folded
// one.
int skipIndent(const char *src, int n, int r, int blockIndent)
{
    if (blockIndent < 0) {
        while (r < n && (src[r] == ' ' || src[r] == '\t'))
            ++r;
    } else {
        for (int k = 0; k < blockIndent && r < n && src[r] == ' '; ++k)
            ++r;
    }
    return r;
}

// Where a scalar's content begins in src (past an opening quote or a block header and the
// block's indentation), setting blockIndent for literal and folded scalars; -1 if a block
// scalar has no content line.
int scalarContentStart(const YamlNode &node, const char *src, int n, int &blockIndent)
{
    int r = node.bytePos;
    blockIndent = -1;
    switch (node.style) {
    case YamlNode::Style::SingleQuoted:
    case YamlNode::Style::DoubleQuoted:
        return r + 1;
    case YamlNode::Style::Literal:
    case YamlNode::Style::Folded:
        while (r < n && src[r] != '\n')
            ++r;
        ++r;
        for (int p = r; p < n;) {
            const int lineStart = p;
            while (p < n && src[p] == ' ')
                ++p;
            if (p < n && src[p] == '\n') {
                ++p;
                continue;
            }
            blockIndent = p - lineStart;
            break;
        }
        if (blockIndent < 0)
            return -1;
        return skipIndent(src, n, r, blockIndent);
    default:
        return r;
    }
}

} // namespace

YamlMark YamlDocument::markInScalar(const YamlNode &node, int offset) const
{
    if (!node.isScalar() || offset <= 0 || m_source.isEmpty())
        return node.mark;
    const QByteArray decoded = QStringView(node.text).left(offset).toUtf8();
    const char *src = m_source.constData();
    const int n = int(m_source.size());
    int blockIndent = -1; // literal/folded: the content indentation, skipped after line breaks
    int r = scalarContentStart(node, src, n, blockIndent);
    if (r < 0)
        return node.mark;

    for (int i = 0; i < decoded.size(); ++i) {
        if (r >= n)
            return node.mark;
        const char c = decoded[i];
        if (node.style == YamlNode::Style::DoubleQuoted && src[r] == '\\' && r + 1 < n) {
            const char kind = src[r + 1];
            r += kind == 'x' ? 4 : kind == 'u' ? 6 : kind == 'U' ? 10 : 2;
            while (i + 1 < decoded.size() && isContinuationByte(decoded[i + 1]))
                ++i;
            continue;
        }
        if (node.style == YamlNode::Style::SingleQuoted && c == '\'' && src[r] == '\'' && r + 1 < n
            && src[r + 1] == '\'') {
            r += 2;
            continue;
        }
        if (src[r] == c) {
            ++r;
            if (c == '\n')
                r = skipIndent(src, n, r, blockIndent);
            continue;
        }
        if ((c == ' ' || c == '\n')
            && (src[r] == '\n' || src[r] == '\r' || src[r] == ' ' || src[r] == '\t')) {
            while (r < n && (src[r] == '\n' || src[r] == '\r' || src[r] == ' ' || src[r] == '\t'))
                ++r;
            continue;
        }
        return node.mark;
    }
    return markAtByte(r);
}

} // namespace Baton

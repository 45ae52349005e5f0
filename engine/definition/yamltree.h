// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A YAML document as a tree that remembers where every node was written, so that the checker
// can point at the offending key or value. Built from yaml-cpp's event API (yaml-cpp's own
// YAML::Node forgets quoting, loses duplicate keys and expands aliases without bound).

#include "definition/diagnostic.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace Baton {

/// 1-based line and column (in Unicode code points) of a place in a file.
struct YamlMark
{
    int line = 0;
    int column = 0;
    friend bool operator==(const YamlMark &, const YamlMark &) = default;
};

class YamlNode;

/// A node of a parsed document. The YamlDocument (and its copies) owns all its nodes in one
/// store, so that a 2,000-state workflow costs a few big allocations instead of one shared
/// pointer per node: a YamlNodePtr is valid while a copy of its document lives.
class YamlNodePtr
{
public:
    YamlNodePtr() = default;
    YamlNodePtr(std::nullptr_t) { }
    explicit YamlNodePtr(const YamlNode *node)
        : m_node(node)
    {
    }
    const YamlNode *get() const { return m_node; }
    const YamlNode *operator->() const { return m_node; }
    const YamlNode &operator*() const { return *m_node; }
    explicit operator bool() const { return m_node != nullptr; }
    friend bool operator==(YamlNodePtr, YamlNodePtr) = default;

private:
    const YamlNode *m_node = nullptr;
};

/// A node's items or entries: a read-only view of a list in its document's store (one block
/// allocation for many lists instead of one vector each).
template<typename T> class YamlNodeList
{
public:
    const T *begin() const { return m_data; }
    const T *end() const { return m_data + size(); }
    const T *cbegin() const { return begin(); }
    const T *cend() const { return end(); }
    /// The length is stored in front of the items, keeping a node's two lists to one pointer each.
    size_t size() const { return m_data ? reinterpret_cast<const size_t *>(m_data)[-1] : 0; }
    bool empty() const { return m_data == nullptr; }
    const T &operator[](size_t index) const { return m_data[index]; }
    const T &front() const { return m_data[0]; }
    const T &back() const { return m_data[size() - 1]; }

private:
    friend class YamlTreeBuilder;
    const T *m_data = nullptr; ///< null when empty
};

/// One node of a YAML document. Immutable once parsed; aliases share the anchored subtree.
class YamlNode
{
public:
    // One byte each: a big workflow has tens of thousands of nodes.
    enum class Kind : std::uint8_t { Null, Scalar, Sequence, Map };
    enum class Style : std::uint8_t {
        Plain,
        SingleQuoted,
        DoubleQuoted,
        Literal,
        Folded,
        Flow,
        Block
    };
    using Ptr = YamlNodePtr;
    using Entry = std::pair<Ptr, Ptr>; ///< key, value

    // In this order the node packs into 64 bytes.
    Kind kind = Kind::Null;
    Style style = Style::Plain;
    YamlMark mark; ///< where the node starts (for an alias: where the anchor's node starts)
    int bytePos = 0; ///< offset of mark in the UTF-8 source, for YamlDocument::markInScalar
    QString text; ///< scalar text (decoded); empty otherwise
    YamlNodeList<Ptr> items; ///< sequence items
    YamlNodeList<Entry> entries; ///< map entries in document order, duplicates kept

    /// The explicit tag as written ("!!str"), empty when none.
    QString tag() const { return m_tag ? *m_tag : QString(); }
    bool isNull() const { return kind == Kind::Null; }
    bool isScalar() const { return kind == Kind::Scalar; }
    bool isSequence() const { return kind == Kind::Sequence; }
    bool isMap() const { return kind == Kind::Map; }
    /// Quoted or block scalars, or an explicit tag: the author meant a string, even for "123".
    bool isQuoted() const { return kind == Kind::Scalar && (style != Style::Plain || m_tag); }
    /// The value of the first entry whose key is the scalar key, or null.
    const YamlNode *value(QStringView key) const;
    /// "a scalar", "a list", "a mapping", "nothing" — for messages.
    QString kindName() const;

private:
    friend class YamlTreeBuilder;
    const QString *m_tag = nullptr; ///< in the document's store; tags are rare
};

/// A parsed file: the root node (null if the text could not be parsed) and any syntax errors.
class YamlDocument
{
public:
    /// Limits on what a document may expand to through aliases ("billion laughs").
    struct Limits
    {
        /// Nodes that aliases may add beyond the document's own written nodes.
        qint64 maxAliasExpansion = 100000;
    };

    /// Parses one YAML document. Syntax errors, several documents, recursive aliases and alias
    /// bombs become diagnostics for file; root() is then null.
    static YamlDocument parse(const QByteArray &text, const QString &file);
    static YamlDocument parse(const QByteArray &text, const QString &file, const Limits &limits);

    YamlNode::Ptr root() const { return m_root; }
    const Diagnostics &diagnostics() const { return m_diagnostics; }
    const QString &file() const { return m_file; }
    /// Number of nodes as written (aliases counted once).
    qint64 nodeCount() const { return m_nodeCount; }

    /// Where the character at offset (0-based, in QChars of node.text) of a scalar was written.
    /// Exact for plain and quoted scalars on one line and for literal blocks (`|`); for scalars
    /// folded over several lines and escapes in double quotes it follows the source text
    /// character by character and falls back to the scalar's start when they no longer agree.
    YamlMark markInScalar(const YamlNode &node, int offset) const;

    /// 1-based line/column of a byte offset of the source (columns counted in code points).
    YamlMark markAtByte(int bytePos) const;

private:
    friend class YamlTreeBuilder;
    struct Store;
    /// markAtByte, trying the line lineHint (0-based) and the next one before searching; sets
    /// lineHint to the line found (the tree builder asks in mostly ascending order).
    YamlMark markAtByte(int bytePos, int &lineHint) const;
    std::shared_ptr<Store> m_store; ///< owns the nodes; shared by copies of the document
    QString m_file;
    QByteArray m_source;
    std::vector<int> m_lineStarts; ///< byte offset of each line's first byte
    std::vector<char> m_lineAscii; ///< whether a line is pure ASCII (columns = bytes)
    YamlNode::Ptr m_root;
    Diagnostics m_diagnostics;
    qint64 m_nodeCount = 0;
};

} // namespace Baton

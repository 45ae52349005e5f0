// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to the definition module: the shared vocabulary of the organisation and workflow
// readers for walking a YamlDocument and reporting what is wrong where.

#include "definition/diagnostic.h"
#include "definition/model.h"
#include "definition/yamltree.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace Baton {

/// The closest candidate to word by edit distance, if it is close enough to be a likely typo.
std::optional<QString> closestMatch(const QString &word, const QStringList &candidates);
/// " (did you mean 'x'?)" or "" — appended to messages about unknown names.
QString didYouMean(const QString &word, const QStringList &candidates);

/// Collects diagnostics for one document and offers checked accessors for its nodes.
class YamlCheck
{
public:
    YamlCheck(const YamlDocument &document, Diagnostics &out);

    const YamlDocument &document() const { return m_document; }
    const QString &file() const { return m_document.file(); }

    void error(const YamlNode *node, const QString &message);
    void error(const YamlMark &mark, const QString &message);
    void warning(const YamlNode *node, const QString &message);
    void warning(const YamlMark &mark, const QString &message);

    /// A checked mapping: keys are scalars, duplicates reported, unknown keys reported against
    /// allowed, missing required keys reported at where (or the map node).
    struct Map
    {
        const YamlNode *node = nullptr;
        std::vector<YamlNode::Entry> entries; ///< first occurrence of each scalar key
        bool hadUnknownKeys = false; ///< callers skip checks an unknown key may have caused
        const YamlNode *value(QStringView key) const;
        const YamlNode *key(QStringView key) const;
        bool has(QStringView key) const { return value(key) != nullptr; }
    };
    /// Checks node is a mapping with only allowed keys (empty allowed = any key) and the
    /// required ones. what names it in messages ("state 'review'"). Returns nullopt if node
    /// is not a mapping (reported).
    std::optional<Map> map(const YamlNode *node, const QString &what, const QStringList &allowed,
                           const QStringList &required = {}, const YamlNode *where = nullptr);

    /// A scalar's text; reports anything else (a quoted or plain scalar both count).
    std::optional<QString> scalar(const YamlNode *node, const QString &what);
    /// A list of scalars.
    std::optional<std::vector<const YamlNode *>> scalarList(const YamlNode *node,
                                                            const QString &what);
    std::optional<bool> boolean(const YamlNode *node, const QString &what);
    /// A plain integer scalar within [minimum, maximum].
    std::optional<qint64> integer(const YamlNode *node, const QString &what, qint64 minimum,
                                  qint64 maximum);
    std::optional<qint64> duration(const YamlNode *node, const QString &what);
    /// Text people read (`title:`, `label:` of workflows and of the organisation): a plain
    /// string (the same in every language) or a map of language to text, `{en: ..., zh: ...}`,
    /// with at least one language. what names it ("'title'").
    std::optional<LocalText> localText(const YamlNode *node, const QString &what);
    /// A name as used for states, queues, fields, ...: letters, digits, '_' and '-'.
    bool checkName(const YamlNode *node, const QString &kind);

private:
    const YamlDocument &m_document;
    Diagnostics &m_out;
};

/// Sorts one file's diagnostics by line and column (stably) and drops exact repeats (shared alias
/// subtrees).
void sortDiagnostics(Diagnostics &diagnostics);

} // namespace Baton

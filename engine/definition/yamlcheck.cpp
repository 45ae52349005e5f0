// SPDX-License-Identifier: GPL-3.0-or-later
#include "yamlcheck.h"

#include "duration.h"
#include "editdistance.h"

#include <QRegularExpression>

#include <algorithm>
#include <array>

namespace Baton {

std::optional<QString> closestMatch(const QString &word, const QStringList &candidates)
{
    if (word.isEmpty())
        return std::nullopt;
    // Long lists (a 2,000-state workflow) are searched only among names of similar length.
    const int limit = std::clamp(int(word.size()) / 3, 1, 3);
    std::optional<QString> best;
    int bestDistance = limit + 1;
    for (const QString &candidate : candidates) {
        if (std::abs(int(candidate.size()) - int(word.size())) > limit)
            continue;
        const int distance = editDistance(word, candidate);
        if (distance < bestDistance && distance < candidate.size()) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

QString didYouMean(const QString &word, const QStringList &candidates)
{
    if (const auto match = closestMatch(word, candidates))
        return QStringLiteral(" (did you mean '%1'?)").arg(*match);
    return {};
}

namespace {

const QString englishKey = QStringLiteral("en");
const QString chineseKey = QStringLiteral("zh");

/// The language a mistyped language key most likely meant ("zh-CN", "cn", "english"), if any.
std::optional<QString> meantLanguage(const QString &key)
{
    const QString lower = key.toLower();
    if (lower.startsWith(u"zh") || lower == u"cn" || lower.startsWith(u"chi") || lower == u"chs"
        || lower.contains(u"hans"))
        return chineseKey;
    if (lower.startsWith(u"en"))
        return englishKey;
    return closestMatch(key, {englishKey, chineseKey});
}

} // namespace

std::optional<LocalText> YamlCheck::localText(const YamlNode *node, const QString &what)
{
    if (node && node->isScalar())
        return LocalText(node->text);
    if (!node || !node->isMap()) {
        error(node,
              QStringLiteral("%1 must be text or a mapping of language to text like "
                             "{en: ..., zh: ...}, not %2")
                  .arg(what, node ? node->kindName() : QStringLiteral("nothing")));
        return std::nullopt;
    }
    const auto languages = map(node, what, {});
    if (!languages)
        return std::nullopt;
    QString en, zh;
    bool ok = !languages->hadUnknownKeys;
    for (const YamlNode::Entry &entry : languages->entries) {
        const QString &language = entry.first->text;
        QString *text = language == englishKey ? &en : language == chineseKey ? &zh : nullptr;
        if (!text) {
            const auto meant = meantLanguage(language);
            error(
                entry.first.get(),
                QStringLiteral("unknown language '%1' in %2%3; the languages are en and zh")
                    .arg(language, what,
                         meant ? QStringLiteral(" (did you mean '%1'?)").arg(*meant) : QString()));
            ok = false;
            continue;
        }
        const QString where = QStringLiteral("the %1 text of %2").arg(language, what);
        if (const auto value = scalar(entry.second.get(), where)) {
            if (value->trimmed().isEmpty()) {
                error(entry.second.get(), where + QStringLiteral(" is empty"));
                ok = false;
            }
            *text = *value;
        } else {
            ok = false;
        }
    }
    if (languages->entries.empty()) {
        error(node,
              QStringLiteral("%1 gives no text: write it in at least one language, like "
                             "{en: ..., zh: ...}")
                  .arg(what));
        return std::nullopt;
    }
    if (!ok)
        return std::nullopt;
    return LocalText(std::move(en), std::move(zh));
}

YamlCheck::YamlCheck(const YamlDocument &document, Diagnostics &out)
    : m_document(document)
    , m_out(out)
{
}

void YamlCheck::error(const YamlNode *node, const QString &message)
{
    error(node ? node->mark : YamlMark {1, 1}, message);
}

void YamlCheck::error(const YamlMark &mark, const QString &message)
{
    m_out.append(Diagnostic {file(), std::max(1, mark.line), std::max(1, mark.column),
                             Diagnostic::Severity::Error, message});
}

void YamlCheck::warning(const YamlNode *node, const QString &message)
{
    warning(node ? node->mark : YamlMark {1, 1}, message);
}

void YamlCheck::warning(const YamlMark &mark, const QString &message)
{
    m_out.append(Diagnostic {file(), std::max(1, mark.line), std::max(1, mark.column),
                             Diagnostic::Severity::Warning, message});
}

const YamlNode *YamlCheck::Map::value(QStringView key) const
{
    for (const YamlNode::Entry &entry : entries)
        if (entry.first->text == key)
            return entry.second.get();
    return nullptr;
}

const YamlNode *YamlCheck::Map::key(QStringView key) const
{
    for (const YamlNode::Entry &entry : entries)
        if (entry.first->text == key)
            return entry.first.get();
    return nullptr;
}

std::optional<YamlCheck::Map> YamlCheck::map(const YamlNode *node, const QString &what,
                                             const QStringList &allowed,
                                             const QStringList &required, const YamlNode *where)
{
    if (!node || !node->isMap()) {
        error(node ? node : where,
              QStringLiteral("%1 must be a mapping (key: value), not %2")
                  .arg(what, node ? node->kindName() : QStringLiteral("nothing")));
        return std::nullopt;
    }
    Map result;
    result.node = node;
    QStringList meant; // what unknown keys probably meant: no "missing" error for those
    // Most mappings are small; a hash pays only for big ones (a 2,000-state 'states').
    constexpr size_t smallMap = 16;
    const bool big = node->entries.size() > smallMap;
    QHash<QString, const YamlNode *> seenBig;
    if (big)
        seenBig.reserve(qsizetype(node->entries.size()));
    std::array<const YamlNode *, smallMap> seenSmall {};
    size_t seenSmallCount = 0;
    auto findSeen = [&](const QString &text) -> const YamlNode * {
        if (big)
            return seenBig.value(text);
        for (size_t i = 0; i < seenSmallCount; ++i)
            if (seenSmall[i]->text == text)
                return seenSmall[i];
        return nullptr;
    };
    result.entries.reserve(node->entries.size());
    for (const YamlNode::Entry &entry : node->entries) {
        const YamlNode *key = entry.first.get();
        if (!key->isScalar()) {
            error(key,
                  QStringLiteral("keys in %1 must be plain names, not %2")
                      .arg(what, key->kindName()));
            continue;
        }
        if (const YamlNode *previous = findSeen(key->text)) {
            error(key,
                  QStringLiteral("duplicate key '%1' in %2 (first given at line %3)")
                      .arg(key->text, what)
                      .arg(previous->mark.line));
            continue;
        }
        if (big)
            seenBig.insert(key->text, key);
        else
            seenSmall[seenSmallCount++] = key;
        if (!allowed.isEmpty() && !allowed.contains(key->text)) {
            result.hadUnknownKeys = true;
            if (const auto match = closestMatch(key->text, allowed))
                meant.append(*match);
            error(key,
                  QStringLiteral("unknown key '%1' in %2%3")
                      .arg(key->text, what, didYouMean(key->text, allowed)));
            continue;
        }
        result.entries.push_back(entry);
    }
    for (const QString &key : required)
        if (!findSeen(key) && !meant.contains(key))
            error(where ? where : node,
                  QStringLiteral("%1 lacks the required key '%2'").arg(what, key));
    return result;
}

std::optional<QString> YamlCheck::scalar(const YamlNode *node, const QString &what)
{
    if (!node || !node->isScalar()) {
        error(node,
              QStringLiteral("%1 must be a single value, not %2")
                  .arg(what, node ? node->kindName() : QStringLiteral("nothing")));
        return std::nullopt;
    }
    return node->text;
}

std::optional<std::vector<const YamlNode *>> YamlCheck::scalarList(const YamlNode *node,
                                                                   const QString &what)
{
    if (!node || !node->isSequence()) {
        error(node,
              QStringLiteral("%1 must be a list like [a, b], not %2")
                  .arg(what, node ? node->kindName() : QStringLiteral("nothing")));
        return std::nullopt;
    }
    std::vector<const YamlNode *> items;
    bool ok = true;
    for (const YamlNode::Ptr &item : node->items) {
        if (!item->isScalar()) {
            error(item.get(),
                  QStringLiteral("items of %1 must be single values, not %2")
                      .arg(what, item->kindName()));
            ok = false;
            continue;
        }
        items.push_back(item.get());
    }
    if (!ok)
        return std::nullopt;
    return items;
}

std::optional<bool> YamlCheck::boolean(const YamlNode *node, const QString &what)
{
    if (node && node->isScalar() && !node->isQuoted()) {
        const QString text = node->text.toLower();
        if (text == u"true")
            return true;
        if (text == u"false")
            return false;
    }
    error(node, QStringLiteral("%1 must be true or false").arg(what));
    return std::nullopt;
}

std::optional<qint64> YamlCheck::integer(const YamlNode *node, const QString &what, qint64 minimum,
                                         qint64 maximum)
{
    static const QRegularExpression pattern(QStringLiteral("^[+-]?[0-9]{1,18}\\z"));
    if (!node || !node->isScalar() || node->isQuoted() || !pattern.match(node->text).hasMatch()) {
        error(node, QStringLiteral("%1 must be a whole number").arg(what));
        return std::nullopt;
    }
    const qint64 value = node->text.toLongLong();
    if (value < minimum || value > maximum) {
        error(node,
              QStringLiteral("%1 must be between %2 and %3, not %4")
                  .arg(what)
                  .arg(minimum)
                  .arg(maximum)
                  .arg(node->text));
        return std::nullopt;
    }
    return value;
}

std::optional<qint64> YamlCheck::duration(const YamlNode *node, const QString &what)
{
    const auto text = scalar(node, what);
    if (!text)
        return std::nullopt;
    const Result<qint64> seconds = parseDuration(*text);
    if (!seconds) {
        error(node, QStringLiteral("%1: %2").arg(what, seconds.error()));
        return std::nullopt;
    }
    return *seconds;
}

bool YamlCheck::checkName(const YamlNode *node, const QString &kind)
{
    // By hand rather than a regular expression: this runs for every state, transition and
    // field name, thousands of times for a big workflow.
    auto valid = [](const QString &name) {
        auto alphanumeric = [](char16_t c) {
            return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
        };
        if (name.isEmpty() || !alphanumeric(name.front().unicode()))
            return false;
        return std::all_of(name.cbegin() + 1, name.cend(), [&](QChar c) {
            return alphanumeric(c.unicode()) || c == u'_' || c == u'-';
        });
    };
    if (node && node->isScalar() && valid(node->text))
        return true;
    error(node,
          QStringLiteral("'%1' is not a valid %2 name (use letters, digits, '_' and '-')")
              .arg(node ? node->text : QString(), kind));
    return false;
}

void sortDiagnostics(Diagnostics &diagnostics)
{
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic &a, const Diagnostic &b) {
                         return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    Diagnostics unique;
    unique.reserve(diagnostics.size());
    for (const Diagnostic &d : diagnostics) {
        bool repeated = false;
        for (qsizetype i = unique.size() - 1;
             i >= 0 && unique[i].line == d.line && unique[i].column == d.column; --i)
            repeated = repeated || unique[i] == d;
        if (!repeated)
            unique.append(d);
    }
    diagnostics = std::move(unique);
}

} // namespace Baton

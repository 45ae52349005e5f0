// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonbody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace Baton::Http {

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        quint32 codePoint = 0;
        if ((c & 0xE0) == 0xC0) {
            length = 2;
            codePoint = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            codePoint = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            codePoint = c & 0x07;
        } else {
            return false;
        }
        if (i + length > n)
            return false;
        for (int k = 1; k < length; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            codePoint = (codePoint << 6) | (p[i + k] & 0x3F);
        }
        static constexpr quint32 minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (codePoint < minimum[length] || codePoint > 0x10FFFF
            || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            return false;
        i += length;
    }
    return true;
}

namespace {

/// Where a raw control character (U+0000 to U+001F) stands in JSON text, or -1. RFC 8259
/// allows none inside strings (they must be escaped) and only tab, line feed and carriage return
/// between tokens; Qt's parser takes them all, NUL included.
qsizetype rawControlCharacter(QByteArrayView text)
{
    bool inString = false;
    bool escaped = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) < 0x20) {
            if (inString || (c != '\t' && c != '\n' && c != '\r'))
                return i;
            continue;
        }
        if (escaped)
            escaped = false;
        else if (inString && c == '\\')
            escaped = true;
        else if (c == '"')
            inString = !inString;
    }
    return -1;
}

/// A key as it appears in an error's path: U+0000 and lone surrogates written as escapes, so
/// that the error itself is valid text.
QString printableKey(const QString &key)
{
    QString out;
    for (qsizetype i = 0; i < key.size(); ++i) {
        const char16_t c = key[i].unicode();
        const bool pair = QChar::isHighSurrogate(c) && i + 1 < key.size()
            && QChar::isLowSurrogate(key[i + 1].unicode());
        if (pair) {
            out.append(key[i]).append(key[i + 1]);
            ++i;
        } else if (c == 0 || QChar::isSurrogate(c)) {
            out.append(QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0')));
        } else {
            out.append(key[i]);
        }
    }
    return out;
}

enum class TextProblem { None, Nul, LoneSurrogate };

TextProblem textProblem(const QString &text)
{
    TextProblem found = TextProblem::None;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < text.size()
            && QChar::isLowSurrogate(text[i + 1].unicode())) {
            ++i;
        } else if (QChar::isSurrogate(c)) {
            return TextProblem::LoneSurrogate;
        } else if (c == 0) {
            found = TextProblem::Nul;
        }
    }
    return found;
}

/// Every string of the document, keys included: a lone surrogate (a `\ud800` escape without
/// its pair; Qt keeps it) is no Unicode text, and U+0000 cannot be stored by either database
/// the same way. Each problem goes into `fields` under its path (`customer.name`,
/// `fields.tags[2]`).
void findBadText(const QJsonValue &value, const QString &path, QJsonObject *fields)
{
    auto note = [fields](const QString &at, TextProblem problem) {
        if (problem == TextProblem::LoneSurrogate)
            fields->insert(at, QStringLiteral("is not valid Unicode (a lone surrogate)"));
        else if (problem == TextProblem::Nul)
            fields->insert(at, QStringLiteral("must not contain U+0000"));
    };
    if (value.isString()) {
        note(path, textProblem(value.toString()));
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            findBadText(array.at(i), QStringLiteral("%1[%2]").arg(path).arg(i), fields);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            const QString at
                = path.isEmpty() ? printableKey(it.key()) : path + u'.' + printableKey(it.key());
            note(at, textProblem(it.key()));
            findBadText(it.value(), at, fields);
        }
    }
}

} // namespace

bool isJsonMediaType(QByteArrayView contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView type = semicolon < 0 ? contentType : contentType.first(semicolon);
    return type.trimmed().compare("application/json", Qt::CaseInsensitive) == 0;
}

std::optional<ApiError> parseJsonObjectBody(const HttpRequest &request, QJsonObject *object,
                                            bool allowEmpty)
{
    *object = {};
    if (request.body.trimmed().isEmpty()) {
        if (allowEmpty)
            return std::nullopt;
        return ApiError::badRequest(QStringLiteral("A JSON object body is required."));
    }
    if (!isJsonMediaType(request.header("content-type")))
        return ApiError {415,
                         QStringLiteral("unsupported_media_type"),
                         QStringLiteral("Content-Type must be application/json."),
                         {}};
    if (!isValidUtf8(request.body))
        return ApiError::badRequest(QStringLiteral("The body is not valid UTF-8."));
    if (const qsizetype at = rawControlCharacter(request.body); at >= 0)
        return ApiError::badRequest(
            QStringLiteral("Invalid JSON at offset %1: a raw control character (U+%2); "
                           "write it as an escape.")
                .arg(at)
                .arg(uint(static_cast<unsigned char>(request.body[at])), 4, 16, QLatin1Char('0')));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &error);
    if (error.error != QJsonParseError::NoError)
        return ApiError::badRequest(QStringLiteral("Invalid JSON at offset %1: %2")
                                        .arg(error.offset)
                                        .arg(error.errorString()));
    if (!document.isObject())
        return ApiError::badRequest(QStringLiteral("The body must be a JSON object."));
    QJsonObject problems;
    findBadText(document.object(), QString(), &problems);
    if (!problems.isEmpty())
        return ApiError::badRequest(
            QStringLiteral("Invalid text in %1.").arg(problems.keys().join(QStringLiteral(", "))),
            {{QStringLiteral("fields"), problems}});
    *object = document.object();
    return std::nullopt;
}

std::optional<QJsonValue> JsonReader::take(const QString &key, Presence presence)
{
    m_known.insert(key);
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (presence == Required)
            m_missing.insert(key, QStringLiteral("required"));
        return std::nullopt;
    }
    return value;
}

void JsonReader::wrongType(const QString &key, const char *expected)
{
    m_typeErrors.insert(key, QStringLiteral("must be %1").arg(QLatin1String(expected)));
}

std::optional<QString> JsonReader::string(const QString &key, Presence presence)
{
    const auto value = take(key, presence);
    if (!value)
        return std::nullopt;
    if (!value->isString()) {
        wrongType(key, "a string");
        return std::nullopt;
    }
    return value->toString();
}

std::optional<qint64> JsonReader::integer(const QString &key, Presence presence)
{
    const auto value = take(key, presence);
    if (!value)
        return std::nullopt;
    const double number = value->toDouble(std::nan(""));
    if (!value->isDouble() || std::isnan(number) || std::floor(number) != number
        || std::abs(number) > 9007199254740991.0) {
        wrongType(key, "an integer");
        return std::nullopt;
    }
    return qint64(number);
}

std::optional<bool> JsonReader::boolean(const QString &key, Presence presence)
{
    const auto value = take(key, presence);
    if (!value)
        return std::nullopt;
    if (!value->isBool()) {
        wrongType(key, "true or false");
        return std::nullopt;
    }
    return value->toBool();
}

std::optional<QJsonObject> JsonReader::object(const QString &key, Presence presence)
{
    const auto value = take(key, presence);
    if (!value)
        return std::nullopt;
    if (!value->isObject()) {
        wrongType(key, "an object");
        return std::nullopt;
    }
    return value->toObject();
}

std::optional<QStringList> JsonReader::stringList(const QString &key, Presence presence)
{
    const auto value = take(key, presence);
    if (!value)
        return std::nullopt;
    if (!value->isArray()) {
        wrongType(key, "an array of strings");
        return std::nullopt;
    }
    QStringList list;
    for (const QJsonValue &item : value->toArray()) {
        if (!item.isString()) {
            wrongType(key, "an array of strings");
            return std::nullopt;
        }
        list.append(item.toString());
    }
    return list;
}

bool JsonReader::has(const QString &key) const
{
    const QJsonValue value = m_object.value(key);
    return !value.isUndefined() && !value.isNull();
}

void JsonReader::invalid(const QString &key, const QString &message)
{
    m_typeErrors.insert(key, message);
}

std::optional<ApiError> JsonReader::finish() const
{
    QJsonObject problems = m_typeErrors;
    for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it)
        if (!m_known.contains(it.key()))
            problems.insert(it.key(), QStringLiteral("unknown field"));
    if (!problems.isEmpty()) {
        QStringList keys = problems.keys();
        return ApiError::badRequest(
            QStringLiteral("Invalid request body: %1.").arg(keys.join(QStringLiteral(", "))),
            QJsonObject {{QStringLiteral("fields"), problems}});
    }
    if (!m_missing.isEmpty())
        return ApiError::validation(QStringLiteral("Missing required fields: %1.")
                                        .arg(m_missing.keys().join(QStringLiteral(", "))),
                                    QJsonObject {{QStringLiteral("fields"), m_missing}});
    return std::nullopt;
}

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonbody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace Baton::Api {

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

std::optional<ApiError> parseJsonObjectBody(const HttpRequest &request, QJsonObject *object,
                                            bool allowEmpty)
{
    *object = {};
    if (request.body.trimmed().isEmpty()) {
        if (allowEmpty)
            return std::nullopt;
        return ApiError::badRequest(QStringLiteral("A JSON object body is required."));
    }
    const QByteArray contentType = request.header("content-type").toLower();
    if (!contentType.startsWith("application/json"))
        return ApiError::badRequest(QStringLiteral("Content-Type must be application/json."));
    if (!isValidUtf8(request.body))
        return ApiError::badRequest(QStringLiteral("The body is not valid UTF-8."));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &error);
    if (error.error != QJsonParseError::NoError)
        return ApiError::badRequest(QStringLiteral("Invalid JSON at offset %1: %2")
                                        .arg(error.offset)
                                        .arg(error.errorString()));
    if (!document.isObject())
        return ApiError::badRequest(QStringLiteral("The body must be a JSON object."));
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

} // namespace Baton::Api

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httprequest.h"
#include "httpresponse.h"

#include <QJsonObject>
#include <QSet>
#include <QStringList>

#include <optional>

namespace Baton::Http {

/// Parses a request body that must be one JSON object, strictly: sent as another media type
/// → 415 unsupported_media_type; not valid UTF-8, raw control characters, not JSON, not an
/// object → 400 bad_request; a string (key or value, at any depth) holding U+0000 or a lone
/// surrogate escape → 400 bad_request with details.fields mapping its path (`customer.name`,
/// `tags[1]`) → message. An empty body is an empty object when allowEmpty.
std::optional<ApiError> parseJsonObjectBody(const HttpRequest &request, QJsonObject *object,
                                            bool allowEmpty = false);

/// True for `application/json`, in any case, with or without parameters (`; charset=utf-8`).
bool isJsonMediaType(QByteArrayView contentType);

/// True if the bytes are valid UTF-8 (no overlongs, no surrogates).
bool isValidUtf8(QByteArrayView bytes);

/// Strict, typed reading of a JSON object's keys. Every read marks the key as known; finish()
/// then reports unknown keys and wrong types (400 bad_request) or missing required keys
/// (422 validation_failed), each with details.fields mapping key → message. JSON null counts
/// as absent.
class JsonReader
{
public:
    enum Presence { Optional, Required };

    explicit JsonReader(QJsonObject object)
        : m_object(std::move(object))
    {
    }

    std::optional<QString> string(const QString &key, Presence presence = Optional);
    std::optional<qint64> integer(const QString &key, Presence presence = Optional);
    std::optional<bool> boolean(const QString &key, Presence presence = Optional);
    std::optional<QJsonObject> object(const QString &key, Presence presence = Optional);
    std::optional<QStringList> stringList(const QString &key, Presence presence = Optional);
    bool has(const QString &key) const;
    /// Records a custom error for a key (e.g. a value out of range): 400.
    void invalid(const QString &key, const QString &message);

    std::optional<ApiError> finish() const;

private:
    std::optional<QJsonValue> take(const QString &key, Presence presence);
    void wrongType(const QString &key, const char *expected);

    QJsonObject m_object;
    QSet<QString> m_known;
    QJsonObject m_typeErrors;
    QJsonObject m_missing;
};

} // namespace Baton::Http

// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the HTTP layer's JSON body rules (http/jsonbody.h). Input: one options
// byte (empty body allowed, which Content-Type), a Cookie header up to the first NUL, then the
// body. The UTF-8 check is compared with an independent decoder; a body that is accepted must
// be exactly what QJsonDocument reads; JsonReader must report exactly the unknown, mistyped
// and missing keys of a fixed request shape; every error must serialise to interfaces.md's
// error JSON.
#include "common/fuzzcheck.h"
#include "http/jsonbody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <cmath>

using namespace Baton::Http;
using BatonFuzz::Bytes;

namespace {

/// Well-formed UTF-8 after the Unicode standard's table 3-7, byte ranges per lead byte.
bool referenceUtf8(const QByteArray &bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n;) {
        const unsigned c = p[i];
        int length = 0;
        unsigned low = 0x80, high = 0xBF; // allowed range of the second byte
        if (c <= 0x7F) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c == 0xE0) {
            length = 3, low = 0xA0;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            length = 3;
        } else if (c == 0xED) {
            length = 3, high = 0x9F;
        } else if (c == 0xF0) {
            length = 4, low = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            length = 4;
        } else if (c == 0xF4) {
            length = 4, high = 0x8F;
        } else {
            return false;
        }
        if (i + length > n || p[i + 1] < low || p[i + 1] > high)
            return false;
        for (int k = 2; k < length; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return false;
        i += length;
    }
    return true;
}

void checkErrorResponse(const ApiError &error)
{
    FUZZ_CHECK(!error.code.isEmpty() && !error.message.isEmpty(), error.message);
    const QByteArray wire = error.toResponse().serialise(false);
    const qsizetype split = wire.indexOf("\r\n\r\n");
    FUZZ_CHECK(wire.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(error.status)))
                   && split > 0,
               QString::fromUtf8(wire.left(200)));
    QJsonParseError parseError;
    const QJsonDocument body = QJsonDocument::fromJson(wire.mid(split + 4), &parseError);
    FUZZ_CHECK(body.isObject(), parseError.errorString());
    const QJsonObject shape = body.object().value(QStringLiteral("error")).toObject();
    FUZZ_CHECK(shape.value(QStringLiteral("code")).toString() == error.code
                   && shape.value(QStringLiteral("message")).toString() == error.message
                   && shape.value(QStringLiteral("details")).toObject() == error.details,
               QString::fromUtf8(wire.mid(split + 4)));
}

/// Reads object as a made-up request with every kind of key, and checks what finish() says
/// against what the object holds.
void checkReader(const QJsonObject &object)
{
    JsonReader reader(object);
    const auto title = reader.string(QStringLiteral("title"), JsonReader::Required);
    const auto priority = reader.integer(QStringLiteral("priority"));
    const auto urgent = reader.boolean(QStringLiteral("urgent"));
    const auto fields = reader.object(QStringLiteral("fields"));
    const auto tags = reader.stringList(QStringLiteral("tags"));
    QSet<QString> wrong;
    auto present = [&](const char *key) {
        const QJsonValue v = object.value(QLatin1String(key));
        return !v.isUndefined() && !v.isNull();
    };
    FUZZ_CHECK(reader.has(QStringLiteral("title")) == present("title"), QStringLiteral("has"));
    auto expect = [&](const char *key, bool read, bool rightType) {
        if (present(key) && !rightType)
            wrong.insert(QLatin1String(key));
        FUZZ_CHECK(read == (present(key) && rightType), QLatin1String(key));
    };
    const QJsonValue p = object.value(QLatin1String("priority"));
    const bool integral = p.isDouble() && std::floor(p.toDouble()) == p.toDouble()
        && std::abs(p.toDouble()) <= 9007199254740991.0;
    bool allStrings = object.value(QLatin1String("tags")).isArray();
    for (const QJsonValue &item : object.value(QLatin1String("tags")).toArray())
        allStrings = allStrings && item.isString();
    expect("title", bool(title), object.value(QLatin1String("title")).isString());
    expect("priority", bool(priority), integral);
    expect("urgent", bool(urgent), object.value(QLatin1String("urgent")).isBool());
    expect("fields", bool(fields), object.value(QLatin1String("fields")).isObject());
    expect("tags", bool(tags), allStrings);
    if (priority)
        FUZZ_CHECK(double(*priority) == p.toDouble(), QString::number(*priority));
    if (tags)
        FUZZ_CHECK(tags->size() == object.value(QLatin1String("tags")).toArray().size(),
                   QStringLiteral("tags"));

    static const QSet<QString> known
        = {QStringLiteral("title"), QStringLiteral("priority"), QStringLiteral("urgent"),
           QStringLiteral("fields"), QStringLiteral("tags")};
    for (const QString &key : object.keys())
        if (!known.contains(key))
            wrong.insert(key);

    const std::optional<ApiError> error = reader.finish();
    if (!wrong.isEmpty()) {
        FUZZ_CHECK(error && error->status == 400, QStringLiteral("expected 400"));
        const QJsonObject problems = error->details.value(QStringLiteral("fields")).toObject();
        const QStringList keys = problems.keys();
        FUZZ_CHECK(QSet<QString>(keys.begin(), keys.end()) == wrong,
                   QStringLiteral("reported %1").arg(keys.join(u',')));
    } else if (!present("title")) {
        FUZZ_CHECK(error && error->status == 422, QStringLiteral("expected 422"));
    } else {
        FUZZ_CHECK(!error, error->message);
    }
    if (error)
        checkErrorResponse(*error);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bytes in(data, size);
    const uint8_t options = in.byte();
    const bool allowEmpty = options & 1;
    static const QByteArray contentTypes[] = {"application/json",
                                              "application/json; charset=utf-8",
                                              "Application/JSON",
                                              "text/plain",
                                              "application/jsonp",
                                              "",
                                              "application/x-www-form-urlencoded"};
    HttpRequest request;
    request.method = "POST";
    request.path = QStringLiteral("/api/tickets");
    const QByteArray cookie = in.text(256);
    const int type = (options >> 1) % 8;
    if (type < 7)
        request.headers.append({"Content-Type", contentTypes[type]});
    request.headers.append({"Cookie", cookie});
    request.body = in.rest();

    const bool validUtf8 = isValidUtf8(request.body);
    FUZZ_CHECK(validUtf8 == referenceUtf8(request.body),
               QStringLiteral("isValidUtf8 says %1 for %2")
                   .arg(validUtf8)
                   .arg(QString::fromLatin1(request.body.toHex(' '))));

    for (const char *name : {"session", "baton_session", ""}) {
        const QByteArray value = request.cookie(name);
        if (!value.isEmpty())
            FUZZ_CHECK(cookie.contains(QByteArray(QByteArray(name) + '=' + value))
                           && !value.contains(';'),
                       QString::fromLatin1(value));
    }

    QJsonObject object {{QStringLiteral("stale"), 1}};
    const std::optional<ApiError> error = parseJsonObjectBody(request, &object, allowEmpty);
    if (error) {
        // 415 for a media type other than application/json, 400 for everything else.
        FUZZ_CHECK(
            (error->status == 400 && error->code == QLatin1String("bad_request"))
                || (error->status == 415 && error->code == QLatin1String("unsupported_media_type")),
            error->message);
        FUZZ_CHECK(object.isEmpty(), QStringLiteral("object filled despite an error"));
        checkErrorResponse(*error);
        return 0;
    }
    if (request.body.trimmed().isEmpty()) {
        FUZZ_CHECK(allowEmpty && object.isEmpty(), QStringLiteral("empty body accepted"));
        return 0;
    }
    FUZZ_CHECK(request.header("content-type").toLower().startsWith("application/json"),
               QStringLiteral("accepted without a JSON Content-Type"));
    FUZZ_CHECK(validUtf8, QStringLiteral("accepted invalid UTF-8"));
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    FUZZ_CHECK(document.isObject() && document.object() == object,
               QStringLiteral("accepted object differs from the body"));
    checkReader(object);
    return 0;
}

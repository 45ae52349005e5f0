// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Compact JSON text written straight into one QByteArray: the same bytes as
// QJsonDocument::toJson(QJsonDocument::Compact) of the object the caller would otherwise build,
// without building it. Building a QJsonObject and serialising it cost the server more than a
// tenth of its CPU per HTTP action (issue 20: the ticket reply 13%, malloc/free besides), and
// the writer's ticket state text the same ten times over.
//
// What "the same bytes" takes, as Qt 6.4 writes them (qjsonwriter.cpp, qjsonvalue.cpp):
// - members in the order a QJsonObject keeps them: sorted by key as QString compares (UTF-16
//   code units); the caller writes them in that order (variantMap() and object() do it here);
// - strings as UTF-8 with `"` `\` and the control characters below U+0020 escaped (\b \f \n
//   \r \t, else \u00xx), lower-case hex; a lone surrogate as \udxxx, everything else raw;
// - a double that is a whole number of at most 2^53 in magnitude is an integer to Qt
//   (QJsonValue(double) converts it), so 1e15 is written 1000000000000000, 1e16 as 1e+16;
//   other finite doubles as QByteArray::number(d, 'g', shortest), NaN and infinities as null.
//
// Commas are placed by the writer: key() starts a member, every value or container after the
// first in an array or object gets one.

#include "core/utctext.h"

#include <QByteArray>
#include <QCborValue>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QVarLengthArray>
#include <QVariant>
#include <QVariantList>
#include <QVariantMap>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace Baton {

class JsonText
{
public:
    explicit JsonText(qsizetype reserve = 256) { m_bytes.reserve(reserve); }
    QByteArray take() { return std::move(m_bytes); }
    const QByteArray &bytes() const { return m_bytes; }

    JsonText &beginObject() { return open('{'); }
    JsonText &endObject() { return close('}'); }
    JsonText &beginArray() { return open('['); }
    JsonText &endArray() { return close(']'); }
    /// `"name":` for a name that needs no escape (ASCII, no `"` `\` or control characters);
    /// the value written next belongs to it.
    JsonText &key(const char *name)
    {
        separate();
        m_bytes.append('"').append(name).append("\":");
        m_afterKey = true;
        return *this;
    }
    /// `"name":` for any name.
    JsonText &key(QStringView name)
    {
        separate();
        appendQuoted(name);
        m_bytes.append(':');
        m_afterKey = true;
        return *this;
    }
    /// Text that is already JSON (a value written elsewhere).
    JsonText &json(QByteArrayView text) { return literal(text); }
    JsonText &string(QStringView text)
    {
        separate();
        appendQuoted(text);
        return *this;
    }
    /// A string known to need no escape (ASCII without `"` `\` or control characters).
    JsonText &asciiString(const char *text)
    {
        separate();
        m_bytes.append('"').append(text).append('"');
        return *this;
    }
    JsonText &null() { return literal("null"); }
    JsonText &stringOrNull(const QString &text) { return text.isEmpty() ? null() : string(text); }
    JsonText &number(qint64 n)
    {
        separate();
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        m_bytes.append(digits, end - digits);
        return *this;
    }
    /// A double as QJsonValue(double) is written (see the top of this file).
    JsonText &real(double d)
    {
        constexpr double wholeLimit = 9007199254740992.0; // 2^53
        if (!std::isfinite(d))
            return null();
        if (std::trunc(d) == d && std::fabs(d) <= wholeLimit)
            return number(qint64(d));
        return literal(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
    }
    JsonText &boolean(bool b) { return literal(b ? "true" : "false"); }
    /// The stored form of an instant: 2026-11-23T08:00:00Z, with .mmm when the milliseconds
    /// are not zero; null when invalid.
    JsonText &instant(const QDateTime &when)
    {
        if (!when.isValid())
            return null();
        separate();
        using namespace std::chrono;
        const sys_time<milliseconds> at {milliseconds(when.toMSecsSinceEpoch())};
        const auto day = floor<days>(at);
        const year_month_day date {day};
        const hh_mm_ss time {at - day};
        char text[40];
        const int ms = int(time.subseconds().count());
        const int length = std::snprintf(
            text, sizeof text,
            ms ? "\"%04d-%02u-%02uT%02d:%02d:%02d.%03dZ\"" : "\"%04d-%02u-%02uT%02d:%02d:%02dZ\"",
            int(date.year()), unsigned(date.month()), unsigned(date.day()),
            int(time.hours().count()), int(time.minutes().count()), int(time.seconds().count()),
            ms);
        m_bytes.append(text, length);
        return *this;
    }
    /// The API's form of an instant (utcSecondsText(): whole seconds, rounded down); null when
    /// invalid.
    JsonText &instantSeconds(const QDateTime &when)
    {
        if (!when.isValid())
            return null();
        separate();
        char text[32];
        const int length = UtcTextDetail::write(text, when.toMSecsSinceEpoch(), false);
        if (length > 0)
            m_bytes.append('"').append(text, length).append('"');
        else
            appendQuoted(utcSecondsText(when.toMSecsSinceEpoch()));
        return *this;
    }
    /// [each(item), ...]: `each` writes one item's value.
    template<typename List, typename Each> JsonText &array(const List &list, Each each)
    {
        beginArray();
        for (const auto &item : list)
            each(item);
        return endArray();
    }
    JsonText &strings(const QStringList &list)
    {
        beginArray();
        for (const QString &item : list)
            string(item);
        return endArray();
    }

    /// Any JSON value, as QJsonDocument writes it.
    JsonText &value(const QJsonValue &v)
    {
        switch (v.type()) {
        case QJsonValue::Bool:
            return boolean(v.toBool());
        case QJsonValue::Double:
            // An integer beyond 2^53 stays exact in a QJsonValue: ask which it holds.
            if (QCborValue::fromJsonValue(v).isInteger())
                return number(v.toInteger());
            return real(v.toDouble());
        case QJsonValue::String:
            return string(v.toString());
        case QJsonValue::Array:
            return array(v.toArray());
        case QJsonValue::Object:
            return object(v.toObject());
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            break;
        }
        return null();
    }
    JsonText &object(const QJsonObject &o)
    {
        beginObject();
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            key(it.key()).value(it.value());
        return endObject();
    }
    JsonText &array(const QJsonArray &a)
    {
        beginArray();
        for (const QJsonValue &item : a)
            value(item);
        return endArray();
    }
    /// QJsonValue::fromVariant(v)'s text: the types a ticket's fields hold written here, any
    /// other through Qt's conversion.
    JsonText &variant(const QVariant &v)
    {
        switch (v.typeId()) {
        case QMetaType::UnknownType:
        case QMetaType::Nullptr:
            return null();
        case QMetaType::Bool:
            return boolean(v.toBool());
        case QMetaType::Int:
        case QMetaType::LongLong:
        case QMetaType::UInt:
        case QMetaType::Short:
        case QMetaType::UShort:
            return number(v.toLongLong());
        case QMetaType::Double:
            return real(v.toDouble());
        case QMetaType::QString:
            return string(v.toString());
        case QMetaType::QStringList:
            return strings(v.toStringList());
        case QMetaType::QVariantList:
            return variantList(*static_cast<const QVariantList *>(v.constData()));
        case QMetaType::QVariantMap:
            return variantMap(*static_cast<const QVariantMap *>(v.constData()));
        default:
            return value(QJsonValue::fromVariant(v));
        }
    }
    JsonText &variantList(const QVariantList &list)
    {
        beginArray();
        for (const QVariant &item : list)
            variant(item);
        return endArray();
    }
    /// QJsonObject::fromVariantMap(map)'s text: a QVariantMap iterates in QJsonObject's order.
    JsonText &variantMap(const QVariantMap &map)
    {
        beginObject();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            key(it.key()).variant(it.value());
        return endObject();
    }

private:
    // A comma before anything but the first thing in its container or a member's value.
    void separate()
    {
        if (m_afterKey)
            m_afterKey = false;
        else if (!m_first.isEmpty() && m_first.back())
            m_first.back() = false;
        else if (!m_first.isEmpty())
            m_bytes.append(',');
    }
    JsonText &literal(QByteArrayView text)
    {
        separate();
        m_bytes.append(text);
        return *this;
    }
    JsonText &open(char bracket)
    {
        separate();
        m_bytes.append(bracket);
        m_first.append(true);
        return *this;
    }
    JsonText &close(char bracket)
    {
        m_bytes.append(bracket);
        m_first.removeLast();
        return *this;
    }

    /// `"text"`, escaped as Qt's writer does (see the top of this file). Written into room
    /// reserved for the worst case (6 bytes a code unit), then cut to what was used.
    void appendQuoted(QStringView text)
    {
        static constexpr char hex[] = "0123456789abcdef";
        const qsizetype start = m_bytes.size();
        m_bytes.resize(start + 2 + 6 * text.size());
        char *out = m_bytes.data() + start;
        *out++ = '"';
        const char16_t *in = text.utf16();
        const char16_t *const end = in + text.size();
        while (in != end) {
            const char16_t u = *in++;
            if (u < 0x80) {
                if (u >= 0x20 && u != u'"' && u != u'\\') {
                    *out++ = char(u);
                    continue;
                }
                *out++ = '\\';
                switch (u) {
                case u'"':
                    *out++ = '"';
                    break;
                case u'\\':
                    *out++ = '\\';
                    break;
                case u'\b':
                    *out++ = 'b';
                    break;
                case u'\f':
                    *out++ = 'f';
                    break;
                case u'\n':
                    *out++ = 'n';
                    break;
                case u'\r':
                    *out++ = 'r';
                    break;
                case u'\t':
                    *out++ = 't';
                    break;
                default:
                    *out++ = 'u';
                    *out++ = '0';
                    *out++ = '0';
                    *out++ = hex[u >> 4];
                    *out++ = hex[u & 15];
                }
            } else if (u < 0x800) {
                *out++ = char(0xc0 | (u >> 6));
                *out++ = char(0x80 | (u & 0x3f));
            } else if (!QChar::isSurrogate(u)) {
                *out++ = char(0xe0 | (u >> 12));
                *out++ = char(0x80 | ((u >> 6) & 0x3f));
                *out++ = char(0x80 | (u & 0x3f));
            } else if (QChar::isHighSurrogate(u) && in != end && QChar::isLowSurrogate(*in)) {
                const char32_t c = QChar::surrogateToUcs4(u, *in++);
                *out++ = char(0xf0 | (c >> 18));
                *out++ = char(0x80 | ((c >> 12) & 0x3f));
                *out++ = char(0x80 | ((c >> 6) & 0x3f));
                *out++ = char(0x80 | (c & 0x3f));
            } else {
                // A lone surrogate is not UTF-8: Qt writes its escape.
                *out++ = '\\';
                *out++ = 'u';
                *out++ = hex[u >> 12];
                *out++ = hex[(u >> 8) & 15];
                *out++ = hex[(u >> 4) & 15];
                *out++ = hex[u & 15];
            }
        }
        *out++ = '"';
        m_bytes.truncate(out - m_bytes.constData());
    }

    QByteArray m_bytes;
    QVarLengthArray<bool, 32> m_first; // per open container: nothing written in it yet
    bool m_afterKey = false;
};

} // namespace Baton

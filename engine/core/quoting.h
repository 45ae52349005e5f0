// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How messages quote what the user wrote, the same in every module.

#include <QString>
#include <QStringView>

namespace Baton {

/// A name as messages show it: 'review'.
inline QString quoted(QStringView name)
{
    return u'\'' + name.toString() + u'\'';
}

/// A written value as messages show it, in double quotes with '"' and '\' escaped (as a
/// condition writes a text literal), so that where it ends is never in doubt: "09:00-18:00".
inline QString doubleQuoted(QStringView text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += u'"';
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    out += u'"';
    return out;
}

} // namespace Baton

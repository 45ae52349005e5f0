// SPDX-License-Identifier: GPL-3.0-or-later
#include "boundvalues.h"

namespace Baton {

std::optional<NulInText> findNulInText(const QVariant *values, qsizetype count)
{
    for (qsizetype i = 0; i < count; ++i) {
        const QVariant &value = values[i];
        if (value.typeId() != QMetaType::QString)
            continue;
        const qsizetype at = static_cast<const QString *>(value.constData())->indexOf(QChar(0));
        if (at >= 0)
            return NulInText {i, at};
    }
    return std::nullopt;
}

QString nulInTextError(const NulInText &found, const QString &sql)
{
    QString statement = sql.simplified();
    if (statement.size() > 60)
        statement = statement.left(60) + u'…';
    return QStringLiteral("database error: value %1 of \"%2\" holds U+0000 (NUL) at character "
                          "%3; text cannot hold NUL")
        .arg(found.value + 1)
        .arg(statement)
        .arg(found.at + 1);
}

bool isRowRefusal(const QString &code)
{
    return code.startsWith(u"22") || code.startsWith(u"23") || code.startsWith(u"54");
}

} // namespace Baton

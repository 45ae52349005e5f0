// SPDX-License-Identifier: GPL-3.0-or-later
#include "searchtext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Baton::SearchText {

QString normalisedPhone(const QString &phone)
{
    QString digits;
    for (const QChar c : phone)
        if (!c.isSpace() && c != u'-' && c != u'.' && c != u'(' && c != u')')
            digits.append(c);
    if (digits.startsWith(u"+86"))
        digits.remove(0, 3);
    else if (digits.startsWith(u"0086"))
        digits.remove(0, 4);
    qsizetype lead = 0;
    while (lead < digits.size() && (digits[lead] == u'0' || digits[lead] == u'+'))
        ++lead;
    return digits.mid(lead);
}

bool looksLikePhone(const QString &text)
{
    static const QRegularExpression phone(QStringLiteral(R"(^\s*\+?[\d\s().-]+$)"));
    qsizetype digits = 0;
    for (const QChar c : text)
        digits += c.isDigit() ? 1 : 0;
    return digits >= 3 && phone.match(text).hasMatch();
}

namespace {

void appendValues(QStringList &parts, const QJsonValue &value)
{
    if (value.isString())
        parts.append(value.toString());
    else if (value.isDouble())
        parts.append(QString::number(value.toDouble(), 'g', 17));
    else if (value.isArray())
        for (const QJsonValue &item : value.toArray())
            appendValues(parts, item);
    else if (value.isObject())
        for (const QJsonValue &item : value.toObject())
            appendValues(parts, item);
}

} // namespace

QString ticketDocument(const TicketRow &row)
{
    QStringList parts {row.key, row.title, row.customerId, row.customerName, row.customerPhone};
    if (!row.customerPhone.isEmpty())
        parts.append(normalisedPhone(row.customerPhone));
    parts.append(row.customerEmail);
    appendValues(parts, QJsonDocument::fromJson(row.fields).object());
    parts.removeAll(QString());
    return parts.join(u' ').toLower();
}

QString commentDocument(const QString &body)
{
    return body.toLower();
}

QStringList terms(const QString &query)
{
    if (looksLikePhone(query))
        return {normalisedPhone(query)};
    return query.toLower().split(QRegularExpression(QStringLiteral(R"(\s+)")), Qt::SkipEmptyParts);
}

} // namespace Baton::SearchText

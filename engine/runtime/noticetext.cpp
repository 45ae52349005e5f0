// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime/noticetext.h"

#include "runtime/eventtypes.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QRegularExpression>

namespace Baton {

namespace {

using Table = QHash<QString, QString>;

struct Tables
{
    Table en, zh;
};

Table tableOf(const QJsonObject &object)
{
    Table table;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        table.insert(it.key(), it.value().toString());
    return table;
}

const Tables &tables()
{
    // Read once: the resource is compiled in (runtime/CMakeLists.txt), so it is always there.
    static const Tables loaded = [] {
        QFile file(QStringLiteral(":/runtime/notices.json"));
        Tables t;
        if (!file.open(QIODevice::ReadOnly))
            return t;
        const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
        t.en = tableOf(root.value(u"en").toObject());
        t.zh = tableOf(root.value(u"zh").toObject());
        return t;
    }();
    return loaded;
}

class Sentence
{
public:
    Sentence(const QJsonObject &params, Language language)
        : m_params(params)
        , m_language(language)
        , m_table(language == Language::Zh ? tables().zh : tables().en)
    {
    }

    /// The table's text for `key` (English when the language has none), its {names} filled.
    QString fill(const QString &key, const QHash<QString, QString> &extra = {}) const
    {
        QString text = m_table.value(key);
        if (text.isEmpty())
            text = tables().en.value(key);
        static const QRegularExpression placeholder(QStringLiteral("\\{(\\w+)\\}"));
        QString out;
        qsizetype last = 0;
        for (auto it = placeholder.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            out += QStringView(text).mid(last, m.capturedStart() - last);
            const QString name = m.captured(1);
            out += extra.contains(name) ? extra.value(name) : value(name);
            last = m.capturedEnd();
        }
        return out + QStringView(text).mid(last);
    }

    QString value(const QString &name) const
    {
        const QJsonValue v = m_params.value(name);
        if (v.isObject()) { // a title in both languages
            const QString mine
                = v[m_language == Language::Zh ? QStringLiteral("zh") : QStringLiteral("en")]
                      .toString();
            return mine.isEmpty() ? v[u"en"].toString() : mine;
        }
        if (v.isDouble())
            return QString::number(v.toInteger());
        if (name == u"due") // an instant: UTC, as the mail cannot know the reader's zone
            return QDateTime::fromString(v.toString(), Qt::ISODateWithMs)
                .toUTC()
                .toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
        if (name == u"strategy" && m_table.contains(u"strategy." + v.toString()))
            return m_table.value(u"strategy." + v.toString());
        return v.toString();
    }

    bool has(const QString &name) const
    {
        const QJsonValue v = m_params.value(name);
        return !v.isUndefined() && !v.isNull() && v != QJsonValue(QString());
    }

    QString escalation() const
    {
        const int percent = m_params.value(u"percent").toInt();
        const QString scope = m_params.value(u"scope").toString() == u"ticket"
            ? QStringLiteral("ticket.")
            : QString();
        const QHash<QString, QString> extra {
            {QStringLiteral("target"),
             fill(u"target." + scope + m_params.value(u"clock").toString())},
            {QStringLiteral("where"),
             has(QStringLiteral("queue")) ? fill(QStringLiteral("sla.where")) : QString()}};
        QString text = fill(percent < 100        ? QStringLiteral("sla.used")
                                : percent == 100 ? QStringLiteral("sla.missed")
                                                 : QStringLiteral("sla.escalated"),
                            extra);
        if (has(QStringLiteral("priority")))
            text += fill(QStringLiteral("sla.priority"));
        if (has(QStringLiteral("moved_to")))
            text += fill(QStringLiteral("sla.moved"));
        return text;
    }

private:
    const QJsonObject &m_params;
    Language m_language;
    const Table &m_table;
};

} // namespace

QString noticeText(const QString &kind, const QJsonObject &params, Language language)
{
    if (params.isEmpty())
        return {};
    const Sentence sentence(params, language);
    QString text;
    if (kind == NotificationKinds::slaWarning || kind == NotificationKinds::slaBreached
        || kind == NotificationKinds::escalated)
        text = sentence.escalation();
    else if (kind == NotificationKinds::assigned)
        text = sentence.fill(sentence.has(QStringLiteral("by")) ? QStringLiteral("assigned")
                                                                : QStringLiteral("assigned.auto"));
    else if (kind == NotificationKinds::transitioned)
        text = sentence.fill(sentence.has(QStringLiteral("by"))
                                 ? QStringLiteral("transitioned")
                                 : QStringLiteral("transitioned.timed"));
    else if (tables().en.contains(kind))
        text = sentence.fill(kind);
    else
        return {};
    if (sentence.has(QStringLiteral("for")))
        text.prepend(sentence.fill(QStringLiteral("for")));
    return text;
}

QJsonValue noticeTitle(const LocalText &title, const QString &name)
{
    if (title.isEmpty())
        return name;
    return QJsonObject {{QStringLiteral("en"), title.text(Language::En)},
                        {QStringLiteral("zh"), title.text(Language::Zh)}};
}

} // namespace Baton

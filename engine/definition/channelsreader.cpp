// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/channelsreader.h"

#include "definition/yamlcheck.h"

#include <QRegularExpression>

namespace Baton {

namespace {

const QRegularExpression &secretPattern()
{
    static const QRegularExpression pattern(QStringLiteral("\\$\\{([^}]*)\\}"));
    return pattern;
}

bool isVariableName(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return valid.match(name).hasMatch();
}

std::optional<ChannelDefinition> readChannel(YamlCheck &check, const YamlNode::Entry &entry,
                                             const EnvironmentLookup &environment)
{
    ChannelDefinition channel;
    channel.name = entry.first->text;
    channel.mark = entry.first->mark;
    channel.file = check.file();
    if (!check.checkName(entry.first.get(), QStringLiteral("channel")))
        return std::nullopt;
    const QString what = QStringLiteral("channel '%1'").arg(channel.name);
    const auto map
        = check.map(entry.second.get(), what, {}, {QStringLiteral("plugin")}, entry.first.get());
    if (!map)
        return std::nullopt;
    bool ok = true;
    for (const YamlNode::Entry &setting : map->entries) {
        const QString key = setting.first->text;
        const YamlNode *value = setting.second.get();
        if (key == u"plugin") {
            const auto plugin = check.scalar(value, QStringLiteral("'plugin'"));
            ok = ok && plugin && check.checkName(value, QStringLiteral("plugin"));
            channel.plugin = plugin.value_or(QString());
        } else if (key == u"events" || key == u"workflows") {
            const auto items = check.scalarList(value, u'\'' + key + u'\'');
            if (!items) {
                ok = false;
                continue;
            }
            QStringList &list = key == u"events" ? channel.events : channel.workflows;
            for (const YamlNode *item : *items)
                list.append(item->text);
        } else if (value->isSequence()) {
            const auto items = check.scalarList(value, u'\'' + key + u'\'');
            if (!items) {
                ok = false;
                continue;
            }
            QStringList list;
            for (const YamlNode *item : *items) {
                checkSecretReferences(check, *item, key, environment, channel.secretNames);
                list.append(item->text);
            }
            channel.settings.insert(key, list);
        } else {
            const auto text = check.scalar(value, u'\'' + key + u'\'');
            if (!text) {
                ok = false;
                continue;
            }
            checkSecretReferences(check, *value, key, environment, channel.secretNames);
            channel.settings.insert(key, *text);
        }
    }
    if (!ok)
        return std::nullopt;
    return channel;
}

QString resolved(const QString &text, const EnvironmentLookup &environment, QString *unset)
{
    QString out;
    qsizetype from = 0;
    auto it = secretPattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        out += QStringView(text).mid(from, match.capturedStart() - from);
        const std::optional<QString> value = environment(match.captured(1));
        if (!value && unset->isEmpty())
            *unset = match.captured(1);
        out += value.value_or(QString());
        from = match.capturedEnd();
    }
    return out + QStringView(text).mid(from);
}

} // namespace

void checkSecretReferences(YamlCheck &check, const YamlNode &node, const QString &key,
                           const EnvironmentLookup &environment, QStringList &names)
{
    auto it = secretPattern().globalMatch(node.text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const QString name = match.captured(1);
        const YamlMark at = check.document().markInScalar(node, int(match.capturedStart()));
        if (!isVariableName(name)) {
            check.error(at,
                        QStringLiteral("'%1': '${%2}' is not an environment variable name "
                                       "(letters, digits and '_')")
                            .arg(key, name));
            continue;
        }
        if (!names.contains(name))
            names.append(name);
        if (environment && !environment(name))
            check.error(at,
                        QStringLiteral("'%1': environment variable %2 is not set").arg(key, name));
    }
}

std::optional<QString> processEnvironment(const QString &name)
{
    const QByteArray key = name.toLocal8Bit();
    if (!qEnvironmentVariableIsSet(key.constData()))
        return std::nullopt;
    return qEnvironmentVariable(key.constData());
}

ChannelsReadResult readChannels(const QByteArray &text, const QString &path,
                                const EnvironmentLookup &environment)
{
    ChannelsReadResult result;
    const YamlDocument document = YamlDocument::parse(text, path);
    result.diagnostics = document.diagnostics();
    if (!document.root()) {
        return result;
    }
    YamlCheck check(document, result.diagnostics);
    const auto top = check.map(document.root().get(), QStringLiteral("channels.yaml"),
                               {QStringLiteral("channels")}, {QStringLiteral("channels")});
    if (top && top->value(u"channels")) {
        const YamlNode *channels = top->value(u"channels");
        if (const auto map = check.map(channels, QStringLiteral("'channels'"), {})) {
            for (const YamlNode::Entry &entry : map->entries)
                if (auto channel = readChannel(check, entry, environment))
                    result.channels.append(std::move(*channel));
        }
    }
    sortDiagnostics(result.diagnostics);
    return result;
}

Result<QVariantMap> resolveChannelSecrets(const ChannelDefinition &channel,
                                          const EnvironmentLookup &environment)
{
    QVariantMap values;
    QString unset;
    for (auto it = channel.settings.cbegin(); it != channel.settings.cend(); ++it) {
        if (it.value().typeId() == QMetaType::QStringList) {
            QStringList list;
            for (const QString &item : it.value().toStringList())
                list.append(resolved(item, environment, &unset));
            values.insert(it.key(), list);
        } else {
            values.insert(it.key(), resolved(it.value().toString(), environment, &unset));
        }
    }
    if (!unset.isEmpty())
        return makeError(QStringLiteral("channel '%1': environment variable %2 is not set")
                             .arg(channel.name, unset));
    return values;
}

} // namespace Baton

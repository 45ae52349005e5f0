// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/directoryreader.h"

#include "definition/yamlcheck.h"

namespace Baton {

namespace {

// A scalar or a list of scalars, as a list.
std::optional<QStringList> oneOrMany(YamlCheck &check, const YamlNode *node, const QString &what)
{
    if (node->isSequence()) {
        const auto items = check.scalarList(node, what);
        if (!items)
            return std::nullopt;
        QStringList out;
        for (const YamlNode *item : *items)
            out.append(item->text);
        return out;
    }
    const auto text = check.scalar(node, what);
    if (!text)
        return std::nullopt;
    return QStringList {*text};
}

// `roles:` or `departments:`: group (or value) → names, each name known to the organisation.
bool readMapping(YamlCheck &check, const YamlNode *node, const QString &key,
                 const Organisation *organisation, QMap<QString, QStringList> &out)
{
    const auto map = check.map(node, u'\'' + key + u'\'', {});
    if (!map)
        return false;
    bool ok = true;
    for (const YamlNode::Entry &entry : map->entries) {
        const QString what = QStringLiteral("'%1' of '%2'").arg(key, entry.first->text);
        const auto names = oneOrMany(check, entry.second.get(), what);
        if (!names) {
            ok = false;
            continue;
        }
        for (const QString &name : *names) {
            const bool known = !organisation
                || (key == u"roles" ? organisation->hasRole(name)
                                    : organisation->departments.contains(name));
            if (!known) {
                check.error(entry.second.get(),
                            QStringLiteral("%1: unknown %2 '%3'")
                                .arg(what,
                                     key == u"roles" ? QStringLiteral("role")
                                                     : QStringLiteral("department"),
                                     name));
                ok = false;
            }
        }
        out.insert(entry.first->text, *names);
    }
    return ok;
}

bool readDefaultRoles(YamlCheck &check, const YamlNode *node, const Organisation *organisation,
                      QStringList &out)
{
    const auto roles = oneOrMany(check, node, QStringLiteral("'default_roles'"));
    if (!roles)
        return false;
    for (const QString &role : *roles)
        if (organisation && !organisation->hasRole(role)) {
            check.error(node, QStringLiteral("'default_roles': unknown role '%1'").arg(role));
            return false;
        }
    out = *roles;
    return true;
}

bool readSetting(YamlCheck &check, const YamlNode::Entry &setting,
                 const EnvironmentLookup &environment, DirectoryDefinition &directory)
{
    const QString key = setting.first->text;
    const YamlNode *value = setting.second.get();
    if (value->isSequence()) {
        const auto items = check.scalarList(value, u'\'' + key + u'\'');
        if (!items)
            return false;
        QStringList list;
        for (const YamlNode *item : *items) {
            checkSecretReferences(check, *item, key, environment, directory.secretNames);
            list.append(item->text);
        }
        directory.settings.insert(key, list);
        return true;
    }
    const auto text = check.scalar(value, u'\'' + key + u'\'');
    if (!text)
        return false;
    checkSecretReferences(check, *value, key, environment, directory.secretNames);
    directory.settings.insert(key, *text);
    return true;
}

std::optional<DirectoryDefinition> readBody(YamlCheck &check, const YamlNode *node,
                                            const YamlNode *key, const Organisation *organisation,
                                            const EnvironmentLookup &environment)
{
    DirectoryDefinition directory;
    directory.mark = key->mark;
    directory.file = check.file();
    const auto map
        = check.map(node, QStringLiteral("'directory'"), {}, {QStringLiteral("plugin")}, key);
    if (!map)
        return std::nullopt;
    bool ok = true;
    for (const YamlNode::Entry &entry : map->entries) {
        const QString name = entry.first->text;
        const YamlNode *value = entry.second.get();
        if (name == u"plugin") {
            const auto plugin = check.scalar(value, QStringLiteral("'plugin'"));
            ok = ok && plugin && check.checkName(value, QStringLiteral("plugin"));
            directory.plugin = plugin.value_or(QString());
        } else if (name == u"roles") {
            ok = readMapping(check, value, name, organisation, directory.roles) && ok;
        } else if (name == u"departments") {
            ok = readMapping(check, value, name, organisation, directory.departments) && ok;
        } else if (name == u"default_roles") {
            ok = readDefaultRoles(check, value, organisation, directory.defaultRoles) && ok;
        } else {
            ok = readSetting(check, entry, environment, directory) && ok;
        }
    }
    if (!ok)
        return std::nullopt;
    return directory;
}

} // namespace

DirectoryReadResult readDirectory(const QByteArray &text, const QString &path,
                                  const Organisation *organisation,
                                  const EnvironmentLookup &environment)
{
    DirectoryReadResult result;
    const YamlDocument document = YamlDocument::parse(text, path);
    result.diagnostics = document.diagnostics();
    if (!document.root())
        return result;
    YamlCheck check(document, result.diagnostics);
    const auto top = check.map(document.root().get(), QStringLiteral("directory.yaml"),
                               {QStringLiteral("directory")}, {QStringLiteral("directory")});
    if (top && top->value(u"directory"))
        result.directory = readBody(check, top->value(u"directory"), top->key(u"directory"),
                                    organisation, environment);
    sortDiagnostics(result.diagnostics);
    return result;
}

Result<QVariantMap> resolveDirectorySecrets(const DirectoryDefinition &directory,
                                            const EnvironmentLookup &environment)
{
    ChannelDefinition asChannel; // the same ${NAME} rules as channels.yaml
    asChannel.name = QStringLiteral("directory");
    asChannel.settings = directory.settings;
    auto resolved = resolveChannelSecrets(asChannel, environment);
    if (!resolved)
        return makeError(QStringLiteral("directory.yaml: %1")
                             .arg(resolved.error().section(QStringLiteral(": "), 1)));
    return resolved;
}

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ldapsettings.h"

#include <QFileInfo>

using Baton::ErrorKind;
using Baton::makeError;

namespace {

const QStringList &knownKeys()
{
    static const QStringList keys {QStringLiteral("url"),
                                   QStringLiteral("starttls"),
                                   QStringLiteral("ca_file"),
                                   QStringLiteral("timeout_seconds"),
                                   QStringLiteral("bind_dn"),
                                   QStringLiteral("search_base"),
                                   QStringLiteral("search_filter"),
                                   QStringLiteral("service_dn"),
                                   QStringLiteral("service_password"),
                                   QStringLiteral("group_base"),
                                   QStringLiteral("group_filter"),
                                   QStringLiteral("group_attribute"),
                                   QStringLiteral("username_attribute"),
                                   QStringLiteral("name_attribute"),
                                   QStringLiteral("mail_attribute"),
                                   QStringLiteral("department_attribute")};
    return keys;
}

Baton::Error invalid(const QString &message)
{
    return makeError(ErrorKind::Validation, message);
}

// Each scalar key into its member; a list where a scalar belongs is refused.
Baton::Result<void> readScalars(const QVariantMap &values, LdapSettings &s)
{
    const std::pair<const char *, QString *> scalars[] = {
        {"url", &s.url},
        {"ca_file", &s.caFile},
        {"bind_dn", &s.bindDn},
        {"search_base", &s.searchBase},
        {"search_filter", &s.searchFilter},
        {"service_dn", &s.serviceDn},
        {"service_password", &s.servicePassword},
        {"group_base", &s.groupBase},
        {"group_filter", &s.groupFilter},
        {"group_attribute", &s.groupAttribute},
        {"username_attribute", &s.usernameAttribute},
        {"name_attribute", &s.nameAttribute},
        {"mail_attribute", &s.mailAttribute},
        {"department_attribute", &s.departmentAttribute},
    };
    for (const auto &[key, member] : scalars) {
        const QString name = QLatin1String(key);
        if (!values.contains(name))
            continue;
        const QVariant value = values.value(name);
        if (value.typeId() == QMetaType::QStringList)
            return invalid(QStringLiteral("'%1' must be text, not a list").arg(name));
        *member = value.toString().trimmed();
    }
    return {};
}

Baton::Result<void> readSwitches(const QVariantMap &values, LdapSettings &s)
{
    if (values.contains(QStringLiteral("starttls"))) {
        const QString text = values.value(QStringLiteral("starttls")).toString();
        if (text != u"true" && text != u"false")
            return invalid(QStringLiteral("'starttls' must be true or false"));
        s.startTls = text == u"true";
    }
    if (values.contains(QStringLiteral("timeout_seconds"))) {
        bool ok = false;
        s.timeoutSeconds = values.value(QStringLiteral("timeout_seconds")).toString().toInt(&ok);
        if (!ok || s.timeoutSeconds < 1 || s.timeoutSeconds > 300)
            return invalid(QStringLiteral("'timeout_seconds' must be 1-300"));
    }
    return {};
}

Baton::Result<void> checkCombination(const LdapSettings &s)
{
    if (s.url.isEmpty())
        return invalid(QStringLiteral("'url' is required (ldap://HOST or ldaps://HOST)"));
    if (!s.url.startsWith(QLatin1String("ldap://")) && !s.url.startsWith(QLatin1String("ldaps://")))
        return invalid(QStringLiteral("'url' must start with ldap:// or ldaps://"));
    if (s.url.contains(u' '))
        return invalid(QStringLiteral("'url' must be one server (no spaces)"));
    if (s.startTls && s.implicitTls())
        return invalid(QStringLiteral("'starttls' is for ldap:// (ldaps:// is TLS already)"));
    if (!s.caFile.isEmpty() && !QFileInfo(s.caFile).isReadable())
        return invalid(QStringLiteral("'ca_file': cannot read %1").arg(s.caFile));
    if (s.bindDn.isEmpty() == s.searchBase.isEmpty())
        return invalid(QStringLiteral("give either 'bind_dn' (a DN with {username}) or "
                                      "'search_base' (search, then bind), not both"));
    if (!s.bindDn.isEmpty() && !s.bindDn.contains(QLatin1String("{username}")))
        return invalid(QStringLiteral("'bind_dn' must contain {username}"));
    if (s.searchThenBind() && !s.searchFilter.contains(QLatin1String("{username}")))
        return invalid(QStringLiteral("'search_filter' must contain {username}"));
    if (!s.serviceDn.isEmpty() && s.servicePassword.isEmpty())
        return invalid(QStringLiteral("'service_dn' needs 'service_password'"));
    if (!s.groupBase.isEmpty() && !s.groupFilter.contains(QLatin1String("{dn}")))
        return invalid(QStringLiteral("'group_filter' must contain {dn}"));
    return {};
}

} // namespace

Baton::Result<LdapSettings> readLdapSettings(const QVariantMap &values)
{
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        if (!knownKeys().contains(it.key()))
            return invalid(QStringLiteral("unknown setting '%1' (the ldap plugin knows %2)")
                               .arg(it.key(), knownKeys().join(QStringLiteral(", "))));
    LdapSettings settings;
    if (auto read = readScalars(values, settings); !read)
        return read.failure();
    if (auto read = readSwitches(values, settings); !read)
        return read.failure();
    if (auto checked = checkCombination(settings); !checked)
        return checked.failure();
    return settings;
}

QString escapeDnValue(const QString &value)
{
    QString out;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value.at(i);
        const bool special = QStringLiteral(",+\"\\<>;=").contains(c)
            || (i == 0 && (c == u'#' || c == u' ')) || (i == value.size() - 1 && c == u' ');
        if (c == QChar(0))
            out += QLatin1String("\\00");
        else
            out += special ? QString(u'\\') + c : QString(c);
    }
    return out;
}

QString escapeFilterValue(const QString &value)
{
    QString out;
    for (const QChar c : value) {
        switch (c.unicode()) {
        case '*':
            out += QLatin1String("\\2a");
            break;
        case '(':
            out += QLatin1String("\\28");
            break;
        case ')':
            out += QLatin1String("\\29");
            break;
        case '\\':
            out += QLatin1String("\\5c");
            break;
        case 0:
            out += QLatin1String("\\00");
            break;
        default:
            out += c;
        }
    }
    return out;
}

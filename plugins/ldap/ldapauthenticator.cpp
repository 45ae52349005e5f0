// SPDX-License-Identifier: GPL-3.0-or-later
#include "ldapauthenticator.h"

#include "ldapsettings.h"

#include <ldap.h>

#include <memory>

using Baton::AuthenticatedIdentity;
using Baton::ErrorKind;
using Baton::makeError;
using Baton::Result;

namespace {

struct LdapHandleDeleter
{
    void operator()(LDAP *ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapHandleDeleter>;

struct MessageDeleter
{
    void operator()(LDAPMessage *message) const { ldap_msgfree(message); }
};
using LdapMessage = std::unique_ptr<LDAPMessage, MessageDeleter>;

// A refusal for wrong credentials; anything else is the directory not answering as it should,
// which must never let anyone in and is not the person's fault.
Baton::Error failure(LDAP *ld, int code, const QString &doing)
{
    QString message = doing + QStringLiteral(": ") + QString::fromUtf8(ldap_err2string(code));
    char *diagnostic = nullptr;
    if (ld && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS
        && diagnostic) {
        if (*diagnostic)
            message += QStringLiteral(" (%1)").arg(QString::fromUtf8(diagnostic));
        ldap_memfree(diagnostic);
    }
    const bool refused = code == LDAP_INVALID_CREDENTIALS || code == LDAP_INVALID_DN_SYNTAX;
    return makeError(refused ? ErrorKind::Unauthorized : ErrorKind::Unavailable, message);
}

Result<LdapHandle> openConnection(const LdapSettings &settings)
{
    LDAP *raw = nullptr;
    const QByteArray url = settings.url.toUtf8();
    if (const int rc = ldap_initialize(&raw, url.constData()); rc != LDAP_SUCCESS)
        return failure(nullptr, rc, QStringLiteral("connecting to ") + settings.url);
    LdapHandle ld(raw);
    const int version = LDAP_VERSION3;
    ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    const timeval timeout {settings.timeoutSeconds, 0};
    ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &timeout);
    ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &timeout);
    // TLS options on this handle only (never the process-wide defaults), then a TLS context
    // made from them; the server's certificate must always check out.
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (!settings.caFile.isEmpty()) {
        const QByteArray caFile = settings.caFile.toLocal8Bit();
        ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, caFile.constData());
    }
    const int isServer = 0;
    if (const int rc = ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &isServer);
        rc != LDAP_OPT_SUCCESS)
        return failure(ld.get(), rc, QStringLiteral("setting up TLS"));
    if (settings.startTls)
        if (const int rc = ldap_start_tls_s(ld.get(), nullptr, nullptr); rc != LDAP_SUCCESS)
            return failure(ld.get(), rc, QStringLiteral("StartTLS with ") + settings.url);
    return ld;
}

Result<void> bind(LDAP *ld, const QString &dn, const QString &password, const QString &as)
{
    QByteArray dnBytes = dn.toUtf8();
    QByteArray secret = password.toUtf8();
    berval credential {ber_len_t(secret.size()), secret.data()};
    const int rc = ldap_sasl_bind_s(ld, dnBytes.constData(), LDAP_SASL_SIMPLE, &credential, nullptr,
                                    nullptr, nullptr);
    secret.fill('\0');
    if (rc != LDAP_SUCCESS)
        return failure(ld, rc, QStringLiteral("binding as ") + as);
    return {};
}

Result<LdapMessage> search(LDAP *ld, const LdapSettings &settings, const QString &base, int scope,
                           const QString &filter, const QList<QByteArray> &attributes)
{
    std::vector<char *> names;
    for (const QByteArray &name : attributes)
        names.push_back(const_cast<char *>(name.constData()));
    names.push_back(nullptr);
    timeval timeout {settings.timeoutSeconds, 0};
    LDAPMessage *raw = nullptr;
    const int rc
        = ldap_search_ext_s(ld, base.toUtf8().constData(), scope, filter.toUtf8().constData(),
                            names.data(), 0, nullptr, nullptr, &timeout, 1000, &raw);
    LdapMessage result(raw);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
        return failure(ld, rc, QStringLiteral("searching %1 for %2").arg(base, filter));
    return result;
}

QStringList values(LDAP *ld, LDAPMessage *entry, const QString &attribute)
{
    QStringList out;
    if (attribute.isEmpty())
        return out;
    berval **found = ldap_get_values_len(ld, entry, attribute.toUtf8().constData());
    for (berval **v = found; v && *v; ++v)
        out.append(QString::fromUtf8((*v)->bv_val, qsizetype((*v)->bv_len)));
    ldap_value_free_len(found);
    return out;
}

QString dnOf(LDAP *ld, LDAPMessage *entry)
{
    char *dn = ldap_get_dn(ld, entry);
    const QString out = QString::fromUtf8(dn);
    ldap_memfree(dn);
    return out;
}

QList<QByteArray> entryAttributes(const LdapSettings &s)
{
    QList<QByteArray> names {s.nameAttribute.toUtf8(), QByteArrayLiteral("cn"),
                             s.mailAttribute.toUtf8()};
    for (const QString &optional : {s.usernameAttribute, s.departmentAttribute, s.groupAttribute})
        if (!optional.isEmpty() && !(s.groupAttribute == optional && !s.groupBase.isEmpty()))
            names.append(optional.toUtf8());
    return names;
}

// The person's DN: made from the template, or found by a search (as the service account when
// one is configured). Not found, or found twice, is a refusal like a wrong password.
Result<QString> personDn(LDAP *ld, const LdapSettings &s, const QString &username)
{
    if (!s.searchThenBind()) {
        QString dn = s.bindDn;
        return dn.replace(QLatin1String("{username}"), escapeDnValue(username));
    }
    if (!s.serviceDn.isEmpty())
        if (auto bound = bind(ld, s.serviceDn, s.servicePassword,
                              QStringLiteral("the service account ") + s.serviceDn);
            !bound) // the service account refused is a configuration fault, not the person's
            return makeError(ErrorKind::Unavailable, bound.error());
    QString filter = s.searchFilter;
    filter.replace(QLatin1String("{username}"), escapeFilterValue(username));
    auto found = search(ld, s, s.searchBase, LDAP_SCOPE_SUBTREE, filter, {"1.1"});
    if (!found)
        return found.failure();
    const int count = ldap_count_entries(ld, found->get());
    if (count != 1)
        return makeError(ErrorKind::Unauthorized,
                         QStringLiteral("%1 entries under %2 match %3 (one wanted)")
                             .arg(count)
                             .arg(s.searchBase, filter));
    return dnOf(ld, ldap_first_entry(ld, found->get()));
}

// Who the bound person is, from their entry and (with group_base) a search of the groups.
Result<AuthenticatedIdentity> identityOf(LDAP *ld, const LdapSettings &s, const QString &dn,
                                         const QString &typed)
{
    auto read
        = search(ld, s, dn, LDAP_SCOPE_BASE, QStringLiteral("(objectClass=*)"), entryAttributes(s));
    if (!read)
        return read.failure();
    LDAPMessage *entry = ldap_first_entry(ld, read->get());
    if (!entry)
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("cannot read the entry %1 after binding as it").arg(dn));
    AuthenticatedIdentity identity;
    const QStringList names = values(ld, entry, s.usernameAttribute);
    identity.username = (names.isEmpty() ? typed : names.first()).toLower();
    QStringList displayNames = values(ld, entry, s.nameAttribute);
    if (displayNames.isEmpty())
        displayNames = values(ld, entry, QStringLiteral("cn"));
    identity.displayName = displayNames.value(0, identity.username);
    identity.email = values(ld, entry, s.mailAttribute).value(0);
    identity.departmentValues = values(ld, entry, s.departmentAttribute);
    if (s.groupBase.isEmpty()) {
        identity.groups = values(ld, entry, s.groupAttribute);
        return identity;
    }
    QString filter = s.groupFilter;
    filter.replace(QLatin1String("{dn}"), escapeFilterValue(dn));
    auto groups = search(ld, s, s.groupBase, LDAP_SCOPE_SUBTREE, filter, {"1.1"});
    if (!groups)
        return groups.failure();
    for (LDAPMessage *g = ldap_first_entry(ld, groups->get()); g; g = ldap_next_entry(ld, g))
        identity.groups.append(dnOf(ld, g));
    return identity;
}

} // namespace

Result<void> LdapAuthenticator::checkSettings(const QVariantMap &settings) const
{
    const auto read = readLdapSettings(settings);
    if (!read)
        return read.failure();
    return {};
}

Result<AuthenticatedIdentity> LdapAuthenticator::authenticate(const QVariantMap &settings,
                                                              const Baton::Credentials &credentials)
{
    const auto s = readLdapSettings(settings);
    if (!s)
        return makeError(ErrorKind::Unavailable, s.error());
    // An empty password is an anonymous bind that succeeds (RFC 4513 5.1.2): never try it.
    if (credentials.password.isEmpty() || credentials.username.trimmed().isEmpty())
        return makeError(ErrorKind::Unauthorized, QStringLiteral("empty username or password"));
    auto ld = openConnection(*s);
    if (!ld)
        return ld.failure();
    const auto dn = personDn(ld->get(), *s, credentials.username);
    if (!dn)
        return dn.failure();
    if (auto bound = bind(ld->get(), *dn, credentials.password, *dn); !bound)
        return bound.failure();
    return identityOf(ld->get(), *s, *dn, credentials.username);
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "passwordhasher.h"

#include <QCryptographicHash>

#include <sodium.h>

namespace Baton {

namespace {

constexpr unsigned long long opsLimit = 2;
constexpr size_t memLimit = 19 * 1024 * 1024;

bool initialised()
{
    static const bool ok = sodium_init() >= 0;
    return ok;
}

} // namespace

Result<QByteArray> PasswordHasher::hash(const QString &password)
{
    if (!initialised())
        return makeError(QStringLiteral("libsodium failed to initialise"));
    const QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, utf8.constData(), quint64(utf8.size()), opsLimit, memLimit,
                              crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        return makeError(QStringLiteral("out of memory while hashing a password"));
    return QByteArray(out);
}

bool PasswordHasher::verify(const QByteArray &encoded, const QString &password)
{
    if (!initialised() || encoded.isEmpty() || encoded.size() >= crypto_pwhash_STRBYTES)
        return false;
    const QByteArray utf8 = password.toUtf8();
    return crypto_pwhash_str_verify(encoded.constData(), utf8.constData(), quint64(utf8.size()))
        == 0;
}

bool PasswordHasher::needsRehash(const QByteArray &encoded)
{
    if (!initialised())
        return false;
    return crypto_pwhash_str_needs_rehash(encoded.constData(), opsLimit, memLimit) != 0;
}

void PasswordHasher::verifyDummy(const QString &password)
{
    static const QByteArray dummy = [] {
        const auto h = hash(QStringLiteral("dummy password for timing"));
        return h.ok() ? h.value() : QByteArray();
    }();
    (void)verify(dummy, password);
}

QString SessionToken::generate()
{
    initialised();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(bytes), sizeof bytes)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString SessionToken::hash(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex());
}

} // namespace Baton

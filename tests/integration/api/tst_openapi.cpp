// SPDX-License-Identifier: GPL-3.0-or-later
// The OpenAPI document (engine/api/openapi.json, served at /api/v1/openapi.json) against the
// server's own route table: every route is documented, every documented operation exists, the
// public ones are exactly the routes without a session, and every reference resolves.
// tests/integration/openapi checks real requests and replies against the document's schemas.
#include "api/apiserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Baton;

namespace {

const QStringList httpMethods {QStringLiteral("get"),     QStringLiteral("put"),
                               QStringLiteral("post"),    QStringLiteral("delete"),
                               QStringLiteral("patch"),   QStringLiteral("head"),
                               QStringLiteral("options"), QStringLiteral("trace")};

QString key(const QString &method, const QString &path)
{
    return method.toUpper() + u' ' + path;
}

/// The value a JSON pointer such as "#/components/schemas/Ticket" names, or undefined.
QJsonValue resolve(const QJsonObject &document, const QString &reference)
{
    if (!reference.startsWith(u"#/"))
        return QJsonValue(QJsonValue::Undefined);
    QJsonValue at = document;
    for (QString part : reference.mid(2).split(u'/')) {
        part.replace(QStringLiteral("~1"), QStringLiteral("/"))
            .replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (!at.isObject() || !at.toObject().contains(part))
            return QJsonValue(QJsonValue::Undefined);
        at = at.toObject().value(part);
    }
    return at;
}

void collectReferences(const QJsonValue &value, QStringList *out)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == u"$ref" && it.value().isString())
                out->append(it.value().toString());
            else
                collectReferences(it.value(), out);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            collectReferences(item, out);
    }
}

} // namespace

class tst_OpenApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void documentIsOpenApi31();
    void everyRouteIsDocumentedAndEveryOperationExists();
    void publicOperationsAreExactlyTheRoutesWithoutASession();
    void everyReferenceResolves();
    void everyOperationIsComplete();

private:
    /// "METHOD /path" → the operation object, for every operation in the document.
    QHash<QString, QJsonObject> operations() const;

    QJsonObject m_document;
    QList<Api::ApiServer::RouteEntry> m_routes;
};

void tst_OpenApi::initTestCase()
{
    QJsonParseError error;
    const QJsonDocument document
        = QJsonDocument::fromJson(Api::ApiServer::openApiDocument(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(document.isObject());
    m_document = document.object();
    // The route table is built by the constructor; nothing is started.
    Api::ApiServer server {Api::ApiServerOptions {}};
    m_routes = server.routes();
    QVERIFY(m_routes.size() > 20);
}

QHash<QString, QJsonObject> tst_OpenApi::operations() const
{
    QHash<QString, QJsonObject> out;
    const QJsonObject paths = m_document.value(u"paths").toObject();
    for (auto path = paths.begin(); path != paths.end(); ++path) {
        const QJsonObject item = path.value().toObject();
        for (auto op = item.begin(); op != item.end(); ++op)
            if (httpMethods.contains(op.key()))
                out.insert(key(op.key(), path.key()), op.value().toObject());
    }
    return out;
}

void tst_OpenApi::documentIsOpenApi31()
{
    QCOMPARE(m_document.value(u"openapi").toString(), QStringLiteral("3.1.0"));
    QVERIFY(!m_document.value(u"info").toObject().value(u"title").toString().isEmpty());
    const QJsonObject schemes
        = m_document.value(u"components").toObject().value(u"securitySchemes").toObject();
    QCOMPARE(schemes.value(u"bearerAuth").toObject().value(u"scheme").toString(),
             QStringLiteral("bearer"));
    QCOMPARE(schemes.value(u"cookieAuth").toObject().value(u"in").toString(),
             QStringLiteral("cookie"));
    QCOMPARE(schemes.value(u"cookieAuth").toObject().value(u"name").toString(),
             QStringLiteral("baton_session"));
}

void tst_OpenApi::everyRouteIsDocumentedAndEveryOperationExists()
{
    const QHash<QString, QJsonObject> documented = operations();
    QSet<QString> routes;
    for (const auto &route : std::as_const(m_routes))
        routes.insert(key(QString::fromLatin1(route.method), route.pattern));
    QStringList undocumented, unrouted;
    for (const QString &route : std::as_const(routes))
        if (!documented.contains(route))
            undocumented.append(route);
    for (auto it = documented.cbegin(); it != documented.cend(); ++it)
        if (!routes.contains(it.key()))
            unrouted.append(it.key());
    undocumented.sort();
    unrouted.sort();
    // Both lists in one message: a renamed route shows up on each side.
    QVERIFY2(undocumented.isEmpty() && unrouted.isEmpty(),
             qPrintable(QStringLiteral("routes missing from engine/api/openapi.json: [")
                        + undocumented.join(QStringLiteral(", "))
                        + QStringLiteral("]; documented operations the server does not route: [")
                        + unrouted.join(QStringLiteral(", ")) + u']'));
}

void tst_OpenApi::publicOperationsAreExactlyTheRoutesWithoutASession()
{
    const QHash<QString, QJsonObject> documented = operations();
    QVERIFY(!m_document.value(u"security").toArray().isEmpty()); // a session by default
    for (const auto &route : std::as_const(m_routes)) {
        const QString k = key(QString::fromLatin1(route.method), route.pattern);
        const QJsonObject op = documented.value(k);
        const bool documentedPublic
            = op.contains(u"security") && op.value(u"security").toArray().isEmpty();
        QVERIFY2(documentedPublic == !route.needsAuth,
                 qPrintable(k
                            + (route.needsAuth ? QStringLiteral(" needs a session but is "
                                                                "documented as public")
                                               : QStringLiteral(" is public but documented as "
                                                                "needing a session"))));
    }
}

void tst_OpenApi::everyReferenceResolves()
{
    QStringList references;
    collectReferences(m_document, &references);
    QVERIFY(references.size() > 50);
    for (const QString &reference : std::as_const(references))
        QVERIFY2(!resolve(m_document, reference).isUndefined(),
                 qPrintable(QStringLiteral("unresolved $ref ") + reference));
}

void tst_OpenApi::everyOperationIsComplete()
{
    QSet<QString> tags;
    for (const QJsonValue &tag : m_document.value(u"tags").toArray())
        tags.insert(tag.toObject().value(u"name").toString());
    QSet<QString> operationIds;
    const QHash<QString, QJsonObject> documented = operations();
    static const QRegularExpression pathParameter(QStringLiteral("\\{([^}]+)\\}"));
    for (auto it = documented.cbegin(); it != documented.cend(); ++it) {
        const QJsonObject &op = it.value();
        const QByteArray where = it.key().toUtf8();
        const QString id = op.value(u"operationId").toString();
        QVERIFY2(!id.isEmpty() && !operationIds.contains(id), where.constData());
        operationIds.insert(id);
        QVERIFY2(!op.value(u"summary").toString().isEmpty(), where.constData());
        const QJsonArray opTags = op.value(u"tags").toArray();
        QVERIFY2(opTags.size() == 1 && tags.contains(opTags.first().toString()), where.constData());
        QVERIFY2(!op.value(u"responses").toObject().isEmpty(), where.constData());
        // Every {name} in the path is declared as a required path parameter.
        QSet<QString> declared;
        for (const QJsonValue &p : op.value(u"parameters").toArray()) {
            QJsonObject parameter = p.toObject();
            if (parameter.contains(u"$ref"))
                parameter = resolve(m_document, parameter.value(u"$ref").toString()).toObject();
            if (parameter.value(u"in").toString() == u"path"
                && parameter.value(u"required").toBool())
                declared.insert(parameter.value(u"name").toString());
        }
        const QString path = it.key().section(u' ', 1);
        QSet<QString> inPath;
        for (auto m = pathParameter.globalMatch(path); m.hasNext();)
            inPath.insert(m.next().captured(1));
        QCOMPARE(declared, inPath);
    }
}

QTEST_GUILESS_MAIN(tst_OpenApi)
#include "tst_openapi.moc"

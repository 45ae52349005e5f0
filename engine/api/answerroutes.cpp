// SPDX-License-Identifier: GPL-3.0-or-later
// Standard answers (issue 16, "one company, one voice"): departments publish what the front
// line says, in English and Chinese, with placeholders the agent's reply fills in; everyone
// signed in reads and searches them; admins and the department's supervisors write them, and
// every write is a new version kept whole (who, when).
#include "api/apiserver_p.h"
#include "api/routeresults_p.h"

#include "api/apierror.h"
#include "api/ticketjson.h"
#include "core/clock.h"
#include "http/jsonbody.h"
#include "store/answerrows.h"
#include "store/database.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTimeZone>

namespace Baton::Api {

namespace {

/// What a body may name in braces; the UI fills them from the ticket and the agent.
const QStringList knownPlaceholders {
    QStringLiteral("customer.name"),  QStringLiteral("customer.id"),
    QStringLiteral("customer.phone"), QStringLiteral("ticket.key"),
    QStringLiteral("ticket.title"),   QStringLiteral("agent.name"),
};

QString noAnswer(qint64 id)
{
    return QStringLiteral("No answer %1.").arg(id);
}

QJsonObject bilingual(const QString &en, const QString &zh)
{
    return {{QStringLiteral("en"), en}, {QStringLiteral("zh"), zh}};
}

QJsonObject answerJson(const AnswerRow &row, const Organisation &org, Language language,
                       bool editable)
{
    const auto department = org.departments.constFind(row.department);
    return {
        {QStringLiteral("id"), row.id},
        {QStringLiteral("department"), row.department},
        {QStringLiteral("department_title"),
         department == org.departments.cend() ? row.department : department->title.text(language)},
        {QStringLiteral("title"), bilingual(row.titleEn, row.titleZh)},
        {QStringLiteral("body"), bilingual(row.bodyEn, row.bodyZh)},
        {QStringLiteral("active"), row.active},
        {QStringLiteral("version"), row.version},
        {QStringLiteral("created_at"),
         timeOrNull(QDateTime::fromMSecsSinceEpoch(row.createdAt, QTimeZone::utc()))},
        {QStringLiteral("created_by"), row.createdBy},
        {QStringLiteral("updated_at"),
         timeOrNull(QDateTime::fromMSecsSinceEpoch(row.updatedAt, QTimeZone::utc()))},
        {QStringLiteral("updated_by"), row.updatedBy},
        {QStringLiteral("editable"), editable}};
}

QJsonObject versionJson(const AnswerRow &row)
{
    return {{QStringLiteral("version"), row.version},
            {QStringLiteral("department"), row.department},
            {QStringLiteral("title"), bilingual(row.titleEn, row.titleZh)},
            {QStringLiteral("body"), bilingual(row.bodyEn, row.bodyZh)},
            {QStringLiteral("active"), row.active},
            {QStringLiteral("at"),
             timeOrNull(QDateTime::fromMSecsSinceEpoch(row.updatedAt, QTimeZone::utc()))},
            {QStringLiteral("by"), row.updatedBy}};
}

/// Every word of `query` (any case) is somewhere in the answer's titles or bodies; 0 when not,
/// else 2 when every word is in a title (shown first), 1 otherwise.
int matchRank(const AnswerRow &row, const QStringList &words)
{
    const QString titles = (row.titleEn + u'\n' + row.titleZh).toLower();
    const QString all = titles + u'\n' + (row.bodyEn + u'\n' + row.bodyZh).toLower();
    bool allInTitles = true;
    for (const QString &word : words) {
        if (!all.contains(word))
            return 0;
        allInTitles = allInTitles && titles.contains(word);
    }
    return allInTitles ? 2 : 1;
}

/// The placeholders of `text` that are not known.
QStringList unknownPlaceholders(const QString &text)
{
    static const QRegularExpression placeholder(QStringLiteral(R"(\{([^{}\s]{1,60})\})"));
    QStringList unknown;
    for (auto it = placeholder.globalMatch(text); it.hasNext();) {
        const QString name = it.next().captured(1);
        if (!knownPlaceholders.contains(name) && !unknown.contains(name))
            unknown.append(name);
    }
    return unknown;
}

/// Reads {"en", "zh"} into the row's members; problems under "title.en" etc.
void readBilingual(JsonReader &reader, const QString &key, QString *en, QString *zh,
                   QJsonObject &problems)
{
    const auto object = reader.object(key);
    if (!object)
        return;
    JsonReader inner(*object);
    for (const auto &[language, member] : {std::pair {"en", en}, {"zh", zh}}) {
        const QString name = key + u'.' + QLatin1String(language);
        if (const auto value = inner.string(QLatin1String(language)))
            *member = value->trimmed();
        else if (inner.has(QLatin1String(language)))
            problems.insert(name, QStringLiteral("must be text"));
    }
    if (inner.finish())
        problems.insert(key, QStringLiteral("may hold only \"en\" and \"zh\" text"));
}

/// Checks a whole answer before it is written: field → message.
QJsonObject problemsOf(const AnswerRow &row, const Organisation &org)
{
    QJsonObject problems;
    if (!org.departments.contains(row.department))
        problems.insert(QStringLiteral("department"),
                        row.department.isEmpty()
                            ? QStringLiteral("is required")
                            : QStringLiteral("no department %1").arg(row.department));
    for (const auto &[name, text, limit] : {std::tuple {"title.en", &row.titleEn, 200},
                                            {"title.zh", &row.titleZh, 200},
                                            {"body.en", &row.bodyEn, 10000},
                                            {"body.zh", &row.bodyZh, 10000}}) {
        const QString key = QString::fromLatin1(name);
        if (text->isEmpty())
            problems.insert(key,
                            QStringLiteral("is required (answers are published in both "
                                           "languages)"));
        else if (text->size() > limit)
            problems.insert(key, QStringLiteral("must be at most %1 characters").arg(limit));
        else if (const QStringList unknown = unknownPlaceholders(*text); !unknown.isEmpty())
            problems.insert(key,
                            QStringLiteral("unknown placeholder {%1}; known: {%2}")
                                .arg(unknown.join(QStringLiteral("}, {")),
                                     knownPlaceholders.join(QStringLiteral("}, {"))));
    }
    return problems;
}

} // namespace

bool ApiServer::Private::mayEditAnswers(const Actor &actor, const QString &department) const
{
    return actor.isAdmin()
        || (actor.hasRole(QStringLiteral("supervisor")) && actor.supervisesDepartment(department));
}

void ApiServer::Private::answers(Context &ctx)
{
    const HttpRequest &r = ctx.request;
    for (const auto &item : r.query.queryItems())
        if (item.first != u"q" && item.first != u"department" && item.first != u"withdrawn")
            return ctx.fail(
                ApiError::badRequest(QStringLiteral("Unknown parameter: %1").arg(item.first)));
    const QString withdrawn = r.queryValue(QStringLiteral("withdrawn"));
    if (!withdrawn.isNull() && withdrawn != u"true" && withdrawn != u"false")
        return ctx.fail(ApiError::badRequest(QStringLiteral("withdrawn must be true or false.")));
    const QString department = r.queryValue(QStringLiteral("department"));
    const QStringList words
        = r.queryValue(QStringLiteral("q"))
              .toLower()
              .split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto rows = valueOrError(ctx, AnswerRows::all(*db, withdrawn == u"true"));
    if (!rows)
        return;
    QList<std::pair<int, const AnswerRow *>> found;
    for (const AnswerRow &row : *rows) {
        const int rank = words.isEmpty() ? 1 : matchRank(row, words);
        if (rank > 0 && (department.isEmpty() || row.department == department))
            found.append({rank, &row});
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    QJsonArray items;
    for (const auto &[rank, row] : found)
        items.append(
            answerJson(*row, org(), ctx.language, mayEditAnswers(ctx.actor, row->department)));
    ctx.ok({{QStringLiteral("items"), items},
            {QStringLiteral("placeholders"), QJsonArray::fromStringList(knownPlaceholders)}});
}

void ApiServer::Private::answer(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto row = rowOr404(ctx, AnswerRows::get(*db, *id), noAnswer(*id));
    if (!row)
        return;
    ctx.ok(answerJson(*row, org(), ctx.language, mayEditAnswers(ctx.actor, row->department)));
}

void ApiServer::Private::answerVersions(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto rows = valueOrError(ctx, AnswerRows::versions(*db, *id));
    if (!rows)
        return;
    if (rows->isEmpty())
        return ctx.fail(ApiError::notFound(noAnswer(*id)));
    QJsonArray items;
    for (const AnswerRow &row : *rows)
        items.append(versionJson(row));
    ctx.ok({{QStringLiteral("items"), items}});
}

void ApiServer::Private::createAnswer(Context &ctx)
{
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    JsonReader reader(body);
    AnswerRow row;
    QJsonObject problems;
    row.department = reader.string(QStringLiteral("department")).value_or(QString()).trimmed();
    readBilingual(reader, QStringLiteral("title"), &row.titleEn, &row.titleZh, problems);
    readBilingual(reader, QStringLiteral("body"), &row.bodyEn, &row.bodyZh, problems);
    row.active = reader.boolean(QStringLiteral("active")).value_or(true);
    if (auto error = reader.finish())
        return ctx.fail(*error);
    if (!mayEditAnswers(ctx.actor, row.department) && org().departments.contains(row.department))
        return ctx.fail(ApiError::forbidden(
            QStringLiteral("Only admins and the department's supervisors publish its answers.")));
    const QJsonObject checked = problemsOf(row, org());
    for (auto it = checked.constBegin(); it != checked.constEnd(); ++it)
        if (!problems.contains(it.key()))
            problems.insert(it.key(), it.value());
    if (!problems.isEmpty())
        return ctx.fail(ApiError::validation(QStringLiteral("The answer is not valid."),
                                             {{QStringLiteral("fields"), problems}}));
    row.createdAt = o.clock->now().toMSecsSinceEpoch();
    row.createdBy = ctx.actor.username;
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto id = valueOrError(ctx, AnswerRows::insert(*db, row));
    if (!id)
        return;
    const auto stored = rowOr404(ctx, AnswerRows::get(*db, *id), noAnswer(*id));
    if (!stored)
        return;
    ctx.ok(answerJson(*stored, org(), ctx.language, true), 201);
}

void ApiServer::Private::patchAnswer(Context &ctx)
{
    const auto id = idParam(ctx);
    if (!id)
        return;
    QJsonObject body;
    if (auto error = parseJsonObjectBody(ctx.request, &body))
        return ctx.fail(*error);
    const auto db = threadConnection(ctx, *o.database);
    if (!db)
        return;
    const auto current = rowOr404(ctx, AnswerRows::get(*db, *id), noAnswer(*id));
    if (!current)
        return;
    if (!mayEditAnswers(ctx.actor, current->department))
        return ctx.fail(ApiError::forbidden(
            QStringLiteral("Only admins and the department's supervisors change its answers.")));
    AnswerRow row = *current;
    JsonReader reader(body);
    QJsonObject problems;
    if (const auto department = reader.string(QStringLiteral("department")))
        row.department = department->trimmed();
    readBilingual(reader, QStringLiteral("title"), &row.titleEn, &row.titleZh, problems);
    readBilingual(reader, QStringLiteral("body"), &row.bodyEn, &row.bodyZh, problems);
    if (const auto active = reader.boolean(QStringLiteral("active")))
        row.active = *active;
    const auto version = reader.integer(QStringLiteral("version"));
    if (auto error = reader.finish())
        return ctx.fail(*error);
    if (version && *version != current->version)
        return ctx.fail(
            ApiError::conflict(QStringLiteral("The answer changed meanwhile (version %1 now).")
                                   .arg(current->version)));
    const QJsonObject checked = problemsOf(row, org());
    for (auto it = checked.constBegin(); it != checked.constEnd(); ++it)
        if (!problems.contains(it.key()))
            problems.insert(it.key(), it.value());
    if (!problems.isEmpty())
        return ctx.fail(ApiError::validation(QStringLiteral("The answer is not valid."),
                                             {{QStringLiteral("fields"), problems}}));
    if (row.department != current->department && !mayEditAnswers(ctx.actor, row.department))
        return ctx.fail(ApiError::forbidden(
            QStringLiteral("You may not move an answer to %1.").arg(row.department)));
    const AnswerRow &was = *current;
    if (row.department == was.department && row.titleEn == was.titleEn && row.titleZh == was.titleZh
        && row.bodyEn == was.bodyEn && row.bodyZh == was.bodyZh && row.active == was.active)
        return ctx.ok(answerJson(was, org(), ctx.language, true)); // nothing to version
    row.version = was.version + 1;
    row.updatedAt = o.clock->now().toMSecsSinceEpoch();
    row.updatedBy = ctx.actor.username;
    const auto updated = valueOrError(ctx, AnswerRows::update(*db, row));
    if (!updated)
        return;
    if (!*updated)
        return ctx.fail(ApiError::conflict(QStringLiteral("The answer changed meanwhile.")));
    ctx.ok(answerJson(row, org(), ctx.language, true));
}

} // namespace Baton::Api

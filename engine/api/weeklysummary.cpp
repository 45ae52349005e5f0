// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/weeklysummary.h"

#include "api/reportresource.h"

#include "runtime/access.h"
#include "runtime/engine.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "store/userrows.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace Baton::Api {

namespace {

constexpr qint64 dayMs = 86400000;
constexpr int topSteps = 5;

QString isoInstant(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// One report's JSON reply, as the supervisor's Reports page would get it.
QJsonObject reportJson(HttpResponse (*reply)(const HttpRequest &, const ReportContext &),
                       const ReportContext &context, const QString &by, qint64 from, qint64 to)
{
    HttpRequest request;
    request.method = "GET";
    request.query.addQueryItem(QStringLiteral("by"), by);
    request.query.addQueryItem(QStringLiteral("from"), isoInstant(from));
    request.query.addQueryItem(QStringLiteral("to"), isoInstant(to));
    const HttpResponse response = reply(request, context);
    return response.status == 200 ? QJsonDocument::fromJson(response.body).object() : QJsonObject();
}

QList<QJsonObject> rowsOf(const QJsonObject &report)
{
    QList<QJsonObject> rows;
    for (const QJsonValue &row : report.value(u"rows").toArray())
        rows.append(row.toObject());
    return rows;
}

// The steps that breached most (by=state), most breaches first, at most topSteps.
QStringList breachLines(const ReportContext &context, const SummaryWeek &week, bool zh)
{
    QList<QJsonObject> rows
        = rowsOf(reportJson(&reportSteps, context, QStringLiteral("state"), week.from, week.to));
    rows.removeIf([](const QJsonObject &r) { return r.value(u"breached").toInt() == 0; });
    std::stable_sort(rows.begin(), rows.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(u"breached").toInt() > b.value(u"breached").toInt();
    });
    QStringList lines;
    for (const QJsonObject &r : rows.mid(0, topSteps))
        lines.append((zh ? QStringLiteral("  %1（%2）：%3 个环节中 %4 个超时")
                         : QStringLiteral("  %1 (%2): %4 of %3 steps breached"))
                         .arg(r.value(u"title").toString(), r.value(u"key").toString())
                         .arg(r.value(u"steps").toInt())
                         .arg(r.value(u"breached").toInt()));
    return lines;
}

QStringList satisfactionLines(const ReportContext &context, const SummaryWeek &week, bool zh)
{
    QStringList lines;
    for (const QJsonObject &r : rowsOf(reportJson(
             &reportSatisfaction, context, QStringLiteral("department"), week.from, week.to)))
        lines.append((zh ? QStringLiteral("  %1：%2 个评价，平均 %3，%4 个未解决")
                         : QStringLiteral("  %1: %2 ratings, average %3, %4 not solved"))
                         .arg(r.value(u"title").toString())
                         .arg(r.value(u"ratings").toInt())
                         .arg(r.value(u"average").toDouble(), 0, 'f', 2)
                         .arg(r.value(u"not_solved").toInt()));
    return lines;
}

// Open at the end of the week, per queue: the last day of the week's backlog.
QStringList backlogLines(const ReportContext &context, const SummaryWeek &week, bool zh)
{
    QStringList lines;
    for (const QJsonObject &r : rowsOf(reportJson(&reportBacklog, context, QStringLiteral("queue"),
                                                  week.to - dayMs, week.to)))
        lines.append((zh ? QStringLiteral("  %1：%2 个未结") : QStringLiteral("  %1: %2 open"))
                         .arg(r.value(u"title").toString())
                         .arg(r.value(u"open").toArray().last().toInt()));
    return lines;
}

// The summary's subject and text in the supervisor's language.
std::pair<QString, QString> summaryOf(const ReportContext &context, const SummaryWeek &week)
{
    const bool zh = context.language == Language::Zh;
    const QString first = week.monday.toString(Qt::ISODate);
    const QString last = week.monday.addDays(6).toString(Qt::ISODate);
    const QString none = zh ? QStringLiteral("  （无）") : QStringLiteral("  (none)");
    // -> QString: with QT_USE_QSTRINGBUILDER a deduced return type is the builder, which holds
    // a reference to the lines' joined text, a temporary gone once the lambda returns (the
    // server crashed with SIGSEGV composing the first summary).
    const auto section = [&](const QString &title, const QStringList &lines) -> QString {
        return title + u'\n' + (lines.isEmpty() ? none : lines.join(u'\n')) + u"\n\n";
    };
    const QString subject = zh ? QStringLiteral("每周摘要：%1 至 %2").arg(first, last)
                               : QStringLiteral("Weekly summary: %1 to %2").arg(first, last);
    QString text = (zh ? QStringLiteral("%1 至 %2（UTC），您的部门：%3\n\n")
                       : QStringLiteral("%1 to %2 (UTC), your departments: %3\n\n"))
                       .arg(first, last, context.actor.supervisedDepartments.join(u", "));
    text += section(zh ? QStringLiteral("超时最多的环节：")
                       : QStringLiteral("Steps that breached most:"),
                    breachLines(context, week, zh));
    text += section(zh ? QStringLiteral("满意度：") : QStringLiteral("Satisfaction:"),
                    satisfactionLines(context, week, zh));
    text += section(zh ? QStringLiteral("周末积压：")
                       : QStringLiteral("Backlog at the end of the week:"),
                    backlogLines(context, week, zh));
    return {subject, text.trimmed()};
}

} // namespace

SummaryWeek lastWholeWeek(const QDateTime &now)
{
    const QDate today = now.toUTC().date();
    const QDate monday = today.addDays(1 - today.dayOfWeek()).addDays(-7);
    const qint64 from = QDateTime(monday, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    return {monday, from, from + 7 * dayMs};
}

std::optional<QString> summaryChannel(const QList<ChannelDefinition> &channels)
{
    for (const ChannelDefinition &channel : channels)
        if (channel.plugin == u"email"
            && (channel.events.isEmpty() || channel.events.contains(u"weekly_summary")))
            return channel.name;
    return std::nullopt;
}

Result<int> queueWeeklySummaries(Engine &engine, Database &database, const QString &channel,
                                 const QDateTime &now)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    auto users = UserRows::all(*db);
    if (!users)
        return users.failure();
    const SummaryWeek week = lastWholeWeek(now);
    QList<OutboxRow> rows;
    for (const UserRow &user : std::as_const(*users)) {
        if (!user.active || user.email.isEmpty() || !user.roles.contains(u"supervisor"))
            continue;
        const Actor actor
            = resolveActor(engine.organisation(), user.username, user.roles, user.departments);
        const ReportContext context {
            actor, user.language.startsWith(u"zh") ? Language::Zh : Language::En, engine, *db, now};
        const auto [subject, text] = summaryOf(context, week);
        const QJsonObject notice {{QStringLiteral("recipient"), user.username},
                                  {QStringLiteral("subject"), subject},
                                  {QStringLiteral("message"), text}};
        rows.append({QStringLiteral("weekly.%1.%2.%3")
                         .arg(week.monday.toString(Qt::ISODate), channel, user.username),
                     channel, 0, QStringLiteral("weekly_summary"),
                     QJsonDocument(QJsonObject {{QStringLiteral("notification"), notice}})
                         .toJson(QJsonDocument::Compact),
                     now.toMSecsSinceEpoch()});
    }
    Transaction transaction(*db);
    if (!transaction.isActive())
        return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
    auto added = OutboxQueue::enqueue(*db, rows);
    if (!added)
        return added.failure();
    if (auto committed = transaction.commit(); !committed)
        return committed.failure();
    return *added;
}

} // namespace Baton::Api

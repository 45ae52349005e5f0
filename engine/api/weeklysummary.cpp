// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/weeklysummary.h"

#include "api/reportresource.h"

#include "delivery/quiethours.h"

#include "runtime/access.h"
#include "runtime/engine.h"
#include "runtime/readerlanguage.h"
#include "store/database.h"
#include "store/outboxqueue.h"
#include "store/userrows.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace Baton::Api {

namespace {

constexpr int topSteps = 5;

QString isoInstant(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// One report's JSON reply, as the supervisor's Reports page would get it in their zone.
QJsonObject reportJson(HttpResponse (*reply)(const HttpRequest &, const ReportContext &),
                       const ReportContext &context, const QString &by, qint64 from, qint64 to,
                       const QTimeZone &zone)
{
    HttpRequest request;
    request.method = "GET";
    request.query.addQueryItem(QStringLiteral("by"), by);
    request.query.addQueryItem(QStringLiteral("from"), isoInstant(from));
    request.query.addQueryItem(QStringLiteral("to"), isoInstant(to));
    request.query.addQueryItem(QStringLiteral("tz"), QString::fromUtf8(zone.id()));
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
    QList<QJsonObject> rows = rowsOf(
        reportJson(&reportSteps, context, QStringLiteral("state"), week.from, week.to, week.zone));
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
    for (const QJsonObject &r :
         rowsOf(reportJson(&reportSatisfaction, context, QStringLiteral("department"), week.from,
                           week.to, week.zone)))
        lines.append((zh ? QStringLiteral("  %1：%2 个评价，平均 %3，%4 个未解决")
                         : QStringLiteral("  %1: %2 ratings, average %3, %4 not solved"))
                         .arg(r.value(u"title").toString())
                         .arg(r.value(u"ratings").toInt())
                         .arg(r.value(u"average").toDouble(), 0, 'f', 2)
                         .arg(r.value(u"not_solved").toInt()));
    return lines;
}

// Open at the end of the week, per queue: the backlog of the week's last day (Sunday).
QStringList backlogLines(const ReportContext &context, const SummaryWeek &week, bool zh)
{
    QStringList lines;
    for (const QJsonObject &r : rowsOf(reportJson(&reportBacklog, context, QStringLiteral("queue"),
                                                  week.sunday, week.to, week.zone)))
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
    QString text = (zh ? QStringLiteral("%1 至 %2（%3），您的部门：%4\n\n")
                       : QStringLiteral("%1 to %2 (%3), your departments: %4\n\n"))
                       .arg(first, last, QString::fromUtf8(week.zone.id()),
                            context.actor.supervisedDepartments.join(u", "));
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

// The zone a supervisor's week is in: their own (users.time_zone), else that of their quiet
// hours (the one zone a user could give before), else their first department's calendar's,
// else UTC.
QTimeZone summaryZone(const UserRow &user, const Organisation &org)
{
    if (const QTimeZone own(user.timeZone.toUtf8()); !user.timeZone.isEmpty() && own.isValid())
        return own;
    const auto quiet = quietHoursOf(QJsonDocument::fromJson(user.preferences).object());
    if (quiet && *quiet && (*quiet)->zone.isValid())
        return (*quiet)->zone;
    for (const QString &department : user.departments) {
        const QString calendar = org.calendarOfDepartment(department);
        if (calendar.isEmpty())
            continue;
        const QTimeZone zone(org.calendars.value(calendar).timezone);
        if (zone.isValid())
            return zone;
    }
    return QTimeZone::utc();
}

// A summary that is due: its supervisor, their week and the outbox row's delivery id.
struct DueSummary
{
    UserRow user;
    SummaryWeek week;
    QString deliveryId;
};

// The summaries not queued yet (one look at the outbox), without composing any.
Result<QList<DueSummary>> dueSummaries(const QSqlDatabase &db, const Organisation &org,
                                       const QString &channel, const QDateTime &now)
{
    auto users = UserRows::all(db);
    if (!users)
        return users.failure();
    QList<DueSummary> candidates;
    QStringList ids;
    for (const UserRow &user : std::as_const(*users)) {
        if (!user.active || user.email.isEmpty() || !user.roles.contains(u"supervisor"))
            continue;
        const SummaryWeek week = lastWholeWeek(now, summaryZone(user, org));
        const QString id = QStringLiteral("weekly.%1.%2.%3")
                               .arg(week.monday.toString(Qt::ISODate), channel, user.username);
        candidates.append({user, week, id});
        ids.append(id);
    }
    auto queued = OutboxQueue::existing(db, ids);
    if (!queued)
        return queued.failure();
    candidates.removeIf([&](const DueSummary &due) { return queued->contains(due.deliveryId); });
    return candidates;
}

} // namespace

SummaryWeek lastWholeWeek(const QDateTime &now, const QTimeZone &zone)
{
    const QDate today = now.toTimeZone(zone).date();
    const QDate monday = today.addDays(1 - today.dayOfWeek()).addDays(-7);
    return {monday, monday.startOfDay(zone).toMSecsSinceEpoch(),
            monday.addDays(7).startOfDay(zone).toMSecsSinceEpoch(),
            monday.addDays(6).startOfDay(zone).toMSecsSinceEpoch(), zone};
}

std::optional<QString> summaryChannel(const QList<ChannelDefinition> &channels)
{
    for (const ChannelDefinition &channel : channels)
        if (channel.plugin == u"email"
            && (channel.events.isEmpty() || channel.events.contains(u"weekly_summary")))
            return channel.name;
    return std::nullopt;
}

Result<WeeklySummaryRun> queueWeeklySummaries(Engine &engine, Database &database,
                                              const QString &channel, const QDateTime &now)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    const Organisation &org = engine.organisation();
    auto due = dueSummaries(*db, org, channel, now);
    if (!due)
        return due.failure();
    if (due->isEmpty())
        return WeeklySummaryRun {};
    QList<OutboxRow> rows;
    for (const DueSummary &summary : std::as_const(*due)) {
        const UserRow &user = summary.user;
        const Actor actor = resolveActor(org, user.username, user.roles, user.departments);
        const ReportContext context {actor, languageOf(user.language), engine, *db, now};
        const auto [subject, text] = summaryOf(context, summary.week);
        const QJsonObject notice {{QStringLiteral("recipient"), user.username},
                                  {QStringLiteral("subject"), subject},
                                  {QStringLiteral("message"), text}};
        rows.append({summary.deliveryId, channel, 0, QStringLiteral("weekly_summary"),
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
    return WeeklySummaryRun {int(rows.size()), *added};
}

} // namespace Baton::Api

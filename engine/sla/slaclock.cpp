// SPDX-License-Identifier: GPL-3.0-or-later
#include "sla/slaclock.h"

#include "core/utctext.h"

#include <algorithm>

namespace Baton {

namespace {

qint64 between(const BusinessCalendar &calendar, const QDateTime &from, const QDateTime &to)
{
    if (!from.isValid() || !to.isValid() || to <= from)
        return 0;
    auto seconds = calendar.businessSecondsBetween(from, to);
    return seconds ? seconds.value() : 0;
}

QDateTime after(const BusinessCalendar &calendar, const QDateTime &start, qint64 seconds)
{
    auto due = calendar.addBusinessSeconds(start, std::max<qint64>(0, seconds));
    return due ? due.value() : QDateTime();
}

} // namespace

QString formatUtcInstant(const QDateTime &instant)
{
    if (!instant.isValid())
        return {};
    const qint64 ms = instant.toMSecsSinceEpoch();
    return ms % 1000 == 0 ? utcSecondsText(ms) : QString::fromLatin1(utcMillisecondsText(ms));
}

QString toString(SlaClock::Kind kind)
{
    return kind == SlaClock::Kind::Respond ? QStringLiteral("respond") : QStringLiteral("resolve");
}

QString SlaClock::key() const
{
    switch (scope) {
    case Scope::Step:
        return QStringLiteral("step:") + toString(kind);
    case Scope::Branch:
        return QStringLiteral("branch:") + branch + u':' + toString(kind);
    case Scope::Ticket:
        break;
    }
    return QStringLiteral("ticket:") + toString(kind);
}

SlaClocks::SlaClocks(std::shared_ptr<const Organisation> org)
    : m_org(std::make_shared<LiveOrganisation>(std::move(org)))
{
}

SlaClocks::SlaClocks(std::shared_ptr<LiveOrganisation> org)
    : m_org(std::move(org))
{
}

BusinessCalendar SlaClocks::calendar(const QString &name) const
{
    return m_calendars.calendar(organisation(), name);
}

QString SlaClocks::calendarNameFor(const SlaSpec &sla, const QString &queue, bool originatorStep,
                                   const QStringList &originatorDepartments) const
{
    if (!sla.calendar.isEmpty())
        return sla.calendar;
    if (originatorStep || queue.isEmpty()) {
        // Back with the originator: their own (first) department's working hours.
        return originatorDepartments.isEmpty()
            ? QString()
            : organisation().calendarOfDepartment(originatorDepartments.first());
    }
    const Organisation &org = organisation();
    const auto it = org.queues.constFind(queue);
    return it == org.queues.cend() ? QString() : org.calendarOfDepartment(it->department);
}

int SlaClocks::riskPercent(const Workflow &workflow)
{
    int lowest = 0;
    for (const EscalationStep &step : workflow.escalation)
        if (step.percent < 100 && (lowest == 0 || step.percent < lowest))
            lowest = step.percent;
    return lowest > 0 ? lowest : 75;
}

namespace {

/// Builds one ticket's clocks (SlaClocks::clocks), one scope at a time.
class ClockBuilder
{
public:
    ClockBuilder(const SlaClocks &clocks, const Workflow &workflow, const TicketState &ticket,
                 const QStringList &originatorDepartments, const QDateTime &now)
        : m_clocks(clocks)
        , m_org(clocks.organisation())
        , m_ticket(ticket)
        , m_departments(originatorDepartments)
        , m_now(now)
        , m_risk(SlaClocks::riskPercent(workflow))
    {
    }

    /// A step's (or branch's) respond and resolve clocks, both starting when it began.
    void addStep(SlaClock::Scope scope, const QString &branch, const SlaSpec &sla,
                 const QString &queue, bool originatorStep, const QDateTime &start,
                 const QDateTime &respondedAt)
    {
        if (!start.isValid() || sla.pause)
            return;
        SlaClock clock;
        clock.scope = scope;
        clock.branch = branch;
        clock.queue = queue;
        clock.startedAt = start;
        const QString name = m_clocks.calendarNameFor(sla, queue, originatorStep, m_departments);
        clock.calendar = m_org.calendars.contains(name) ? name : QString();
        const BusinessCalendar cal = m_clocks.calendar(name);
        addStepClock(clock, cal, SlaClock::Kind::Respond, sla.respond, respondedAt);
        addStepClock(clock, cal, SlaClock::Kind::Resolve, sla.resolve, QDateTime());
    }

    /// The ticket-wide clock: from opening, minus the business time spent in pause states.
    void addWide(const SlaSpec &wide, SlaClock::Kind kind,
                 const std::optional<TierDuration> &target)
    {
        const std::optional<qint64> seconds = secondsOf(target);
        if (!seconds || !m_ticket.createdAt.isValid())
            return;
        const QString name = m_clocks.calendarNameFor(wide, QString(), true, m_departments);
        const BusinessCalendar cal = m_clocks.calendar(name);
        const QDateTime &created = m_ticket.createdAt;
        SlaClock clock;
        clock.scope = SlaClock::Scope::Ticket;
        clock.kind = kind;
        clock.queue = m_ticket.queue;
        clock.calendar = m_org.calendars.contains(name) ? name : QString();
        clock.targetSeconds = *seconds;
        clock.startedAt = created;
        for (const auto &[from, to] : m_ticket.slaPauses)
            clock.pausedSeconds += between(cal, std::max(from, created), to);
        clock.paused = m_ticket.slaPausedSince.isValid();
        if (clock.paused)
            clock.pausedSeconds += between(cal, m_ticket.slaPausedSince, m_now);
        clock.elapsedSeconds
            = std::max<qint64>(0, between(cal, created, m_now) - clock.pausedSeconds);
        clock.due = after(cal, created, *seconds + clock.pausedSeconds);
        clock.riskAt = after(cal, created, riskSeconds(*seconds) + clock.pausedSeconds);
        clock.breached = clock.paused ? clock.elapsedSeconds >= *seconds
                                      : clock.due.isValid() && m_now >= clock.due;
        m_result.append(clock);
    }

    QList<SlaClock> result() const { return m_result; }

private:
    /// The target for the ticket's customer tier; none for this tier and no default: no clock.
    std::optional<qint64> secondsOf(const std::optional<TierDuration> &target) const
    {
        return target ? target->forTier(m_ticket.customer.tier) : std::nullopt;
    }

    /// The business seconds after which a clock counts as at risk (SlaClocks::status).
    qint64 riskSeconds(qint64 target) const { return (target * m_risk + 99) / 100; }

    void addStepClock(SlaClock clock, const BusinessCalendar &cal, SlaClock::Kind kind,
                      const std::optional<TierDuration> &target, const QDateTime &metAt)
    {
        const std::optional<qint64> seconds = secondsOf(target);
        if (!seconds)
            return;
        clock.kind = kind;
        clock.targetSeconds = *seconds;
        clock.metAt = metAt;
        clock.due = after(cal, clock.startedAt, *seconds);
        clock.riskAt = after(cal, clock.startedAt, riskSeconds(*seconds));
        const QDateTime end = metAt.isValid() ? metAt : m_now;
        clock.elapsedSeconds = between(cal, clock.startedAt, end);
        clock.breached = clock.due.isValid() && end >= clock.due;
        m_result.append(clock);
    }

    const SlaClocks &m_clocks;
    const Organisation &m_org;
    const TicketState &m_ticket;
    const QStringList &m_departments;
    const QDateTime &m_now;
    const int m_risk;
    QList<SlaClock> m_result;
};

} // namespace

QList<SlaClock> SlaClocks::clocks(const Workflow &workflow, const TicketState &ticket,
                                  const QStringList &originatorDepartments,
                                  const QDateTime &now) const
{
    if (!ticket.isOpen())
        return {};
    ClockBuilder build(*this, workflow, ticket, originatorDepartments, now);
    if (const State *state = workflow.state(ticket.state); state && !state->final) {
        if (state->isParallel()) {
            build.addStep(SlaClock::Scope::Step, QString(), state->sla, QString(), false,
                          ticket.stepStartedAt, ticket.stepRespondedAt);
            for (const BranchState &b : ticket.branches) {
                const Branch *def = state->branch(b.name);
                if (!def || b.status != BranchStatus::Open)
                    continue;
                build.addStep(SlaClock::Scope::Branch, b.name, def->sla, b.queue,
                              b.queue.isEmpty() && def->assignee == u"originator", b.startedAt,
                              b.respondedAt);
            }
        } else {
            build.addStep(SlaClock::Scope::Step, QString(), state->sla, ticket.queue,
                          ticket.queue.isEmpty() && state->returnsToOriginator(),
                          ticket.stepStartedAt, ticket.stepRespondedAt);
        }
    }
    // Only `resolve` has a meaning ticket-wide ("opening to closing the loop"); a workflow
    // `respond` is left to the steps.
    build.addWide(workflow.sla, SlaClock::Kind::Resolve, workflow.sla.resolve);
    return build.result();
}

SlaStatus SlaClocks::status(const Workflow &workflow, const QList<SlaClock> &clocks,
                            SlaClock::Scope scope, const QString &branch)
{
    SlaStatus status;
    const int risk = riskPercent(workflow);
    for (const SlaClock &clock : clocks) {
        if (clock.scope != scope || (scope == SlaClock::Scope::Branch && clock.branch != branch))
            continue;
        status.hasClocks = true;
        status.breached = status.breached || clock.breached;
        if (clock.paused)
            status.paused = true;
        if (!clock.isOpen())
            continue;
        (clock.kind == SlaClock::Kind::Respond ? status.respondDue : status.resolveDue) = clock.due;
        const qint64 remaining = clock.remainingSeconds();
        if (!status.remaining || remaining < *status.remaining)
            status.remaining = remaining;
        if (!clock.breached && clock.elapsedSeconds * 100 >= clock.targetSeconds * risk)
            status.atRisk = true;
    }
    return status;
}

} // namespace Baton

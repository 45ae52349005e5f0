// SPDX-License-Identifier: GPL-3.0-or-later
#include "orgreader.h"

#include "calendar/calendarparse.h"
#include "core/quoting.h"
#include "yamlcheck.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <memory>

namespace Baton {

namespace {

// Where each name was defined, so that cross-references checked after merging all files can
// point at the right file, line and column.
struct Origin
{
    YamlCheck *check = nullptr;
    const YamlNode *key = nullptr;
};

struct DepartmentOrigin : Origin
{
    const YamlNode *calendar = nullptr;
    const YamlNode *parent = nullptr;
};

struct QueueOrigin : Origin
{
    const YamlNode *department = nullptr;
    const YamlNode *escalateTo = nullptr;
};

struct FileState
{
    QString path;
    YamlDocument document;
    Diagnostics diagnostics;
    std::unique_ptr<YamlCheck> check;
};

class OrgReader
{
public:
    void readFile(FileState &file);
    void crossCheck();
    Organisation organisation;

private:
    bool defineOnce(QHash<QString, Origin> &origins, YamlCheck &check, const YamlNode *key,
                    const QString &kind);
    void readCalendars(YamlCheck &check, const YamlNode *node);
    void readCalendar(YamlCheck &check, const YamlNode *key, const YamlNode *node);
    void readWeek(YamlCheck &check, const YamlNode *node, const QString &what, CalendarSpec &spec);
    // One day key's list of hours, sorted; false if any of it was wrong (reported).
    bool readDayHours(YamlCheck &check, const YamlNode::Entry &day,
                      QList<WorkingInterval> &intervals);
    void readCalendarDates(YamlCheck &check, const YamlCheck::Map &calendar, const QString &what,
                           CalendarSpec &spec);
    void readDepartments(YamlCheck &check, const YamlNode *node);
    void readQueues(YamlCheck &check, const YamlNode *node);
    void readAssignment(YamlCheck &check, const YamlCheck::Map &map, QueueDef &queue);
    void readRoles(YamlCheck &check, const YamlNode *node);
    // The cross-references, checked once every file is read; each returns or extends the names
    // whose chain is broken, so that later checks do not cascade from them.
    QSet<QString> checkDepartmentReferences();
    void checkDepartmentCycles(QSet<QString> &brokenDepartments);
    void checkDepartmentCalendars(const QSet<QString> &brokenDepartments);
    QSet<QString> checkQueueReferences();
    void checkQueueCycles(const QSet<QString> &brokenQueues);

    QHash<QString, Origin> m_calendarOrigins;
    QHash<QString, Origin> m_departmentOrigins;
    QHash<QString, Origin> m_queueOrigins;
    QHash<QString, Origin> m_roleOrigins;
    QList<QPair<QString, DepartmentOrigin>> m_departments;
    QList<QPair<QString, QueueOrigin>> m_queues;
};

const QStringList dayNames {QStringLiteral("Monday"),    QStringLiteral("Tuesday"),
                            QStringLiteral("Wednesday"), QStringLiteral("Thursday"),
                            QStringLiteral("Friday"),    QStringLiteral("Saturday"),
                            QStringLiteral("Sunday")};

bool OrgReader::defineOnce(QHash<QString, Origin> &origins, YamlCheck &check, const YamlNode *key,
                           const QString &kind)
{
    const auto it = origins.constFind(key->text);
    if (it != origins.cend()) {
        // Within one file the tree's duplicate-key check has already spoken.
        if (it->check != &check)
            check.error(key,
                        QStringLiteral("%1 '%2' is already defined in %3:%4")
                            .arg(kind, key->text, it->check->file())
                            .arg(it->key->mark.line));
        return false;
    }
    origins.insert(key->text, Origin {&check, key});
    return true;
}

void OrgReader::readFile(FileState &file)
{
    const YamlNode::Ptr root = file.document.root();
    if (!root) {
        if (file.document.diagnostics().isEmpty() && file.path.endsWith(u"org.yaml"))
            file.check->error(YamlMark {1, 1}, QStringLiteral("the organisation file is empty"));
        return;
    }
    if (root->isNull())
        return; // an empty file of an org/ folder adds nothing
    const auto top = file.check->map(root.get(), QStringLiteral("the organisation"),
                                     {QStringLiteral("calendars"), QStringLiteral("departments"),
                                      QStringLiteral("queues"), QStringLiteral("roles")});
    if (!top)
        return;
    if (const YamlNode *node = top->value(u"calendars"))
        readCalendars(*file.check, node);
    if (const YamlNode *node = top->value(u"departments"))
        readDepartments(*file.check, node);
    if (const YamlNode *node = top->value(u"queues"))
        readQueues(*file.check, node);
    if (const YamlNode *node = top->value(u"roles"))
        readRoles(*file.check, node);
}

void OrgReader::readCalendars(YamlCheck &check, const YamlNode *node)
{
    const auto calendars = check.map(node, QStringLiteral("'calendars'"), {});
    if (!calendars)
        return;
    for (const YamlNode::Entry &entry : calendars->entries) {
        if (!check.checkName(entry.first.get(), QStringLiteral("calendar"))
            || !defineOnce(m_calendarOrigins, check, entry.first.get(), QStringLiteral("calendar")))
            continue;
        readCalendar(check, entry.first.get(), entry.second.get());
    }
}

void OrgReader::readCalendar(YamlCheck &check, const YamlNode *key, const YamlNode *node)
{
    CalendarSpec spec;
    spec.name = key->text;
    const QString what = QStringLiteral("calendar ") + quoted(spec.name);
    const auto calendar = check.map(node, what,
                                    {QStringLiteral("timezone"), QStringLiteral("week"),
                                     QStringLiteral("holidays"), QStringLiteral("workdays")},
                                    {QStringLiteral("timezone"), QStringLiteral("week")}, key);
    if (calendar) {
        if (const YamlNode *zone = calendar->value(u"timezone")) {
            if (const auto text = check.scalar(zone, QStringLiteral("'timezone'"))) {
                const QByteArray id = text->toUtf8();
                if (isKnownTimeZone(id))
                    spec.timezone = id;
                else
                    check.error(zone, unknownTimeZoneMessage(id));
            }
        }
        if (const YamlNode *weekNode = calendar->value(u"week"))
            readWeek(check, weekNode, what, spec);
        readCalendarDates(check, *calendar, what, spec);
    }
    organisation.calendars.insert(spec.name, spec);
}

void OrgReader::readWeek(YamlCheck &check, const YamlNode *node, const QString &what,
                         CalendarSpec &spec)
{
    const auto week = check.map(node, QStringLiteral("'week' of ") + what, {});
    if (!week)
        return;
    std::array<const YamlNode *, 7> dayKey {};
    bool anyHours = false;
    bool weekOk = true;
    for (const YamlNode::Entry &day : week->entries) {
        const Result<QList<int>> days = parseDayKey(day.first->text);
        if (!days) {
            check.error(day.first.get(), days.error());
            weekOk = false;
            continue;
        }
        QList<WorkingInterval> intervals;
        const bool intervalsOk = readDayHours(check, day, intervals);
        for (const int index : *days) {
            if (index < 0 || index > 6)
                continue;
            if (dayKey[size_t(index)]) {
                check.error(day.first.get(),
                            QStringLiteral("%1 is already given by '%2' at line %3")
                                .arg(dayNames[index], dayKey[size_t(index)]->text)
                                .arg(dayKey[size_t(index)]->mark.line));
                weekOk = false;
                break;
            }
            dayKey[size_t(index)] = day.first.get();
            spec.week[size_t(index)] = intervals;
            anyHours = anyHours || !intervals.isEmpty();
        }
        weekOk = weekOk && intervalsOk;
    }
    if (weekOk && !anyHours)
        check.error(node, what + QStringLiteral(" has no working hours"));
}

bool OrgReader::readDayHours(YamlCheck &check, const YamlNode::Entry &day,
                             QList<WorkingInterval> &intervals)
{
    bool intervalsOk = true;
    if (const auto items = check.scalarList(
            day.second.get(), QStringLiteral("the hours of ") + quoted(day.first->text))) {
        for (const YamlNode *item : *items) {
            const Result<WorkingInterval> interval = parseWorkingInterval(item->text);
            if (!interval) {
                check.error(item, interval.error());
                intervalsOk = false;
                continue;
            }
            intervals.append(*interval);
        }
    } else {
        intervalsOk = false;
    }
    if (intervalsOk) {
        if (const auto problem = checkDayIntervals(intervals)) {
            check.error(day.second.get(), *problem);
            intervalsOk = false;
        }
    }
    std::sort(intervals.begin(), intervals.end(),
              [](const WorkingInterval &a, const WorkingInterval &b) {
                  return a.startSecond < b.startSecond;
              });
    return intervalsOk;
}

void OrgReader::readCalendarDates(YamlCheck &check, const YamlCheck::Map &calendar,
                                  const QString &what, CalendarSpec &spec)
{
    QHash<QDate, const YamlNode *> holidayNodes;
    for (const QString &listKey : {QStringLiteral("holidays"), QStringLiteral("workdays")}) {
        const YamlNode *listNode = calendar.value(listKey);
        if (!listNode)
            continue;
        const auto items
            = check.scalarList(listNode, quoted(listKey) + QStringLiteral(" of ") + what);
        if (!items)
            continue;
        for (const YamlNode *item : *items) {
            const Result<QDate> date = parseIsoDate(item->text);
            if (!date) {
                check.error(item, date.error());
                continue;
            }
            if (listKey == u"holidays") {
                holidayNodes.insert(*date, item);
                spec.holidays.append(*date);
            } else {
                if (const YamlNode *holiday = holidayNodes.value(*date))
                    check.error(item,
                                QStringLiteral("%1 is both a holiday (line %2) and a workday")
                                    .arg(item->text)
                                    .arg(holiday->mark.line));
                spec.workdays.append(*date);
            }
        }
    }
    std::sort(spec.holidays.begin(), spec.holidays.end());
    std::sort(spec.workdays.begin(), spec.workdays.end());
}

void OrgReader::readDepartments(YamlCheck &check, const YamlNode *node)
{
    const auto departments = check.map(node, QStringLiteral("'departments'"), {});
    if (!departments)
        return;
    for (const YamlNode::Entry &entry : departments->entries) {
        const YamlNode *key = entry.first.get();
        if (!check.checkName(key, QStringLiteral("department"))
            || !defineOnce(m_departmentOrigins, check, key, QStringLiteral("department")))
            continue;
        Department department;
        department.name = key->text;
        department.title = department.name;
        DepartmentOrigin origin;
        origin.check = &check;
        origin.key = key;
        const QString what = QStringLiteral("department ") + quoted(department.name);
        if (const auto map = check.map(
                entry.second.get(), what,
                {QStringLiteral("title"), QStringLiteral("calendar"), QStringLiteral("parent")}, {},
                key)) {
            if (const YamlNode *title = map->value(u"title"))
                department.title
                    = check.localText(title, QStringLiteral("'title'")).value_or(department.title);
            if ((origin.calendar = map->value(u"calendar")))
                department.calendar = check.scalar(origin.calendar, QStringLiteral("'calendar'"))
                                          .value_or(QString());
            if ((origin.parent = map->value(u"parent")))
                department.parent
                    = check.scalar(origin.parent, QStringLiteral("'parent'")).value_or(QString());
        }
        organisation.departments.insert(department.name, department);
        m_departments.append({department.name, origin});
    }
}

void OrgReader::readQueues(YamlCheck &check, const YamlNode *node)
{
    const auto queues = check.map(node, QStringLiteral("'queues'"), {});
    if (!queues)
        return;
    for (const YamlNode::Entry &entry : queues->entries) {
        const YamlNode *key = entry.first.get();
        if (!check.checkName(key, QStringLiteral("queue"))
            || !defineOnce(m_queueOrigins, check, key, QStringLiteral("queue")))
            continue;
        QueueDef queue;
        queue.name = key->text;
        queue.title = queue.name;
        QueueOrigin origin;
        origin.check = &check;
        origin.key = key;
        const QString what = QStringLiteral("queue ") + quoted(queue.name);
        if (const auto map = check.map(entry.second.get(), what,
                                       {QStringLiteral("department"), QStringLiteral("title"),
                                        QStringLiteral("primary"), QStringLiteral("backup"),
                                        QStringLiteral("manager"), QStringLiteral("escalate_to"),
                                        QStringLiteral("assign"), QStringLiteral("match")},
                                       {QStringLiteral("department")}, key)) {
            readAssignment(check, *map, queue);
            if ((origin.department = map->value(u"department")))
                queue.department = check.scalar(origin.department, QStringLiteral("'department'"))
                                       .value_or(QString());
            if (const YamlNode *title = map->value(u"title"))
                queue.title
                    = check.localText(title, QStringLiteral("'title'")).value_or(queue.title);
            for (const QString &listKey : {QStringLiteral("primary"), QStringLiteral("backup")}) {
                const YamlNode *listNode = map->value(listKey);
                if (!listNode)
                    continue;
                QStringList &names = listKey == u"primary" ? queue.primary : queue.backup;
                if (const auto items
                    = check.scalarList(listNode, quoted(listKey) + QStringLiteral(" of ") + what))
                    for (const YamlNode *item : *items)
                        if (check.checkName(item, QStringLiteral("user")))
                            names.append(item->text);
            }
            if (const YamlNode *manager = map->value(u"manager"))
                if (check.scalar(manager, QStringLiteral("'manager'"))
                    && check.checkName(manager, QStringLiteral("user")))
                    queue.manager = manager->text;
            if ((origin.escalateTo = map->value(u"escalate_to")))
                queue.escalateTo = check.scalar(origin.escalateTo, QStringLiteral("'escalate_to'"))
                                       .value_or(QString());
        }
        organisation.queues.insert(queue.name, queue);
        m_queues.append({queue.name, origin});
    }
}

// `assign:` and `match:` of a queue (the plugins issue): the strategy is a shipped one or
// `manual`; `match:` names ticket fields and only means something to `skills`.
void OrgReader::readAssignment(YamlCheck &check, const YamlCheck::Map &map, QueueDef &queue)
{
    static const QStringList strategies {QStringLiteral("manual"), QStringLiteral("round_robin"),
                                         QStringLiteral("least_loaded"), QStringLiteral("skills")};
    if (const YamlNode *assign = map.value(u"assign")) {
        const QString value = check.scalar(assign, QStringLiteral("'assign'")).value_or(QString());
        if (strategies.contains(value))
            queue.assign = value;
        else if (!value.isEmpty())
            check.error(assign,
                        QStringLiteral("'assign' must be one of %1, not '%2'")
                            .arg(strategies.join(QStringLiteral(", ")), value));
    }
    const YamlNode *match = map.value(u"match");
    if (!match)
        return;
    if (match->isScalar()) {
        if (check.checkName(match, QStringLiteral("field")))
            queue.match.append(match->text);
    } else if (const auto items = check.scalarList(match, QStringLiteral("'match'"))) {
        for (const YamlNode *item : *items)
            if (check.checkName(item, QStringLiteral("field")))
                queue.match.append(item->text);
    }
    if (queue.assign != u"skills")
        check.error(match, QStringLiteral("'match' is for 'assign: skills' only"));
}

void OrgReader::readRoles(YamlCheck &check, const YamlNode *node)
{
    const auto roles = check.map(node, QStringLiteral("'roles'"), {});
    if (!roles)
        return;
    for (const YamlNode::Entry &entry : roles->entries) {
        const YamlNode *key = entry.first.get();
        if (!check.checkName(key, QStringLiteral("role")))
            continue;
        if (builtinRoles().contains(key->text)) {
            check.error(key,
                        QStringLiteral("'%1' is a built-in role; declare only additional roles")
                            .arg(key->text));
            continue;
        }
        if (!defineOnce(m_roleOrigins, check, key, QStringLiteral("role")))
            continue;
        QString description;
        if (!entry.second->isNull())
            description
                = check
                      .scalar(entry.second.get(),
                              QStringLiteral("the description of role ") + quoted(key->text))
                      .value_or(QString());
        organisation.roles.insert(key->text, description);
    }
}

void OrgReader::crossCheck()
{
    // Departments that have an unknown parent or are in a cycle: no "no calendar" cascade.
    QSet<QString> brokenDepartments = checkDepartmentReferences();
    checkDepartmentCycles(brokenDepartments);
    checkDepartmentCalendars(brokenDepartments);
    const QSet<QString> brokenQueues = checkQueueReferences();
    checkQueueCycles(brokenQueues);
}

QSet<QString> OrgReader::checkDepartmentReferences()
{
    const QStringList calendarNames = organisation.calendars.keys();
    const QStringList departmentNames = organisation.departments.keys();
    QSet<QString> brokenDepartments;
    for (const auto &[name, origin] : std::as_const(m_departments)) {
        const Department &department = organisation.departments[name];
        if (origin.calendar && !department.calendar.isEmpty()
            && !organisation.calendars.contains(department.calendar))
            origin.check->error(
                origin.calendar,
                QStringLiteral("department '%1' names calendar '%2', which is not defined%3")
                    .arg(name, department.calendar,
                         didYouMean(department.calendar, calendarNames)));
        if (origin.parent && !department.parent.isEmpty()) {
            if (!organisation.departments.contains(department.parent)) {
                origin.check->error(
                    origin.parent,
                    QStringLiteral("department '%1' names parent '%2', which is not a department%3")
                        .arg(name, department.parent,
                             didYouMean(department.parent, departmentNames)));
                brokenDepartments.insert(name);
            } else if (department.parent == name) {
                origin.check->error(origin.parent,
                                    QStringLiteral("department '%1' is its own parent").arg(name));
                brokenDepartments.insert(name);
            }
        }
    }
    return brokenDepartments;
}

void OrgReader::checkDepartmentCycles(QSet<QString> &brokenDepartments)
{
    // Follow each chain once; a chain that returns to a department seen in the same walk is a
    // cycle, reported once at the first department of it in file order.
    QHash<QString, int> walkOf;
    int walk = 0;
    for (const auto &[name, origin] : std::as_const(m_departments)) {
        ++walk;
        QString current = name;
        QStringList chain;
        while (!current.isEmpty() && !walkOf.contains(current)
               && organisation.departments.contains(current)) {
            walkOf.insert(current, walk);
            chain.append(current);
            current = organisation.departments[current].parent;
            if (current == chain.constLast())
                break; // own parent, reported above
        }
        if (!current.isEmpty() && walkOf.value(current) == walk && current != chain.constLast()) {
            const QStringList cycle = chain.mid(chain.indexOf(current));
            for (const QString &member : cycle)
                brokenDepartments.insert(member);
            // Report at the member defined first.
            const DepartmentOrigin *first = nullptr;
            for (const auto &[memberName, memberOrigin] : std::as_const(m_departments))
                if (cycle.contains(memberName)) {
                    first = &memberOrigin;
                    break;
                }
            if (first)
                first->check->error(
                    first->parent ? first->parent : first->key,
                    QStringLiteral("departments form a cycle of parents: %1")
                        .arg((cycle + QStringList {cycle.first()}).join(QStringLiteral(" -> "))));
        }
    }
}

void OrgReader::checkDepartmentCalendars(const QSet<QString> &brokenDepartments)
{
    for (const auto &[name, origin] : std::as_const(m_departments)) {
        if (brokenDepartments.contains(name))
            continue;
        bool chainBroken = false;
        for (QString current = organisation.departments[name].parent; !current.isEmpty();
             current = organisation.departments.value(current).parent) {
            if (brokenDepartments.contains(current)
                || !organisation.departments.contains(current)) {
                chainBroken = true;
                break;
            }
        }
        if (!chainBroken && organisation.calendarOfDepartment(name).isEmpty())
            origin.check->error(
                origin.key,
                QStringLiteral("department '%1' has no calendar, and no parent department has one")
                    .arg(name));
    }
}

QSet<QString> OrgReader::checkQueueReferences()
{
    const QStringList departmentNames = organisation.departments.keys();
    const QStringList queueNames = organisation.queues.keys();
    QSet<QString> brokenQueues;
    for (const auto &[name, origin] : std::as_const(m_queues)) {
        const QueueDef &queue = organisation.queues[name];
        if (origin.department && !queue.department.isEmpty()
            && !organisation.departments.contains(queue.department))
            origin.check->error(
                origin.department,
                QStringLiteral("queue '%1' names department '%2', which is not defined%3")
                    .arg(name, queue.department, didYouMean(queue.department, departmentNames)));
        if (origin.escalateTo && !queue.escalateTo.isEmpty()) {
            if (!organisation.queues.contains(queue.escalateTo)) {
                origin.check->error(
                    origin.escalateTo,
                    QStringLiteral("queue '%1' escalates to '%2', which is not a queue%3")
                        .arg(name, queue.escalateTo, didYouMean(queue.escalateTo, queueNames)));
                brokenQueues.insert(name);
            } else if (queue.escalateTo == name) {
                origin.check->error(origin.escalateTo,
                                    QStringLiteral("queue '%1' escalates to itself").arg(name));
                brokenQueues.insert(name);
            }
        }
    }
    return brokenQueues;
}

void OrgReader::checkQueueCycles(const QSet<QString> &brokenQueues)
{
    QHash<QString, int> queueWalk;
    int walk = 0;
    for (const auto &[name, origin] : std::as_const(m_queues)) {
        ++walk;
        QString current = name;
        QStringList chain;
        while (!current.isEmpty() && !queueWalk.contains(current) && !brokenQueues.contains(current)
               && organisation.queues.contains(current)) {
            queueWalk.insert(current, walk);
            chain.append(current);
            current = organisation.queues[current].escalateTo;
        }
        if (!current.isEmpty() && queueWalk.value(current) == walk && chain.contains(current)) {
            const QStringList cycle = chain.mid(chain.indexOf(current));
            const QueueOrigin *first = nullptr;
            for (const auto &[memberName, memberOrigin] : std::as_const(m_queues))
                if (cycle.contains(memberName)) {
                    first = &memberOrigin;
                    break;
                }
            if (first)
                first->check->error(
                    first->escalateTo ? first->escalateTo : first->key,
                    QStringLiteral("queues escalate in a cycle: %1")
                        .arg((cycle + QStringList {cycle.first()}).join(QStringLiteral(" -> "))));
        }
    }
}

} // namespace

OrganisationReadResult readOrganisation(const QList<OrganisationFile> &files)
{
    std::vector<std::unique_ptr<FileState>> states;
    OrgReader reader;
    for (const OrganisationFile &file : files) {
        auto state = std::make_unique<FileState>();
        state->path = file.path;
        state->document = YamlDocument::parse(file.text, file.path);
        state->diagnostics = state->document.diagnostics();
        state->check = std::make_unique<YamlCheck>(state->document, state->diagnostics);
        reader.readFile(*state);
        states.push_back(std::move(state));
    }
    reader.crossCheck();
    OrganisationReadResult result;
    result.organisation = std::move(reader.organisation);
    for (auto &state : states) {
        sortDiagnostics(state->diagnostics);
        result.diagnostics += state->diagnostics;
    }
    return result;
}

OrganisationReadResult readOrganisation(const QByteArray &text, const QString &path)
{
    return readOrganisation(QList<OrganisationFile> {OrganisationFile {path, text}});
}

} // namespace Baton

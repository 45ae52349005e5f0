// SPDX-License-Identifier: GPL-3.0-or-later
// Business-time arithmetic as the SLA engine uses it on every clock start: operations per
// second of addBusinessSeconds and businessSecondsBetween on office calendars with lunch and
// holidays. Usage: bench_calendar OUTDIR (writes OUTDIR/bench_calendar.json).

#include "calendar/businesscalendar.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/utsname.h>

#include <cstdio>
#include <thread>
#include <vector>

using namespace Baton;
using namespace Qt::StringLiterals;

namespace {

constexpr int hm(int hours, int minutes)
{
    return hours * 3600 + minutes * 60;
}

// Each case runs in batches until this much time has passed.
constexpr qint64 kCaseNanoseconds = 700'000'000;

struct Office
{
    QString label;
    CalendarSpec spec;
    qint64 workingDaySeconds;
};

QList<QDate> dates(std::initializer_list<const char *> texts)
{
    QList<QDate> list;
    for (const char *text : texts)
        list.append(QDate::fromString(QString::fromLatin1(text), Qt::ISODate));
    return list;
}

Office hongKong()
{
    CalendarSpec spec;
    spec.name = u"hk-office"_s;
    spec.timezone = "Asia/Hong_Kong";
    for (int day = 0; day < 5; ++day)
        spec.week[day] = {{hm(9, 0), hm(12, 30)}, {hm(13, 30), hm(18, 0)}};
    spec.holidays = dates({"2026-01-01", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-03",
                           "2026-04-06", "2026-05-01", "2026-05-25", "2026-06-19", "2026-07-01",
                           "2026-09-26", "2026-10-01", "2026-10-19", "2026-12-25", "2026-12-26",
                           "2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-03-26",
                           "2027-03-29", "2027-04-05", "2027-05-13", "2027-06-09", "2027-07-01",
                           "2027-09-16", "2027-10-01", "2027-10-08", "2027-12-25", "2027-12-27"});
    spec.workdays = dates({"2027-02-20"});
    return {u"Asia/Hong_Kong"_s, spec, 8 * 3600};
}

Office newYork()
{
    CalendarSpec spec;
    spec.name = u"ny-office"_s;
    spec.timezone = "America/New_York";
    for (int day = 0; day < 5; ++day)
        spec.week[day] = {{hm(9, 0), hm(12, 0)}, {hm(13, 0), hm(17, 0)}};
    spec.holidays
        = dates({"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
                 "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25", "2027-01-01",
                 "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
                 "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24"});
    return {u"America/New_York"_s, spec, 7 * 3600};
}

// Instants spread over 2026-2027, working time or not, fixed so runs compare.
std::vector<QDateTime> startInstants()
{
    std::vector<QDateTime> starts;
    const qint64 first = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    quint64 state = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 4096; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const qint64 offsetSeconds = qint64((state >> 33) % (2 * 365 * 86400ULL));
        starts.push_back(QDateTime::fromMSecsSinceEpoch(first + offsetSeconds * 1000, Qt::UTC));
    }
    return starts;
}

struct Measurement
{
    qint64 operations = 0;
    qint64 nanoseconds = 0;
    double opsPerSecond() const { return operations * 1e9 / double(nanoseconds); }
};

template<typename Operation> Measurement measure(Operation &&operation, std::size_t count)
{
    Measurement result;
    QElapsedTimer timer;
    timer.start();
    std::size_t index = 0;
    do {
        for (int i = 0; i < 1024; ++i) {
            operation(index);
            index = (index + 1) % count;
        }
        result.operations += 1024;
    } while (timer.nsecsElapsed() < kCaseNanoseconds);
    result.nanoseconds = timer.nsecsElapsed();
    return result;
}

QString machineArchitecture()
{
    utsname name {};
    return uname(&name) == 0 ? QString::fromLatin1(name.machine) : u"unknown"_s;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const QString outDir = QString::fromLocal8Bit(argv[1]);
    if (!QDir().mkpath(outDir)) {
        std::fprintf(stderr, "cannot create %s\n", argv[1]);
        return 1;
    }

    const std::vector<QDateTime> starts = startInstants();
    const QString machine = machineArchitecture();
    const unsigned cores = std::thread::hardware_concurrency();
    std::printf("bench_calendar: %s, %u cores; %lld ms per case\n", qPrintable(machine), cores,
                kCaseNanoseconds / 1'000'000);

    QJsonArray results;
    qint64 checksum = 0;
    bool failed = false;
    for (const Office &office : {hongKong(), newYork()}) {
        QElapsedTimer createTimer;
        createTimer.start();
        const Result<BusinessCalendar> created = BusinessCalendar::create(office.spec);
        const double createMicroseconds = createTimer.nsecsElapsed() / 1000.0;
        if (!created) {
            std::fprintf(stderr, "%s\n", qPrintable(created.error()));
            return 1;
        }
        const BusinessCalendar &calendar = created.value();
        std::printf("\n%s (create: %.0f us)\n", qPrintable(office.label), createMicroseconds);

        struct Case
        {
            QString name;
            QString description;
            qint64 seconds; // for add; for between the span of calendar time
            bool add;
        };
        const QList<Case> cases = {
            {u"add_2h"_s, u"addBusinessSeconds 2h"_s, 2 * 3600, true},
            {u"add_30_working_days"_s, u"addBusinessSeconds 30 working days"_s,
             30 * office.workingDaySeconds, true},
            {u"add_30d"_s, u"addBusinessSeconds 30d (720 business hours)"_s, 30 * 86400, true},
            {u"between_1_week"_s, u"businessSecondsBetween over 7 days"_s, 7 * 86400, false},
            {u"between_90_days"_s, u"businessSecondsBetween over 90 days"_s, 90 * 86400, false},
        };
        for (const Case &benchCase : cases) {
            Measurement measurement;
            if (benchCase.add) {
                measurement = measure(
                    [&](std::size_t i) {
                        const Result<QDateTime> due
                            = calendar.addBusinessSeconds(starts[i], benchCase.seconds);
                        if (due)
                            checksum += due->toMSecsSinceEpoch() & 0xffff;
                        else
                            failed = true;
                    },
                    starts.size());
            } else {
                std::vector<QDateTime> ends;
                for (const QDateTime &start : starts)
                    ends.push_back(start.addSecs(benchCase.seconds));
                measurement = measure(
                    [&](std::size_t i) {
                        const Result<qint64> seconds
                            = calendar.businessSecondsBetween(starts[i], ends[i]);
                        if (seconds)
                            checksum += seconds.value();
                        else
                            failed = true;
                    },
                    starts.size());
            }
            const double opsPerSecond = measurement.opsPerSecond();
            std::printf("  %-46s %12.0f ops/s  %8.0f ns/op\n", qPrintable(benchCase.description),
                        opsPerSecond, 1e9 / opsPerSecond);
            results.append(QJsonObject {
                {u"name"_s, QString(office.label + u'/' + benchCase.name)},
                {u"calendar"_s, office.label},
                {u"operation"_s, benchCase.description},
                {u"ops_per_sec"_s, qRound64(opsPerSecond)},
                {u"ns_per_op"_s, qRound64(1e9 / opsPerSecond)},
                {u"operations"_s, measurement.operations},
            });
        }
        results.append(QJsonObject {
            {u"name"_s, QString(office.label + u"/create"_s)},
            {u"calendar"_s, office.label},
            {u"operation"_s, u"BusinessCalendar::create"_s},
            {u"microseconds"_s, qRound64(createMicroseconds)},
        });
    }
    if (failed) {
        std::fprintf(stderr, "an operation failed\n");
        return 1;
    }
    std::printf("\n(checksum %lld)\n", checksum);

    const QJsonObject report {
        {u"benchmark"_s, u"bench_calendar"_s},
        {u"machine"_s, QJsonObject {{u"arch"_s, machine}, {u"cores"_s, int(cores)}}},
        {u"results"_s, results},
    };
    QFile file(QDir(outDir).filePath(u"bench_calendar.json"_s));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QJsonDocument(report).toJson()) < 0) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(file.fileName()));
        return 1;
    }
    std::printf("wrote %s\n", qPrintable(file.fileName()));
    return 0;
}

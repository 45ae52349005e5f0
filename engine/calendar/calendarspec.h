// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QString>

#include <array>

namespace Baton {

/// One working interval of a day, in seconds since local midnight.
/// endSecond may be 86400 ("24:00"); startSecond < endSecond always.
struct WorkingInterval
{
    int startSecond = 0;
    int endSecond = 0;
    friend bool operator==(const WorkingInterval &, const WorkingInterval &) = default;
};

/// A business calendar as an admin writes it in org.yaml, already parsed.
/// The calendar module turns it into arithmetic; it does no parsing of YAML.
struct CalendarSpec
{
    QString name;
    QByteArray timezone; ///< IANA name, e.g. "Asia/Hong_Kong"
    std::array<QList<WorkingInterval>, 7> week; ///< index 0 = Monday .. 6 = Sunday, sorted
    QList<QDate> holidays; ///< whole days off (local dates)
    QList<QDate> workdays; ///< extra working days, worked as mon-fri hours
    friend bool operator==(const CalendarSpec &, const CalendarSpec &) = default;
};

} // namespace Baton

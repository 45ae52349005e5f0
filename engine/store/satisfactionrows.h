// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The satisfaction report's reads (issue 17; README "Reports"): the ratings recorded on
// follow-up tickets (fields a workflow marks `csat: true`), the tickets they follow up (the
// `opened_from` link) and who worked those (their step facts). The api decides what a rating
// is; the store only finds the rows.

#include "core/result.h"
#include "store/stepfactrows.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace Baton {

/// A fields_changed event of a follow-up ticket: when, and its data (JSON text,
/// {"fields": {...}}).
struct RecordedFields
{
    qint64 ticketId = 0;
    qint64 seq = 0;
    qint64 at = 0;
    QString workflow; ///< the ticket's
    QString data;
};

/// A follow-up ticket as the report lists it: its key, current fields (JSON text) and the
/// ticket it follows up (0 when none).
struct FollowUpRow
{
    qint64 id = 0;
    QString key, fields;
    qint64 source = 0;
    QString sourceKey;
};

class SatisfactionRows
{
public:
    /// fields_changed events in [from, to) of tickets of `workflows`, by ticket and seq.
    static Result<QList<RecordedFields>>
    recordedFields(const QSqlDatabase &db, const QStringList &workflows, qint64 from, qint64 to);
    /// `ids` with their key, fields and the ticket that opened each (the `opened_from` link).
    static Result<QList<FollowUpRow>> followUps(const QSqlDatabase &db, const QList<qint64> &ids);
    /// Per ticket of `ids`, the distinct non-empty group keys (query.by) of all its steps, of
    /// any time, in query's workflow and departments (query.from and query.to are ignored).
    static Result<QHash<qint64, QStringList>>
    workedBy(const QSqlDatabase &db, const QList<qint64> &ids, const StepReportQuery &query);
};

} // namespace Baton

// SPDX-License-Identifier: GPL-3.0-or-later
// Publishing an organisation while the server runs (PUT /api/v1/org), and taking up one that
// was published elsewhere (another server, or before a restart).
#include "sla/slaservice.h"

#include "core/clock.h"
#include "definition/workflowset.h"
#include "store/database.h"
#include "store/orgversions.h"

#include <QLoggingCategory>

namespace Baton {

Q_DECLARE_LOGGING_CATEGORY(lcOrgVersions)

Result<SlaService::OrganisationPublish>
SlaService::publishOrganisation(Engine &engine, const QByteArray &source,
                                std::shared_ptr<const Organisation> org, const QString &username)
{
    if (!m_database || !org)
        return makeError(QStringLiteral("publishing an organisation needs its database"));
    // One at a time: the calendars a publish re-measures are those that changed against the
    // organisation it replaced, which must be the one the publish before made current.
    QMutexLocker lock(&m_publishMutex);
    if (auto adopted = adoptPublished(); !adopted)
        return adopted.failure();
    LiveOrganisation &live = *liveOrganisation();
    const int before = live.version();
    auto version = OrgVersions::publish(*m_database, source, VersionOrigin::user(username),
                                        m_clock->now(), m_announceAs);
    if (!version)
        return version.failure();
    OrganisationPublish outcome;
    outcome.version = *version;
    if (*version == before && before > 0)
        return outcome; // the same text as the newest version
    // The clocks as measured until now, for the moved instants each ticket's event lists.
    const SlaClocks measuredBefore(std::make_shared<const Organisation>(live.current()));
    outcome.published = true;
    outcome.calendars = changedCalendars(live.current(), *org);
    live.replace(std::move(org), *version, source);
    auto recomputed = recomputeClocks(engine, outcome.calendars, &measuredBefore);
    if (!recomputed)
        return recomputed.failure();
    outcome.recomputed = *recomputed;
    qCInfo(lcOrgVersions).noquote()
        << QStringLiteral("organisation version %1 published by %2; calendars changed: %3; "
                          "%4 open tickets re-measured")
               .arg(*version)
               .arg(username, outcome.calendars.join(QStringLiteral(", ")))
               .arg(outcome.recomputed);
    return outcome;
}

Result<bool> SlaService::adoptPublished()
{
    if (!m_database)
        return false;
    auto stored = OrgVersions::current(*m_database);
    if (!stored)
        return stored.failure();
    if (!stored->has_value())
        return false;
    LiveOrganisation &live = *liveOrganisation();
    const OrgVersions::Stored &newest = **stored;
    if (newest.version <= live.version())
        return false;
    if (newest.source == live.source()) {
        // The running organisation is that text (the files as published at start).
        live.setVersion(newest.version, newest.source);
        return false;
    }
    const OrganisationReadResult read
        = readOrganisation(organisationFilesFromSource(newest.source));
    if (!read.ok())
        return makeError(QStringLiteral("the published organisation version %1 cannot be read")
                             .arg(newest.version));
    live.replace(std::make_shared<const Organisation>(read.organisation), newest.version,
                 newest.source);
    return true;
}

} // namespace Baton

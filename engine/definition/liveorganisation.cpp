// SPDX-License-Identifier: GPL-3.0-or-later
#include "definition/liveorganisation.h"

namespace Baton {

LiveOrganisation::LiveOrganisation(std::shared_ptr<const Organisation> first, int version,
                                   QByteArray source)
    : m_kept {first}
    , m_current(first.get())
    , m_version(version)
    , m_source(std::move(source))
{
}

int LiveOrganisation::version() const
{
    QMutexLocker lock(&m_mutex);
    return m_version;
}

QByteArray LiveOrganisation::source() const
{
    QMutexLocker lock(&m_mutex);
    return m_source;
}

bool LiveOrganisation::replace(std::shared_ptr<const Organisation> next, int version,
                               QByteArray source)
{
    QMutexLocker lock(&m_mutex);
    if (!next || version <= m_version)
        return false;
    m_kept.append(next);
    m_current.store(next.get(), std::memory_order_release);
    m_version = version;
    m_source = std::move(source);
    return true;
}

void LiveOrganisation::setVersion(int version, QByteArray source)
{
    QMutexLocker lock(&m_mutex);
    m_version = version;
    m_source = std::move(source);
}

} // namespace Baton

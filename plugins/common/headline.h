// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What happened, as a person reads it, in English or Chinese: one table for every plugin that
// writes to people (mail, chat groups, SMS), so they name an event the same way.

#include <QString>

namespace BatonPlugins {

inline QString headlineOf(const QString &kind, bool chinese)
{
    struct Row
    {
        const char *kind, *en, *zh;
    };
    static const Row rows[] = {
        {"sla_warning", "SLA warning", "SLA 预警"},
        {"sla_breached", "SLA breached", "SLA 已超时"},
        {"escalated", "Escalated", "已升级"},
        {"returned_to_originator", "Returned to you", "已退回给您"},
        {"assigned", "Assigned to you", "已分派给您"},
        {"handoff_limit", "Hand-off limit reached", "转交次数已达上限"},
        {"transitioned", "Ticket update", "工单更新"},
        {"opened", "New ticket", "新工单"},
        {"closed", "Closed", "已关闭"},
    };
    for (const Row &row : rows)
        if (kind == QLatin1String(row.kind))
            return QString::fromUtf8(chinese ? row.zh : row.en);
    return kind;
}

/// The web UI's page of a ticket; empty without a base address.
inline QString ticketLinkOf(QString baseUrl, qint64 ticketId)
{
    if (baseUrl.isEmpty() || !ticketId)
        return {};
    while (baseUrl.endsWith(u'/'))
        baseUrl.chop(1);
    return baseUrl + QStringLiteral("/tickets/") + QString::number(ticketId);
}

} // namespace BatonPlugins

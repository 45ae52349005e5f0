// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one request body the tests open a ticket with over HTTP when any ticket will do.

#include <QJsonObject>
#include <QString>

namespace Baton::Test {

/// A jump-queue ticket (workflows/jump-queue.yaml) as an agent opens it in the demo: `title`,
/// the tier-B customer `customerId`, the fields the workflow requires.
inline QJsonObject jumpQueueTicket(const QString &title,
                                   const QString &customerId = QStringLiteral("C-1"))
{
    return {{QStringLiteral("workflow"), QStringLiteral("jump-queue")},
            {QStringLiteral("title"), title},
            {QStringLiteral("customer"),
             QJsonObject {{QStringLiteral("id"), customerId},
                          {QStringLiteral("tier"), QStringLiteral("B")}}},
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("awb"), QStringLiteral("123456789012")},
                          {QStringLiteral("urgency"), QStringLiteral("high")},
                          {QStringLiteral("held_at"), QStringLiteral("hub")},
                          {QStringLiteral("reason"), QStringLiteral("Needed tomorrow")}}}};
}

} // namespace Baton::Test

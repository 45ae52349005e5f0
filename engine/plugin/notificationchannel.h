// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A way out of Baton to people: mail, a chat group robot, an SMS gateway, a webhook.
//
// The outbox owns durability: it writes each delivery in the transaction of the event that
// causes it, gives it a stable id, calls deliver() from its worker thread (never the writer's),
// and retries with back-off until the last try makes it a dead letter. A channel therefore
// makes one attempt per call, keeps no queue and does not retry; it may be called again with
// the same deliveryId after a crash or a failure, and passes the id on (Message-ID,
// Baton-Delivery) so receivers can drop repeats.

#include "core/languagetag.h"
#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <QtPlugin>

namespace Baton {

/// One message to one recipient, resolved and rendered by Baton: the channel only carries it.
struct Notification
{
    QString deliveryId; ///< stable across retries of this delivery
    QString recipient; ///< the user name, or the department for a group channel
    QString address; ///< the recipient's address on this channel (mail, phone); may be empty
    QString kind; ///< notification kind: "sla_warning", "sla_breached", "escalated", ...
    QString language; ///< the recipient's language tag ("en", "zh"); read by readsChinese()
    QString subject;
    QString message; ///< plain text
    qint64 ticketId = 0;
    QString ticketKey; ///< as people read it, "IT-42"
    QString ticketTitle;
    QString ticketUrl; ///< a link into the web UI
    QDateTime createdAt; ///< when the causing event was committed (UTC)
    /// For channels that carry data rather than text (webhook): the causing event and the
    /// ticket, JSON `{"event": Event, "ticket": {...}}`; empty for people's notifications.
    QByteArray payload;

    /// Whether the recipient reads Chinese: the engine's rule (core/languagetag.h), so that a
    /// channel words its text as the engine words the notice's sentence.
    bool readsChinese() const { return isChineseTag(language); }
};

/// One configured channel of channels.yaml: its name and its settings, with ${NAME} secrets
/// already replaced from the environment (a plugin never reads the environment itself).
struct ChannelSettings
{
    QString name; ///< "staff-mail"
    QVariantMap values; ///< every key of the channel except `plugin`
};

/// A plugin of kind "channel". One instance serves every channel that names its plugin, so it
/// keeps per-channel state (connections) keyed by ChannelSettings::name, if any.
class NotificationChannel
{
public:
    virtual ~NotificationChannel() = default;

    /// Checks a channel's settings (missing host, bad port, unknown key) for `baton validate`
    /// and start-up; the message names the key at fault ("'port' must be 1-65535").
    virtual Result<void> checkSettings(const ChannelSettings &settings) const = 0;

    /// One attempt to deliver. Success returns the receiver's reference (an SMTP queue id, an
    /// HTTP status line) for the delivery log; an error is logged and the outbox retries.
    /// May block (network): it runs on the delivery worker, with a time limit of its own.
    ///
    /// An error says whose failure it is by its kind. ErrorKind::Unavailable (the receiver
    /// could not be reached, timed out, or said it is down or busy: 502, 503, 504) and
    /// ErrorKind::RateLimited (429) are the CHANNEL's: every message would have failed. The
    /// outbox then tries one message of the channel at a time (a probe, at its own back-off),
    /// and when one gets through every message that waited only for the channel is due at
    /// once. Any other kind is this MESSAGE's (the receiver answered and refused it: 400, 500,
    /// a redirect): it keeps its own back-off. When the receiver said when to come back
    /// (Retry-After), put the seconds in the error's fields under retryAfterField.
    virtual Result<QString> deliver(const ChannelSettings &settings,
                                    const Notification &notification)
        = 0;
};

/// The key of Error::fields that carries a receiver's Retry-After, in whole seconds.
inline constexpr char retryAfterField[] = "retry_after_seconds";

/// Whether a failed deliver() was the channel's (see deliver()).
inline bool isChannelFailure(const Error &error)
{
    return error.kind == ErrorKind::Unavailable || error.kind == ErrorKind::RateLimited;
}

} // namespace Baton

#define BatonNotificationChannel_iid "org.baton.NotificationChannel/1.0"
Q_DECLARE_INTERFACE(Baton::NotificationChannel, BatonNotificationChannel_iid)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What full-text search (GET /tickets?q=, GET /customers?q=) indexes and asks: the normalised
// phone number, the text a ticket or comment is found by, and a query split into terms. One
// place, so that the writer's documents and the reader's terms agree.

#include "store/ticketrows.h"

#include <QString>
#include <QStringList>

namespace Baton::SearchText {

/// A phone number as digits only, so that "+86 138-0013-8000", "0086 13800138000" and
/// "013800138000" are one number: spaces, dashes, dots and parentheses dropped, then a
/// leading +86 or 0086 (China's country code), then any leading 0 or +. Migrations 13 and 14
/// spell the same rule in SQL (phoneSql) for the rows written before them.
QString normalisedPhone(const QString &phone);

/// Whether `text` reads as a phone number (digits with the separators above, at least three
/// digits): a query like that is searched as one normalised number.
bool looksLikePhone(const QString &text);

/// A ticket's searchable text, lower case: key, title, customer id, name, phone (as written
/// and normalised) and email, and its field values.
QString ticketDocument(const TicketRow &row);

/// A comment's searchable text, lower case.
QString commentDocument(const QString &body);

/// The query's terms, lower case: every one must be found (in the ticket's own text or one of
/// its comments). A phone-like query is one term, its normalised number.
QStringList terms(const QString &query);

/// Terms shorter than this many characters cannot use a trigram index; they are found by a
/// scan of the indexed text instead.
constexpr int trigram = 3;

} // namespace Baton::SearchText

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Within the store (SQLite): the open tickets' search index (migration 29), which the writer
// keeps and a search reads when matches among open tickets are too rare for a walk.
//
// open_search holds one document per open ticket: its own document and its comments', so that
// every term of a query is asked of one document ("in the ticket's own text or one of its
// comments", as termAsSet and termAsProbe ask it; a term has no space, so none spans two parts).
// A 'wedding' in 266,000 of 1,000,000 tickets and none open is then no open ticket at once,
// where reading the whole index's matches to learn it cost 1.6 s.
//
// A ticket's open document is stale while its own document or a comment waits in the pending
// tables (migration 18), or while open_search_stale lists it: that table holds only what the
// pending tables do not tell, a status change (closed leaves the index, opened or reopened
// enters it). At the move, after the waiting documents are in ticket_search and comment_search
// and before the pending tables are emptied, the stale tickets' open documents are rebuilt. A
// search reads the index's documents of tickets not stale, and tests the stale ones (a few
// hundred at most) as a walk does.
//
// Each open document ends in two spaces (migration 32), so that every place a term of one or two
// characters occurs begins a trigram: such a term is then the trigrams that begin with it (read
// from open_search_terms, FTS5's vocabulary of the index), where before only a scan of every open
// document could find it. A term never holds a space, so the two find nothing of their own.

/// The ids of the tickets whose open document is stale (each once).
#define BATON_OPEN_SEARCH_STALE_IDS                                                                \
    "SELECT ticket_id FROM open_search_stale UNION SELECT ticket_id FROM ticket_search_pending "   \
    "UNION SELECT ticket_id FROM comment_search_pending"

/// The statements that rebuild the stale tickets' open documents, in order, once the waiting
/// documents have been copied into ticket_search and comment_search (the pending tables are
/// emptied after them); each begins with `prefix`.
/// `+t.id`: c0 has no type, and compared with an INTEGER column SQLite would scan every comment
/// per ticket instead of using its index (migration 26).
#define BATON_OPEN_SEARCH_REBUILD(prefix)                                                          \
    prefix "DELETE FROM open_search WHERE rowid IN (" BATON_OPEN_SEARCH_STALE_IDS ")",             \
        prefix                                                                                     \
        "INSERT INTO open_search (rowid, body) SELECT t.id, COALESCE((SELECT s.body FROM "         \
        "ticket_search s WHERE s.rowid = t.id), '') || COALESCE((SELECT ' ' || "                   \
        "group_concat(c.c1, ' ') FROM comment_search_content c WHERE c.c0 = +t.id), '') || '  ' "  \
        "FROM (" BATON_OPEN_SEARCH_STALE_IDS ") w JOIN tickets t ON t.id = w.ticket_id WHERE "     \
        "t.status = 'open'",                                                                       \
        prefix "DELETE FROM open_search_stale"

// PostgreSQL (migration 43): open_search (ticket_id, body, grams) is kept by the writer in the
// transaction of the ticket's change, so nothing is ever stale there: a batch's tickets whose
// document, comments or status changed get their open document written again (or taken out
// once not open). A document is the ticket's own and its comments' joined by spaces, as on
// SQLite; its grams (baton_search_grams: every character and pair of neighbouring characters
// without white space) are what a term of any length is found by in the GIN index, each term
// then tested on the document's text.

/// PostgreSQL: the open documents (id, body) of the open tickets among the ids that follow
/// (a list or a subquery, then a closing parenthesis).
#define BATON_OPEN_SEARCH_DOCUMENTS_PG_HEAD                                                        \
    "SELECT t.id, COALESCE(s.body, '') || COALESCE((SELECT ' ' || string_agg(c.body, ' ') FROM "   \
    "comment_search c WHERE c.ticket_id = t.id), '') AS body FROM tickets t LEFT JOIN "            \
    "ticket_search s ON s.ticket_id = t.id WHERE t.status = 'open' AND t.id IN ("

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
// The writer lists in open_search_stale every ticket whose document, comments or status changed
// since the documents last moved into the FTS5 tables (migration 18), and rebuilds their open
// documents at the move, after it. A search reads the index's documents of tickets not listed,
// and tests the listed ones (a few hundred at most) as a walk does.
//
// Each open document ends in two spaces (migration 32), so that every place a term of one or two
// characters occurs begins a trigram: such a term is then the trigrams that begin with it (read
// from open_search_terms, FTS5's vocabulary of the index), where before only a scan of every open
// document could find it. A term never holds a space, so the two find nothing of their own.

/// The statements that rebuild the listed tickets' open documents, in order, once the waiting
/// documents have moved into ticket_search and comment_search; each begins with `prefix`.
/// `+t.id`: c0 has no type, and compared with an INTEGER column SQLite would scan every comment
/// per ticket instead of using its index (migration 26).
#define BATON_OPEN_SEARCH_REBUILD(prefix)                                                          \
    prefix "DELETE FROM open_search WHERE rowid IN (SELECT ticket_id FROM open_search_stale)",     \
        prefix                                                                                     \
        "INSERT INTO open_search (rowid, body) SELECT t.id, COALESCE((SELECT s.body FROM "         \
        "ticket_search s WHERE s.rowid = t.id), '') || COALESCE((SELECT ' ' || "                   \
        "group_concat(c.c1, ' ') FROM comment_search_content c WHERE c.c0 = +t.id), '') || '  ' "  \
        "FROM open_search_stale w JOIN tickets t ON t.id = w.ticket_id WHERE t.status = 'open'",   \
        prefix "DELETE FROM open_search_stale"

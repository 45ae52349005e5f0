// SPDX-License-Identifier: GPL-3.0-or-later
#include "schema.h"

#include "store/database.h"
#include "store/opensearch_p.h"
#include "store/storelog.h"

#include <QDateTime>

#include <QRegularExpression>
#include <QSqlRecord>
#include <QStringList>
#include <algorithm>

namespace Baton {

namespace {

// Written once for both databases; {serial} is the only per-driver spelling.
const char *const migration1[] = {
    R"(CREATE TABLE users (
        username TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL DEFAULT '',
        roles TEXT NOT NULL DEFAULT '[]',
        departments TEXT NOT NULL DEFAULT '[]',
        active INTEGER NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL))",
    R"(CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL))",
    "CREATE INDEX sessions_username ON sessions(username)",
    "CREATE INDEX sessions_expires ON sessions(expires_at)",
    // org.yaml as published: the departments, queues and calendars are parsed from it.
    R"(CREATE TABLE org_versions (
        version INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        hash TEXT NOT NULL,
        published_at BIGINT NOT NULL))",
    R"(CREATE TABLE workflow_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        source TEXT NOT NULL,
        hash TEXT NOT NULL,
        published_at BIGINT NOT NULL,
        published_by TEXT,
        PRIMARY KEY (name, version)))",
    R"(CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        name TEXT,
        tier TEXT,
        phone TEXT,
        email TEXT,
        updated_at BIGINT NOT NULL))",
    // The current-state projection of the event log; state_data is the runtime's full state.
    R"(CREATE TABLE tickets (
        id BIGINT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        workflow TEXT NOT NULL,
        workflow_version INTEGER NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL,
        status TEXT NOT NULL,
        queue TEXT,
        assignee TEXT,
        originator TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        handoffs INTEGER NOT NULL DEFAULT 0,
        flagged INTEGER NOT NULL DEFAULT 0,
        fields TEXT NOT NULL DEFAULT '{}',
        customer_id TEXT,
        customer_name TEXT,
        customer_tier TEXT,
        customer_phone TEXT,
        customer_email TEXT,
        channel TEXT,
        branches TEXT NOT NULL DEFAULT '[]',
        version BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        closed_at BIGINT,
        respond_due BIGINT,
        resolve_due BIGINT,
        ticket_due BIGINT,
        due_at BIGINT,
        state_data TEXT NOT NULL DEFAULT '{}'))",
    // Few indexes, on columns that rarely change: every index whose columns an UPDATE sets is
    // rewritten, and the single writer pays for it on every action.
    // Queue page: one queue's open tickets by nearest due date, keyset-paginated by id.
    "CREATE INDEX tickets_queue_page ON tickets(queue, status, due_at, id)",
    "CREATE INDEX tickets_originator ON tickets(originator, created_at)",
    "CREATE INDEX tickets_assignee ON tickets(assignee, status, due_at)",
    "CREATE INDEX tickets_customer ON tickets(customer_id, created_at)",
    // Every queue a ticket has been in: its members may still see it.
    R"(CREATE TABLE ticket_queues (
        queue TEXT NOT NULL,
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        PRIMARY KEY (queue, ticket_id)))",
    "CREATE INDEX ticket_queues_ticket ON ticket_queues(ticket_id)",
    // Append-only audit log: the truth the tickets table is projected from.
    R"(CREATE TABLE events (
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        seq INTEGER NOT NULL,
        at BIGINT NOT NULL,
        actor TEXT,
        type TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (ticket_id, seq)))",
    R"(CREATE TABLE timers (
        id {serial},
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        kind TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'))",
    "CREATE INDEX timers_due ON timers(due_at)",
    "CREATE INDEX timers_ticket ON timers(ticket_id)",
    R"(CREATE TABLE comments (
        id {serial},
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        seq INTEGER NOT NULL,
        author TEXT,
        body TEXT NOT NULL,
        internal INTEGER NOT NULL DEFAULT 0,
        at BIGINT NOT NULL))",
    "CREATE INDEX comments_ticket ON comments(ticket_id, seq)",
    R"(CREATE TABLE links (
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        other_id BIGINT NOT NULL,
        relation TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (ticket_id, other_id, relation)))",
    R"(CREATE TABLE notifications (
        id {serial},
        username TEXT NOT NULL,
        ticket_id BIGINT REFERENCES tickets(id),
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        at BIGINT NOT NULL,
        read INTEGER NOT NULL DEFAULT 0))",
    "CREATE INDEX notifications_user ON notifications(username, read, id)",
    R"(CREATE TABLE idempotency_keys (
        username TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        ticket_id BIGINT,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (username, key)))",
    "CREATE INDEX idempotency_created ON idempotency_keys(created_at)",
};

// The queues whose pages show a ticket now (its own, and each open branch's in a parallel
// state) with the due of the work there, and when each ticket becomes at risk: queue pages,
// queue counts and the sla filter stay index ranges.
const char *const migration2[] = {
    "ALTER TABLE tickets ADD COLUMN at_risk_at BIGINT",
    // Until the engine next writes a ticket: at risk once due (branches are not known here).
    "UPDATE tickets SET at_risk_at = COALESCE(due_at, 253402300799000)",
    "CREATE INDEX tickets_at_risk ON tickets(at_risk_at)",
    R"(CREATE TABLE ticket_queues_current (
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        queue TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        at_risk_at BIGINT NOT NULL,
        PRIMARY KEY (ticket_id, queue)))",
    "CREATE INDEX ticket_queues_current_page ON ticket_queues_current(queue, status, due_at, "
    "ticket_id)",
    R"(INSERT INTO ticket_queues_current (ticket_id, queue, status, due_at, at_risk_at)
        SELECT id, queue, status, at_risk_at, at_risk_at FROM tickets WHERE queue IS NOT NULL)",
};

// Reports over the permanent event log by type and time (breaches per period, escalations):
// an index range instead of a scan of every ticket's history.
const char *const migration3[] = {
    "CREATE INDEX events_type_at ON events(type, at)",
};

// Ticket ids on PostgreSQL, where several servers may share the database: each server's writer
// reserves blocks of 32 ids (one nextval per block), so ids stay unique without a lock held
// across servers. SQLite has one writer, which counts from MAX(id).
const char *const migration4[] = {
    "postgresql: CREATE SEQUENCE ticket_ids INCREMENT BY 32 MINVALUE 1",
    "postgresql: SELECT setval('ticket_ids', (SELECT COALESCE(MAX(id), 0) + 1 FROM tickets), "
    "false)",
};

// The queue page without a status filter (GET /tickets?queue=X&sort=due): one queue's rows in
// due order straight from the index, so a page reads its 50 rows instead of sorting the queue.
const char *const migration5[] = {
    "CREATE INDEX ticket_queues_current_due ON ticket_queues_current(queue, due_at, ticket_id)",
};

// One index for queue pages and queue counts: pages walk a queue in due order and filter on
// status and at_risk_at inside the index; GET /queues counts from the index alone instead of
// one table lookup per open row (0.43 s -> 0.03 s with 200,000 open tickets). It replaces
// both earlier indexes, so the writer keeps a single index up to date per queue row.
const char *const migration6[] = {
    "DROP INDEX ticket_queues_current_due",
    "DROP INDEX ticket_queues_current_page",
    "CREATE INDEX ticket_queues_current_due ON ticket_queues_current(queue, due_at, ticket_id, "
    "status, at_risk_at)",
};

// The assignees of a parallel state's branches, each of whom may open the ticket (access.cpp,
// canSee) and finds it by `assignee=` like the ticket's own assignee (tickets.assignee): the
// list's visibility and assignee filter stay index look-ups, with no scan of the branches
// JSON. A row per (ticket, user) while the ticket's branches name them, whatever each branch's
// status, as canSee counts them; few rows, as only tickets in a parallel state have any.
const char *const migration7[] = {
    R"(CREATE TABLE ticket_branch_assignees (
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        username TEXT NOT NULL,
        PRIMARY KEY (ticket_id, username)))",
    "CREATE INDEX ticket_branch_assignees_user ON ticket_branch_assignees(username, ticket_id)",
    // From the branches column as the engine last wrote it (interfaces.md, Ticket.branches).
    "sqlite: INSERT INTO ticket_branch_assignees (ticket_id, username) SELECT DISTINCT t.id, "
    "json_extract(b.value, '$.assignee') FROM tickets t, json_each(t.branches) b WHERE "
    "json_extract(b.value, '$.assignee') IS NOT NULL AND json_extract(b.value, '$.assignee') "
    "<> ''",
    "postgresql: INSERT INTO ticket_branch_assignees (ticket_id, username) SELECT DISTINCT t.id, "
    "b->>'assignee' FROM tickets t, json_array_elements(t.branches::json) b WHERE "
    "b->>'assignee' IS NOT NULL AND b->>'assignee' <> ''",
};

// The ticket list without a queue or a person to start from (GET /tickets, GET /tickets?
// status=open, each sort): a page walks tickets of one status in sort order and stops after a
// page of rows the viewer may see, where it sorted the whole table (0.7-1 s on 1,000,000
// tickets). Status first: the open tickets' walk skips the closed ones, and an unfiltered list
// merges one walk per status. created_at never changes; due_at and updated_at do on actions,
// which then rewrite an entry of these indexes. IF NOT EXISTS: a database set back to an earlier
// version by deleting rows of schema_migrations (tst_schema) still has them.
const char *const migration8[] = {
    "CREATE INDEX IF NOT EXISTS tickets_status_due ON tickets(status, due_at, id)",
    "CREATE INDEX IF NOT EXISTS tickets_status_created ON tickets(status, created_at, id)",
    "CREATE INDEX IF NOT EXISTS tickets_status_updated ON tickets(status, updated_at, id)",
};

// What the writer pays for on every action, trimmed: breach reports read one event type by
// time, and an index over every event's (type, at) cost a third of the events' insert time for
// the sake of that one type; queue pages and counts read ticket_queues_current, so the tickets
// table's own queue index is only kept up to date, never read. IF (NOT) EXISTS: tst_schema
// sets databases back by hand, as for migration 8.
const char *const migration9[] = {
    "DROP INDEX IF EXISTS events_type_at",
    "CREATE INDEX IF NOT EXISTS events_breached_at ON events(at) WHERE type = 'sla_breached'",
    "DROP INDEX IF EXISTS tickets_queue_page",
};

// Where each workflow and organisation version came from (a file at start, or a user in the
// editor), so that a restart publishes a file only when it changed since it was last published
// from that file and never undoes a user's version (interfaces.md). Rows from before count as
// files. IF NOT EXISTS: tst_schema sets databases back by hand (SQLite lacks the clause; see
// addColumnOnce).
const char *const migration10[] = {
    "ALTER TABLE workflow_versions ADD COLUMN IF NOT EXISTS origin TEXT NOT NULL DEFAULT 'file'",
    "ALTER TABLE workflow_versions ADD COLUMN IF NOT EXISTS origin_path TEXT",
    "ALTER TABLE org_versions ADD COLUMN IF NOT EXISTS origin TEXT NOT NULL DEFAULT 'file'",
    "ALTER TABLE org_versions ADD COLUMN IF NOT EXISTS origin_path TEXT",
    "ALTER TABLE org_versions ADD COLUMN IF NOT EXISTS published_by TEXT",
};

// Reports (issue 17): a fact row per finished step, written by the engine in the same
// transaction as the event that ended the step (store/stepfactrows.h has the meaning of each
// column). Derived data, rebuilt from the events by the back-fill: no foreign key, so that the
// writer pays for no look-up. report_backfills holds the tickets written before this version,
// whose facts `baton serve` derives from their events at start (report/stepfactbackfill.h).
const char *const migration11[] = {
    R"(CREATE TABLE IF NOT EXISTS step_facts (
        ticket_id BIGINT NOT NULL,
        seq INTEGER NOT NULL,
        branch TEXT NOT NULL DEFAULT '',
        workflow TEXT NOT NULL,
        workflow_version INTEGER NOT NULL,
        state TEXT NOT NULL,
        queue TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        assignee TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT '',
        tier TEXT NOT NULL DEFAULT '',
        entered_at BIGINT NOT NULL,
        left_at BIGINT NOT NULL,
        ended_by TEXT NOT NULL,
        action TEXT NOT NULL DEFAULT '',
        next_state TEXT NOT NULL DEFAULT '',
        business_seconds BIGINT NOT NULL,
        clock_seconds BIGINT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        respond_target BIGINT,
        respond_seconds BIGINT,
        respond_met INTEGER,
        resolve_target BIGINT,
        resolve_seconds BIGINT,
        resolve_met INTEGER,
        breached INTEGER NOT NULL DEFAULT 0,
        escalated INTEGER NOT NULL DEFAULT 0,
        transfers INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (ticket_id, seq, branch)){without_rowid})",
    // Every report reads one period, all departments (admins) or a few (supervisors, who
    // filter the period's rows): one index, since each costs the writer pages in every commit.
    "CREATE INDEX IF NOT EXISTS step_facts_left ON step_facts(left_at)",
    R"(CREATE TABLE IF NOT EXISTS report_backfills (
        name TEXT PRIMARY KEY,
        next_ticket BIGINT NOT NULL,
        last_ticket BIGINT NOT NULL))",
    // Once: tst_schema runs migrations again on a database set back by hand.
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'step_facts', 0, "
    "(SELECT COALESCE(MAX(id), 0) FROM tickets) WHERE NOT EXISTS (SELECT 1 FROM "
    "report_backfills WHERE name = 'step_facts')",
};

// The outbox (plugins issue): one row per message to the outside (a webhook call, a mail),
// written by the engine's writer in the transaction of the event that causes it, so that
// nothing committed is lost and nothing rolled back is sent. delivery_id is stable across
// retries (receivers drop repeats by it). The delivery worker claims rows whose
// next_attempt_at has come (status 'pending'), moving next_attempt_at ahead as a lease; after
// the last try the row becomes 'dead' until an admin retries it. payload is JSON text.
// migrate() applies every migration not recorded in schema_migrations, not only those above the
// highest (branches merged in another order). IF NOT EXISTS: tst_schema sets databases back by
// hand, as for migration 8.
const char *const migration12[] = {
    R"(CREATE TABLE IF NOT EXISTS outbox (
        delivery_id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        ticket_id BIGINT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        last_attempt_at BIGINT,
        receipt TEXT))",
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at)",
};

// Channel health and the delivery log (issue 15, admin page). channel_health keeps each
// channel's last success and last failure (with why) across restarts and servers: the outbox
// row's own last_error is cleared once it is delivered, so the failure would be gone from
// the page the moment the receiver came back. The worker writes it once per channel per round,
// not per row. The indexes serve the delivery log, newest first, by ticket and by channel.
const char *const migration15[] = {
    R"(CREATE TABLE IF NOT EXISTS channel_health (
        channel TEXT PRIMARY KEY,
        last_success_at BIGINT,
        last_failure_at BIGINT,
        last_failure TEXT))",
    "CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created_at)",
    "CREATE INDEX IF NOT EXISTS outbox_ticket ON outbox(ticket_id, created_at)",
    "CREATE INDEX IF NOT EXISTS outbox_channel ON outbox(channel, created_at)",
};

// Customers and search (issue 16). A phone is found however it was written: phone_norm holds
// SearchText::normalisedPhone's digits, spelt here in SQL for the rows written before (the
// writer and CustomerRows compute it in C++ from then on). PostgreSQL's trigram indexes are
// the contrib extension pg_trgm: trusted since PostgreSQL 13, so the database's owner (any
// role with CREATE on the database) may create it; `baton migrate` does, once.
#define BATON_PHONE_DIGITS(column)                                                                 \
    "replace(replace(replace(replace(replace(COALESCE(" column ", ''), ' ', ''), '-', ''), "       \
    "'.', ''), '(', ''), ')', '')"
#define BATON_NORMALISED_PHONE(column)                                                             \
    "NULLIF(ltrim(CASE WHEN " BATON_PHONE_DIGITS(                                                  \
        column) " LIKE '+86%' THEN "                                                               \
                "substr(" BATON_PHONE_DIGITS(column) ", 4) WHEN " BATON_PHONE_DIGITS(              \
                    column) " LIKE "                                                               \
                            "'0086%' THEN substr(" BATON_PHONE_DIGITS(                             \
                                column) ", 5) ELSE " BATON_PHONE_DIGITS(column) " END, '0+'), '')"

const char *const migration13[] = {
    "ALTER TABLE customers ADD COLUMN IF NOT EXISTS phone_norm TEXT",
    "UPDATE customers SET phone_norm = " BATON_NORMALISED_PHONE("phone"),
    "CREATE INDEX IF NOT EXISTS customers_phone ON customers(phone_norm)",
    "postgresql: CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "postgresql: CREATE INDEX IF NOT EXISTS customers_name_trgm ON customers USING gin "
    "(LOWER(name) gin_trgm_ops)",
    "postgresql: CREATE INDEX IF NOT EXISTS customers_phone_trgm ON customers USING gin "
    "(phone_norm gin_trgm_ops)",
};

// Full-text search over key, title, customer, field values and the comments the front line
// may read (internal notes are not indexed: finding a ticket by one would tell of it). One
// lower-case document per ticket (ticket_search, replaced by the writer when it changes) and
// one per comment (comment_search), kept in the writer's transaction. SQLite: FTS5 with the
// trigram tokenizer (SQLite 3.34 or later), rowid = ticket id; PostgreSQL: pg_trgm GIN indexes
// (migration 13 created the extension). Rows written before are indexed here in SQL (their
// field values as their JSON text).
#define BATON_TICKET_DOCUMENT                                                                      \
    "LOWER(key || ' ' || title || ' ' || COALESCE(customer_id, '') || ' ' || "                     \
    "COALESCE(customer_name, '') || ' ' || COALESCE(customer_phone, '') || ' ' || "                \
    "COALESCE(" BATON_NORMALISED_PHONE(                                                            \
        "customer_phone") ", '') || ' ' || "                                                       \
                          "COALESCE(customer_email, '') || ' ' || fields)"
const char *const migration14[] = {
    "sqlite: CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5(body, tokenize = "
    "'trigram')",
    "sqlite: CREATE VIRTUAL TABLE IF NOT EXISTS comment_search USING fts5(ticket_id UNINDEXED, "
    "body, tokenize = 'trigram')",
    "postgresql: CREATE TABLE IF NOT EXISTS ticket_search (ticket_id BIGINT PRIMARY KEY, body "
    "TEXT NOT NULL)",
    "postgresql: CREATE TABLE IF NOT EXISTS comment_search (ticket_id BIGINT NOT NULL, body "
    "TEXT NOT NULL)",
    "postgresql: CREATE INDEX IF NOT EXISTS ticket_search_body ON ticket_search USING gin "
    "(body gin_trgm_ops)",
    "postgresql: CREATE INDEX IF NOT EXISTS comment_search_body ON comment_search USING gin "
    "(body gin_trgm_ops)",
    // Once: tst_schema runs migrations again on a database set back by hand.
    "sqlite: INSERT INTO ticket_search (rowid, body) SELECT id, " BATON_TICKET_DOCUMENT
    " FROM tickets WHERE NOT EXISTS (SELECT 1 FROM ticket_search)",
    "postgresql: INSERT INTO ticket_search (ticket_id, body) SELECT id, " BATON_TICKET_DOCUMENT
    " FROM tickets ON CONFLICT (ticket_id) DO NOTHING",
    "INSERT INTO comment_search (ticket_id, body) SELECT ticket_id, LOWER(body) FROM comments "
    "WHERE internal = 0 AND NOT EXISTS (SELECT 1 FROM comment_search)",
};
#undef BATON_TICKET_DOCUMENT
#undef BATON_NORMALISED_PHONE
#undef BATON_PHONE_DIGITS

// Reports, second slice (issue 17): what a finished step did to its ticket, for the measures
// over tickets (closed, reopened, first-contact resolution, bounces, escalations and to whom):
// `closes` is 1 when the step's end closed the ticket, `moved_to` the queue a transfer, the
// handoff limit or an escalation moved the work to. The facts written before lack both: the
// back-fill derives every ticket's facts again from its events (replacing them) at start.
// IF NOT EXISTS: tst_schema sets databases back by hand, as for migration 8.
const char *const migration17[] = {
    "ALTER TABLE step_facts ADD COLUMN IF NOT EXISTS closes INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE step_facts ADD COLUMN IF NOT EXISTS moved_to TEXT NOT NULL DEFAULT ''",
    "DELETE FROM report_backfills WHERE name = 'step_facts'",
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'step_facts', 0, "
    "(SELECT COALESCE(MAX(id), 0) FROM tickets)",
};

// People's addresses outside Baton (plugins issue): the email and sms channels deliver a
// user's notifications to `email` and `phone`, written in `language` ("en", "zh"; empty: the
// channel's default).
const char *const migration16[] = {
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS email TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS language TEXT NOT NULL DEFAULT ''",
};

// Search documents waiting for the full-text index (issue 20, SQLite only). FTS5 writes a new
// segment, its structure record and merge work at every commit that touches it: ~17 pages per
// small commit, more than all the ticket's other rows. The writer puts a batch's documents here
// (one B-tree row each, same transaction) and moves them into ticket_search/comment_search when
// a few hundred have gathered, in the transaction of the batch that reaches the number; search
// reads the waiting documents too (a scan of at most that many rows), so a committed document
// is found at once, and a ticket's waiting document stands in for its indexed one.
const char *const migration18[] = {
    "sqlite: CREATE TABLE IF NOT EXISTS ticket_search_pending (ticket_id INTEGER PRIMARY KEY, "
    "body TEXT NOT NULL)",
    "sqlite: CREATE TABLE IF NOT EXISTS comment_search_pending (id INTEGER PRIMARY KEY, "
    "ticket_id INTEGER NOT NULL, body TEXT NOT NULL)",
};

// Standard answers (issue 16): what a department publishes for the front line to say, in both
// languages; every change is also kept whole in answer_versions (who, when), never overwritten.
const char *const migration22[] = {
    R"(CREATE TABLE IF NOT EXISTS answers (
        id {serial},
        department TEXT NOT NULL,
        title_en TEXT NOT NULL,
        title_zh TEXT NOT NULL,
        body_en TEXT NOT NULL,
        body_zh TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        version INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL))",
    R"(CREATE TABLE IF NOT EXISTS answer_versions (
        answer_id BIGINT NOT NULL,
        version INTEGER NOT NULL,
        department TEXT NOT NULL,
        title_en TEXT NOT NULL,
        title_zh TEXT NOT NULL,
        body_en TEXT NOT NULL,
        body_zh TEXT NOT NULL,
        active INTEGER NOT NULL,
        changed_at BIGINT NOT NULL,
        changed_by TEXT NOT NULL,
        PRIMARY KEY (answer_id, version)){without_rowid})",
};

// The delivery lease's owner (plugins issue): a row claimed by a server that was killed is sent
// again at the next start instead of after its lease (SQLite: any value; PostgreSQL: the backend
// pid of the claiming session, released once that session is gone). NULL: not leased.
const char *const migration20[] = {
    "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS leased_by BIGINT",
};

// Attachments (issue 16), stored in the database so that a backup holds them: a row per file
// and its content in chunks of AttachmentRows::chunkBytes (never one value of the whole file,
// which both databases would read and write in one piece of memory).
const char *const migration21[] = {
    "CREATE TABLE IF NOT EXISTS attachments ("
    "id {serial}, "
    "ticket_id BIGINT NOT NULL, "
    "name TEXT NOT NULL, "
    "content_type TEXT NOT NULL, "
    "size BIGINT NOT NULL, "
    "sha256 TEXT NOT NULL, "
    "uploaded_by TEXT NOT NULL, "
    "created_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS attachments_ticket ON attachments(ticket_id, id)",
    "sqlite: CREATE TABLE IF NOT EXISTS attachment_chunks (attachment_id INTEGER NOT NULL, "
    "seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (attachment_id, seq))",
    "postgresql: CREATE TABLE IF NOT EXISTS attachment_chunks (attachment_id BIGINT NOT NULL, "
    "seq INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (attachment_id, seq))",
    // Photos and scans are compressed already: no second try at compressing each chunk.
    "postgresql: ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
};

// Assignment and people's availability (plugins issue): a user's `skills` (JSON list, matched
// by the `skills` strategy), their absence (`away_from`/`away_until` in ms since the epoch,
// null: not away; `substitute`: who takes their work meanwhile) and their `preferences` (JSON:
// channels per notification kind, quiet hours). assignment_turns: per queue, the counter of
// its automatic assignments when each user last got one (round robin's order, kept over
// restarts). IF NOT EXISTS: tst_schema sets databases back by hand, as for migration 8.
const char *const migration19[] = {
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS skills TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS away_from BIGINT",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS away_until BIGINT",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS substitute TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS preferences TEXT NOT NULL DEFAULT '{}'",
    R"(CREATE TABLE IF NOT EXISTS assignment_turns (
        queue TEXT NOT NULL,
        username TEXT NOT NULL,
        turn BIGINT NOT NULL,
        PRIMARY KEY (queue, username)))",
};

// Fewer B-trees per action (issue 20, SQLite only): ticket_queues_current and ticket_queues were
// rowid tables beside their primary key's index, so each row the writer deleted or inserted
// (every action that moves a ticket rewrites its current queues) changed the table's B-tree and
// the key's; WITHOUT ROWID, the key's B-tree is the table (PostgreSQL has no rowid B-tree).
// Rebuilt under a new name and renamed: SQLite cannot change a table into WITHOUT ROWID in
// place. Nothing references these tables, so they can be dropped with foreign keys on. Runs
// again cleanly when tst_schema sets a database back by hand.
const char *const migration24[] = {
    "sqlite: DROP TABLE IF EXISTS ticket_queues_current_rebuilt",
    R"(sqlite: CREATE TABLE ticket_queues_current_rebuilt (
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        queue TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        at_risk_at BIGINT NOT NULL,
        PRIMARY KEY (ticket_id, queue)) WITHOUT ROWID)",
    "sqlite: INSERT INTO ticket_queues_current_rebuilt (ticket_id, queue, status, due_at, "
    "at_risk_at) SELECT ticket_id, queue, status, due_at, at_risk_at FROM ticket_queues_current",
    "sqlite: DROP TABLE ticket_queues_current",
    "sqlite: ALTER TABLE ticket_queues_current_rebuilt RENAME TO ticket_queues_current",
    "sqlite: CREATE INDEX ticket_queues_current_due ON ticket_queues_current(queue, due_at, "
    "ticket_id, status, at_risk_at)",
    "sqlite: DROP TABLE IF EXISTS ticket_queues_rebuilt",
    R"(sqlite: CREATE TABLE ticket_queues_rebuilt (
        queue TEXT NOT NULL,
        ticket_id BIGINT NOT NULL REFERENCES tickets(id),
        PRIMARY KEY (queue, ticket_id)) WITHOUT ROWID)",
    "sqlite: INSERT INTO ticket_queues_rebuilt (queue, ticket_id) SELECT queue, ticket_id FROM "
    "ticket_queues",
    "sqlite: DROP TABLE ticket_queues",
    "sqlite: ALTER TABLE ticket_queues_rebuilt RENAME TO ticket_queues",
    "sqlite: CREATE INDEX ticket_queues_ticket ON ticket_queues(ticket_id)",
};

// Search walks a list in its order and tests each ticket it reads (issue 16, ticketreader.cpp):
// a ticket's comments are found by its id. SQLite: comment_search's ticket_id is an UNINDEXED
// FTS5 column, kept in the content table's c0 (FTS5's documented layout); an index there is kept
// by FTS5's own writes like any other. PostgreSQL: the table had only its trigram index.
const char *const migration26[] = {
    "sqlite: CREATE INDEX IF NOT EXISTS comment_search_ticket ON comment_search_content(c0)",
    "postgresql: CREATE INDEX IF NOT EXISTS comment_search_ticket ON comment_search(ticket_id)",
};

// Notices in the reader's language (issue 16): what a notice's sentence is made of (kind-specific
// params, runtime/noticetext.h) as JSON text. '{}' for the rows before it: their message stays
// their only text. Listed in number order, not at the end: latestVersion() is the last entry's.
const char *const migration27[] = {
    "ALTER TABLE notifications ADD COLUMN IF NOT EXISTS params TEXT NOT NULL DEFAULT '{}'",
};

// Sign-in changes heard at once by every server on the database (issue 20's session cache):
// one counter, raised by each logout and each change of a user in the same transaction or
// right after it. A server that caches sessions reads it on every request and forgets what it
// cached when it moved: one indexed row instead of the session and user join.
const char *const migration28[] = {
    "CREATE TABLE IF NOT EXISTS auth_epoch (id INTEGER PRIMARY KEY, epoch BIGINT NOT NULL)",
    "INSERT INTO auth_epoch (id, epoch) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM auth_epoch)",
};

// The tables written on every action keep their ids without AUTOINCREMENT (issue 20): with
// it, each insert also rewrites sqlite_sequence's page (0.84 WAL pages per commit). The ids
// stay unique: a new rowid is the highest + 1, and notifications and comments are never
// deleted, so their ids (which the API shows) are never given twice; timers' ids are internal
// and only order a round of due timers. The keyword is taken out of the stored CREATE TABLE
// text (SQLite's documented writable_schema procedure for a change that leaves the stored
// rows as they are: a rowid table is the same B-tree with or without it), so the migration
// takes no longer on a database of millions of rows; a table made later reads the new text.
// Creating and dropping a table moves the schema cookie, so that every connection reads the
// schema again. PostgreSQL's sequences have no such page.
const char *const migration25[] = {
    "sqlite: PRAGMA writable_schema = ON",
    "sqlite: UPDATE sqlite_master SET sql = replace(sql, 'INTEGER PRIMARY KEY AUTOINCREMENT', "
    "'INTEGER PRIMARY KEY') WHERE type = 'table' AND name IN ('timers', 'comments', "
    "'notifications')",
    // RESET also makes this connection read the schema again: without it a later migration's
    // ALTER TABLE … ADD COLUMN on these tables (27) spliced its column in at an offset of the
    // old text and left the table unreadable ("near TEXT: syntax error").
    "sqlite: PRAGMA writable_schema = RESET",
    "sqlite: CREATE TABLE migration25_schema_reread (x INTEGER)",
    "sqlite: DROP TABLE migration25_schema_reread",
    "sqlite: DELETE FROM sqlite_sequence WHERE name IN ('timers', 'comments', 'notifications')",
};

// The open tickets' search index (issue 16, SQLite; store/opensearch_p.h): one document per open
// ticket, its own text and its comments'. Built here from the indexed documents, after the
// waiting ones have moved in (migration 18's move).
const char *const migration29[] = {
    "sqlite: CREATE VIRTUAL TABLE IF NOT EXISTS open_search USING fts5(body, tokenize = "
    "'trigram')",
    "sqlite: CREATE TABLE IF NOT EXISTS open_search_stale (ticket_id INTEGER PRIMARY KEY)",
    "sqlite: INSERT OR REPLACE INTO ticket_search (rowid, body) SELECT ticket_id, body FROM "
    "ticket_search_pending",
    "sqlite: DELETE FROM ticket_search_pending",
    "sqlite: INSERT INTO comment_search (ticket_id, body) SELECT ticket_id, body FROM "
    "comment_search_pending ORDER BY id",
    "sqlite: DELETE FROM comment_search_pending",
    "sqlite: INSERT OR IGNORE INTO open_search_stale (ticket_id) SELECT id FROM tickets WHERE "
    "status = 'open'",
    BATON_OPEN_SEARCH_REBUILD("sqlite: "),
};

// Reports (issue 17, "waiting time in paused states apart"): the clock seconds a finished step
// spent in an `sla: pause` state (its whole stay: a step is one state's), 0 for any other, so
// that a report sums the waiting time beside the working times it leaves paused steps out of.
// The facts written before get it here from their own columns (the deriver computes the same
// for new facts and for the back-fill), not by queueing every ticket for the back-fill again.
// IF NOT EXISTS: tst_schema sets databases back by hand, as for migration 8.
const char *const migration30[] = {
    "ALTER TABLE step_facts ADD COLUMN IF NOT EXISTS paused_seconds BIGINT NOT NULL DEFAULT 0",
    "UPDATE step_facts SET paused_seconds = clock_seconds WHERE paused = 1",
};

// Reports on big data (issue 17): the step facts summed per quarter of an hour and key, and per
// UTC day and key (store/steprollup.h has why and how), kept by the writer from here on. The
// facts already there are summed by `baton serve` in the background, a day per transaction
// (report_backfills 'step_rollup' holds the first and last day left; reports read the facts
// until it is done). Once: tst_schema runs migrations again on a database set back by hand.
const char *const migration31[] = {
#define BATON_ROLLUP_TABLE(name)                                                                   \
    "CREATE TABLE IF NOT EXISTS " name " (bucket BIGINT NOT NULL, workflow TEXT NOT NULL, "        \
    "state TEXT NOT NULL, queue TEXT NOT NULL, department TEXT NOT NULL, assignee TEXT NOT "       \
    "NULL, tier TEXT NOT NULL, origin TEXT NOT NULL, steps BIGINT NOT NULL, paused_steps BIGINT "  \
    "NOT NULL, paused_seconds BIGINT NOT NULL, respond_due BIGINT NOT NULL, respond_met BIGINT "   \
    "NOT NULL, resolve_due BIGINT NOT NULL, resolve_met BIGINT NOT NULL, breached BIGINT NOT "     \
    "NULL, escalated BIGINT NOT NULL, transfers BIGINT NOT NULL, business_values TEXT NOT NULL, "  \
    "clock_values TEXT NOT NULL, PRIMARY KEY (bucket, workflow, state, queue, department, "        \
    "assignee, tier, origin)){without_rowid}"
    BATON_ROLLUP_TABLE("step_rollup"),
    BATON_ROLLUP_TABLE("step_rollup_daily"),
#undef BATON_ROLLUP_TABLE
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'step_rollup', "
    "first_day, last_day FROM (SELECT COALESCE(MIN(left_at), 0) / 86400000 AS first_day, "
    "COALESCE(MAX(left_at), 0) / 86400000 AS last_day FROM step_facts) facts WHERE NOT EXISTS "
    "(SELECT 1 FROM report_backfills WHERE name = 'step_rollup')",
};

// Terms of one or two characters found in the open tickets' index (issue 16, SQLite;
// store/opensearch_p.h): its documents end in two spaces, so every place such a term occurs
// begins a trigram, and its vocabulary is a table (fts5vocab) from which a search reads the
// trigrams that begin with the term. The documents written before are padded in the index's own
// content table, then the index is rebuilt from it (one pass: an UPDATE of the FTS5 table would
// take each document out of the index and put it back).
const char *const migration32[] = {
    "sqlite: CREATE VIRTUAL TABLE IF NOT EXISTS open_search_terms USING fts5vocab(open_search, "
    "'row')",
    "sqlite: UPDATE open_search_content SET c0 = c0 || '  ' WHERE substr(c0, -2) <> '  '",
    "sqlite: INSERT INTO open_search (open_search) VALUES ('rebuild')",
};

// Whose a failed delivery's last failure was (plugins issue, deliveryworker.h): 'channel' (the
// receiver could not be reached or was busy: the row waits for the channel, and is due at once
// when a delivery on it gets through), 'row' (the receiver refused this message: its own
// back-off). NULL: not failed, or failed before the column.
const char *const migration34[] = {
    "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS failure_kind TEXT",
};

// The daily level of the roll-up built off the write path (issue 17; store/steprollup.h): a UTC
// day is in step_rollup_daily once it is recorded here, compacted from its quarter hours after
// it has ended; the writer upserts the quarter hours only (and the daily rows of a recorded
// day). Until this version the writer kept both levels of every day: the days from the first
// to the last daily bucket are recorded as they are. Once (ON CONFLICT): tst_schema runs
// migrations again on a database set back by hand.
const char *const migration35[] = {
    "CREATE TABLE IF NOT EXISTS step_rollup_days (day BIGINT PRIMARY KEY)",
    "WITH RECURSIVE days(day) AS (SELECT MIN(bucket) FROM step_rollup_daily UNION ALL SELECT "
    "day + 1 FROM days WHERE day < (SELECT MAX(bucket) FROM step_rollup_daily)) INSERT INTO "
    "step_rollup_days (day) SELECT day FROM days WHERE day IS NOT NULL ON CONFLICT (day) DO "
    "NOTHING",
};

// Reports on big data (issue 17, store/reportcounts.h): closures and escalations counted per
// quarter hour and per UTC day and key, off the write path — `baton serve` counts each UTC day
// once it has ended, in the background; report_backfills 'report_counts' holds the first day
// not counted (reports read the facts from there on). Once: tst_schema runs migrations again.
const char *const migration36[] = {
    "CREATE TABLE IF NOT EXISTS report_counts (level SMALLINT NOT NULL, bucket BIGINT NOT NULL, "
    "workflow TEXT NOT NULL, state TEXT NOT NULL, queue TEXT NOT NULL, department TEXT NOT NULL, "
    "assignee TEXT NOT NULL, tier TEXT NOT NULL, origin TEXT NOT NULL, target TEXT NOT NULL, "
    "closed BIGINT NOT NULL, closures BIGINT NOT NULL, reopened BIGINT NOT NULL, first_contact "
    "BIGINT NOT NULL, bounced BIGINT NOT NULL, handoff_limit BIGINT NOT NULL, closure_escalated "
    "BIGINT NOT NULL, handoffs BIGINT NOT NULL, escalations BIGINT NOT NULL, PRIMARY KEY (level, "
    "bucket, workflow, state, queue, department, assignee, tier, origin, target)){without_rowid}",
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'report_counts', 0, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM report_backfills WHERE name = 'report_counts')",
};

// The flow report's transitions and the steps of parallel branches, counted beside migration
// 36's (store/reportcounts.h); every day is counted again to fill them.
const char *const migration37[] = {
    "CREATE TABLE IF NOT EXISTS report_transitions (level SMALLINT NOT NULL, bucket BIGINT NOT "
    "NULL, workflow TEXT NOT NULL, state TEXT NOT NULL, department TEXT NOT NULL, next_state TEXT "
    "NOT NULL, action TEXT NOT NULL, transitions BIGINT NOT NULL, branch_steps BIGINT NOT NULL, "
    "PRIMARY KEY (level, bucket, workflow, state, department, next_state, action)){without_rowid}",
    "UPDATE report_backfills SET next_ticket = 0 WHERE name = 'report_counts'",
};

// A user's own time zone (users.time_zone, an IANA name checked by UserDirectory; '' = the
// organisation's default, as before: the weekly summary's department calendar, quiet hours'
// UTC). Read first by the weekly summary and by quiet hours without a zone of their own; the
// web UI's reports default to it.
const char *const migration39[] = {
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS time_zone TEXT NOT NULL DEFAULT ''",
};

// The roll-up's rows without growing value lists, and a parallel state's branch steps apart
// from its own (issues 20 and 17; store/steprollup.h): `chunk` in the key (the writer appends to a
// chunk of a quarter hour and key until it holds about half a kilobyte of values, then starts
// another, so a commit group rewrites a small row instead of the quarter hour's whole list),
// `branch` (1: a branch's step) so that the flow report reads a state's own steps from the
// roll-up. The rows written before mix branch steps with the state's own, so both levels are
// summed again from the facts by `baton serve`'s back-fill (reports read the facts meanwhile).
// Again (tst_schema): the tables made anew and the back-fill queued again, the same result.
const char *const migration40[] = {
    "DROP TABLE IF EXISTS step_rollup",
    "DROP TABLE IF EXISTS step_rollup_daily",
    "DELETE FROM step_rollup_days",
#define BATON_ROLLUP_TABLE(name)                                                                   \
    "CREATE TABLE " name " (bucket BIGINT NOT NULL, workflow TEXT NOT NULL, state TEXT NOT NULL, " \
    "branch SMALLINT NOT NULL, queue TEXT NOT NULL, department TEXT NOT NULL, assignee TEXT NOT "  \
    "NULL, tier TEXT NOT NULL, origin TEXT NOT NULL, chunk BIGINT NOT NULL, steps BIGINT NOT "     \
    "NULL, paused_steps BIGINT NOT NULL, paused_seconds BIGINT NOT NULL, respond_due BIGINT NOT "  \
    "NULL, respond_met BIGINT NOT NULL, resolve_due BIGINT NOT NULL, resolve_met BIGINT NOT "      \
    "NULL, breached BIGINT NOT NULL, escalated BIGINT NOT NULL, transfers BIGINT NOT NULL, "       \
    "business_values TEXT NOT NULL, clock_values TEXT NOT NULL, PRIMARY KEY (bucket, workflow, "   \
    "state, branch, queue, department, assignee, tier, origin, chunk)){without_rowid}"
    BATON_ROLLUP_TABLE("step_rollup"),
    BATON_ROLLUP_TABLE("step_rollup_daily"),
#undef BATON_ROLLUP_TABLE
    "DELETE FROM report_backfills WHERE name = 'step_rollup'",
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'step_rollup', "
    "COALESCE(MIN(left_at), 0) / 86400000, COALESCE(MAX(left_at), 0) / 86400000 FROM step_facts",
};

// The report counts' record counts quarter hours (store/reportcounts.h): a quarter hour is
// counted once it has ended, no longer only a whole UTC day, so that a report reads no more
// than the current quarter hour from the facts. 'report_counts' held the first day not
// counted, 'report_quarters' holds the first quarter hour. Once: tst_schema runs migrations
// again on a database set back by hand.
const char *const migration41[] = {
    "INSERT INTO report_backfills (name, next_ticket, last_ticket) SELECT 'report_quarters', "
    "next_ticket * 96, 0 FROM report_backfills WHERE name = 'report_counts' AND NOT EXISTS "
    "(SELECT 1 FROM report_backfills WHERE name = 'report_quarters')",
    "DELETE FROM report_backfills WHERE name = 'report_counts'",
};

// The open tickets' search index on PostgreSQL (issue 16; store/opensearch_p.h): one document per
// open ticket, its own text and its comments', kept by the writer in the transaction of the
// ticket's change. pg_trgm cannot use its index for a term of one or two characters (every
// document was scanned: 2.8-3.6 s on 1,000,000 tickets), and a common word's whole set was read
// when a walk gave up (`%wedding%`, 266,000 documents: 10.9 s). Each open document therefore
// also holds its grams: every character and every pair of neighbouring characters that holds
// no white space (a term never does), in a GIN index; a term is the grams it is made of, and
// the text of the documents found is tested for the term itself. Built here from the indexed
// documents, the GIN index after (faster than keeping it during the copy); IF NOT EXISTS and
// ON CONFLICT: tst_schema runs migrations again on a database set back by hand.
const char *const migration43[] = {
    // Set-based (the characters as an array, each beside the next): a subquery per character
    // and DISTINCT cost 1.7 ms a document, this 0.2-0.3 ms (under a load of 15); GIN takes
    // each key once.
    "postgresql: CREATE OR REPLACE FUNCTION baton_search_grams(body TEXT) RETURNS TEXT[] "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT array_remove(a, '' '') || ARRAY(SELECT x || "
    "y FROM unnest(a, a[2:]) u(x, y) WHERE x <> '' '' AND y <> '' '') FROM "
    "regexp_split_to_array(regexp_replace(body, ''[[:space:]]'', '' '', ''g''), '''') a'",
    "postgresql: CREATE TABLE IF NOT EXISTS open_search (ticket_id BIGINT PRIMARY KEY, body TEXT "
    "NOT NULL, grams TEXT[] NOT NULL)",
    "postgresql: INSERT INTO open_search (ticket_id, body, grams) SELECT id, body, "
    "baton_search_grams(body) FROM (" BATON_OPEN_SEARCH_DOCUMENTS_PG_HEAD "SELECT id FROM tickets "
    "WHERE status = 'open')) documents ON CONFLICT (ticket_id) DO NOTHING",
    "postgresql: CREATE INDEX IF NOT EXISTS open_search_grams ON open_search USING gin (grams)",
};

// The grams of every search document on PostgreSQL (issue 16; migration 43's
// baton_search_grams, as an expression index: no column, so the tables are not rewritten): a
// term pg_trgm has no trigram of (one or two characters, or Chinese in the C locale) read as a
// set when a walk gives up was a scan of every document ("孙秀英" as an agent: 2.1-2.7 s on
// 1,000,000 tickets); its grams find it here.
const char *const migration44[] = {
    "postgresql: SET LOCAL maintenance_work_mem = '256MB'",
    "postgresql: CREATE INDEX IF NOT EXISTS ticket_search_grams ON ticket_search USING gin "
    "(baton_search_grams(body))",
    "postgresql: CREATE INDEX IF NOT EXISTS comment_search_grams ON comment_search USING gin "
    "(baton_search_grams(body))",
};

struct Migration
{
    int version;
    const char *const *begin;
    const char *const *end;
};

const Migration migrations[] = {
    {1, std::begin(migration1), std::end(migration1)},
    {2, std::begin(migration2), std::end(migration2)},
    {3, std::begin(migration3), std::end(migration3)},
    {4, std::begin(migration4), std::end(migration4)},
    {5, std::begin(migration5), std::end(migration5)},
    {6, std::begin(migration6), std::end(migration6)},
    {7, std::begin(migration7), std::end(migration7)},
    {8, std::begin(migration8), std::end(migration8)},
    {9, std::begin(migration9), std::end(migration9)},
    {10, std::begin(migration10), std::end(migration10)},
    {11, std::begin(migration11), std::end(migration11)},
    {12, std::begin(migration12), std::end(migration12)},
    {13, std::begin(migration13), std::end(migration13)},
    {14, std::begin(migration14), std::end(migration14)},
    {15, std::begin(migration15), std::end(migration15)},
    {16, std::begin(migration16), std::end(migration16)},
    {17, std::begin(migration17), std::end(migration17)},
    {18, std::begin(migration18), std::end(migration18)},
    {19, std::begin(migration19), std::end(migration19)},
    {20, std::begin(migration20), std::end(migration20)},
    {21, std::begin(migration21), std::end(migration21)},
    {22, std::begin(migration22), std::end(migration22)},
    {24, std::begin(migration24), std::end(migration24)},
    {25, std::begin(migration25), std::end(migration25)},
    {26, std::begin(migration26), std::end(migration26)},
    {27, std::begin(migration27), std::end(migration27)},
    {28, std::begin(migration28), std::end(migration28)},
    {29, std::begin(migration29), std::end(migration29)},
    {30, std::begin(migration30), std::end(migration30)},
    {31, std::begin(migration31), std::end(migration31)},
    {32, std::begin(migration32), std::end(migration32)},
    {34, std::begin(migration34), std::end(migration34)},
    {35, std::begin(migration35), std::end(migration35)},
    {36, std::begin(migration36), std::end(migration36)},
    {37, std::begin(migration37), std::end(migration37)},
    {39, std::begin(migration39), std::end(migration39)},
    {40, std::begin(migration40), std::end(migration40)},
    {41, std::begin(migration41), std::end(migration41)},
    {43, std::begin(migration43), std::end(migration43)},
    {44, std::begin(migration44), std::end(migration44)},
};

// The statement as this database spells it; empty when it applies to the other database only
// (prefix "postgresql: " or "sqlite: ").
QString spell(const char *sql, bool sqlite)
{
    QString text = QString::fromUtf8(sql);
    if (text.startsWith(u"postgresql: "))
        return sqlite ? QString() : text.mid(12);
    if (text.startsWith(u"sqlite: "))
        return sqlite ? text.mid(8) : QString();
    text.replace(QStringLiteral("{serial}"),
                 sqlite ? QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT")
                        : QStringLiteral("BIGSERIAL PRIMARY KEY"));
    // SQLite: the table is its primary key's B-tree, one fewer for the writer to update.
    text.replace(QStringLiteral("{without_rowid}"),
                 sqlite ? QStringLiteral(" WITHOUT ROWID") : QString());
    return text;
}

// SQLite has no ADD COLUMN IF NOT EXISTS: the clause is dropped, and the statement skipped when
// the table has the column already.
QString addColumnOnce(const QSqlDatabase &db, const QString &sql)
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(^ALTER TABLE (\w+) ADD COLUMN IF NOT EXISTS (\w+) )"));
    const QRegularExpressionMatch match = pattern.match(sql);
    if (!match.hasMatch())
        return sql;
    if (db.record(match.captured(1)).contains(match.captured(2)))
        return QString();
    return QString(sql).remove(QStringLiteral("IF NOT EXISTS "));
}

Result<void> ensureMigrationsTable(const QSqlDatabase &db)
{
    auto result = runQuery(db,
                           QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                          "version INTEGER PRIMARY KEY, "
                                          "applied_at BIGINT NOT NULL)"));
    if (!result)
        return result.failure();
    return {};
}

// Whether a migration is recorded: a database may hold a higher one without it (migrations of
// branches merged in another order, see migration12).
Result<bool> isApplied(const QSqlDatabase &db, int version)
{
    auto query = runQuery(db, QStringLiteral("SELECT 1 FROM schema_migrations WHERE version = ?"),
                          {version});
    if (!query)
        return query.failure();
    return query->next();
}

Result<int> readVersion(const QSqlDatabase &db)
{
    auto query
        = runQuery(db, QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    if (!query)
        return query.failure();
    if (!query->next())
        return 0;
    return query->value(0).toInt();
}

} // namespace

int Schema::latestVersion()
{
    // The highest number, wherever it sits: a list merged out of order must not make a database
    // that has every migration look newer than this binary.
    return std::max_element(
               std::begin(migrations), std::end(migrations),
               [](const Migration &a, const Migration &b) { return a.version < b.version; })
        ->version;
}

Result<int> Schema::currentVersion(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    if (!db->tables().contains(QStringLiteral("schema_migrations")))
        return 0;
    return readVersion(*db);
}

Result<int> Schema::migrate(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    if (auto made = ensureMigrationsTable(*db); !made)
        return made.failure();
    int reached = 0;
    for (const Migration &migration : migrations) {
        Transaction transaction(*db);
        if (!transaction.isActive())
            return makeError(QStringLiteral("database error: %1").arg(transaction.error()));
        if (database.isPostgreSql()) {
            // Serialises concurrent `baton migrate` runs; released at commit.
            auto locked = runQuery(*db, QStringLiteral("SELECT pg_advisory_xact_lock(7201)"));
            if (!locked)
                return locked.failure();
        }
        // Read inside the transaction: another process may have migrated meanwhile.
        auto current = readVersion(*db);
        if (!current)
            return current;
        auto applied = isApplied(*db, migration.version);
        if (!applied)
            return applied.failure();
        if (*applied) {
            reached = std::max(reached, current.value());
            continue;
        }
        for (auto statement = migration.begin; statement != migration.end; ++statement) {
            QString sql = spell(*statement, database.isSqlite());
            if (database.isSqlite())
                sql = addColumnOnce(*db, sql);
            if (sql.isEmpty())
                continue;
            auto result = runQuery(*db, sql);
            if (!result)
                return makeError(QStringLiteral("migration %1 failed: %2")
                                     .arg(migration.version)
                                     .arg(result.error()));
        }
        auto recorded
            = runQuery(*db,
                       QStringLiteral("INSERT INTO schema_migrations (version, applied_at) "
                                      "VALUES (?, ?)"),
                       {migration.version, QDateTime::currentMSecsSinceEpoch()});
        if (!recorded)
            return recorded.failure();
        if (auto committed = transaction.commit(); !committed)
            return committed.failure();
        qCDebug(lcStore) << "applied schema migration" << migration.version;
        reached = std::max(reached, migration.version);
    }
    return reached;
}

Result<QList<int>> Schema::appliedVersions(Database &database)
{
    auto db = database.connection();
    if (!db)
        return db.failure();
    QList<int> applied;
    if (!db->tables().contains(QStringLiteral("schema_migrations")))
        return applied;
    auto query = runQuery(*db,
                          QStringLiteral("SELECT version FROM schema_migrations ORDER BY "
                                         "version"));
    if (!query)
        return query.failure();
    while (query->next())
        applied.append(query->value(0).toInt());
    return applied;
}

QList<Schema::Pending> Schema::pending(const QList<int> &applied, bool sqlite)
{
    QList<Pending> list;
    for (const Migration &migration : migrations) {
        if (applied.contains(migration.version))
            continue;
        Pending next;
        next.version = migration.version;
        for (auto statement = migration.begin; statement != migration.end; ++statement)
            if (const QString sql = spell(*statement, sqlite); !sql.isEmpty())
                next.statements.append(sql);
        list.append(next);
    }
    return list;
}

} // namespace Baton

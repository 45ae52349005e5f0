#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# to-postgresql.sh SQLITE_FILE PSQL_CONNINFO [BATON]: a generated big database (bench_bigdb)
# copied into an empty PostgreSQL database, so that bench_bigdb --db URL measures PostgreSQL on
# the same tickets (issue 16: search at 1,000,000 tickets on both drivers).
#
# The PostgreSQL database is first migrated by `baton migrate` (this build's schema, pg_trgm
# included); then every table both stores have is copied with COPY, the columns they share, in
# chunks of CHUNK rows with a progress line. The search documents come from FTS5's content
# tables (ticket_search_content, comment_search_content); the GIN trigram indexes are dropped
# before and built again after, which is many times faster than keeping them during the copy.
# Tables in SKIP (default: events and step facts, which the search bench does not read) are
# left empty. The SQLite file is opened read-only and immutable: it is never written.
#
#   PGCONN='host=/dir port=18301 user=postgres dbname=baton'
#   tests/bench/bigdb/to-postgresql.sh big.sqlite "$PGCONN" build/baton
#   build/bench-bin/bench_bigdb OUT --search-only --db 'postgresql://postgres@/baton?host=/dir&port=18301'
set -eu
src=$1
conn=$2
baton=${3:-build/baton}
chunk=${CHUNK:-200000}
skip=${SKIP:-"events step_facts step_rollup step_rollup_daily report_backfills"}
sqlite="sqlite3 -readonly -csv file:$src?immutable=1"
pg() { psql -X -q -v ON_ERROR_STOP=1 -At "$conn" "$@"; }

url=$(pg -c "SELECT 'postgresql://' || current_user || '@/' || current_database() || '?host=' ||
  current_setting('unix_socket_directories') || '&port=' || current_setting('port')")
"$baton" migrate --db "$url"

# The search documents' trigram and gram indexes (migration 44) are built after the copy.
pg -c "DROP INDEX IF EXISTS ticket_search_body; DROP INDEX IF EXISTS comment_search_body" \
    -c "DROP INDEX IF EXISTS ticket_search_grams; DROP INDEX IF EXISTS comment_search_grams"

# copy TABLE COLUMNS SELECT: the rows SELECT reads from SQLite into TABLE(COLUMNS), a chunk of
# rows at a time (by rowid, so that each chunk is an index range).
copy() {
    table=$1 columns=$2 select=$3 from=$4
    if ! $sqlite "SELECT rowid FROM $from LIMIT 0" 2>/dev/null; then # WITHOUT ROWID: whole
        $sqlite "SELECT $select FROM $from" |
            pg -c "SET session_replication_role = replica" \
                -c "\\copy $table ($columns) FROM STDIN WITH (FORMAT csv)"
        printf '  %-28s whole\n' "$table" >&2
        return
    fi
    last=$($sqlite "SELECT COALESCE(MAX(rowid), 0) FROM $from")
    start=0
    while [ "$start" -lt "$last" ]; do
        end=$((start + chunk))
        $sqlite "SELECT $select FROM $from WHERE rowid > $start AND rowid <= $end" |
            pg -c "SET session_replication_role = replica" \
                -c "\\copy $table ($columns) FROM STDIN WITH (FORMAT csv)"
        printf '  %-28s %10s of %s\n' "$table" "$((end < last ? end : last))" "$last" >&2
        start=$end
    done
}

for table in $(pg -c "SELECT table_name FROM information_schema.tables WHERE table_schema =
                      'public' AND table_type = 'BASE TABLE' ORDER BY table_name"); do
    case " $skip schema_migrations " in *" $table "*) continue ;; esac
    # FROM=TABLE: resume a copy that stopped, at TABLE (the tables go in name order).
    if [ -n "${FROM:-}" ] && [ "$table" \< "$FROM" ]; then continue; fi
    case $table in
    open_search) continue ;; # built after (migration 43)
    ticket_search)
        pg -c "DELETE FROM ticket_search"
        copy ticket_search "ticket_id, body" "rowid, c0" ticket_search_content
        continue ;;
    comment_search)
        pg -c "DELETE FROM comment_search"
        copy comment_search "ticket_id, body" "c0, c1" comment_search_content
        continue ;;
    esac
    # The columns both have, in SQLite's order.
    pgcolumns=$(pg -c "SELECT column_name FROM information_schema.columns WHERE table_schema =
                       'public' AND table_name = '$table'")
    columns=""
    for column in $($sqlite "SELECT name FROM pragma_table_info('$table')"); do
        if printf '%s\n' "$pgcolumns" | grep -qx "$column"; then
            columns="${columns:+$columns, }$column"
        fi
    done
    [ -n "$columns" ] || continue
    [ "$($sqlite "SELECT EXISTS (SELECT 1 FROM $table)")" = 1 ] || continue
    # Rows a migration wrote go (the copy brings its own); DELETE, as TRUNCATE refuses a table
    # other tables refer to.
    pg -c "SET session_replication_role = replica" -c "DELETE FROM $table"
    copy "$table" "$columns" "$columns" "$table"
done

echo "  building the trigram indexes" >&2
pg -c "SET maintenance_work_mem = '1GB'" \
    -c "CREATE INDEX ticket_search_body ON ticket_search USING gin (body gin_trgm_ops)" \
    -c "CREATE INDEX comment_search_body ON comment_search USING gin (body gin_trgm_ops)"
# The open tickets' index and the gram indexes (migrations 43, 44) from the documents copied:
# those migrations again, by the same statements.
echo "  building the open tickets' index and the gram indexes" >&2
pg -c "DROP TABLE IF EXISTS open_search" -c "DELETE FROM schema_migrations WHERE version IN (43, 44)"
"$baton" migrate --db "$url"
# Sequences after the ids copied.
pg -c "SELECT setval(pg_get_serial_sequence(quote_ident(table_name), column_name),
         GREATEST((xpath('/row/m/text()', query_to_xml(format('SELECT MAX(%I) AS m FROM %I',
         column_name, table_name), false, true, '')))[1]::text::bigint, 1))
       FROM information_schema.columns WHERE table_schema = 'public'
       AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL" >/dev/null
pg -c "VACUUM ANALYZE"
echo "  done" >&2

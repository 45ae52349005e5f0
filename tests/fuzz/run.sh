#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the fuzz targets built from tests/fuzz/CMakeLists.txt.
#   run.sh replay BINDIR [TARGET...]        each target once over its seeds and regressions
#   run.sh fuzz BINDIR SECONDS [TARGET...]  fuzz each target for SECONDS (one process, one core)
# New corpus entries go to BINDIR/corpus/TARGET, crashes to BINDIR/artifacts/TARGET/; copy a
# crash into tests/fuzz/TARGET/regressions/ to keep it replayed for good. Exits non-zero on the
# first target that crashes, hangs (> FUZZ_TIMEOUT s per input) or exceeds FUZZ_RSS_MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:?mode: replay or fuzz}
bindir=${2:?build folder}
shift 2
seconds=0
if [ "$mode" = fuzz ]; then
    seconds=${1:?seconds per target}
    shift
fi
targets=${*:-yaml_workflow calendar_parse duration json_request condition}
timeout=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-1024}

# Seeds: the target's own corpus, its regressions, and real files where the input is a file.
seeds() {
    echo "$here/$1/corpus"
    [ -d "$here/$1/regressions" ] && echo "$here/$1/regressions"
    if [ "$1" = yaml_workflow ]; then
        echo "$root/tests/fixtures/good" "$root/tests/fixtures/bad" "$root/workflows"
    fi
    return 0
}

for target in $targets; do
    binary="$bindir/fuzz_$target"
    [ -x "$binary" ] || { echo "missing $binary (build it first)" >&2; exit 2; }
    dict=""
    for d in "$here/$target"/*.dict; do [ -f "$d" ] && dict="-dict=$d"; done
    case $mode in
    replay)
        echo "== replay $target"
        # shellcheck disable=SC2046
        "$binary" -runs=0 -timeout="$timeout" -rss_limit_mb="$rss" \
            -artifact_prefix="$bindir/replay-$target-" $(seeds "$target") \
            >"$bindir/replay-$target.log" 2>&1 \
            || { tail -n 40 "$bindir/replay-$target.log"; echo "replay of $target FAILED" >&2; exit 1; }
        tail -n 1 "$bindir/replay-$target.log"
        ;;
    fuzz)
        echo "== fuzz $target for ${seconds}s"
        mkdir -p "$bindir/corpus/$target" "$bindir/artifacts/$target"
        # shellcheck disable=SC2046
        "$binary" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
            -artifact_prefix="$bindir/artifacts/$target/" -print_final_stats=1 $dict \
            "$bindir/corpus/$target" $(seeds "$target") >"$bindir/fuzz-$target.log" 2>&1 || {
            tail -n 60 "$bindir/fuzz-$target.log"
            echo "fuzzing $target FAILED; reproducer(s):" >&2
            ls -1 "$bindir/artifacts/$target/" >&2
            exit 1
        }
        grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$bindir/fuzz-$target.log" || true
        ;;
    *)
        echo "unknown mode $mode" >&2
        exit 2
        ;;
    esac
done

# common.bash - sourced by the experiment tests (tests/experiments/*.sh):
# the hakmem program, a scratch directory that is the working directory
# (so generated traces go to its results/traces), small traces, and a dump
# of a results database that equal experiments print alike.
#
# Exit status of a test: 0 pass, 1 fail, 77 skip (the last line says why).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
hakmem=$root/build/hakmem

# skip REASON...: the test cannot run here.
skip() {
    echo "SKIP: $*"
    exit 77
}

# fail REASON...: the test failed.
fail() {
    echo "FAIL: $*"
    exit 1
}

# require PROGRAM...: skip unless every PROGRAM is installed.
require() {
    local program
    for program; do
        command -v "$program" >/dev/null || skip "$program is not installed"
    done
}

[[ -x $hakmem && -x $root/build/libexec/hakmem-sweep ]] ||
    fail "build/hakmem and build/libexec/hakmem-sweep are not built"
require sqlite3
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-experiments.XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT
cd "$scratch"

# The traces of the tests: single-threaded, a few thousand events each.
small_traces='[
    {"name": "mixed", "gen": ["random_mixed", "20000", "1024", "1"]},
    {"name": "phases", "gen": ["phases", "--peak", "3000", "--low-pct", "0",
                               "--cycles", "3", "--large-pct", "0",
                               "--max-size", "1024"]}
]'

# count DB SQL: the single number a query prints.
count() {
    sqlite3 -cmd '.timeout 5000' "$1" "$2"
}

# kill_once_stored DB N COMMAND...: run COMMAND (its stdout dropped, its
# stderr into killed.err) and SIGKILL it once DB holds N runs; prints how
# many it holds then, and fails if the command finished before the kill.
kill_once_stored() {
    local db=$1 want=$2 stored=0 pid
    shift 2
    "$@" >/dev/null 2>killed.err &
    pid=$!
    for _ in $(seq 2000); do
        stored=$(count "$db" "SELECT count(*) FROM runs" 2>/dev/null ||
            echo 0)
        ((stored >= want)) && break
        sleep 0.01
    done
    kill -KILL "$pid" 2>/dev/null || true
    # Said on stderr: the caller takes stdout, and its errexit stops it.
    wait "$pid" && fail "$* finished before it could be killed" >&2
    count "$db" "SELECT count(*) FROM runs"
}

# dump DB: every run on one line, sorted by point key: the columns of runs
# but the run id and the provenance (version, host, started_at), then the
# params and the metrics, values exact.
dump() {
    sqlite3 -cmd '.timeout 5000' "$1" "
        SELECT r.point_key, r.spec, r.trace, r.trace_checksum, r.backend,
               r.allocator, r.rep, r.baseline,
               (SELECT group_concat(name || '=' || value, ',') FROM
                  (SELECT name, value FROM params p
                   WHERE p.run_id = r.run_id ORDER BY name)),
               (SELECT group_concat(name || '=' || v, ',') FROM
                  (SELECT name, printf('%.17g', value) AS v FROM metrics m
                   WHERE m.run_id = r.run_id ORDER BY name))
        FROM runs r ORDER BY r.point_key"
}

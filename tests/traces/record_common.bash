# record_common.bash - sourced by the tests of `hakmem record`
# (tests/traces/record*.sh), from the repository root.
#
# Sets $hakmem (${HAKMEM:-build/hakmem}, absolute) and the scratch
# directory $tmp (removed at exit); fails the test at once when hakmem or
# the recorder is not built.  Failures are counted with `fail`; a test
# ends with `finish`, which exits 1 if anything failed.

hakmem=$(realpath -e -- "${HAKMEM:-build/hakmem}" 2>/dev/null) || {
    echo "FAIL: ${HAKMEM:-build/hakmem} is not built"
    exit 1
}
if [[ ! -r $(dirname "$hakmem")/libhakmem-record.so ]]; then
    echo "FAIL: $(dirname "$hakmem")/libhakmem-record.so is not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-record.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
failures=0
# The suite's own settings are not the recorded programs' business.
unset HAKMEM_LIB HAKMEM_TEST_TIMEOUT HAKMEM_TEST_PEER

fail() {
    echo "FAIL: $*"
    ((failures++))
}

finish() {
    echo "$failures failed"
    ((failures == 0))
}

# json_num KEY: the first number under "KEY" in the JSON on stdin.
json_num() {
    grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

# check_trace TRACE: `trace info`, `sim` and `replay` accept it, and the
# objects live at the end of both replays are those trace info counts.
check_trace() {
    local trace=$1 out live sim replay
    if ! out=$("$hakmem" trace info --json "$trace" 2>&1); then
        fail "$trace: trace info: $out"
        return 1
    fi
    live=$(json_num live_objects <<<"$out")
    if ! out=$("$hakmem" sim "$trace" 2>&1); then
        fail "$trace: sim: $(tail -c 300 <<<"$out")"
        return 1
    fi
    sim=$(json_num live_objects_end <<<"$out")
    if ! out=$("$hakmem" replay "$trace" 2>&1); then
        fail "$trace: replay: $(tail -c 300 <<<"$out")"
        return 1
    fi
    replay=$(json_num live_objects_end <<<"$out")
    if [[ -z $live || $sim != "$live" || $replay != "$live" ]]; then
        fail "$trace: live at end: trace info '$live', sim '$sim'," \
            "replay '$replay'"
        return 1
    fi
}

# info_num TRACE KEY: a number of `trace info --json TRACE`.
info_num() {
    "$hakmem" trace info --json "$1" | json_num "$2"
}

# program_of TRACE: the program description `trace info` prints.
program_of() {
    "$hakmem" trace info "$1" | sed -n 's/^program  *//p'
}

# complete TRACE: the trace is not cut short (the process exited, no
# event is missing).
complete() {
    local program
    program=$(program_of "$1")
    [[ $program != *"[cut short: "* ]] || fail "$1: $program"
}

# record_both NAME COMMAND...: runs COMMAND plainly in $tmp/NAME.plain and
# under `hakmem record -o $tmp/NAME/trace` in $tmp/NAME; both must exit
# with the same status and print the same stdout and stderr (less the
# recorder's summary lines).  Sets $status to the exit status; returns 1
# (and fails the test) when the runs differ.
record_both() {
    local name=$1 plain_status
    shift
    mkdir -p "$tmp/$name.plain" "$tmp/$name"
    # (The braces keep bash's "Killed" notice out of the test's output.)
    { (cd "$tmp/$name.plain" && exec "$@") >"$tmp/$name.plain.out" \
        2>"$tmp/$name.plain.err"; } 2>/dev/null
    plain_status=$?
    (cd "$tmp/$name" && exec "$hakmem" record -o "$tmp/$name/trace" -- "$@") \
        >"$tmp/$name.out" 2>"$tmp/$name.err"
    status=$?
    grep -v '^hakmem record: ' "$tmp/$name.err" >"$tmp/$name.err.program"
    if ((status != plain_status)); then
        fail "$name: exit status $status recorded, $plain_status plain:" \
            "$(tail -n 5 "$tmp/$name.err")"
        return 1
    fi
    if ! cmp -s "$tmp/$name.plain.out" "$tmp/$name.out"; then
        fail "$name: stdout differs:" \
            "$(diff "$tmp/$name.plain.out" "$tmp/$name.out" | head -n 6)"
        return 1
    fi
    if ! cmp -s "$tmp/$name.plain.err" "$tmp/$name.err.program"; then
        fail "$name: stderr differs:" \
            "$(diff "$tmp/$name.plain.err" "$tmp/$name.err.program" |
                head -n 6)"
        return 1
    fi
    echo "ok $name: same output and exit status ($status) recorded"
}

# check_all NAME: check_trace on every trace record_both NAME made
# (trace and trace.d/*.trace); fails if there is none, or a raw file was
# left behind, or trace.d/ was left empty.
check_all() {
    local name=$1 trace n=0
    for trace in "$tmp/$name"/trace "$tmp/$name"/trace.d/*.trace; do
        [[ -e $trace ]] || continue
        check_trace "$trace" && ((n++))
    done
    ((n > 0)) || fail "$name: no trace"
    if compgen -G "$tmp/$name/trace.d/trace.raw.*" >/dev/null; then
        fail "$name: raw files left behind: $(ls "$tmp/$name/trace.d")"
    fi
    if [[ -d $tmp/$name/trace.d ]] && ! compgen -G "$tmp/$name/trace.d/*" \
        >/dev/null; then
        fail "$name: trace.d/ left empty"
    fi
    echo "ok $name: $n traces pass trace info, sim and replay"
}

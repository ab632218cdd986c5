#!/usr/bin/env bash
# threads.sh - `hakmem replay` on real threads, and `hakmem compare`.
#
# A larson trace (41 trace threads) replays on hakmem and on the system
# malloc, plainly and with a peer allocator preloaded: exit status 0, every
# event replayed, as many objects live at the end as `hakmem trace info`
# counts, more than one OS thread; on hakmem, fewer than 10 voluntary
# context switches per trace thread (a thread whose turn is far off is
# woken once, where polling for it slept 30 times and more each).  A
# hand-made trace whose threads hand objects to one another, the
# receivers' events early in the trace
# (tests/replay/make_cross.c), replays 50 times under a timeout, with no
# deadlock and no crash.  A replay whose threads cannot all be made (a
# small address-space limit) fails with a message, within 10 s.  The
# trace's variant that frees an id never allocated, and
# a truncated trace, are refused with "FILE: byte N: what" before anything
# runs.  `hakmem compare --runs 1` lists all five allocators.
#
# Prints FAIL lines for what went wrong; exits 1 if anything did, else 0.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=build/hakmem
for f in "$hakmem" build/libexec/hakmem-replay build/libexec/hakmem-compare \
    build/tests/make_cross; do
    if [[ ! -x $f ]]; then
        echo "FAIL: $f is not built"
        exit 1
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/replay-threads.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    ((failures++))
}

# number KEY JSON: the first number after "KEY": in JSON.
number() {
    grep -o "\"$1\":[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2
}

# The OS threads of a replay: the top-level "threads", which comes after
# the trace object's own "threads".
os_threads() {
    grep -o '"threads":[0-9]*,"wall_s"' <<<"$1" | grep -o '[0-9][0-9]*'
}

# replay_ok LABEL TRACE MIN_THREADS COMMAND...: COMMAND TRACE exits with 0
# within 20 s, having replayed every event of TRACE on at least
# MIN_THREADS OS threads, with the objects live at the end that trace info
# counts.
replay_ok() {
    local label=$1 trace=$2 min_threads=$3 out status info
    shift 3
    out=$(timeout 20 "$@" "$trace" 2>"$tmp/err")
    status=$?
    if ((status != 0)); then
        fail "$label: exit status $status: $(tail -n 3 "$tmp/err")"
        return 1
    fi
    info=$("$hakmem" trace info --json "$trace")
    local want_events want_live events live threads
    want_events=$(number events "$info")
    want_live=$(number live_objects "$info")
    events=$(number events "$out")
    live=$(number live_objects_end "$out")
    threads=$(os_threads "$out")
    if [[ $events != "$want_events" ]]; then
        fail "$label: $events events replayed, the trace has $want_events"
    elif [[ $live != "$want_live" ]]; then
        fail "$label: $live objects live at the end, trace info says $want_live"
    elif ! ((${threads:-0} >= min_threads)); then
        fail "$label: ran on ${threads:-no} OS threads, expected >= $min_threads"
    elif [[ $(number failed_allocations "$out") != 0 ]]; then
        fail "$label: allocations failed"
    else
        return 0
    fi
    return 1
}

# refused LABEL PATTERN COMMAND...: COMMAND exits with 1 within 10 s and
# its stderr matches the extended regex PATTERN.
refused() {
    local label=$1 pattern=$2 status
    shift 2
    timeout 10 "$@" >/dev/null 2>"$tmp/err"
    status=$?
    if ((status != 1)); then
        fail "$label: exit status $status, expected 1"
    elif ! grep -qE -- "$pattern" "$tmp/err"; then
        fail "$label: stderr lacks /$pattern/: $(head -n 1 "$tmp/err")"
    fi
}

peer=
for lib in libmimalloc.so.2 libjemalloc.so.2 libtcmalloc_minimal.so.4; do
    if [[ -f /usr/lib/x86_64-linux-gnu/$lib ]]; then
        peer=/usr/lib/x86_64-linux-gnu/$lib
        break
    fi
done

# -- larson, 4 lanes of 10 rounds: 41 trace threads
larson=$tmp/larson.trace
"$hakmem" trace gen larson --threads 4 --rounds 10 -o "$larson" || exit 1
replay_ok "larson on hakmem" "$larson" 2 "$hakmem" replay --allocator hakmem
out=$(timeout 20 "$hakmem" replay --allocator hakmem "$larson" 2>/dev/null)
waited=$(grep -o '"context_switches":{"voluntary":[0-9]*' <<<"$out" |
    grep -o '[0-9]*$')
if [[ -z $waited ]]; then
    fail "larson on hakmem: no voluntary context switches reported"
elif ((waited >= 10 * 41)); then
    fail "larson on hakmem: $waited voluntary context switches for 41 threads"
fi
replay_ok "larson on glibc" "$larson" 2 "$hakmem" replay --allocator system
if [[ -n $peer ]]; then
    replay_ok "larson on $peer" "$larson" 2 \
        env LD_PRELOAD="$peer" "$hakmem" replay --allocator system
else
    echo "note: no peer allocator installed; the preloaded replay is left out"
fi

# -- hand-over between threads, 50 times
cross=$tmp/cross.trace
build/tests/make_cross "$cross" || exit 1
for ((i = 0; i < 50; i++)); do
    case $((i % 4)) in
    0) args=(--allocator hakmem) ;;
    1) args=(--allocator system) ;;
    2) args=(--allocator hakmem --set touch=all) ;;
    3) args=(--allocator system --set touch=all) ;;
    esac
    replay_ok "cross-thread trace, run $i (${args[*]})" "$cross" 3 \
        "$hakmem" replay "${args[@]}" || break
done

# -- a replay that cannot make all its threads (address space for 20 of
# 401 stacks) says so and ends, the threads made so far, waiting for
# their turns, released
"$hakmem" trace gen larson --threads 4 --rounds 100 --iters 10 --slots 10 \
    -o "$tmp/many.trace" >/dev/null || exit 1
for a in hakmem system; do
    refused "too many threads ($a)" "cannot start a thread for trace thread" \
        bash -c 'ulimit -v 200000 && exec "$@"' _ "$hakmem" replay \
        --allocator $a "$tmp/many.trace"
done

# -- traces that cannot be replayed
build/tests/make_cross --orphan "$tmp/orphan.trace" || exit 1
for a in hakmem system; do
    refused "free of an unknown id ($a)" \
        "^hakmem replay: $tmp/orphan.trace: byte [0-9]+: free of unknown id 424242\$" \
        "$hakmem" replay --allocator $a "$tmp/orphan.trace"
done
head -c $(($(stat -c %s "$larson") / 2)) "$larson" >"$tmp/cut.trace"
for args in "--allocator hakmem" "--allocator system" "--serial"; do
    # shellcheck disable=SC2086
    refused "truncated trace ($args)" \
        "^hakmem replay: $tmp/cut.trace: byte [0-9]+: truncated" \
        "$hakmem" replay $args "$tmp/cut.trace"
done

# -- usage errors
"$hakmem" replay --serial --allocator system "$cross" 2>/dev/null
(($? == 2)) || fail "--serial --allocator system is not a usage error"
"$hakmem" compare --runs 0 "$cross" 2>/dev/null
(($? == 2)) || fail "compare --runs 0 is not a usage error"

# -- compare: five rows, hakmem preloaded like the peers, its ratio to
# itself 1.00, and its parameters passed on as HAKMEM_* variables
out=$(timeout 30 "$hakmem" compare --runs 1 "$cross" 2>"$tmp/err")
status=$?
((status == 0)) || fail "compare: exit status $status: $(tail -n 3 "$tmp/err")"
for a in hakmem glibc mimalloc jemalloc tcmalloc; do
    grep -q "^$a " <<<"$out" || fail "compare: no row for $a"
done
grep -qE '^hakmem +[0-9.]+ +[0-9.]+ +1\.00 .*LD_PRELOAD=.*libhakmem\.so' \
    <<<"$out" || fail "compare: the hakmem row is not 'ratio 1.00, preloaded'"
out=$(timeout 30 "$hakmem" compare --runs 1 --json --set lru_cap=0 \
    --set touch=first "$cross" 2>/dev/null)
grep -q '"environment":\["HAKMEM_LRU_CAP=0"\]' <<<"$out" ||
    fail "compare: --set lru_cap=0 is not HAKMEM_LRU_CAP=0 for libhakmem.so"
json=$(timeout 30 "$hakmem" compare --runs 1 --json "$cross" 2>/dev/null)
[[ $(grep -o '"name":' <<<"$json" | wc -l) == 5 ]] ||
    fail "compare --json: not five allocators"

if ((failures > 0)); then
    echo "$failures failure(s)"
    exit 1
fi
echo "all passed"
exit 0

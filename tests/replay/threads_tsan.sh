#!/usr/bin/env bash
# threads_tsan.sh - the threaded replay engine under ThreadSanitizer
# (build/tests/replay_tsan: `hakmem replay` built with -fsanitize=thread):
# a larson trace of 41 trace threads, each starting when the op before
# its first is done and the threads that ended before it have parked
# their heaps, and a trace whose threads hand objects to one another
# (tests/replay/make_cross.c), on hakmem and on the system malloc, replay
# with exit status 0, every event replayed, and no report.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
source tests/lib.bash

replay=build/tests/replay_tsan
for f in "$replay" build/hakmem build/tests/make_cross; do
    [[ -x $f ]] || { echo "FAIL: $f is not built"; exit 1; }
done
build/hakmem trace gen larson --threads 4 --rounds 10 --iters 200 \
    -o "$tmp/larson.hkt" >/dev/null || fail "trace gen larson"
build/tests/make_cross "$tmp/cross.hkt" || fail "make_cross"

# clean LABEL TRACE ARGS...: the replay exits with 0, reports every event
# of TRACE, and ThreadSanitizer reported nothing.
clean() {
    local label=$1 trace=$2 out status want
    shift 2
    out=$(timeout 120 "$replay" "$@" "$trace" 2>"$tmp/err")
    status=$?
    want=$(json_value events "$(build/hakmem trace info --json "$trace")")
    if ((status != 0)); then
        fail "$label: exit status $status: $(grep -m 1 -e WARNING -e error "$tmp/err")"
    elif grep -q ThreadSanitizer "$tmp/err"; then
        fail "$label: $(grep -m 1 ThreadSanitizer "$tmp/err")"
    elif [[ $(json_value events "$out") != "$want" ]]; then
        fail "$label: $(json_value events "$out") events replayed of $want"
    fi
}

for allocator in hakmem system; do
    clean "larson on $allocator" "$tmp/larson.hkt" --allocator $allocator
    for ((i = 0; i < 3; i++)); do
        clean "cross-thread trace on $allocator, run $i" "$tmp/cross.hkt" \
            --allocator $allocator
    done
done
exit $((failures > 0))

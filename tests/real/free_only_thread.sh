#!/usr/bin/env bash
# A thread that only frees (free_only_thread.c) gets a heap: every one of
# its frees is counted as a remote free of the 64-byte class, sent home
# from its front (the last ones once malloc_trim empties its parked heap),
# and none is lost.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib.bash
n=100000
out=$(HAKMEM_STATS=1 LD_PRELOAD="$(realpath "${HAKMEM_LIB:-build/libhakmem.so}")" \
    build/tests/free_only_thread $n 2>&1) || fail "free_only_thread exited with $?"
grep -q "^ok: $n blocks" <<<"$out" || fail "no ok line: $(head -n 3 <<<"$out")"
line=$(grep -E '^hakmem class +[0-9]+ size +64 ' <<<"$out" || true)
remote=$(grep -o 'remote_frees=[0-9]*' <<<"$line" | cut -d= -f2)
[[ $remote == "$n" ]] ||
    fail "64-byte class: remote_frees=${remote:-none}, expected $n (line: $line)"
((failures == 0)) && echo "ok: $n frees by a thread without mallocs went home as remote frees"
exit $((failures > 0))

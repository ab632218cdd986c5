#!/usr/bin/env bash
# pin.sh - a replay on one thread runs on one CPU, the highest-numbered it
# may use; --no-pin, and a replay on several threads, leave the scheduler
# free.
#
# The replay reports the CPU in "pinned_cpu" (null when none): one free
# to use the CPUs this test may use must report the last of them, and one
# started under `taskset -c F`, F the first of them, must report F.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
source tests/lib.bash

hakmem=build/hakmem
one=$tmp/one.hkt
many=$tmp/many.hkt
"$hakmem" trace gen random_mixed 2000 256 7 -o "$one" >/dev/null ||
    fail "trace gen random_mixed"
"$hakmem" trace gen larson --threads 2 --rounds 2 --iters 100 \
    --slots 50 -o "$many" >/dev/null || fail "trace gen larson"
allowed=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
first_allowed=${allowed%%[,-]*}
last_allowed=${allowed##*[,-]}

got=$(json_value pinned_cpu "$("$hakmem" replay --serial "$one")")
[[ $got == "$last_allowed" ]] ||
    fail "--serial: pinned_cpu $got, expected $last_allowed (allowed: $allowed)"
got=$(json_value pinned_cpu "$("$hakmem" replay "$one")")
[[ $got == "$last_allowed" ]] ||
    fail "one trace thread: pinned_cpu $got, expected $last_allowed"
got=$(json_value pinned_cpu "$(taskset -c "$first_allowed" "$hakmem" replay --serial "$one")")
[[ $got == "$first_allowed" ]] ||
    fail "under taskset -c $first_allowed: pinned_cpu $got, expected $first_allowed"
got=$(json_value pinned_cpu "$("$hakmem" replay --serial --no-pin "$one")")
[[ $got == null ]] || fail "--no-pin: pinned_cpu $got, expected null"
got=$(json_value pinned_cpu "$("$hakmem" replay "$many")")
[[ $got == null ]] || fail "two trace threads: pinned_cpu $got, expected null"
exit $((failures > 0))

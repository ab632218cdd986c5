#!/usr/bin/env bash
# The recorder's overhead: random_mixed run plainly and under `hakmem
# record`, alternating, median of several runs each; prints both speeds
# (the benchmark's own ops_per_s, which times its cycle loop only, so
# starting the program and converting the trace do not count), their
# ratio (the target: recorded >= 1/3 of plain), the trace's events and
# bytes per event, and the raw file's bytes per event.
#
# usage: experiments/bench/record_overhead.sh [--runs N] [CYCLES WS SEED]
#        (default: 5 runs of random_mixed 20000000 4096 1234567)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=5
if [ "${1:-}" = --runs ]; then
    runs=$2
    shift 2
fi
[ $# -gt 0 ] || set -- 20000000 4096 1234567
args=("$@")
for f in build/hakmem build/libhakmem-record.so build/bench/random_mixed; do
    [ -e "$f" ] || { echo "missing: $f (run make)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ops() {
    grep -o 'ops_per_s=[0-9]*' | cut -d= -f2
}

median() {
    printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

plain=() recorded=()
for _ in $(seq "$runs"); do
    plain+=("$(build/bench/random_mixed "${args[@]}" | ops)")
    recorded+=("$(build/hakmem record --keep-raw -o "$tmp/trace" -- \
        build/bench/random_mixed "${args[@]}" 2>/dev/null | ops)")
done
p=$(median "${plain[@]}")
r=$(median "${recorded[@]}")
events=$(build/hakmem trace info --json "$tmp/trace" | grep -o '"events":[0-9]*' | cut -d: -f2)
bytes=$(stat -c %s "$tmp/trace")
raw=$(stat -c %s "$tmp"/trace.d/trace.raw.*)

echo "random_mixed ${args[*]}: $runs runs each, alternating; median; $(nproc) CPUs"
awk -v p="$p" -v r="$r" -v e="$events" -v b="$bytes" -v w="$raw" 'BEGIN {
    printf "plain     %8.2f M ops/s\n", p / 1e6
    printf "recorded  %8.2f M ops/s\n", r / 1e6
    printf "ratio     %8.3f (recorded / plain; target >= 0.333)\n", r / p
    printf "trace     %d events, %d bytes, %.2f bytes/event\n", e, b, b / e
    printf "raw file  %d bytes, %.2f bytes/event\n", w, w / e
}'

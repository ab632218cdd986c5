#!/usr/bin/env bash
# Simulator throughput: events replayed per second by `hakmem sim`, with
# the TLB model on and off, on generated traces; median of several runs.
# Targets: >= 3 M events/s with the TLB model, >= 10 M without.
set -euo pipefail
cd "$(dirname "$0")/../.."
HAKMEM=${HAKMEM:-build/hakmem}
runs=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$HAKMEM" trace gen random_mixed 5000000 4096 1234567 -o "$tmp/random_mixed.trace"
"$HAKMEM" trace gen larson -o "$tmp/larson.trace"
"$HAKMEM" trace gen phases -o "$tmp/phases.trace"

now() { date +%s.%N; }
printf '%-14s %-4s %10s %14s %8s\n' trace tlb events "events/s" target
for t in random_mixed larson phases; do
    events=$("$HAKMEM" trace info "$tmp/$t.trace" | awk '$1 == "events" {print $2}')
    for tlb in 1 0; do
        rates=()
        for _ in $(seq "$runs"); do
            t0=$(now)
            "$HAKMEM" sim --set tlb=$tlb "$tmp/$t.trace" > /dev/null
            t1=$(now)
            rates+=("$(echo "$events / ($t1 - $t0)" | bc -l)")
        done
        median=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{v[NR] = $1}
            END {print v[int((NR + 1) / 2)]}')
        target=$([ $tlb = 1 ] && echo 3000000 || echo 10000000)
        verdict=$(echo "$median >= $target" | bc -l | sed 's/1/PASS/; s/0/MISS/')
        printf '%-14s %-4s %10d %14.0f %8s\n' "$t" "$tlb" "$events" "$median" \
            "$verdict"
    done
done
echo "(whole-process wall time per run, two passes over the trace included;" \
     "median of $runs runs)"

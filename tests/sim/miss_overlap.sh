#!/bin/bash
# miss_overlap.sh - `hakmem sim` prices a miss to memory one event after
# the last one at cache_mem_near for the threaded engine, whose ops leave
# the core little work between misses, and every miss to memory at
# cache_mem for the serial engine (sim/cost.h).  On a random_mixed trace
# and caches small enough for it to miss to memory often, under a
# calibration naming both prices: the misses by distance add up to the
# misses to memory, the terms' counts follow from them as the README says
# for each engine, and each is priced at its own term.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
need_jq
hakmem=build/hakmem

cat >"$tmp/cal.json" <<'EOF'
{"cache_mem": 100, "cache_mem_near": 30,
 "dcache": {"l1_bytes": 4096, "l1_ways": 4, "l2_bytes": 16384, "l2_ways": 4,
            "l3_bytes": 65536, "l3_ways": 4, "source": "miss_overlap.sh"}}
EOF
"$hakmem" trace gen random_mixed 20000 1024 1 -o "$tmp/t.trace" ||
    fail "trace gen"

# holds FILE FILTER: the filter holds (prints true) on FILE.
holds() {
    [[ $(jq "$2" "$1") == true ]] || fail "$(basename "$1"): not $2"
}

for engine in threads serial; do
    out=$tmp/$engine.json
    "$hakmem" sim "$tmp/t.trace" --calibration "$tmp/cal.json" \
        --set engine=$engine >"$out" || fail "sim engine=$engine"
    holds "$out" '.machine.dcache | (.l3_miss_gaps | add) == .l3_misses'
    holds "$out" '.machine.dcache.l3_miss_gaps[1] > 1000'
    holds "$out" '.predicted | .terms_ns.cache_mem == .counts.cache_mem * 100
        and .terms_ns.cache_mem_near == .counts.cache_mem_near * 30'
done
holds "$tmp/threads.json" '.machine.dcache as $d | .predicted.counts |
    .cache_mem_near == $d.l3_miss_gaps[1] and
    .cache_mem == $d.l3_misses - $d.l3_miss_gaps[1] + $d.fault_path.l3_misses'
holds "$tmp/serial.json" '.machine.dcache as $d | .predicted.counts |
    .cache_mem_near == 0 and
    .cache_mem == $d.l3_misses + $d.fault_path.l3_misses'

((failures == 0)) &&
    echo "misses to memory one event apart: cache_mem_near on threads only"
exit $((failures > 0))

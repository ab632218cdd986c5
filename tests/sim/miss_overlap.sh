#!/bin/bash
# miss_overlap.sh - `hakmem sim` prices a miss to memory one event after
# the last one at cache_mem_near for the threaded engine, whose ops leave
# the core little work between misses, and every miss to memory at
# cache_mem for the serial engine (sim/cost.h).  On a random_mixed trace
# and caches small enough for it to miss to memory often, under a
# calibration naming both prices: the misses by distance add up to the
# misses to memory, the terms' counts follow from them as the README says
# for each engine, and each is priced at its own term.  The engine's
# writes into a new block are a run of stores, whose misses to memory the
# core overlaps: all but the run's first are counted apart
# (store_misses) and priced at cache_mem_near by both engines.
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
    .cache_mem_near == $d.l3_miss_gaps[1] + $d.store_misses and
    .cache_mem == $d.l3_misses - $d.l3_miss_gaps[1] + $d.fault_path.l3_misses'
holds "$tmp/serial.json" '.machine.dcache as $d | .predicted.counts |
    .cache_mem_near == $d.store_misses and
    .cache_mem == $d.l3_misses + $d.fault_path.l3_misses'
# The engine's writes into a new block are a run of stores: 32 blocks of
# 64 KiB, each written a byte a page (touch=pages), freed, and allocated
# again twice, miss to memory in their second and third rounds; in each
# block the first such miss counts as any, the later ones apart
# (store_misses), priced at cache_mem_near by either engine.  With
# touch=none the engine writes nothing.
{
    echo "= Start"
    for _ in 1 2 3; do
        for i in $(seq 1 32); do
            printf '@ ./a.out:[0x1] + 0x%x 0x10000\n' $((0x10000000 + i * 0x100000))
        done
        for i in $(seq 1 32); do
            printf '@ ./a.out:[0x1] - 0x%x\n' $((0x10000000 + i * 0x100000))
        done
    done
    echo "= End"
} >"$tmp/rounds.log"
"$hakmem" trace import --from mtrace "$tmp/rounds.log" -o "$tmp/rounds.hkt" ||
    fail "trace import"
for touch in pages none; do
    for engine in threads serial; do
        out=$tmp/$touch-$engine.json
        near='$d.l3_miss_gaps[1]'
        [[ $engine == serial ]] && near=0
        "$hakmem" sim "$tmp/rounds.hkt" --calibration "$tmp/cal.json" \
            --set engine=$engine --set touch=$touch >"$out" ||
            fail "sim touch=$touch engine=$engine"
        holds "$out" ".machine.dcache as \$d | .predicted.counts |
            .cache_mem_near == \$d.store_misses + $near and
            .cache_mem == \$d.l3_misses + \$d.fault_path.l3_misses - $near"
    done
done
holds "$tmp/pages-serial.json" '.machine.dcache.store_misses > 500'
holds "$tmp/none-serial.json" '.machine.dcache.store_misses == 0'

((failures == 0)) &&
    echo "misses to memory one event apart: cache_mem_near on threads only"
exit $((failures > 0))

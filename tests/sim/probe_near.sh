#!/bin/bash
# probe_near.sh - `hakmem sim` prices a pointer check's mincore made soon
# after the allocator's last system call at mincore_near, the rest at
# mincore (sim/cost.h; os_sim.c says how soon: 16 events).  Two traces
# worked out by hand, run with ptr_check=always and no front caches, so
# that every free makes one mincore: 40 blocks allocated and then freed
# back to back (the first free 40 events after the mapping the first
# malloc made, each other one event after the free before it: 1 cold,
# 39 near), and 10 blocks each freed 20 mallocs after it was made (no
# system call between: 10 cold).  Each term is priced at its own cost.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
need_jq
hakmem=build/hakmem

echo '{"mincore": 1000, "mincore_near": 600}' >"$tmp/cal.json"
{
    echo '= Start'
    for i in $(seq 1 40); do printf '+ 0x%x 0x40\n' $((0x10000 + i * 0x100)); done
    for i in $(seq 1 40); do printf -- '- 0x%x\n' $((0x10000 + i * 0x100)); done
    echo '= End'
} >"$tmp/close.log"
{
    echo '= Start'
    n=0
    for i in $(seq 1 10); do
        printf '+ 0x%x 0x40\n' $((0x10000 + i * 0x100))
        for _ in $(seq 1 20); do
            n=$((n + 1))
            printf '+ 0x%x 0x40\n' $((0x900000 + n * 0x100))
        done
        printf -- '- 0x%x\n' $((0x10000 + i * 0x100))
    done
    echo '= End'
} >"$tmp/apart.log"

# check NAME COLD NEAR: the sim of trace NAME counts and prices them so.
check() {
    "$hakmem" trace import --from mtrace "$tmp/$1.log" -o "$tmp/$1.trace" \
        2>/dev/null || fail "$1: trace import"
    "$hakmem" sim "$tmp/$1.trace" --calibration "$tmp/cal.json" \
        --set ptr_check=always --set shared_pool=0 >"$tmp/$1.json" ||
        fail "$1: sim"
    local got
    got=$(jq -c '[.syscalls.mincore.calls, .predicted.counts.mincore,
                  .predicted.counts.mincore_near, .predicted.terms_ns.mincore,
                  .predicted.terms_ns.mincore_near]' "$tmp/$1.json")
    [[ $got == "[$(($2 + $3)),$2,$3,$(($2 * 1000)),$(($3 * 600))]" ]] ||
        fail "$1: [calls, cold, near, their ns] = $got, not $2 cold and $3 near"
}
check close 1 39
check apart 10 0

((failures == 0)) &&
    echo "pointer probes near the last system call: mincore_near"
exit $((failures > 0))

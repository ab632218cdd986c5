#!/usr/bin/env bash
# engine_faults.sh - neither replay engine's own bookkeeping costs the
# replay page faults: what `hakmem replay` counts while it is timed is the
# allocator's, which `hakmem sim` counts alone.
#
# A trace whose live set swings four times from nothing to 20000 small
# objects and back would make a live table that doubles and halves, and a
# record allocated per object, fault in fresh memory on every swing.  The
# serial engine sizes both for the trace's peak before its clock starts
# (one that grew its table as it went faulted seven times as often).  The
# threaded engine's slot per object live at once is written before its
# clock starts too: left to fault during the replay, its pages cost 163
# faults over the allocator's 251 on this trace, each page first read by
# a wait (the zero page) and then written (its copy).  So the faults
# counted stay within a sixteenth (plus 48, the process's own first
# touches) of the allocator's.
#
# Prints FAIL lines for what went wrong; exits 1 if anything did, else 0.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
source tests/lib.bash

hakmem=build/hakmem
[[ -x $hakmem ]] || fail "$hakmem is not built"

trace=$tmp/swings.hkt
"$hakmem" trace gen phases --peak 20000 --low-pct 0 --cycles 4 \
    --max-size 64 --large-pct 0 -o "$trace" >/dev/null ||
    fail "trace gen phases"
for engine in serial threads; do
    real=$("$hakmem" replay --set engine=$engine "$trace") ||
        fail "replay --set engine=$engine"
    sim=$("$hakmem" sim --set engine=$engine "$trace" 2>/dev/null) ||
        fail "sim --set engine=$engine"
    measured=$(json_value page_faults "$real")
    allocator=$(jq .machine.page_faults <<<"$sim")
    priced=$(jq .predicted.counts.page_fault <<<"$sim")
    if [[ -z $measured || -z $allocator ]]; then
        fail "$engine: no page fault counts (replay: '$measured', sim: '$allocator')"
    elif ((measured > allocator + allocator / 16 + 48)); then
        fail "the $engine replay faulted $measured times, the allocator" \
            "alone $allocator (sim): the engine's own memory faults"
    fi
    [[ $priced == "$allocator" ]] ||
        fail "$engine: the model prices $priced page faults, the allocator makes $allocator"
done
exit $((failures > 0))

#!/usr/bin/env bash
# serial_bookkeeping.sh - the serial replay engine's own bookkeeping costs
# the replay no page faults.
#
# A trace whose live set swings four times from nothing to 20000 small
# objects and back would make a live table that doubles and halves, and a
# record allocated per object, fault in fresh memory on every swing: that
# is the engine's cost, not the allocator's, and no model of the allocator
# predicts it.  The engine sizes both for the trace's peak before its clock
# starts, so the page faults `hakmem replay --serial` counts during the
# replay stay within a quarter (plus 64) of those `hakmem sim` counts for
# the allocator alone.  The engine that grew its table as it went faulted
# seven times as often on this trace.
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
real=$("$hakmem" replay --serial "$trace") || fail "replay --serial"
sim=$("$hakmem" sim --set engine=serial "$trace") || fail "sim"
measured=$(json_value page_faults "$real")
predicted=$(json_value page_fault "$(tr -d ' \n' <<<"$sim" |
    grep -o '"counts":{[^}]*}')")
if [[ -z $measured || -z $predicted ]]; then
    fail "no page fault counts (replay: '$measured', sim: '$predicted')"
elif ((measured > predicted + predicted / 4 + 64)); then
    fail "the serial replay faulted $measured times, the allocator alone" \
        "$predicted (sim): the engine's own memory faults"
fi
exit $((failures > 0))

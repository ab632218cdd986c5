#!/bin/bash
# limits.sh - `hakmem tune` keeps its limits: with --max-rss below the
# peak RSS of the unconstrained choice, and with --max-syscalls below the
# system calls of the choice that minimises RSS, the configuration chosen
# keeps the limit, by the tune's numbers and by a simulation of its
# settings run here apart; a limit nothing keeps is an error.
source "$(dirname "$0")/common.bash"

# Time, unconstrained, then its RSS less a byte as the limit.
free=$(tune --db limits.db) || fail "the tune failed: $(cat tune.err)"
rss=$(chosen "$free" '.traces.phases.predicted.rss_peak_bytes')
limit=$((rss - 1))
echo "unconstrained: $(chosen "$free" .differs | tr -d ' \n'), peak RSS $rss"
kept=$(tune --db limits.db --max-rss "$limit") ||
    fail "the tune with --max-rss $limit failed: $(cat tune.err)"
said=$(chosen "$kept" '.traces.phases.predicted.rss_peak_bytes')
mapfile -t args < <(sets "$kept")
truth=$(simulated .machine.rss.peak_bytes "${args[@]}")
echo "--max-rss $limit: $(chosen "$kept" .differs | tr -d ' \n'), peak" \
    "RSS $said (simulated apart: $truth)"
((said <= limit && truth <= limit)) ||
    fail "--max-rss $limit: the choice peaks at $said (simulated: $truth)"
[[ $(jq '.limits.max_rss.value' <<<"$kept") == "$limit" ]] ||
    fail "the JSON does not state the limit"

# RSS, unconstrained, takes more system calls than the defaults; at most
# the defaults' (1x) must then choose otherwise.
free=$(tune --db limits.db --objective rss) ||
    fail "the rss tune failed: $(cat tune.err)"
calls=$(chosen "$free" '.traces.phases.predicted.syscalls')
defaults=$(jq -r '.configurations[0].traces.phases.predicted.syscalls' \
    <<<"$free")
((calls > defaults)) ||
    fail "the test needs a choice with more system calls than the" \
        "defaults' ($calls, $defaults)"
kept=$(tune --db limits.db --objective rss --max-syscalls 1x) ||
    fail "the tune with --max-syscalls 1x failed: $(cat tune.err)"
said=$(chosen "$kept" '.traces.phases.predicted.syscalls')
mapfile -t args < <(sets "$kept")
truth=$(simulated '[.syscalls[].calls] | add' "${args[@]}")
echo "rss, --max-syscalls 1x ($defaults): $(chosen "$kept" .differs |
    tr -d ' \n'), $said system calls (simulated apart: $truth)"
((said <= defaults && truth <= defaults)) ||
    fail "--max-syscalls 1x: the choice makes $said system calls" \
        "(simulated: $truth), the defaults $defaults"

# Nothing keeps a peak of one byte: exit 1, and the reason.
status=0
"$hakmem" tune phases.hkt --params "$knobs" --budget 45 --db limits.db \
    --max-rss 1 >out.txt 2>err.txt || status=$?
((status == 1)) || fail "--max-rss 1: exit status $status, not 1"
grep -q "no configuration of the .* evaluated keeps the limits" err.txt ||
    fail "--max-rss 1: $(cat err.txt)"
echo "limits kept"

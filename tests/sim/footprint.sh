#!/bin/bash
# footprint.sh - `hakmem sim` sets its peak RSS against the least the
# trace's blocks take (sim/footprint.h): the peak of the bytes asked for,
# of those bytes rounded to size classes (large blocks to pages), and the
# sum of each class's own peak.  Checked exactly on a trace worked out by
# hand, in the real replay's report absent, and on a generated trace in
# order: live <= in classes <= class by class, and in classes <= the
# peak RSS.  There too, where the memory was as the RSS peaked
# (rss.at_peak, core/usage.h): taken within a hundredth of the peak, the
# program's part no more than its blocks rounded to classes, and every
# part present.  Nothing here is priced: the built-in calibration will do.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
export HAKMEM_CALIBRATION=builtin
need_jq
hakmem=build/hakmem

# 100 bytes (class 112), 5,000 (class 5,120), then 200,000 (a large block:
# 49 pages, 200,704 bytes) once the first is gone, then 100 bytes again.
#   live:        100, 5,100, 5,000, 205,000, 200,000, 0, 100
#   in classes:  112, 5,232, 5,120, 205,824, 200,704, 0, 112
#   class peaks: 112 + 5,120 + 200,704 = 205,936
printf '%s\n' '= Start' '+ 0x1000 0x64' '+ 0x2000 0x1388' '- 0x1000' \
    '+ 0x100000 0x30d40' '- 0x2000' '- 0x100000' '+ 0x1000 0x64' '= End' \
    >"$tmp/hand.log"
"$hakmem" trace import --from mtrace "$tmp/hand.log" -o "$tmp/hand.trace" \
    2>/dev/null || fail "trace import"
"$hakmem" sim "$tmp/hand.trace" >"$tmp/hand.json" || fail "sim"
got=$(jq -c '.machine.rss | [.peak_live_bytes, .peak_class_bytes,
                              .class_peaks_bytes]' "$tmp/hand.json")
[[ $got == "[205000,205824,205936]" ]] ||
    fail "by hand: live, in classes, class by class = $got"

"$hakmem" replay "$tmp/hand.trace" >"$tmp/replay.json" || fail "replay"
[[ $(jq '.machine.rss // {} | has("class_peaks_bytes")' \
    "$tmp/replay.json") == false ]] ||
    fail "the real replay reports a footprint it does not follow"

"$hakmem" trace gen random_mixed 100000 2048 5 -o "$tmp/rm.trace" ||
    fail "trace gen"
"$hakmem" sim "$tmp/rm.trace" >"$tmp/rm.json" || fail "sim random_mixed"
jq -e '.machine.rss | .peak_live_bytes > 0 and
       .peak_live_bytes <= .peak_class_bytes and
       .peak_class_bytes <= .class_peaks_bytes and
       .peak_class_bytes <= .peak_bytes' "$tmp/rm.json" >/dev/null ||
    fail "random_mixed: $(jq -c .machine.rss "$tmp/rm.json")"
jq -e '.machine.rss | .at_peak as $p |
       ($p | keys) == ["front_bytes", "in_use_bytes", "large_free_bytes",
                      "rss_bytes", "slab_free_bytes", "uncarved_bytes",
                      "unused_bytes"] and
       ([$p[]] | all(. >= 0)) and
       $p.rss_bytes <= .peak_bytes and $p.rss_bytes * 1.01 >= .peak_bytes and
       $p.in_use_bytes > 0 and $p.in_use_bytes <= .peak_class_bytes and
       $p.in_use_bytes + $p.front_bytes + $p.slab_free_bytes >=
           $p.rss_bytes / 2' "$tmp/rm.json" >/dev/null ||
    fail "at the peak: $(jq -c .machine.rss.at_peak "$tmp/rm.json")"
[[ $(jq '.machine.rss // {} | has("at_peak")' "$tmp/replay.json") == \
    false ]] || fail "the real replay reports where memory was at its peak"
((failures == 0)) && echo "footprint: by hand, in order, sim only"
exit $((failures > 0))

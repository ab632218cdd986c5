#!/bin/bash
# phases.sh - the seed report's phases, quickly (experiments/demo/
# phases_validate.json on small traces): against the report's settings,
# each phase moves the system calls the way the report says (Phase A
# fewer mmap and munmap, Phase B no mincore, the shared pool fewer of
# both, Phase C none changed), the simulation's calls equal the real
# runs', call for call, every phase is predicted as fast as the baseline
# or faster (Phase C exactly as fast), and those predicted over twice as
# fast are measured faster too.  Calibration: the built-in one (pinned
# by tests/run.sh), so the predictions are the same everywhere.
source "$(dirname "$0")/common.bash"

# experiments/demo/phases_validate.json, on the small traces.
demo=$root/experiments/demo/phases_validate.json
cat > spec.json <<JSON
{
  "name": "phases_test",
  "db": "results/phases.db",
  "traces": $small_traces,
$(sed -n '/"fixed"/,$p' "$demo")
JSON
"$hakmem" validate spec.json --runs 1 --report > out 2> err ||
    fail "validate failed (a DIFFER is a failure): $(cat err) $(cat out)"
cat out
! grep -q DIFFER out || fail "system calls differ between sim and real"
grep -q '^calibration: built-in' out || fail "the header does not name the calibration"

# row TRACE LABEL: the configuration's row in TRACE's table (labels are
# the configurations' own settings; the baseline's is marked).
row() {
    awk -v t="trace $1:" -v l="$2" '
        index($0, t) == 1 { on = 1; next }
        on && /^median/ { on = 0 }
        on && index($0, l " ") == 1 { print; exit }' out
}
# speeds TRACE LABEL: "predicted measured" speedups of a row.
speeds() {
    row "$1" "$2" | grep -oE '[0-9.]+x' | tr -d x | tr '\n' ' '
}
# story TRACE LABEL CALL: "predicted measured" of a call in the story.
story() {
    awk -v t="story of $1 " -v l="$2" '
        index($0, t) == 1 { on = 1; next }
        on && /^$/ { on = 0 }
        on && index($0, l " ") == 1 { print; exit }' out |
        sed "s/^$2 *//" | grep -oE '[0-9.]+K? / [0-9.]+K?' |
        sed -n "$3p" | tr -d '/K'
}
base="(baseline) lru_cap=0 prewarm=0 shared_pool=0 ptr_check=always"
A="lru_cap=8 prewarm=1"
B="ptr_check=cached"
P="shared_pool=1"
C="front_cap=256 refill=32"
ALL="lru_cap=8 prewarm=1 ptr_check=cached shared_pool=1 front_cap=256 refill=32"
MMAP=1 MUNMAP=2 MINCORE=4

for trace in mixed phases; do
    [[ -n $(row $trace "$base") ]] || fail "$trace: no baseline row"
    for c in "$A" "$B" "$P" "$C" "$ALL"; do
        read -r p m _ <<< "$(speeds $trace "$c")"
        [[ -n $p && -n $m ]] || fail "$trace, $c: no speedups"
        awk -v p="$p" 'BEGIN { exit !(p >= 1) }' ||
            fail "$trace, $c: predicted slower than the baseline ($p)"
        if awk -v p="$p" 'BEGIN { exit !(p > 2) }'; then
            awk -v m="$m" 'BEGIN { exit !(m > 1) }' ||
                fail "$trace, $c: predicted ${p}x, measured ${m}x"
        fi
    done
    read -r p _ <<< "$(speeds $trace "$C")"
    [[ $p == 1.00 ]] || fail "$trace: Phase C predicted ${p}x, not 1.00x"
    for call in $MMAP $MUNMAP $MINCORE; do
        read -r b0 b1 <<< "$(story $trace "$base" $call)"
        [[ $b0 == "$b1" ]] || fail "$trace: call $call, $b0 / $b1"
        read -r a0 _ <<< "$(story $trace "$A" $call)"
        read -r c0 _ <<< "$(story $trace "$C" $call)"
        [[ $c0 == "$b0" ]] || fail "$trace: Phase C changed call $call"
        if ((call != MINCORE)); then
            awk -v a="$a0" -v b="$b0" 'BEGIN { exit !(a <= b) }' ||
                fail "$trace: Phase A made more of call $call ($a0 > $b0)"
        fi
    done
    read -r b0 _ <<< "$(story $trace "$base" $MINCORE)"
    read -r x0 _ <<< "$(story $trace "$B" $MINCORE)"
    read -r y0 _ <<< "$(story $trace "$ALL" $MINCORE)"
    read -r z0 _ <<< "$(story $trace "$P" $MINCORE)"
    awk -v b="$b0" 'BEGIN { exit !(b > 0) }' || fail "$trace: no mincore at the baseline"
    [[ $x0 == 0 && $y0 == 0 ]] || fail "$trace: Phase B left mincore calls"
    awk -v z="$z0" -v b="$b0" 'BEGIN { exit !(z < b) }' ||
        fail "$trace: the shared pool did not cut mincore ($z0, $b0)"
done
read -r b0 _ <<< "$(story phases "$base" $MMAP)"
read -r a0 _ <<< "$(story phases "$A" $MMAP)"
awk -v a="$a0" -v b="$b0" 'BEGIN { exit !(a < b) }' ||
    fail "phases: Phase A did not cut mmap ($a0, $b0)"
grep -qE '^worst speedup ratio: [0-9.]+ ' out || fail "no worst speedup ratio"
grep -qE '^worst time error: [-+][0-9]+% ' out || fail "no worst time error"

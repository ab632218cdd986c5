#!/bin/bash
# host_states.sh - experiments/bench/host_states.sh without judging
# timings: one small run of rounds per state under hakmem and glibc gives
# a row per state and allocator, each median the value of the one run and
# hakmem's ratio 1; the runs it reports are the benchmark's own RESULT
# values; a missing RESULT key, a failing benchmark and bad options stop
# it with a message.  huge_touch gives its memory back, checked.
#
# Needs the benchmarks and build/libhakmem.so built.  Prints FAIL lines for
# what went wrong; exits 1 if anything did, else 0.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib.bash"

script=experiments/bench/host_states.sh
small=(build/bench/rounds -n 2 -b 200 -p 0)

out=$("$script" --reps 1 --idle 0 --allocators hakmem,glibc "${small[@]}" 2>&1) ||
    fail "host_states.sh failed: $out"
for state in cold warm; do
    for a in hakmem glibc; do
        row=$(grep -E "^$state +$a +median" <<<"$out")
        if [[ -z $row ]]; then
            fail "no row for $state $a in: $out"
            continue
        fi
        read -r _ _ _ median _ ratio _ run <<<"$row"
        awk -v m="$median" -v r="$run" 'BEGIN { exit !(m > 0 && m == r) }' ||
            fail "$state $a: median $median is not its one run $run"
        [[ $a != hakmem || $ratio == 1.00 ]] || fail "$state hakmem: ratio $ratio"
    done
done

expect 1 "no nope in the RESULT line" "$script" --reps 1 --idle 0 \
    --allocators hakmem --metric nope "${small[@]}"
expect 1 "failed" "$script" --reps 1 --idle 0 --allocators hakmem \
    build/bench/rounds -n 0
expect 2 "unknown allocator 'nosuch'" "$script" --allocators hakmem,nosuch true
expect 2 "no benchmark command" "$script" --reps 2
expect 2 "--reps needs a positive integer" "$script" --reps 0 true
expect 0 "^RESULT bench=huge_touch mib=16 " build/bench/huge_touch -m 16
expect 2 "outside" build/bench/huge_touch -m 0

((failures == 0)) || exit 1
echo "host_states.sh: rows for both states, errors named"

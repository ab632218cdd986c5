#!/usr/bin/env bash
# The simulator's reason to exist: for a single-threaded trace, the system
# calls `hakmem sim` predicts are exactly those the real backend makes when
# `hakmem replay` runs the same trace with the same settings, on the
# simulator's own engine (--serial) and on the threaded one (the default,
# which runs a one-thread trace on one thread).  Checked for small-block
# traces under four settings and for a trace of large blocks (mixed sizes,
# reallocs: spans split, joined, grown in place and moved with mremap,
# decayed and evicted) under four, for bursts far past lru_cap under two
# waits, written at their first byte only (SuperSlabs sampled, and
# advised to use huge pages only where written whole) and all advised;
# then the threaded replay of each kind against strace, which counts the
# system calls independently.
set -euo pipefail
HAKMEM=${HAKMEM:-build/hakmem}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$HAKMEM" trace gen random_mixed 200000 4096 1234567 -o "$tmp/rm.trace"
"$HAKMEM" trace gen phases --seed 7 -o "$tmp/phases.trace"

# Large blocks, one thread, as an mtrace(3) log (the k-th call at k us):
# 20 slots, sizes from 130 KiB to 24 MiB; each step frees, reallocs or
# fills a random slot.  The generator is a 32-bit LCG, exact in awk.
awk 'function rnd(n) { x = (x * 69069 + 1) % 4294967296; return int(x / 4294967296 * n) }
BEGIN {
    x = 7; id = 1; print "= Start"
    for (step = 0; step < 2000; step++) {
        s = rnd(20); size = 133120 + rnd(24 * 1048576 - 133120)
        if (addr[s] && rnd(3) == 0) {
            printf "< 0x%x\n> 0x%x 0x%x\n", addr[s], id * 4096, size
            addr[s] = id++ * 4096
        } else if (addr[s]) {
            printf "- 0x%x\n", addr[s]; addr[s] = 0
        } else {
            printf "+ 0x%x 0x%x\n", id * 4096, size; addr[s] = id++ * 4096
        }
    }
    print "= End"
}' > "$tmp/large.log"
"$HAKMEM" trace import --from mtrace "$tmp/large.log" -o "$tmp/large.trace" 2>/dev/null

# Bursts of 200 to 1,200 blocks of 40,000 bytes (up to 24 SuperSlabs),
# each freed whole: far past lru_cap, so the LRU's wait decides whether
# the next burst finds its SuperSlabs still mapped.
awk 'function rnd(n) { x = (x * 69069 + 1) % 4294967296; return int(x / 4294967296 * n) }
BEGIN {
    x = 11; id = 1; print "= Start"
    for (r = 0; r < 8; r++) {
        n = 200 + rnd(1000)
        for (i = 0; i < n; i++) {
            printf "+ 0x%x 0x%x\n", id * 4096, 40000; a[i] = id++ * 4096
        }
        for (i = 0; i < n; i++)
            printf "- 0x%x\n", a[i]
    }
    print "= End"
}' > "$tmp/bursts.log"
"$HAKMEM" trace import --from mtrace "$tmp/bursts.log" -o "$tmp/bursts.trace" 2>/dev/null

# Two blocks grown in turn a page at a time from 132 KiB to 12 MiB, then
# freed; three times.  Each often lies in the way of the other, and the
# second round on finds the first's spans cached, dirty.
awk 'BEGIN {
    id = 1; print "= Start"
    for (r = 0; r < 3; r++) {
        a[0] = a[1] = 0
        for (n = 135168; n <= 12582912; n += 4096)
            for (k = 0; k < 2; k++) {
                if (a[k]) printf "< 0x%x\n> 0x%x 0x%x\n", a[k], id * 4096, n
                else printf "+ 0x%x 0x%x\n", id * 4096, n
                a[k] = id++ * 4096
            }
        printf "- 0x%x\n- 0x%x\n", a[0], a[1]
    }
    print "= End"
}' > "$tmp/growth.log"
"$HAKMEM" trace import --from mtrace "$tmp/growth.log" -o "$tmp/growth.trace" 2>/dev/null

settings=(
    ""
    "--set lru_cap=0"
    "--set prewarm=0"
    "--set lru_cap=0 --set prewarm=0 --set shared_pool=0 --set ptr_check=always"
)
large_settings=(
    "--set touch=first"
    "--set touch=first --set large_cache=40M --set purge_delay=0"
    "--set touch=first --set ss_size=8M --set purge_delay=1"
    "--set touch=pages --set large_cache=40M"
)
# Large blocks written whole make the allocator ask for huge pages, after
# its residency samples (mincore) say so; written at their first byte,
# they do not.  On a kernel that gives every mapping huge pages
# ([always]) the mappings not advised refuse them, one madvise each; the
# simulated machine is this one (the built-in calibration names no huge
# page mode), so it makes the same calls.

# The "syscalls" object, one "name calls bytes" line per call kind.
syscalls() {
    grep -oE '"syscalls":\{("[a-z]+":\{[^}]*\},?)*\}' |
        grep -o '"[a-z]*":{"calls":[0-9]*,"bytes":[0-9]*}' |
        sed 's/"\([a-z]*\)":{"calls":\([0-9]*\),"bytes":\([0-9]*\)}/\1 \2 \3/'
}

# calls NAME: the calls of one kind, from syscalls' lines on stdin.
calls() {
    awk -v c="$1" '$1 == c {print $2}'
}

fail=0

# equal TRACE SETTINGS...: sim, serial and threaded replay agree.
equal() {
    local trace=$1 s
    shift
    for s in "$@"; do
        # shellcheck disable=SC2086
        "$HAKMEM" sim $s "$tmp/$trace.trace" > "$tmp/sim.json"
        cat "$tmp/sim.json" >> "$tmp/$trace.sims"
        sim=$(syscalls < "$tmp/sim.json")
        # shellcheck disable=SC2086
        serial=$("$HAKMEM" replay --serial $s "$tmp/$trace.trace" | syscalls)
        # shellcheck disable=SC2086
        threads=$("$HAKMEM" replay $s "$tmp/$trace.trace" | syscalls)
        if [ -z "$sim" ] || [ "$sim" != "$serial" ] || [ "$sim" != "$threads" ]; then
            echo "MISMATCH $trace [${s:-defaults}]"
            diff <(echo "$sim") <(echo "$serial") | sed 's/^/serial: /' || true
            diff <(echo "$sim") <(echo "$threads") | sed 's/^/threads: /' || true
            fail=1
        else
            echo "equal    $trace [${s:-defaults}]: $(echo "$sim" | awk '$2 {printf "%s=%s ", $1, $2}')"
        fi
    done
}

equal rm "${settings[@]}"
equal phases "${settings[@]}"
equal large "${large_settings[@]}"
# purge_delay=1: 1 ms, a thousand calls of the trace (a burst is up to 2,400).
# The fourth: every SuperSlab advised, and purged while in use, which
# takes its advice back (os.h), cutting the simulated mapping in two.
equal bursts "" "--set purge_delay=1" "--set touch=first" \
    "--set huge_pages=always --set purge_delay=1"
equal growth "" "--set touch=first --set purge_delay=0"

# Under its settings, the large trace reaches every path it is there for.
for counter in cache_hits cache_splits cache_grows cache_misses merges \
    resizes unmapped purged; do
    n=$(grep -o "\"$counter\":[0-9]*" "$tmp/large.sims" |
        awk -F: '{n += $2} END {print n + 0}')
    [ "$n" -gt 0 ] || { echo "large trace: $counter is 0"; fail=1; }
done
n=$(syscalls < "$tmp/large.sims" | calls mremap | awk '{n += $1} END {print n + 0}')
[ "$n" -gt 0 ] || { echo "large trace: no mremap"; fail=1; }

# The growth: each block's mapping grows ahead of it, doubling, so the
# calls are logarithmic in its size (1 to 16 MiB is four doublings),
# never one per step; later rounds grow into the cached spans.
n=$(sed -n 1p "$tmp/growth.sims" | syscalls | calls mremap)
if [ "${n:-99}" -gt $((2 * 5)) ]; then
    echo "growth: $n mremap calls for 6 blocks grown page by page (want at most 10)"
    fail=1
else
    echo "growth: $n mremap calls for 6 blocks grown page by page to 12 MiB"
fi

# The bursts: by default every SuperSlab past lru_cap waits (the trace is
# shorter than purge_delay), none is unmapped or mapped twice; with the
# wait cut to 1 ms some are unmapped between bursts.
# pool FIELD RUN: a pool counter of the RUN-th sim of the bursts (the
# pool's object comes first, before the per-class counters).
pool() {
    sed -n "$2p" "$tmp/bursts.sims" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2
}
ev_default=$(pool ss_evicted 1)
ev_short=$(pool ss_evicted 2)
mapped_default=$(pool ss_mapped 1)
peak_default=$(pool ss_peak 1)
evicted="$ev_default $ev_short"
if [ "$ev_default" != 0 ] || [ "$mapped_default" != "$peak_default" ] ||
    [ "${ev_short:-0}" -le 0 ]; then
    echo "bursts: evicted $evicted (want 0, then some), mapped $mapped_default, peak $peak_default (want equal)"
    fail=1
else
    echo "bursts: the LRU's wait kept all $peak_default SuperSlabs; at 1 ms, $ev_short unmapped"
fi
# Blocks of 40,000 bytes written whole fill their SuperSlabs' pages, so
# the samples turn the huge-page advice on; written at their first byte,
# they fill about one page in ten, and it stays off (on a kernel set to
# [always] too, where the SuperSlabs not advised refuse huge pages).
advised="$(pool huge_advised 1) $(pool huge_advised 3)"
samples="$(pool huge_samples 1) $(pool huge_samples 3)"
read -r adv_whole adv_first <<< "$advised"
read -r smp_whole smp_first <<< "$samples"
if [ "${adv_whole:-0}" -le 0 ] || [ "$adv_first" != 0 ] ||
    [ "${smp_whole:-0}" -le 0 ] || [ "${smp_first:-0}" -le 0 ]; then
    echo "bursts: SuperSlabs advised $advised, sampled $samples (want some and 0, some and some)"
    fail=1
else
    echo "bursts: written whole, $adv_whole SuperSlabs advised after $smp_whole samples; at the first byte, none after $smp_first"
fi

# strace: the replay tool's own tables come from glibc's malloc, whose
# mappings lie where the kernel puts them; the backend's SuperSlabs and
# large blocks lie in its hint range (16 TiB up), so calls on addresses
# there are the backend's, and strace counts them independently.
# strace_agrees TRACE SETTINGS
ours='0x[1-5][0-9a-f]{11}'
strace_agrees() {
    local trace=$1 s=$2 call want got
    # shellcheck disable=SC2086
    own=$("$HAKMEM" replay $s "$tmp/$trace.trace" | syscalls)
    # shellcheck disable=SC2086
    strace -f -qq -e trace=mmap,munmap,madvise,mincore,mremap \
        -o "$tmp/strace.txt" \
        "$PWD/build/libexec/hakmem-replay" $s "$tmp/$trace.trace" > /dev/null
    for call in mmap munmap madvise mincore mremap; do
        want=$(echo "$own" | calls $call)
        if [ "$call" = mmap ]; then
            got=$(grep -cE "mmap\(.*= $ours\$" "$tmp/strace.txt" || true)
        else
            got=$(grep -cE "$call\($ours," "$tmp/strace.txt" || true)
        fi
        if [ "$want" != "$got" ]; then
            echo "STRACE $trace $call: replay counted $want, strace saw $got"
            fail=1
        fi
    done
    [ $fail = 0 ] && echo "strace agrees on $trace [${s:-defaults}]: $(echo "$own" | awk '$2 {printf "%s=%s ", $1, $2}')"
    return 0
}
strace_agrees rm "--set lru_cap=0 --set prewarm=0 --set shared_pool=0 --set ptr_check=always"
strace_agrees large "--set touch=first --set large_cache=40M --set purge_delay=0"
strace_agrees large "--set touch=pages --set large_cache=40M"
strace_agrees growth ""
exit $fail

#!/usr/bin/env bash
# A small program's peak RSS under libhakmem.so is its RSS under glibc
# plus at most 384 KiB: the allocator's own pages (its tables, a thread's
# heap and fronts, a SuperSlab's header and first blocks) and nothing
# faulted in ahead of use.  Medians of 7 runs each, alternating; the RSS
# is the kernel's (GNU time's %M).
set -u
cd "$(dirname "$0")/../.." || exit 1
[[ -x /usr/bin/time ]] || { echo "SKIP: /usr/bin/time is missing"; exit 77; }
# shellcheck source=tests/lib.bash
source tests/lib.bash

program=(build/bench/random_mixed 1000 4096 1)
for i in 1 2 3 4 5 6 7; do
    /usr/bin/time -f %M -a -o "$tmp/glibc" "${program[@]}" >/dev/null || fail "glibc run $i"
    LD_PRELOAD=$PWD/build/libhakmem.so /usr/bin/time -f %M -a -o "$tmp/hakmem" \
        "${program[@]}" >/dev/null || fail "hakmem run $i"
done
median() { sort -n "$1" | sed -n 4p; }
glibc=$(median "$tmp/glibc") hakmem=$(median "$tmp/hakmem")
echo "peak RSS of '${program[*]}': glibc $glibc KiB, hakmem $hakmem KiB"
((hakmem <= glibc + 384)) || fail "hakmem's RSS $hakmem KiB is more than glibc's $glibc KiB + 384 KiB"
((failures == 0))

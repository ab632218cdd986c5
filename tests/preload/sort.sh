#!/bin/bash
# sort.sh - sort(1) on about 10 MB of generated text: plain, numeric, with
# four threads and a 50 MB buffer, and with a 1 MB buffer that forces
# temporary files and merging.  Plainly and with libhakmem.so preloaded,
# each output must be the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require sort awk
begin_test

# 300,000 lines from a linear congruential generator (exact in awk's doubles).
awk 'BEGIN {
    x = 12345
    for (i = 0; i < 300000; i++) {
        x = (x * 69069 + 1) % 4294967296
        printf "%010d w%x %d %s\n", x, x % 65536, (x / 65536) % 1000, substr("abcdefghijklmnopqrstuvwxyz", x % 26 + 1, x % 7 + 1)
    }
}' >"$WORK/input.txt"

export LC_ALL=C
compare sort sort "$WORK/input.txt"
compare sort-n sort -n -k3,3 -k1,1 "$WORK/input.txt"
compare sort-parallel sort --parallel=4 -S 50M -k2,2 -k4 "$WORK/input.txt"
compare sort-merge sort -S 1M -T . -r -k4,4 -k1,1 "$WORK/input.txt"

#!/usr/bin/env bash
# Every parameter at its extremes keeps the allocator correct: the API
# conformance test and the threaded stress test (every byte verified,
# cross-thread frees, fork) pass under each setting a sweep may choose.
set -euo pipefail
cd "$(dirname "$0")/../.."
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
lib=$PWD/build/libhakmem.so
settings=(
    "HAKMEM_SS_SIZE=1M" "HAKMEM_SS_SIZE=64M"
    "HAKMEM_FRONT_CAP=1 HAKMEM_REFILL=1"
    "HAKMEM_FRONT_CAP=4096 HAKMEM_REFILL=4096"
    "HAKMEM_LRU_CAP=0 HAKMEM_PREWARM=0" "HAKMEM_LRU_CAP=4096 HAKMEM_PREWARM=64"
    "HAKMEM_PURGE_DELAY=0" "HAKMEM_LARGE_CACHE=0"
    "HAKMEM_PTR_CHECK=never" "HAKMEM_PTR_CHECK=always" "HAKMEM_SHARED_POOL=0"
)
fail=0
for s in "${settings[@]}"; do
    for t in api_conformance stress; do
        # shellcheck disable=SC2086
        if out=$(env $s LD_PRELOAD="$lib" "build/tests/$t" 2>&1); then
            echo "ok    $s: $t"
        else
            echo "FAIL  $s: $t"
            tail -n 5 <<< "$out" | sed 's/^/      /'
            fail=1
        fi
    done
done
exit $fail

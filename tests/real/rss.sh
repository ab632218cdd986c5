#!/usr/bin/env bash
# RSS falls after a peak under libhakmem.so (see rss_after_peak.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
HAKMEM_PURGE_DELAY=50 LD_PRELOAD="$PWD/build/libhakmem.so" \
    build/tests/rss_after_peak

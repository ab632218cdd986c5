#!/usr/bin/env bash
# Large blocks under libhakmem.so: contents, calloc, page faults on reuse
# and RSS decay (see large_blocks.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
HAKMEM_PURGE_DELAY=200 LD_PRELOAD="$PWD/build/libhakmem.so" \
    build/tests/large_blocks

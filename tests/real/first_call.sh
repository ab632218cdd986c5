#!/usr/bin/env bash
# free(NULL) as the very first call into libhakmem.so.
set -euo pipefail
cd "$(dirname "$0")/../.."
LD_PRELOAD="$PWD/build/libhakmem.so" build/tests/first_call

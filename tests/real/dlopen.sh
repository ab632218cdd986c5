#!/usr/bin/env bash
# Libraries loaded with dlopen allocate and free through libhakmem.so.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -e /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 ] ||
    { echo "SKIP: libsqlite3.so.0 is not installed"; exit 77; }
LD_PRELOAD="$PWD/build/libhakmem.so" build/tests/dlopen_churn

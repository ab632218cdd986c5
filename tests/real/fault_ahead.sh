#!/usr/bin/env bash
# libhakmem.so faults in no page ahead of use (see fault_ahead.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
LD_PRELOAD="$PWD/build/libhakmem.so" build/tests/fault_ahead

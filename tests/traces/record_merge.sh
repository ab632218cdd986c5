#!/bin/bash
# record_merge.sh - runs build/tests/record_merge, the unit tests of the
# recorder's converter (tests/traces/record_merge.c).  Fails when it is
# not built.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
test=build/tests/record_merge
if [[ ! -x $test ]]; then
    echo "FAIL: $test is not built"
    exit 1
fi
exec "$test"

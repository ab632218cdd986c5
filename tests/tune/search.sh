#!/bin/bash
# search.sh - the search of `hakmem tune` on synthetic objectives with a
# known optimum, its coarse designs and the knobs' ladders
# (tests/tune/search_test.c).
cd "$(dirname "$0")/../.." || exit 1
[[ -x build/tests/tune_search ]] || {
    echo "FAIL: build/tests/tune_search is not built"
    exit 1
}
exec build/tests/tune_search

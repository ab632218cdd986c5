#!/bin/bash
# run.sh - runs hakmem's test suite; `make test` calls it.
#
# Usage: tests/run.sh [TEST...]
#
# A TEST is a command line, run by bash from the repository root and named
# by itself in the report; `with_hakmem COMMAND...` runs COMMAND with
# $HAKMEM_LIB preloaded.  Without arguments the suite is:
#
#   build/tests/unit_*            unit tests of the core (and their _ubsan
#                                 builds), run directly
#   build/tests/api_conformance   run with $HAKMEM_LIB preloaded
#   build/tests/stress            run with $HAKMEM_LIB preloaded
#   build/tests/stress_tsan       run directly, if built
#   build/tests/tlb_test, build/tests/dcache_test,
#   build/tests/trace_roundtrip
#                                 the simulator's and the traces' unit
#                                 tests, run directly
#   build/debug/tests/unit_*, build/debug/tests/stress
#                                 the same on the debug build (core/'s
#                                 invariants asserted), if it is built
#   tests/*.sh, tests/*/*.sh      scripted tests, except this one; among
#                                 them tests/preload/*.sh, real programs
#                                 run plain and preloaded
#
# api_conformance and stress fail when they are not built; the others run
# when present.  A test passes when it exits with status 0, is skipped when
# it exits with 77 (its last line of output says why), and fails otherwise
# or when it runs out of time.
#
# Tests run one at a time.  Paths, in TESTs and in HAKMEM_LIB, are relative
# to the repository root.
#
# Environment:
#   HAKMEM_LIB           the library to preload (default build/libhakmem.so)
#   HAKMEM_TEST_TIMEOUT  seconds each test may run (default 300)
#   HAKMEM_CALIBRATION   set to builtin for every test (see below)
#   HAKMEM_TEST_PEER     when non-empty, HAKMEM_LIB is a peer allocator
#                        (mimalloc, jemalloc, ...) used to validate the
#                        suite: api_conformance runs with --peer
#
# Prints one line per test (PASS, FAIL with the last 30 lines of its
# output, or SKIP), then "N skipped" and, last, "N passed, N failed".
# Exits with status 1 when a test failed, else 0.
set -uo pipefail
shopt -s nullglob

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=tests/preload/common.bash
source tests/preload/common.bash

HAKMEM_LIB=$(realpath -m -- "$HAKMEM_LIB")
timeout_s=${HAKMEM_TEST_TIMEOUT:-300}
export HAKMEM_LIB
# Predictions priced by the built-in calibration: the same bytes on every
# machine, and no calibration of this one on each `hakmem sim`
# (tests/calibrate_cache.sh tests that, in a cache of its own).
export HAKMEM_CALIBRATION=builtin

# with_hakmem COMMAND...: runs COMMAND with $HAKMEM_LIB preloaded.
with_hakmem() {
    hakmem_lib_check || return 1
    local lib=$HAKMEM_LIB
    unset_harness_vars
    LD_PRELOAD=$lib exec "$@"
}
export -f with_hakmem hakmem_lib_check unset_harness_vars

names=()
commands=()

# add NAME COMMAND-LINE: appends a test to the run.
add() {
    names+=("$1")
    commands+=("$2")
}

discover() {
    local test conformance=build/tests/api_conformance
    for test in build/tests/unit_*; do
        add "$test" "$test"
    done
    [[ -n ${HAKMEM_TEST_PEER:-} ]] && conformance+=" --peer"
    add "$conformance" "with_hakmem $conformance"
    add build/tests/stress "with_hakmem build/tests/stress"
    for test in build/tests/stress_tsan build/tests/tlb_test \
        build/tests/dcache_test build/tests/addrspace_test \
        build/tests/trace_roundtrip; do
        [[ -e $test ]] && add "$test" "$test"
    done
    # The unit and stress tests once more on the debug build, which asserts
    # core/'s invariants (`make test` builds it into build/debug).
    if [[ -e build/debug/libhakmem.so ]]; then
        for test in build/debug/tests/unit_*; do
            add "$test" "$test"
        done
        add build/debug/tests/stress "HAKMEM_LIB=build/debug/libhakmem.so \
            with_hakmem build/debug/tests/stress"
    fi
    for test in tests/*.sh tests/*/*.sh; do
        [[ $test != tests/run.sh ]] && add "$test" "$test"
    done
}

if (($# > 0)); then
    for test; do
        add "$test" "$test"
    done
else
    discover
fi

log=$(mktemp "${TMPDIR:-/tmp}/hakmem-test.XXXXXX")
trap 'rm -f -- "$log"' EXIT
passed=0 failed=0 skipped=0

for i in "${!names[@]}"; do
    name=${names[i]}
    start=$SECONDS
    timeout -k 10 "$timeout_s" bash -c "${commands[i]}" >"$log" 2>&1 </dev/null
    rc=$?
    took="$((SECONDS - start))s"
    case $rc in
    0)
        echo "PASS $name ($took)"
        ((passed++))
        ;;
    77)
        echo "SKIP $name ($(tail -n 1 "$log" | sed 's/^SKIP: //'))"
        ((skipped++))
        ;;
    *)
        if ((rc == 124 || rc == 137)); then
            echo "FAIL $name (timed out after ${timeout_s}s)"
        else
            echo "FAIL $name (exit status $rc, $took)"
        fi
        tail -n 30 "$log" | sed 's/^/    /'
        ((failed++))
        ;;
    esac
done

echo "$skipped skipped"
echo "$passed passed, $failed failed"
((failed == 0))

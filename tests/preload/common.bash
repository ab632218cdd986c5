# common.bash - sourced by the preload tests (tests/preload/*.sh) and by
# tests/run.sh.
#
# A preload test runs a real program twice, once plainly and once with
# libhakmem.so preloaded, and requires the same stdout, the same stderr and
# the same exit status (0) from both runs.  Run from the repository root.
#
# Environment:
#   HAKMEM_LIB   the library to preload (default build/libhakmem.so)
#
# Exit status of a test: 0 pass, 1 fail, 77 skip (program not installed).
# The tests run under `set -euo pipefail`.

HAKMEM_LIB=${HAKMEM_LIB:-build/libhakmem.so}

# unset_harness_vars: removes the suite's own settings from the environment,
# before a program under test runs: libhakmem.so takes HAKMEM_* variables
# for its settings and warns about names it does not know.
unset_harness_vars() {
    unset HAKMEM_LIB HAKMEM_TEST_TIMEOUT HAKMEM_TEST_PEER
}

# skip REASON...: the test cannot run here.
skip() {
    echo "SKIP: $*"
    exit 77
}

# require PROGRAM...: skip unless every PROGRAM is installed.
require() {
    local program
    for program; do
        command -v "$program" >/dev/null || skip "$program is not installed"
    done
}

# hakmem_lib_check: succeeds when $HAKMEM_LIB exists and the dynamic loader
# really preloads it (the loader only warns about a library it cannot load
# and runs the program without it); makes HAKMEM_LIB an absolute path, so
# that it still works after a program changes directory.
hakmem_lib_check() {
    local lib
    if ! lib=$(realpath -e -- "$HAKMEM_LIB" 2>/dev/null); then
        echo "HAKMEM_LIB=$HAKMEM_LIB does not exist (run make first?)"
        return 1
    fi
    if ! LD_PRELOAD=$lib awk -v lib="$lib" '$6 == lib { mapped = 1 } END { exit !mapped }' \
            /proc/self/maps 2>/dev/null; then
        echo "the dynamic loader does not preload $lib:"
        LD_PRELOAD=$lib /bin/true
        return 1
    fi
    HAKMEM_LIB=$lib
}

# begin_test: checks HAKMEM_LIB and makes the scratch directory $WORK,
# removed when the test exits.
begin_test() {
    hakmem_lib_check || exit 1
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-preload.XXXXXX")
    trap 'rm -rf -- "$WORK"' EXIT
}

# compare NAME COMMAND [ARG...]: runs COMMAND twice, each time in a fresh
# directory $WORK/NAME.plain and $WORK/NAME.preload, and fails (exits 1)
# unless both runs exit with status 0 and print the same; the report shows
# the start of the differences, stderr first (where crashes show).
compare() {
    local name=$1 lib=$HAKMEM_LIB run dir
    local -A status
    shift
    for run in plain preload; do
        dir=$WORK/$name.$run
        mkdir "$dir"
        status[$run]=0
        (
            cd "$dir"
            unset_harness_vars
            if [[ $run == preload ]]; then
                export LD_PRELOAD=$lib
            fi
            exec "$@"
        ) >"$dir.out" 2>"$dir.err" || status[$run]=$?
    done

    local base=$WORK/$name
    if ((status[plain] != 0)); then
        echo "FAIL $name: the plain run (no preload) exited with status ${status[plain]}," \
             "so the test itself is broken:"
        tail -n 20 "$base.plain.err" "$base.plain.out"
        exit 1
    fi
    if ((status[preload] != 0)) ||
       ! cmp -s "$base.plain.out" "$base.preload.out" ||
       ! cmp -s "$base.plain.err" "$base.preload.err"; then
        echo "FAIL $name: exit status ${status[plain]} plain, ${status[preload]} preloaded"
        local stream
        for stream in err out; do
            diff -u --label "$name std$stream, plain" --label "$name std$stream, preloaded" \
                "$base.plain.$stream" "$base.preload.$stream" | head -n 12 || true
        done
        exit 1
    fi
    echo "ok $name: same output plain and preloaded ($(wc -l <"$base.plain.out") lines)"
}

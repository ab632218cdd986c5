#!/bin/bash
# corpus_test.sh - `hakmem trace info` (text and --json) on every file of
# tests/traces/corpus/, the minimized corpus of traces/fuzz_reader.c:
# valid traces and broken ones.  Each run must exit 0, or 1 with an error
# that names the byte; never crash, hang or exit otherwise.
#
# The binary is ${HAKMEM:-build/hakmem}.  Prints FAIL lines; exits 1 if
# any run failed, else 0.
set -u
shopt -s nullglob
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=${HAKMEM:-build/hakmem}
if [[ ! -x $hakmem ]]; then
    echo "FAIL: $hakmem is not built"
    exit 1
fi
err=$(mktemp "${TMPDIR:-/tmp}/corpus-test.XXXXXX") || exit 1
trap 'rm -f -- "$err"' EXIT
files=(tests/traces/corpus/*)
failures=0 good=0 bad=0

for file in "${files[@]}"; do
    for json in "" --json; do
        # shellcheck disable=SC2086
        timeout 10 "$hakmem" trace info $json "$file" >/dev/null 2>"$err"
        status=$?
        case $status in
        0) ((good++)) ;;
        1)
            ((bad++))
            if ! grep -q ': byte [0-9]*: ' "$err"; then
                echo "FAIL: $file${json:+ $json}: error names no byte:" \
                    "$(head -c 200 "$err")"
                ((failures++))
            fi
            ;;
        124)
            echo "FAIL: $file${json:+ $json}: still running after 10 s"
            ((failures++))
            ;;
        *)
            echo "FAIL: $file${json:+ $json}: exit status $status"
            ((failures++))
            ;;
        esac
    done
done

if ((${#files[@]} == 0)); then
    echo "FAIL: tests/traces/corpus/ is empty"
    exit 1
fi
echo "${#files[@]} files: $good good runs, $bad bad traces, $failures failed"
((failures == 0))

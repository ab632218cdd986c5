#!/usr/bin/env bash
# The simulator's reason to exist: for a single-threaded trace, the system
# calls `hakmem sim` predicts are exactly those the real backend makes when
# `hakmem replay` runs the same trace with the same settings, on the
# simulator's own engine (--serial) and on the threaded one (the default,
# which runs a one-thread trace on one thread).  Checked for two kinds of
# trace under four settings; then the threaded replay once against strace,
# which counts the system calls independently.
set -euo pipefail
HAKMEM=${HAKMEM:-build/hakmem}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$HAKMEM" trace gen random_mixed 200000 4096 1234567 -o "$tmp/rm.trace"
"$HAKMEM" trace gen phases --seed 7 -o "$tmp/phases.trace"

settings=(
    ""
    "--set lru_cap=0"
    "--set prewarm=0"
    "--set lru_cap=0 --set prewarm=0 --set shared_pool=0 --set ptr_check=always"
)

# The "syscalls" object, one "name calls bytes" line per call kind.
syscalls() {
    grep -o '"syscalls":{[^}]*}[^}]*}[^}]*}[^}]*}[^}]*}}' |
        grep -o '"[a-z]*":{"calls":[0-9]*,"bytes":[0-9]*}' |
        sed 's/"\([a-z]*\)":{"calls":\([0-9]*\),"bytes":\([0-9]*\)}/\1 \2 \3/'
}

fail=0
for trace in rm phases; do
    for s in "${settings[@]}"; do
        # shellcheck disable=SC2086
        sim=$("$HAKMEM" sim $s "$tmp/$trace.trace" | syscalls)
        # shellcheck disable=SC2086
        serial=$("$HAKMEM" replay --serial $s "$tmp/$trace.trace" | syscalls)
        # shellcheck disable=SC2086
        threads=$("$HAKMEM" replay $s "$tmp/$trace.trace" | syscalls)
        if [ -z "$sim" ] || [ "$sim" != "$serial" ] || [ "$sim" != "$threads" ]; then
            echo "MISMATCH $trace [${s:-defaults}]"
            diff <(echo "$sim") <(echo "$serial") | sed 's/^/serial: /' || true
            diff <(echo "$sim") <(echo "$threads") | sed 's/^/threads: /' || true
            fail=1
        else
            echo "equal    $trace [${s:-defaults}]: $(echo "$sim" | awk '{printf "%s=%s ", $1, $2}')"
        fi
    done
done

# strace: the replay tool's own tables come from glibc's malloc, whose
# mappings lie where the kernel puts them; the backend's SuperSlabs and
# large blocks lie in its hint range (16 TiB up), so calls on addresses
# there are the backend's, and strace counts them independently.
s="--set lru_cap=0 --set prewarm=0 --set shared_pool=0 --set ptr_check=always"
# shellcheck disable=SC2086
own=$("$HAKMEM" replay $s "$tmp/rm.trace" | syscalls)
# shellcheck disable=SC2086
strace -f -qq -e trace=mmap,munmap,madvise,mincore -o "$tmp/strace.txt" \
    "$PWD/build/libexec/hakmem-replay" $s "$tmp/rm.trace" > /dev/null
ours='0x[1-5][0-9a-f]{11}'
for call in mmap munmap madvise mincore; do
    want=$(echo "$own" | awk -v c=$call '$1 == c {print $2}')
    if [ "$call" = mmap ]; then
        got=$(grep -cE "mmap\(.*= $ours\$" "$tmp/strace.txt" || true)
    else
        got=$(grep -cE "$call\($ours," "$tmp/strace.txt" || true)
    fi
    if [ "$want" != "$got" ]; then
        echo "STRACE $call: replay counted $want, strace saw $got"
        fail=1
    fi
done
[ $fail = 0 ] && echo "strace agrees: $(echo "$own" | awk '{printf "%s=%s ", $1, $2}')"
exit $fail

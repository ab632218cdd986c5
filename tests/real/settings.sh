#!/usr/bin/env bash
# HAKMEM_* settings: a bad value or an unknown name warns once and the
# default is kept; HAKMEM_STATS=json reports the backend's system calls,
# which must agree with what strace counts independently.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Only the settings this test gives (the test runner exports its own).
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
lib=$PWD/build/libhakmem.so
bench=build/bench/random_mixed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi
}

plain=$($bench 20000 256 7 | sed 's/ops_per_s=.*//')
HAKMEM_LRU_CAP=abc HAKMEM_FRONTCAP=3 LD_PRELOAD=$lib $bench 20000 256 7 \
    > "$tmp/out" 2> "$tmp/err"
check "output unchanged by bad settings" \
    test "$(sed 's/ops_per_s=.*//' "$tmp/out")" = "$plain"
check "one warning for the bad value, naming it and the default" \
    test "$(grep -c "ignoring HAKMEM_LRU_CAP=abc: lru_cap: 'abc' is not .*; using 8" "$tmp/err")" = 1
check "one warning for the unknown name" \
    test "$(grep -c 'ignoring unknown setting HAKMEM_FRONTCAP' "$tmp/err")" = 1
check "nothing else on stderr" test "$(wc -l < "$tmp/err")" = 2

# The report's settings make every kind of call; count them both ways.
old=(HAKMEM_LRU_CAP=0 HAKMEM_PREWARM=0 HAKMEM_SHARED_POOL=0
     HAKMEM_PTR_CHECK=always)
env "${old[@]}" HAKMEM_STATS=json strace -f -qq -o "$tmp/strace" \
    -e trace=mmap,munmap,madvise,mincore -E LD_PRELOAD="$lib" \
    $bench 200000 4096 1234567 > /dev/null 2> "$tmp/json"
ours='0x[1-5][0-9a-f]{11}' # the backend's hint range, 16 TiB up
for call in mmap munmap madvise mincore; do
    said=$(grep -o "\"$call\":{\"calls\":[0-9]*" "$tmp/json" | grep -o '[0-9]*$')
    if [ $call = mmap ]; then
        seen=$(grep -cE "mmap\(.*= $ours\$" "$tmp/strace" || true)
    else
        seen=$(grep -cE "$call\($ours," "$tmp/strace" || true)
    fi
    check "$call: HAKMEM_STATS says $said, strace saw $seen" test "$said" = "$seen"
done
check "the report's settings churn and probe" \
    test "$(grep -o '"mincore":{"calls":[0-9]*' "$tmp/json" | grep -o '[0-9]*$')" -gt 10000
env "${old[@]}" HAKMEM_STATS=1 LD_PRELOAD="$lib" $bench 200000 4096 1234567 \
    2> "$tmp/text" > /dev/null
mmaps=$(grep -o '"mmap":{"calls":[0-9]*' "$tmp/json" | grep -o '[0-9]*$')
check "HAKMEM_STATS=1 prints the same counts as text" \
    grep -q "hakmem syscalls  mmap=$mmaps " "$tmp/text"
# The settings line reads back: every name=value it prints, given as
# HAKMEM_NAME=value, sets the same value without a warning.
odd=(HAKMEM_LARGE_CACHE=1536M HAKMEM_PURGE_DELAY=250 HAKMEM_SS_SIZE=4M)
env "${odd[@]}" HAKMEM_STATS=1 LD_PRELOAD="$lib" $bench 20000 256 7 \
    2> "$tmp/first" > /dev/null
line=$(grep '^hakmem settings' "$tmp/first")
again=()
for kv in ${line#hakmem settings}; do
    name=${kv%%=*}
    again+=("HAKMEM_${name^^}=${kv#*=}")
done
env "${again[@]}" HAKMEM_STATS=1 LD_PRELOAD="$lib" $bench 20000 256 7 \
    2> "$tmp/second" > /dev/null
check "the settings line shows the odd sizes exactly ($line)" \
    grep -q 'large_cache=1536MiB .*purge_delay=250ms\|purge_delay=250ms.*large_cache=1536MiB' <<< "$line"
check "the settings line reads back, without a warning" \
    test "$(grep -c 'hakmem: ignoring' "$tmp/second")" = 0 -a \
        "$(grep '^hakmem settings' "$tmp/second")" = "$line"
# ls closes stderr from its own exit handler, before hakmem's runs.
check "statistics printed even when the program closed stderr" \
    grep -q "hakmem syscalls" <(HAKMEM_STATS=1 LD_PRELOAD="$lib" ls / 2>&1 >/dev/null)
exit $fail

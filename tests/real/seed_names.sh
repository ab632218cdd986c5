#!/usr/bin/env bash
# The seed report's names of the settings work in the environment as
# other names of hakmem's parameters: HAKMEM_SS_LRU_SIZE (lru_cap),
# HAKMEM_SS_PREWARM (prewarm), HAKMEM_FC_CAP (front_cap) and
# HAKMEM_FC_REFILL (refill) change what the allocator does, counted by
# strace independently of hakmem's own statistics, exactly as the
# parameters' own names do; HAKMEM_FRONT_STATS and HAKMEM_SS_LRU_DEBUG
# turn the statistics on.  None is reported as unknown.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
lib=$PWD/build/libhakmem.so
bench=(build/bench/random_mixed 200000 4096 1234567)

# unmaps SETTINGS...: the munmap calls strace sees the backend make (in
# its hint range, 16 TiB up) under the settings; stderr in $tmp/err.
unmaps() {
    env "$@" strace -f -qq -o "$tmp/strace" -e trace=munmap \
        -E LD_PRELOAD="$lib" "${bench[@]}" >/dev/null 2>"$tmp/err"
    grep -cE 'munmap\(0x[1-5][0-9a-f]{11},' "$tmp/strace"
}

# The report's configuration: SuperSlabs mapped and unmapped over and over.
seed=$(unmaps HAKMEM_SS_LRU_SIZE=0 HAKMEM_SS_PREWARM=0 HAKMEM_SHARED_POOL=0)
grep -q 'unknown setting' "$tmp/err" && fail "$(cat "$tmp/err")"
ours=$(unmaps HAKMEM_LRU_CAP=0 HAKMEM_PREWARM=0 HAKMEM_SHARED_POOL=0)
cached=$(unmaps HAKMEM_SS_LRU_SIZE=8 HAKMEM_SS_PREWARM=0 HAKMEM_SHARED_POOL=0)
if ((seed > 10 && seed == ours && cached < seed)); then
    echo "ok HAKMEM_SS_LRU_SIZE=0: $seed munmaps as lru_cap=0, $cached with 8"
else
    fail "munmaps: seed names $seed, lru_cap=0 $ours, HAKMEM_SS_LRU_SIZE=8 $cached"
fi

# stats VAR=VALUE...: the statistics random_mixed prints at exit.
stats() {
    env "$@" LD_PRELOAD="$lib" build/bench/random_mixed 20000 256 7 \
        2>&1 >/dev/null
}
# shows FIELD VALUE TEXT: the statistics give FIELD the value VALUE,
# as text (FIELD=VALUE) or JSON ("FIELD":VALUE or "FIELD":"VALUE").
shows() {
    grep -qE "\"?$1\"?[=:]\"?$2([^0-9]|\$)" <<<"$3"
}
out=$(stats HAKMEM_FC_CAP=7 HAKMEM_FC_REFILL=5 HAKMEM_STATS=json)
if shows front_cap 7 "$out" && shows refill 5 "$out" &&
    ! grep -q unknown <<<"$out"; then
    echo "ok HAKMEM_FC_CAP=7 HAKMEM_FC_REFILL=5: front_cap 7, refill 5"
else
    fail "HAKMEM_FC_CAP/HAKMEM_FC_REFILL: $(head -c 300 <<<"$out")"
fi
plain=$(stats HAKMEM_STATS=json)
shows front_cap 128 "$plain" || fail "default front_cap: $(head -c 300 <<<"$plain")"
# A smaller front cache misses more: the statistics differ beyond the
# settings.
[[ $(grep -o '"front_misses":[0-9]*' <<<"$out" | head -n 1) != \
   $(grep -o '"front_misses":[0-9]*' <<<"$plain" | head -n 1) ]] ||
    fail "front_misses unchanged by HAKMEM_FC_CAP=7"
out=$(stats HAKMEM_SS_PREWARM=3 HAKMEM_STATS=1)
shows prewarm 3 "$out" || fail "HAKMEM_SS_PREWARM=3: $(head -c 300 <<<"$out")"

for var in HAKMEM_FRONT_STATS HAKMEM_SS_LRU_DEBUG; do
    out=$(stats "$var=1")
    if shows front_cap 128 "$out" && grep -q mmap <<<"$out"; then
        echo "ok $var=1 prints the statistics"
    else
        fail "$var=1: '$(head -c 300 <<<"$out")'"
    fi
    out=$(stats "$var=0")
    [[ -z $out ]] || fail "$var=0 printed '$(head -c 200 <<<"$out")'"
done
[[ -z $(stats) ]] || fail "statistics without being asked for"

# Both names of one setting: HAKMEM_NAME counts, the alias is reported.
out=$(stats HAKMEM_FRONT_CAP=9 HAKMEM_FC_CAP=7 HAKMEM_STATS=1)
if shows front_cap 9 "$out" &&
    grep -q 'ignoring HAKMEM_FC_CAP=7: HAKMEM_FRONT_CAP is set' <<<"$out"; then
    echo "ok HAKMEM_FRONT_CAP wins over HAKMEM_FC_CAP, with a warning"
else
    fail "both names: $(head -c 300 <<<"$out")"
fi
out=$(stats HAKMEM_FC_CAP=0)
grep -q "ignoring HAKMEM_FC_CAP=0: front_cap: 0 is outside" <<<"$out" ||
    fail "a bad value under the alias: '$out'"
((failures == 0))

#!/usr/bin/env bash
# `hakmem calibrate --quick` writes a calibration file: a JSON object with
# every cost term of sim/cost.c, none negative, each system call dearer
# than a malloc, the machine's TLB geometry and where it came from, which
# `hakmem sim --calibration` loads.  The shipped calibration,
# experiments/calibrate/default.json, has exactly the cost terms as keys
# (besides "_" notes), loads, and holds the numbers of the simulator's
# built-in defaults (default_cost in sim/cost.c).  Every term is in the
# model's output: a count and a price of each in the sim JSON.
set -euo pipefail
HAKMEM=${HAKMEM:-build/hakmem}
default=experiments/calibrate/default.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The cost terms: hk_cost_names in sim/cost.c.
terms=$(sed -n '/hk_cost_names\[HK_COST_TERMS\] = {/,/};/p' sim/cost.c |
    grep -o '"[a-z0-9_]*"' | tr -d '"' | sort)
(($(wc -w <<<"$terms") >= 20)) || {
    echo "FAIL: found only $(wc -w <<<"$terms") terms in sim/cost.c"
    exit 1
}

# keys FILE: the object's keys, sorted, without the "_" notes.
keys() {
    grep -o '"[A-Za-z0-9_]*"[[:space:]]*:' "$1" | sed 's/"\([^"]*\)".*/\1/' |
        grep -v '^_' | sort || true
}

# value FILE TERM: the number TERM has in FILE (its first key of that
# name), or nothing.
value() {
    grep -o "\"$2\"[[:space:]]*:[[:space:]]*[-+0-9.eE]*" "$1" | head -1 |
        sed 's/.*:[[:space:]]*//' || true
}

# sim OUT [ARGS...]: simulates the test trace with ARGS into OUT.
# shellcheck disable=SC2317  # called through check
sim() {
    local out=$1
    shift
    "$HAKMEM" sim "$@" "$tmp/t.trace" > "$out" && grep -q '"predicted"' "$out"
}

# builtin: "term ns" per line of default_cost in sim/cost.c.
builtin() {
    sed -n '/default_cost = {/,/}};/p' sim/cost.c |
        grep -o '\[HK_COST_[A-Z0-9_]*\] = [-+0-9.eE]*' |
        sed 's/\[HK_COST_\([A-Z0-9_]*\)\] = /\1 /' | tr '[:upper:]' '[:lower:]'
}

# check DESCRIPTION COMMAND...: runs COMMAND and reports; any failure
# fails the test.
fail=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok    $what"
    else
        echo "FAIL  $what"
        fail=1
    fi
}

cal=$tmp/quick.json
if ! "$HAKMEM" calibrate --quick --budget 1 -o "$cal" 2> "$tmp/progress"; then
    cat "$tmp/progress"
    echo "FAIL  $HAKMEM calibrate --quick"
    exit 1
fi
"$HAKMEM" trace gen random_mixed 10000 256 1 -o "$tmp/t.trace"

body=$(tr -d '[:space:]' < "$cal")
check "the output is a JSON object" test "${body:0:1}${body: -1}" = "{}"

missing=$(comm -23 <(echo "$terms") <(keys "$cal") | tr '\n' ' ')
check "every cost term present${missing:+, missing: $missing}" \
    test -z "$missing"

bad=""
for t in $terms; do
    v=$(value "$cal" "$t")
    awk -v v="$v" 'BEGIN { exit !(v != "" && v + 0 >= 0) }' || bad+=" $t=$v"
done
check "every term a number >= 0${bad:+, not:$bad}" test -z "$bad"

malloc=$(value "$cal" malloc)
cheap=""
for t in mmap munmap madvise mincore mprotect; do
    awk -v s="$(value "$cal" $t)" -v m="$malloc" 'BEGIN { exit !(s > m) }' ||
        cheap+=" $t"
done
check "system calls dearer than malloc ($malloc ns)${cheap:+, not:$cheap}" \
    test -z "$cheap"

check "the TLB geometry and its source" \
    grep -q '"tlb":[[:space:]]*{.*' "$cal"
check "hakmem sim --calibration loads it" \
    sim "$tmp/quick-sim.json" --calibration "$cal"
tlb=$(grep -o '"tlb_l2_4k_entries":[[:space:]]*[0-9]*' "$cal" | grep -o '[0-9]*$')
check "and simulates its TLB geometry (STLB $tlb entries)" \
    grep -q "\"tlb_l2_4k_entries\":$tlb[,}]" "$tmp/quick-sim.json"

# in OBJECT JSON: the keys of the object "OBJECT":{...} (flat), sorted.
keys_in() {
    grep -o "\"$1\":{[^{}]*}" "$2" | head -1 | sed 's/^[^{]*{//' |
        grep -o '"[a-z0-9_]*":' | tr -d '":' | sort
}
for part in terms_ns counts; do
    differ=$(comm -3 <(echo "$terms") <(keys_in $part "$tmp/quick-sim.json") |
        tr -d '\t' | tr '\n' ' ')
    check "every term in the sim JSON's predicted.$part${differ:+, differs: $differ}" \
        test -z "$differ"
done

differ=$(comm -3 <(echo "$terms") <(keys "$default") | tr -d '\t' |
    tr '\n' ' ')
check "$default has exactly the cost terms${differ:+, differs: $differ}" \
    test -z "$differ"

check "hakmem sim --calibration loads $default" \
    sim "$tmp/default-sim.json" --calibration "$default"

unequal=""
while read -r t ns; do
    awk -v a="$ns" -v b="$(value "$default" "$t")" \
        'BEGIN { exit !(b != "" && a == b) }' || unequal+=" $t"
done < <(builtin)
[ "$(builtin | wc -l)" = "$(echo "$terms" | wc -l)" ] || unequal+=" (table)"
check "$default equals default_cost in sim/cost.c${unequal:+, not:$unequal}" \
    test -z "$unequal"

# --check measures a few terms against a calibration: one line per term,
# "NAME CALIBRATED NOW", the calibrated column the file's own value, then
# "l3_bytes CALIBRATED NOW", the L3 of the file and the one a scan finds.
# A file that prices page faults at a quarter of what quick.json measured
# shows them at well over twice that now.
awk 'match($0, /"page_fault":[[:space:]]*[0-9]/) {
         v = substr($0, RSTART + RLENGTH - 1) + 0
         sub(/"page_fault":[[:space:]]*[0-9.eE+]+/, "\"page_fault\": " v / 4)
     }
     { print }' "$cal" > "$tmp/cheap.json"
"$HAKMEM" calibrate --check "$tmp/cheap.json" > "$tmp/check" 2> "$tmp/progress" ||
    { cat "$tmp/progress"; check "calibrate --check" false; }
read -r l3_name l3_was l3_now < <(tail -n 1 "$tmp/check")
l3_file=$(value "$tmp/cheap.json" l3_bytes)
check "--check ends with the file's L3 ($l3_was, file: $l3_file) and a scan's ($l3_now)" \
    test "$l3_name" = l3_bytes -a "$l3_was" = "$l3_file" -a "${l3_now:-0}" -gt 0
sed -i '$d' "$tmp/check"
unknown=$(comm -13 <(echo "$terms") <(cut -d' ' -f1 "$tmp/check" | sort) |
    tr '\n' ' ')
check "--check prints cost terms${unknown:+, not: $unknown}" \
    test -s "$tmp/check" -a -z "$unknown"
unequal="" compared=0
while read -r t was now; do
    compared=$((compared + 1))
    awk -v a="$was" -v b="$(value "$tmp/cheap.json" "$t")" -v n="$now" \
        'BEGIN { exit !(b != "" && (a - b) * (a - b) <= 1e-6 * b * b + 1e-8 && n >= 0) }' ||
        unequal+=" $t"
done < "$tmp/check"
check "--check's calibrated costs are the file's${unequal:+, not:$unequal} ($compared compared)" \
    test -z "$unequal" -a "$compared" -gt 0
check "--check finds page faults dearer than the file says" \
    awk '$1 == "page_fault" { found = 1; ok = $3 > 2 * $2 } END { exit !(found && ok) }' "$tmp/check"
check "--check of a missing file fails" \
    eval '! "$HAKMEM" calibrate --check "$tmp/none.json" > /dev/null 2>&1'

exit $fail

#!/usr/bin/env bash
# Every run finds the calibration of its machine: `hakmem sim` without a
# calibration makes one on first use (hakmem calibrate --quick, here cut
# short with HAKMEM_CALIBRATE_BUDGET) into $XDG_CACHE_HOME/hakmem, keyed
# by the host; the next run reuses it without measuring, another host key
# makes another, and so does a file that lacks a term of the model; the
# JSON says which priced it.  A calibration notes how far it moved from
# the cached one.  With no cache to keep
# it in, and when asked for, the built-in one is used with a warning; a
# HAKMEM_CALIBRATION pin uses it silently.  A calibration made on a busy
# machine is used with a warning.
set -euo pipefail
HAKMEM=${HAKMEM:-build/hakmem}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; fail=1; fi
}
"$HAKMEM" trace gen random_mixed 2000 64 1 -o "$tmp/t.trace"

# sim KEY OUT: a run on host key KEY with the test's cache; stderr to OUT.err
sim() {
    env -u HAKMEM_CALIBRATION XDG_CACHE_HOME="$tmp/cache" \
        HAKMEM_HOST_KEY="$1" HAKMEM_CALIBRATE_BUDGET=1 \
        "$HAKMEM" sim "$tmp/t.trace" > "$2" 2> "$2.err"
}
field() { # field NAME < JSON: the string value of "NAME" in "calibration"
    grep -o '"calibration":{[^}]*}' | grep -o "\"$1\":\"[^\"]*\"" |
        cut -d'"' -f4
}

sim "test host A" "$tmp/a1.json"
shopt -s nullglob
files=("$tmp"/cache/hakmem/calibration-*.json)
check "the first run calibrated (progress on stderr)" \
    grep -q "measuring one into" "$tmp/a1.json.err"
check "one calibration file in the cache" test ${#files[@]} = 1
check "it is the host's (\"_host_key\")" \
    grep -q '"_host_key":[[:space:]]*"test host A"' "${files[0]}"
check "the JSON names it: source cache" \
    test "$(field source < "$tmp/a1.json")" = cache
check "the JSON names it: its path" \
    test "$(field path < "$tmp/a1.json")" = "${files[0]}"
check "the JSON names it: the host key" \
    test "$(field host_key < "$tmp/a1.json")" = "test host A"
check "the JSON says where the TLB geometry came from" \
    test -n "$(field tlb_geometry < "$tmp/a1.json")"
check "the JSON says where the data caches came from" \
    grep -q '"dcache_geometry":"cpuid\|"dcache_geometry":"no cpuid\|"dcache_geometry":"preset' "$tmp/a1.json"

before=$(stat -c %Y.%s "${files[0]}")
sim "test host A" "$tmp/a2.json"
check "the second run reused it (no measuring)" \
    eval '! grep -q "measuring one into" "$tmp/a2.json.err"'
check "the second run left it as it was" \
    test "$(stat -c %Y.%s "${files[0]}")" = "$before"
check "the second run printed the same bytes" cmp -s "$tmp/a1.json" "$tmp/a2.json"

# The kernel's huge page mode: the calibration records its machine's, and
# a run takes it as its thp unless told otherwise; a file that states
# another mode gives the run that one.  The host key itself names the
# mode, so a machine switched to another one calibrates anew.
mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
if [[ -n $mode ]]; then
    check "the calibration records the machine's huge page mode ($mode)" \
        grep -q "\"thp\":[[:space:]]*\"$mode\"" "${files[0]}"
    check "and the run simulates it" \
        grep -q "\"thp\":\"$mode\"" "$tmp/a1.json"
    check "and says where it came from" \
        test "$(field thp_mode < "$tmp/a1.json")" = "the calibration's machine's"
    key=$(env -u HAKMEM_HOST_KEY "$HAKMEM" sim --calibration builtin \
              "$tmp/t.trace" 2>/dev/null | field host_key)
    check "this machine's host key names the mode ($key)" \
        test "${key##* / thp }" = "$mode"
    "$HAKMEM" sim --calibration builtin "$tmp/t.trace" > "$tmp/builtin.json" \
        2>/dev/null
    check "the built-in calibration names no mode: the run takes this machine's" \
        grep -q "\"thp\":\"$mode\"" "$tmp/builtin.json"
    check "and says so" \
        test "$(field thp_mode < "$tmp/builtin.json")" = "this machine's: the calibration names none"
fi
sed 's/"thp":[[:space:]]*"[a-z]*"/"thp": "always"/' "${files[0]}" > "$tmp/always.json"
grep -q '"thp": "always"' "$tmp/always.json" ||
    sed 's/^{/{"thp": "always",/' "${files[0]}" > "$tmp/always.json"
"$HAKMEM" sim --calibration "$tmp/always.json" "$tmp/t.trace" \
    > "$tmp/always.out" 2>/dev/null
check "a calibration stating thp always: the run simulates always" \
    grep -q '"thp":"always"' "$tmp/always.out"
"$HAKMEM" sim --calibration "$tmp/always.json" --set thp=never \
    "$tmp/t.trace" > "$tmp/never.out" 2>/dev/null
check "... unless the run says otherwise, and then says so" \
    test "$(field thp_mode < "$tmp/never.out")" = "the run's thp setting"
sed 's/"thp":[[:space:]]*"[a-z]*"/"thp": "sometimes"/' "$tmp/always.json" > "$tmp/bad.json"
"$HAKMEM" sim --calibration "$tmp/bad.json" "$tmp/t.trace" \
    > /dev/null 2> "$tmp/bad.err" && status=0 || status=$?
check "a calibration naming no mode: exit 2, naming the key" \
    test "$status" = 2 -a -n "$(grep -l '"thp": expected' "$tmp/bad.err")"

# A file without a term of the model was made by an older hakmem.
cp "${files[0]}" "$tmp/complete.json"
grep -v '"cache_mem":' "$tmp/complete.json" > "${files[0]}"
sim "test host A" "$tmp/a3.json"
check "a file lacking a term (cache_mem) is made again" \
    grep -q "measuring one into" "$tmp/a3.json.err"
check "and the new one has the term" \
    grep -q '"cache_mem":' "${files[0]}"

# A calibration sets itself against the machine's cached one: terms that
# moved by over 5% are listed under "_since"."moved" and on stderr.  One
# whose cached page fault is priced at four times the truth shows it at
# about -75%; without a cache there is nothing to set it against.
awk 'match($0, /"page_fault":[[:space:]]*[0-9]/) {
         v = substr($0, RSTART + RLENGTH - 1) + 0
         sub(/"page_fault":[[:space:]]*[0-9.eE+]+/, "\"page_fault\": " v * 4)
     }
     { print }' "${files[0]}" > "$tmp/dear.json"
cp "$tmp/dear.json" "${files[0]}"
env -u HAKMEM_CALIBRATION XDG_CACHE_HOME="$tmp/cache" \
    HAKMEM_HOST_KEY="test host A" "$HAKMEM" calibrate --budget 1 \
    -o "$tmp/again.json" 2> "$tmp/again.err"
moved=$(tr -d '\n\t ' < "$tmp/again.json" | grep -o '"_since":{.*"moved":{[^}]*}' |
    grep -o '"page_fault":[-0-9.eE+]*' | cut -d: -f2)
check "a new calibration names the cached one it is set against" \
    grep -q "\"file\":[[:space:]]*\"${files[0]}\"" "$tmp/again.json"
check "and finds page faults moved by about -75% (${moved:-none})" \
    awk -v m="${moved:-x}" 'BEGIN { exit !(m + 0 < -0.5 && m + 0 > -0.95) }'
check "and says so on stderr" \
    grep -q "against this machine's calibration of .* page_fault -[0-9]*%" "$tmp/again.err"
env -u HAKMEM_CALIBRATION XDG_CACHE_HOME="$tmp/empty" \
    HAKMEM_HOST_KEY="test host A" "$HAKMEM" calibrate --budget 1 \
    -o "$tmp/first.json" 2> /dev/null
check "without a cached one, no \"_since\"" \
    eval '! grep -q "\"_since\"" "$tmp/first.json"'

sim "test host B" "$tmp/b.json"
check "another host key calibrated anew" \
    grep -q "measuring one into" "$tmp/b.json.err"
check "and keeps a second file" \
    test "$(ls "$tmp"/cache/hakmem/calibration-*.json | wc -l)" = 2
check "its JSON names the other key" \
    test "$(field host_key < "$tmp/b.json")" = "test host B"

: > "$tmp/not-a-dir"
env -u HAKMEM_CALIBRATION XDG_CACHE_HOME="$tmp/not-a-dir" \
    "$HAKMEM" sim "$tmp/t.trace" > "$tmp/none.json" 2> "$tmp/none.err"
check "no cache directory: the built-in one, with a warning" \
    grep -q "warning: the built-in calibration" "$tmp/none.err"
check "no cache directory: the JSON says builtin" \
    test "$(field source < "$tmp/none.json")" = builtin

"$HAKMEM" sim --calibration builtin "$tmp/t.trace" > "$tmp/ask.json" \
    2> "$tmp/ask.err"
check "--calibration builtin: a warning" \
    grep -q "warning: the built-in calibration" "$tmp/ask.err"
check "--calibration builtin: no share of a CPU it was made beside" \
    test -z "$(grep -o made_beside_others "$tmp/ask.json")"
HAKMEM_CALIBRATION=builtin "$HAKMEM" sim "$tmp/t.trace" > "$tmp/pin.json" \
    2> "$tmp/pin.err"
check "HAKMEM_CALIBRATION=builtin: silent" test ! -s "$tmp/pin.err"
check "HAKMEM_CALIBRATION=builtin and --calibration builtin: the same bytes" \
    cmp -s "$tmp/ask.json" "$tmp/pin.json"
HAKMEM_CALIBRATION="${files[0]}" "$HAKMEM" sim "$tmp/t.trace" > "$tmp/env.json"
check "HAKMEM_CALIBRATION=FILE: source environment" \
    test "$(field source < "$tmp/env.json")" = environment
HAKMEM_CALIBRATION="$tmp/missing.json" "$HAKMEM" sim "$tmp/t.trace" \
    > /dev/null 2> "$tmp/missing.err" && status=0 || status=$?
check "HAKMEM_CALIBRATION naming no file: exit 2, naming it" \
    test "$status" = 2 -a -n "$(grep -l "HAKMEM_CALIBRATION: .*missing.json" "$tmp/missing.err")"
# A calibration says the load it was made under: the load average before
# it, and the share of its CPU other work took while it measured.  One
# whose CPU others took a quarter of or more: a warning naming the share,
# and the JSON says it; one they left alone: no warning, whatever the load
# average (which lags: it reads high right after a build).  A file without
# the share (made before calibrate measured it) is judged by the load
# average: above twice its CPUs, a warning naming the load; at rest, none.
check "the calibration gives its load, CPUs and others' share (\"_load\")" \
    eval "jq -e '._load.load1 >= 0 and ._load.cpus >= 1 and
                 ._load.others >= 0 and ._load.others <= 1' \"\${files[0]}\" >/dev/null"
# sim_at NAME LOAD: `hakmem sim` priced by the first calibration with its
# "_load" replaced by LOAD, its output in $tmp/NAME.out and .err.
sim_at() {
    jq "._load = $2" "${files[0]}" > "$tmp/$1.json"
    "$HAKMEM" sim --calibration "$tmp/$1.json" "$tmp/t.trace" \
        > "$tmp/$1.out" 2> "$tmp/$1.err"
}
sim_at shared '{"load1": 0.3, "cpus": 2, "others": 0.6}'
check "a calibration whose CPU others took 60% of: a warning" \
    grep -q "warning: the calibration $tmp/shared.json was made while other work took 60% of the CPU it measured on" "$tmp/shared.err"
check "and the JSON gives the share" \
    grep -q '"made_beside_others":0.6' "$tmp/shared.out"
sim_at built '{"load1": 38, "cpus": 2, "others": 0.02}'
check "one made at load 38 whose CPU others left alone: no warning" test ! -s "$tmp/built.err"
sim_at busy '{"load1": 9.5, "cpus": 2}'
check "a calibration made at load 9.5 on 2 CPUs: a warning" \
    grep -q "warning: the calibration $tmp/busy.json was made at load 9.5 on 2 CPUs" "$tmp/busy.err"
check "and the JSON gives the load and the CPUs" \
    grep -q '"made_at_load":9.5,"made_on_cpus":2' "$tmp/busy.out"
sim_at idle '{"load1": 0.5, "cpus": 2}'
check "one made at load 0.5 on 2 CPUs: no warning" test ! -s "$tmp/idle.err"
exit $fail

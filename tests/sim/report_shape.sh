#!/bin/bash
# report_shape.sh - `hakmem sim`, `hakmem replay` and HAKMEM_STATS=json
# print one shape (README, "Reports"), checked with jq: the same keys and
# JSON types for the allocator's settings and for "allocator_stats" in all
# three, settings as numbers where they are numbers, only the settings
# that applied (no hakmem parameters for --allocator system, no replay
# engine in a simulation, no simulated machine in a replay), and the
# library that really ran (glibc's, or the one LD_PRELOAD put first, as
# dladdr of malloc says).  --format table prints the same for people.
# A trace read from a pipe simulates and replays as from its file.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
need_jq
hakmem=build/hakmem
lib=$PWD/build/libhakmem.so

"$hakmem" trace gen random_mixed 20000 1024 1 -o "$tmp/t.trace" ||
    fail "trace gen"
"$hakmem" sim "$tmp/t.trace" >"$tmp/sim.json" || fail "sim"
"$hakmem" replay "$tmp/t.trace" >"$tmp/replay.json" || fail "replay"
"$hakmem" replay --allocator system "$tmp/t.trace" >"$tmp/system.json" ||
    fail "replay --allocator system"
HAKMEM_STATS=json HAKMEM_STATS_FILE="$tmp/stats.json" LD_PRELOAD=$lib \
    build/bench/random_mixed 20000 256 7 >/dev/null || fail "HAKMEM_STATS"

# The allocator's parameters, as `hakmem settings` lists them.
params=$("$hakmem" settings --json |
    jq -c '[.[] | select(.applies == "hakmem") | .name]')
[[ $(jq length <<<"$params") -ge 9 ]] || fail "settings --json: $params"

# jq FILE FILTER: the filter holds (prints true) on FILE.
holds() {
    local file=$1 filter=$2
    [[ $(jq --argjson params "$params" "$filter" "$file") == true ]] ||
        fail "$(basename "$file"): not $filter"
}

# shape FILE: the allocator's settings and "allocator_stats" as sorted
# "path type" lines, array indices as [] (the classes used differ).
shape() {
    jq -r --argjson params "$params" '
        {settings: (.settings | with_entries(select(.key as $k |
                                                     $params | index($k)))),
         allocator_stats}
        | [paths(scalars) as $p
           | ($p | map(if type == "number" then "[]" else . end)
                 | join(".")) + " " + (getpath($p) | type)]
        | unique[]' "$1"
}

for f in sim replay stats; do
    holds "$tmp/$f.json" '.allocator == "hakmem"'
    holds "$tmp/$f.json" '(.settings | keys) as $k | $params - $k == []'
    holds "$tmp/$f.json" '.settings.lru_cap == 8 and .settings.ss_size ==
        2097152 and .settings.ptr_check == "cached"'
    holds "$tmp/$f.json" '[.settings[]] | map(type) - ["number", "string"]
        == []'
    holds "$tmp/$f.json" '[.allocator_stats, .syscalls | .. | scalars]
        | map(type) | unique == ["number"]'
    holds "$tmp/$f.json" '.allocator_stats | has("pool") and has("large")
        and has("total") and (.classes | length > 0)'
    holds "$tmp/$f.json" '.allocator_stats.classes[0] | keys_unsorted[0:2]
        == ["class", "size"]'
done
shape "$tmp/sim.json" >"$tmp/sim.shape"
for f in replay stats; do
    shape "$tmp/$f.json" >"$tmp/$f.shape"
    diff "$tmp/sim.shape" "$tmp/$f.shape" >"$tmp/diff" ||
        fail "sim and $f differ in shape:"$'\n'"$(cat "$tmp/diff")"
done
[[ $(wc -l <"$tmp/sim.shape") -gt 40 ]] ||
    fail "the shape compared is too small: $(cat "$tmp/sim.shape")"

# Only the settings that applied; the simulated huge page mode is this
# machine's, as its calibration recorded it.
mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' \
    /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
holds "$tmp/sim.json" '.backend == "sim" and (.settings | has("engine") |
    not) and .settings.thp == "'"${mode:-madvise}"'" and
    .settings.touch == "pages"'
holds "$tmp/replay.json" '.backend == "real" and .settings.engine ==
    "threads" and (.settings | has("thp") or has("tlb") | not)'
holds "$tmp/replay.json" '.library | endswith("/libexec/hakmem-replay")'
holds "$tmp/stats.json" '.library | endswith("/libhakmem.so")'
holds "$tmp/stats.json" '.program.name == "random_mixed" and
    (.program.pid | type) == "number"'
holds "$tmp/stats.json" '(.settings | keys) as $k | $k - $params == []'
holds "$tmp/system.json" '.allocator == "system" and (.settings | keys) ==
    ["engine", "touch"]'
holds "$tmp/system.json" 'has("allocator_stats") or has("syscalls") | not'
holds "$tmp/system.json" '.library | test("/libc\\.so")'
holds "$tmp/system.json" 'has("ld_preload") | not'
peer=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2
[[ -e $peer ]] || fail "$peer is not installed (libmimalloc-dev)"
LD_PRELOAD=$peer "$hakmem" replay --allocator system "$tmp/t.trace" \
    >"$tmp/peer.json" || fail "replay under mimalloc"
holds "$tmp/peer.json" '.library | test("mimalloc")'
holds "$tmp/peer.json" ".ld_preload == \"$peer\""

# Tables for people.
expect 0 "^allocator_stats" "$hakmem" sim --format table "$tmp/t.trace"
expect 0 "mmap  *1  *4.0 MiB" "$hakmem" sim --table "$tmp/t.trace"
expect 0 "^  lru_cap  *8$" "$hakmem" replay --table "$tmp/t.trace"
expect 2 "'xml' is not json or table" "$hakmem" sim --format xml \
    "$tmp/t.trace"

# A trace from a pipe: the same report as from the file, but its name.
sed "s#$tmp/t.trace#/dev/stdin#" "$tmp/sim.json" >"$tmp/want.json"
"$hakmem" sim /dev/stdin <"$tmp/t.trace" >"$tmp/stdin.json" ||
    fail "sim /dev/stdin"
cmp -s "$tmp/want.json" "$tmp/stdin.json" || fail "sim /dev/stdin differs"
cat "$tmp/t.trace" | "$hakmem" sim /dev/stdin >"$tmp/pipe.json" ||
    fail "sim of a pipe"
cmp -s "$tmp/want.json" "$tmp/pipe.json" || fail "sim of a pipe differs"
for engine in --serial ""; do
    # shellcheck disable=SC2086
    events=$(cat "$tmp/t.trace" | "$hakmem" replay $engine /dev/stdin |
        jq .trace.events)
    [[ $events == $(jq .trace.events "$tmp/sim.json") ]] ||
        fail "replay $engine of a pipe: $events events"
done

((failures == 0)) && echo "one shape in sim, replay and HAKMEM_STATS"
exit $((failures > 0))

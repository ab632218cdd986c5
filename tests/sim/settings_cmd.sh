#!/bin/bash
# settings_cmd.sh - `hakmem settings` lists every setting: each parameter
# of core/params.c's table and each run setting, with a default that
# `--set` takes back; a name that is not a setting, given to --set, to a
# JSON config, to a spec's grid or as a HAKMEM_ variable, gets the nearest
# known one ("did you mean lru_cap?") when it is a likely misspelling,
# and no guess when it is not.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
hakmem=build/hakmem
# The names of the parameter table's rows (not those of the aliases).
table_names() {
    sed -n '/hk_param_table\[\] = {/,/^};/s/^    {"\([a-z_0-9]*\)",.*/\1/p' \
        core/params.c
}
"$hakmem" trace gen random_mixed 200 16 1 -o "$tmp/t.trace" ||
    fail "trace gen"

"$hakmem" settings >"$tmp/list" || fail "hakmem settings: exit status $?"
head -n 1 "$tmp/list" | grep -q "^NAME  *DEFAULT  *VALUES  *APPLIES TO  *MEANING" ||
    fail "no header: $(head -n 1 "$tmp/list")"
# Every entry of the parameter table, with its default.
while read -r name def; do
    grep -qE "^$name +$def " "$tmp/list" ||
        fail "the list lacks $name with default $def"
done < <(table_names |
    while read -r n; do
        # The default as the table's row states it, for the plain counts.
        row=$(grep -A2 "^    {\"$n\"," core/params.c | tr -d '\n')
        def=$(sed 's/.*FIELD([a-z_]*), *[^,]*, *[^,]*, *\([0-9]*\),.*/\1/' <<<"$row")
        [[ $def =~ ^[0-9]+$ ]] || def='[^ ]+'
        echo "$n $def"
    done)
count=$(table_names | wc -l)
((count >= 9)) || fail "found only $count parameters in core/params.c"
for name in touch engine thp tlb tlb_l1_4k_entries tlb_l2_shared dcache_l3_bytes; do
    grep -q "^$name " "$tmp/list" || fail "the list lacks $name"
done
# Every default listed is a value --set takes (sizes as 2M, words...).
"$hakmem" settings --json >"$tmp/list.json" || fail "settings --json"
command -v jq >/dev/null || fail "jq is not installed"
sets=()
while read -r arg; do
    sets+=(--set "$arg")
done < <(jq -r '.[] | "\(.name)=\(.default)"' "$tmp/list.json")
((${#sets[@]} >= 40)) || fail "settings --json: ${#sets[@]} arguments"
"$hakmem" sim "${sets[@]}" "$tmp/t.trace" >/dev/null ||
    fail "sim does not take the listed defaults: ${sets[*]}"
expect 0 "^ss_size  *2M  *1M to 64M " "$hakmem" settings ss_size
expect 2 "unknown setting 'lru_capp' (did you mean lru_cap?)" \
    "$hakmem" settings lru_capp

# A data cache's size: shaped to a geometry the model builds (6 MiB of the
# preset's 16-way L3: 4096 sets of 24 ways), said to come from the run's
# settings; a size over 1 GiB or not a size is refused by name.
json=$("$hakmem" sim --calibration builtin --set dcache_l3_bytes=6M \
    "$tmp/t.trace" 2>/dev/null) || fail "sim --set dcache_l3_bytes=6M"
[[ $(jq -r .settings.dcache_l3_bytes <<<"$json") == 6291456 ]] ||
    fail "dcache_l3_bytes=6M ran as $(jq -r .settings.dcache_l3_bytes <<<"$json")"
[[ $(jq -r .calibration.dcache_geometry <<<"$json") == "the run's dcache_*_bytes settings" ]] ||
    fail "the geometry's source: $(jq -r .calibration.dcache_geometry <<<"$json")"
json=$("$hakmem" sim --calibration builtin --set dcache_l3_bytes=5000000 \
    "$tmp/t.trace" 2>/dev/null) || fail "sim --set dcache_l3_bytes=5000000"
[[ $(jq -r .settings.dcache_l3_bytes <<<"$json") == $((4096 * 19 * 64)) ]] ||
    fail "dcache_l3_bytes=5000000 ran as $(jq -r .settings.dcache_l3_bytes <<<"$json")"
expect 2 "dcache_l3_bytes: '2G' is not a size from 0 to 1G" \
    "$hakmem" sim --set dcache_l3_bytes=2G "$tmp/t.trace"
expect 2 "dcache_l2_bytes: 'big' is not a size from 0 to 1G" \
    "$hakmem" sim --set dcache_l2_bytes=big "$tmp/t.trace"

# Did you mean: --set, a JSON config, a spec's grid and fixed, HAKMEM_.
expect 2 "unknown setting 'lru_capp' (did you mean lru_cap?)" \
    "$hakmem" sim --set lru_capp=0 "$tmp/t.trace"
expect 2 "unknown setting 'frontcap' (did you mean front_cap?)" \
    "$hakmem" replay --set frontcap=16 "$tmp/t.trace"
expect 2 "unknown setting 'tlb_l1_4k_entrys' (did you mean tlb_l1_4k_entries?)" \
    "$hakmem" sim --set tlb_l1_4k_entrys=64 "$tmp/t.trace"
expect 2 "unknown setting 'colour' (\`hakmem settings\` lists them)" \
    "$hakmem" sim --set colour=red "$tmp/t.trace"
echo '{"prewarm": 1, "prewram": 2}' >"$tmp/c.json"
expect 2 "c.json: key \"prewram\": unknown setting 'prewram' (did you mean prewarm?)" \
    "$hakmem" sim --config "$tmp/c.json" "$tmp/t.trace"
cat >"$tmp/spec.json" <<JSON
{"name": "s", "traces": [{"name": "t", "file": "t.trace"}],
 "grid": {"lru_capp": [0, 8]}}
JSON
expect 2 "spec.json: grid.lru_capp: unknown setting 'lru_capp' (did you mean lru_cap?)" \
    "$hakmem" sweep "$tmp/spec.json" --db "$tmp/s.db"
[[ ! -e $tmp/s.db ]] || fail "a refused spec made its database"
expect 0 "ignoring unknown setting HAKMEM_LRU_CAPP (did you mean HAKMEM_LRU_CAP?)" \
    env HAKMEM_LRU_CAPP=0 LD_PRELOAD="$PWD/build/libhakmem.so" ls /
expect 0 "ignoring unknown setting HAKMEM_STAT (did you mean HAKMEM_STATS?)" \
    env HAKMEM_STAT=1 LD_PRELOAD="$PWD/build/libhakmem.so" ls /
out=$(env HAKMEM_COLOUR=1 LD_PRELOAD="$PWD/build/libhakmem.so" ls / 2>&1)
grep -q "ignoring unknown setting HAKMEM_COLOUR$" <<<"$out" ||
    fail "HAKMEM_COLOUR: no plain warning, or a guess: $out"

((failures == 0)) && echo "every setting listed; misspellings get the nearest name"
exit $((failures > 0))

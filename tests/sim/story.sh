#!/usr/bin/env bash
# The simulator is deterministic, and it tells the seed report's story:
# with the settings from before the report's fixes it shows SuperSlab
# churn and a mincore() per free; with the defaults, a handful of calls.
set -euo pipefail
HAKMEM=${HAKMEM:-build/hakmem}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$HAKMEM" trace gen random_mixed 200000 4096 1234567 -o "$tmp/rm.trace"
"$HAKMEM" trace gen larson --threads 4 --rounds 10 -o "$tmp/larson.trace"

for t in rm larson; do
    "$HAKMEM" sim "$tmp/$t.trace" > "$tmp/$t.1.json"
    "$HAKMEM" sim "$tmp/$t.trace" > "$tmp/$t.2.json"
    if cmp -s "$tmp/$t.1.json" "$tmp/$t.2.json" && [ -s "$tmp/$t.1.json" ]; then
        echo "deterministic: $t ($(wc -c < "$tmp/$t.1.json") bytes, identical)"
    else
        echo "NOT DETERMINISTIC: $t"
        cmp "$tmp/$t.1.json" "$tmp/$t.2.json" || true
        fail=1
    fi
done
threads=$(grep -o '"threads":[0-9]*' "$tmp/larson.1.json" | head -1 | cut -d: -f2)
[ "$threads" -gt 4 ] || { echo "larson trace replayed $threads threads"; fail=1; }

calls() { # calls NAME < JSON
    grep -o "\"$1\":{\"calls\":[0-9]*" | head -1 | grep -o '[0-9]*$'
}
old="--set lru_cap=0 --set prewarm=0 --set shared_pool=0 --set ptr_check=always"
# shellcheck disable=SC2086
"$HAKMEM" sim $old "$tmp/rm.trace" > "$tmp/old.json"
"$HAKMEM" sim "$tmp/rm.trace" > "$tmp/new.json"
for f in old new; do
    read -r mmap munmap mincore <<< "$(for c in mmap munmap mincore; do
        calls $c < "$tmp/$f.json"; done | tr '\n' ' ')"
    eval "${f}_mmap=$mmap ${f}_munmap=$munmap ${f}_mincore=$mincore"
    echo "$f settings: mmap=$mmap munmap=$munmap mincore=$mincore"
done
# shellcheck disable=SC2154
{
    [ "$old_mmap" -ge 20 ] && [ "$old_munmap" -ge 20 ] &&
        [ "$old_mincore" -ge 100000 ] &&
        [ "$new_mmap" -le 3 ] && [ "$new_munmap" -eq 0 ] &&
        [ "$new_mincore" -eq 0 ]
} || { echo "the old settings must churn and the defaults must not"; fail=1; }
exit $fail

#!/bin/bash
# command.sh - the line `hakmem tune` ends with runs a program with the
# chosen settings: run as printed (PROGRAM replaced by ls) with
# HAKMEM_STATS=json, the library reports every knob at the chosen value,
# the ones the line leaves out at their defaults; and the text output
# ends with the same line as the JSON's "command".
source "$(dirname "$0")/common.bash"
# Only the settings the line gives (the test runner exports its own).
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
export HAKMEM_CALIBRATION=$PWD/calibration.json # common.bash's, for the tunes

# ss_size too, so that a size is written with its suffix (8M).
knobs=large_cache,purge_delay,front_cap,ss_size
json=$(tune --db command.db --objective rss) ||
    fail "the tune failed: $(cat tune.err)"
line=$(jq -r .command <<<"$json")
echo "$line"
[[ $line == *" LD_PRELOAD=$root/build/libhakmem.so PROGRAM" ]] ||
    fail "the line does not preload $root/build/libhakmem.so"
differs=$(chosen "$json" '.differs | length')
((differs > 0)) || fail "the test needs a choice other than the defaults"
[[ $(grep -o 'HAKMEM_[A-Z_]*=' <<<"$line" | wc -l) == "$differs" ]] ||
    fail "the line sets other than the $differs knobs that differ"

eval "env HAKMEM_STATS=json ${line%PROGRAM} ls /" >/dev/null 2>stats.json ||
    fail "the line failed: $(cat stats.json)"
jq -e .settings stats.json >/dev/null ||
    fail "no statistics from the line: $(head -c 500 stats.json)"
mapfile -t chosen_knobs < <(jq -r '.configurations[0].settings | keys[]' <<<"$json")
[[ ${#chosen_knobs[@]} == "$(tr , '\n' <<<"$knobs" | wc -l)" ]] ||
    fail "the tune reports ${#chosen_knobs[@]} knobs, not those of $knobs"
for knob in "${chosen_knobs[@]}"; do
    want=$(chosen "$json" ".settings.$knob")
    got=$(jq -r ".settings.$knob | tonumber" stats.json)
    echo "$knob: chosen $want, the library has $got"
    [[ $got == "$want" ]] || fail "$knob is $got under the line, not $want"
done

text=$("$hakmem" tune phases.hkt --params "$knobs" --budget 45 \
    --db command.db --objective rss 2>>tune.err) ||
    fail "the tune (text) failed"
[[ $(tail -n 1 <<<"$text") == "$line" ]] ||
    fail "the tables end with '$(tail -n 1 <<<"$text")', not the line"
echo "the line reproduces the configuration"

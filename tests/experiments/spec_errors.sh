#!/bin/bash
# spec_errors.sh - a bad spec is refused before anything runs: exit status
# 2, and a message that names the file, the key (as a JSON path) and what
# was expected.  Nothing is written.
source "$(dirname "$0")/common.bash"

good_trace='[{"name": "t", "gen": ["random_mixed", "2000", "64", "1"]}]'

# expect NAME SPEC-BODY MESSAGE [COMMAND]: the spec NAME.json, whose body
# is SPEC-BODY (the members of the top object), is refused by COMMAND
# (default sweep) with a message that contains "NAME.json: MESSAGE".
expect() {
    local name=$1 body=$2 message=$3 command=${4:-sweep} status=0
    printf '{%s}\n' "$body" >"$name.json"
    "$hakmem" "$command" "$name.json" --db "$name.db" >out 2>err ||
        status=$?
    ((status == 2)) || fail "$name: exit status $status, not 2: $(cat err)"
    grep -qF -- "$name.json: $message" err ||
        fail "$name: expected '$name.json: $message' in: $(cat err)"
    [[ ! -e $name.db ]] || fail "$name: the database was created"
    echo "ok $name: $(head -n 1 err)"
}

expect unknown_key \
    "\"name\": \"x\", \"traces\": $good_trace, \"colour\": 1" \
    "colour: unknown key (expected one of:"
expect bad_type \
    "\"name\": \"x\", \"traces\": $good_trace, \"repetitions\": \"3\"" \
    "repetitions: expected an integer from 1"
expect bad_value_type \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"lru_cap\": [0, true]}" \
    "grid.lru_cap[1]: expected a non-negative integer or a non-empty string"
expect unknown_setting \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"lru_kap\": [0]}" \
    "grid.lru_kap: unknown setting 'lru_kap'"
expect unknown_fixed_setting \
    "\"name\": \"x\", \"traces\": $good_trace, \"fixed\": {\"colour\": 1}" \
    "fixed.colour: unknown setting 'colour'"
expect bad_setting_value \
    "\"name\": \"x\", \"traces\": $good_trace, \"baseline\": {\"ptr_check\": \"sometimes\"}" \
    "baseline.ptr_check: "
expect range_backwards \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"prewarm\": {\"from\": 4, \"to\": 1, \"step\": 1}}" \
    "grid.prewarm.to: expected a value >= from (4)"
expect range_two_steps \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"prewarm\": {\"from\": 0, \"to\": 4, \"step\": 1, \"factor\": 2}}" \
    "grid.prewarm: expected exactly one of step, factor"
expect range_no_end \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"prewarm\": {\"from\": 0, \"step\": 1}}" \
    "grid.prewarm.to: missing"
expect range_factor_from_0 \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"lru_cap\": {\"from\": 0, \"to\": 8, \"factor\": 2}}" \
    "grid.lru_cap.factor: a factor needs from >= 1"
expect range_unknown_key \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"lru_cap\": {\"from\": 0, \"to\": 8, \"stride\": 2}}" \
    "grid.lru_cap.stride: unknown key"
expect duplicate_value \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"ss_size\": [\"2M\", 2097152]}" \
    "grid.ss_size[1]: the value 2097152 is in the axis already"
expect grid_and_fixed \
    "\"name\": \"x\", \"traces\": $good_trace, \"grid\": {\"lru_cap\": [0]}, \"fixed\": {\"lru_cap\": 1}" \
    "fixed.lru_cap: also an axis of the grid"
expect trace_key \
    "\"name\": \"x\", \"traces\": [{\"name\": \"t\", \"file\": \"t.hkt\", \"colour\": 1}]" \
    "traces[0].colour: unknown key"
expect trace_both \
    "\"name\": \"x\", \"traces\": [{\"name\": \"t\", \"file\": \"t.hkt\", \"gen\": [\"phases\"]}]" \
    "traces[0]: expected exactly one of file, gen"
expect trace_missing_file \
    "\"name\": \"x\", \"traces\": [{\"name\": \"t\", \"file\": \"nowhere.hkt\"}]" \
    "traces[0].file: cannot read nowhere.hkt"
expect trace_bad_gen \
    "\"name\": \"x\", \"traces\": [{\"name\": \"t\", \"gen\": [\"random_mixed\", \"many\"]}]" \
    "traces[0].gen: \`hakmem trace gen\` rejected it"
expect trace_names \
    "\"name\": \"x\", \"traces\": [{\"name\": \"t\", \"gen\": [\"phases\"]}, {\"name\": \"t\", \"gen\": [\"phases\"]}]" \
    "traces[1].name: the name 't' is taken by traces[0]"
expect backend \
    "\"name\": \"x\", \"traces\": $good_trace, \"backends\": [\"sim\", \"gpu\"]" \
    "backends[1]: expected one of sim, real"
expect peers_without_real \
    "\"name\": \"x\", \"traces\": $good_trace, \"allocators\": [\"hakmem\", \"jemalloc\"]" \
    "allocators: expected only hakmem without the real backend"
expect calibration_missing \
    "\"name\": \"x\", \"traces\": $good_trace, \"calibration\": \"nowhere.json\"" \
    "calibration: cannot read nowhere.json"
expect no_name "\"traces\": $good_trace" "name: expected the spec's name"
expect not_json "\"name\": \"x\", \"traces\": " \
    "line 1, column 25: not valid JSON here"
expect missing_comma "\"name\": \"x\"
  \"traces\": $good_trace" "line 2, column 3: not valid JSON here"
expect trailing_data "\"name\": \"x\"} {\"traces\": 1" \
    "line 1, column 15: data after the JSON object"
expect duplicate_key "\"name\": \"x\", \"traces\": $good_trace, \"name\": \"y\"" \
    'key "name" given twice in one object'
expect no_baseline "\"name\": \"x\", \"traces\": $good_trace" \
    "baseline: missing" validate

# A spec without db and no --db.
printf '{"name": "x", "traces": %s}\n' "$good_trace" >nodb.json
status=0
"$hakmem" sweep nodb.json 2>err || status=$?
((status == 2)) && grep -qF "nodb.json: db: missing" err ||
    fail "no db: exit status $status: $(cat err)"

# Bad command lines.
for args in "--shard 2/2" "--shard 1" "--jobs 0"; do
    status=0
    # shellcheck disable=SC2086
    "$hakmem" sweep nodb.json --db x.db $args 2>err || status=$?
    ((status == 2)) || fail "sweep $args: exit status $status, not 2"
done
echo "all bad specs refused"

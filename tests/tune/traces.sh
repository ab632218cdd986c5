#!/bin/bash
# traces.sh - `hakmem tune` on two traces: the objective of a
# configuration is the geometric mean of its time ratios to the defaults
# over the traces, or with --robust the largest; with --holdout 1 the
# choice is the one made on the first trace alone, and the gain reported
# on the held-out trace is the one simulations run here apart give.
source "$(dirname "$0")/common.bash"

"$hakmem" trace gen random_mixed 20000 1024 7 -o mixed.hkt ||
    fail "cannot generate the second trace"

# objective JSON ROW: from the row's predicted times, the geometric mean
# and the largest of the ratios to the defaults'.
ratios='[.configurations[0].traces as $d | .configurations[ROW].traces
         | to_entries[] | .value.predicted.ns / $d[.key].predicted.ns]'
check_objective() {
    local json=$1 combine=$2 n
    n=$(jq '.configurations | length' <<<"$json")
    for ((k = 0; k < n; k++)); do
        jq -e --argjson k "$k" "${ratios//ROW/\$k} as \$r
            | (if \"$combine\" == \"max\" then (\$r | max)
               else ((\$r | map(log) | add) / (\$r | length) | exp) end)
            as \$want | .configurations[\$k].objective as \$got
            | ((\$got - \$want) | fabs) <= 1e-9 * \$want" <<<"$json" \
            >/dev/null ||
            fail "configuration $k: objective $(jq ".configurations[$k]
                .objective" <<<"$json") is not the $combine of its ratios"
    done
}

both=$("$hakmem" tune phases.hkt mixed.hkt --params "$knobs" --budget 45 \
    --db traces.db --json 2>>tune.err) || fail "the tune failed"
check_objective "$both" geomean
robust=$("$hakmem" tune phases.hkt mixed.hkt --params "$knobs" \
    --budget 45 --db traces.db --json --robust 2>>tune.err) ||
    fail "the robust tune failed"
check_objective "$robust" max
echo "objectives: geometric mean and, with --robust, the worst trace"

alone=$(tune --db traces.db) || fail "the tune of one trace failed"
held=$("$hakmem" tune phases.hkt mixed.hkt --holdout 1 --params "$knobs" \
    --budget 45 --db traces.db --json 2>>tune.err) ||
    fail "the tune with --holdout 1 failed"
[[ $(jq -c '[.traces[].held_out]' <<<"$held") == '[false,true]' ]] ||
    fail "the second trace is not marked held out"
[[ $(chosen "$alone" .differs) == "$(chosen "$held" .differs)" ]] ||
    fail "--holdout 1 chose $(chosen "$held" .differs), the first trace" \
        "alone $(chosen "$alone" .differs)"
[[ $(jq .search.configurations <<<"$alone") == \
    "$(jq .search.configurations <<<"$held")" ]] ||
    fail "--holdout 1 searched other configurations than the first" \
        "trace alone"
mapfile -t args < <(sets "$held")
base=$("$hakmem" sim mixed.hkt | jq .predicted.ns)
mine=$("$hakmem" sim "${args[@]}" mixed.hkt | jq .predicted.ns)
jq -e --argjson b "$base" --argjson m "$mine" \
    '.configurations[] | select(.chosen) | .held_out_predicted_gain as $g
     | (($g - ($b / $m - 1)) | fabs) < 1e-9' <<<"$held" >/dev/null ||
    fail "the held-out gain $(chosen "$held" .held_out_predicted_gain) is" \
        "not $base / $mine - 1"
echo "--holdout 1: chosen on phases alone ($(chosen "$held" .differs |
    tr -d ' \n')), gain on mixed $(chosen "$held" .held_out_predicted_gain)"

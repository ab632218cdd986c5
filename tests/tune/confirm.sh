#!/bin/bash
# confirm.sh - `hakmem tune --confirm N` replays the defaults and the top
# configurations N times each on the real allocator, repetition by
# repetition so that configurations take turns, into a spec of their own
# with the defaults as its baseline; the measured times it reports are the
# medians of those runs, and its gains follow from them.
source "$(dirname "$0")/common.bash"

json=$(tune --db confirm.db --confirm 3) ||
    fail "the tune failed: $(cat tune.err)"
spec=$(jq -r .confirm_spec <<<"$json")
rows=$(jq '.configurations | length' <<<"$json")
[[ $spec == tune-confirm-* ]] || fail "confirm_spec is '$spec'"
((rows >= 2)) || fail "only $rows configurations"
real="FROM runs WHERE spec = '$spec' AND backend = 'real'"
[[ $(count confirm.db "SELECT count(*) $real") == $((3 * rows)) ]] ||
    fail "$(count confirm.db "SELECT count(*) $real") real runs, not" \
        "$((3 * rows))"
[[ $(count confirm.db "SELECT group_concat(rep, '') FROM (SELECT rep
        $real ORDER BY run_id)") == \
    "$(printf '0%.0s' $(seq $rows))$(printf '1%.0s' $(seq $rows))$(printf \
        '2%.0s' $(seq $rows))" ]] ||
    fail "the runs did not go repetition by repetition"
[[ $(count confirm.db "SELECT count(*) $real AND baseline = 1") == 3 ]] ||
    fail "the defaults' runs are not the baseline"
[[ $(count confirm.db "SELECT count(*) FROM runs WHERE spec = '$spec'
        AND backend = 'sim'") == "$rows" ]] ||
    fail "the configurations confirmed are not simulated in their spec"

# times K: configuration K's wall times by repetition, from the database.
times() {
    local match
    match=$(jq -r ".configurations[$1].settings | to_entries
        | map(\"(SELECT value FROM params p WHERE p.run_id = r.run_id AND
               p.name = '\(.key)') = '\(.value)'\") | join(\" AND \")" \
        <<<"$json")
    count confirm.db "SELECT printf('%.17g', m.value) FROM runs r
        JOIN metrics m ON m.run_id = r.run_id AND m.name = 'wall_s'
        WHERE r.spec = '$spec' AND r.backend = 'real' AND $match
        ORDER BY r.rep"
}

# Each row's median against the database's, and the turns it won against
# the defaults' run of the same repetition.
mapfile -t defaults < <(times 0)
for ((k = 0; k < rows; k++)); do
    mapfile -t mine < <(times "$k")
    median=$(printf '%s\n' "${mine[@]}" | sort -g | sed -n 2p)
    jq -e --argjson m "$median" ".configurations[$k].traces.phases.measured
        | (.median_s - \$m | fabs) <= 1e-12 * \$m" <<<"$json" >/dev/null ||
        fail "configuration $k: median $(jq ".configurations[$k].traces
            .phases.measured.median_s" <<<"$json"), the database's $median"
    ((k > 0)) || continue
    wins=0
    for rep in 0 1 2; do
        jq -e -n "${mine[rep]} < ${defaults[rep]}" >/dev/null && ((++wins))
    done
    said=$(jq ".configurations[$k].traces.phases.measured
        | \"\(.wins)/\(.pairs)\"" -r <<<"$json")
    [[ $said == "$wins/3" ]] ||
        fail "configuration $k won $said turns by the tune, $wins/3 by" \
            "the database"
done
jq -e '.configurations[0].traces.phases.measured.median_s as $d
       | [.configurations[1:][] | .traces.phases.measured
          | ((.gain - ($d / .median_s - 1)) | fabs) < 1e-9] | all' <<<"$json" \
    >/dev/null || fail "a measured gain is not defaults / configuration - 1"
echo "confirmed: $rows configurations x 3 runs, in turns, in $spec"

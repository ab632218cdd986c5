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

# Each row's median against the database's; the gain from the medians.
for ((k = 0; k < rows; k++)); do
    median=$(jq ".configurations[$k].traces.phases.measured.median_s" \
        <<<"$json")
    runs=$(jq -r ".configurations[$k].settings | to_entries
        | map(\"(SELECT value FROM params p WHERE p.run_id = r.run_id AND
               p.name = '\(.key)') = '\(.value)'\") | join(\" AND \")" \
        <<<"$json")
    truth=$(count confirm.db "SELECT printf('%.17g', value) FROM (SELECT
        m.value FROM runs r JOIN metrics m ON m.run_id = r.run_id AND
        m.name = 'wall_s' WHERE r.spec = '$spec' AND r.backend = 'real'
        AND $runs ORDER BY m.value LIMIT 1 OFFSET 1)")
    jq -e --argjson a "$median" --argjson b "$truth" -n \
        '($a - $b | fabs) <= 1e-12 * $b' >/dev/null ||
        fail "configuration $k: median $median, the database's $truth"
done
jq -e '.configurations[0].traces.phases.measured.median_s as $d
       | .configurations[1:][] | .traces.phases.measured
       | ((.gain - ($d / .median_s - 1)) | fabs) < 1e-9' <<<"$json" \
    >/dev/null || fail "a measured gain is not defaults / configuration - 1"
echo "confirmed: $rows configurations x 3 runs, in turns, in $spec"

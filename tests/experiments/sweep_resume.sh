#!/bin/bash
# sweep_resume.sh - a sweep killed midway (SIGKILL, after a few points) and
# run again ends with exactly the runs of an uninterrupted sweep: the same
# point keys, params and metrics, none twice, none lost.
source "$(dirname "$0")/common.bash"

cat >spec.json <<JSON
{
  "name": "resume",
  "traces": $small_traces,
  "grid": {"lru_cap": [0, 2, 8], "prewarm": [0, 1, 4],
           "front_cap": {"from": 16, "to": 256, "factor": 4}},
  "fixed": {"shared_pool": 0},
  "baseline": {"lru_cap": 0, "prewarm": 0}
}
JSON
total=$((2 * (27 + 1)))

"$hakmem" sweep spec.json --db whole.db --jobs 2 2>whole.err ||
    fail "the uninterrupted sweep failed: $(cat whole.err)"
[[ $(count whole.db "SELECT count(*) FROM runs") == "$total" ]] ||
    fail "the uninterrupted sweep stored $(count whole.db \
        "SELECT count(*) FROM runs") runs, not $total"

# One point at a time, killed once a few are stored.
stored=$(kill_once_stored resumed.db 3 "$hakmem" sweep spec.json \
    --db resumed.db --jobs 1)
echo "killed after $stored of $total points"
((stored > 0 && stored < total)) || fail "killed with $stored points stored"

"$hakmem" sweep spec.json --db resumed.db --jobs 2 2>resumed.err ||
    fail "the resumed sweep failed: $(cat resumed.err)"
grep -q "$stored points stored already, $((total - stored)) to run" \
    resumed.err || fail "the resumed sweep did not skip: $(cat resumed.err)"
[[ $(count resumed.db "SELECT count(*) FROM runs") == "$total" ]] ||
    fail "the resumed sweep holds $(count resumed.db \
        "SELECT count(*) FROM runs") runs, not $total"
dump whole.db >whole.txt
dump resumed.db >resumed.txt
cmp -s whole.txt resumed.txt ||
    fail "resumed and uninterrupted sweeps differ: $(diff whole.txt \
        resumed.txt | head -c 2000)"

# A third run has nothing to do and changes nothing.
"$hakmem" sweep spec.json --db resumed.db 2>again.err ||
    fail "the third run failed: $(cat again.err)"
dump resumed.db | cmp -s - whole.txt || fail "the third run changed runs"
echo "resumed sweep equals the uninterrupted one ($total runs)"

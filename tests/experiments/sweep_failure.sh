#!/bin/bash
# sweep_failure.sh - a point that fails is reported with its command and
# its error output and is not stored; the other points are, and the sweep
# exits 1.  Run again, it retries only the failed points.
source "$(dirname "$0")/common.bash"

"$hakmem" trace gen random_mixed 2000 64 1 -o good.hkt
head -c 300 good.hkt >cut.hkt # a trace cut short: its replay fails
cat >spec.json <<JSON
{
  "name": "failure",
  "traces": [{"name": "good", "file": "good.hkt"},
             {"name": "cut", "file": "cut.hkt"}],
  "grid": {"lru_cap": [0, 8]}
}
JSON

status=0
"$hakmem" sweep spec.json --db out.db --jobs 2 2>err || status=$?
((status == 1)) || fail "exit status $status, not 1: $(cat err)"
grep -q "point failed (exit status 1): .*/hakmem sim --set lru_cap=0 cut.hkt" \
    err || fail "the failed command is not reported: $(cat err)"
grep -q "^    hakmem sim: cut.hkt: byte " err ||
    fail "the failed point's stderr is not reported: $(cat err)"
grep -q "2 points failed" err || fail "no summary of failures: $(cat err)"
[[ $(count out.db "SELECT group_concat(trace) FROM runs") == "good,good" ]] ||
    fail "stored: $(count out.db "SELECT group_concat(trace) FROM runs")"

status=0
"$hakmem" sweep spec.json --db out.db 2>again.err || status=$?
((status == 1)) && grep -q "2 points stored already, 2 to run" again.err ||
    fail "the rerun did not retry just the failed points: $(cat again.err)"
echo "failed points reported, the others stored"

#!/bin/bash
# shard_merge.sh - two shards of a sweep, run side by side by GNU parallel
# and merged, equal the unsharded sweep; merging again changes nothing.
# The shards start with an empty trace cache and generate it together.
source "$(dirname "$0")/common.bash"
require parallel

cat >spec.json <<JSON
{
  "name": "shards",
  "traces": $small_traces,
  "grid": {"lru_cap": [0, 8], "prewarm": [0, 4], "front_cap": [16, 256]},
  "baseline": {"lru_cap": 0, "prewarm": 0, "front_cap": 16}
}
JSON
total=$((2 * 8)) # the baseline is a grid point

parallel --will-cite "$hakmem" sweep spec.json --jobs 1 --shard {}/2 \
    --db shard{}.db ::: 0 1 2>shards.err ||
    fail "a shard failed: $(cat shards.err)"
n0=$(count shard0.db "SELECT count(*) FROM runs")
n1=$(count shard1.db "SELECT count(*) FROM runs")
((n0 > 0 && n1 > 0 && n0 + n1 == total)) ||
    fail "shards hold $n0 and $n1 runs, not $total between them"

"$hakmem" merge merged.db shard0.db shard1.db 2>merge.err ||
    fail "merge failed: $(cat merge.err)"
"$hakmem" sweep spec.json --db whole.db 2>whole.err ||
    fail "the unsharded sweep failed: $(cat whole.err)"
dump whole.db >whole.txt
dump merged.db >merged.txt
[[ $(wc -l <whole.txt) == "$total" ]] || fail "whole.db lacks runs"
cmp -s whole.txt merged.txt ||
    fail "merged shards differ from the unsharded sweep: $(diff whole.txt \
        merged.txt | head -c 2000)"
[[ $(count merged.db "SELECT min(run_id) || ' ' || max(run_id) FROM runs") \
    == "1 $total" ]] || fail "run ids are not renumbered 1..$total"

"$hakmem" merge merged.db shard1.db shard0.db 2>again.err ||
    fail "the second merge failed: $(cat again.err)"
grep -q "shard1.db: 0 runs added" again.err || fail "$(cat again.err)"
dump merged.db | cmp -s - whole.txt || fail "merging again changed runs"

# A merge of something that is not a results database fails cleanly.
echo "not a database" >junk.db
status=0
"$hakmem" merge merged.db junk.db 2>junk.err || status=$?
((status == 1)) || fail "merging junk: exit status $status"
dump merged.db | cmp -s - whole.txt || fail "a failed merge changed runs"
echo "shards $n0 + $n1 merged equal the unsharded sweep"

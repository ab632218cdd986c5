#!/bin/bash
# validate.sh - `hakmem validate` on a tiny spec: names the calibration,
# prints a table per trace (the baseline, each configuration with its
# predicted and measured time and speedup and their ratio, system calls
# equal for these single-threaded traces) and a summary, and stores one
# simulated and N real runs per distinct configuration (the baseline is a
# grid point, so 4 per trace); the speedup by pairs is the median of the
# runs' per-repetition ratios, read back from the database.  The machine's
# costs are measured again before and after the real runs: the header
# shows them over the calibration's, the summary the errors re-priced at
# them, and again between repetitions, each repetition's runs re-priced at
# the probes around it; a second validate that runs nothing new does not
# measure them.
source "$(dirname "$0")/common.bash"

cat >spec.json <<JSON
{
  "name": "validate",
  "db": "results/validate.db",
  "traces": $small_traces,
  "grid": {"lru_cap": [0, 8], "front_cap": [16, 256]},
  "fixed": {"shared_pool": 0},
  "baseline": {"lru_cap": 0, "front_cap": 16}
}
JSON

"$hakmem" validate spec.json --runs 3 >out 2>err ||
    fail "validate failed: $(cat err) $(cat out)"
cat out
for trace in mixed phases; do
    grep -q "^trace $trace: [0-9]* events, 1 thread;" out ||
        fail "no table for $trace"
done
grep -q "^calibration: built-in" out || fail "no calibration in the header"
grep -q "^configuration  *predicted  *measured  *t.err  *spread  *p.speed  *m.speed  *ratio  *error  *m.paired  *ratio  *ns/ev  *syscalls$" out ||
    fail "no table header"
# Per trace: the baseline, the grid point equal to it, and three more.
[[ $(grep -c '^(baseline) lru_cap=0 front_cap=16 ' out) == 2 ]] ||
    fail "no baseline rows"
[[ $(grep -c '^lru_cap=0 front_cap=16 .*=base' out) == 2 ]] ||
    fail "the grid point equal to the baseline is not marked"
rows=$(grep -cE '^lru_cap=[08] front_cap=(16|256) .*[0-9.]+x +[0-9.]+x +[0-9.]+ +[-+][0-9.]+ pp +[0-9.]+x +[0-9.]+ +-?[0-9.]+  [0-9]+ = [0-9]+( NOISY)?$' out || true)
((rows == 6)) || fail "$rows configuration rows with gains, not 6"
! grep -q DIFFER out || fail "system calls differ on a single-threaded trace"
grep -qE '^median \|error\| of the predicted gain: [0-9.]+ pp over 6 configurations on 2 traces$' out ||
    fail "no summary line"
grep -qE '^worst speedup ratio: [0-9.]+ \([-+][0-9]+%, (mixed|phases), ' out ||
    fail "no worst speedup ratio"
grep -qE '^by pairs \(each run against the baseline.s of its repetition\): worst [0-9.]+ \([-+][0-9]+%, (mixed|phases), ' out ||
    fail "no worst speedup ratio by pairs"
grep -qE '^  [0-9]+ of 6 configurations within \+-15%$' out || fail "no count within the target by pairs"
grep -qE '^worst time error: [-+][0-9]+% \((mixed|phases), ' out ||
    fail "no worst time error"
grep -qE '^measured by the fastest run: worst time error [-+][0-9]+% \((mixed|phases), ' out ||
    fail "no summary by the fastest run"
grep -q "^the machine now: each term's cost" out || fail "no probe header"
grep -qE '^  the median term now over its calibrated cost: [0-9.]+ before, [0-9.]+ after the real runs$' out ||
    fail "no median drift of the probed terms before and after the real runs"
grep -qE '^  the L3 a scan finds: [0-9.]+ MiB before, [0-9.]+ [0-9.]+ MiB between repetitions, [0-9.]+ MiB after, calibrated [1-9][0-9.]* MiB$' out ||
    fail "no L3 share probed before, between and after the 3 repetitions"
for when in before after; do
    grep -A4 "^  $when the real runs:\$" out | tr '\n' ' ' |
        grep -qE '^  [a-z]+ the real runs: +malloc [0-9.]+ free [0-9.]+ .*page_fault [0-9.]+ .*dispatch [0-9.]+' ||
        fail "no costs measured $when the real runs"
    grep -qE "^re-priced at the costs probed $when the real runs: worst time error [-+][0-9]+% \((mixed|phases), " out ||
        fail "no re-priced summary ($when)"
done
grep -qE '^re-priced per repetition at the probes around it: worst time error [-+][0-9]+% \((mixed|phases), ' out ||
    fail "no summary re-priced per repetition"
grep -qE '^  \.\.\. and just before each repetition, then after the last:( [0-9.]+){4}$' out ||
    fail "no drift probed before each of 3 repetitions and after the last"
[[ $(grep -cE '^  [0-9]+ of 10 times within \+-15%; worst speedup ratio [0-9.]+ \((mixed|phases), ' out) == 4 ]] ||
    fail "no re-priced time counts"

db=results/validate.db
[[ $(count $db "SELECT count(*) FROM runs WHERE backend = 'sim'") == 8 ]] ||
    fail "not 8 simulated runs"
[[ $(count $db "SELECT count(*) FROM runs WHERE backend = 'real'") == 24 ]] ||
    fail "not 3 real runs of each of 8 configurations"
[[ $(count $db "SELECT count(*) FROM runs WHERE baseline = 1") == 8 ]] ||
    fail "not 2 baseline runs (1 simulated, 3 real) per trace"
[[ $(count $db "SELECT count(DISTINCT run_id) FROM metrics
                WHERE name = 'wall_s'") == 24 ]] || fail "real runs lack wall_s"
[[ $(count $db "SELECT count(DISTINCT run_id) FROM metrics
                WHERE name = 'cpu_s'") == 24 ]] || fail "real runs lack cpu_s"
[[ $(count $db "SELECT count(*) FROM params
                WHERE name = 'calibration' AND value = 'builtin'") == 8 ]] ||
    fail "simulated runs do not say which calibration priced them"
[[ $(count $db "SELECT count(DISTINCT run_id) FROM metrics
                WHERE name = 'predicted.ns'") == 8 ]] ||
    fail "simulated runs lack predicted.ns"

# Repetitions start at different configurations: the real runs of trace
# mixed, in the order they ran, begin with (0,16) in repetitions 0 and 1
# (the baseline, then the grid point equal to it) and with (0,256) in 2.
first_config() { # REP: lru_cap,front_cap of its first real run on mixed
    count $db "SELECT a.value || ',' || b.value FROM runs r
               JOIN params a ON a.run_id = r.run_id AND a.name = 'lru_cap'
               JOIN params b ON b.run_id = r.run_id AND b.name = 'front_cap'
               WHERE r.backend = 'real' AND r.trace = 'mixed' AND r.rep = $1
               ORDER BY r.run_id LIMIT 1"
}
firsts="$(first_config 0) $(first_config 1) $(first_config 2)"
[[ $firsts == "0,16 0,16 0,256" ]] ||
    fail "repetitions began with $firsts, not 0,16 0,16 0,256"

# The speedup by pairs, from the database: per repetition, the baseline's
# CPU time over the configuration's on trace mixed, then their median.
config_cpu() { # REP LRU_CAP FRONT_CAP: the CPU time of that real run
    count $db "SELECT m.value FROM runs r JOIN metrics m USING (run_id)
               JOIN params a ON a.run_id = r.run_id AND a.name = 'lru_cap'
               JOIN params b ON b.run_id = r.run_id AND b.name = 'front_cap'
               WHERE r.backend = 'real' AND r.trace = 'mixed' AND r.rep = $1
                 AND m.name = 'cpu_s' AND a.value = '$2' AND b.value = '$3'"
}
want=$(for rep in 0 1 2; do
           echo "$(config_cpu $rep 0 16) $(config_cpu $rep 8 256)"
       done | awk '{ print $1 / $2 }' | sort -g | sed -n 2p)
got=$(awk '/^trace mixed:/ { on = 1 } on && /^lru_cap=8 front_cap=256 / { print; exit }' out |
      grep -oE '[0-9.]+x' | sed -n 3p | tr -d x)
awk -v w="$want" -v g="$got" 'BEGIN { exit !(w > 0 && g - w <= 0.006 && w - g <= 0.006) }' ||
    fail "speedup by pairs printed $got, the runs' median is $want"

# Run again: everything is stored, the same table comes out.
"$hakmem" validate spec.json --runs 3 >again 2>err || fail "$(cat err)"
tables() { sed -n '/^trace /,/^worst time error/p' "$1"; }
cmp -s <(tables out) <(tables again) ||
    fail "the second validate printed another table"
grep -q "24 points stored already, 0 to run" err || fail "$(cat err)"
[[ $(grep -c 'the real runs: not measured (every real run was in the database)$' again) == 2 ]] ||
    fail "the second validate measured costs that do not bracket its runs"
! grep -q '^re-priced' again || fail "the second validate re-priced"

# The simulations' L3: the built-in calibration keeps its own (the preset's
# 16 MiB); a calibration of this machine's, here a copy of the built-in one
# named as a file, gives way to the median of the shares of the L3 that
# scans found around the real runs (with one repetition, before and after
# them), rounded down to a shape the model takes (a power-of-two number of
# sets of at most 64 ways: under 1/16 off).
sim_l3() { # DB: the dcache_l3_bytes of its simulations
    count "$1" "SELECT DISTINCT p.value FROM params p JOIN runs r USING (run_id)
                WHERE r.backend = 'sim' AND p.name = 'dcache_l3_bytes'"
}
grep -qE "^  the simulations' L3: 16\.0 MiB, the built-in calibration's$" out ||
    fail "no L3 of the simulations with the built-in calibration"
[[ $(sim_l3 $db) == 16777216 ]] ||
    fail "the built-in calibration's simulations had an L3 of $(sim_l3 $db)"
cp "$root/experiments/calibrate/default.json" costs.json
cat >l3.json <<JSON
{"name": "l3", "db": "results/l3.db", "traces": $small_traces,
 "grid": {"lru_cap": [0, 8]}, "baseline": {"lru_cap": 0}}
JSON
"$hakmem" validate l3.json --runs 1 --calibration costs.json >l3.out 2>err ||
    fail "validate with a calibration file failed: $(cat err)"
grep -qE "^  the simulations' L3: [0-9.]+ MiB, the median share found around the real runs \(dcache_l3_bytes\)$" l3.out ||
    fail "the simulations did not take the L3 share found: $(grep L3 l3.out)"
found=$(sed -nE 's/^  the L3 a scan finds: ([0-9.]+) MiB before, ([0-9.]+) MiB after,.*/\1 \2/p' l3.out)
had=$(sim_l3 results/l3.db)
awk -v f="$found" -v h="$had" 'BEGIN { split(f, b, " "); want = (b[1] + b[2]) / 2
    m = h / 1048576; exit !(want > 0 && m <= want + 0.1 && m >= want * 15 / 16 - 0.1) }' ||
    fail "the scans found $found MiB, the simulations had $had bytes"

#!/bin/bash
# spec_paths.sh - what a sweep does with the files around it: paths in a
# spec (trace files, calibration, db) are relative to the spec file, not
# to the directory the command runs in; a sweep that fails leaves no
# database it stored nothing in and no empty directories; `merge` refuses
# its output as an input; `sweep DIR` says it is a directory; real points
# run one at a time unless --jobs says otherwise, which warns; and the
# settings, numbers in the run's JSON, are stored as params in text.
source "$(dirname "$0")/common.bash"

mkdir -p specs/data elsewhere
"$hakmem" trace gen random_mixed 2000 64 1 -o specs/data/t.hkt
"$hakmem" calibrate --quick -o specs/data/costs.json 2>/dev/null ||
    cp "$root/experiments/calibrate/default.json" specs/data/costs.json
cat >specs/rel.json <<'JSON'
{
  "name": "rel",
  "db": "out/rel.db",
  "calibration": "data/costs.json",
  "traces": [{"name": "t", "file": "data/t.hkt"}],
  "grid": {"lru_cap": [0, 8], "ss_size": ["1M", "2M"]}
}
JSON
(cd elsewhere && "$hakmem" sweep ../specs/rel.json --jobs 2 2>err) ||
    fail "a sweep of a spec in another directory: $(cat elsewhere/err)"
[[ -f specs/out/rel.db && ! -e elsewhere/out ]] ||
    fail "the database is not beside the spec: $(find . -name rel.db)"
[[ $(count specs/out/rel.db "SELECT count(*) FROM runs") == 4 ]] ||
    fail "runs: $(count specs/out/rel.db "SELECT count(*) FROM runs")"
# Settings that are numbers in the JSON are text params, as --set takes
# them; words stay words; the calibration is recorded.
[[ $(count specs/out/rel.db "SELECT group_concat(value, ' ') FROM
      (SELECT DISTINCT value FROM params WHERE name = 'ss_size'
       ORDER BY value + 0)") == "1048576 2097152" ]] ||
    fail "ss_size params: $(count specs/out/rel.db "SELECT value FROM params WHERE name = 'ss_size'")"
[[ $(count specs/out/rel.db "SELECT DISTINCT value FROM params
      WHERE name = 'ptr_check'") == cached ]] || fail "ptr_check param"
[[ $(count specs/out/rel.db "SELECT count(*) FROM params
      WHERE name = 'calibration'") == 4 ]] || fail "no calibration params"
[[ $(count specs/out/rel.db "SELECT count(*) FROM params
      WHERE name = 'engine'") == 0 ]] || fail "simulations have an engine"
[[ $(count specs/out/rel.db "SELECT count(*) FROM metrics
      WHERE name = 'allocator_stats.total.front_hits'") == 4 ]] ||
    fail "no allocator_stats metrics"
# The same spec from its own directory stores nothing new.
(cd specs && "$hakmem" sweep rel.json 2>err) || fail "$(cat specs/err)"
grep -q "4 points stored already, 0 to run" specs/err ||
    fail "the spec's paths depend on where it runs: $(cat specs/err)"
# A path relative to the spec that is not there is named as resolved.
sed 's#data/t.hkt#data/none.hkt#' specs/rel.json >specs/missing.json
status=0
(cd elsewhere && "$hakmem" sweep ../specs/missing.json 2>err) || status=$?
((status == 2)) && grep -q "cannot read ../specs/data/none.hkt" elsewhere/err ||
    fail "a missing trace: status $status: $(cat elsewhere/err)"

# A sweep that fails leaves no empty directories and no empty database.
cat >specs/gen.json <<'JSON'
{"name": "gen", "db": "results/deep/gen.db",
 "traces": [{"name": "g", "gen": ["random_mixed", "-5"]}]}
JSON
status=0
"$hakmem" sweep specs/gen.json --trace-cache cache/traces 2>err || status=$?
((status != 0)) || fail "a bad generator did not fail the sweep"
[[ ! -e cache && ! -e specs/results ]] ||
    fail "a failed sweep left: $(find cache specs/results 2>/dev/null)"
head -c 100 specs/data/t.hkt >specs/data/cut.hkt
cat >specs/cut.json <<'JSON'
{"name": "cut", "db": "results/deep/cut.db",
 "traces": [{"name": "c", "file": "data/cut.hkt"}]}
JSON
status=0
"$hakmem" sweep specs/cut.json 2>err || status=$?
((status == 1)) || fail "a sweep whose every point fails: status $status"
[[ ! -e specs/results ]] ||
    fail "a sweep that stored nothing left: $(find specs/results)"

# merge OUT OUT; sweep DIR.
expect() { # STATUS PATTERN COMMAND...
    local want=$1 pattern=$2 out status=0
    shift 2
    out=$("$@" 2>&1) || status=$?
    ((status == want)) && grep -q -e "$pattern" <<<"$out" ||
        fail "$*: status $status: $out"
}
expect 2 "specs/out/rel.db is the output database and also an input" \
    "$hakmem" merge specs/out/rel.db specs/data/../out/rel.db
[[ $(count specs/out/rel.db "SELECT count(*) FROM runs") == 4 ]] ||
    fail "the refused merge changed the database"
expect 2 "specs: Is a directory" "$hakmem" sweep specs
expect 2 "specs: Is a directory" "$hakmem" validate specs

# Real points one at a time by default; --jobs N > 1 warns.
cat >specs/real.json <<'JSON'
{"name": "real", "db": "out/real.db", "backends": ["real"],
 "traces": [{"name": "t", "file": "data/t.hkt"}],
 "grid": {"lru_cap": [0, 8]}}
JSON
"$hakmem" sweep specs/real.json 2>err || fail "real sweep: $(cat err)"
! grep -q warning err || fail "a warning without --jobs: $(cat err)"
rm specs/out/real.db
"$hakmem" sweep specs/real.json --jobs 2 2>err || fail "real sweep --jobs 2"
grep -q "warning: --jobs 2 runs 2 real-backend points at once" err ||
    fail "no warning for --jobs 2 on real points: $(cat err)"
# The bundled specs name the checkout's results/, as make demo makes it.
for spec in "$root"/experiments/*/*.json; do
    jq -e '.traces' "$spec" >/dev/null 2>&1 || continue # not a spec
    dir=$(dirname "$spec")
    while read -r path; do
        [[ $(realpath -m "$dir/$path") == "$root"/results/* ]] ||
            fail "$spec: $path is not under results/ of the checkout"
    done < <(jq -r '.db // empty, (.traces[] | .file // empty)' "$spec")
done
echo "spec paths from the spec; failures leave nothing; clear errors"

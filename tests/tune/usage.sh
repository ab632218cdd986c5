#!/bin/bash
# usage.sh - `hakmem tune` refuses bad arguments before it runs anything:
# exit status 2 and a message naming what was wrong; --ladders lists the
# knobs and the parameters left out, with the reason.
source "$(dirname "$0")/common.bash"

# refused PATTERN ARGS...: `hakmem tune ARGS...` exits 2, its stderr
# matches PATTERN, and no database was made.
refused() {
    local pattern=$1 status=0
    shift
    "$hakmem" tune "$@" --db refused.db >out.txt 2>err.txt || status=$?
    ((status == 2)) || fail "tune $*: exit status $status, not 2"
    grep -q -e "$pattern" err.txt ||
        fail "tune $*: '$(cat err.txt)' lacks '$pattern'"
    [[ ! -e refused.db ]] || fail "tune $*: made a database"
}

refused 'usage: hakmem tune'
refused "--params: 'lru_kap' is not a knob" phases.hkt --params lru_kap
refused '--params: ptr_check is not tuned: .*safety' phases.hkt \
    --params ptr_check
refused "--objective: 'speed' is not time, rss or time+W\*rss" phases.hkt \
    --objective speed
refused "--objective: 'time+-1\*rss'" phases.hkt --objective 'time+-1*rss'
refused "--max-rss: '1.1y' is not a multiple" phases.hkt --max-rss 1.1y
refused "--max-syscalls: '10K' is not" phases.hkt --max-syscalls 10K
refused '--holdout 1 leaves no trace to choose on' phases.hkt --holdout 1
refused '--budget 20: at least 36 for 3 knobs' phases.hkt --params "$knobs" \
    --budget 20
refused '--plot out.pdf: the name must end in .png or .svg' phases.hkt \
    --plot out.pdf
refused 'nope.hkt: No such file' nope.hkt
refused "--confirm: '0' is not a number from 1" phases.hkt --confirm 0

"$hakmem" tune --ladders >ladders.txt || fail "--ladders failed"
for knob in lru_cap prewarm front_cap refill ss_size purge_delay \
    large_cache; do
    grep -q "^$knob " ladders.txt || fail "--ladders lacks $knob"
done
grep -q '^not tuned: ptr_check: ' ladders.txt ||
    fail "--ladders does not say why ptr_check is not tuned"
grep -q '^ss_size  *2M  *1M 2M 8M  *1M 2M 4M 8M 16M 32M 64M$' ladders.txt ||
    fail "--ladders: ss_size: $(grep ^ss_size ladders.txt)"
echo "bad arguments refused"

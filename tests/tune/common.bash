# common.bash - sourced by the tests of `hakmem tune` (tests/tune/*.sh),
# after the experiment tests' (a scratch working directory, skip, fail,
# require, count): a small trace whose knobs move predicted time, peak RSS
# and system calls, the few knobs searched (so that a tune takes seconds),
# and what jq reads from a tune's JSON.
source "$(dirname "${BASH_SOURCE[0]}")/../experiments/common.bash"
require jq
[[ -x $root/build/libexec/hakmem-tune ]] ||
    fail "build/libexec/hakmem-tune is not built"

# Grows to 3000 objects three times, 2% of them large (64-256 KiB), so
# that the large cache and the purge delay trade system calls and page
# faults against RSS.
"$hakmem" trace gen phases --peak 3000 --low-pct 0 --cycles 3 \
    --large-pct 2 --large-max 262144 -o phases.hkt ||
    fail "cannot generate the trace"
knobs=large_cache,purge_delay,front_cap

# The tunes are priced by the built-in calibration on a machine whose
# kernel gives huge pages where asked: where it gives them everywhere,
# every chunk is huge from its first touch and the trade-offs above
# change.  (The tests' HAKMEM_CALIBRATION pin would take this machine's
# huge page mode.)
jq '. + {thp: "madvise"}' "$root/experiments/calibrate/default.json" \
    >calibration.json || fail "cannot write the calibration"
export HAKMEM_CALIBRATION=$PWD/calibration.json

# tune ARGS...: a quick tune of phases.hkt, its JSON on stdout, its
# stderr appended to tune.err.
tune() {
    "$hakmem" tune phases.hkt --params "$knobs" --budget 45 --json "$@" \
        2>>tune.err
}

# chosen JSON FILTER: FILTER applied to the chosen configuration.
chosen() {
    jq -r ".configurations[] | select(.chosen) | $2" <<<"$1"
}

# sets JSON: the chosen configuration's settings as --set arguments.
sets() {
    jq -r '.configurations[] | select(.chosen) | .settings | to_entries[]
           | "--set", "\(.key)=\(.value)"' <<<"$1"
}

# simulated METRIC ARGS...: METRIC of `hakmem sim ARGS... phases.hkt`,
# run here apart from the tune: the independent truth.
simulated() {
    local metric=$1
    shift
    "$hakmem" sim "$@" phases.hkt | jq -r "$metric"
}

#!/bin/bash
# cli.sh - `hakmem trace` end to end: the generators against the real
# benchmarks (experiments/bench/*.c compiled with tests/traces/
# count_calls.h: same number of mallocs and frees, same size histogram),
# small cases counted by hand, `trace info` on good and bad files, usage
# errors and --help.
#
# The binary is ${HAKMEM:-build/hakmem}; the benchmarks are compiled with
# ${CC:-cc}.  Prints FAIL lines for what went wrong; exits 1 if anything
# did, else 0.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=${HAKMEM:-build/hakmem}
if [[ ! -x $hakmem ]]; then
    echo "FAIL: $hakmem is not built"
    exit 1
fi
# shellcheck source=tests/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib.bash"

# same WHAT GOT WANT
same() {
    [[ $2 == "$3" ]] || fail "$1: got '$2', expected '$3'"
}

# info_json FILE KEY: the number KEY has in `trace info --json FILE`.
info_json() {
    "$hakmem" trace info --json "$1" | grep -o "\"$2\":[0-9.]*" | head -n 1 |
        cut -d: -f2
}

# sizes FILE: the size histogram of `trace info FILE`, "LO-HI COUNT" lines.
sizes() {
    "$hakmem" trace info "$1" | awk '$1 ~ /^[0-9]+-[0-9]+$/ { print $1, $2 }'
}

# counted BENCH ARGS...: runs the benchmark compiled with count_calls.h;
# leaves its COUNT lines in $tmp/BENCH.count.
counted() {
    local bench=$1
    shift
    if [[ ! -x $tmp/$bench ]] &&
        ! "${CC:-cc}" -O1 -pthread -include tests/traces/count_calls.h \
            -o "$tmp/$bench" "experiments/bench/$bench.c"; then
        fail "cannot compile experiments/bench/$bench.c"
        return 1
    fi
    "$tmp/$bench" "$@" 2>"$tmp/$bench.count" >/dev/null ||
        fail "$bench $* failed"
}

# against_benchmark TRACE BENCH: the trace makes the calls BENCH made.
against_benchmark() {
    local count=$tmp/$2.count
    same "$2: mallocs" "$(info_json "$1" malloc)" \
        "$(sed -n 's/^COUNT mallocs=\([0-9]*\) .*/\1/p' "$count")"
    same "$2: frees" "$(info_json "$1" free)" \
        "$(sed -n 's/^COUNT mallocs=[0-9]* frees=\([0-9]*\)$/\1/p' "$count")"
    same "$2: size histogram" "$(sizes "$1")" \
        "$(sed -n 's/^COUNT size //p' "$count")"
}

# --- random_mixed: the benchmark's calls, exactly ---
rm=$tmp/rm.hkt
expect 0 '' "$hakmem" trace gen random_mixed 200000 4096 1234567 -o "$rm"
counted random_mixed 200000 4096 1234567 &&
    against_benchmark "$rm" random_mixed
same "random_mixed mallocs" "$(info_json "$rm" malloc)" 101013
expect 0 '^program  *random_mixed cycles=200000 ws=4096 seed=1234567$' \
    "$hakmem" trace info "$rm"
expect 0 '^checksum  *[0-9a-f]\{16\} (FNV-1a 64)$' "$hakmem" trace info "$rm"
same "random_mixed live at end" "$(info_json "$rm" live_objects)" 0
awk -v b="$(info_json "$rm" bytes_per_event)" 'BEGIN { exit !(b <= 6) }' ||
    fail "random_mixed takes $(info_json "$rm" bytes_per_event) bytes/event"
expect 0 '' "$hakmem" trace gen random_mixed 200000 4096 1234567 -o "$tmp/rm2"
cmp -s "$rm" "$tmp/rm2" || fail "random_mixed is not deterministic"
if command -v jq >/dev/null; then
    "$hakmem" trace info --json "$rm" | jq -e . >/dev/null ||
        fail "trace info --json is not JSON"
fi

# By hand: with one slot, cycles alternate malloc and free whatever the
# seed, and a block left over is freed at the end.
for c in "1 1 0:1:1:2" "2 1 5:1:1:2" "3 1 5:2:2:4" "10 1 77:5:5:10"; do
    IFS=: read -r args mallocs frees events <<<"$c"
    # shellcheck disable=SC2086
    "$hakmem" trace gen random_mixed $args -o "$tmp/small"
    same "random_mixed $args: mallocs" "$(info_json "$tmp/small" malloc)" \
        "$mallocs"
    same "random_mixed $args: frees" "$(info_json "$tmp/small" free)" "$frees"
    same "random_mixed $args: events" "$(info_json "$tmp/small" events)" \
        "$events"
    same "random_mixed $args: peak" "$(info_json "$tmp/small" peak_objects)" 1
done

# --- larson: the lanes' calls; threads, peak and totals by formula ---
larson=$tmp/larson.hkt
expect 0 '' "$hakmem" trace gen larson --threads 3 --rounds 4 --iters 500 \
    --slots 100 --min-size 8 --max-size 3000 --seed 99 -o "$larson"
counted larson -t 3 -n 4 -i 500 -s 100 -m 8 -M 3000 -r 99 &&
    against_benchmark "$larson" larson
same "larson mallocs" "$(info_json "$larson" malloc)" \
    $((3 * 100 + 3 * 4 * 500))
same "larson threads" "$(info_json "$larson" threads)" $((1 + 3 * 4))
same "larson peak objects" "$(info_json "$larson" peak_objects)" 300
same "larson live at end" "$(info_json "$larson" live_objects)" 0
expect 0 '' "$hakmem" trace gen larson -o "$tmp/larson_default.hkt"
same "larson defaults: events" \
    "$(info_json "$tmp/larson_default.hkt" events)" 1608000
awk -v b="$(info_json "$tmp/larson_default.hkt" bytes_per_event)" \
    'BEGIN { exit !(b <= 6) }' || fail "larson takes too many bytes/event"

# --- phases ---
phases=$tmp/phases.hkt
expect 0 '' "$hakmem" trace gen phases --peak 1000 --low-pct 10 --cycles 3 \
    --large-pct 5 -o "$phases"
same "phases mallocs" "$(info_json "$phases" malloc)" $((1000 + 2 * 900))
same "phases frees" "$(info_json "$phases" free)" $((1000 + 2 * 900))
same "phases peak objects" "$(info_json "$phases" peak_objects)" 1000
same "phases live at end" "$(info_json "$phases" live_objects)" 0
expect 0 '^  65536-131071 ' "$hakmem" trace info "$phases"

# --- bad files: exit status 1, the byte named ---
size=$(stat -c %s "$rm")
printf 'NOT A TRACE, NOT AT ALL' >"$tmp/magic"
expect 1 'magic: byte 0: not a hakmem trace' "$hakmem" trace info "$tmp/magic"
: >"$tmp/empty"
expect 1 'empty: byte 0: empty file' "$hakmem" trace info "$tmp/empty"
head -c $((size / 2)) "$rm" >"$tmp/half"
expect 1 "half: byte $((size / 2)): truncated" "$hakmem" trace info "$tmp/half"
head -c $((size - 1)) "$rm" >"$tmp/no_end"
expect 1 "byte $((size - 1)): truncated" "$hakmem" trace info "$tmp/no_end"
head -c 10 "$rm" >"$tmp/short_header"
expect 1 'byte 10: truncated' "$hakmem" trace info "$tmp/short_header"
yes 'garbage' | head -c 5000 >"$tmp/garbage"
expect 1 'byte 0' "$hakmem" trace info "$tmp/garbage"
{ head -c 100 "$rm"; yes 'garbage' | head -c 70000; } >"$tmp/garbage_blocks"
expect 1 'byte [0-9]*: block checksum mismatch' \
    "$hakmem" trace info "$tmp/garbage_blocks"
cp "$rm" "$tmp/flipped"
printf '\x55' | dd of="$tmp/flipped" bs=1 seek=$((size / 3)) conv=notrunc \
    status=none
expect 1 'byte [0-9]*: block checksum mismatch' \
    "$hakmem" trace info "$tmp/flipped"
{ cat "$rm"; printf 'x'; } >"$tmp/trailing"
expect 1 "byte $size: trailing bytes" "$hakmem" trace info "$tmp/trailing"
expect 1 'No such file' "$hakmem" trace info "$tmp/nonexistent"
expect 1 '' "$hakmem" trace info "$tmp"
expect 1 'nonexistent' "$hakmem" trace gen phases -o "$tmp/nonexistent/x"

# --- usage errors: exit status 2 ---
expect 2 'usage' "$hakmem" trace
expect 2 'unknown command' "$hakmem" trace bogus
expect 2 'FILE is missing' "$hakmem" trace info
expect 2 'unexpected argument' "$hakmem" trace info "$rm" "$rm"
expect 2 'unknown option' "$hakmem" trace info --bogus "$rm"
expect 2 'usage' "$hakmem" trace gen
expect 2 'unknown command' "$hakmem" trace gen bogus
expect 2 'are needed' "$hakmem" trace gen random_mixed 1 2 -o "$tmp/x"
expect 2 'CYCLES must be positive' \
    "$hakmem" trace gen random_mixed 0 1 1 -o "$tmp/x"
expect 2 'not an unsigned' "$hakmem" trace gen random_mixed x 1 1 -o "$tmp/x"
expect 2 '-o FILE is missing' "$hakmem" trace gen random_mixed 1 1 1
expect 2 'must be positive' "$hakmem" trace gen larson --threads 0 -o "$tmp/x"
expect 2 'needs a value' "$hakmem" trace gen larson --threads
expect 2 'not an unsigned' "$hakmem" trace gen larson --seed=-1 -o "$tmp/x"
expect 2 'unknown option' "$hakmem" trace gen larson --bogus 1 -o "$tmp/x"
expect 2 'min-size' "$hakmem" trace gen larson --min-size 9 --max-size 8 \
    -o "$tmp/x"
expect 2 'low-pct' "$hakmem" trace gen phases --low-pct 100 -o "$tmp/x"
[[ -e $tmp/x ]] && fail "a usage error created the output file"

# --- --help everywhere: exit status 0, usage on stdout ---
for cmd in "" info gen "gen random_mixed" "gen larson" "gen phases"; do
    # shellcheck disable=SC2086
    out=$("$hakmem" trace $cmd --help 2>/dev/null) ||
        fail "trace $cmd --help: exit status $?"
    grep -q '^usage: hakmem trace' <<<"$out" ||
        fail "trace $cmd --help: no usage on stdout"
done

if ((failures > 0)); then
    echo "$failures failed"
    exit 1
fi
echo "all passed"

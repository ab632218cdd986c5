#!/bin/bash
# suite.sh - the `make bench` suite, quickly and without judging timings:
# each pattern-checking benchmark catches a damaged block (-X) and passes
# its own check otherwise; experiments/bench/run.sh --quick, one round on
# hakmem and glibc, prints a row per shape of the suite and allocator with
# numbers in every column, ratios that agree with the medians, and the
# geometric means, and lists the single-threaded shapes as kept to one
# CPU; a base build (HAKMEM_BASE_LIB) is paired with hakmem
# round by round, left out of the best peers, and judged against the
# cost budget; a run that fails its self-check fails run.sh; and
# scaling.sh still runs.
#
# Needs the benchmarks and build/libhakmem.so built, strace and
# /usr/bin/time (skips without them).  Prints FAIL lines for what went
# wrong; exits 1 if anything did, else 0.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

for tool in strace /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed"
        exit 77
    fi
done
# shellcheck source=tests/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib.bash"

lib=$PWD/build/libhakmem.so
checked_programs="mt_random prodcons false_sharing thread_churn bursts mixed_lifetimes realloc_growth"
declare -A small=(
    [mt_random]="-t 2 -n 20000 -s 100"
    [prodcons]="-p 2 -n 20000 -q 16"
    [false_sharing]="-t 3 -n 500 -w 10"
    [thread_churn]="-t 3 -w 4 -n 50"
    [bursts]="-n 200 -a 1 -b 300"
    [mixed_lifetimes]="-n 20000 -l 200"
    [realloc_growth]="-n 2 -m 1048576"
)

# field KEY LINE: the value of KEY= on a RESULT line.
field() {
    grep -o "\b$1=[^ ]*" <<<"$2" | head -n 1 | cut -d= -f2
}

# --- the programs' own checks -------------------------------------------------

for prog in $checked_programs; do
    bin=build/bench/$prog
    [[ -x $bin ]] || { fail "$bin is not built"; continue; }
    # shellcheck disable=SC2086
    expect 1 "corrupted at offset 0" env LD_PRELOAD="$lib" "$bin" ${small[$prog]} -X
    expect 2 "is outside\|must be at least" "$bin" -r 1 -n 0 -s 0
    # shellcheck disable=SC2086
    out=$(LD_PRELOAD=$lib "$bin" ${small[$prog]} 2>&1) ||
        { fail "$prog ${small[$prog]}: exit status $?: $out"; continue; }
    checked=$(field checked "$out")
    [[ $checked =~ ^[1-9][0-9]*$ ]] || fail "$prog: checked='$checked' in: $out"
    case $prog in
    mt_random)
        [[ $checked == "$(field mallocs "$out")" ]] ||
            fail "mt_random: checked $checked of $(field mallocs "$out") blocks"
        # 25% of the frees (or hand-overs) go to the other thread, give or
        # take the binomial spread of 20000 * 2 steps.
        remote=$(field remote "$out") frees=$(field frees "$out")
        awk -v r="$remote" -v f="$frees" 'BEGIN { exit !(r > 0.2 * f && r < 0.3 * f) }' ||
            fail "mt_random: $remote remote of $frees frees, expected about 25%"
        ;;
    prodcons)
        [[ $checked == 40000 ]] || fail "prodcons: checked $checked, expected 2 * 20000"
        ;;
    false_sharing)
        [[ $checked == 1503 ]] || fail "false_sharing: checked $checked, expected 3 * (500 + 1)"
        ;;
    thread_churn)
        [[ $checked == 600 ]] || fail "thread_churn: checked $checked, expected 3 * 4 * 50"
        ;;
    realloc_growth)
        [[ $checked == 8 ]] || fail "realloc_growth: checked $checked, expected 2 * 4"
        [[ $(field growth "$out") == steps ]] || fail "realloc_growth: not in steps: $out"
        # Doubling: the same checks, and a damaged buffer is still caught.
        expect 1 "corrupted at offset 0" env LD_PRELOAD="$lib" "$bin" -d -X
        out=$(LD_PRELOAD=$lib "$bin" -d ${small[$prog]} 2>&1) ||
            fail "realloc_growth -d: exit status $?: $out"
        [[ $(field checked "$out") == 8 && $(field growth "$out") == doubling ]] ||
            fail "realloc_growth -d: expected 8 buffers checked, doubling: $out"
        ;;
    esac
done

# --- the table ----------------------------------------------------------------

out=$(experiments/bench/run.sh --quick --rounds 1 --allocators hakmem,glibc 2>"$tmp/err")
status=$?
echo "$out" >"$tmp/table"
((status == 0)) || { fail "run.sh --quick: exit status $status"; tail -n 20 "$tmp/err"; }

# The shapes expected: the suite's lines whose program has a source.
expected=()
while read -r shape _ role command rest; do
    [[ $command == pin ]] && read -r command _ <<<"$rest"
    [[ -f experiments/bench/$command.c ]] && expected+=("$shape")
    [[ -f experiments/bench/$command.c && $role == score ]] && score=$((${score:-0} + 1))
done < <(grep -v '^\s*\(#\|$\)' experiments/bench/suite.txt)
((${#expected[@]} >= 8)) || fail "only ${#expected[@]} shapes in the suite"

num='^-?[0-9.]+(e[-+][0-9]+)?$'
for shape in "${expected[@]}"; do
    for alloc in hakmem glibc; do
        row=$(awk -v s="$shape" -v a="$alloc" '$1 == s && $2 == a' "$tmp/table")
        read -r -a f <<<"$row"
        if ((${#f[@]} != 19)); then
            fail "$shape/$alloc: ${#f[@]} fields instead of 19: '$row'"
            continue
        fi
        for i in 2 4 5 6 7 8 9; do
            [[ ${f[i]%\%} =~ $num ]] || fail "$shape/$alloc: field $((i + 1)) '${f[i]}' is not a number"
        done
        for i in $(seq 10 18); do
            [[ ${f[i]} =~ ^[0-9]+$ ]] || fail "$shape/$alloc: field $((i + 1)) '${f[i]}' is not a count"
        done
        [[ ${f[3]} == M/s || ${f[3]} == /s || ${f[3]} == s ]] || fail "$shape/$alloc: unit '${f[3]}'"
        [[ ${f[18]} == $((f[11] + f[12] + f[13] + f[14] + f[15] + f[16] + f[17])) ]] ||
            fail "$shape/$alloc: syscall total ${f[18]} is not the sum of its columns"
        # glibc is the only peer, so it is its own best, and hakmem's ratio
        # to it is the medians' (times inverted); with one round, the one
        # pair's too.
        if [[ $alloc == hakmem ]]; then
            hk=("${f[2]}" "${f[5]}")
            [[ ${f[6]} == 1.00 && ${f[7]} == 1.00 ]] || fail "$shape: hakmem against itself: ${f[6]} ${f[7]}"
            continue
        fi
        [[ ${f[5]} == 1.00 && ${f[9]} == 1.00 ]] ||
            fail "$shape: glibc against itself: speed ${f[5]}, rss ${f[9]}"
        [[ ${f[6]} == "${hk[1]}" ]] || fail "$shape: hk/this ${f[6]} but hakmem's speed/best ${hk[1]}"
        [[ ${f[7]} == "${f[6]}" ]] || fail "$shape: one round, yet paired ${f[7]} is not hk/this ${f[6]}"
        awk -v h="${hk[0]}" -v g="${f[2]}" -v r="${hk[1]}" -v u="${f[3]}" 'BEGIN {
            want = u == "s" ? g / h : h / g
            exit !(r - want < 0.006 + 0.002 * want && want - r < 0.006 + 0.002 * want)
        }' || fail "$shape: hakmem speed/best ${hk[1]}, medians ${hk[0]} and ${f[2]} ${f[3]}"
    done
done
# Single-threaded shapes run on one CPU, the others on all.
grep -Eq '^  random_mixed +.*, score, pinned$' "$tmp/table" ||
    fail "random_mixed is not listed as pinned"
grep -Eq '^  larson +.*, score$' "$tmp/table" || fail "larson is listed as pinned"
grep -Eq "^timed run: +\[taskset -c [0-9]+\] " "$tmp/table" ||
    fail "the timed run's command does not name the CPU"
rows=$(awk 'NF == 19 && ($2 == "hakmem" || $2 == "glibc")' "$tmp/table" | wc -l)
((rows == 2 * ${#expected[@]})) || fail "$rows table rows, expected $((2 * ${#expected[@]}))"
grep -Eq "^  the best peer of each +[0-9.]+ +[0-9.]+ +[0-9.]+ +${score:-0}\$" "$tmp/table" ||
    fail "no geometric mean over ${score:-0} score shapes: $(grep -A3 '^geometric' "$tmp/table")"
grep -Eq "^  glibc +[0-9.]+ +[0-9.]+ +[0-9.]+ +${score:-0}\$" "$tmp/table" ||
    fail "no geometric mean against glibc"

# --- a base build beside hakmem ----------------------------------------------

# The same library as its own base: every paired median is a ratio near 1
# (not exactly: the runs are different runs), base is no peer, and the
# cost targets are printed.
out=$(HAKMEM_BASE_LIB=$lib experiments/bench/run.sh --quick --rounds 3 \
    --shapes random_mixed,larson,bursts --allocators hakmem,base,glibc 2>"$tmp/err") ||
    fail "run.sh with HAKMEM_BASE_LIB: exit status $?: $(tail -n 5 "$tmp/err")"
for shape in random_mixed larson bursts; do
    row=$(awk -v s="$shape" '/^hakmem against its base build/ { on = 1 } on && $1 == s' <<<"$out")
    read -r -a f <<<"$row"
    [[ ${#f[@]} == 5 && ${f[4]} == 3 ]] || { fail "$shape: paired row '$row'"; continue; }
    awk -v m="${f[1]}" -v lo="${f[2]}" -v hi="${f[3]}" \
        'BEGIN { exit !(lo <= m && m <= hi && m > 0.3 && m < 3) }' ||
        fail "$shape: paired median ${f[1]} outside its quartiles ${f[2]}..${f[3]} or far from 1"
    best=$(awk -v s="$shape" '$1 == s && $2 == "glibc" { print $6 }' <<<"$out")
    base_paired=$(awk -v s="$shape" '$1 == s && $2 == "base" && NF == 19 { print $8 }' <<<"$out")
    awk -v a="$base_paired" -v b="${f[1]}" 'BEGIN { exit !(a != "" && a - b <= 0.0051 && b - a <= 0.0051) }' ||
        fail "$shape: base row's paired '$base_paired', the paired section's ${f[1]}"
    [[ $best == 1.00 ]] || fail "$shape: glibc, the only peer, has speed/best $best (base taken for a peer?)"
done
for shape in random_mixed larson; do
    grep -Eq "^  $shape +hakmem / base build speed, paired +[0-9.]+ +target >= 0.98 +(PASS|MISS)\$" <<<"$out" ||
        fail "$shape: no cost target against the base build"
done
expect 1 "HAKMEM_BASE_LIB: /nonexistent/libhakmem.so is missing" \
    env HAKMEM_BASE_LIB=/nonexistent/libhakmem.so experiments/bench/run.sh --quick --rounds 1
expect 2 "needs HAKMEM_BASE_LIB" experiments/bench/run.sh --allocators hakmem,base

# --- failures and usage -------------------------------------------------------

# A shape whose program fails its check fails the run and is named.
echo "broken ops_per_s score mt_random -t 2 -n 2000 -X" >"$tmp/suite"
expect 1 "FAILED: hakmem on 'build/bench/mt_random -t 2 -n 2000 -X'" \
    env HAKMEM_BENCH_SUITE="$tmp/suite" experiments/bench/run.sh --rounds 1 --allocators hakmem
echo "good ops_per_s score bursts -n 10 | bursts -n 10 -X" >"$tmp/suite"
expect 1 "corrupted" env HAKMEM_BENCH_SUITE="$tmp/suite" HAKMEM_BENCH_QUICK=1 \
    experiments/bench/run.sh --rounds 1 --allocators hakmem
expect 2 "unknown allocator 'ptmalloc'" experiments/bench/run.sh --allocators hakmem,ptmalloc
expect 2 "unknown shape 'nosuch'" experiments/bench/run.sh --shapes nosuch
expect 2 "must include hakmem" experiments/bench/run.sh --allocators glibc
expect 2 "positive integer" experiments/bench/run.sh --rounds 0

# --- scaling.sh ---------------------------------------------------------------

if out=$(experiments/bench/scaling.sh --threads "1 16" --runs 1 --rounds 1 2>&1); then
    [[ $(grep -cE '^ +(1|16)( +[0-9.]+){6}$' <<<"$out") == 2 ]] ||
        fail "scaling.sh: no row for 1 and 16 threads: $out"
else
    fail "scaling.sh: $out"
fi

if ((failures > 0)); then
    echo "$failures failed"
    exit 1
fi
echo "all passed"

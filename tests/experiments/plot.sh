#!/bin/bash
# plot.sh - `hakmem plot` end to end, on a small results database built
# here with the sqlite3 command after experiments/sweep/SCHEMA.md.
#
# Checks the points plotted (--print): medians of repetitions, numeric x
# in numeric order, series, filters, gains over the baseline and absolute
# times; every kind as PNG (signature, IHDR of the requested size) and SVG
# (well-formed, an <svg> root, the title and the legend's labels); what
# the SVG says: axis labels for people with units (wall time in ms, not
# wall_s), whole-numbered ticks on a count axis, whiskers on bars, the
# baseline marked, a note where the y axis leaves out 0; refusals of
# plots that would mix configurations or traces behind a point; and
# errors: the exit status, a message, and no output file.
#
# The binary is ${HAKMEM:-build/hakmem}.  Prints FAIL lines for what went
# wrong; exits 1 if anything did, 77 without sqlite3, else 0.
set -u
shopt -s nullglob
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=${HAKMEM:-build/hakmem}
if [[ ! -x $hakmem || ! -x $(dirname "$hakmem")/libexec/hakmem-plot ]]; then
    echo "FAIL: $hakmem or its libexec/hakmem-plot is not built"
    exit 1
fi
if ! command -v sqlite3 >/dev/null; then
    echo "SKIP: no sqlite3 command to build the test database"
    exit 77
fi
# shellcheck source=tests/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib.bash"
db=$tmp/results.db

# The database.  Trace alpha (beta costs twice as much); hakmem with
# lru_cap 16, 0, 4 (in that order) and ptr_check never, always; baseline
# lru_cap=0 ptr_check=always.  One sim run per configuration predicts
# P = 8e6 k c / d ns (c = 2 for always; d = 1, 2, 4 for lru_cap 0, 4,
# 16); three real runs measure W/2, 5W/2 and W seconds, the median W =
# 2 P f / 1e9 with f = 2 for lru_cap=16, else 1.  glibc and mimalloc:
# three real runs each, no parameters.
make_db() {
    local id=0 trace k lru check c d base p w f
    run() { # TRACE BACKEND ALLOCATOR REP BASELINE
        ((id++))
        echo "INSERT INTO runs VALUES ($id, 'key$id', 'plot', '$1'," \
            "'0123456789abcdef', '$2', '$3', $4, $5, 'test', 'host'," \
            "'2024-01-01T00:00:00Z');"
    }
    param() { echo "INSERT INTO params VALUES ($id, '$1', '$2');"; }
    metric() { echo "INSERT INTO metrics VALUES ($id, '$1', $2);"; }
    cat <<'EOF'
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, point_key TEXT UNIQUE,
    spec TEXT, trace TEXT, trace_checksum TEXT, backend TEXT,
    allocator TEXT, rep INTEGER, baseline INTEGER, version TEXT,
    host TEXT, started_at TEXT);
CREATE TABLE params (run_id INTEGER, name TEXT, value TEXT,
    PRIMARY KEY (run_id, name));
CREATE TABLE metrics (run_id INTEGER, name TEXT, value REAL,
    PRIMARY KEY (run_id, name));
BEGIN;
EOF
    for trace in alpha beta; do
        k=1 && [[ $trace == beta ]] && k=2
        for lru in 16 0 4; do
            for check in never always; do
                c=1 && [[ $check == always ]] && c=2
                base=0 && [[ $lru$check == 0always ]] && base=1
                f=1 && ((lru == 16)) && f=2
                d=$((lru == 0 ? 1 : lru == 4 ? 2 : 4))
                p=$((k * c * 8000000 / d))
                w=$(printf '%d.%09d' 0 $((2 * p * f)))
                run $trace sim hakmem 0 $base
                param lru_cap $lru && param ptr_check $check
                metric predicted.ns $p
                metric syscalls.mmap.calls $((100 / (lru + 1)))
                metric syscalls.munmap.calls $((lru == 0 ? 2 : lru == 4))
                for rep in 0 1 2; do
                    run $trace real hakmem $rep $base
                    param lru_cap $lru && param ptr_check $check
                    case $rep in
                    0) metric wall_s "$w / 2" ;;
                    1) metric wall_s "$w * 5 / 2" ;;
                    2) metric wall_s "$w" ;;
                    esac
                done
            done
        done
        for rep in 0 1 2; do
            run $trace real glibc $rep 0 && metric wall_s "0.00$((3 - rep))"
            run $trace real mimalloc $rep 0 && metric wall_s "0.01$rep"
        done
    done
    echo "COMMIT;"
}

# points WANT ARGS...: `hakmem plot --print ARGS` prints exactly WANT.
points() {
    local want=$1 got
    shift
    got=$("$hakmem" plot --db "$db" -o "$tmp/points.png" --print "$@") ||
        fail "plot $*: failed"
    [[ $got == "$want" ]] ||
        fail "plot $*: points"$'\n'"$got"$'\n'"expected"$'\n'"$want"
}

# png FILE W H: FILE is a PNG of W x H pixels.
png() {
    local head
    head=$(od -An -tx1 -N24 "$1" | tr -d ' \n')
    [[ ${head:0:16} == 89504e470d0a1a0a ]] || fail "$1: no PNG signature"
    [[ ${head:24:8} == 49484452 ]] || fail "$1: no IHDR chunk first"
    (($((16#${head:32:8})) == $2 && $((16#${head:40:8})) == $3)) ||
        fail "$1: $((16#${head:32:8}))x$((16#${head:40:8})), expected $2x$3"
}

# svg FILE TEXT...: FILE is well-formed SVG and holds each TEXT as text.
svg() {
    local file=$1 text
    shift
    if command -v xmllint >/dev/null; then
        xmllint --noout "$file" 2>&1 || fail "$file: not well-formed XML"
        [[ $(xmllint --xpath 'name(/*)' "$file") == svg ]] ||
            fail "$file: the root is not <svg>"
    else
        grep -q '<svg[ >]' "$file" &&
            [[ $(tail -c 16 "$file") == *'</svg>'* ]] ||
            fail "$file: not an <svg> document"
    fi
    for text; do
        grep -q ">$text<" "$file" || fail "$file: no text '$text'"
    done
}

# kind NAME TEXT... -- ARGS...: plots ARGS as NAME.png and NAME.svg; the
# SVG holds each TEXT.
kind() {
    local name=$1 texts=() ext size
    shift
    while [[ $1 != -- ]]; do
        texts+=("$1")
        shift
    done
    shift
    for ext in png svg; do
        "$hakmem" plot --db "$db" -o "$tmp/$name.$ext" "$@" ||
            fail "plot $name.$ext: exit status $?"
        size=$(stat -c %s "$tmp/$name.$ext" 2>/dev/null || echo 0)
        ((size > 2000)) || fail "$name.$ext: $size bytes"
    done
    png "$tmp/$name.png" 800 600
    svg "$tmp/$name.svg" "${texts[@]}"
}

# no_output STATUS PATTERN ARGS...: `hakmem plot ARGS -o OUT` fails so and
# leaves no OUT (nor a temporary file beside it).
no_output() {
    local want=$1 pattern=$2 out=$tmp/out/failed.png
    shift 2
    mkdir -p "$tmp/out"
    expect "$want" "$pattern" "$hakmem" plot "$@" -o "$out"
    local left=("$tmp/out/"*)
    ((${#left[@]} == 0)) || fail "plot $*: left ${left[*]}"
}

make_db | sqlite3 "$db" || {
    echo "FAIL: cannot build the test database"
    exit 1
}

# Medians of three repetitions, lru_cap 0 4 16 in numeric order, series in
# the order they first appear.
points "never	0	0.016
never	4	0.008
never	16	0.008
always	0	0.032
always	4	0.016
always	16	0.016" --kind line --x lru_cap --y wall_s --series ptr_check \
    --trace alpha --backend real
# Categorical x, in order of appearance; numeric series ascending, named
# by their field; sim.
points "lru_cap=0	never	8000000
lru_cap=0	always	16000000
lru_cap=4	never	4000000
lru_cap=4	always	8000000
lru_cap=16	never	2000000
lru_cap=16	always	4000000" --kind line --x ptr_check --y predicted.ns \
    --series lru_cap --where trace=alpha
# Bars: a parameter filter narrows hakmem down, other allocators stay.
points "hakmem	alpha	0.016
hakmem	beta	0.032
glibc	alpha	0.002
glibc	beta	0.002
mimalloc	alpha	0.011
mimalloc	beta	0.011" --kind bars --metric wall_s --where lru_cap=0 \
    --where ptr_check=never
# Gains over the baseline (lru_cap=0 ptr_check=always): x measured,
# y predicted, configurations in the order of their parameters as text;
# the baseline at (1, 1).
points "alpha	1	1
alpha	2	2
alpha	2	4
alpha	4	8
alpha	2	2
alpha	4	4" --kind predicted --trace alpha
# Absolute: both times in ms.
points "beta	64	32
beta	32	16" --kind predicted --trace beta --where lru_cap=0 --absolute
# A point per run.
points "runs	100	8000000
runs	100	16000000" --kind scatter --x syscalls.mmap.calls \
    --y predicted.ns --trace alpha --where lru_cap=0

# Every kind, PNG and SVG: titles and labels for people, with units.
kind line "wall time by lru_cap and ptr_check (trace=alpha)" never always \
    lru_cap "wall time (ms)" baseline -- --kind line --x lru_cap --y wall_s \
    --series ptr_check --trace alpha
kind logy "wall time by lru_cap (trace=alpha, ptr_check=never)" \
    "wall time (ms)" -- --kind line --x lru_cap --y wall_s --logy \
    --trace alpha --where ptr_check=never
kind scatter Syscalls runs "mmap calls" "predicted time (ms)" -- \
    --kind scatter --x syscalls.mmap.calls --y predicted.ns --title Syscalls
kind predicted "Predicted vs measured gain over the baseline" alpha beta \
    "y = x" baseline "measured gain (wall time)" \
    "predicted gain (predicted time)" -- --kind predicted
kind absolute "Predicted vs measured time" alpha beta "y = x" \
    "measured wall time (ms)" "predicted time (ms)" -- \
    --kind predicted --absolute --logx --logy
kind bars "wall time by allocator and trace (lru_cap=4, ptr_check=never, backend=real)" \
    hakmem glibc mimalloc alpha beta "wall time (ms)" -- --kind bars \
    --metric wall_s --where lru_cap=4 --where ptr_check=never
"$hakmem" plot --db "$db" -o "$tmp/small.png" --size 640x480 --kind bars \
    --metric wall_s --where lru_cap=0 --where ptr_check=always ||
    fail "plot --size 640x480"
png "$tmp/small.png" 640 480

# texts FILE: the text elements of an SVG, one a line.
texts() {
    grep -o '<text[^>]*>[^<]*</text>' "$1" | sed 's/<[^>]*>//g'
}

# A count axis (munmap calls 0, 1, 2) has whole-numbered ticks only; the
# same range of a time would be cut in fifths.
"$hakmem" plot --db "$db" -o "$tmp/count.svg" --kind line --x lru_cap \
    --y syscalls.munmap.calls --trace alpha --series ptr_check ||
    fail "plot of a count"
svg "$tmp/count.svg" "munmap calls" 0 1 2
fractions=$(texts "$tmp/count.svg" | grep -xE -- '-?[0-9]*\.[0-9]+' || true)
[[ -z $fractions ]] || fail "count.svg: fractional ticks:"$'\n'"$fractions"

# Bars: one whisker (a line and two caps, #303030) per bar whose runs
# spread: every bar of the six; the baseline's bar is marked, and the
# caption says what bars and whiskers are.
whiskers=$(grep -c 'stroke="#303030"' "$tmp/bars.svg")
((whiskers == 18)) || fail "bars.svg: $whiskers whisker lines, not 18"
"$hakmem" plot --db "$db" -o "$tmp/base.svg" --kind bars --metric wall_s \
    --where lru_cap=0 --where ptr_check=always || fail "plot of the baseline"
svg "$tmp/base.svg" baseline \
    "bars: the median of the runs; whiskers: the least to the most"
# A log axis for bars says the bars do not start at 0; a line chart that
# leaves 0 out says so.
"$hakmem" plot --db "$db" -o "$tmp/logbars.svg" --kind bars --metric wall_s \
    --where lru_cap=0 --where ptr_check=always --logy ||
    fail "plot of bars on a log axis"
texts "$tmp/logbars.svg" | grep -q "logarithmic y axis: the bars start at" ||
    fail "logbars.svg: no note that the bars do not start at 0"
! texts "$tmp/logy.svg" | grep -q "not at 0" ||
    fail "logy.svg: a log axis noted as leaving out 0"
"$hakmem" plot --db "$db" -o "$tmp/high.svg" --kind line --x ptr_check \
    --y predicted.ns --where trace=beta --where lru_cap=0 ||
    fail "plot of a line far from 0"
texts "$tmp/high.svg" | grep -q "the y axis starts at .*, not at 0" ||
    fail "high.svg: no note that the y axis leaves out 0"

# Points that would mix configurations or traces are refused, naming
# what differs and how to pick.
no_output 1 "mix lru_cap (16,0,4), ptr_check (never,always).*--where" \
    --db "$db" --kind bars --metric wall_s
no_output 1 "mix trace (alpha,beta).*--series" --db "$db" --kind line \
    --x lru_cap --y wall_s --where ptr_check=never

# Errors: a message, the exit status, no file.
no_output 1 "cannot open" --db "$tmp/missing.db" --kind line --x lru_cap \
    --y wall_s
no_output 1 "not a results database" --db "$0" --kind line --x lru_cap \
    --y wall_s
no_output 1 "no run has" --db "$db" --kind line --x lru_cap --y wall_s \
    --trace gamma
no_output 1 "metrics include.*wall_s" --db "$db" --kind line --x lru_cap \
    --y wall_ms
no_output 1 "parameters include.*lru_cap" --db "$db" --kind line --x lru \
    --y wall_s
no_output 1 "logx" --db "$db" --kind line --x ptr_check --y wall_s --logx \
    --trace alpha --series lru_cap
no_output 1 "no configuration" --db "$db" --kind predicted --where lru_cap=3
no_output 2 "unknown kind" --db "$db" --kind pie --x lru_cap --y wall_s
no_output 2 "needs --metric" --db "$db" --kind bars
no_output 2 "does not apply" --db "$db" --kind predicted --backend real
no_output 2 "FIELD=VALUE" --db "$db" --kind line --x lru_cap --y wall_s \
    --where lru_cap
expect 2 "png or .svg" "$hakmem" plot --db "$db" --kind bars --metric wall_s \
    -o "$tmp/out/chart.pdf"
[[ ! -e $tmp/out/chart.pdf ]] || fail "plot -o chart.pdf made a file"
expect 1 "cannot create" "$hakmem" plot --db "$db" --kind bars \
    --metric wall_s --where lru_cap=0 --where ptr_check=never \
    -o "$tmp/no/such/dir.png"
# A failed plot leaves an older file as it was.
echo old >"$tmp/out/kept.png"
expect 1 "" "$hakmem" plot --db "$db" --kind line --x lru_cap --y nothing \
    -o "$tmp/out/kept.png"
[[ $(cat "$tmp/out/kept.png") == old ]] ||
    fail "a failed plot changed kept.png"
expect 0 "usage: hakmem plot" "$hakmem" plot --help

exit $((failures > 0))

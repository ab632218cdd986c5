#!/bin/bash
# damaged.sh - damaged input never crashes anything.  Valid traces from
# `hakmem trace gen`, cut at every one of the first 200 bytes and at a
# spread of offsets after, and with a few hundred seeded random bytes
# changed, go to `hakmem trace info`, `hakmem sim` and `hakmem replay`:
# each must exit with status 1 and name the byte (for a cut, the length
# of the file).  Traces well framed but wrong (make_bad_trace: a free of
# an unknown id, a double allocation, a double free, ...) must give
# status 1 naming the wrong event's byte; legal extremes (largest sizes,
# ids and thread number, time running backwards) status 0 or 1.  mtrace
# and heaptrack logs, cut at every byte and with random bytes changed, go
# to `hakmem trace import`: status 0 with a good trace written, or 1
# naming the line with no file left; malformed lines give the expected
# "FILE: line N: what".  No run may end with another status, a signal
# above all.
#
# Every run has its address space capped (ulimit -v), so a trace that
# asks for a huge table fails the same way on every machine.
#
# The binaries are ${HAKMEM:-build/hakmem} and ${MAKE_BAD_TRACE:-build/
# tests/make_bad_trace}.  Prints FAIL lines; exits 1 if anything failed,
# else 0.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=${HAKMEM:-build/hakmem}
make_bad=${MAKE_BAD_TRACE:-build/tests/make_bad_trace}
for bin in "$hakmem" "$make_bad"; do
    if [[ ! -x $bin ]]; then
        echo "FAIL: $bin is not built"
        exit 1
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trace-damaged.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
ulimit -v $((4 << 20)) # KiB: 4 GiB
failures=0 runs=0
err=$tmp/err

fail() {
    echo "FAIL: $*"
    ((failures++))
}

# run WHAT STATUSES PATTERN COMMAND...: COMMAND's exit status ($status
# after) is one of STATUSES (a list like "0 1"); when it is 1, its stderr
# ($err) matches the grep -E PATTERN.  WHAT names the damage in failures.
run() {
    local what=$1 statuses=" $2 " pattern=$3
    shift 3
    "$@" >/dev/null 2>"$err"
    status=$?
    ((runs++))
    if ((status >= 128)); then
        fail "$what: $*: killed by signal $((status - 128))"
    elif [[ $statuses != *" $status "* ]]; then
        fail "$what: $*: exit status $status, expected one of$statuses"
    elif ((status == 1)) && ! grep -qE -e "$pattern" "$err"; then
        fail "$what: $*: error lacks /$pattern/: $(head -c 200 "$err")"
    else
        return 0
    fi
    return 1
}

# consumers WHAT STATUSES PATTERN TRACE: trace info, sim and replay.
consumers() {
    local cmd
    for cmd in "trace info" sim replay; do
        # shellcheck disable=SC2086
        run "$1" "$2" "$3" "$hakmem" $cmd "$4"
    done
}

# --- hakmem traces ---
if ! "$hakmem" trace gen random_mixed 300 50 7 -o "$tmp/rm.hkt" ||
    ! "$hakmem" trace gen larson --threads 3 --rounds 2 --iters 50 \
        --slots 20 -o "$tmp/larson.hkt" ||
    ! "$hakmem" trace gen random_mixed 40000 1000 11 -o "$tmp/blocks.hkt"; then
    echo "FAIL: trace gen failed"
    exit 1
fi
for valid in rm larson blocks; do
    src=$tmp/$valid.hkt cut=$tmp/cut.hkt
    size=$(stat -c %s "$src")
    consumers "$valid intact" 0 '' "$src"
    # The first trace cut at every one of its first 200 bytes (the header
    # and the first block's frame), then each at 40 offsets spread over
    # the rest.
    offsets=""
    [[ $valid == rm ]] && offsets=$(seq 0 199)
    offsets+=" $(seq 200 $(((size - 200) / 40 + 1)) $((size - 1)))"
    for off in $offsets; do
        head -c "$off" "$src" >"$cut"
        consumers "$valid cut at $off" 1 "byte $off: " "$cut"
    done
done

# Random bytes changed: every one is caught by a checksum.
RANDOM=20240611
for valid in rm larson; do
    src=$tmp/$valid.hkt flipped=$tmp/flipped.hkt
    size=$(stat -c %s "$src")
    mapfile -t bytes < <(od -An -v -tu1 -w1 "$src" | tr -d ' ')
    for ((i = 0; i < 150; i++)); do
        off=$(((RANDOM << 15 | RANDOM) % size))
        new=$((bytes[off] ^ (1 + RANDOM % 255)))
        cp "$src" "$flipped"
        # shellcheck disable=SC2059
        printf "$(printf '\\x%02x' $new)" |
            dd of="$flipped" bs=1 seek="$off" conv=notrunc status=none
        consumers "$valid byte $off set to $new" 1 'byte [0-9]+: ' "$flipped"
    done
done

# Well framed but wrong, or legal and extreme.
while read -r name kind; do
    t=$tmp/$name.hkt
    if ! off=$("$make_bad" "$name" "$t"); then
        fail "make_bad_trace $name failed"
        continue
    fi
    if [[ $kind == bad ]]; then
        consumers "$name" 1 "byte $off: " "$t"
    else
        consumers "$name" "0 1" '' "$t"
    fi
done < <("$make_bad" --list)

# --- logs of other tools ---
# A real mtrace log (glibc 2.36) and real heaptrack raw data (1.4.0),
# shortened: every kind of line they hold.
cat >"$tmp/mtrace.log" <<'EOF'
= Start
@ ./prog2:(main+17)[0x11a0] + 0x5581acb962a0 0x10
@ ./prog2:(main+2a)[0x11b3] + 0x5581acb964a0 0x20
@ ./prog2:(main+38)[0x11c1] + 0x5581acb964d0 0
@ ./prog2:(main+4d)[0x11d6] < 0x5581acb962a0
@ ./prog2:(main+4d)[0x11d6] > 0x5581acb964f0 0x28
@ ./prog2:(main+5b)[0x11e4] + 0x5581acb962a0 0x18
@ ./prog2:(main+71)[0x11fa] + (nil) 0x7fffffffffffffff
@ ./prog2:(main+8e)[0x1217] ! 0x5581acb964a0 0x7fffffffffffffff
@ ./prog2:(main+9e)[0x1227] - 0x5581acb964d0
@ [0x7f3c2a4b1c2d] + 0x5581acb96600 0x400
@ ./prog:[0x121d] < 0x5581acb96600
@ ./prog:[0x121d] > 0x5581acb96600 0x1388
+ 0x5581acb96a00 0x30
- 0x5581acb96a00
@ ./prog2:(main+aa)[0x1233] - 0x5581acb962a0
@ ./prog2:(main+cf)[0x1258] - 0x5581acb964a0
@ ./prog2:(main+d9)[0x1262] + 0x5581acb96520 0x64
@ ./prog2:(main+ee)[0x1277] - 0x5581acb96520
@ ./prog2:(main+fe)[0x1287] - 0x5581acb964f0
= End
EOF
cat >"$tmp/heaptrack.raw" <<'EOF'
v 10400 3
x d /tmp/imp/prog
X ./prog
I 1000 5e298d
m 1 -
m 1 x 563e920a6000 0 7c8 1000 2e5 2000 dc 3dd0 288
m 1f /lib/x86_64-linux-gnu/libc.so.6 7f1894b38000 0 25388 26000 1550fc
t 7f1894d56b9f 0
t 7f1894d40b03 1
+ 11c00 2 563e96463530
t 563e920a70e0 0
t 563e920a71d1 3
+ 10 4 563e964751d0
+ 20 4 563e964752b0
c a
R 43e
- 563e964752b0
t 563e920a721c 3
+ 1388 5 563e96475550
+ 0 5 563e964752b0
c 15
- 563e964751d0
- 563e96475550
- 563e964752b0
- 563e96463530
c 1f
R 44e
EOF

# import_run WHAT LOG KIND: `trace import` takes it whole (status 0, and
# the trace is good) or refuses it (status 1, naming the line, no file).
import_run() {
    local what=$1 log=$2 kind=$3 out=$tmp/imported.hkt
    rm -f "$out"
    run "$what" "0 1" ": line [0-9]+: |-dc failed" \
        "$hakmem" trace import --from "$kind" "$log" -o "$out" || return
    if [[ -e $out.tmp ]]; then
        fail "$what: $out.tmp left behind"
    elif ((status == 0)); then
        "$hakmem" trace info "$out" >/dev/null 2>&1 ||
            fail "$what: the imported trace is bad"
    elif [[ -e $out ]]; then
        fail "$what: $out left behind"
    fi
}

for kind in mtrace heaptrack; do
    [[ $kind == mtrace ]] && src=$tmp/mtrace.log || src=$tmp/heaptrack.raw
    cut=$tmp/cut.log flipped=$tmp/flipped.log
    size=$(stat -c %s "$src")
    run "$kind intact" 0 '' "$hakmem" trace import --from $kind "$src" \
        -o "$tmp/intact.hkt"
    for ((off = 0; off < size; off++)); do
        head -c "$off" "$src" >"$cut"
        import_run "$kind cut at $off" "$cut" $kind
    done
    mapfile -t bytes < <(od -An -v -tu1 -w1 "$src" | tr -d ' ')
    for ((i = 0; i < 150; i++)); do
        off=$((RANDOM % size))
        new=$((bytes[off] ^ (1 + RANDOM % 255)))
        cp "$src" "$flipped"
        # shellcheck disable=SC2059
        printf "$(printf '\\x%02x' $new)" |
            dd of="$flipped" bs=1 seek="$off" conv=notrunc status=none
        import_run "$kind byte $off set to $new" "$flipped" $kind
    done
done

# Compressed data cut short: the decompressor's failure is the error.
if command -v zstd >/dev/null; then
    zstd -q -c "$tmp/heaptrack.raw" >"$tmp/h.zst"
    head -c $(($(stat -c %s "$tmp/h.zst") / 2)) "$tmp/h.zst" >"$tmp/cut.zst"
    run "zstd data cut short" 1 'cut.zst: zstd -dc failed' \
        "$hakmem" trace import --from heaptrack "$tmp/cut.zst" -o "$tmp/z.hkt"
    [[ -e $tmp/z.hkt || -e $tmp/z.hkt.tmp ]] &&
        fail "zstd data cut short: an output file was left"
fi

# malformed KIND 'PRINTF-TEXT' 'line N: WHAT': the import fails so.
malformed() {
    local log=$tmp/malformed.log out=$tmp/malformed.hkt
    # shellcheck disable=SC2059
    printf "$2" >"$log"
    run "$1 log '$2'" 1 "^$log: $3" \
        "$hakmem" trace import --from "$1" "$log" -o "$out" &&
        [[ -e $out || -e $out.tmp ]] && fail "$1 log '$2': a file was left"
}
malformed mtrace '' "line 1: empty file"
malformed mtrace 'garbage\n' "line 1: not an mtrace log"
malformed mtrace '= Start\n+ 0x10\n' "line 2: '\+': the size is not"
malformed mtrace '= Start\n+ 0x10 0x5 x\n' "line 2: '\+': unexpected text"
malformed mtrace '= Start\n+ 0x10 0x5' "line 2: no newline at the end"
malformed mtrace '= Start\n+ 0x1\0 0x5\n' "line 2: NUL byte"
malformed mtrace '= Start\n+ 0x12345678901234567 0x5\n' \
    "line 2: '\+': the block is not"
malformed mtrace '= Start\n+ 0X10 0x5\n' "line 2: '\+': the block is not"
malformed mtrace '= Start\n* 0x10\n' "line 2: not an mtrace call"
malformed mtrace '= Start\n@ ./p:[0x1 + 0x10 0x5\n' "line 2: a caller"
malformed mtrace '= Start\n< 0x10\n- 0x10\n' "line 3: '<' not followed"
malformed mtrace '= Start\n< 0x10\n= End\n' "line 3: '<' not followed"
malformed mtrace '= Start\n> 0x10 0x5\n' "line 2: '>' without '<'"
malformed mtrace '= Start\n< 0x10\n' "line 3: the log ends after '<'"
malformed mtrace '= Start\n- (nil)\n' "line 2: '-' of a null block"
malformed mtrace '= Start\n= End\n+ 0x10 0x5\n' "line 3: a line after"
malformed mtrace '= Start\n= Start\n' "line 2: unknown '=' line"
malformed heaptrack '' "line 1: empty file"
malformed heaptrack 'garbage\n' "line 1: not heaptrack data"
malformed heaptrack 'v 10400 4\n' "line 1: file format 4"
malformed heaptrack 'v 10400 3\n+ 10 0\n' "line 2: expected '\+ SIZE NODE"
malformed heaptrack 'v 10400 3\n+ 10 5 1234\n' "line 2: backtrace node 5"
malformed heaptrack 'v 10400 3\n+ 10 0 0\n' "line 2: allocation at address 0"
malformed heaptrack 'v 10400 3\nt 1234 1\n' "line 2: parent node 1"
malformed heaptrack 'v 10400 3\nc a\nc 5\n' "line 3: time 5 ms goes back"
malformed heaptrack 'v 10400 3\n- 12g4\n' "line 2: expected '- BLOCK'"
malformed heaptrack 'v 10400 3\nQ 1\n' "line 2: unknown record 'Q'"
malformed heaptrack 'v 10400 3\n\n' "line 2: empty line"
malformed heaptrack 'v 10400 3\nv 10400 3\n' "line 2: a second version"
malformed heaptrack 'v 10400 3\ns 4 main\n' "line 2: heaptrack_interpret"
malformed heaptrack 'v 10400 3\n+ 1\n' "line 2: heaptrack_interpret"
malformed heaptrack 'v 10400 3\n- 1234' "line 2: no newline at the end"

# Logs that are odd but possible: each case settled as documented.
# harmless KIND 'PRINTF-TEXT' MALLOCS REALLOCS FREES NOTES
harmless() {
    local log=$tmp/odd.log out=$tmp/odd.hkt got
    # shellcheck disable=SC2059
    printf "$2" >"$log"
    run "$1 log '$2'" 0 '' "$hakmem" trace import --from "$1" "$log" \
        -o "$out" || return
    got=$("$hakmem" trace info --json "$out" |
        grep -o '"\(malloc\|realloc\|free\)":[0-9]*' | cut -d: -f2 | xargs)
    [[ $got == "$3 $4 $5" ]] ||
        fail "$1 log '$2': malloc realloc free $got, expected $3 $4 $5"
    got=$(grep -c '^hakmem trace import: ' "$err")
    [[ $got == "$6" ]] || fail "$1 log '$2': $got notes, expected $6"
}
# A free of a block never allocated, an allocation at a live address, a
# realloc of a block never allocated, a failed allocation.
harmless mtrace '= Start\n- 0x10\n+ 0x20 0x8\n+ 0x20 0x8\n< 0x30\n> 0x40 0x9\n'\
'+ (nil) 0x100\n' 3 0 1 4
harmless heaptrack 'v 10400 3\n- 99\n+ 10 0 55\n+ 20 0 55\nc 5\n- 55\n' \
    2 0 2 2
harmless heaptrack 'v 10200\n+ 10 0 55\n' 1 0 0 0

echo "$runs runs, $failures failed"
((failures == 0))

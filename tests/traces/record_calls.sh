#!/bin/bash
# record_calls.sh - what the recorder logs, call by call, and how
# `hakmem record` behaves as a command.
#
#  - build/tests/record_calls (tests/traces/record_calls.c) makes every
#    call of the malloc family, failing calls and free(NULL) 1000 times:
#    the trace holds exactly the events the program says it must, by
#    kind, above those of a run of 0 rounds (glibc underneath, then
#    mimalloc and libhakmem.so preloaded after the recorder, which must
#    really serve the program: its blocks are not in the brk heap);
#  - eight threads pass blocks around a ring (allocated by one thread,
#    freed by the next): the trace is well formed whatever the
#    interleaving, five times over;
#  - a thousand threads one after another are a thousand threads in the
#    trace, and the recorder reuses their buffers (the process does not
#    grow by a buffer per thread);
#  - a program that closes every descriptor and opens a file under the
#    recorder's old number keeps its file, and the trace is complete;
#  - exit status, signals and stdin pass through; usage errors;
#  - --keep-raw keeps FILE.d/trace.raw.PID, and --convert turns it into the same
#    trace again, byte for byte;
#  - a recorder preloaded by hand writes FILE.raw.PID.
#
# Prints FAIL lines; exits 1 if anything failed.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/traces/record_common.bash
source tests/traces/record_common.bash

calls=$PWD/build/tests/record_calls
if [[ ! -x $calls ]]; then
    echo "FAIL: $calls is not built"
    exit 1
fi
kinds=(malloc calloc realloc free aligned)

# recorded_kinds TRACE: "malloc=N calloc=N ..." of the trace.
recorded_kinds() {
    local json kind out=()
    json=$("$hakmem" trace info --json "$1")
    for kind in "${kinds[@]}"; do
        out+=("$kind=$(json_num "$kind" <<<"$json")")
    done
    echo "${out[*]}"
}

# exact_calls NAME OWNER [PRELOAD]: 1000 rounds of calls recorded with
# PRELOAD after the recorder: the events above a run of 0 rounds are
# exactly those the program expects; its blocks come from OWNER ("brk"
# for glibc, "mapped" for an allocator preloaded after the recorder).
exact_calls() {
    local name=$1 owner=$2 preload=${3:-} n base more expect got=() i
    for n in 0 1000; do
        LD_PRELOAD=$preload "$hakmem" record -o "$tmp/$name.$n" -- \
            "$calls" calls $n >"$tmp/$name.$n.out" 2>"$tmp/$name.$n.err" ||
            fail "$name: record_calls calls $n: $(cat "$tmp/$name.$n.err")"
    done
    read -ra base <<<"$(recorded_kinds "$tmp/$name.0")"
    read -ra more <<<"$(recorded_kinds "$tmp/$name.1000")"
    for i in "${!kinds[@]}"; do
        got+=("${kinds[i]}=$((${more[i]#*=} - ${base[i]#*=}))")
    done
    expect=$(sed -n 's/^expect //p' "$tmp/$name.1000.out")
    if [[ "${got[*]}" != "$expect" ]]; then
        fail "$name: recorded ${got[*]}, expected $expect"
    else
        echo "ok $name: exactly the expected events ($expect)"
    fi
    check_trace "$tmp/$name.1000"
    complete "$tmp/$name.1000"
    got=$(LD_PRELOAD=$preload "$hakmem" record -o "$tmp/$name.owner" -- \
        "$calls" owner 2>/dev/null)
    [[ $got == "$owner" ]] ||
        fail "$name: the program's blocks are $got, not $owner"
}

# --- every call, under glibc, mimalloc and libhakmem.so ---
exact_calls glibc brk
mimalloc=$(ldconfig -p | awk '$1 == "libmimalloc.so.2" { print $NF; exit }')
if [[ -n $mimalloc ]]; then
    exact_calls mimalloc mapped "$mimalloc"
else
    echo "mimalloc is not installed: not tried under the recorder"
fi
exact_calls hakmem mapped "$PWD/build/libhakmem.so"

# --- threads freeing each other's blocks ---
for i in 1 2 3 4 5; do
    out=$("$hakmem" record -o "$tmp/ring" -- "$calls" threads 8 400 2>&1) ||
        fail "ring $i: $out"
    check_trace "$tmp/ring" || break
    complete "$tmp/ring"
    n=$(info_num "$tmp/ring" threads)
    ((n == 9)) || fail "ring $i: $n threads in the trace, not 9"
done
echo "ok ring: 5 runs of 8 threads, well formed"

# --- threads one after another: buffers are reused, numbers are not ---
# The recorded run may grow by a few buffers more than the plain one (a
# thousand buffers of 64 KiB would be 64000 KiB).
plain=$("$calls" spawn 1000)
out=$("$hakmem" record -o "$tmp/spawn" -- "$calls" spawn 1000 2>/dev/null)
more=$((${out#KiB gained: } - ${plain#KiB gained: }))
check_trace "$tmp/spawn"
complete "$tmp/spawn"
n=$(info_num "$tmp/spawn" threads)
if ((n != 1001 || more > 8192)); then
    fail "spawn: $n threads in the trace; $out recorded, $plain plain"
else
    echo "ok spawn: 1000 threads recorded as such, $more KiB more than plain"
fi

# --- a program that closes the recorder's descriptor ---
"$hakmem" record -o "$tmp/fds" -- "$calls" fds "$tmp/fds.out" 2>/dev/null ||
    fail "fds: record_calls fds failed"
[[ $(cat "$tmp/fds.out" 2>&1) == "the program's own line" ]] ||
    fail "fds: the program's file holds: $(head -c 200 "$tmp/fds.out")"
check_trace "$tmp/fds"
# 3 x 100,000 frees and mallocs, less the first 1000 frees, of NULL.
events=$(info_num "$tmp/fds" events)
if [[ $(program_of "$tmp/fds") == *"cut short"* ]] || ((events < 599000)); then
    fail "fds: $events events, $(program_of "$tmp/fds")"
else
    echo "ok fds: the program's file is its own, the trace complete"
fi

# --- the command ---
"$hakmem" record -o "$tmp/st" -- bash -c 'exit 3' 2>/dev/null
status=$?
((status == 3)) || fail "exit status 3 came back as $status"
"$hakmem" record -o "$tmp/sig" -- bash -c 'kill -TERM $$' 2>/dev/null
status=$?
((status == 128 + 15)) || fail "SIGTERM came back as $status"
out=$(echo "through stdin" | "$hakmem" record -o "$tmp/cat" -- cat 2>/dev/null)
[[ $out == "through stdin" ]] || fail "stdin: '$out'"
"$hakmem" record -o "$tmp/none" -- "$tmp/no such program" 2>/dev/null
status=$?
((status == 127)) || fail "a missing program gave status $status, not 127"
"$hakmem" record -o "$tmp/usage" 2>/dev/null
status=$?
((status == 2)) || fail "no program: status $status, not 2"
"$hakmem" record --bogus -- true 2>/dev/null
status=$?
((status == 2)) || fail "unknown option: status $status, not 2"
"$hakmem" record --help | grep -q '^usage: hakmem record' ||
    fail "record --help"
echo "ok command: exit statuses, signals, stdin and usage errors"

# --- --keep-raw and --convert ---
mkdir "$tmp/keep"
"$hakmem" record --keep-raw -o "$tmp/keep/t" -- "$calls" calls 50 \
    >/dev/null 2>&1
raw=("$tmp"/keep/t.d/trace.raw.*)
if ((${#raw[@]} != 1)) || [[ ! -e ${raw[0]} ]]; then
    fail "--keep-raw left ${raw[*]}"
else
    "$hakmem" record --convert "${raw[0]}" -o "$tmp/keep/again" 2>/dev/null ||
        fail "--convert failed"
    cmp -s "$tmp/keep/t" "$tmp/keep/again" ||
        fail "--convert made another trace than record did"
    echo "ok --keep-raw and --convert: the same trace again"
fi

# --- preloaded by hand ---
mkdir "$tmp/hand"
(cd "$tmp/hand" &&
    HAKMEM_RECORD_FILE=manual \
        LD_PRELOAD=$(dirname "$hakmem")/libhakmem-record.so \
        "$calls" calls 5 >/dev/null)
raw=("$tmp"/hand/manual.raw.*)
if [[ -e ${raw[0]} ]] && "$hakmem" record --convert "${raw[0]}" \
    -o "$tmp/hand/trace" 2>/dev/null && check_trace "$tmp/hand/trace"; then
    echo "ok by hand: HAKMEM_RECORD_FILE=manual wrote ${raw[0]##*/}"
else
    fail "by hand: no usable raw file: $(ls "$tmp/hand")"
fi

finish

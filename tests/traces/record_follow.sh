#!/bin/bash
# record_follow.sh - which processes `hakmem record` records, where it
# puts their traces, and what it says when there is nothing to convert:
#
#  - --follow=all (the default), fork, exec and --no-follow on a program
#    that forks children (record_calls fork 2), one whose process execs
#    another program (bash, then record_calls calls 10), and one whose
#    forked child execs a program that forks (bash running record_calls
#    fork 2): FILE is the last recorded image of the program's process,
#    FILE.d/PID[.N].trace every other recorded image, and FILE.d/ exists
#    only when it holds traces;
#  - a new recording removes the old FILE and the traces and raw files an
#    earlier one left in FILE.d/, and refuses (exit 1, before running the
#    program) a FILE.d/ holding anything else, or an -o FILE it cannot
#    create;
#  - the reason when the program's process left no raw file: not found
#    (127, as a shell says), not executable (126), killed by a signal
#    (named), statically linked (checked in the ELF, also through a
#    script's interpreter), or dynamically linked but ended before its
#    first write (_exit).
#
# Prints FAIL lines; exits 1 if anything failed.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/traces/record_common.bash
source tests/traces/record_common.bash

calls=$PWD/build/tests/record_calls
[[ -x $calls ]] || { echo "FAIL: $calls is not built"; exit 1; }

# rec NAME ARGS...: hakmem record -o $tmp/NAME/trace ARGS..., the exit
# status in $status, stderr in $tmp/NAME.err.
rec() {
    local name=$1
    shift
    mkdir -p "$tmp/$name"
    "$hakmem" record -o "$tmp/$name/trace" "$@" >"$tmp/$name.out" \
        2>"$tmp/$name.err"
    status=$?
}

# layout NAME: "PROGRAM ARG | N forked, M exec'd" of a recording: FILE's
# program and first argument (the program without its directory), and
# the traces in FILE.d/ by whether they say "forked from".
layout() {
    local d=$tmp/$1/trace.d t forked=0 other=0
    for t in "$d"/*.trace; do
        [[ -e $t ]] || continue
        check_trace "$t"
        if [[ $(program_of "$t") == *"[forked from pid "* ]]; then
            ((forked++))
        else
            ((other++))
        fi
    done
    [[ -d $d && $forked$other == 00 ]] && echo "EMPTY trace.d/"
    echo "$(program_of "$tmp/$1/trace" | awk '{ sub(".*/", "", $1); print $1, $2 }')" \
        "| $forked forked, $other exec'd"
}

# expect_layout NAME WANT ARGS...: records ARGS... and checks the layout.
expect_layout() {
    local name=$1 want=$2 got
    shift 2
    rec "$name" "$@"
    if ((status != 0)); then
        fail "$name: exit status $status: $(tail -n 3 "$tmp/$name.err")"
        return
    fi
    check_trace "$tmp/$name/trace"
    got=$(layout "$name")
    if [[ $got != "$want" ]]; then
        fail "$name: '$got', expected '$want'"
    else
        echo "ok $name: $got"
    fi
}

# --- which process images ---
for mode in --follow=all --follow=fork; do
    expect_layout "fork$mode" "record_calls fork | 2 forked, 0 exec'd" \
        "$mode" -- "$calls" fork 2
done
for mode in --follow=exec --no-follow; do
    expect_layout "fork$mode" "record_calls fork | 0 forked, 0 exec'd" \
        "$mode" -- "$calls" fork 2
done
[[ -e $tmp/fork--no-follow/trace.d ]] && fail "--no-follow left trace.d/"

# bash allocates more than a buffer (so its image leaves a trace even
# though exec ends it), then becomes record_calls.
execs=(bash -c 'for ((i = 0; i < 30000; i++)); do a[i]=$i; done
                exec "$0" calls 10' "$calls")
for mode in --follow=all --follow=exec; do
    expect_layout "exec$mode" "record_calls calls | 0 forked, 1 exec'd" \
        "$mode" -- "${execs[@]}"
done
for mode in --follow=fork --no-follow; do
    expect_layout "exec$mode" "bash -c | 0 forked, 0 exec'd" \
        "$mode" -- "${execs[@]}"
done

# bash forks a child that execs record_calls fork 2, which forks two.
nested=(bash -c '"$0" fork 2 >/dev/null; exit 0' "$calls")
rec nested-all -- "${nested[@]}"
got=$(layout nested-all)
# (bash's own forked child may leave a trace too, before its exec.)
if [[ $got != "bash -c | "[23]" forked, 1 exec'd" ]] ||
    ! grep -l 'record_calls fork 2' "$tmp"/nested-all/trace.d/*.trace \
        >/dev/null; then
    fail "nested, all: '$got'"
else
    echo "ok nested, all: $got"
fi
for mode in --follow=exec --no-follow; do
    rec "nested$mode" "$mode" -- "${nested[@]}"
    got=$(layout "nested$mode")
    [[ $got == "bash -c | 0 forked, 0 exec'd" ]] ||
        fail "nested, $mode: '$got'"
done
echo "ok nested, exec and no-follow: bash alone"
grep -q "record: .*trace.d/: [0-9]* more traces (forked children: [0-9]*, other images: 1)" \
    "$tmp/nested-all.err" || fail "nested, all: $(cat "$tmp/nested-all.err")"

# --- usage ---
rec bad --follow=children -- true
((status == 2)) && grep -q -- "--follow=children: expected exec, fork or all" \
    "$tmp/bad.err" || fail "--follow=children: $status $(cat "$tmp/bad.err")"

# --- one place, cleared ---
d=$tmp/stale/trace.d
mkdir -p "$d"
touch "$d/123.trace" "$d/123.2.trace" "$d/trace.raw.77" "$tmp/stale/trace"
rec stale --no-follow -- "$calls" calls 1
if ((status != 0)) || [[ -e $d ]] || ! check_trace "$tmp/stale/trace"; then
    fail "stale files: status $status, $(ls -A "$tmp/stale" "$d" 2>&1)"
else
    echo "ok an earlier recording's files are removed"
fi
mkdir -p "$d"
touch "$d/notes.txt"
rec stale -- touch "$tmp/ran"
if ((status != 1)) || [[ -e $tmp/ran || ! -e $d/notes.txt ]] ||
    ! grep -q "notes.txt is not a recording's file" "$tmp/stale.err"; then
    fail "a foreign file in trace.d/: status $status, $(cat "$tmp/stale.err")"
else
    echo "ok a foreign file in trace.d/ stops the recording before it runs"
fi
touch "$tmp/plain-file"
"$hakmem" record -o "$tmp/plain-file/x.trace" -- touch "$tmp/ran" \
    2>"$tmp/nodir.err"
status=$?
if ((status != 1)) || [[ -e $tmp/ran ]] ||
    ! grep -q "cannot create .*plain-file/x.trace.d: Not a directory" \
        "$tmp/nodir.err"; then
    fail "-o in no directory: status $status, $(cat "$tmp/nodir.err")"
else
    echo "ok an -o FILE that cannot be created: exit 1, the program not run"
fi

# --- no raw file: why ---
# why NAME STATUS PATTERN ARGS...: records ARGS..., which leaves no
# trace: exit status STATUS, no FILE, and stderr matching PATTERN.
why() {
    local name=$1 want=$2 pattern=$3
    shift 3
    touch "$tmp/$name/trace" 2>/dev/null
    rec "$name" -- "$@"
    if ((status != want)) || [[ -e $tmp/$name/trace ]] ||
        ! grep -q -e "$pattern" "$tmp/$name.err"; then
        fail "$name: status $status: $(cat "$tmp/$name.err")"
    else
        echo "ok $name: $(tail -n 1 "$tmp/$name.err")"
    fi
}
why missing 127 "hakmem record: no-such-program-here: command not found" \
    no-such-program-here
why missing-path 127 "hakmem record: $tmp/nothing: No such file" "$tmp/nothing"
mkdir "$tmp/bin"
printf 'echo hi\n' >"$tmp/bin/not-executable"
why not-executable 126 "not-executable: Permission denied" \
    "$tmp/bin/not-executable"
why killed 137 "sh was killed by signal 9 (SIGKILL" sh -c 'kill -9 $$'
printf '#include <unistd.h>\nint main(void) { _exit(0); }\n' >"$tmp/quit.c"
if cc -o "$tmp/quit" "$tmp/quit.c"; then
    why dynamic 1 "quit is dynamically linked, but its process ended before" \
        "$tmp/quit"
else
    fail "cc cannot build a program"
fi
if cc -static -o "$tmp/quit-static" "$tmp/quit.c" 2>/dev/null; then
    why static 1 "quit-static is statically linked (no PT_INTERP)" \
        "$tmp/quit-static"
    printf '#!%s\n' "$tmp/quit-static" >"$tmp/bin/script"
    chmod +x "$tmp/bin/script"
    why script 1 "quit-static (the interpreter of $tmp/bin/script) is statically" \
        "$tmp/bin/script"
else
    echo "cc -static does not link here: static programs not tried"
fi
grep -q "static" "$tmp/killed.err" && fail "a killed sh blamed on static linking"

finish

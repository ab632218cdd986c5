#!/bin/bash
# import.sh - `hakmem trace import` on logs the real tools write now: a
# program compiled here makes N allocations of known sizes, reallocs
# every third, frees the odd ones and leaves the rest live; it runs under
# glibc's mtrace (MALLOC_TRACE, libc_malloc_debug.so.0 preloaded) and
# under `heaptrack --raw`.  The imported traces must hold exactly the
# pattern's calls (counts by kind, live objects and bytes at the end,
# the peak; for heaptrack, the difference from a run with N = 0, since it
# also logs the C runtime's own allocations), and replay with `hakmem
# sim` and `hakmem replay`.  Also: heaptrack data plain, zstd- and
# gzip-compressed import alike; heaptrack_interpret output is refused;
# usage errors and --help.
#
# The binary is ${HAKMEM:-build/hakmem}; the program is compiled with
# ${CC:-cc}.  Prints FAIL lines; exits 1 if anything failed, 77 if a tool
# is missing (after checking what the others allow), else 0.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

hakmem=${HAKMEM:-build/hakmem}
cc=${CC:-cc}
if [[ ! -x $hakmem ]]; then
    echo "FAIL: $hakmem is not built"
    exit 1
fi
# shellcheck source=tests/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib.bash"
missing=()

# same WHAT GOT WANT
same() {
    [[ $2 == "$3" ]] || fail "$1: got '$2', expected '$3'"
}

# info_json FILE KEY: the number KEY has in `trace info --json FILE`.
info_json() {
    "$hakmem" trace info --json "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 |
        cut -d: -f2
}

# --- the pattern and what it must look like, computed here ---
n=200
cat >"$tmp/pattern.c" <<'EOF'
#include <mcheck.h>
#include <stdlib.h>
#include <unistd.h>

static void *p[1000];

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;

    if (n < 0 || n > 1000)
        return 2;
    mtrace();
    for (int i = 0; i < n; i++)
        p[i] = malloc(1000 + 24 * i);
    usleep(30000); /* heaptrack's clock ticks every 10 ms */
    for (int i = 0; i < n; i += 3)
        p[i] = realloc(p[i], 2 * (1000 + 24 * i));
    for (int i = 1; i < n; i += 2)
        free(p[i]);
    muntrace();
    return 0;
}
EOF
if ! "$cc" -O1 -o "$tmp/pattern" "$tmp/pattern.c"; then
    echo "FAIL: cannot compile the pattern program"
    exit 1
fi
reallocs=$(((n + 2) / 3))
frees=$((n / 2))
live=$(((n + 1) / 2))
live_bytes=0 peak_bytes=0
for ((i = 0; i < n; i++)); do
    size=$((1000 + 24 * i))
    ((i % 3 == 0)) && size=$((2 * size))
    ((peak_bytes += size))
    ((i % 2 == 0)) && ((live_bytes += size))
done

# replays TRACE: `hakmem sim` and `hakmem replay` take it whole.
replays() {
    local events tool out status
    events=$(info_json "$1" events)
    for tool in sim replay; do
        out=$("$hakmem" "$tool" "$1" 2>&1)
        status=$?
        if ((status != 0)); then
            fail "hakmem $tool $1: exit status $status:" \
                "$(head -c 300 <<<"$out")"
            continue
        fi
        same "$tool $1: events" \
            "$(grep -o '"trace":{[^}]*"events":[0-9]*' <<<"$out" |
                grep -o '[0-9]*$')" "$events"
    done
}

# --- mtrace ---
libmd=$("$cc" -print-file-name=libc_malloc_debug.so.0)
if [[ $libmd != /* || ! -e $libmd ]]; then
    missing+=("glibc's libc_malloc_debug.so.0")
else
    mt=$tmp/mtrace.log
    LD_PRELOAD=$libmd MALLOC_TRACE=$mt "$tmp/pattern" $n ||
        fail "the pattern under mtrace: exit status $?"
    same "mtrace log starts" "$(head -n 1 "$mt")" "= Start"
    same "mtrace log ends" "$(tail -n 1 "$mt")" "= End"
    t=$tmp/mtrace.hkt
    if "$hakmem" trace import --from mtrace "$mt" -o "$t"; then
        same "mtrace: mallocs" "$(info_json "$t" malloc)" $n
        same "mtrace: reallocs" "$(info_json "$t" realloc)" $reallocs
        same "mtrace: frees" "$(info_json "$t" free)" $frees
        same "mtrace: calloc+aligned" \
            "$(($(info_json "$t" calloc) + $(info_json "$t" aligned)))" 0
        same "mtrace: threads" "$(info_json "$t" threads)" 1
        same "mtrace: live objects" "$(info_json "$t" live_objects)" $live
        same "mtrace: live bytes" "$(info_json "$t" live_bytes)" $live_bytes
        same "mtrace: peak objects" "$(info_json "$t" peak_objects)" $n
        same "mtrace: peak bytes" "$(info_json "$t" peak_bytes)" $peak_bytes
        # One call a microsecond.
        same "mtrace: duration" "$(info_json "$t" duration_ns)" \
            $(((n + reallocs + frees - 1) * 1000))
        replays "$t"
        [[ -e $t.tmp ]] && fail "mtrace: $t.tmp left behind"
    else
        fail "trace import --from mtrace: exit status $?"
    fi
fi

# --- heaptrack ---
if ! command -v heaptrack >/dev/null; then
    missing+=(heaptrack)
else
    # run_heaptrack N: raw data of the pattern with N blocks in $tmp/hN.
    run_heaptrack() {
        rm -f "$tmp/h$1".raw.*
        heaptrack --raw -o "$tmp/h$1" "$tmp/pattern" "$1" \
            >"$tmp/h$1.out" 2>&1 ||
            fail "heaptrack --raw pattern $1: exit status $?"
        raw=("$tmp/h$1".raw.*)
        [[ -s ${raw[0]} ]] || fail "heaptrack wrote no raw data for $1"
    }
    run_heaptrack 0
    base_raw=${raw[0]}
    run_heaptrack $n
    pat_raw=${raw[0]}
    b=$tmp/base.hkt t=$tmp/heaptrack.hkt
    if "$hakmem" trace import --from heaptrack "$base_raw" -o "$b" &&
        "$hakmem" trace import --from heaptrack "$pat_raw" -o "$t"; then
        # delta KEY: pattern run minus baseline run.
        delta() {
            echo $(($(info_json "$t" "$1") - $(info_json "$b" "$1")))
        }
        # heaptrack logs a realloc as a free and an allocation.
        same "heaptrack: mallocs" "$(delta malloc)" $((n + reallocs))
        same "heaptrack: frees" "$(delta free)" $((frees + reallocs))
        same "heaptrack: reallocs" "$(info_json "$t" realloc)" 0
        same "heaptrack: threads" "$(info_json "$t" threads)" 1
        same "heaptrack: live objects" "$(delta live_objects)" $live
        same "heaptrack: live bytes" "$(delta live_bytes)" $live_bytes
        # Milliseconds from the "c" lines; the pattern sleeps 30 ms.
        d=$(info_json "$t" duration_ns)
        ((d % 1000000 == 0 && d >= 20000000 && d < 10000000000)) ||
            fail "heaptrack: duration $d ns is not whole ms from 20 ms"
        "$hakmem" trace info "$t" |
            grep -q "^program  *.*/pattern $n (imported from heaptrack log" ||
            fail "heaptrack: the trace does not name the command line"
        replays "$t"

        # The same data plain and gzip-compressed imports alike.
        summary() {
            "$hakmem" trace info "$1" | grep -v '^\(file\|program\|checksum\)'
        }
        if command -v zstd >/dev/null && command -v gzip >/dev/null; then
            plain=$tmp/plain.raw gz=$tmp/data.raw.gz
            zstd -dc <"$pat_raw" >"$plain" 2>/dev/null ||
                gzip -dc <"$pat_raw" >"$plain"
            gzip -c <"$plain" >"$gz"
            for f in "$plain" "$gz"; do
                if "$hakmem" trace import --from heaptrack "$f" \
                    -o "$f.hkt"; then
                    same "heaptrack $f: summary" "$(summary "$f.hkt")" \
                        "$(summary "$t")"
                else
                    fail "trace import --from heaptrack $f: exit status $?"
                fi
            done

            # heaptrack_interpret's output is refused, and leaves no file.
            interpret=/usr/lib/heaptrack/libexec/heaptrack_interpret
            if [[ -x $interpret ]]; then
                "$interpret" <"$plain" >"$tmp/interpreted" 2>/dev/null
                out=$("$hakmem" trace import --from heaptrack \
                    "$tmp/interpreted" -o "$tmp/i.hkt" 2>&1)
                same "interpreted data: exit status" $? 1
                grep -q 'interpreted.*: line [0-9]*: heaptrack_interpret' \
                    <<<"$out" || fail "interpreted data: message '$out'"
                [[ -e $tmp/i.hkt || -e $tmp/i.hkt.tmp ]] &&
                    fail "interpreted data: an output file was left"
            fi
        fi
    else
        fail "trace import --from heaptrack: exit status $?"
    fi
fi

# --- the command line ---
printf '= Start\n= End\n' >"$tmp/empty.log"
expect 0 '^usage: hakmem trace import' "$hakmem" trace import --help
expect 0 'import ' "$hakmem" trace --help
expect 2 'FILE is missing' "$hakmem" trace import --from mtrace -o "$tmp/x"
expect 2 'from KIND is missing' "$hakmem" trace import "$tmp/empty.log" \
    -o "$tmp/x"
expect 2 '-o OUT is missing' "$hakmem" trace import --from mtrace \
    "$tmp/empty.log"
expect 2 "unknown log kind 'valgrind'" "$hakmem" trace import \
    --from valgrind "$tmp/empty.log" -o "$tmp/x"
expect 2 '--from needs a value' "$hakmem" trace import "$tmp/empty.log" \
    --from
expect 2 "unknown option '--bogus'" "$hakmem" trace import --bogus
expect 2 'unexpected argument' "$hakmem" trace import --from mtrace a b \
    -o "$tmp/x"
[[ -e $tmp/x ]] && fail "a usage error created the output file"
expect 1 'No such file' "$hakmem" trace import --from mtrace \
    "$tmp/nonexistent" -o "$tmp/x"
expect 1 "nonexistent/x.tmp" "$hakmem" trace import --from mtrace \
    "$tmp/empty.log" -o "$tmp/nonexistent/x"
expect 0 '' "$hakmem" trace import --from=mtrace "$tmp/empty.log" \
    -o="$tmp/empty.hkt"
same "empty log: events" "$(info_json "$tmp/empty.hkt" events)" 0

if ((failures > 0)); then
    echo "$failures failed"
    exit 1
fi
if ((${#missing[@]} > 0)); then
    echo "SKIP: not installed: ${missing[*]} (the rest passed)"
    exit 77
fi
echo "all passed"

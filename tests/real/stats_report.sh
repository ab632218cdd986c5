#!/bin/bash
# stats_report.sh - the statistics a program run with libhakmem.so gets:
# HAKMEM_STATS_FILE=PATH writes them into PATH instead of stderr, %p in it
# the pid (each process of a program that forks has its own file); the
# report starts with the pid and the program's name; byte counts read
# KiB, MiB in the text form; and glibc's malloc_stats(), malloc_info()
# and mallinfo2() answer with hakmem's figures, the three alike
# (build/tests/malloc_reports checks mallinfo2 against the usable sizes
# of the blocks it holds).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# shellcheck source=tests/lib.bash
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done
lib=$PWD/build/libhakmem.so
bench=build/bench/random_mixed

# HAKMEM_STATS_FILE with %p: this pid's file, and nothing on stderr.
(
    echo "$BASHPID" >"$tmp/pid"
    exec env HAKMEM_STATS=1 HAKMEM_STATS_FILE="$tmp/stats.%p.txt" \
        LD_PRELOAD="$lib" "$bench" 20000 256 7 >/dev/null 2>"$tmp/err"
) || fail "random_mixed with HAKMEM_STATS_FILE: exit status $?"
pid=$(cat "$tmp/pid")
file=$tmp/stats.$pid.txt
[[ -s $file ]] || fail "no $file: $(ls "$tmp")"
[[ ! -s $tmp/err ]] || fail "stderr not empty: $(cat "$tmp/err")"
head -n 1 "$file" | grep -qx "hakmem statistics of pid $pid (random_mixed), $lib" ||
    fail "first line: $(head -n 1 "$file")"
grep -qE "^hakmem settings .* ss_size=2MiB .* purge_delay=100ms large_cache=[0-9.]+[KMG]iB huge_pages=auto$" "$file" ||
    fail "settings not for people: $(grep settings "$file")"
grep -qE "^hakmem syscalls  mmap=[0-9]+ \([0-9.]+(B|KiB|MiB|GiB)\) " "$file" ||
    fail "system call bytes not for people: $(grep syscalls "$file")"
grep -qE "^hakmem large .* live_bytes=[0-9.]+(B|KiB|MiB) " "$file" ||
    fail "large bytes not for people: $(grep large "$file")"

# %% is a percent sign; the JSON form names the program too.
(
    echo "$BASHPID" >"$tmp/pid"
    exec env HAKMEM_STATS=json HAKMEM_STATS_FILE="$tmp/100%%-%p.json" \
        LD_PRELOAD="$lib" "$bench" 2000 64 7 >/dev/null
) || fail "random_mixed with HAKMEM_STATS=json"
pid=$(cat "$tmp/pid")
grep -q "^{\"program\":{\"pid\":$pid,\"name\":\"random_mixed\"}," \
    "$tmp/100%-$pid.json" || fail "JSON head: $(head -c 200 "$tmp/100%-$pid.json" 2>&1)"

# A program that forks: one file per process, each naming its own pid.
env HAKMEM_STATS=1 HAKMEM_STATS_FILE="$tmp/fork.%p.txt" LD_PRELOAD="$lib" \
    bash -c 'ls / >/dev/null; ls / >/dev/null' || fail "bash"
files=("$tmp"/fork.*.txt)
((${#files[@]} >= 2)) || fail "${#files[@]} files for bash and two ls"
for f in "${files[@]}"; do
    p=${f##*/fork.}
    p=${p%.txt}
    head -n 1 "$f" | grep -q "^hakmem statistics of pid $p (" ||
        fail "$f: $(head -n 1 "$f")"
done
# A file that cannot be made: a warning on stderr, the program unharmed.
expect 0 "cannot write statistics to $tmp/no/such/dir.txt: No such file" \
    env HAKMEM_STATS=1 HAKMEM_STATS_FILE="$tmp/no/such/dir.txt" \
    LD_PRELOAD="$lib" "$bench" 2000 64 7

# glibc's reports.
LD_PRELOAD=$lib build/tests/malloc_reports "$tmp/info.xml" \
    >"$tmp/figures" 2>"$tmp/malloc_stats" ||
    fail "malloc_reports: $(cat "$tmp/malloc_stats")"
# shellcheck disable=SC1090
source "$tmp/figures"
((${arena:-0} > 0 && ${held:-0} > 1800000 && ${uordblks:-0} >= ${held:-0})) ||
    fail "mallinfo2: $(cat "$tmp/figures")"
grep -qE "^in use bytes += +$uordblks " "$tmp/malloc_stats" ||
    fail "malloc_stats disagrees with uordblks $uordblks: $(cat "$tmp/malloc_stats")"
grep -qE "^system bytes += +$((arena + hblkhd)) " "$tmp/malloc_stats" ||
    fail "malloc_stats disagrees with arena + hblkhd: $(cat "$tmp/malloc_stats")"
grep -qE "^free bytes += +$fordblks " "$tmp/malloc_stats" ||
    fail "malloc_stats disagrees with fordblks $fordblks"
command -v xmllint >/dev/null || fail "xmllint is not installed (libxml2-utils)"
xmllint --noout "$tmp/info.xml" || fail "malloc_info: not well-formed"
[[ $(xmllint --xpath 'string(/malloc/system[@type="current"]/@size)' \
    "$tmp/info.xml") == $((arena + hblkhd)) ]] ||
    fail "malloc_info's system size: $(cat "$tmp/info.xml")"
[[ $(xmllint --xpath 'string(/malloc/hakmem/@in_use)' "$tmp/info.xml") == \
    "$uordblks" ]] || fail "malloc_info's in_use: $(cat "$tmp/info.xml")"
[[ $(xmllint --xpath 'string(/malloc/total[@type="mmap"]/@size)' \
    "$tmp/info.xml") == "$hblkhd" ]] || fail "malloc_info's mmap size"

((failures == 0)) && echo "statistics in their files; glibc's reports answered"
exit $((failures > 0))

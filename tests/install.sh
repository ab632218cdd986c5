#!/usr/bin/env bash
# install.sh - `make install` into a temporary DESTDIR, and the installed
# hakmem run from there: its version, help and a command of each kind
# (trace, sim, compare, sweep: the programs in libexec/; record: the
# installed recorder, which the recorded program sees in LD_PRELOAD);
# the installation still works moved elsewhere, and a copied hakmem
# alone says what it cannot find.  libhakmem.so has its SONAME and
# links, through hakmem.pc, into a program that it then serves.  Every
# command has a man page that renders and names each option of its
# --help, and no help text points into the repository.  `make
# uninstall` removes every file again.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source tests/lib.bash
for v in $(compgen -e | grep '^HAKMEM_' || true); do unset "$v"; done

root=$tmp/root
prefix=/opt/hakmem-test
if ! make -s --no-print-directory install DESTDIR="$root" PREFIX="$prefix" \
    >"$tmp/install.log" 2>&1; then
    echo "FAIL: make install: $(tail -n 5 "$tmp/install.log")"
    exit 1
fi
top=$root$prefix
hakmem=$top/bin/hakmem
commands=(trace record sim replay compare calibrate sweep merge validate plot settings tune)

# --- the files ---
for f in bin/hakmem lib/libhakmem.so.0.1.0 lib/hakmem/libhakmem-record.so \
    include/hakmem.h lib/pkgconfig/hakmem.pc share/man/man1/hakmem.1 \
    share/doc/hakmem/FORMAT.md share/doc/hakmem/SPEC.md; do
    [[ -f $top/$f ]] || fail "$f is not installed"
done
for c in sim replay compare calibrate sweep merge validate plot; do
    [[ -x $top/libexec/hakmem/hakmem-$c ]] || fail "libexec/hakmem/hakmem-$c"
done
[[ $(readlink "$top/lib/libhakmem.so.0") == libhakmem.so.0.1.0 &&
   $(readlink "$top/lib/libhakmem.so") == libhakmem.so.0 ]] ||
    fail "the library's links: $(ls -l "$top/lib")"
soname=$(objdump -p "$top/lib/libhakmem.so.0.1.0" | awk '$1 == "SONAME" { print $2 }')
[[ $soname == libhakmem.so.0 ]] || fail "SONAME '$soname'"
echo "ok installed: $(find "$root" -type f | wc -l) files, SONAME $soname"

# --- the installed command ---
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
git=$(git describe --always --dirty 2>/dev/null || echo unknown)
expect 0 "^hakmem $version (git $git)\$" "$hakmem" --version
expect 0 "^usage: hakmem COMMAND" "$hakmem" -h
expect 0 "^usage: hakmem COMMAND" "$hakmem" --help
expect 0 "^usage: hakmem sim " "$hakmem" help sim
expect 0 "^usage: hakmem trace gen larson" "$hakmem" help trace gen larson
expect 2 "'bogus' is not a command" "$hakmem" help bogus
expect 0 "" "$hakmem" trace gen random_mixed 20000 256 1 -o "$tmp/rm.trace"
expect 0 '"syscalls":{"mmap":{"calls":1,' "$hakmem" sim "$tmp/rm.trace"
expect 0 '"syscalls"' "$hakmem" replay "$tmp/rm.trace"
expect 0 "^hakmem " "$hakmem" compare --runs 1 "$tmp/rm.trace"

# The recorded program sees the installed recorder first in LD_PRELOAD.
preload=$("$hakmem" record -o "$tmp/rec.trace" -- \
    sh -c 'echo "$LD_PRELOAD"; exec "$0" calls 3 >/dev/null' \
    "$PWD/build/tests/record_calls" 2>"$tmp/rec.err")
if [[ ${preload%% *} != "$(realpath "$top/lib/hakmem/libhakmem-record.so")" ]] ||
    ! "$hakmem" trace info "$tmp/rec.trace" >/dev/null; then
    fail "record: LD_PRELOAD '$preload': $(cat "$tmp/rec.err")"
else
    echo "ok record with the installed recorder"
fi

# A sweep runs the installed hakmem's commands and stores its version.
cat >"$tmp/spec.json" <<JSON
{"name": "installed", "db": "$tmp/r.db", "grid": {"lru_cap": [0, 8]},
 "traces": [{"name": "rm", "file": "$tmp/rm.trace"}]}
JSON
if "$hakmem" sweep "$tmp/spec.json" --jobs 1 >/dev/null 2>"$tmp/sweep.err"; then
    stored=$(sqlite3 "$tmp/r.db" "SELECT count(*), min(version), max(version) FROM runs")
    [[ $stored == "2|$git|$git" ]] || fail "sweep stored '$stored'"
else
    fail "sweep: $(tail -n 3 "$tmp/sweep.err")"
fi

# Moved elsewhere, it still finds its parts; alone, it says what is missing.
mv "$top" "$tmp/moved"
expect 0 '"syscalls"' "$tmp/moved/bin/hakmem" sim "$tmp/rm.trace"
mkdir "$tmp/alone"
cp "$tmp/moved/bin/hakmem" "$tmp/alone/"
expect 1 "cannot find the program of 'sim': neither .*/libexec/hakmem-sim nor .*/libexec/hakmem/hakmem-sim exists" \
    "$tmp/alone/hakmem" sim "$tmp/rm.trace"
expect 1 "cannot find libhakmem-record.so" \
    "$tmp/alone/hakmem" record -o "$tmp/x.trace" -- true
mv "$tmp/moved" "$top"

# --- linking with the library through pkg-config ---
cat >"$tmp/linked.c" <<'C'
#include <hakmem.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    char *a = hk_malloc(100), *b = malloc(3000);
    memset(a, 1, 100);
    memset(b, 2, 3000);
    int ok = hk_malloc_usable_size(a) >= 100 && malloc_usable_size(b) >= 3000;
    hk_free(a);
    free(b);
    puts(ok ? "linked ok" : "bad sizes");
    return !ok;
}
C
pc=(env PKG_CONFIG_PATH="$top/lib/pkgconfig" pkg-config
    --define-variable=prefix="$top")
if ! "${pc[@]}" --modversion hakmem | grep -qx "$version"; then
    fail "pkg-config: $("${pc[@]}" --modversion hakmem 2>&1)"
elif ! cc $("${pc[@]}" --cflags hakmem) -o "$tmp/linked" "$tmp/linked.c" \
    $("${pc[@]}" --libs hakmem) 2>"$tmp/cc.err"; then
    fail "cc with hakmem.pc: $(cat "$tmp/cc.err")"
else
    needed=$(objdump -p "$tmp/linked" | awk '$1 == "NEEDED" && /hakmem/ { print $2 }')
    out=$(HAKMEM_STATS=1 LD_LIBRARY_PATH=$top/lib "$tmp/linked" 2>"$tmp/stats")
    if [[ $needed != libhakmem.so.0 || $out != "linked ok" ]] ||
        ! grep -q "hakmem syscalls  mmap=1 " "$tmp/stats"; then
        fail "linked program: NEEDED '$needed', output '$out'," \
            "statistics '$(head -c 300 "$tmp/stats")'"
    else
        echo "ok a program linked through hakmem.pc runs on libhakmem.so.0"
    fi
fi

# --- man pages and help texts ---
# rendered PAGE: the page as plain text, by man if it is installed, else
# by groff or mandoc.
rendered() {
    if command -v man >/dev/null; then
        MANWIDTH=100 man -l "$1"
    elif command -v groff >/dev/null; then
        groff -mandoc -Tutf8 "$1"
    else
        mandoc -Tutf8 "$1"
    fi 2>&1 | sed 's/.\x08//g'
}
# lint PAGE: the formatter's warnings about the page.
lint() {
    if command -v groff >/dev/null; then
        groff -mandoc -ww -z "$1" 2>&1
    else
        mandoc -T lint -W warning "$1" 2>&1
    fi
}
if ! command -v man >/dev/null && ! command -v groff >/dev/null &&
    ! command -v mandoc >/dev/null; then
    echo "FAIL: neither man, groff nor mandoc is installed (groff-base)"
    exit 1
fi
man1=$top/share/man/man1
for page in "$man1"/*.1; do
    warnings=$(lint "$page")
    [[ -z $warnings ]] || fail "$page: $warnings"
    grep -q '@[A-Z]*@' "$page" && fail "$page: $(grep -o '@[A-Z]*@' "$page" | head -n 1) left"
done
text=$(rendered "$man1/hakmem.1")
[[ $text == *"$prefix/lib/libhakmem.so.0"* ]] || fail "hakmem.1 lacks $prefix"
for name in $(grep '^    {"[a-z_0-9]*",' core/params.c |
    grep -v '^    {"[a-z_0-9]*", "[a-z_0-9]*"},$' | grep -o '^    {"[a-z_0-9]*"' |
    grep -o '[a-z_0-9]*') \
    HAKMEM_SS_LRU_SIZE HAKMEM_SS_PREWARM HAKMEM_FC_CAP HAKMEM_FC_REFILL \
    HAKMEM_STATS HAKMEM_FRONT_STATS HAKMEM_SS_LRU_DEBUG; do
    [[ $text == *"$name"* ]] || fail "hakmem(1) lacks $name"
done
for c in "${commands[@]}"; do
    page=$man1/hakmem-$c.1
    [[ -f $page ]] || { fail "no man page hakmem-$c(1)"; continue; }
    text=$(rendered "$page")
    help=$("$hakmem" help "$c" 2>&1)
    [[ $c == trace ]] && help+=$(for g in info gen import "gen larson" \
        "gen phases" "gen random_mixed"; do "$hakmem" trace $g --help; done)
    for option in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u |
        grep -vx -- --help); do
        [[ $text == *"$option"* ]] || fail "hakmem-$c(1) lacks $option"
    done
    # plot's help is left out of this check until it no longer names
    # experiments/sweep/SCHEMA.md.
    [[ $c != plot ]] && grep -E 'experiments/|README|FORMAT\.md|build/' \
        <<<"$help" && fail "hakmem help $c names the repository"
done
if command -v man >/dev/null &&
    [[ $(MANPATH=$top/share/man man -w hakmem-sweep 2>&1) != "$man1/hakmem-sweep.1" ]]; then
    fail "man hakmem-sweep: $(MANPATH=$top/share/man man -w hakmem-sweep 2>&1)"
fi
echo "ok man pages: ${#commands[@]} commands and hakmem(1)"

# --- uninstall ---
make -s --no-print-directory uninstall DESTDIR="$root" PREFIX="$prefix" \
    >"$tmp/uninstall.log" 2>&1 || fail "make uninstall: $(cat "$tmp/uninstall.log")"
left=$(find "$root" -type f -o -type l)
[[ -z $left ]] || fail "make uninstall left: $left"
((failures == 0)) && echo "ok make uninstall removes every file"
((failures == 0))

#!/usr/bin/env bash
# Misuse of the heap, one case per kind (tests/real/misuse.c, and the C++
# cases of misuse_cxx.cc when g++ is installed), each in a child process of
# its own: under libhakmem.so every case must end as the table's
# "expected" column says (stopped with that message, or run to the end
# with nothing on stderr).  The same tables under glibc, mimalloc,
# jemalloc and tcmalloc, those that are installed, follow for comparison;
# they are not checked.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/preload/common.bash
source tests/preload/common.bash
hakmem_lib_check || exit 1
lib=$HAKMEM_LIB
unset_harness_vars
ulimit -c 0 # the cases that abort would leave core files
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hakmem-misuse.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
fail=0

progs=(build/tests/misuse)
[ -x build/tests/misuse ] || { echo "build/tests/misuse is not built"; exit 1; }
if command -v g++ > /dev/null; then
    if g++ -O1 -g -std=c++17 -Wall -Wextra -Werror -I. \
        tests/real/misuse_cxx.cc build/direct/tests/real/misuse_run.o \
        -o "$tmp/misuse_cxx"; then
        progs+=("$tmp/misuse_cxx")
    else
        echo "FAIL: tests/real/misuse_cxx.cc does not build"
        fail=1
    fi
else
    echo "FAIL: g++ is not installed (build-essential): the C++ cases"
    fail=1
fi

echo "== hakmem ($lib)"
for prog in "${progs[@]}"; do
    LD_PRELOAD=$lib "$prog" --check || fail=1
done

dir=/usr/lib/$(gcc -print-multiarch 2> /dev/null || echo x86_64-linux-gnu)
for peer in glibc: mimalloc:libmimalloc.so.2 jemalloc:libjemalloc.so.2 \
    tcmalloc:libtcmalloc_minimal.so.4; do
    name=${peer%%:*} so=${peer#*:}
    [ -z "$so" ] || [ -e "$dir/$so" ] || continue
    echo
    echo "== $name${so:+ ($dir/$so)}, for comparison"
    # Informational: what a peer does is not hakmem's to assert.
    for prog in "${progs[@]}"; do
        LD_PRELOAD=${so:+$dir/$so} "$prog" || true
    done
done
exit $fail

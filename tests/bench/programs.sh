#!/bin/bash
# programs.sh - experiments/bench/programs.sh, quickly and without judging
# timings: one round on hakmem and glibc gives a row for every program
# installed and each allocator, with numbers in every column and glibc's
# speed and RSS ratios against itself at 1.00; bad arguments exit 2 with
# a message naming them.
#
# Needs build/libhakmem.so and /usr/bin/time (skips without the latter).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
if [[ ! -x /usr/bin/time ]]; then
    echo "SKIP: /usr/bin/time is not installed"
    exit 77
fi

fail=0
out=$(experiments/bench/programs.sh --quick --rounds 1 --allocators hakmem,glibc 2>/dev/null)
status=$?
if ((status != 0)); then
    echo "FAIL: programs.sh --quick exited $status"
    fail=1
fi
for p in python3 sort perl gawk jq sqlite3 gcc xz; do
    command -v "$p" >/dev/null || continue
    for a in hakmem glibc; do
        row=$(awk -v p="$p" -v a="$a" '$1 == p && $2 == a' <<<"$out")
        if ! [[ $row =~ ^$p\ +$a\ +[0-9]+\.[0-9]+\ +[0-9]+\.[0-9]+\ +[0-9]+\.[0-9]\ +[0-9]+\.[0-9]+\ +[0-9]+$ ]]; then
            echo "FAIL: no complete row for $p under $a: '$row'"
            fail=1
        elif [[ $a == glibc ]] && ! [[ $row =~ \ 1\.00\ +[0-9]+\.[0-9]\ +1\.00\  ]]; then
            echo "FAIL: glibc, the only peer, is not 1.00 against itself: '$row'"
            fail=1
        fi
    done
done

for args in "--rounds 0" "--allocators glibc" "--allocators hakmem,nosuch" "--bogus"; do
    # shellcheck disable=SC2086
    err=$(experiments/bench/programs.sh $args 2>&1 >/dev/null)
    status=$?
    if ((status != 2)) || ! [[ $err == programs.sh:* ]]; then
        echo "FAIL: programs.sh $args: status $status, '$err'"
        fail=1
    fi
done
((fail == 0)) && echo "ok"
exit $fail
